// The native protocol's one set of JSON field readers and frame builders.
// A request header is a JSON object; its integers are taken only when
// they fit the field's range (never wrapped or truncated: 4294967297 is
// not 1), and a bad field is a BadField naming it, which the dispatcher
// answers with invalid_argument.
#pragma once

#include <cstdint>
#include <limits>
#include <nlohmann/json.hpp>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>

#include "common/protocol.h"
#include "common/status.h"

namespace ks::native {

using json = nlohmann::json;

constexpr int32_t kMaxInt32 = std::numeric_limits<int32_t>::max();
constexpr int64_t kMaxInt64 = std::numeric_limits<int64_t>::max();

// A request field whose value the daemon does not take; its message names
// the field and the values accepted.
struct BadField : std::invalid_argument {
  using std::invalid_argument::invalid_argument;
};

// The integer `v` (request field `name`) as a T in [lo, hi].
template <typename T>
T int_value(const json& v, std::string_view name, T lo = std::numeric_limits<T>::min(),
            T hi = std::numeric_limits<T>::max()) {
  if (v.is_number_unsigned()) {
    auto u = v.get<uint64_t>();
    if (std::cmp_greater_equal(u, lo) && std::cmp_less_equal(u, hi)) return static_cast<T>(u);
  } else if (v.is_number_integer()) {
    auto i = v.get<int64_t>();
    if (std::cmp_greater_equal(i, lo) && std::cmp_less_equal(i, hi)) return static_cast<T>(i);
  }
  std::string shown = v.dump(-1, ' ', false, json::error_handler_t::replace);
  if (shown.size() > 40) shown = shown.substr(0, 40) + "...";
  throw BadField(std::string(name) + " must be an integer in [" + std::to_string(lo) + ", " + std::to_string(hi) +
                 "], not " + shown);
}

// obj[name] as above; `fallback` when obj has no such field.
template <typename T>
T int_field(const json& obj, const char* name, T fallback, T lo = std::numeric_limits<T>::min(),
            T hi = std::numeric_limits<T>::max()) {
  auto it = obj.find(name);
  return it == obj.end() ? fallback : int_value<T>(*it, name, lo, hi);
}

// obj[name] as above; a json::exception (a bad request) when it is missing.
template <typename T>
T int_at(const json& obj, const char* name, T lo = std::numeric_limits<T>::min(),
         T hi = std::numeric_limits<T>::max()) {
  return int_value<T>(obj.at(name), name, lo, hi);
}

// obj[name] as a string; a json::exception when missing or not a string.
inline std::string str_at(const json& obj, const char* name) { return obj.at(name).get<std::string>(); }

inline std::string dump(const json& j) { return j.dump(-1, ' ', false, json::error_handler_t::replace); }

inline std::string frame_of(const json& header, std::string_view payload = {}) {
  std::string h = dump(header);
  std::string out;
  out.reserve(protocol::kFramePrefix + h.size() + payload.size());
  protocol::append_frame(&out, h, payload);
  return out;
}

inline json error_json(const Status& s) {
  return json{{"code", std::string(protocol::error_code_name(s.code()))}, {"message", s.message()}};
}

inline std::string error_frame(uint64_t id, const Status& s) {
  return frame_of(json{{"id", id}, {"error", error_json(s)}});
}

}  // namespace ks::native
