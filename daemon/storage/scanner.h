// Walks the batches of a segment file in order, through one reusable
// window buffer, either reading only headers (to find positions) or whole
// batches (to validate, rebuild indexes, dump).
#pragma once

#include <cstdint>
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

}  // namespace ks::storage
