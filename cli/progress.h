// A progress line on stderr for long work (ks produce from a file, ks
// consume -e into a file, ks bench): records, rate and, when the total is
// known, percent and ETA. Shown only when stderr is a terminal, first after
// a second (short runs stay quiet), redrawn at most once a second with \r,
// and erased before anything else is printed.
#pragma once

#include <unistd.h>

#include <cstdint>
#include <cstdio>
#include <string>

#include "cli/clock.h"

namespace ks::cli {

class ProgressLine {
 public:
  // `total` is the amount update() counts toward (bytes or records, as
  // `total_is_bytes` says), or -1 when unknown.
  ProgressLine(const char* what, bool wanted, int64_t total = -1, bool total_is_bytes = false)
      : what_(what),
        on_(wanted && ::isatty(STDERR_FILENO) == 1),
        total_(total),
        total_is_bytes_(total_is_bytes),
        start_(steady_ns()),
        next_(start_ + kSecond) {}
  ~ProgressLine() { clear(); }
  ProgressLine(const ProgressLine&) = delete;
  ProgressLine& operator=(const ProgressLine&) = delete;

  bool on() const { return on_; }

  // Cheap when not due: one clock read.
  void update(int64_t records, int64_t bytes) {
    if (!on_) return;
    int64_t now = steady_ns();
    if (now < next_) return;
    next_ = now + kSecond;
    double secs = static_cast<double>(now - start_) / 1e9;
    std::string line = "\r" + std::string(what_) + ": " + grouped(records) + " records";
    char buf[96];
    if (total_ > 0) {
      double done = static_cast<double>(total_is_bytes_ ? bytes : records);
      double frac = done / static_cast<double>(total_);
      if (frac > 1) frac = 1;
      std::snprintf(buf, sizeof buf, " (%.0f%%)", frac * 100);
      line += buf;
      if (frac > 0.001 && frac < 1) {
        std::snprintf(buf, sizeof buf, ", ETA %s", duration(secs / frac - secs).c_str());
        line += buf;
      }
    }
    std::snprintf(buf, sizeof buf, ", %.0f records/s, %.1f MB/s", records / secs, static_cast<double>(bytes) / secs / 1e6);
    line += buf;
    line += "\033[K";
    std::fputs(line.c_str(), stderr);
    std::fflush(stderr);
    shown_ = true;
  }

  void clear() {
    if (shown_) std::fputs("\r\033[K", stderr);
    shown_ = false;
  }

 private:
  static constexpr int64_t kSecond = 1'000'000'000;

  static std::string grouped(int64_t n) {
    std::string s = std::to_string(n);
    for (int i = static_cast<int>(s.size()) - 3; i > 0; i -= 3) s.insert(static_cast<size_t>(i), ",");
    return s;
  }
  static std::string duration(double s) {
    auto n = static_cast<int64_t>(s + 0.5);
    if (n < 60) return std::to_string(n) + "s";
    if (n < 3600) return std::to_string(n / 60) + "m" + std::to_string(n % 60) + "s";
    return std::to_string(n / 3600) + "h" + std::to_string(n / 60 % 60) + "m";
  }

  const char* what_;
  bool on_;
  int64_t total_;
  bool total_is_bytes_;
  int64_t start_, next_;
  bool shown_ = false;
};

}  // namespace ks::cli
