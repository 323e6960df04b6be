// The client side of the native protocol (common/protocol.h): a blocking
// connection to the daemon over its Unix socket or TCP, started on demand.
#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>
#include <sys/uio.h>

#include "common/status.h"

namespace ks::cli {

// Where the daemon is and how to reach it; filled from global flags and
// the environment (see resolve_connection()).
struct ConnectOptions {
  std::string home;      // --home, KS_HOME, $XDG_DATA_HOME/ks, ~/.local/share/ks
  std::string addr;      // --addr / KS_ADDR: tcp://HOST:PORT; empty = the home's socket
  std::string token;     // KS_TOKEN, for a TCP listener that asks for one
  bool autostart = true;  // off with --no-autostart / KS_NO_AUTOSTART=1
};

// The home directory from a --home value (may be empty) and the environment.
std::string resolve_home(const std::string& flag);
// Fills addr/token/autostart from the environment where the flags left
// them unset.
void apply_environment(ConnectOptions* opts);

struct Response {
  nlohmann::json header;
  std::string payload;
  // OK, or the error the daemon sent.
  Status status() const;
};

class Client {
 public:
  // Connects, starting a daemon in the home first when none answers and
  // autostart is on. kUnavailable when no daemon can be reached.
  static Result<std::unique_ptr<Client>> Connect(const ConnectOptions& opts);
  ~Client();

  // Sends one request (op and arguments in `request`) and its payload;
  // returns its id. A large payload is written without copying it into a
  // frame buffer first.
  Result<uint64_t> send(nlohmann::json request, std::string_view payload = {});
  // send() with the payload in pieces (one per partition of a produce_many),
  // written in order with sendmsg, not copied together first.
  Result<uint64_t> send(nlohmann::json request, std::span<const std::string_view> pieces);
  // Whether a response can be read now, without waiting.
  bool readable_now();
  // The next response, in request order.
  Result<Response> receive();
  // Gives a response's payload buffer back for the next receive(), which
  // then reads into it instead of zero-filling a fresh one (a consumer
  // receives megabytes per fetch).
  void recycle(std::string payload);
  // send() then receive(); the daemon's error becomes the returned Status.
  Result<Response> call(nlohmann::json request, std::string_view payload = {});

  int fd() const { return fd_; }

  // Blocks until a response can be read, or `watch_fd` reports an error or
  // hang-up (stdout whose reader went away). kOk: readable; kNotFound:
  // watch_fd closed; kInterrupted: interrupted by the flagged signal.
  Status wait_readable(int watch_fd);

 private:
  explicit Client(int fd) : fd_(fd) {}
  Status write_all(const char* p, size_t n);
  Status write_all(std::span<iovec> iov);
  Status read_exact(char* p, size_t n);

  int fd_;
  uint64_t next_id_ = 1;
  std::string spare_;  // a recycled payload buffer, at its full capacity
};

// Whether a daemon holds the home's lock (daemon.lock, flock'd for its
// whole life, from before it opens its data until it exits): true while
// one runs or is still starting. Probing takes the lock for an instant
// when it is free.
bool home_locked(const std::string& home);

// Starts a daemon for `home` in the background (detached, logging to
// home/daemon.log) and waits until it accepts connections or gives up.
Status start_daemon(const std::string& home, const std::string& extra_args);

// A flag a signal handler sets; a blocking receive interrupted by that
// signal returns kInterrupted instead of waiting on.
void set_interrupt_flag(const volatile int* flag);

// The socket path of a home.
std::string socket_path(const std::string& home);

}  // namespace ks::cli
