// Strong types for the numbers and names that flow through every layer, so
// an offset cannot be passed where a partition or a file position is
// expected.
#pragma once

#include <compare>
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>

#include "common/status.h"

namespace ks {

template <typename Tag, typename Rep>
class StrongInt {
 public:
  using rep = Rep;
  constexpr StrongInt() = default;
  constexpr explicit StrongInt(Rep v) : v_(v) {}
  constexpr Rep value() const { return v_; }
  constexpr auto operator<=>(const StrongInt&) const = default;

 private:
  Rep v_ = 0;
};

// A record's position in a partition: 0, 1, 2, ... assigned by the log.
class Offset : public StrongInt<struct OffsetTag, int64_t> {
 public:
  using StrongInt::StrongInt;
  constexpr Offset operator+(int64_t n) const { return Offset(value() + n); }
  constexpr Offset operator-(int64_t n) const { return Offset(value() - n); }
  constexpr int64_t operator-(Offset o) const { return value() - o.value(); }
};

using PartitionId = StrongInt<struct PartitionTag, int32_t>;

// A topic name that passed Kafka's rules: 1..249 bytes of [a-zA-Z0-9._-],
// not "." or "..". Safe to use as part of a file name.
class TopicName {
 public:
  static constexpr size_t kMaxLength = 249;
  static Result<TopicName> Parse(std::string_view name);
  const std::string& str() const { return name_; }
  auto operator<=>(const TopicName&) const = default;

 private:
  explicit TopicName(std::string name) : name_(std::move(name)) {}
  std::string name_;
};

// Checks a topic name against Kafka's character and length rules; `what`
// names the thing in the error ("topic").
Status validate_name(std::string_view name, std::string_view what, size_t max_length);

// The longest group id: what a Kafka string can carry.
inline constexpr size_t kMaxGroupIdLength = 32767;
// Checks a consumer group id as Kafka does: any non-empty string
// ("roundrobin,range", "team/app 1" and "日本" are all group ids), at most
// kMaxGroupIdLength bytes. It must be valid UTF-8 (Kafka reads ids as
// Java strings, so two byte strings that are not UTF-8 could be one group
// there) without NUL (ks's tools would cut the id there).
Status validate_group_id(std::string_view id);

}  // namespace ks

template <>
struct std::hash<ks::Offset> {
  size_t operator()(ks::Offset o) const noexcept { return std::hash<int64_t>()(o.value()); }
};
