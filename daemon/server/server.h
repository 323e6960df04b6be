// The libuv side of the daemon: listeners, connections, framing, and the
// native protocol's ops mapped onto the Broker. One loop thread owns all
// of it.
#pragma once

#include <uv.h>

#include <nlohmann/json_fwd.hpp>

#include <deque>
#include <functional>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "common/status.h"
#include "daemon/broker/broker.h"
#include "daemon/server/options.h"

namespace ks::server {

struct LongPoll;

// Runs blocking work on libuv's thread pool; `done` runs on the loop.
class UvExecutor final : public Executor {
 public:
  explicit UvExecutor(uv_loop_t* loop) : loop_(loop) {}
  void run(std::function<Status()> work, std::function<void(Status)> done) override;
  int in_flight() const { return in_flight_; }

 private:
  uv_loop_t* loop_;
  int in_flight_ = 0;
};

class Server {
 public:
  // `loop` and `broker` must outlive the server.
  Server(uv_loop_t* loop, Broker* broker, const DaemonOptions& options);
  ~Server();

  Status listen_unix(const std::string& path);
  // "HOST:PORT"; refuses a non-loopback host unless allow_remote. Every
  // TCP client, loopback or not, must send `token` (not empty) in its
  // hello: only the Unix socket (0600 in a 0700 home) is open without it.
  Status listen_tcp(const std::string& hostport, bool allow_remote, const std::string& token);
  // The Kafka wire protocol on "HOST:PORT" (port 0: any free port), telling
  // clients to connect to `advertise` ("HOST:PORT"; empty: the bound one).
  Status listen_kafka(const std::string& hostport, bool allow_remote, const std::string& advertise);

  // Stops accepting, answers what was received, closes connections once
  // their answers are written, then calls `done`.
  void begin_shutdown(std::function<void()> done);
  bool shutting_down() const { return shutting_down_; }
  // Set by a client's shutdown request; the daemon then stops.
  void set_shutdown_hook(std::function<void()> hook) { shutdown_hook_ = std::move(hook); }

  const std::vector<std::string>& listeners() const { return listener_names_; }
  size_t connection_count() const { return conns_.size(); }
  // Bytes of answers built and not yet written, all connections together
  // (bounded; see kAnswerBudget in server_internal.h).
  size_t held_bytes() const { return held_; }

  struct Conn;
  struct Listener;
  struct Slot;
  struct Fetch;
  struct KafkaFetch;

 private:
  // Listeners and admission (conn_accept.cc): accepting by hand, the
  // descriptor reserve, the connection limits.
  void init_limits();  // from options_; the constructor calls it
  Result<Listener*> add_listener(int fd, int kind);
  static void on_listener(uv_poll_t* poll, int status, int events);
  void accept_ready(Listener* l);
  void adopt(Listener* l, int fd);
  void out_of_descriptors(Listener* l, int err);
  void pause_accepting();
  void close_listeners();
  // Counts `c` against the limits; false when it was closed instead.
  bool admit(const std::shared_ptr<Conn>& c);
  void set_authed(Conn* c);
  void forget_conn(Conn* c);
  // The login and idle deadlines (conn_accept.cc), checked by a timer.
  void check_deadlines();
  void close_timers();
  void start_reading(Conn* c);
  void on_read(const std::shared_ptr<Conn>& c, const uv_buf_t* buf, size_t n);
  // Processes c->in (the requests held while the connection was paused).
  void process(const std::shared_ptr<Conn>& c);
  // Processes whole frames at the start of data[0, n); returns the bytes used.
  size_t process_bytes(const std::shared_ptr<Conn>& c, char* data, size_t n);
  bool should_pause(const Conn& c) const;
  bool may_resume(const Conn& c) const;
  void pause_reading(Conn* c);
  void dispatch(const std::shared_ptr<Conn>& c, std::string_view header, char* payload, size_t payload_size);
  void complete(const std::shared_ptr<Conn>& c, Slot* slot, std::string frame);
  void flush_slots(const std::shared_ptr<Conn>& c);
  void close_conn(const std::shared_ptr<Conn>& c);
  // Memory for answers (see kAnswerBudget): the bytes of records an answer
  // on `c` may carry now (0: none), and fetches that wait for it.
  uint64_t answer_room(const Conn& c) const;
  void release(Conn* c, size_t bytes);
  void defer(const std::shared_ptr<LongPoll>& p, Conn* c);
  // Runs in the loop's idle phase (after the reads of an iteration, so a
  // client that sent a fetch and hung up is seen gone before its answer is
  // built): fetches that just arrived, deferred fetches when memory came
  // free, connections to read again.
  void schedule();
  void run_idle();
  void start_poll(const std::shared_ptr<LongPoll>& p);
  void start_fetch(const std::shared_ptr<Conn>& c, Slot* slot, uint64_t id, const void* request);
  void try_fetch(const std::shared_ptr<Fetch>& f, bool final);
  void finish_fetch(const std::shared_ptr<Fetch>& f);
  void check_shutdown_done();
  Result<Listener*> bind_tcp(const std::string& hostport, bool allow_remote, bool kafka, bool* loopback);

  // Kafka listener (kafka_server.cc).
  size_t process_kafka(const std::shared_ptr<Conn>& c, char* data, size_t n);
  void dispatch_kafka(const std::shared_ptr<Conn>& c, char* data, size_t size);
  void kafka_produce(const std::shared_ptr<Conn>& c, Slot* slot, int16_t version, int32_t correlation,
                     std::string_view body);
  void kafka_fetch(const std::shared_ptr<Conn>& c, Slot* slot, int16_t version, int32_t correlation,
                   std::string_view body);
  // Answers nothing more on this connection: it closes once the answers
  // owed before this request are written.
  void close_kafka(const std::shared_ptr<Conn>& c, Slot* slot, const std::string& api, int16_t version,
                   const char* why);
  void try_kafka_fetch(const std::shared_ptr<KafkaFetch>& f, bool final);
  void finish_kafka_fetch(const std::shared_ptr<KafkaFetch>& f);
  nlohmann::json status_json() const;

  uv_loop_t* loop_;
  Broker* broker_;
  DaemonOptions options_;
  int64_t last_limit_warning_ms_ = 0;  // refused connections are logged once a second
  std::string token_;
  std::vector<Listener*> listeners_;
  // Limits derived from options_ (see the constructor in conn_accept.cc).
  size_t unix_reserve_ = 0;       // of max_connections, kept for the Unix socket
  size_t unauthed_limit_ = 0;     // TCP connections that have not sent the token yet
  size_t remote_ = 0;             // open TCP and Kafka connections
  size_t unauthed_ = 0;           // of those, native ones not authenticated yet
  std::deque<std::weak_ptr<Conn>> unauthed_queue_;  // in accept order, for eviction
  int spare_fd_ = -1;             // given up to accept a connection when descriptors run out
  std::string fd_error_frame_;    // what a native client accepted with it is told
  int64_t last_fd_warning_ms_ = 0;
  uint64_t fd_refused_ = 0;       // connections refused for descriptors since the last log line
  int64_t last_unauthed_warning_ms_ = 0;
  uv_timer_t* deadline_timer_ = nullptr;  // null once closed
  uv_timer_t* accept_timer_ = nullptr;    // resumes accepting after a pause; null once closed
  std::vector<std::string> listener_names_;
  std::set<std::shared_ptr<Conn>> conns_;
  std::set<std::shared_ptr<Fetch>> fetches_;
  std::set<std::shared_ptr<KafkaFetch>> kafka_fetches_;
  size_t held_ = 0;                                     // see held_bytes()
  std::unique_ptr<char[]> read_scratch_;                // kReadChunk bytes, see kReadChunk
  uv_idle_t* idle_ = nullptr;                           // runs run_idle(); null once closed
  bool idle_active_ = false;
  bool retry_due_ = false;                              // memory came free: retry deferred_
  std::vector<std::shared_ptr<LongPoll>> starting_;     // fetches that just arrived
  std::vector<std::shared_ptr<LongPoll>> deferred_;     // fetches ready to answer, waiting for memory
  std::vector<std::weak_ptr<Conn>> resume_;             // connections that may be read again
  std::string kafka_host_;  // advertised to Kafka clients
  int32_t kafka_port_ = 0;
  bool shutting_down_ = false;
  std::function<void()> shutdown_done_;
  std::function<void()> shutdown_hook_;
  uint64_t started_ms_;
};

}  // namespace ks::server
