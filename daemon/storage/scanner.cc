#include "daemon/storage/scanner.h"

#include <algorithm>

namespace ks::storage {
namespace {
constexpr size_t kHeaderWindow = 16 << 10;
constexpr size_t kBodyWindow = 1 << 20;
}  // namespace

BatchScanner::BatchScanner(const File* file, uint64_t start, uint64_t end, bool read_bodies)
    : file_(file), pos_(start), end_(end), read_bodies_(read_bodies) {}

bool BatchScanner::fill(uint64_t pos, size_t n, std::string_view* out) {
  if (pos >= buf_pos_ && pos + n <= buf_pos_ + buf_len_) {
    *out = std::string_view(buf_.data() + (pos - buf_pos_), n);
    return true;
  }
  size_t want = std::max(n, read_bodies_ ? kBodyWindow : kHeaderWindow);
  want = static_cast<size_t>(std::min<uint64_t>(want, end_ - pos));
  if (buf_.size() < want) buf_.resize(want);
  auto got = file_->read_at(pos, buf_.data(), want);
  if (!got.ok()) {
    status_ = got.status();
    return false;
  }
  buf_pos_ = pos;
  buf_len_ = *got;
  if (buf_len_ < n) {
    status_ = Status::IOError(file_->path() + ": file shrank while being read");
    return false;
  }
  *out = std::string_view(buf_.data(), n);
  return true;
}

BatchScanner::Step BatchScanner::next(ScannedBatch* out) {
  if (pos_ == end_) return Step::kEnd;
  uint64_t left = end_ - pos_;
  if (left < batch::kLogOverhead) return Step::kTruncated;
  std::string_view head;
  if (!fill(pos_, static_cast<size_t>(std::min<uint64_t>(left, batch::kHeaderSize)), &head))
    return Step::kIOError;
  auto size = batch::frame_size(head);
  if (!size.ok()) {
    status_ = size.take_status();
    return Step::kBadHeader;
  }
  if (head.size() < batch::kHeaderSize || *size > left) return Step::kTruncated;
  auto header = batch::read_header(head);
  if (!header.ok()) {
    status_ = header.take_status();
    return Step::kBadHeader;
  }
  out->position = pos_;
  out->header = *header;
  if (read_bodies_) {
    if (!fill(pos_, *size, &out->bytes)) return Step::kIOError;
  } else {
    out->bytes = {};
  }
  pos_ += *size;
  return Step::kBatch;
}

}  // namespace ks::storage
