// Connection internals shared by the native (server.cc) and Kafka
// (kafka_server.cc) sides of Server. Not for use outside the server.
#pragma once

#include <uv.h>

#include <algorithm>
#include <cstring>
#include <deque>
#include <functional>
#include <vector>
#include <memory>
#include <string>

#include "daemon/server/server.h"

namespace ks::server {

// Backpressure: a connection whose unsent answers pass the high-water mark
// stops being read until they drain below the low one.
constexpr size_t kHighWater = 16 << 20;
constexpr size_t kLowWater = 4 << 20;
constexpr size_t kMaxSlots = 4096;  // requests answered out of this many queued
constexpr size_t kReadChunk = 256 << 10;

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


struct Server::Slot {
  bool ready = false;
  bool silent = false;  // acks=0 produce: nothing is sent
  std::string frame;
  std::string tail;  // written after `frame` (a fetch's records), not copied into it
};

struct Server::Conn : std::enable_shared_from_this<Server::Conn> {
  Server* server = nullptr;
  uint64_t id = 0;
  union {
    uv_pipe_t pipe;
    uv_tcp_t tcp;
  } h;
  bool tcp = false;
  bool kafka = false;  // a Kafka wire protocol connection
  std::string peer;    // Kafka: "/ADDRESS" of the client
  bool authed = true;
  bool over_limit = false;  // accepted past --max-connections: its first request gets why, then it closes
  bool reading = false;
  bool closing = false;
  bool close_after_flush = false;
  Buffer in;
  std::deque<std::unique_ptr<Slot>> slots;
  std::shared_ptr<Conn> self;  // keeps the object alive until the close callback

  uv_stream_t* stream() { return reinterpret_cast<uv_stream_t*>(&h); }
  uv_handle_t* handle() { return reinterpret_cast<uv_handle_t*>(&h); }
};


// What a long-polling fetch (native or Kafka) holds while it waits: its
// wake-ups on partitions and a one-shot timer for max_wait_ms.
struct LongPoll {
  virtual ~LongPoll() = default;
  uv_timer_t timer;
  bool timer_started = false;
  bool done = false;
  std::vector<uint64_t> watches;
  std::function<void()> on_timer;
  std::shared_ptr<LongPoll> self;  // while the timer handle is open
};

// Runs p->on_timer after `ms` (once); `p` stays alive until the timer is
// closed by end_long_poll().
inline void arm_long_poll(uv_loop_t* loop, const std::shared_ptr<LongPoll>& p, uint64_t ms) {
  uv_timer_init(loop, &p->timer);
  p->timer.data = p.get();
  p->self = p;
  p->timer_started = true;
  uv_timer_start(&p->timer, [](uv_timer_t* t) {
    std::shared_ptr<LongPoll> keep = static_cast<LongPoll*>(t->data)->self;
    if (keep->on_timer) keep->on_timer();
  }, ms, 0);
}

// Marks the poll done, drops its wake-ups and closes its timer.
inline void end_long_poll(Broker* broker, LongPoll* p) {
  p->done = true;
  for (uint64_t w : p->watches) broker->unwatch(w);
  p->watches.clear();
  if (p->timer_started) {
    p->timer_started = false;
    uv_timer_stop(&p->timer);
    uv_close(reinterpret_cast<uv_handle_t*>(&p->timer), [](uv_handle_t* h) {
      static_cast<LongPoll*>(h->data)->self.reset();  // may free it
    });
  }
}

}  // namespace ks::server
