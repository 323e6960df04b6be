// Time as the storage layer sees it: injectable, so retention and segment
// rolling are tested without sleeping.
#pragma once

#include <chrono>
#include <cstdint>

namespace ks::storage {

class Clock {
 public:
  virtual ~Clock() = default;
  virtual int64_t now_ms() const = 0;
};

class SystemClock final : public Clock {
 public:
  int64_t now_ms() const override {
    return std::chrono::duration_cast<std::chrono::milliseconds>(
               std::chrono::system_clock::now().time_since_epoch())
        .count();
  }
};

// A clock that moves only when told to.
class ManualClock final : public Clock {
 public:
  explicit ManualClock(int64_t now_ms) : now_(now_ms) {}
  int64_t now_ms() const override { return now_; }
  void set(int64_t now_ms) { now_ = now_ms; }
  void advance(int64_t ms) { now_ += ms; }

 private:
  int64_t now_;
};

}  // namespace ks::storage
