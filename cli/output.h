// stdout for data, stderr for diagnostics. Stdout is written through one
// buffer; when the reader goes away (`ks ... | head`) the next write throws
// StdoutClosed, which main() turns into a quiet exit 0.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"

namespace ks::cli {

struct StdoutClosed {};
// Thrown when a write to stdout was interrupted by the flagged signal
// (Ctrl-C while the reader is not reading); main() exits 128 + signal.
struct Interrupted {
  int signal;
};

class Stdout {
 public:
  static Stdout& get();
  void write(std::string_view s) {
    buf_.append(s);
    if (buf_.size() >= kFlushAt) flush();
  }
  std::string& buffer() { return buf_; }  // append directly, then maybe_flush()
  void maybe_flush() {
    if (buf_.size() >= kFlushAt) flush();
  }
  void flush();  // throws StdoutClosed on EPIPE, Interrupted on the flagged signal
  bool is_terminal() const;
  // A flag a signal handler sets (to the signal number).
  void set_interrupt_flag(const volatile int* flag) { interrupt_ = flag; }

 private:
  static constexpr size_t kFlushAt = 256 << 10;
  std::string buf_;
  const volatile int* interrupt_ = nullptr;
};

// Whether to colour what goes to `fd`: a terminal, NO_COLOR unset or empty
// (https://no-color.org), and TERM not "dumb".
bool color_enabled(int fd);

// "ks: error: <message>" (and "hint: ..." when given) on stderr; the
// prefixes in colour when color_enabled(stderr).
void print_error(std::string_view message, std::string_view hint = {});
void print_warning(std::string_view message);

// For "did you mean": the candidate closest to `name` (edit distance, with
// case differences and transpositions cheap), or empty when none is close
// enough to be a likely typo.
std::string closest_name(std::string_view name, const std::vector<std::string>& candidates);

// Destructive commands ask before they act. Returns -1 to go ahead, or the
// exit code to return: with `yes`, go ahead; when stdin and stderr are
// terminals, print "<question> [y/N] " on stderr and go ahead only on y or
// yes (otherwise "cancelled", exit 1); anywhere else (a script, a pipe, CI)
// refuse with a usage error (exit 2) that names --yes.
int confirm(std::string_view question, bool yes);

// Raises a pipe's buffer to 1 MiB (from 64 KiB): fewer wake-ups between
// `ks` and the process on the other end. Anything but a pipe is left alone.
void grow_pipe(int fd);

}  // namespace ks::cli
