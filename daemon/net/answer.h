// The bytes of one answer as they go to the socket: a head the protocol
// encoded and, spliced into it, records read from segment files. The
// records are never copied into the head; the write is one writev of the
// pieces (see Connections::flush in connections.cc).
#pragma once

#include <algorithm>
#include <cstring>
#include <memory>
#include <string>
#include <vector>

namespace ks::net {

// Bytes of uninitialized memory, for records read from a segment.
struct Bytes {
  std::unique_ptr<char[]> data;
  size_t size = 0;
  void allocate(size_t n) {
    data.reset(n ? new char[n] : nullptr);
    size = n;
  }
};

// Records of `tail` written at offset `head_at` of the head: the head's
// bytes before it, then tail[tail_at, tail_at + size), then the rest.
// Splices are in increasing head_at order.
struct Splice {
  size_t head_at = 0;
  size_t tail_at = 0;
  size_t size = 0;
};

struct Answer {
  std::string head;
  Bytes tail;
  std::vector<Splice> splices;

  Answer() = default;
  explicit Answer(std::string h) : head(std::move(h)) {}
  size_t size() const {
    size_t n = head.size();
    for (const auto& s : splices) n += s.size;
    return n;
  }
};

// A growable byte buffer without zero-filling, for socket reads.
class Buffer {
 public:
  char* data() { return data_.get(); }
  size_t size() const { return size_; }
  // Room for n more bytes at data() + size().
  char* reserve(size_t n) {
    if (size_ + n > cap_) {
      size_t cap = std::max(cap_ * 2, size_ + n);
      std::unique_ptr<char[]> d(new char[cap]);
      if (size_) std::memcpy(d.get(), data_.get(), size_);
      data_ = std::move(d);
      cap_ = cap;
    }
    return data_.get() + size_;
  }
  void grow(size_t n) { size_ += n; }
  void append(const char* p, size_t n) {
    std::memcpy(reserve(n), p, n);
    size_ += n;
  }
  size_t capacity() const { return cap_; }
  // Frees the memory of an empty buffer.
  void release() {
    if (size_ == 0) {
      data_.reset();
      cap_ = 0;
    }
  }
  void consume(size_t n) {
    if (n == size_) {
      size_ = 0;
    } else if (n > 0) {
      std::memmove(data_.get(), data_.get() + n, size_ - n);
      size_ -= n;
    }
  }

 private:
  std::unique_ptr<char[]> data_;
  size_t size_ = 0;
  size_t cap_ = 0;
};

}  // namespace ks::net
