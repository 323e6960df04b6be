// What a `ks bench` run measures, and when it stops measuring: the counts
// and latency samples a workload fills in, their percentiles, the
// once-a-second progress line, and the Ctrl-C flag every workload polls.
#pragma once

#include <cstdint>
#include <optional>
#include <vector>

namespace ks::cli::bench {

// The signal that stopped the run (SIGINT, SIGTERM), 0 until one arrives.
// Set only by the handlers install_signal_handlers() puts in place; the
// workloads poll it between requests and end early, keeping their figures.
extern volatile int g_signal;

// Handlers that only set g_signal, without SA_RESTART so a blocking receive
// returns "interrupted"; a second signal ends the process at once.
void install_signal_handlers();

// The exit code after a stop by g_signal: 130 for SIGINT, 128 + N otherwise.
int signal_exit();

inline constexpr int64_t kSecond = 1000000000;  // ns

struct Measured {
  int64_t records = 0;     // acknowledged (acks 0: sent), consumed, or e2e samples
  int64_t bytes = 0;       // their keys and values
  int64_t requests = 0;    // produce: batches sent; consume: fetch responses
  int64_t wire_bytes = 0;  // record batches sent or fetched, as on the wire
  int64_t start_ns = 0, end_ns = 0;
  std::vector<int64_t> latency_ns;

  double seconds() const { return end_ns > start_ns ? static_cast<double>(end_ns - start_ns) / 1e9 : 0.0; }
  double per_second(double n) const { return seconds() > 0 ? n / seconds() : 0.0; }
};

struct Latency {
  double p50, p99, p999, max;  // µs
};

// Nearest-rank percentiles of the samples (ns in, µs out); nullopt
// without any.
std::optional<Latency> summarize(std::vector<int64_t> ns);

// A once-a-second progress line on stderr, only when stderr is a terminal;
// erased before the figures are printed (and when destroyed).
class Progress {
 public:
  // `what` is a string literal: it must outlive the line.
  Progress(const char* what, int64_t start_ns);
  ~Progress() { clear(); }
  Progress(const Progress&) = delete;
  Progress& operator=(const Progress&) = delete;

  // When the next line is due (steady ns); INT64_MAX when there is none.
  int64_t due() const { return on_ ? next_ : INT64_MAX; }

  void tick(int64_t now, const Measured& m);
  void clear();

 private:
  const char* what_;
  bool on_;
  int64_t start_, next_;
  bool shown_ = false;
};

}  // namespace ks::cli::bench
