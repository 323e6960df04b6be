#include "daemon/storage/scanner.h"

#include <algorithm>

namespace ks::storage {
namespace {
constexpr size_t kHeaderWindow = 16 << 10;
constexpr size_t kBodyWindow = 1 << 20;

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

// The fault at the scanner's position after a step that is not a batch.
Result<ScanFault> fault_at(const File& f, const BatchScanner& scan, BatchScanner::Step step,
                           uint64_t size) {
  const uint64_t pos = scan.position();
  if (step == BatchScanner::Step::kTruncated) {
    auto valid = find_valid_batch(f, pos, size);
    if (!valid.ok()) return valid.status();
    if (!*valid)
      return ScanFault{ScanFault::Kind::kTornTail, pos, std::nullopt,
                       "incomplete batch at the end of the file (torn write)"};
    return ScanFault{ScanFault::Kind::kDamage, pos, *valid,
                     "batch length runs past the end of the file but a valid batch follows at byte " +
                         std::to_string(**valid) + ", so this is damage, not a torn write"};
  }
  auto zeros = all_zero(f, pos, size);
  if (!zeros.ok()) return zeros.status();
  if (*zeros) return ScanFault{ScanFault::Kind::kTornTail, pos, std::nullopt, "zero-filled tail (torn write)"};
  auto valid = find_valid_batch(f, pos, size);
  if (!valid.ok()) return valid.status();
  return ScanFault{ScanFault::Kind::kDamage, pos, *valid,
                   scan.status().message() + "; the bytes after it cannot be framed"};
}

// The fault a whole batch that failed its checks (`bad`) makes: the last
// batch of the file is a torn write, any other one damage.
Result<ScanFault> bad_batch(const File& f, const ScannedBatch& b, const Status& bad, uint64_t size) {
  if (b.position + b.header.size() == size)
    return ScanFault{ScanFault::Kind::kTornTail, b.position, std::nullopt,
                     "last batch is damaged (" + bad.message() + ", torn write)"};
  auto valid = find_valid_batch(f, b.position, size);
  if (!valid.ok()) return valid.status();
  return ScanFault{ScanFault::Kind::kDamage, b.position, *valid, "corrupt batch: " + bad.message()};
}

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

Status walk_segment(const File& file, uint64_t size, const SegmentVisitor& visit) {
  BatchScanner scan(&file, 0, size, /*read_bodies=*/true);
  ScannedBatch b;
  for (;;) {
    auto step = scan.next(&b);
    if (step == BatchScanner::Step::kEnd) return Status::OK();
    if (step == BatchScanner::Step::kIOError) return scan.status();
    Status bad;
    if (step == BatchScanner::Step::kBatch) {
      // Any failed check of the batch itself is a fault; of the caller's
      // checks, only kCorruption.
      auto info = batch::validate(b.bytes);
      if (info.ok()) {
        bad = visit.batch(b, *info);
        if (bad.ok()) continue;
        if (bad.code() != Code::kCorruption) return bad;
      } else {
        bad = info.status();
      }
    }
    auto fault = step == BatchScanner::Step::kBatch ? bad_batch(file, b, bad, size)
                                                    : fault_at(file, scan, step, size);
    if (!fault.ok()) return fault.status();
    KS_RETURN_IF_ERROR(visit.fault(*fault));
    if (!fault->resume) return Status::OK();
    scan.seek(*fault->resume);
  }
}

}  // namespace ks::storage
