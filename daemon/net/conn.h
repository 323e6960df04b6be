// One client connection and the limits every connection lives under,
// whichever protocol it speaks. Owned by the connection layer (the daemon's
// Server); the fetch engine and the protocols see it through
// std::shared_ptr / std::weak_ptr and never outlive the loop.
#pragma once

#include <uv.h>

#include <cstdint>
#include <deque>
#include <memory>
#include <string>

#include "daemon/net/answer.h"

namespace ks::net {

// Memory for answers. Every answer is charged, from the moment it is built
// until its last byte is written (or its connection closes), to its
// connection (Conn::held) and to the daemon (the server's held_bytes()).
// Fetches are the big ones; they are built only when there is room
// (FetchHost::answer_room) and otherwise wait, like a long poll, until
// writes drain:
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
// request order, so more could never help a client). A fetch past it is
// answered at once with what there is, on both protocols.
constexpr int kMaxParkedFetches = 4;
// Fetches of one connection waiting for memory before it is no longer read.
constexpr int kMaxDeferredFetches = 4;

// Backpressure: a connection whose unsent answers pass the high-water mark
// stops being read until they drain below the low one; so does one that
// holds answers while the daemon's budget is spent.
constexpr size_t kHighWater = 16 << 20;
constexpr size_t kLowWater = 4 << 20;
constexpr size_t kMaxSlots = 4096;  // requests answered out of this many queued
// Socket reads go to one buffer of this size shared by all connections;
// a connection keeps bytes of its own only for a frame that is not
// complete yet or requests it is not processing now.
constexpr size_t kReadChunk = 256 << 10;

// The answer to one request, in request order on its connection.
struct Slot {
  bool ready = false;
  bool silent = false;  // acks=0 produce, or a Kafka request that closes: nothing is sent
  size_t charged = 0;   // bytes of the answer counted in Conn::held and the server's held bytes
  Answer answer;
};

enum class ListenerKind { kUnix, kNative, kKafka };

class Connections;
class Protocol;

struct Conn : std::enable_shared_from_this<Conn> {
  Connections* owner = nullptr;  // owns this connection; outlives it
  Protocol* protocol = nullptr;  // speaks its requests; outlives it
  uint64_t id = 0;
  union {
    uv_pipe_t pipe;
    uv_tcp_t tcp;
  } h;
  bool tcp = false;
  bool kafka = false;  // a Kafka wire protocol connection
  std::string peer;    // Kafka: "/ADDRESS" of the client
  bool authed = true;
  bool counted_remote = false;    // in the server's count of TCP and Kafka connections
  bool counted_unauthed = false;  // a TCP connection that has not sent the token yet
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
  // A new slot at the end of the answer queue.
  Slot* add_slot() {
    slots.push_back(std::make_unique<Slot>());
    return slots.back().get();
  }
};

}  // namespace ks::net
