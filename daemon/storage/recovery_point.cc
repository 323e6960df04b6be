#include "daemon/storage/recovery_point.h"

#include <charconv>

#include "daemon/storage/file.h"

namespace ks::storage {

std::string RecoveryPoint::encode() const {
  std::string s = std::to_string(offset);
  s += ' ';
  s += std::to_string(segment_base);
  s += ' ';
  s += std::to_string(position);
  s += '\n';
  return s;
}

std::optional<RecoveryPoint> RecoveryPoint::Parse(const std::string& text) {
  RecoveryPoint rp;
  const char* p = text.data();
  const char* end = p + text.size();
  auto number = [&](auto* v, char sep) {
    auto [next, ec] = std::from_chars(p, end, *v);
    if (ec != std::errc() || next == end || *next != sep) return false;
    p = next + 1;
    return true;
  };
  if (!number(&rp.offset, ' ') || !number(&rp.segment_base, ' ') || !number(&rp.position, '\n')) return std::nullopt;
  if (p != end || rp.offset < 0 || rp.segment_base < 0 || rp.segment_base > rp.offset) return std::nullopt;
  return rp;
}

std::optional<RecoveryPoint> read_recovery_point(const std::string& dir, std::string* why) {
  const std::string path = dir + "/" + kRecoveryPointFile;
  if (!path_exists(path)) return std::nullopt;
  auto text = read_file(path);
  if (!text.ok()) {
    *why = text.status().to_string();
    return std::nullopt;
  }
  auto rp = RecoveryPoint::Parse(*text);
  if (!rp) *why = path + ": not a recovery point (" + std::to_string(text->size()) + " bytes)";
  return rp;
}

}  // namespace ks::storage
