#include "cli/output.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <stdexcept>
#include <vector>

namespace ks::cli {

void grow_pipe(int fd) {
  struct stat st {};
  if (::fstat(fd, &st) != 0 || !S_ISFIFO(st.st_mode)) return;
  // 1 MiB is the default pipe-max-size for unprivileged processes; a
  // smaller limit or an old kernel just leaves the pipe as it was.
  (void)::fcntl(fd, F_SETPIPE_SZ, 1 << 20);
}

Stdout& Stdout::get() {
  static Stdout out = [] {
    grow_pipe(STDOUT_FILENO);
    return Stdout();
  }();
  return out;
}

void Stdout::flush() {
  size_t done = 0;
  while (done < buf_.size()) {
    // A signal may have cut a write short rather than failing it.
    if (interrupt_ != nullptr && *interrupt_ != 0) {
      buf_.clear();
      throw Interrupted{*interrupt_};
    }
    ssize_t n = ::write(STDOUT_FILENO, buf_.data() + done, buf_.size() - done);
    if (n < 0) {
      if (errno == EINTR) {
        if (interrupt_ != nullptr && *interrupt_ != 0) {
          buf_.clear();
          throw Interrupted{*interrupt_};
        }
        continue;
      }
      buf_.clear();
      if (errno == EPIPE) throw StdoutClosed{};
      throw std::runtime_error(std::string("writing to stdout: ") + std::strerror(errno));
    }
    done += static_cast<size_t>(n);
  }
  buf_.clear();
}

bool Stdout::is_terminal() const { return ::isatty(STDOUT_FILENO) == 1; }

bool color_enabled(int fd) {
  if (::isatty(fd) != 1) return false;
  const char* no = std::getenv("NO_COLOR");
  if (no != nullptr && *no != '\0') return false;
  const char* term = std::getenv("TERM");
  return term == nullptr || std::strcmp(term, "dumb") != 0;
}

void print_error(std::string_view message, std::string_view hint) {
  const bool color = color_enabled(STDERR_FILENO);
  std::string s = color ? "ks: \033[1;31merror:\033[0m " : "ks: error: ";
  s += message;
  s += '\n';
  if (!hint.empty()) {
    s += color ? "\033[36mhint:\033[0m " : "hint: ";
    s += hint;
    s += '\n';
  }
  std::fwrite(s.data(), 1, s.size(), stderr);
}

void print_warning(std::string_view message) {
  std::string s = color_enabled(STDERR_FILENO) ? "ks: \033[1;33mwarning:\033[0m " : "ks: warning: ";
  s += message;
  s += '\n';
  std::fwrite(s.data(), 1, s.size(), stderr);
}

namespace {

// Optimal string alignment distance in tenths: a substitution of the same
// letter in another case costs 1, any other edit or a transposition 10.
int distance(std::string_view a, std::string_view b) {
  const size_t n = a.size(), m = b.size();
  std::vector<std::vector<int>> d(n + 1, std::vector<int>(m + 1, 0));
  for (size_t i = 0; i <= n; ++i) d[i][0] = static_cast<int>(i) * 10;
  for (size_t j = 0; j <= m; ++j) d[0][j] = static_cast<int>(j) * 10;
  auto lower = [](char c) { return static_cast<char>(std::tolower(static_cast<unsigned char>(c))); };
  for (size_t i = 1; i <= n; ++i) {
    for (size_t j = 1; j <= m; ++j) {
      int sub = a[i - 1] == b[j - 1] ? 0 : lower(a[i - 1]) == lower(b[j - 1]) ? 1 : 10;
      d[i][j] = std::min({d[i - 1][j] + 10, d[i][j - 1] + 10, d[i - 1][j - 1] + sub});
      if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1])
        d[i][j] = std::min(d[i][j], d[i - 2][j - 2] + 10);
    }
  }
  return d[n][m];
}

}  // namespace

std::string closest_name(std::string_view name, const std::vector<std::string>& candidates) {
  if (name.empty() || name.size() > 256) return {};
  // Up to one edit in short names, one per three characters in longer ones.
  const int allowed = 10 * std::max<int>(1, static_cast<int>(name.size()) / 3);
  std::string best;
  int best_d = allowed + 1;
  for (const auto& c : candidates) {
    if (c == name || c.size() > 256) continue;
    int d = distance(name, c);
    // On a tie, a name at least as long (typing drops letters more often
    // than it adds them), then the first in order.
    auto longer = [&](const std::string& x) { return x.size() >= name.size(); };
    if (d < best_d || (d == best_d && (longer(c) != longer(best) ? longer(c) : c < best))) {
      best_d = d;
      best = c;
    }
  }
  return best_d <= allowed ? best : std::string();
}

int confirm(std::string_view question, bool yes) {
  if (yes) return -1;
  if (::isatty(STDIN_FILENO) != 1 || ::isatty(STDERR_FILENO) != 1) {
    print_error(std::string(question) + ": not on a terminal, so not asking",
                "add --yes (-y) to go ahead without a question");
    return 2;
  }
  std::string prompt(question);
  prompt += " [y/N] ";
  std::fwrite(prompt.data(), 1, prompt.size(), stderr);
  std::fflush(stderr);
  char line[64] = {};
  if (std::fgets(line, sizeof line, stdin) == nullptr) std::fputc('\n', stderr);
  std::string answer(line);
  while (!answer.empty() && (answer.back() == '\n' || answer.back() == '\r' || answer.back() == ' '))
    answer.pop_back();
  for (char& c : answer) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  if (answer == "y" || answer == "yes") return -1;
  std::fputs("cancelled: nothing was changed\n", stderr);
  return 1;
}

}  // namespace ks::cli
