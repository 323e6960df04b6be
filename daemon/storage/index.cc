#include "daemon/storage/index.h"

#include <algorithm>
#include <cstdio>

#include "common/coding.h"
#include "daemon/storage/format.h"

namespace ks::storage {

std::string segment_name(int64_t base_offset) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%020lld", static_cast<long long>(base_offset));
  return buf;
}

bool parse_segment_file_name(const std::string& name, int64_t* base_offset, std::string* suffix) {
  if (name.size() <= static_cast<size_t>(kSegmentNameDigits) || name[kSegmentNameDigits] != '.')
    return false;
  int64_t v = 0;
  for (int i = 0; i < kSegmentNameDigits; ++i) {
    char c = name[static_cast<size_t>(i)];
    if (c < '0' || c > '9') return false;
    if (v > (INT64_MAX - (c - '0')) / 10) return false;
    v = v * 10 + (c - '0');
  }
  *base_offset = v;
  *suffix = name.substr(kSegmentNameDigits);
  return true;
}

std::optional<size_t> OffsetIndex::find(uint32_t rel_offset) const {
  auto it = std::upper_bound(entries_.begin(), entries_.end(), rel_offset,
                             [](uint32_t r, const Entry& e) { return r < e.rel_offset; });
  if (it == entries_.begin()) return std::nullopt;
  return static_cast<size_t>(it - entries_.begin() - 1);
}

std::optional<size_t> OffsetIndex::find_position(uint32_t position) const {
  auto it = std::upper_bound(entries_.begin(), entries_.end(), position,
                             [](uint32_t p, const Entry& e) { return p < e.position; });
  if (it == entries_.begin()) return std::nullopt;
  return static_cast<size_t>(it - entries_.begin() - 1);
}

uint32_t OffsetIndex::lookup(uint32_t rel_offset) const {
  auto i = find(rel_offset);
  return i ? entries_[*i].position : 0;
}

uint32_t OffsetIndex::floor_position(uint32_t position) const {
  auto i = find_position(position);
  return i ? entries_[*i].position : 0;
}

std::string OffsetIndex::encode() const {
  std::string out(entries_.size() * kOffsetEntrySize, '\0');
  char* p = out.data();
  for (const Entry& e : entries_) {
    put_be32(p, e.rel_offset);
    put_be32(p + 4, e.position);
    p += kOffsetEntrySize;
  }
  return out;
}

Result<OffsetIndex> OffsetIndex::Decode(std::string_view bytes, uint64_t log_size) {
  if (bytes.size() % kOffsetEntrySize != 0)
    return Status::Corruption("offset index size " + std::to_string(bytes.size()) +
                              " is not a multiple of " + std::to_string(kOffsetEntrySize));
  OffsetIndex index;
  index.entries_.reserve(bytes.size() / kOffsetEntrySize);
  for (size_t i = 0; i < bytes.size(); i += kOffsetEntrySize) {
    Entry e{get_be32(bytes.data() + i), get_be32(bytes.data() + i + 4)};
    if (e.position >= log_size)
      return Status::Corruption("offset index entry " + std::to_string(i / kOffsetEntrySize) +
                                " points at byte " + std::to_string(e.position) +
                                ", past the log's " + std::to_string(log_size) + " bytes");
    if (!index.entries_.empty() && (e.rel_offset <= index.entries_.back().rel_offset ||
                                    e.position <= index.entries_.back().position))
      return Status::Corruption("offset index entry " + std::to_string(i / kOffsetEntrySize) +
                                " does not increase");
    index.entries_.push_back(e);
  }
  return index;
}

std::optional<uint32_t> TimeIndex::last_older_than(int64_t ts) const {
  auto it = std::lower_bound(entries_.begin(), entries_.end(), ts,
                             [](const Entry& e, int64_t t) { return e.timestamp < t; });
  if (it == entries_.begin()) return std::nullopt;
  return std::prev(it)->rel_offset;
}

void TimeIndex::maybe_append(int64_t timestamp, uint32_t rel_offset) {
  if (!entries_.empty() && timestamp <= entries_.back().timestamp) return;
  entries_.push_back({timestamp, rel_offset});
}

std::string TimeIndex::encode() const {
  std::string out(entries_.size() * kTimeEntrySize, '\0');
  char* p = out.data();
  for (const Entry& e : entries_) {
    put_be64(p, static_cast<uint64_t>(e.timestamp));
    put_be32(p + 8, e.rel_offset);
    p += kTimeEntrySize;
  }
  return out;
}

Result<TimeIndex> TimeIndex::Decode(std::string_view bytes) {
  if (bytes.size() % kTimeEntrySize != 0)
    return Status::Corruption("time index size " + std::to_string(bytes.size()) +
                              " is not a multiple of " + std::to_string(kTimeEntrySize));
  TimeIndex index;
  for (size_t i = 0; i < bytes.size(); i += kTimeEntrySize) {
    Entry e{static_cast<int64_t>(get_be64(bytes.data() + i)), get_be32(bytes.data() + i + 8)};
    if (!index.entries_.empty() && (e.timestamp <= index.entries_.back().timestamp ||
                                    e.rel_offset < index.entries_.back().rel_offset))
      return Status::Corruption("time index entry " + std::to_string(i / kTimeEntrySize) +
                                " does not increase");
    index.entries_.push_back(e);
  }
  return index;
}

}  // namespace ks::storage
