// The consumer protocol's embedded formats (see kafka_groups.h), decoded
// only for `ks group describe`.
#include <string>
#include <string_view>
#include <vector>

#include "common/coding.h"
#include "daemon/broker/kafka_groups.h"

namespace ks::server {
namespace {

// ---- consumer protocol decoding: every count is checked against the
// bytes left, so hostile input cannot make us allocate much or read past
// the end.

bool read_i16(Reader& r, int16_t* v) {
  uint16_t u;
  if (!r.read_be16(&u)) return false;
  *v = static_cast<int16_t>(u);
  return true;
}

bool read_i32(Reader& r, int32_t* v) {
  uint32_t u;
  if (!r.read_be32(&u)) return false;
  *v = static_cast<int32_t>(u);
  return true;
}

bool read_string(Reader& r, std::string* s) {
  int16_t n;
  if (!read_i16(r, &n) || n < 0) return false;
  std::string_view v;
  if (!r.read_bytes(static_cast<size_t>(n), &v)) return false;
  s->assign(v);
  return true;
}

// An array count; `min_item` bytes per element bound it by what is left.
bool read_count(Reader& r, size_t min_item, int32_t* n) {
  if (!read_i32(r, n)) return false;
  if (*n == -1) *n = 0;  // null: no entries
  return *n >= 0 && static_cast<size_t>(*n) <= r.remaining() / min_item;
}

}  // namespace


std::optional<std::vector<std::string>> decode_subscription_topics(std::string_view metadata) {
  Reader r(metadata);
  int16_t version;
  int32_t n;
  if (!read_i16(r, &version) || version < 0 || !read_count(r, 2, &n)) return std::nullopt;
  std::vector<std::string> topics;
  for (int32_t i = 0; i < n; ++i) {
    std::string t;
    if (!read_string(r, &t)) return std::nullopt;
    topics.push_back(std::move(t));
  }
  return topics;
}

std::optional<std::vector<TopicPartition>> decode_assignment(std::string_view assignment) {
  Reader r(assignment);
  int16_t version;
  int32_t n;
  if (!read_i16(r, &version) || version < 0 || !read_count(r, 6, &n)) return std::nullopt;
  std::vector<TopicPartition> out;
  for (int32_t i = 0; i < n; ++i) {
    std::string topic;
    int32_t k;
    if (!read_string(r, &topic) || !read_count(r, 4, &k)) return std::nullopt;
    for (int32_t j = 0; j < k; ++j) {
      int32_t p;
      if (!read_i32(r, &p)) return std::nullopt;
      out.push_back({topic, p});
    }
  }
  return out;
}

}  // namespace ks::server
