// One segment of a partition log: a .log file of batches plus its two
// indexes (formats in format.h). Owned by its Log; used from one thread,
// except that its File may be synced from another (see Log's flush).
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "common/record_batch.h"
#include "common/status.h"
#include "daemon/storage/file.h"
#include "daemon/storage/index.h"
#include "daemon/storage/index_seal.h"

namespace ks::storage {

struct ScanFault;
struct LogFacts;

// What opening or recovering found and did, for the daemon's log and for
// tests. Nothing is dropped without a line here.
struct RecoveryReport {
  std::vector<std::string> messages;
  uint64_t truncated_bytes = 0;
  int rebuilt_indexes = 0;
  int corrupt_batches = 0;
};

// A batch already validated and stamped, about to be written.
struct PlannedBatch {
  size_t offset_in_buffer;
  size_t size;
  int64_t base_offset;
  int64_t last_offset;
  int64_t max_timestamp;
};

// A record found by its timestamp: its offset and its timestamp.
struct TimestampOffset {
  int64_t offset = 0;
  int64_t timestamp = 0;
};

// A byte range of whole batches in one segment file.
struct SegmentRange {
  uint64_t position = 0;
  uint64_t size = 0;
};

class Segment {
 public:
  enum class Open {
    kTrustIndexes,  // after a clean close: load indexes, check them cheaply
    kRecover,       // after an unclean stop: validate every batch, rebuild
  };

  // A new, empty segment. Fails if its .log already exists.
  static Result<std::unique_ptr<Segment>> Create(const std::string& dir, int64_t base_offset,
                                                 uint32_t index_interval);
  // An existing segment. kTrustIndexes still falls back to a full scan
  // when an index is missing or fails its checks.
  static Result<std::unique_ptr<Segment>> Load(const std::string& dir, int64_t base_offset,
                                               uint32_t index_interval, Open mode,
                                               RecoveryReport* report);

  int64_t base_offset() const { return base_offset_; }
  // The offset the next appended batch gets.
  int64_t next_offset() const { return next_offset_; }
  uint64_t size() const { return size_; }
  bool empty() const { return size_ == 0; }
  const std::shared_ptr<File>& file() const { return log_; }
  std::string log_path() const;
  // Largest record timestamp in the segment, if it holds any records.
  std::optional<int64_t> max_timestamp() const { return max_timestamp_; }
  // When the segment started, for segment.ms: the clock at its first
  // append, or the first batch's largest timestamp for a loaded segment.
  std::optional<int64_t> roll_reference_ms() const { return roll_reference_ms_; }
  // Bytes that failed validation when the segment was scanned (a corrupt
  // batch, a header that does not frame). They are kept as they are, never
  // truncated: reads that reach them fail with kCorruption naming the file
  // and position; reads that start after them work.
  struct Damage {
    uint64_t position;      // first damaged byte
    uint64_t end;           // where the next valid batch starts, or the file size
    int64_t first_offset;   // the offset the damaged bytes were expected to start at
    // Base offset of the valid batch at `end`; nullopt when nothing valid
    // follows, so the damage may hold any offsets from first_offset on.
    std::optional<int64_t> resume_offset;
  };
  const std::vector<Damage>& damage() const { return damage_; }
  // Where the first damage starts, if any.
  std::optional<uint64_t> corrupt_position() const {
    if (damage_.empty()) return std::nullopt;
    return damage_.front().position;
  }
  // True when the damage runs to the end of the file: which offsets it
  // held is unknown, so the segment must take no appends.
  bool damaged_to_end() const { return !damage_.empty() && !damage_.back().resume_offset; }

  // Writes batches that the Log validated and stamped. The bytes are in
  // the file (page cache) when it returns OK. On error the file is cut
  // back to its previous size and the segment is unchanged.
  Status append(const char* data, size_t n, const std::vector<PlannedBatch>& batches,
                int64_t now_ms);

  // The batches holding offsets >= `from` in this segment: starting at the
  // batch that contains `from` (or the first batch after it), whole
  // batches up to `max_bytes`, always at least one. nullopt when the
  // segment has no offset >= from.
  Result<std::optional<SegmentRange>> read(int64_t from, uint64_t max_bytes) const;

  // The first record at an offset >= `min_offset` whose timestamp is >=
  // `ts`, with that timestamp. Compressed batches are decompressed to find
  // the record, as Kafka does.
  Result<std::optional<TimestampOffset>> offset_for_time(int64_t ts, int64_t min_offset) const;

  // Writes both indexes to their files, sealed (at roll and at clean
  // close). `durable` fsyncs each file and the directory.
  Status write_indexes(bool durable);
  // True when the index files match the in-memory indexes.
  bool indexes_saved() const { return indexes_saved_; }
  // Removes the segment's files (log first, so a crash leaves only index
  // files, which open() discards).
  Status remove_files();

  // Bytes known to be on disk; maintained by the Log's flush.
  uint64_t synced_size() const { return synced_size_; }
  void set_synced_size(uint64_t s) { synced_size_ = s; }

 private:
  Segment(std::string dir, int64_t base_offset, uint32_t index_interval)
      : dir_(std::move(dir)), base_offset_(base_offset), index_interval_(index_interval) {}

  std::string path(const char* suffix) const;
  // Updates the in-memory indexes for a batch at `position`.
  void index_batch(uint64_t position, uint64_t size, int64_t base, int64_t last, int64_t max_ts);
  // Recovery (segment_recovery.cc). Reads and validates every batch,
  // rebuilding the indexes; truncates a torn tail; records damage in the
  // middle (resuming at the next valid batch) without changing it. Fails
  // only on I/O errors.
  Status scan_all(RecoveryReport* report);
  // Cuts the file back to where `torn` starts, and says so in the report.
  Status truncate_torn_tail(const ScanFault& torn, RecoveryReport* report);
  // Sealed indexes at open (segment_indexes.cc).
  Status load_indexes(RecoveryReport* report, bool* usable);
  // Reads and unseals one index file; kCorruption says why it is unusable.
  Result<std::string> read_sealed(const char* suffix, IndexKind kind, IndexSeal* seal) const;
  // Checks loaded indexes and their seal against the log: the batches
  // after the last offset index entry end exactly at the end of the file,
  // the last with the seal's CRC and next offset, and the largest
  // timestamp is the one of the records of the batch the seal names.
  // kCorruption says what disagrees. Sets next_offset_, last_batch_pos_.
  Status check_seal(const IndexSeal& seal, const OffsetIndex& idx, const TimeIndex& tidx);
  // Scans from `idx`'s last entry to the end of the file, which must end
  // on a batch boundary; puts the next offset and the last batch's CRC in
  // *log. Sets next_offset_, last_batch_pos_.
  Status scan_tail(const OffsetIndex& idx, LogFacts* log);
  // The largest record timestamp of the batch holding `offset`, read and
  // validated from the log; scans from `idx`'s entry below it.
  Result<int64_t> records_max_timestamp(const OffsetIndex& idx, int64_t offset) const;
  // What the index files written now must say about the log.
  Result<IndexSeal> current_seal() const;
  // Records damaged bytes [pos, end) found by scan_all.
  Status add_damage(uint64_t pos, uint64_t end, const std::string& why, RecoveryReport* report);

  // The header of a batch starting at `pos`, which must lie whole inside
  // the file.
  Result<batch::BatchHeader> header_at(uint64_t pos) const;
  // True when the log holds the batch `e` names at the position it names.
  bool entry_holds(const OffsetIndex::Entry& e) const;
  // Where a scan for relative offset `rel` may start: the last offset
  // index entry at or below it that the log confirms, or 0. A wrong entry
  // makes the offset index be rebuilt.
  uint64_t scan_start(uint32_t rel) const;
  // Rebuilds the offset index from the batch headers after an entry was
  // found wrong; `why` goes to the report.
  void repair_offset_index(const std::string& why) const;
  // The first damage a read of offset `from` must not cross (nullptr:
  // none), and the position after the last damage wholly below `from`.
  const Damage* damage_ahead(int64_t from, uint64_t* floor) const;

  std::string dir_;
  int64_t base_offset_;
  uint32_t index_interval_;
  std::shared_ptr<File> log_;
  uint64_t size_ = 0;
  uint64_t synced_size_ = 0;
  int64_t next_offset_ = 0;
  // Indexes are caches: a read that finds an offset index entry wrong
  // rebuilds it in place, hence mutable. Reads only come from the owner
  // thread (see Log).
  mutable OffsetIndex offset_index_;
  TimeIndex time_index_;
  uint64_t bytes_since_index_ = 0;
  std::optional<int64_t> max_timestamp_;
  int64_t offset_of_max_timestamp_ = 0;
  std::optional<uint64_t> last_batch_pos_;  // the last valid batch's position
  // Where the last read stopped: the batch starting at offset
  // resume_offset_ is at byte resume_position_ (-1: unknown). A read that
  // goes on from there (a consumer, a follower at the end) needs no scan.
  mutable int64_t resume_offset_ = -1;
  mutable uint64_t resume_position_ = 0;
  std::optional<int64_t> roll_reference_ms_;
  std::vector<Damage> damage_;
  mutable bool indexes_saved_ = false;
  // Where repairs found after open are reported: the owning Log's report,
  // which outlives the segment. Null for segments made by Create(), whose
  // indexes are built in memory and never loaded.
  RecoveryReport* report_ = nullptr;
};

}  // namespace ks::storage
