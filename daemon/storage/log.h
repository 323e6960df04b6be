// A partition's log: an ordered list of segments in one directory, the
// only writer of that directory. Not thread-safe: one owner thread calls
// everything, except FlushJob::run(), which may run on any thread while the
// owner goes on appending.
//
// Promises:
//  - append() returning OK: the batches are in the file (page cache) with
//    their offsets; they survive a crash of the process, not of the machine.
//  - a FlushJob that ran OK and was handed to flush_done(): every offset
//    below job.upto is on disk (fdatasync of each segment written since the
//    last flush, and of the directory when segments were created).
//  - close(): everything flushed, indexes written and fsynced, then marked
//    clean (durably, last) so the next open skips the recovery scan.
//  - open() of a new directory, or after an unclean stop of a log without
//    a recovery point: everything in the log, and the directory's entry in
//    its parent, is on disk before it returns. After an unclean stop of a
//    log with a recovery point, only what lies past it is unsynced:
//    durable_offset() says how far the log is durable, and the first
//    flush syncs the rest (the caller should ask for one at once).
//  - apply_retention(): each deleted segment is gone durably before the
//    next one is deleted and before it returns.
//  - advance_start() returning OK: the new start offset is on disk (it
//    survives a power cut), then the segments wholly below it are deleted.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "common/record_batch.h"
#include "common/status.h"
#include "common/topic_defaults.h"
#include "common/types.h"
#include "daemon/storage/clock.h"
#include "daemon/storage/format.h"
#include "daemon/storage/recovery_point.h"
#include "daemon/storage/segment.h"

namespace ks::storage {

// A partition's topic configs, as the log applies them; defaults from
// common/topic_defaults.h.
struct LogConfig {
  int64_t segment_bytes = topic_defaults::kSegmentBytes;
  int64_t segment_ms = topic_defaults::kSegmentMs;
  int64_t retention_ms = topic_defaults::kRetentionMs;        // -1: keep forever
  int64_t retention_bytes = topic_defaults::kRetentionBytes;  // -1: no size limit
  int64_t max_message_bytes = topic_defaults::kMaxMessageBytes;
  uint32_t index_interval_bytes = kDefaultIndexIntervalBytes;
  // message.timestamp.type=LogAppendTime: each batch is stamped with the
  // append time (timestamp type bit set, max timestamp = now).
  bool log_append_time = false;
  // With CreateTime, a batch holding a record further behind / ahead of
  // the clock than these is refused with kInvalidTimestamp. No limits
  // here: a topic's policy (daemon/broker/topic_config.cc) sets Kafka's
  // defaults (topic_defaults.h).
  int64_t timestamp_before_max_ms = INT64_MAX;
  int64_t timestamp_after_max_ms = INT64_MAX;
  // How often a flush also writes the recovery point (recovery_point.h),
  // when offsets past it became durable: Kafka's
  // log.flush.offset.checkpoint.interval.ms. Each write costs two fsyncs.
  int64_t recovery_point_ms = 60000;
};

struct AppendResult {
  Offset base_offset;  // first offset assigned
  Offset last_offset;  // last offset assigned
  int32_t batches = 0;
  int64_t records = 0;
  uint64_t bytes = 0;
  bool rolled = false;  // a new segment starts at base_offset
  // The time the records were stamped with on a LogAppendTime log (the
  // Produce answer's log_append_time_ms); -1 on a CreateTime log.
  int64_t log_append_time_ms = -1;
};

// A byte range of whole batches in one segment file. `file` keeps the
// file open while the range is being sent, even if retention removes the
// segment meanwhile. size 0: nothing to read yet.
struct ReadResult {
  std::shared_ptr<File> file;
  uint64_t position = 0;
  uint64_t size = 0;
};

// fdatasync work prepared on the owner thread and run anywhere.
struct FlushJob {
  struct Item {
    int64_t segment_base;
    std::shared_ptr<File> file;
    uint64_t size;  // bytes this job makes durable
  };
  std::vector<Item> items;
  std::string dir_to_sync;  // empty: no new files since the last flush
  Offset upto;              // offsets below this are durable when it succeeds
  // Written, durably, after the syncs above succeeded; `dir` is the
  // partition directory, open.
  std::optional<RecoveryPoint> recovery_point;
  std::shared_ptr<Dir> dir;

  // Blocking: syncs the files, then the directory, then writes the
  // recovery point.
  Status run() const;
};

class Log {
 public:
  // Opens (or creates) the log in `dir`. After an unclean stop, the last
  // segment is validated batch by batch and a torn tail truncated; every
  // other segment gets cheap index checks and a full scan only when they
  // fail. Damage found by a scan does not fail the open: it is reported,
  // left as it is, and reads that reach it fail (see Segment::damage()).
  // When it runs to the end of the last segment, a new segment is rolled
  // past every offset the damaged bytes could hold, so no offset is ever
  // given out twice. Offsets missing between segments are reported.
  // `clock` must outlive the log.
  static Result<std::unique_ptr<Log>> Open(const std::string& dir, const LogConfig& config,
                                           const Clock* clock);
  ~Log();

  // Validates every batch in data[0, n) — one or more RecordBatch v2, as a
  // producer sends them: CRC, lengths, records, count, size limit — then
  // assigns offsets by stamping each header in place and appends all of
  // them with one write. On any error nothing is written.
  Result<AppendResult> append(char* data, size_t n);

  // Whole batches from the one holding `from` (or the first after it), up
  // to max_bytes but always at least one batch, from a single segment.
  // from == end_offset(): an empty result. Outside [start, end]: kOutOfRange.
  Result<ReadResult> read(Offset from, uint64_t max_bytes) const;

  // The first offset whose record timestamp is >= ts; end_offset() when
  // there is none.
  Result<Offset> offset_for_time(int64_t ts) const;
  // The first record whose timestamp is >= ts, with its timestamp; nullopt
  // when there is none.
  Result<std::optional<TimestampOffset>> record_at_time(int64_t ts) const;
  // The first record with the largest timestamp in the log (Kafka's
  // MAX_TIMESTAMP lookup: the first segment holding that timestamp, its
  // first record carrying it); nullopt when the log has no records.
  Result<std::optional<TimestampOffset>> record_with_max_timestamp() const;

  // Calls `fn` with the header of every batch holding an offset at or
  // after `from`, oldest first, reading headers only (what rebuilding
  // idempotent-producer state needs). A segment's batches past damage are
  // skipped: they cannot be read either.
  Status for_each_header(Offset from, const std::function<void(const batch::BatchHeader&)>& fn) const;

  // The first offset a read may ask for (Kafka's log start offset, the
  // low watermark): the first segment's base, or later when
  // advance_start() moved it inside a segment.
  Offset start_offset() const;
  Offset end_offset() const;  // high watermark: the next offset to assign
  uint64_t size_bytes() const;
  size_t segment_count() const { return segments_.size(); }
  const std::vector<std::unique_ptr<Segment>>& segments() const { return segments_; }
  const std::string& dir() const { return dir_; }
  const LogConfig& config() const { return config_; }
  void set_config(const LogConfig& config) { config_ = config; }

  // Durability. prepare_flush() is cheap and returns a job covering every
  // byte appended so far; flush_done() records its outcome. A failed
  // fsync may have lost dirty pages, so the log refuses further appends
  // until it is reopened (and recovered).
  FlushJob prepare_flush();
  void flush_done(const FlushJob& job, const Status& status);
  Status flush();  // all three, on the calling thread
  Offset durable_offset() const { return durable_; }
  // True when offsets past the recovery point on disk are durable and the
  // last write of it is recovery_point_ms old: a flush now (even with
  // nothing to sync) would move it.
  bool recovery_point_due() const;
  const std::optional<RecoveryPoint>& recovery_point() const { return rp_; }

  // Deletes closed segments past retention.ms (by their largest
  // timestamp) and, oldest first, while the log exceeds retention.bytes.
  // The active segment is never deleted. Returns segments deleted.
  Result<int> apply_retention();

  // DeleteRecords: moves the start offset up to `to` (at most
  // end_offset(), else kOutOfRange), durably, then deletes every closed
  // segment wholly below it. A `to` at or below the current start changes
  // nothing. Records from the old start to `to` may stay in the file (the
  // segment holding `to` is kept) but are never read again. Blocking.
  Status advance_start(Offset to);

  // Flushes, writes indexes and marks the directory clean (the marker
  // holds the recovery point: the end). The log must not be used
  // afterwards.
  Status close();

  // What open() found and did (torn tails truncated, indexes rebuilt,
  // corrupt batches), one line each.
  const RecoveryReport& recovery_report() const { return report_; }

  // The bytes of the .log files in `dir`, without opening the log (what
  // size_bytes() would say of it, before recovery).
  static uint64_t disk_bytes(const std::string& dir);

  // Removes a partition's directory and everything in it.
  static Status Destroy(const std::string& dir);

 private:
  Log(std::string dir, const LogConfig& config, const Clock* clock)
      : dir_(std::move(dir)), config_(config), clock_(clock) {}

  // Opening (log_recovery.cc).
  Status load();
  // Reads the recovery point and decides how each segment opens.
  Status load_segments(const std::vector<int64_t>& bases, bool clean);
  Status consume_clean_marker(const std::string& marker);
  // After an unclean stop: which bytes are durable already (recovery_point.h).
  Status mark_unsynced_past_recovery_point();
  // The base offsets of the directory's segments, in order, after removing
  // what interrupted writes and deletions left.
  Result<std::vector<int64_t>> list_segments();
  // Reports offsets missing between segments, or segments that overlap.
  void report_offset_gaps();
  // Rolls a new segment past every offset the damage at the end of the
  // last segment could hold, so none is given out twice.
  Status drop_empty_tail_past_gap();
  Status roll_past_damage();
  Status roll(int64_t base_offset);
  // Reads kLogStartFile at open; rolls past a start beyond the end (log_start.cc).
  Status load_start();
  // Deletes the oldest segment, durably (retention, advance_start).
  Status drop_oldest();
  Segment* active() const { return segments_.back().get(); }
  bool should_roll(size_t incoming) const;
  bool recovery_point_due_at(Offset upto) const;
  // Index of the segment that may hold `offset` (largest base <= offset).
  size_t segment_for(int64_t offset) const;

  std::string dir_;
  LogConfig config_;
  const Clock* clock_;
  // Before segments_: segments report index repairs into it.
  RecoveryReport report_;
  std::vector<std::unique_ptr<Segment>> segments_;
  int64_t start_ = 0;  // from kLogStartFile; start_offset() is at least this
  Offset durable_{0};
  std::optional<RecoveryPoint> rp_;  // as on disk
  int64_t rp_written_ms_ = 0;        // when a job last carried it
  bool dir_dirty_ = false;
  bool closed_ = false;
  Status failed_;  // set by a failed fsync; appends refuse while set
  std::vector<PlannedBatch> plan_;  // reused by append()
};

}  // namespace ks::storage
