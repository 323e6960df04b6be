// Opening an existing segment, and recovering it after an unclean stop:
// every batch read and validated through walk_segment() (scanner.h), the
// indexes rebuilt from them, a torn tail truncated, and damage in the
// middle recorded and kept as it is. Appending and reading are in
// segment.cc; trusting sealed indexes at open in segment_indexes.cc.
#include <algorithm>

#include "daemon/storage/format.h"
#include "daemon/storage/scanner.h"
#include "daemon/storage/segment.h"

namespace ks::storage {
namespace {

std::string where(const std::string& path, uint64_t pos) {
  return path + " at byte " + std::to_string(pos);
}

}  // namespace

Result<std::unique_ptr<Segment>> Segment::Load(const std::string& dir, int64_t base_offset,
                                               uint32_t index_interval, Open mode,
                                               RecoveryReport* report) {
  std::unique_ptr<Segment> s(new Segment(dir, base_offset, index_interval));
  auto f = File::Open(s->log_path(), File::Mode::kReadWrite);
  if (!f.ok()) return f.status();
  s->log_ = std::move(*f);
  auto size = s->log_->size();
  if (!size.ok()) return size.status();
  s->size_ = *size;
  s->synced_size_ = *size;
  s->next_offset_ = base_offset;
  s->report_ = report;

  bool usable = false;
  if (mode == Open::kTrustIndexes) KS_RETURN_IF_ERROR(s->load_indexes(report, &usable));
  if (!usable) {
    KS_RETURN_IF_ERROR(s->scan_all(report));
    if (mode == Open::kTrustIndexes) ++report->rebuilt_indexes;
  }
  return s;
}

Status Segment::scan_all(RecoveryReport* report) {
  offset_index_ = OffsetIndex();
  time_index_ = TimeIndex();
  bytes_since_index_ = 0;
  max_timestamp_.reset();
  last_batch_pos_.reset();
  resume_offset_ = -1;
  roll_reference_ms_.reset();
  damage_.clear();
  next_offset_ = base_offset_;

  SegmentVisitor visit;
  visit.batch = [&](const ScannedBatch& b, const batch::BatchInfo& info) -> Status {
    if (b.header.base_offset < next_offset_)
      return Status::Corruption("base offset " + std::to_string(b.header.base_offset) +
                                " goes backwards (expected at least " + std::to_string(next_offset_) + ")");
    index_batch(b.position, b.header.size(), b.header.base_offset, b.header.last_offset(),
                info.max_timestamp);
    if (!roll_reference_ms_) roll_reference_ms_ = info.max_timestamp;
    next_offset_ = b.header.next_offset();
    return Status::OK();
  };
  visit.fault = [&](const ScanFault& f) -> Status {
    if (f.kind == ScanFault::Kind::kTornTail) return truncate_torn_tail(f, report);
    return add_damage(f.position, f.resume.value_or(size_), f.why, report);
  };
  return walk_segment(*log_, size_, visit);
}

Status Segment::truncate_torn_tail(const ScanFault& torn, RecoveryReport* report) {
  const uint64_t pos = torn.position;
  report->messages.push_back(where(log_path(), pos) + ": " + torn.why + "; truncating the " +
                             std::to_string(size_ - pos) + " bytes after it");
  report->truncated_bytes += size_ - pos;
  KS_RETURN_IF_ERROR(log_->truncate(pos));
  size_ = pos;
  synced_size_ = std::min(synced_size_, pos);
  resume_offset_ = -1;
  return Status::OK();
}

Status Segment::add_damage(uint64_t pos, uint64_t end, const std::string& why,
                           RecoveryReport* report) {
  Damage d{pos, end, next_offset_, std::nullopt};
  if (end < size_) {
    auto h = header_at(end);
    if (!h.ok()) return h.status();
    d.resume_offset = h->base_offset;
  }
  ++report->corrupt_batches;
  std::string lost = d.resume_offset
                         ? "offsets " + std::to_string(d.first_offset) + ".." +
                               std::to_string(*d.resume_offset - 1) + " cannot be read"
                         : "offsets from " + std::to_string(d.first_offset) + " on cannot be read";
  report->messages.push_back(
      where(log_path(), pos) + ": DAMAGED: " + why + "; " + lost + " (" +
      std::to_string(end - pos) + " bytes, kept as they are; " +
      (d.resume_offset ? "reads resume at byte " + std::to_string(end)
                       : std::string("nothing valid follows in this file")) +
      "; inspect with `ks log verify`)");
  damage_.push_back(d);
  return Status::OK();
}

}  // namespace ks::storage
