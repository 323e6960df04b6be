#include "daemon/storage/segment.h"

#include <algorithm>

#include "common/coding.h"
#include "daemon/storage/format.h"
#include "daemon/storage/scanner.h"

namespace ks::storage {
namespace {

std::string where(const std::string& path, uint64_t pos) {
  return path + " at byte " + std::to_string(pos);
}

// True when every byte of [pos, end) is zero: what a file system leaves in
// a torn tail after a crash (allocated but never written blocks).
Result<bool> all_zero(const File& f, uint64_t pos, uint64_t end) {
  std::string buf(64 << 10, '\0');
  while (pos < end) {
    size_t n = static_cast<size_t>(std::min<uint64_t>(buf.size(), end - pos));
    auto got = f.read_at(pos, buf.data(), n);
    if (!got.ok()) return got.status();
    if (*got < n) return Status::IOError(f.path() + ": file shrank while being read");
    for (size_t i = 0; i < n; ++i)
      if (buf[i] != 0) return false;
    pos += n;
  }
  return true;
}

// The position of the first whole, CRC-valid batch that starts in
// (pos, end), if any. Tells a torn tail (nothing valid after the damage)
// from a damaged length field in the middle of the file (valid batches
// follow), which must not be truncated away.
Result<std::optional<uint64_t>> find_valid_batch(const File& f, uint64_t pos, uint64_t end) {
  constexpr size_t kWindow = 1 << 20;
  std::string buf(kWindow + batch::kHeaderSize, '\0');
  std::string candidate;
  for (uint64_t at = pos + 1; at + batch::kHeaderSize <= end; at += kWindow) {
    size_t n = static_cast<size_t>(std::min<uint64_t>(buf.size(), end - at));
    auto got = f.read_at(at, buf.data(), n);
    if (!got.ok()) return got.status();
    for (size_t i = 0; i + batch::kHeaderSize <= *got && i < kWindow; ++i) {
      const char* h = buf.data() + i;
      if (h[batch::kMagicPos] != batch::kMagic) continue;
      auto size = batch::frame_size(std::string_view(h, batch::kHeaderSize));
      if (!size.ok() || at + i + *size > end) continue;
      candidate.resize(*size);
      auto read = f.read_at(at + i, candidate.data(), candidate.size());
      if (!read.ok()) return read.status();
      if (*read == candidate.size() && batch::validate(candidate).ok())
        return std::optional<uint64_t>(at + i);
    }
  }
  return std::optional<uint64_t>();
}

}  // namespace

std::string Segment::path(const char* suffix) const {
  return dir_ + "/" + segment_name(base_offset_) + suffix;
}

std::string Segment::log_path() const { return path(kLogSuffix); }

Result<std::unique_ptr<Segment>> Segment::Create(const std::string& dir, int64_t base_offset,
                                                 uint32_t index_interval) {
  std::unique_ptr<Segment> s(new Segment(dir, base_offset, index_interval));
  if (path_exists(s->log_path()))
    return Status::AlreadyExists(s->log_path() + " already exists");
  // Stale indexes from a segment whose .log was removed must not be read.
  KS_RETURN_IF_ERROR(remove_file(s->path(kIndexSuffix)));
  KS_RETURN_IF_ERROR(remove_file(s->path(kTimeIndexSuffix)));
  auto f = File::Open(s->log_path(), File::Mode::kCreate);
  if (!f.ok()) return f.status();
  s->log_ = std::move(*f);
  s->next_offset_ = base_offset;
  return s;
}

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

  bool usable = false;
  if (mode == Open::kTrustIndexes) KS_RETURN_IF_ERROR(s->load_indexes(report, &usable));
  if (!usable) {
    KS_RETURN_IF_ERROR(s->scan_all(report));
    if (mode == Open::kTrustIndexes) ++report->rebuilt_indexes;
  }
  return s;
}

Status Segment::load_indexes(RecoveryReport* report, bool* usable) {
  *usable = false;
  auto note = [&](const std::string& why) {
    report->messages.push_back(log_path() + ": rebuilding indexes: " + why);
    return Status::OK();
  };
  auto idx_bytes = read_file(path(kIndexSuffix));
  if (!idx_bytes.ok()) return note("offset index: " + idx_bytes.status().message());
  auto idx = OffsetIndex::Decode(*idx_bytes, size_);
  if (!idx.ok()) return note(idx.status().message());
  auto time_bytes = read_file(path(kTimeIndexSuffix));
  if (!time_bytes.ok()) return note("time index: " + time_bytes.status().message());
  auto tidx = TimeIndex::Decode(*time_bytes);
  if (!tidx.ok()) return note(tidx.status().message());

  // The last indexed batch must be where the index says, and the batches
  // after it must end exactly at the end of the file.
  uint64_t start = idx->empty() ? 0 : idx->entries().back().position;
  BatchScanner scan(log_.get(), start, size_, /*read_bodies=*/false);
  ScannedBatch b;
  bool first = true;
  for (;;) {
    auto step = scan.next(&b);
    if (step == BatchScanner::Step::kEnd) break;
    if (step == BatchScanner::Step::kIOError) return scan.status();
    if (step != BatchScanner::Step::kBatch)
      return note("the log does not end on a batch boundary after byte " + std::to_string(start));
    if (first && !idx->empty() &&
        b.header.base_offset != base_offset_ + idx->entries().back().rel_offset)
      return note("the last offset index entry disagrees with the log");
    first = false;
    next_offset_ = b.header.next_offset();
  }
  if (size_ > 0 && tidx->entries().empty()) return note("time index is empty");
  if (!tidx->entries().empty() &&
      base_offset_ + tidx->entries().back().rel_offset >= std::max(next_offset_, base_offset_ + 1))
    return note("time index points past the log");
  if (size_ > 0) {
    // The first batch's timestamp anchors segment.ms.
    BatchScanner head(log_.get(), 0, size_, false);
    if (head.next(&b) != BatchScanner::Step::kBatch) return note("first batch unreadable");
    roll_reference_ms_ = b.header.max_timestamp;
  }
  offset_index_ = std::move(*idx);
  time_index_ = std::move(*tidx);
  max_timestamp_ = time_index_.max_timestamp();
  if (max_timestamp_) offset_of_max_timestamp_ = base_offset_ + time_index_.entries().back().rel_offset;
  bytes_since_index_ = size_ - start;
  indexes_saved_ = true;
  *usable = true;
  return Status::OK();
}

Status Segment::scan_all(RecoveryReport* report) {
  offset_index_ = OffsetIndex();
  time_index_ = TimeIndex();
  bytes_since_index_ = 0;
  max_timestamp_.reset();
  roll_reference_ms_.reset();
  corrupt_pos_.reset();
  next_offset_ = base_offset_;
  const std::string log = log_path();

  BatchScanner scan(log_.get(), 0, size_, /*read_bodies=*/true);
  ScannedBatch b;
  auto truncate_at = [&](uint64_t pos, const std::string& why) -> Status {
    report->messages.push_back(where(log, pos) + ": " + why + "; truncating the " +
                               std::to_string(size_ - pos) + " bytes after it");
    report->truncated_bytes += size_ - pos;
    KS_RETURN_IF_ERROR(log_->truncate(pos));
    size_ = pos;
    synced_size_ = std::min(synced_size_, pos);
    return Status::OK();
  };
  for (;;) {
    auto step = scan.next(&b);
    if (step == BatchScanner::Step::kEnd) return Status::OK();
    if (step == BatchScanner::Step::kIOError) return scan.status();
    uint64_t pos = scan.position();
    if (step == BatchScanner::Step::kTruncated) {
      auto valid = find_valid_batch(*log_, pos, size_);
      if (!valid.ok()) return valid.status();
      if (!*valid) return truncate_at(pos, "incomplete batch at the end of the file (torn write)");
      return Status::Corruption(where(log, pos) + ": batch length runs past the end of the file "
                                "but a valid batch follows at byte " + std::to_string(**valid) +
                                ", so this is damage, not a torn write; the segment is left as it "
                                "is (inspect it with `ks log verify`)");
    }
    if (step == BatchScanner::Step::kBadHeader) {
      auto zeros = all_zero(*log_, pos, size_);
      if (!zeros.ok()) return zeros.status();
      if (*zeros) return truncate_at(pos, "zero-filled tail (torn write)");
      return Status::Corruption(where(log, pos) + ": " + scan.status().message() +
                                "; the bytes after it cannot be framed, so the segment is left "
                                "as it is (inspect it with `ks log verify`)");
    }
    // A whole batch: check it end to end.
    Status bad;
    auto info = batch::validate(b.bytes);
    if (!info.ok()) {
      bad = info.status();
    } else if (b.header.base_offset < next_offset_) {
      bad = Status::Corruption("base offset " + std::to_string(b.header.base_offset) +
                               " goes backwards (expected at least " +
                               std::to_string(next_offset_) + ")");
    }
    if (bad.ok()) {
      index_batch(b.position, b.header.size(), b.header.base_offset, b.header.last_offset(),
                  info->max_timestamp);
      if (!roll_reference_ms_) roll_reference_ms_ = info->max_timestamp;
      next_offset_ = b.header.next_offset();
      continue;
    }
    uint64_t bad_end = b.position + b.header.size();
    if (bad_end == size_)
      return truncate_at(b.position, "last batch is damaged (" + bad.message() + ", torn write)");
    // Damage in the middle: record it, keep what precedes it readable,
    // and go on if the next batch frames and validates.
    ++report->corrupt_batches;
    report->messages.push_back(where(log, b.position) + ": corrupt batch: " + bad.message() +
                               "; reads stop here until it is repaired");
    if (!corrupt_pos_) corrupt_pos_ = b.position;
    BatchScanner probe(log_.get(), bad_end, size_, true);
    ScannedBatch nb;
    if (probe.next(&nb) != BatchScanner::Step::kBatch || !batch::validate(nb.bytes).ok())
      return Status::Corruption(where(log, b.position) + ": " + bad.message() +
                                "; the batch after it does not frame either, so the segment is "
                                "left as it is (inspect it with `ks log verify`)");
    next_offset_ = std::max(next_offset_, b.header.next_offset());
  }
}

void Segment::index_batch(uint64_t position, uint64_t size, int64_t base, int64_t last,
                          int64_t max_ts) {
  if (!max_timestamp_ || max_ts > *max_timestamp_) {
    max_timestamp_ = max_ts;
    offset_of_max_timestamp_ = last;
  }
  if (bytes_since_index_ >= index_interval_) {
    offset_index_.append(static_cast<uint32_t>(base - base_offset_), static_cast<uint32_t>(position));
    time_index_.maybe_append(*max_timestamp_, static_cast<uint32_t>(last - base_offset_));
    bytes_since_index_ = 0;
  }
  bytes_since_index_ += size;
}

Status Segment::append(const char* data, size_t n, const std::vector<PlannedBatch>& batches,
                       int64_t now_ms) {
  Status s = log_->write_at(size_, data, n);
  if (!s.ok()) {
    // Leave no partial batch behind; if even that fails, recovery will.
    (void)log_->truncate(size_);
    return s;
  }
  for (const PlannedBatch& b : batches)
    index_batch(size_ + b.offset_in_buffer, b.size, b.base_offset, b.last_offset, b.max_timestamp);
  if (!roll_reference_ms_) roll_reference_ms_ = now_ms;
  indexes_saved_ = false;
  size_ += n;
  next_offset_ = batches.back().last_offset + 1;
  return Status::OK();
}

Result<std::optional<SegmentRange>> Segment::read(int64_t from, uint64_t max_bytes) const {
  const uint64_t end = readable_end();
  uint32_t rel = from <= base_offset_ ? 0 : static_cast<uint32_t>(std::min<int64_t>(from - base_offset_, UINT32_MAX));
  uint64_t start = offset_index_.lookup(rel);
  BatchScanner scan(log_.get(), start, end, false);
  ScannedBatch b;
  // Find the batch holding `from`, or the first one after it.
  for (;;) {
    auto step = scan.next(&b);
    if (step == BatchScanner::Step::kBatch) {
      if (b.header.last_offset() >= from) break;
      continue;
    }
    if (step == BatchScanner::Step::kEnd) {
      if (corrupt_pos_ && next_offset_ > from)
        return Status::Corruption(where(log_path(), *corrupt_pos_) +
                                  ": corrupt batch; offsets from here on cannot be read");
      return std::optional<SegmentRange>();
    }
    if (step == BatchScanner::Step::kIOError) return scan.status();
    return Status::Corruption(where(log_path(), scan.position()) + ": " +
                              (scan.status().ok() ? "incomplete batch" : scan.status().message()));
  }
  const uint64_t first = b.position;
  const uint64_t limit = first + max_bytes;
  uint64_t stop = first + b.header.size();
  if (stop < limit) {
    if (end <= limit) {
      stop = end;
    } else {
      // Extend by whole batches up to the limit, scanning from the indexed
      // batch nearest below it rather than from `first`.
      uint64_t from_pos = std::max<uint64_t>(stop, offset_index_.floor_position(static_cast<uint32_t>(std::min<uint64_t>(limit, UINT32_MAX))));
      // Everything before that batch boundary is whole batches within the
      // limit, even when the batch there crosses it.
      stop = from_pos;
      BatchScanner ext(log_.get(), from_pos, end, false);
      while (ext.next(&b) == BatchScanner::Step::kBatch) {
        uint64_t e = b.position + b.header.size();
        if (e > limit) break;
        stop = e;
      }
    }
  }
  return std::optional<SegmentRange>(SegmentRange{first, stop - first});
}

Result<std::optional<int64_t>> Segment::offset_for_time(int64_t ts, int64_t min_offset) const {
  if (!max_timestamp_ || *max_timestamp_ < ts || next_offset_ <= min_offset)
    return std::optional<int64_t>();
  int64_t from = std::max(min_offset, base_offset_);
  if (auto rel = time_index_.last_older_than(ts))
    from = std::max(from, base_offset_ + static_cast<int64_t>(*rel) + 1);
  uint32_t rel = static_cast<uint32_t>(from - base_offset_);
  BatchScanner scan(log_.get(), offset_index_.lookup(rel), readable_end(), true);
  ScannedBatch b;
  for (;;) {
    auto step = scan.next(&b);
    if (step == BatchScanner::Step::kEnd) return std::optional<int64_t>();
    if (step == BatchScanner::Step::kIOError) return scan.status();
    if (step != BatchScanner::Step::kBatch)
      return Status::Corruption(where(log_path(), scan.position()) + ": " + scan.status().message());
    if (b.header.last_offset() < from || b.header.max_timestamp < ts) continue;
    if (b.header.compression() != batch::Compression::kNone)
      return std::optional<int64_t>(std::max(from, b.header.base_offset));
    batch::RecordReader reader(b.bytes);
    batch::Record r;
    while (reader.next(&r)) {
      if (r.offset >= from && r.timestamp >= ts) return std::optional<int64_t>(r.offset);
    }
    if (!reader.status().ok())
      return Status::Corruption(where(log_path(), b.position) + ": " + reader.status().message());
  }
}

Status Segment::write_indexes() {
  if (max_timestamp_)
    time_index_.maybe_append(*max_timestamp_, static_cast<uint32_t>(next_offset_ - 1 - base_offset_));
  KS_RETURN_IF_ERROR(write_file_atomic(path(kIndexSuffix), offset_index_.encode(), false));
  KS_RETURN_IF_ERROR(write_file_atomic(path(kTimeIndexSuffix), time_index_.encode(), false));
  indexes_saved_ = true;
  return Status::OK();
}

Status Segment::remove_files() {
  KS_RETURN_IF_ERROR(remove_file(log_path()));
  KS_RETURN_IF_ERROR(remove_file(path(kIndexSuffix)));
  return remove_file(path(kTimeIndexSuffix));
}

}  // namespace ks::storage
