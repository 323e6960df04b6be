// Walks the batches of a segment file in order, through one reusable
// window buffer, either reading only headers (to find positions) or whole
// batches (to validate, rebuild indexes, dump). walk_segment() is the one
// checking loop over a whole segment: recovery (segment_recovery.cc) and
// `ks log verify` (verify.cc) both go through it, so they agree on what is
// a torn tail and what is damage.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>

#include "common/record_batch.h"
#include "common/status.h"
#include "daemon/storage/file.h"

namespace ks::storage {

struct ScannedBatch {
  uint64_t position = 0;  // where the batch starts in the file
  batch::BatchHeader header;
  // The whole batch when the scanner reads bodies; valid until the next
  // call to next().
  std::string_view bytes;
};

class BatchScanner {
 public:
  enum class Step {
    kBatch,      // *out holds the next batch
    kEnd,        // reached `end` exactly on a batch boundary
    kTruncated,  // fewer bytes than a whole batch remain before `end`
    kBadHeader,  // the header at position() is malformed; status() says how
    kIOError,    // status() says what failed
  };

  // Scans [start, end) of `file`, which must outlive the scanner.
  // `read_bodies` false reads only the 61-byte headers.
  BatchScanner(const File* file, uint64_t start, uint64_t end, bool read_bodies);

  Step next(ScannedBatch* out);
  // The start of the batch next() will look at.
  uint64_t position() const { return pos_; }
  uint64_t end() const { return end_; }
  const Status& status() const { return status_; }
  // Moves to `pos` (a batch start, for resynchronising after damage).
  void seek(uint64_t pos) { pos_ = pos; }

 private:
  // Makes [pos, pos+n) available in the window; false on I/O error.
  bool fill(uint64_t pos, size_t n, std::string_view* out);

  const File* file_;
  uint64_t pos_;
  uint64_t end_;
  bool read_bodies_;
  std::string buf_;
  uint64_t buf_pos_ = 0;
  size_t buf_len_ = 0;
  Status status_;
};

// Bytes walk_segment() could not read as valid batches, and what they are.
struct ScanFault {
  enum class Kind {
    // Nothing valid follows up to the end of the file: an append a crash
    // interrupted (or its zero-filled blocks). Recovery truncates it.
    kTornTail,
    // A valid batch follows (or the damage is not at the end): kept as it
    // is; reads resume at `resume`.
    kDamage,
  };
  Kind kind;
  uint64_t position;               // first byte that is not a valid batch
  std::optional<uint64_t> resume;  // kDamage: where the next valid batch starts; nullopt: none does
  std::string why;                 // what was found there, for a report
};

// Callbacks of walk_segment(). A non-OK Status from either ends the walk
// with it, except that `batch` returning kCorruption rejects that batch
// (offsets going backwards, say): it is then a fault like a bad CRC.
struct SegmentVisitor {
  // A whole batch that passed batch::validate().
  std::function<Status(const ScannedBatch&, const batch::BatchInfo&)> batch;
  // Called once per fault; after a kTornTail, or a kDamage with no resume,
  // the walk ends.
  std::function<Status(const ScanFault&)> fault;
};

// Reads [0, size) of `file` with bodies, validating every batch end to end
// and classifying what it cannot read (ScanFault). OK at the end of the
// file or after the last fault; an I/O error otherwise.
Status walk_segment(const File& file, uint64_t size, const SegmentVisitor& visit);

}  // namespace ks::storage
