#include "cli/commands/bench_measure.h"

#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <cstdio>

#include "cli/client.h"

namespace ks::cli::bench {

volatile int g_signal = 0;

namespace {

void on_signal(int sig) {
  g_signal = sig;
  // A second Ctrl-C ends the process at once, even while cleaning up.
  struct sigaction dfl {};
  dfl.sa_handler = SIG_DFL;
  sigaction(sig, &dfl, nullptr);
}

}  // namespace

void install_signal_handlers() {
  struct sigaction sa {};
  sa.sa_handler = on_signal;
  sigemptyset(&sa.sa_mask);
  sa.sa_flags = 0;  // no SA_RESTART: a blocking receive returns "interrupted"
  sigaction(SIGINT, &sa, nullptr);
  sigaction(SIGTERM, &sa, nullptr);
  // Only the client's flag, not Stdout's: the figures measured before the
  // signal are still printed.
  set_interrupt_flag(&g_signal);
}

int signal_exit() { return g_signal == SIGINT ? 130 : 128 + g_signal; }

std::optional<Latency> summarize(std::vector<int64_t> ns) {
  if (ns.empty()) return std::nullopt;
  std::sort(ns.begin(), ns.end());
  auto at = [&](double q) {
    auto rank = static_cast<size_t>(std::ceil(q * static_cast<double>(ns.size()) - 1e-9));
    return static_cast<double>(ns[std::clamp<size_t>(rank, 1, ns.size()) - 1]) / 1000.0;
  };
  return Latency{at(0.50), at(0.99), at(0.999), static_cast<double>(ns.back()) / 1000.0};
}

Progress::Progress(const char* what, int64_t start_ns)
    : what_(what), on_(::isatty(STDERR_FILENO) == 1), start_(start_ns), next_(start_ns + kSecond) {}

void Progress::tick(int64_t now, const Measured& m) {
  if (!on_ || now < next_) return;
  next_ = now + kSecond;
  double secs = static_cast<double>(now - start_) / 1e9;
  char line[160];
  std::snprintf(line, sizeof line, "\r%s: %lld records, %.0f records/s, %.1f MB/s\033[K", what_,
                static_cast<long long>(m.records), secs > 0 ? m.records / secs : 0.0,
                secs > 0 ? m.bytes / secs / 1e6 : 0.0);
  std::fputs(line, stderr);
  shown_ = true;
}

void Progress::clear() {
  if (shown_) std::fputs("\r\033[K", stderr);
  shown_ = false;
}

}  // namespace ks::cli::bench
