#include "cli/commands/produce_input.h"

#include <poll.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "cli/output.h"

namespace ks::cli {

Splitter::Splitter(int fd, std::string delim) : fd_(fd), delim_(std::move(delim)) { grow_pipe(fd); }

bool Splitter::wait(int timeout_ms) {
  if (has_record()) return true;
  pollfd p{fd_, POLLIN, 0};
  return ::poll(&p, 1, timeout_ms) != 0;
}

std::optional<std::string_view> Splitter::next() {
  for (;;) {
    size_t at = find();
    if (at != std::string::npos) {
      std::string_view rec(buf_.data() + pos_, at - pos_);
      pos_ = at + delim_.size();
      return rec;
    }
    if (eof_) {
      if (pos_ < end_) {
        std::string_view rec(buf_.data() + pos_, end_ - pos_);
        pos_ = end_;
        return rec;
      }
      return std::nullopt;
    }
    fill();
  }
}

std::optional<std::string_view> Splitter::all(uint64_t limit) {
  while (!eof_) {
    if (end_ - pos_ > limit) return std::nullopt;
    fill();
  }
  if (end_ - pos_ > limit) return std::nullopt;
  std::string_view rec(buf_.data() + pos_, end_ - pos_);
  pos_ = end_;
  return rec;
}

void Splitter::fill() {
  hit_ = std::string::npos;
  if (pos_ > 0 && pos_ >= end_ / 2) {
    std::memmove(buf_.data(), buf_.data() + pos_, end_ - pos_);
    end_ -= pos_;
    scan_from_ = scan_from_ > pos_ ? scan_from_ - pos_ : 0;
    pos_ = 0;
  }
  // buf_ only grows; reads land in its spare room, so input bytes are
  // not zero-filled before each read.
  if (buf_.size() < end_ + kChunk) buf_.resize(end_ + kChunk);
  ssize_t n;
  do n = ::read(fd_, buf_.data() + end_, kChunk);
  while (n < 0 && errno == EINTR);
  if (n <= 0) {
    eof_ = true;
    if (n < 0) error_ = errno;
    return;
  }
  end_ += static_cast<size_t>(n);
  read_ += static_cast<uint64_t>(n);
  ++reads_;
}

size_t Splitter::find() {
  if (hit_ != std::string::npos && hit_ >= pos_) return hit_;
  size_t from = std::max(pos_, scan_from_);
  const char* base = buf_.data();
  size_t at;
  if (delim_.size() == 1) {
    const void* hit = std::memchr(base + from, delim_[0], end_ - from);
    at = hit ? static_cast<size_t>(static_cast<const char*>(hit) - base) : std::string::npos;
  } else {
    at = std::string_view(base, end_).find(delim_, from);
  }
  hit_ = at;
  // Remember how far we looked so a partial record is not rescanned.
  if (at == std::string::npos)
    scan_from_ = end_ >= delim_.size() ? end_ - delim_.size() + 1 : 0;
  else
    scan_from_ = 0;
  return at;
}

}  // namespace ks::cli
