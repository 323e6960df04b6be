// The input side of `ks produce`: stdin (or a file) read in large chunks
// and handed out as records split at a delimiter, or as one record
// (--raw) read only up to the size the topic accepts.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace ks::cli {

class Splitter {
 public:
  Splitter(int fd, std::string delim);

  // True when a whole record is buffered (next() will not read).
  bool has_record() { return eof_ || (pos_ < end_ && find() != std::string::npos); }

  // Waits up to timeout_ms (-1: forever) for input; false on timeout.
  bool wait(int timeout_ms);

  // The next record (a view valid until the next call), or nullopt at the
  // end. A last record without a trailing delimiter still counts.
  std::optional<std::string_view> next();

  // Everything until EOF, as one record; nullopt as soon as more than
  // `limit` bytes are in, without reading the rest: an endless pipe
  // (`yes | ks produce t --raw`) costs at most limit + one chunk of memory.
  std::optional<std::string_view> all(uint64_t limit);

  bool eof() const { return eof_ && pos_ >= end_; }
  // Input bytes read so far.
  uint64_t read() const { return read_; }
  // Input bytes handed out as records (or skipped) so far.
  uint64_t consumed() const { return read_ - (end_ - pos_); }
  int error() const { return error_; }
  // Reads that returned input so far: a new value means new input.
  uint64_t reads() const { return reads_; }

 private:
  static constexpr size_t kChunk = 1 << 20;

  // Reads once from the input (blocking). Used when the buffer holds no
  // whole record.
  void fill();
  size_t find();

  int fd_;
  std::string delim_;
  std::string buf_;  // input in [0, end_), records from pos_
  size_t end_ = 0;
  size_t pos_ = 0;
  uint64_t read_ = 0;  // bytes read from the input in all
  size_t scan_from_ = 0;
  size_t hit_ = std::string::npos;  // delimiter found by the last find()
  uint64_t reads_ = 0;
  bool eof_ = false;
  int error_ = 0;
};

}  // namespace ks::cli
