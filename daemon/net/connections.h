// The connection layer: every client connection, whichever protocol it
// speaks. Owns reading (one shared read buffer, a partial frame kept per
// connection), answering in request order (slots), backpressure (stop
// reading above a high-water mark of unsent answers, resume below a low
// one), the daemon's budget of answer memory, the fetch engine, the
// connection limits and deadlines, and closing. Protocols take requests
// off the bytes (net::Protocol) and answer through complete().
// Everything runs on the loop thread.
#pragma once

#include <uv.h>

#include <deque>
#include <functional>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "daemon/net/conn.h"
#include "daemon/net/fetch_engine.h"
#include "daemon/net/protocol.h"
#include "daemon/server/options.h"

namespace ks::net {

class Connections final : public FetchHost {
 public:
  // `loop` must outlive this object.
  Connections(uv_loop_t* loop, const server::DaemonOptions& options);
  ~Connections() override;
  Connections(const Connections&) = delete;
  Connections& operator=(const Connections&) = delete;

  // Takes over an accepted socket of a listener of `kind`; `protocol` must
  // outlive the connection.
  void adopt(int fd, ListenerKind kind, Protocol* protocol);

  // Queues `answer` in `slot` of `c` and writes what is ready, in order.
  void complete(const std::shared_ptr<Conn>& c, Slot* slot, Answer answer) override;
  void complete(const std::shared_ptr<Conn>& c, Slot* slot, std::string frame) {
    complete(c, slot, Answer(std::move(frame)));
  }
  // Nothing more is read or answered on `c`: it closes once the answers
  // owed before now are written.
  void close_after_answers(const std::shared_ptr<Conn>& c);
  // A native TCP connection sent its token.
  void set_authed(Conn* c);
  FetchEngine& fetches() { return fetches_; }

  // Runs with a connection's id once it closed.
  void set_close_hook(std::function<void(uint64_t)> hook) { close_hook_ = std::move(hook); }
  // Runs with uv_now() about once a second (the listeners' log of
  // refused connections).
  void set_tick_hook(std::function<void(uint64_t)> hook) { tick_hook_ = std::move(hook); }

  // Stops reading, answers what was received (fetches at once), closes
  // every connection once its answers are written, then calls `done`.
  void begin_shutdown(std::function<void()> done);

  size_t count() const { return conns_.size(); }
  // Bytes of answers built and not yet written, all connections together
  // (bounded; see kAnswerBudget).
  size_t held_bytes() const { return held_; }

  // FetchHost
  void reserve(const std::shared_ptr<Conn>& c, Slot* slot, size_t bytes) override;
  uint64_t answer_room(const Conn& c) const override;
  void schedule() override;
  void resume_later(const std::shared_ptr<Conn>& c) override { resume_.push_back(c); }
  bool shutting_down() const override { return shutting_down_; }
  void reads_drained() override { check_shutdown_done(); }

 private:
  // Reading and answering (connections.cc).
  void start_reading(Conn* c);
  void pause_reading(Conn* c);
  void on_read(const std::shared_ptr<Conn>& c, const uv_buf_t* buf, size_t n);
  // Processes c->in (the requests held while the connection was paused).
  void process(const std::shared_ptr<Conn>& c);
  // Processes whole frames at the start of data[0, n); returns the bytes used.
  size_t process_bytes(const std::shared_ptr<Conn>& c, char* data, size_t n);
  bool should_pause(const Conn& c) const;
  bool may_resume(const Conn& c) const;
  void flush(const std::shared_ptr<Conn>& c);
  void on_written(const std::shared_ptr<Conn>& c, int status);
  void close(const std::shared_ptr<Conn>& c);
  void release(Conn* c, size_t bytes);
  // The loop's idle phase (after the reads of an iteration): the fetch
  // engine's work, then connections to read again.
  void run_idle();
  void check_shutdown_done();

  // Limits and deadlines (admission.cc).
  void init_limits();
  // Counts `c` against the limits; false when it was closed instead.
  bool admit(const std::shared_ptr<Conn>& c);
  void evict_unauthed(const std::shared_ptr<Conn>& c);
  void forget(Conn* c);
  void check_deadlines();
  void close_timer();

  uv_loop_t* loop_;
  server::DaemonOptions options_;
  std::set<std::shared_ptr<Conn>> conns_;
  FetchEngine fetches_;  // every fetch of both protocols
  size_t held_ = 0;      // see held_bytes()
  std::unique_ptr<char[]> read_scratch_;     // kReadChunk bytes, see kReadChunk
  uv_idle_t* idle_ = nullptr;                // runs run_idle(); null once closed
  bool idle_active_ = false;
  std::vector<std::weak_ptr<Conn>> resume_;  // connections that may be read again
  bool shutting_down_ = false;
  std::function<void()> shutdown_done_;
  std::function<void(uint64_t)> close_hook_;
  std::function<void(uint64_t)> tick_hook_;
  uint64_t next_id_ = 1;

  // Limits derived from options_ (see init_limits in admission.cc).
  size_t unix_reserve_ = 0;    // of max_connections, kept for the Unix socket
  size_t unauthed_limit_ = 0;  // TCP connections that have not sent the token yet
  size_t remote_ = 0;          // open TCP and Kafka connections
  size_t unauthed_ = 0;        // of those, native ones not authenticated yet
  std::deque<std::weak_ptr<Conn>> unauthed_queue_;  // in accept order, for eviction
  int64_t last_limit_warning_ms_ = 0;  // refused connections are logged once a second
  int64_t last_unauthed_warning_ms_ = 0;
  uv_timer_t* deadline_timer_ = nullptr;  // null once closed
};

}  // namespace ks::net
