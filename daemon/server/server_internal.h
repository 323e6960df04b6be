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

// Memory for answers. Every answer is charged, from the moment it is built
// until its last byte is written (or its connection closes), to its
// connection (Conn::held) and to the daemon (Server::held_). Fetches are
// the big ones; they are built only when there is room (answer_room() in
// server.cc) and otherwise wait, like a long poll, until writes drain:
//  - the daemon holds at most kAnswerBudget of answers, plus kAnswerReserve
//    for connections that hold (almost) nothing, so a consumer that reads
//    keeps being served, in kReserveAnswer pieces, while others never read;
//  - a connection holding kConnAnswerLimit gets no further fetch answer
//    built until its writes drain.
constexpr size_t kAnswerBudget = 48 << 20;
constexpr size_t kAnswerReserve = 16 << 20;
constexpr size_t kReserveAnswer = 1 << 20;
constexpr size_t kHoldsLittle = 64 << 10;
constexpr size_t kConnAnswerLimit = 8 << 20;
// The records of one fetch answer (the CLI asks for 4 MiB).
constexpr uint64_t kMaxFetchBytes = 8 << 20;
// Long polls one connection may have waiting at once (answers come in
// request order, so more could never help a client).
constexpr int kMaxParkedFetches = 4;
// Fetches of one connection waiting for memory before it is no longer read.
constexpr int kMaxDeferredFetches = 4;

// Backpressure: a connection whose unsent answers pass the high-water mark
// stops being read until they drain below the low one; so does one that
// holds answers while the daemon's budget is spent.
constexpr size_t kHighWater = 16 << 20;
constexpr size_t kLowWater = 4 << 20;
constexpr size_t kMaxSlots = 4096;  // requests answered out of this many queued
// Socket reads go to one buffer of this size shared by all connections
// (Server::read_scratch_); a connection keeps bytes of its own only for a
// frame that is not complete yet or requests it is not processing now.
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


// Bytes of uninitialized memory, for records read from a segment.
struct Bytes {
  std::unique_ptr<char[]> data;
  size_t size = 0;
  void allocate(size_t n) {
    data.reset(n ? new char[n] : nullptr);
    size = n;
  }
};

struct Server::Slot {
  bool ready = false;
  bool silent = false;  // acks=0 produce: nothing is sent
  size_t charged = 0;   // bytes of frame and tail counted in Conn::held and Server::held_
  std::string frame;
  Bytes tail;  // written after `frame` (a fetch's records), not copied into it
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
  bool counted_remote = false;    // in Server::remote_ (a TCP or Kafka connection)
  bool counted_unauthed = false;  // in Server::unauthed_ (a TCP connection that has not sent the token yet)
  bool over_limit = false;  // accepted past --max-connections: its first request gets why, then it closes
  uint64_t accepted_ms = 0;     // uv_now() at accept: the login deadline runs from here
  uint64_t last_active_ms = 0;  // uv_now() of the last byte read or written: the idle deadline
  bool reading = false;
  bool closing = false;
  bool close_after_flush = false;
  size_t held = 0;    // bytes of answers built and not yet written (see kAnswerBudget)
  int parked = 0;     // long polls waiting for records
  int deferred = 0;   // fetches waiting for memory
  Buffer in;          // bytes read and not yet processed (see kReadChunk)
  std::deque<std::unique_ptr<Slot>> slots;
  std::shared_ptr<Conn> self;  // keeps the object alive until the close callback

  uv_stream_t* stream() { return reinterpret_cast<uv_stream_t*>(&h); }
  uv_handle_t* handle() { return reinterpret_cast<uv_handle_t*>(&h); }
};


// A listening socket, accepted by hand (conn_accept.cc) rather than by
// uv_listen: libuv drops connections silently when descriptors run out,
// and the daemon must log that and tell the client why.
struct Server::Listener {
  enum class Kind { kUnix, kNative, kKafka };
  uv_poll_t poll;
  int fd = -1;
  Kind kind = Kind::kUnix;
  Server* server = nullptr;
  bool polling = false;
};

// Whether `given` is the token `want` (not empty), in time that depends on
// the length of `want` only, so the comparison leaks nothing of it.
bool token_matches(std::string_view given, std::string_view want);

// What a long-polling fetch (native or Kafka) holds while it waits: its
// wake-ups on partitions and a one-shot timer for max_wait_ms.
struct LongPoll {
  virtual ~LongPoll() = default;
  std::weak_ptr<Server::Conn> conn;
  uv_timer_t timer;
  bool timer_started = false;
  bool done = false;
  bool parked = false;    // counted in Conn::parked
  bool deferred = false;  // counted in Conn::deferred, queued in Server::deferred_
  int64_t wait_ms = 0;
  std::vector<uint64_t> watches;
  // Tries to answer it; final: with what there is (max_wait_ms ran out, or
  // memory came free for a fetch that was ready).
  std::function<void(bool final)> attempt;
  std::shared_ptr<LongPoll> self;  // while the timer handle is open
};

// Runs p->attempt(true) after `ms` (once); `p` stays alive until the timer is
// closed by end_long_poll().
inline void arm_long_poll(uv_loop_t* loop, const std::shared_ptr<LongPoll>& p, uint64_t ms) {
  uv_timer_init(loop, &p->timer);
  p->timer.data = p.get();
  p->self = p;
  p->timer_started = true;
  uv_timer_start(&p->timer, [](uv_timer_t* t) {
    std::shared_ptr<LongPoll> keep = static_cast<LongPoll*>(t->data)->self;
    if (keep->attempt) keep->attempt(true);
  }, ms, 0);
}

// Counts `p` as a long poll of `c` waiting for records, or not.
inline void set_parked(LongPoll* p, Server::Conn* c, bool parked) {
  if (p->parked == parked) return;
  p->parked = parked;
  if (c) c->parked += parked ? 1 : -1;
}

// Counts `p` as a fetch of `c` waiting for memory, or not (Server::deferred_
// holds it; entries no longer deferred are skipped there).
inline void set_deferred(LongPoll* p, Server::Conn* c, bool deferred) {
  if (p->deferred == deferred) return;
  p->deferred = deferred;
  if (c) c->deferred += deferred ? 1 : -1;
}

// Marks the poll done, drops its wake-ups and closes its timer.
inline void end_long_poll(Broker* broker, LongPoll* p) {
  p->done = true;
  std::shared_ptr<Server::Conn> c = p->conn.lock();
  set_parked(p, c.get(), false);
  set_deferred(p, c.get(), false);
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
