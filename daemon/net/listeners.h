// The listening sockets, accepted by hand rather than by uv_listen: libuv
// drops connections silently when descriptors run out, and the daemon must
// log that and tell the client why. A spare descriptor is kept for that.
// Accepted sockets go to the connection layer (Connections::adopt).
#pragma once

#include <uv.h>

#include <string>
#include <vector>

#include "common/status.h"
#include "daemon/net/address.h"
#include "daemon/net/connections.h"
#include "daemon/net/protocol.h"

namespace ks::net {

class Listeners {
 public:
  // `loop` and `conns` must outlive this object. `fd_limit` (ulimit -n)
  // is named in the log when descriptors run out, and `out_of_fds` is what
  // a client refused then is told (through its protocol's refusal()).
  Listeners(uv_loop_t* loop, Connections* conns, int64_t fd_limit, std::string out_of_fds);
  ~Listeners();
  Listeners(const Listeners&) = delete;
  Listeners& operator=(const Listeners&) = delete;

  // A Unix socket at `path`, created 0600. `protocol` must outlive this.
  Status listen_unix(const std::string& path, Protocol* protocol);
  // A TCP socket on `addr`; returns its descriptor (for its bound address).
  Result<int> listen_tcp(const HostPort& addr, const std::string& shown, ListenerKind kind, Protocol* protocol);
  // Stops accepting and closes every listening socket and the timer.
  void close();
  // Logs connections refused for descriptors, at most every ten seconds.
  void log_refused(uint64_t now);

 private:
  struct Listener;
  Result<Listener*> add(int fd, ListenerKind kind, Protocol* protocol);
  static void on_listener(uv_poll_t* poll, int status, int events);
  void accept_ready(Listener* l);
  void out_of_descriptors(Listener* l, int err);
  void pause_accepting();

  uv_loop_t* loop_;
  Connections* conns_;
  int64_t fd_limit_;
  std::string out_of_fds_;
  std::vector<Listener*> listeners_;
  int spare_fd_ = -1;  // given up to accept a connection when descriptors run out
  int64_t last_fd_warning_ms_ = 0;
  uint64_t fd_refused_ = 0;  // connections refused for descriptors since the last log line
  uv_timer_t* accept_timer_ = nullptr;  // resumes accepting after a pause; null once closed
};

}  // namespace ks::net
