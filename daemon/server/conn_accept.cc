// Who gets in, and for how long: the listeners (accepted by hand, with a
// spare descriptor to answer clients when the daemon runs out), the
// connection limits (a share kept for the Unix socket, a smaller limit for
// TCP connections that have not sent the token) and the login and idle
// deadlines.
#include <fcntl.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <nlohmann/json.hpp>

#include "common/protocol.h"
#include "daemon/broker/logging.h"
#include "daemon/server/server_internal.h"

namespace ks::server {
namespace {

constexpr int kAcceptsPerWakeup = 512;     // a full backlog (511), then other work runs (the poll is level-triggered)
constexpr uint64_t kAcceptPauseMs = 250;   // no descriptor even for the spare: try again after this
constexpr int64_t kFdWarningEveryMs = 10 * 1000;

int open_spare() { return ::open("/dev/null", O_RDONLY | O_CLOEXEC); }

std::string errno_text(int err) { return std::strerror(err); }

}  // namespace

bool token_matches(std::string_view given, std::string_view want) {
  if (want.empty()) return false;
  size_t diff = given.size() ^ want.size();
  for (size_t i = 0; i < want.size(); ++i)
    diff |= static_cast<unsigned char>(want[i]) ^ static_cast<unsigned char>(i < given.size() ? given[i] : 0);
  return diff == 0;
}

void Server::init_limits() {
  // The Unix socket (the owner's door) keeps a quarter of the connections,
  // at most 256, that TCP and Kafka clients cannot take; connections that
  // have not sent the token get a sixteenth, between 4 and 64.
  auto max = static_cast<size_t>(std::max<int64_t>(options_.max_connections, 0));
  unix_reserve_ = std::min<size_t>(max / 4, 256);
  unauthed_limit_ = max == 0 ? 64 : std::clamp<size_t>(max / 16, 4, 64);
  spare_fd_ = open_spare();
  // Built now: when descriptors run out even a sanitizer's own checks fail,
  // so that path builds nothing.
  std::string why = "the daemon is out of file descriptors (ulimit -n " + std::to_string(options_.fd_limit) +
                    "); see " + options_.home + "/daemon.log";
  nlohmann::json h{{"id", 0},
                   {"error", {{"code", std::string(protocol::error_code_name(Code::kUnavailable))}, {"message", why}}}};
  protocol::append_frame(&fd_error_frame_, h.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace), {});
  log_info("connections: %zu of %lld kept for the Unix socket; at most %zu TCP connections waiting to send the "
           "token, for %lld ms; Kafka connections idle for %lld ms are closed",
           unix_reserve_, static_cast<long long>(options_.max_connections), unauthed_limit_,
           static_cast<long long>(options_.login_timeout_ms), static_cast<long long>(options_.kafka_idle_timeout_ms));
  auto make_timer = [this] {
    auto* t = new uv_timer_t;
    uv_timer_init(loop_, t);
    t->data = this;
    uv_unref(reinterpret_cast<uv_handle_t*>(t));  // never what keeps the loop running
    return t;
  };
  deadline_timer_ = make_timer();
  accept_timer_ = make_timer();
  int64_t shortest = 1000;
  if (options_.login_timeout_ms > 0) shortest = std::min(shortest, options_.login_timeout_ms / 4);
  if (options_.kafka_idle_timeout_ms > 0) shortest = std::min(shortest, options_.kafka_idle_timeout_ms / 4);
  auto every = static_cast<uint64_t>(std::max<int64_t>(shortest, 20));
  uv_timer_start(deadline_timer_, [](uv_timer_t* t) { static_cast<Server*>(t->data)->check_deadlines(); }, every,
                 every);
}

void Server::close_timers() {
  for (uv_timer_t** t : {&deadline_timer_, &accept_timer_}) {
    if (*t == nullptr) continue;
    uv_close(reinterpret_cast<uv_handle_t*>(*t), [](uv_handle_t* h) { delete reinterpret_cast<uv_timer_t*>(h); });
    *t = nullptr;
  }
  if (spare_fd_ >= 0) ::close(spare_fd_);
  spare_fd_ = -1;
}

// --- listeners ---------------------------------------------------------------------

Result<Server::Listener*> Server::add_listener(int fd, int kind) {
  if (::listen(fd, 511) != 0) {
    int err = errno;
    ::close(fd);
    return Status::FromErrno("listen", err);
  }
  auto* l = new Listener;
  l->fd = fd;
  l->kind = static_cast<Listener::Kind>(kind);
  l->server = this;
  uv_poll_init_socket(loop_, &l->poll, fd);
  l->poll.data = l;
  listeners_.push_back(l);
  l->polling = true;
  uv_poll_start(&l->poll, UV_READABLE, on_listener);
  return l;
}

Status Server::listen_unix(const std::string& path) {
  sockaddr_un sa{};
  if (path.size() >= sizeof sa.sun_path) return Status::InvalidArgument("socket path too long: " + path);
  sa.sun_family = AF_UNIX;
  std::memcpy(sa.sun_path, path.c_str(), path.size() + 1);
  int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) return Status::FromErrno("socket for " + path, errno);
  ::unlink(path.c_str());  // a stale socket; the home's lock says no daemon owns it
  mode_t old = ::umask(0177);  // the socket is created 0600
  int rc = ::bind(fd, reinterpret_cast<sockaddr*>(&sa), sizeof sa);
  int err = errno;
  ::umask(old);
  if (rc != 0) {
    ::close(fd);
    return Status::IOError("listen on " + path + ": " + errno_text(err));
  }
  auto l = add_listener(fd, static_cast<int>(Listener::Kind::kUnix));
  if (!l.ok()) return Status::IOError("listen on " + path + ": " + l.status().message());
  listener_names_.push_back("unix:" + path);
  return Status::OK();
}

Result<Server::Listener*> Server::bind_tcp(const std::string& hostport, bool allow_remote, bool kafka,
                                           bool* loopback) {
  auto colon = hostport.rfind(':');
  if (colon == std::string::npos) return Status::InvalidArgument("bad listen address '" + hostport + "': expected HOST:PORT");
  std::string host = hostport.substr(0, colon);
  if (host.size() > 2 && host.front() == '[') host = host.substr(1, host.size() - 2);
  const char* port_text = hostport.c_str() + colon + 1;
  char* end = nullptr;
  long port = std::strtol(port_text, &end, 10);
  if (!*port_text || *end || port < 0 || port > 65535)
    return Status::InvalidArgument("bad listen address '" + hostport + "': the port must be 0 to 65535");
  sockaddr_storage addr{};
  bool v6 = host.find(':') != std::string::npos;
  int rc = v6 ? uv_ip6_addr(host.c_str(), static_cast<int>(port), reinterpret_cast<sockaddr_in6*>(&addr))
              : uv_ip4_addr(host.c_str(), static_cast<int>(port), reinterpret_cast<sockaddr_in*>(&addr));
  if (rc != 0) return Status::InvalidArgument("bad listen address '" + hostport + "': " + uv_strerror(rc));
  *loopback = v6 ? host == "::1" : host.rfind("127.", 0) == 0;
  if (!*loopback && !allow_remote)
    return Status::InvalidArgument("refusing to listen on non-loopback address " + host + " without --allow-remote");
  int fd = ::socket(v6 ? AF_INET6 : AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) return Status::FromErrno("socket for " + hostport, errno);
  int one = 1;
  ::setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  if (::bind(fd, reinterpret_cast<sockaddr*>(&addr), v6 ? sizeof(sockaddr_in6) : sizeof(sockaddr_in)) != 0) {
    int err = errno;
    ::close(fd);
    return Status::IOError("listen on " + hostport + ": " + errno_text(err));
  }
  auto l = add_listener(fd, static_cast<int>(kafka ? Listener::Kind::kKafka : Listener::Kind::kNative));
  if (!l.ok()) return Status::IOError("listen on " + hostport + ": " + l.status().message());
  return *l;
}

Status Server::listen_tcp(const std::string& hostport, bool allow_remote, const std::string& token) {
  if (token.empty()) return Status::InvalidArgument("a TCP listener needs a token, and none could be made");
  bool loopback = true;
  auto tcp = bind_tcp(hostport, allow_remote, false, &loopback);
  if (!tcp.ok()) return tcp.status();
  token_ = token;
  listener_names_.push_back("tcp://" + hostport);
  return Status::OK();
}

void Server::close_listeners() {
  for (Listener* l : listeners_) {
    uv_close(reinterpret_cast<uv_handle_t*>(&l->poll), [](uv_handle_t* h) {
      auto* l = static_cast<Listener*>(h->data);
      ::close(l->fd);
      delete l;
    });
  }
  listeners_.clear();
}

// --- accepting -----------------------------------------------------------------------

void Server::on_listener(uv_poll_t* h, int status, int) {
  auto* l = static_cast<Listener*>(h->data);
  if (status < 0) {
    log_warn("listener: %s", uv_strerror(status));
    return;
  }
  l->server->accept_ready(l);
}

void Server::accept_ready(Listener* l) {
  for (int i = 0; i < kAcceptsPerWakeup && !shutting_down_; ++i) {
    int fd = ::accept4(l->fd, nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC);
    if (fd < 0) {
      int err = errno;
      if (err == EINTR || err == ECONNABORTED) continue;
      if (err == EAGAIN || err == EWOULDBLOCK) return;
      if (err == EMFILE || err == ENFILE) return out_of_descriptors(l, err);
      log_warn("accept: %s", errno_text(err).c_str());
      return pause_accepting();  // ENOBUFS and the like: do not spin on it
    }
    try {
      adopt(l, fd);
    } catch (const std::exception& e) {
      log_error("accepting a connection: %s", e.what());
    }
  }
}

// No descriptor for a new connection. The spare one is given up to accept
// the waiting clients one at a time, tell each why (a native client reads
// it as its first answer) and close them; without it, accepting pauses.
void Server::out_of_descriptors(Listener* l, int err) {
  uint64_t refused = 0;
  if (spare_fd_ >= 0) {
    ::close(spare_fd_);
    spare_fd_ = -1;
    const std::string* frame = l->kind == Listener::Kind::kKafka ? nullptr : &fd_error_frame_;
    for (;;) {
      int fd = ::accept4(l->fd, nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC);
      if (fd < 0) {
        if (errno == EINTR || errno == ECONNABORTED) continue;
        break;
      }
      if (frame != nullptr && ::send(fd, frame->data(), frame->size(), MSG_NOSIGNAL | MSG_DONTWAIT) < 0) {
      }
      ::close(fd);
      ++refused;
    }
    spare_fd_ = open_spare();
  }
  fd_refused_ += std::max<uint64_t>(refused, 1);
  if (spare_fd_ < 0) pause_accepting();
  auto now = static_cast<int64_t>(uv_now(loop_));
  if (last_fd_warning_ms_ == 0 || now - last_fd_warning_ms_ >= kFdWarningEveryMs) {
    last_fd_warning_ms_ = now;
    log_error("out of file descriptors (%s; ulimit -n %lld, %zu connections open): refused %llu connection(s) "
              "since the last message, telling each why; raise `ulimit -n` or lower --max-connections / "
              "--max-partitions",
              errno_text(err).c_str(), static_cast<long long>(options_.fd_limit), conns_.size(),
              static_cast<unsigned long long>(fd_refused_));
    fd_refused_ = 0;
  }
}

void Server::pause_accepting() {
  if (accept_timer_ == nullptr) return;
  for (Listener* l : listeners_)
    if (l->polling) {
      uv_poll_stop(&l->poll);
      l->polling = false;
    }
  uv_timer_start(accept_timer_, [](uv_timer_t* t) {
    auto* self = static_cast<Server*>(t->data);
    if (self->shutting_down_) return;
    if (self->spare_fd_ < 0) self->spare_fd_ = open_spare();
    for (Listener* l : self->listeners_) {
      if (l->polling) continue;
      l->polling = true;
      uv_poll_start(&l->poll, UV_READABLE, on_listener);
    }
  }, kAcceptPauseMs, 0);
}

void Server::adopt(Listener* l, int fd) {
  auto c = std::make_shared<Conn>();
  c->server = this;
  c->kafka = l->kind == Listener::Kind::kKafka;
  static uint64_t next_conn = 1;
  c->id = next_conn++;
  c->tcp = l->kind != Listener::Kind::kUnix;
  int rc;
  if (c->tcp) {
    uv_tcp_init(loop_, &c->h.tcp);
    rc = uv_tcp_open(&c->h.tcp, fd);
    if (rc == 0) uv_tcp_nodelay(&c->h.tcp, 1);
  } else {
    uv_pipe_init(loop_, &c->h.pipe, 0);
    rc = uv_pipe_open(&c->h.pipe, fd);
  }
  c->handle()->data = c.get();
  c->self = c;
  if (rc != 0) {
    log_warn("accepting a connection: %s", uv_strerror(rc));
    ::close(fd);
    close_conn(c);
    return;
  }
  if (!admit(c)) return;
  if (c->kafka) {
    sockaddr_storage peer{};
    int len = sizeof peer;
    char name[64] = "";
    if (uv_tcp_getpeername(&c->h.tcp, reinterpret_cast<sockaddr*>(&peer), &len) == 0) {
      if (peer.ss_family == AF_INET6) uv_ip6_name(reinterpret_cast<sockaddr_in6*>(&peer), name, sizeof name);
      else uv_ip4_name(reinterpret_cast<sockaddr_in*>(&peer), name, sizeof name);
    }
    c->peer = std::string("/") + name;
  }
  start_reading(c.get());
}

// --- limits --------------------------------------------------------------------------

bool Server::admit(const std::shared_ptr<Conn>& c) {
  conns_.insert(c);
  c->accepted_ms = c->last_active_ms = uv_now(loop_);
  if (shutting_down_) {
    close_conn(c);
    return false;
  }
  if (c->tcp) {
    c->counted_remote = true;
    ++remote_;
  }
  auto max = static_cast<size_t>(std::max<int64_t>(options_.max_connections, 0));
  // TCP and Kafka clients share what the Unix socket's reserve leaves.
  bool over = max > 0 && (c->tcp ? remote_ > max - unix_reserve_ : conns_.size() > max);
  if (over) {
    auto now = static_cast<int64_t>(uv_now(loop_));
    if (now - last_limit_warning_ms_ >= 1000) {
      last_limit_warning_ms_ = now;
      log_warn("refusing connections: %zu open (%zu TCP/Kafka), --max-connections is %lld with %zu kept for the "
               "Unix socket",
               conns_.size() - 1, remote_ - (c->tcp ? 1 : 0), static_cast<long long>(options_.max_connections),
               unix_reserve_);
    }
    // A native client reads why with its first answer; a Kafka client
    // (which has no way to hear it before its first request) sees the close.
    if (c->kafka) {
      close_conn(c);
      return false;
    }
    c->over_limit = true;
  }
  if (c->tcp && !c->kafka) {
    c->authed = false;  // every native TCP client sends the token first
    c->counted_unauthed = true;
    ++unauthed_;
    unauthed_queue_.push_back(c);
    if (unauthed_ > unauthed_limit_) {
      // The oldest that has not logged in makes room: a flood of silent
      // connections cannot keep the token holder out.
      while (!unauthed_queue_.empty()) {
        auto old = unauthed_queue_.front().lock();
        // Never the one just accepted (the caller starts reading it). A
        // grace period for young ones would let a flood of fresh silent
        // connections keep the token holder out, so there is none.
        if (old == c) break;
        unauthed_queue_.pop_front();
        if (!old || old->closing || old->authed) continue;
        close_conn(old);
        break;
      }
      auto now = static_cast<int64_t>(uv_now(loop_));
      if (now - last_unauthed_warning_ms_ >= 1000) {
        last_unauthed_warning_ms_ = now;
        log_warn("more than %zu TCP connections have not sent the token: closing the oldest", unauthed_limit_);
      }
    }
  }
  return true;
}

void Server::set_authed(Conn* c) {
  c->authed = true;
  if (c->counted_unauthed) {
    c->counted_unauthed = false;
    --unauthed_;
  }
}

void Server::forget_conn(Conn* c) {
  if (c->counted_unauthed) {
    c->counted_unauthed = false;
    --unauthed_;
  }
  if (c->counted_remote) {
    c->counted_remote = false;
    --remote_;
  }
}

void Server::check_deadlines() {
  uint64_t now = uv_now(loop_);
  auto login = static_cast<uint64_t>(std::max<int64_t>(options_.login_timeout_ms, 0));
  auto idle = static_cast<uint64_t>(std::max<int64_t>(options_.kafka_idle_timeout_ms, 0));
  std::vector<std::shared_ptr<Conn>> late, idle_conns;
  for (const auto& c : conns_) {
    if (c->closing) continue;
    if (!c->authed && login > 0 && now - c->accepted_ms >= login) {
      late.push_back(c);
    } else if (c->kafka && idle > 0 && c->slots.empty() && c->parked == 0 && c->deferred == 0 &&
               c->stream()->write_queue_size == 0 && now - c->last_active_ms >= idle) {
      idle_conns.push_back(c);
    }
  }
  if (!late.empty())
    log_info("closed %zu TCP connection(s) that sent no token within %lld ms", late.size(),
             static_cast<long long>(login));
  for (auto& c : late) close_conn(c);
  for (auto& c : idle_conns) {
    log_info("kafka client %s: idle for %lld ms; closing the connection", c->peer.c_str(),
             static_cast<long long>(idle));
    close_conn(c);
  }
  std::erase_if(unauthed_queue_, [](const std::weak_ptr<Conn>& w) {
    auto c = w.lock();
    return !c || c->closing || c->authed;
  });
  if (fd_refused_ > 0 && static_cast<int64_t>(now) - last_fd_warning_ms_ >= kFdWarningEveryMs) {
    last_fd_warning_ms_ = static_cast<int64_t>(now);
    log_error("out of file descriptors: refused %llu more connection(s) (ulimit -n %lld)",
              static_cast<unsigned long long>(fd_refused_), static_cast<long long>(options_.fd_limit));
    fd_refused_ = 0;
  }
}

}  // namespace ks::server
