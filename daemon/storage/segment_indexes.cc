// The segment's indexes on disk: written sealed with the version of the
// log they describe, and trusted at open only when the seal, the entries
// and the log agree (index_seal.h). Anything else is rebuilt from the log.
#include "daemon/storage/segment.h"

#include "daemon/storage/format.h"
#include "daemon/storage/index_check.h"
#include "daemon/storage/scanner.h"

namespace ks::storage {
namespace {

// kCorruption listing how `seal` disagrees with the log, or OK.
Status seal_describes(const IndexSeal& seal, const LogFacts& log) {
  auto wrong = seal_mismatches(seal, log);
  if (wrong.empty()) return Status::OK();
  std::string msg;
  for (const auto& w : wrong) msg += (msg.empty() ? "" : "; ") + w;
  return Status::Corruption(msg + " (indexes of another version of the segment)");
}

}  // namespace

Result<std::string> Segment::read_sealed(const char* suffix, IndexKind kind, IndexSeal* seal) const {
  const std::string file = path(suffix);
  auto bytes = read_file(file);
  if (!bytes.ok()) {
    if (bytes.status().code() == Code::kNotFound) return Status::Corruption(file + ": missing");
    return bytes.status();
  }
  auto entries = unseal_index(kind, *bytes, seal);
  if (!entries.ok()) return Status::Corruption(file + ": " + entries.status().message());
  return std::string(*entries);
}

Status Segment::load_indexes(RecoveryReport* report, bool* usable) {
  *usable = false;
  auto note = [&](const Status& why) {
    if (why.code() != Code::kCorruption) return why;  // an I/O error fails the open
    report->messages.push_back(log_path() + ": rebuilding indexes: " + why.message());
    return Status::OK();
  };
  IndexSeal seal, time_seal;
  auto idx_bytes = read_sealed(kIndexSuffix, IndexKind::kOffset, &seal);
  if (!idx_bytes.ok()) return note(idx_bytes.status());
  auto idx = OffsetIndex::Decode(*idx_bytes, size_);
  if (!idx.ok()) return note(Status::Corruption(path(kIndexSuffix) + ": " + idx.status().message()));
  auto time_bytes = read_sealed(kTimeIndexSuffix, IndexKind::kTime, &time_seal);
  if (!time_bytes.ok()) return note(time_bytes.status());
  auto tidx = TimeIndex::Decode(*time_bytes);
  if (!tidx.ok()) return note(Status::Corruption(path(kTimeIndexSuffix) + ": " + tidx.status().message()));
  if (!(seal == time_seal))
    return note(Status::Corruption("the offset and time indexes were built from different versions of the log"));
  // The size first: a scan of the tail of another version means nothing.
  if (Status s = seal_describes(seal, LogFacts(size_)); !s.ok()) return note(s);
  if (Status s = check_seal(seal, *idx, *tidx); !s.ok()) return note(s);
  if (size_ > 0) {
    // The first batch's timestamp anchors segment.ms.
    BatchScanner head(log_.get(), 0, size_, false);
    ScannedBatch b;
    if (head.next(&b) != BatchScanner::Step::kBatch)
      return note(head.status().code() == Code::kIOError ? head.status()
                                                         : Status::Corruption("first batch unreadable"));
    roll_reference_ms_ = b.header.max_timestamp;
  }
  bytes_since_index_ = size_ - (idx->empty() ? 0 : idx->entries().back().position);
  offset_index_ = std::move(*idx);
  time_index_ = std::move(*tidx);
  if (size_ > 0) {
    max_timestamp_ = seal.max_timestamp;
    offset_of_max_timestamp_ = seal.max_timestamp_offset;
  }
  indexes_saved_ = true;
  *usable = true;
  return Status::OK();
}

Status Segment::check_seal(const IndexSeal& seal, const OffsetIndex& idx, const TimeIndex& tidx) {
  LogFacts log(size_);
  KS_RETURN_IF_ERROR(scan_tail(idx, &log));
  KS_RETURN_IF_ERROR(seal_describes(seal, log));
  if (auto bad = check_time_index_end(tidx, base_offset_, next_offset_, seal.max_timestamp))
    return Status::Corruption(path(kTimeIndexSuffix) + ": " + bad->message);
  if (size_ == 0) {
    log.max_timestamp = INT64_MIN;
    return seal_describes(seal, log);
  }
  // The largest timestamp, from the records of the batch the seal names:
  // retention must never act on a timestamp the log does not hold.
  if (seal.max_timestamp_offset < base_offset_ || seal.max_timestamp_offset >= next_offset_)
    return Status::Corruption("the seal names offset " + std::to_string(seal.max_timestamp_offset) +
                              " for the largest timestamp, outside the segment");
  auto ts = records_max_timestamp(idx, seal.max_timestamp_offset);
  if (!ts.ok()) return ts.status();
  log.max_timestamp = *ts;
  return seal_describes(seal, log);
}

Status Segment::scan_tail(const OffsetIndex& idx, LogFacts* log) {
  // The last indexed batch must be where the index says, and the batches
  // after it must end exactly at the end of the file.
  const uint64_t start = idx.empty() ? 0 : idx.entries().back().position;
  BatchScanner scan(log_.get(), start, size_, /*read_bodies=*/false);
  ScannedBatch b;
  uint32_t last_crc = 0;
  last_batch_pos_.reset();
  next_offset_ = base_offset_;
  for (;;) {
    auto step = scan.next(&b);
    if (step == BatchScanner::Step::kEnd) break;
    if (step == BatchScanner::Step::kIOError) return scan.status();
    if (step != BatchScanner::Step::kBatch)
      return Status::Corruption("the log does not end on a batch boundary after byte " + std::to_string(start));
    if (!last_batch_pos_ && !idx.empty() &&
        b.header.base_offset != base_offset_ + idx.entries().back().rel_offset)
      return Status::Corruption("the last offset index entry disagrees with the log");
    last_batch_pos_ = b.position;
    last_crc = b.header.crc;
    next_offset_ = b.header.next_offset();
  }
  log->next_offset = next_offset_;
  log->last_batch_crc = last_crc;
  return Status::OK();
}

Result<int64_t> Segment::records_max_timestamp(const OffsetIndex& idx, int64_t offset) const {
  const uint64_t start = idx.lookup(static_cast<uint32_t>(offset - base_offset_));
  BatchScanner scan(log_.get(), start, size_, /*read_bodies=*/false);
  ScannedBatch b;
  for (;;) {
    auto step = scan.next(&b);
    if (step == BatchScanner::Step::kIOError) return scan.status();
    if (step != BatchScanner::Step::kBatch || b.header.base_offset > offset)
      return Status::Corruption("no batch found for offset " + std::to_string(offset) +
                                " from the offset index entry at byte " + std::to_string(start));
    if (b.header.last_offset() >= offset) break;
  }
  BatchScanner body(log_.get(), b.position, size_, /*read_bodies=*/true);
  if (body.next(&b) != BatchScanner::Step::kBatch)
    return body.status().code() == Code::kIOError ? body.status()
                                                  : Status::Corruption(log_path() + " at byte " + std::to_string(b.position) + ": unreadable");
  auto info = batch::validate(b.bytes);
  if (!info.ok()) return Status::Corruption(log_path() + " at byte " + std::to_string(b.position) + ": " + info.status().message());
  return info->max_timestamp;
}

Result<IndexSeal> Segment::current_seal() const {
  IndexSeal seal;
  seal.log_size = size_;
  seal.next_offset = next_offset_;
  if (last_batch_pos_) {
    auto h = header_at(*last_batch_pos_);
    if (!h.ok()) return h.status();
    seal.last_batch_crc = h->crc;
  }
  if (max_timestamp_) {
    seal.max_timestamp = *max_timestamp_;
    seal.max_timestamp_offset = offset_of_max_timestamp_;
  }
  return seal;
}

Status Segment::write_indexes(bool durable) {
  if (max_timestamp_)
    time_index_.maybe_append(*max_timestamp_, static_cast<uint32_t>(next_offset_ - 1 - base_offset_));
  auto seal = current_seal();
  if (!seal.ok()) return seal.status();
  KS_RETURN_IF_ERROR(write_file_atomic(
      path(kIndexSuffix), seal_index(IndexKind::kOffset, offset_index_.encode(), *seal), durable));
  KS_RETURN_IF_ERROR(write_file_atomic(
      path(kTimeIndexSuffix), seal_index(IndexKind::kTime, time_index_.encode(), *seal), durable));
  indexes_saved_ = true;
  return Status::OK();
}

}  // namespace ks::storage
