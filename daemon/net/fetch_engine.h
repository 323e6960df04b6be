// The one fetch engine both protocols use: a fetch is planned (byte ranges
// of segment files, found from the indexes without reading records), then
// parked as a long poll until it has min_bytes or its wait runs out, then
// charged against the answer budget (or deferred until memory comes free),
// then its records are read into one buffer (what the page cache holds on
// the loop thread without blocking, the rest on libuv's thread pool) and
// spliced into the answer the protocol encodes, never copied into it.
//
// A protocol plugs in a FetchPlan: how to plan its request, what wakes it,
// and how to encode the answer. Rules the engine owns, once:
//  - a connection parks at most kMaxParkedFetches long polls; a fetch past
//    that answers at once with what there is (never an error: a Kafka
//    client may not see one for it, and an early answer is always a valid
//    answer to a long poll);
//  - an error in the plan is an answer: waiting would not mend it;
//  - a connection's fetches are answered in order: one arriving behind
//    fetches waiting for memory waits too;
//  - while the daemon shuts down, fetches answer at once, without records
//    when there is no memory for them.
#pragma once

#include <uv.h>

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <set>
#include <vector>

#include "common/status.h"
#include "daemon/net/conn.h"
#include "daemon/storage/log.h"

namespace ks::net {

// Records a plan wants sent: a byte range of a segment file, and which of
// the plan's partitions it belongs to. The engine reads it and fills the
// rest: `read` with the bytes at tail[tail_at, + range.size); or not read,
// with `status` saying why (OK: the records were dropped for lack of
// memory at shutdown, the partition is answered without records).
struct RecordRead {
  size_t part = 0;  // the plan's own index of the partition
  storage::ReadResult range;
  bool read = false;
  Status status;
  size_t tail_at = 0;
};

// What one protocol's fetch request plugs into the engine. Runs on the
// loop thread, except that once the fetch is answered a read on the thread
// pool may fill reads() before encode() is called on the loop.
class FetchPlan {
 public:
  virtual ~FetchPlan() = default;
  // The membership check of a group member's fetch: an answer here ends
  // the fetch at once (e.g. rebalance in progress). Runs before each plan.
  virtual std::optional<Answer> check() { return std::nullopt; }
  struct Planned {
    uint64_t total = 0;      // bytes of records in reads()
    bool any_error = false;  // some partition has an error (an answer at once)
  };
  // (Re)plans the records up to `limit` bytes (at least one batch of the
  // first partition with any, past the limit), replacing reads().
  virtual Planned plan(uint64_t limit) = 0;
  // Subscribes `wake` to the next append of every partition asked for;
  // returns the broker's watch ids, which the engine gives to unwatch().
  virtual std::vector<uint64_t> watch(std::function<void()> wake) = 0;
  virtual void unwatch(uint64_t watch_id) = 0;
  // Builds the answer: `tail` holds the bytes of the reads marked `read`;
  // the plan encodes its head and splices them in.
  virtual Answer encode(Bytes tail) = 0;
  // The request's limits, already clamped by the protocol.
  virtual uint64_t min_bytes() const = 0;
  virtual uint64_t max_bytes() const = 0;
  virtual int64_t wait_ms() const = 0;
  // A group member's fetch (woken when its group rebalances).
  virtual bool in_group(std::string_view /*group*/) const { return false; }

  std::vector<RecordRead>& reads() { return reads_; }

 protected:
  void add_read(size_t part, storage::ReadResult range) {
    RecordRead r;
    r.part = part;
    r.range = std::move(range);
    reads_.push_back(std::move(r));
  }

  std::vector<RecordRead> reads_;
};

// What the engine needs from the connection layer.
class FetchHost {
 public:
  virtual ~FetchHost() = default;
  // Bytes of records an answer on `c` may carry now (0: none).
  virtual uint64_t answer_room(const Conn& c) const = 0;
  // Queues `answer` in `slot` and writes what is ready.
  virtual void complete(const std::shared_ptr<Conn>& c, Slot* slot, Answer answer) = 0;
  // Charges `bytes` of an answer being built for `slot` now (records read
  // off the loop), so the budget counts them before complete().
  virtual void reserve(const std::shared_ptr<Conn>& c, Slot* slot, size_t bytes) = 0;
  // Runs FetchEngine::run_idle() (and the host's own idle work) soon.
  virtual void schedule() = 0;
  // `c` may be read again once the idle work ran.
  virtual void resume_later(const std::shared_ptr<Conn>& c) = 0;
  virtual bool shutting_down() const = 0;
  // The last read in flight on the thread pool completed.
  virtual void reads_drained() = 0;
};

class FetchEngine {
 public:
  // `loop` and `host` must outlive the engine.
  FetchEngine(uv_loop_t* loop, FetchHost* host) : loop_(loop), host_(host) {}
  ~FetchEngine();

  // Starts a fetch answered into `slot` of `c`. It is first tried in the
  // loop's idle phase (after the reads of an iteration, so a client that
  // sent a fetch and hung up is seen gone before its answer is built).
  void start(const std::shared_ptr<Conn>& c, Slot* slot, std::unique_ptr<FetchPlan> plan);
  // Memory came free (an answer was written): deferred fetches are retried.
  void memory_freed();
  // The idle phase: deferred fetches (oldest first), then new ones.
  // Returns true while more idle work is due.
  bool run_idle();
  // A group's generation moved: its members' long polls answer now.
  void rebalance(std::string_view group);
  // Shutdown: every fetch answers now with what it has.
  void answer_all();
  // Drops the deferred queue (the loop is stopping).
  void clear() { deferred_.clear(); }
  // Reads of records running on the thread pool; shutdown waits for none.
  size_t reads_in_flight() const { return cold_.size(); }

  struct Fetch;
  struct ColdRead;

 private:
  void begin(const std::shared_ptr<Fetch>& f);
  void attempt(const std::shared_ptr<Fetch>& f, bool final);
  // Parks `f` as a long poll; false when the connection has no room for one.
  bool park(const std::shared_ptr<Fetch>& f, Conn* c);
  void defer(const std::shared_ptr<Fetch>& f, Conn* c);
  void answer(const std::shared_ptr<Fetch>& f, const std::shared_ptr<Conn>& c, bool records);
  void finish(const std::shared_ptr<Fetch>& f);
  void set_parked(Fetch* f, Conn* c, bool parked);
  void set_deferred(Fetch* f, Conn* c, bool deferred);

  uv_loop_t* loop_;
  FetchHost* host_;
  std::set<std::shared_ptr<Fetch>> fetches_;   // every fetch not answered yet
  std::vector<std::shared_ptr<Fetch>> starting_;  // fetches that just arrived
  std::vector<std::shared_ptr<Fetch>> deferred_;  // fetches ready to answer, waiting for memory
  bool retry_due_ = false;                        // memory came free: retry deferred_
  std::set<ColdRead*> cold_;                      // reads on the thread pool; each frees itself
};

}  // namespace ks::net
