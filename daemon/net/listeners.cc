#include "daemon/net/listeners.h"

#include <fcntl.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "daemon/broker/logging.h"

namespace ks::net {

using server::log_error;
using server::log_warn;

namespace {

constexpr int kAcceptsPerWakeup = 512;     // a full backlog (511), then other work runs (the poll is level-triggered)
constexpr uint64_t kAcceptPauseMs = 250;   // no descriptor even for the spare: try again after this
constexpr int64_t kFdWarningEveryMs = 10 * 1000;

int open_spare() { return ::open("/dev/null", O_RDONLY | O_CLOEXEC); }

std::string errno_text(int err) { return std::strerror(err); }

}  // namespace

struct Listeners::Listener {
  uv_poll_t poll;
  int fd = -1;
  ListenerKind kind = ListenerKind::kUnix;
  Protocol* protocol = nullptr;
  // Built when listening: when descriptors run out even a sanitizer's own
  // checks fail, so that path builds nothing.
  std::string refusal;
  Listeners* owner = nullptr;
  bool polling = false;
};

Listeners::Listeners(uv_loop_t* loop, Connections* conns, int64_t fd_limit, std::string out_of_fds)
    : loop_(loop), conns_(conns), fd_limit_(fd_limit), out_of_fds_(std::move(out_of_fds)) {
  spare_fd_ = open_spare();
  accept_timer_ = new uv_timer_t;
  uv_timer_init(loop_, accept_timer_);
  accept_timer_->data = this;
  uv_unref(reinterpret_cast<uv_handle_t*>(accept_timer_));  // never what keeps the loop running
}

Listeners::~Listeners() { close(); }

Result<Listeners::Listener*> Listeners::add(int fd, ListenerKind kind, Protocol* protocol) {
  if (::listen(fd, 511) != 0) {
    int err = errno;
    ::close(fd);
    return Status::FromErrno("listen", err);
  }
  auto* l = new Listener;
  l->fd = fd;
  l->kind = kind;
  l->protocol = protocol;
  l->refusal = protocol->refusal(out_of_fds_);
  l->owner = this;
  uv_poll_init_socket(loop_, &l->poll, fd);
  l->poll.data = l;
  listeners_.push_back(l);
  l->polling = true;
  uv_poll_start(&l->poll, UV_READABLE, on_listener);
  return l;
}

Status Listeners::listen_unix(const std::string& path, Protocol* protocol) {
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
  auto l = add(fd, ListenerKind::kUnix, protocol);
  if (!l.ok()) return Status::IOError("listen on " + path + ": " + l.status().message());
  return Status::OK();
}

Result<int> Listeners::listen_tcp(const HostPort& hp, const std::string& shown, ListenerKind kind,
                                  Protocol* protocol) {
  int fd = ::socket(hp.v6 ? AF_INET6 : AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) return Status::FromErrno("socket for " + shown, errno);
  int one = 1;
  ::setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  if (::bind(fd, reinterpret_cast<const sockaddr*>(&hp.addr), hp.v6 ? sizeof(sockaddr_in6) : sizeof(sockaddr_in)) !=
      0) {
    int err = errno;
    ::close(fd);
    return Status::IOError("listen on " + shown + ": " + errno_text(err));
  }
  auto l = add(fd, kind, protocol);
  if (!l.ok()) return Status::IOError("listen on " + shown + ": " + l.status().message());
  return fd;
}

void Listeners::close() {
  for (Listener* l : listeners_) {
    uv_close(reinterpret_cast<uv_handle_t*>(&l->poll), [](uv_handle_t* h) {
      auto* l = static_cast<Listener*>(h->data);
      ::close(l->fd);
      delete l;
    });
  }
  listeners_.clear();
  if (accept_timer_ != nullptr) {
    uv_close(reinterpret_cast<uv_handle_t*>(accept_timer_), [](uv_handle_t* h) { delete reinterpret_cast<uv_timer_t*>(h); });
    accept_timer_ = nullptr;
  }
  if (spare_fd_ >= 0) ::close(spare_fd_);
  spare_fd_ = -1;
}

// --- accepting -----------------------------------------------------------------------

void Listeners::on_listener(uv_poll_t* h, int status, int) {
  auto* l = static_cast<Listener*>(h->data);
  if (status < 0) {
    log_warn("listener: %s", uv_strerror(status));
    return;
  }
  l->owner->accept_ready(l);
}

void Listeners::accept_ready(Listener* l) {
  for (int i = 0; i < kAcceptsPerWakeup && !conns_->shutting_down(); ++i) {
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
      conns_->adopt(fd, l->kind, l->protocol);
    } catch (const std::exception& e) {
      log_error("accepting a connection: %s", e.what());
    }
  }
}

// No descriptor for a new connection. The spare one is given up to accept
// the waiting clients one at a time, tell each why (the protocol's
// refusal: a native client reads it as its first answer) and close them;
// without it, accepting pauses.
void Listeners::out_of_descriptors(Listener* l, int err) {
  uint64_t refused = 0;
  if (spare_fd_ >= 0) {
    ::close(spare_fd_);
    spare_fd_ = -1;
    const std::string& frame = l->refusal;
    for (;;) {
      int fd = ::accept4(l->fd, nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC);
      if (fd < 0) {
        if (errno == EINTR || errno == ECONNABORTED) continue;
        break;
      }
      if (!frame.empty() && ::send(fd, frame.data(), frame.size(), MSG_NOSIGNAL | MSG_DONTWAIT) < 0) {
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
              errno_text(err).c_str(), static_cast<long long>(fd_limit_), conns_->count(),
              static_cast<unsigned long long>(fd_refused_));
    fd_refused_ = 0;
  }
}

void Listeners::log_refused(uint64_t now) {
  if (fd_refused_ == 0 || static_cast<int64_t>(now) - last_fd_warning_ms_ < kFdWarningEveryMs) return;
  last_fd_warning_ms_ = static_cast<int64_t>(now);
  log_error("out of file descriptors: refused %llu more connection(s) (ulimit -n %lld)",
            static_cast<unsigned long long>(fd_refused_), static_cast<long long>(fd_limit_));
  fd_refused_ = 0;
}

void Listeners::pause_accepting() {
  if (accept_timer_ == nullptr) return;
  for (Listener* l : listeners_)
    if (l->polling) {
      uv_poll_stop(&l->poll);
      l->polling = false;
    }
  uv_timer_start(accept_timer_, [](uv_timer_t* t) {
    auto* self = static_cast<Listeners*>(t->data);
    if (self->conns_->shutting_down()) return;
    if (self->spare_fd_ < 0) self->spare_fd_ = open_spare();
    for (Listener* l : self->listeners_) {
      if (l->polling) continue;
      l->polling = true;
      uv_poll_start(&l->poll, UV_READABLE, on_listener);
    }
  }, kAcceptPauseMs, 0);
}

}  // namespace ks::net
