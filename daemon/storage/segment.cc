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
  s->resume_offset_ = base_offset;  // the first batch appended starts at byte 0
  s->resume_position_ = 0;
  return s;
}

void Segment::index_batch(uint64_t position, uint64_t size, int64_t base, int64_t last,
                          int64_t max_ts) {
  if (!max_timestamp_ || max_ts > *max_timestamp_) {
    max_timestamp_ = max_ts;
    offset_of_max_timestamp_ = last;
  }
  last_batch_pos_ = position;
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

Result<batch::BatchHeader> Segment::header_at(uint64_t pos) const {
  char h[batch::kHeaderSize];
  if (pos + sizeof h > size_)
    return Status::Corruption(where(log_path(), pos) + ": no room for a batch header");
  auto got = log_->read_at(pos, h, sizeof h);
  if (!got.ok()) return got.status();
  if (*got != sizeof h) return Status::IOError(log_path() + ": file shrank while being read");
  auto header = batch::read_header(std::string_view(h, sizeof h));
  if (!header.ok()) return header.status();
  if (pos + header->size() > size_)
    return Status::Corruption(where(log_path(), pos) + ": batch runs past the end of the file");
  return header;
}

bool Segment::entry_holds(const OffsetIndex::Entry& e) const {
  auto h = header_at(e.position);
  return h.ok() && h->base_offset == base_offset_ + static_cast<int64_t>(e.rel_offset);
}

uint64_t Segment::scan_start(uint32_t rel) const {
  auto i = offset_index_.find(rel);
  if (!i) return 0;
  const OffsetIndex::Entry e = offset_index_.entries()[*i];
  if (entry_holds(e)) return e.position;
  repair_offset_index("entry " + std::to_string(*i) + " (offset " +
                      std::to_string(base_offset_ + e.rel_offset) + ", byte " +
                      std::to_string(e.position) + ") does not point at that batch");
  // The rebuilt index comes from the log itself.
  return offset_index_.lookup(rel);
}

void Segment::repair_offset_index(const std::string& why) const {
  OffsetIndex rebuilt;
  uint64_t since = 0;
  size_t d = 0;
  BatchScanner scan(log_.get(), 0, size_, /*read_bodies=*/false);
  ScannedBatch b;
  for (;;) {
    if (d < damage_.size() && scan.position() == damage_[d].position) {
      scan.seek(damage_[d++].end);
      continue;
    }
    // Stops at unknown damage: lookups past it then scan from the last
    // entry before it and report the damage, as a scan from 0 would.
    if (scan.next(&b) != BatchScanner::Step::kBatch) break;
    if (since >= index_interval_) {
      rebuilt.append(static_cast<uint32_t>(b.header.base_offset - base_offset_),
                     static_cast<uint32_t>(b.position));
      since = 0;
    }
    since += b.header.size();
  }
  offset_index_ = std::move(rebuilt);
  indexes_saved_ = false;  // the next write_indexes() replaces the bad file
  if (report_) {
    report_->messages.push_back(path(kIndexSuffix) + ": " + why +
                                "; rebuilt the offset index from the log (reads are unaffected)");
    ++report_->rebuilt_indexes;
  }
}

const Segment::Damage* Segment::damage_ahead(int64_t from, uint64_t* floor) const {
  *floor = 0;
  for (const Damage& d : damage_) {
    if (d.resume_offset && *d.resume_offset <= from) {
      *floor = d.end;
      continue;
    }
    return &d;
  }
  return nullptr;
}

Result<std::optional<SegmentRange>> Segment::read(int64_t from, uint64_t max_bytes) const {
  from = std::max(from, base_offset_);
  uint64_t floor = 0;
  const Damage* hole = damage_ahead(from, &floor);
  const uint64_t end = hole ? hole->position : size_;
  // Going on where the last read stopped, with everything left within
  // max_bytes: no batch header needs reading. A fetch that names thousands
  // of partitions (a consumer of a 10,000-partition topic) scanned headers
  // from an index entry for each of them, every fetch.
  if (!hole && from == resume_offset_ && resume_position_ >= floor && resume_position_ <= end &&
      end - resume_position_ <= max_bytes) {
    const uint64_t first = resume_position_;
    if (end == size_) resume_offset_ = next_offset_;
    resume_position_ = end;
    if (first == end) return std::optional<SegmentRange>();
    return std::optional<SegmentRange>(SegmentRange{first, end - first});
  }
  uint32_t rel = static_cast<uint32_t>(std::min<int64_t>(from - base_offset_, UINT32_MAX));
  uint64_t start = std::max(scan_start(rel), floor);
  if (start > end) start = floor;
  ScannedBatch b;
  // Find the batch holding `from`, or the first one after it. A scan that
  // started at an index entry and fails is tried again from `floor`: only
  // the log itself may make a read fail.
  for (;;) {
    BatchScanner scan(log_.get(), start, end, false);
    auto step = scan.next(&b);
    while (step == BatchScanner::Step::kBatch && b.header.last_offset() < from) step = scan.next(&b);
    if (step == BatchScanner::Step::kBatch) break;
    if (step == BatchScanner::Step::kEnd) {
      if (hole)
        return Status::Corruption(where(log_path(), hole->position) +
                                  ": damaged bytes; offsets from " +
                                  std::to_string(hole->first_offset) +
                                  (hole->resume_offset ? " to " + std::to_string(*hole->resume_offset - 1) : std::string(" on")) +
                                  " cannot be read (see `ks log verify`)");
      return std::optional<SegmentRange>();
    }
    if (step == BatchScanner::Step::kIOError) return scan.status();
    if (start != floor) {
      repair_offset_index("a scan from the entry at byte " + std::to_string(start) +
                          " for offset " + std::to_string(from) + " did not frame");
      start = floor;
      continue;
    }
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
      // batch nearest below it rather than from `first`, when the log
      // confirms that entry.
      uint64_t from_pos = stop;
      if (auto i = offset_index_.find_position(static_cast<uint32_t>(std::min<uint64_t>(limit, UINT32_MAX)))) {
        const OffsetIndex::Entry e = offset_index_.entries()[*i];
        if (e.position > stop && e.position < end) {
          if (entry_holds(e)) {
            from_pos = e.position;
          } else {
            repair_offset_index("entry " + std::to_string(*i) + " (offset " +
                                std::to_string(base_offset_ + e.rel_offset) + ", byte " +
                                std::to_string(e.position) + ") does not point at that batch");
          }
        }
      }
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
  if (stop == end && !hole && end == size_) {
    resume_offset_ = next_offset_;
    resume_position_ = end;
  }
  return std::optional<SegmentRange>(SegmentRange{first, stop - first});
}

Result<std::optional<TimestampOffset>> Segment::offset_for_time(int64_t ts, int64_t min_offset) const {
  using Hit = std::optional<TimestampOffset>;
  if (!max_timestamp_ || *max_timestamp_ < ts || next_offset_ <= min_offset) return Hit();
  int64_t from = std::max(min_offset, base_offset_);
  if (auto rel = time_index_.last_older_than(ts))
    from = std::max(from, base_offset_ + static_cast<int64_t>(*rel) + 1);
  uint64_t floor = 0;
  const Damage* hole = damage_ahead(from, &floor);
  const uint64_t end = hole ? hole->position : size_;
  uint64_t start = std::max(scan_start(static_cast<uint32_t>(std::min<int64_t>(from - base_offset_, UINT32_MAX))), floor);
  if (start > end) start = floor;
  for (;;) {
    BatchScanner scan(log_.get(), start, end, true);
    ScannedBatch b;
    for (;;) {
      auto step = scan.next(&b);
      if (step == BatchScanner::Step::kEnd) {
        // The answer may be in the damaged bytes: say so rather than guess.
        if (hole)
          return Status::Corruption(where(log_path(), hole->position) +
                                    ": damaged bytes; cannot tell whether they hold a record at "
                                    "or after timestamp " + std::to_string(ts));
        return Hit();
      }
      if (step == BatchScanner::Step::kIOError) return scan.status();
      if (step != BatchScanner::Step::kBatch) break;
      if (b.header.last_offset() < from || b.header.max_timestamp < ts) continue;
      batch::RecordReader reader(b.bytes);
      batch::Record r;
      const bool log_append_time = (b.header.attributes & batch::kTimestampTypeBit) != 0;
      while (reader.next(&r)) {
        // LogAppendTime: every record carries the batch's time.
        int64_t t = log_append_time ? b.header.max_timestamp : r.timestamp;
        if (r.offset >= from && t >= ts) return Hit(TimestampOffset{r.offset, t});
      }
      if (!reader.status().ok())
        return Status::Corruption(where(log_path(), b.position) + ": " + reader.status().message());
    }
    if (start != floor) {
      repair_offset_index("a scan from the entry at byte " + std::to_string(start) +
                          " for offset " + std::to_string(from) + " did not frame");
      start = floor;
      continue;
    }
    return Status::Corruption(where(log_path(), scan.position()) + ": " +
                              (scan.status().ok() ? "incomplete batch" : scan.status().message()));
  }
}

Status Segment::remove_files() {
  KS_RETURN_IF_ERROR(remove_file(log_path()));
  KS_RETURN_IF_ERROR(remove_file(path(kIndexSuffix)));
  return remove_file(path(kTimeIndexSuffix));
}

}  // namespace ks::storage
