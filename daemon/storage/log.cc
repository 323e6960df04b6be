#include "daemon/storage/log.h"

#include <algorithm>

#include "common/coding.h"
#include "common/crc32c.h"
#include "common/record_batch.h"
#include "daemon/storage/format.h"
#include "daemon/storage/timestamp_policy.h"

namespace ks::storage {

Status FlushJob::run() const {
  for (const Item& item : items) KS_RETURN_IF_ERROR(item.file->sync());
  if (!dir_to_sync.empty()) KS_RETURN_IF_ERROR(sync_dir(dir_to_sync));
  // Only now: the recovery point must never claim bytes not yet synced.
  if (recovery_point) KS_RETURN_IF_ERROR(dir->write_file_atomic(kRecoveryPointFile, recovery_point->encode()));
  return Status::OK();
}

Result<std::unique_ptr<Log>> Log::Open(const std::string& dir, const LogConfig& config,
                                       const Clock* clock) {
  std::unique_ptr<Log> log(new Log(dir, config, clock));
  Status s = log->load();
  if (!s.ok()) return s;
  return log;
}

Log::~Log() = default;

Offset Log::start_offset() const { return Offset(std::max(segments_.front()->base_offset(), start_)); }
Offset Log::end_offset() const { return Offset(active()->next_offset()); }

uint64_t Log::size_bytes() const {
  uint64_t n = 0;
  for (const auto& s : segments_) n += s->size();
  return n;
}

size_t Log::segment_for(int64_t offset) const {
  auto it = std::upper_bound(segments_.begin(), segments_.end(), offset,
                             [](int64_t o, const auto& s) { return o < s->base_offset(); });
  return it == segments_.begin() ? 0 : static_cast<size_t>(it - segments_.begin() - 1);
}

bool Log::should_roll(size_t incoming) const {
  const Segment* seg = active();
  if (seg->empty()) return false;
  if (seg->size() + incoming > static_cast<uint64_t>(config_.segment_bytes)) return true;
  // Positions in the offset index are 32-bit.
  if (seg->size() + incoming > UINT32_MAX) return true;
  if (seg->roll_reference_ms() && clock_->now_ms() - *seg->roll_reference_ms() >= config_.segment_ms)
    return true;
  return false;
}

Status Log::roll(int64_t base_offset) {
  Segment* old = active();
  // Not fsynced: the seal makes an index a power cut damaged fail its
  // checks at the next open, which then rebuilds it.
  if (Status s = old->write_indexes(/*durable=*/false); !s.ok()) {
    // Indexes are caches: without them the segment is rebuilt on open.
    report_.messages.push_back(old->log_path() + ": could not write indexes: " + s.to_string());
  }
  auto seg = Segment::Create(dir_, base_offset, config_.index_interval_bytes);
  if (!seg.ok()) return seg.status();
  segments_.push_back(std::move(*seg));
  dir_dirty_ = true;
  return Status::OK();
}

// What an append checks of each batch, and why. Kafka's LogValidator
// checks the same of a produced v2 batch; ks refuses with the messages
// storage_test and record_batch_test pin.
//  - Framing: every batch's length field fits, the request ends on a batch
//    boundary (BatchCursor).
//  - batch::validate(), one walk: the header (magic 2, a known codec,
//    lengths), the CRC-32C (once: the producer's checksum says the bytes
//    arrived as written, not that they are well formed), then every record
//    once, front to back, keeping no copy: lengths and varints inside the
//    record, offset deltas strictly increasing up to lastOffsetDelta, as
//    many records as recordsCount, header lengths; a compressed batch is
//    decompressed (bounded) to walk its records. The same walk yields the
//    smallest and largest record timestamp. A malformed batch would fail
//    every consumer that reads it, for as long as it is kept, so it is
//    refused here rather than trusted for its CRC.
//  - From the header alone: max.message.bytes, not empty, offsets
//    contiguous (lastOffsetDelta = count - 1), not a control batch.
//  - Timestamps (apply_timestamp_policy): LogAppendTime stamps the batch;
//    CreateTime refuses records outside message.timestamp.before/after.max.ms.
//  - maxTimestamp is taken from the records, not the header: a wrong one is
//    rewritten in place, the one case besides LogAppendTime where the CRC
//    is computed a second time.
Result<AppendResult> Log::append(char* data, size_t n) {
  if (closed_) return Status::Unavailable(dir_ + ": log is closed");
  if (!failed_.ok())
    return Status::IOError(dir_ + ": an earlier fsync failed (" + failed_.message() +
                           "); the log takes no writes until it is reopened");
  plan_.clear();
  AppendResult result;
  int64_t next = active()->next_offset();
  result.base_offset = Offset(next);
  batch::BatchCursor cursor(std::string_view(data, n));
  std::string_view b;
  while (cursor.next(&b)) {
    const size_t pos = static_cast<size_t>(b.data() - data);
    auto context = [&] {
      return "batch " + std::to_string(plan_.size()) + " (byte " + std::to_string(pos) + ")";
    };
    auto info = batch::validate(b);
    if (!info.ok()) return Status(info.status()).prepend(context());
    const batch::BatchHeader& h = info->header;
    if (b.size() > static_cast<uint64_t>(config_.max_message_bytes))
      return Status::InvalidArgument(context() + " is " + std::to_string(b.size()) +
                                     " bytes, over max.message.bytes (" +
                                     std::to_string(config_.max_message_bytes) + ")");
    if (h.records_count == 0) return Status::InvalidArgument(context() + " holds no records");
    if (h.last_offset_delta != h.records_count - 1)
      return Status::InvalidArgument(context() + ": lastOffsetDelta " +
                                     std::to_string(h.last_offset_delta) + " with " +
                                     std::to_string(h.records_count) + " records");
    if (h.is_control())
      return Status::InvalidArgument(context() + " is a control batch (transactions are not supported)");
    auto stamped = apply_timestamp_policy(data + pos, *info, config_, clock_->now_ms());
    if (!stamped.ok()) return Status(stamped.status()).prepend(context());
    if (config_.log_append_time) {
      info->max_timestamp = *stamped;
      result.log_append_time_ms = *stamped;
    } else if (h.compression() == batch::Compression::kNone && info->max_timestamp != h.max_timestamp) {
      // The time index relies on the header; fix a producer's wrong value.
      put_be64(data + pos + batch::kMaxTimestampPos, static_cast<uint64_t>(info->max_timestamp));
      put_be32(data + pos + batch::kCrcPos,
               crc32c::value(data + pos + batch::kCrcStart, b.size() - batch::kCrcStart));
    }
    plan_.push_back(PlannedBatch{pos, b.size(), next, next + h.last_offset_delta, info->max_timestamp});
    next += h.last_offset_delta + 1;
    result.records += h.records_count;
  }
  if (!cursor.status().ok()) return cursor.status();
  if (cursor.truncated())
    return Status::Corruption("the request ends inside a batch at byte " +
                              std::to_string(cursor.position()));
  if (plan_.empty()) return Status::InvalidArgument("no record batches to append");

  for (const PlannedBatch& p : plan_) {
    batch::stamp_base_offset(data + p.offset_in_buffer, p.base_offset);
    batch::stamp_leader_epoch(data + p.offset_in_buffer, 0);
  }
  if (should_roll(n) || next - 1 - active()->base_offset() > INT32_MAX) {
    KS_RETURN_IF_ERROR(roll(plan_.front().base_offset));
    result.rolled = true;
  }
  KS_RETURN_IF_ERROR(active()->append(data, n, plan_, clock_->now_ms()));
  result.last_offset = Offset(next - 1);
  result.batches = static_cast<int32_t>(plan_.size());
  result.bytes = n;
  return result;
}

Result<ReadResult> Log::read(Offset from, uint64_t max_bytes) const {
  const int64_t f = from.value();
  if (from < start_offset() || from > end_offset())
    return Status::OutOfRange("offset " + std::to_string(f) + " is outside the log [" +
                              std::to_string(start_offset().value()) + ", " +
                              std::to_string(end_offset().value()) + "]");
  if (from == end_offset()) return ReadResult{};
  for (size_t i = segment_for(f); i < segments_.size(); ++i) {
    const Segment& seg = *segments_[i];
    auto range = seg.read(std::max(f, seg.base_offset()), max_bytes);
    if (!range.ok()) return range.status();
    if (*range) return ReadResult{seg.file(), (*range)->position, (*range)->size};
  }
  return ReadResult{};
}

Result<Offset> Log::offset_for_time(int64_t ts) const {
  auto hit = record_at_time(ts);
  if (!hit.ok()) return hit.status();
  return *hit ? Offset((*hit)->offset) : end_offset();
}

Result<std::optional<TimestampOffset>> Log::record_at_time(int64_t ts) const {
  for (const auto& seg : segments_) {
    auto o = seg->offset_for_time(ts, start_offset().value());
    if (!o.ok() || *o) return o;
  }
  return std::optional<TimestampOffset>();
}

Result<std::optional<TimestampOffset>> Log::record_with_max_timestamp() const {
  const Segment* best = nullptr;
  for (const auto& seg : segments_) {
    if (seg->next_offset() <= start_offset().value() || !seg->max_timestamp()) continue;
    if (!best || *seg->max_timestamp() > *best->max_timestamp()) best = seg.get();
  }
  if (!best) return std::optional<TimestampOffset>();
  return best->offset_for_time(*best->max_timestamp(), start_offset().value());
}

FlushJob Log::prepare_flush() {
  FlushJob job;
  for (const auto& s : segments_) {
    if (s->size() > s->synced_size()) job.items.push_back({s->base_offset(), s->file(), s->size()});
  }
  if (dir_dirty_) {
    job.dir_to_sync = dir_;
    dir_dirty_ = false;
  }
  job.upto = end_offset();
  if (recovery_point_due_at(job.upto)) {
    // The active segment's size now: every byte below it is in this job
    // or synced before, as is every segment before it.
    auto d = Dir::Open(dir_);
    if (d.ok()) {
      job.dir = std::move(*d);
      job.recovery_point = RecoveryPoint{job.upto.value(), active()->base_offset(), active()->size()};
      rp_written_ms_ = clock_->now_ms();
    }
  }
  return job;
}

bool Log::recovery_point_due_at(Offset upto) const {
  if (upto.value() <= (rp_ ? rp_->offset : 0)) return false;
  return clock_->now_ms() - rp_written_ms_ >= config_.recovery_point_ms;
}

bool Log::recovery_point_due() const { return failed_.ok() && recovery_point_due_at(durable_); }

void Log::flush_done(const FlushJob& job, const Status& status) {
  if (!status.ok()) {
    failed_ = status;
    if (!job.dir_to_sync.empty()) dir_dirty_ = true;
    return;
  }
  for (const auto& item : job.items) {
    size_t i = segment_for(item.segment_base);
    Segment& s = *segments_[i];
    if (s.base_offset() == item.segment_base && item.size > s.synced_size()) s.set_synced_size(item.size);
  }
  durable_ = std::max(durable_, job.upto);
  if (job.recovery_point && (!rp_ || job.recovery_point->offset >= rp_->offset)) rp_ = job.recovery_point;
}

Status Log::flush() {
  FlushJob job = prepare_flush();
  Status s = job.run();
  flush_done(job, s);
  return s;
}

Status Log::drop_oldest() {
  Segment& s = *segments_.front();
  KS_RETURN_IF_ERROR(s.remove_files());
  segments_.erase(segments_.begin());
  // Durable one segment at a time, oldest first: a power cut can then
  // bring back only a prefix of what was deleted, never a segment with a
  // hole before it; and the caller may record the new start offset.
  return sync_dir(dir_);
}

Result<int> Log::apply_retention() {
  const int64_t now = clock_->now_ms();
  int deleted = 0;
  if (config_.retention_ms >= 0) {
    while (segments_.size() > 1) {
      const Segment& s = *segments_.front();
      int64_t newest = s.max_timestamp().value_or(INT64_MIN);
      if (newest >= now - config_.retention_ms) break;
      KS_RETURN_IF_ERROR(drop_oldest());
      ++deleted;
    }
  }
  if (config_.retention_bytes >= 0) {
    uint64_t total = size_bytes();
    while (segments_.size() > 1 &&
           total - segments_.front()->size() >= static_cast<uint64_t>(config_.retention_bytes)) {
      total -= segments_.front()->size();
      KS_RETURN_IF_ERROR(drop_oldest());
      ++deleted;
    }
  }
  return deleted;
}

Status Log::close() {
  if (closed_) return Status::OK();
  KS_RETURN_IF_ERROR(flush());
  // Indexes fsynced too, so a power cut after the marker does not cost a
  // rebuild (a damaged one would fail its seal check all the same).
  for (const auto& s : segments_)
    if (!s->indexes_saved()) KS_RETURN_IF_ERROR(s->write_indexes(/*durable=*/true));
  // Last, and durable: the marker says everything above is on disk. It
  // holds the recovery point that says so, which the next open renames
  // into place: a point at the end at no cost of its own.
  const RecoveryPoint rp{end_offset().value(), active()->base_offset(), active()->size()};
  KS_RETURN_IF_ERROR(write_file_atomic(dir_ + "/" + kCleanShutdownFile, rp.encode(), true));
  closed_ = true;
  return Status::OK();
}

uint64_t Log::disk_bytes(const std::string& dir) {
  auto names = list_dir(dir);
  if (!names.ok()) return 0;
  uint64_t n = 0;
  for (const std::string& name : *names) {
    if (name.ends_with(kLogSuffix)) n += file_size(dir + "/" + name).value_or(0);
  }
  return n;
}

Status Log::Destroy(const std::string& dir) { return remove_tree(dir); }

}  // namespace ks::storage
