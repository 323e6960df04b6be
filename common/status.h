// Status and Result<T>: how every fallible operation that touches files,
// SQLite or sockets reports failure. Exceptions stay at the edges (CLI
// parsing, JSON decoding, main).
#pragma once

#include <cassert>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

namespace ks {

// A small, closed set of failure kinds, each with one meaning. The error
// table (common/errors.h) says what each means and maps it to a native
// wire name, a Kafka error code and a CLI exit status.
enum class Code : unsigned char {
  kOk = 0,
  kNotFound,
  kAlreadyExists,
  kInvalidArgument,
  kCorruption,
  kIOError,
  kBusy,  // a limit on connections or long polls is reached
  kUnavailable,
  kOutOfRange,  // an offset before the log start or past the log end
  kRebalanceInProgress,
  kGroupInUse,
  kRetryLater,  // SQLite stayed locked; the same request may succeed later
  kInterrupted,
  kInvalidTimestamp,  // a record timestamp outside the topic's message.timestamp limits
  kOutOfOrderSequence,    // an idempotent batch's sequence leaves a gap
  kInvalidProducerEpoch,  // an idempotent batch from an older producer epoch
};
inline constexpr size_t kCodeCount = static_cast<size_t>(Code::kInvalidProducerEpoch) + 1;

// "not found", "I/O error": the words in front of a message (error table).
std::string_view code_name(Code code);

class [[nodiscard]] Status {
 public:
  Status() = default;  // OK

  static Status OK() { return Status(); }
  static Status NotFound(std::string msg) { return {Code::kNotFound, std::move(msg)}; }
  static Status AlreadyExists(std::string msg) { return {Code::kAlreadyExists, std::move(msg)}; }
  static Status InvalidArgument(std::string msg) { return {Code::kInvalidArgument, std::move(msg)}; }
  static Status Corruption(std::string msg) { return {Code::kCorruption, std::move(msg)}; }
  static Status IOError(std::string msg) { return {Code::kIOError, std::move(msg)}; }
  // An I/O error from a failed system call: "<what>: <strerror(err)>".
  static Status FromErrno(std::string_view what, int err);
  // A limit on connections or long polls is reached: nothing else.
  static Status Busy(std::string msg) { return {Code::kBusy, std::move(msg)}; }
  static Status Unavailable(std::string msg) { return {Code::kUnavailable, std::move(msg)}; }
  static Status OutOfRange(std::string msg) { return {Code::kOutOfRange, std::move(msg)}; }
  static Status RebalanceInProgress(std::string msg) { return {Code::kRebalanceInProgress, std::move(msg)}; }
  static Status GroupInUse(std::string msg) { return {Code::kGroupInUse, std::move(msg)}; }
  static Status RetryLater(std::string msg) { return {Code::kRetryLater, std::move(msg)}; }
  static Status Interrupted(std::string msg) { return {Code::kInterrupted, std::move(msg)}; }
  static Status InvalidTimestamp(std::string msg) { return {Code::kInvalidTimestamp, std::move(msg)}; }
  static Status OutOfOrderSequence(std::string msg) { return {Code::kOutOfOrderSequence, std::move(msg)}; }
  static Status InvalidProducerEpoch(std::string msg) { return {Code::kInvalidProducerEpoch, std::move(msg)}; }
  // An error whose code was decided elsewhere (a wire name, SQLite's
  // result); `code` must not be kOk.
  static Status Error(Code code, std::string msg) {
    assert(code != Code::kOk && "Status::Error needs an error code");
    return {code, std::move(msg)};
  }

  bool ok() const { return code_ == Code::kOk; }
  Code code() const { return code_; }
  const std::string& message() const { return message_; }
  // "corruption: bad CRC at ..." — for logs and diagnostics.
  std::string to_string() const;

  // Adds context in front of the message: "opening x: <old message>".
  Status& prepend(std::string_view context);

 private:
  Status(Code code, std::string msg) : code_(code), message_(std::move(msg)) {}

  Code code_ = Code::kOk;
  std::string message_;
};

// A value or the Status that explains why there is none.
template <typename T>
class [[nodiscard]] Result {
 public:
  Result(T value) : value_(std::move(value)) {}  // NOLINT: implicit by design
  Result(Status status) : status_(std::move(status)) {  // NOLINT
    assert(!status_.ok() && "a Result built from a Status must hold an error");
  }

  bool ok() const { return value_.has_value(); }
  const Status& status() const { return status_; }
  Status take_status() { return std::move(status_); }

  T& value() & { assert(ok()); return *value_; }
  const T& value() const& { assert(ok()); return *value_; }
  T&& value() && { assert(ok()); return std::move(*value_); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }
  T&& operator*() && { return std::move(value()); }

 private:
  std::optional<T> value_;
  Status status_;
};

}  // namespace ks

// Returns early from the enclosing function when `expr` yields an error.
#define KS_RETURN_IF_ERROR(expr)            \
  do {                                      \
    ::ks::Status ks_status_ = (expr);       \
    if (!ks_status_.ok()) return ks_status_; \
  } while (0)
