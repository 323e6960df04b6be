#include "cli/client.h"
#include "cli/peer_owner.h"
#include "cli/output.h"

#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/file.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <climits>
#include <cerrno>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <thread>
#include <vector>

#include "common/coding.h"
#include "common/home.h"
#include "common/layout.h"
#include "common/protocol.h"

#ifndef KS_VERSION
#define KS_VERSION "0.0.0"
#endif

namespace ks::cli {
namespace {

const char* env(const char* name) {
  const char* v = std::getenv(name);
  return (v != nullptr && *v != '\0') ? v : nullptr;
}

// Connects to a Unix socket; -1 with errno set on failure.
int connect_unix(const std::string& path) {
  sockaddr_un sa{};
  if (path.size() >= sizeof sa.sun_path) {
    errno = ENAMETOOLONG;
    return -1;
  }
  sa.sun_family = AF_UNIX;
  std::memcpy(sa.sun_path, path.c_str(), path.size() + 1);
  int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return -1;
  if (::connect(fd, reinterpret_cast<sockaddr*>(&sa), sizeof sa) != 0) {
    int err = errno;
    ::close(fd);
    errno = err;
    return -1;
  }
  return fd;
}

Result<int> connect_tcp(const std::string& addr) {
  std::string hostport = addr.substr(6);  // after tcp://
  auto colon = hostport.rfind(':');
  if (colon == std::string::npos)
    return Status::InvalidArgument("bad address '" + addr + "': expected tcp://HOST:PORT");
  std::string host = hostport.substr(0, colon), port = hostport.substr(colon + 1);
  if (host.size() > 2 && host.front() == '[' && host.back() == ']') host = host.substr(1, host.size() - 2);
  addrinfo hints{};
  hints.ai_socktype = SOCK_STREAM;
  addrinfo* res = nullptr;
  int rc = ::getaddrinfo(host.c_str(), port.c_str(), &hints, &res);
  if (rc != 0) return Status::Unavailable("cannot resolve " + addr + ": " + gai_strerror(rc));
  int fd = -1, err = 0;
  for (addrinfo* ai = res; ai != nullptr; ai = ai->ai_next) {
    fd = ::socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC, ai->ai_protocol);
    if (fd < 0) continue;
    if (::connect(fd, ai->ai_addr, ai->ai_addrlen) == 0) break;
    err = errno;
    ::close(fd);
    fd = -1;
  }
  ::freeaddrinfo(res);
  if (fd < 0) return Status::Unavailable("cannot connect to " + addr + ": " + std::strerror(err));
  int one = 1;
  ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  return fd;
}

const volatile int* g_interrupt = nullptr;

// The home's token, for a TCP listener, when this user can read it (the
// file is 0600: only the owner can).
std::string home_token(const std::string& home) {
  int fd = home::open_in_home(layout::in_home(home, layout::kToken), O_RDONLY);
  if (fd < 0) return {};
  char buf[256];
  ssize_t n = ::read(fd, buf, sizeof buf);
  ::close(fd);
  std::string t(buf, n > 0 ? static_cast<size_t>(n) : 0);
  while (!t.empty() && (t.back() == '\n' || t.back() == '\r')) t.pop_back();
  return t;
}

// The last error the daemon logged (without its timestamp), to say why a
// daemon that was started exited.
// Bytes in the home's daemon.log now (0 when there is none).
off_t log_size(const std::string& home) {
  int fd = home::open_in_home(layout::in_home(home, layout::kDaemonLog), O_RDONLY);
  if (fd < 0) return 0;
  off_t size = ::lseek(fd, 0, SEEK_END);
  ::close(fd);
  return size > 0 ? size : 0;
}

// The last error logged after byte `since` (what this start wrote, not an
// earlier run's).
std::string last_logged_error(const std::string& home, off_t since) {
  int fd = home::open_in_home(layout::in_home(home, layout::kDaemonLog), O_RDONLY);
  if (fd < 0) return {};
  off_t size = ::lseek(fd, 0, SEEK_END);
  if (size < since) since = 0;  // rotated or truncated meanwhile
  off_t from = std::max<off_t>(since, size > 8192 ? size - 8192 : 0);
  std::string tail(static_cast<size_t>(size - from), '\0');
  ssize_t n = ::pread(fd, tail.data(), tail.size(), from);
  ::close(fd);
  tail.resize(n > 0 ? static_cast<size_t>(n) : 0);
  // The daemon's own lines ("<time> ERROR ...") or the CLI's before it
  // ran ("ks: error: ...", a bad daemon.conf).
  size_t at = std::string::npos, skip = 0;
  for (std::string_view marker : {" ERROR ", "ks: error: "}) {
    size_t p = tail.rfind(marker);
    if (p != std::string::npos && (at == std::string::npos || p > at)) at = p, skip = marker.size();
  }
  if (at == std::string::npos) return {};
  auto end = tail.find('\n', at);
  return tail.substr(at + skip, end == std::string::npos ? std::string::npos : end - at - skip);
}

std::string self_exe() {
  char buf[4096];
  ssize_t n = ::readlink("/proc/self/exe", buf, sizeof buf - 1);
  if (n <= 0) return "ks";
  return std::string(buf, static_cast<size_t>(n));
}

}  // namespace

std::string resolve_home(const std::string& flag) {
  if (!flag.empty()) return flag;
  if (const char* h = env("KS_HOME")) return h;
  if (const char* x = env("XDG_DATA_HOME")) return std::string(x) + "/ks";
  if (const char* h = env("HOME")) return std::string(h) + "/.local/share/ks";
  return ".ks";
}

void apply_environment(ConnectOptions* opts) {
  if (opts->addr.empty())
    if (const char* a = env("KS_ADDR")) opts->addr = a;
  if (opts->token.empty())
    if (const char* t = env("KS_TOKEN")) opts->token = t;
  if (const char* n = env("KS_NO_AUTOSTART"); n != nullptr && std::string_view(n) != "0")
    opts->autostart = false;
}

std::string socket_path(const std::string& home) { return layout::in_home(home, layout::kSocket); }

void set_interrupt_flag(const volatile int* flag) { g_interrupt = flag; }

Status Response::status() const {
  auto it = header.find("error");
  if (it == header.end() || it->is_null()) return Status::OK();
  std::string code = it->value("code", "io_error");
  std::string msg = it->value("message", "");
  return Status::Error(protocol::error_code_from_name(code), std::move(msg));
}

bool home_locked(const std::string& home) {
  int fd = ::open(layout::in_home(home, layout::kLock).c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return false;
  bool held = ::flock(fd, LOCK_SH | LOCK_NB) != 0 && errno == EWOULDBLOCK;
  ::close(fd);
  return held;
}

Status start_daemon(const std::string& home, const std::string& extra_args) {
  // Refused here, with the reason, rather than by a daemon whose log
  // could not be opened safely.
  KS_RETURN_IF_ERROR(home::ensure_home(home));
  const std::string logpath = layout::in_home(home, layout::kDaemonLog);
  const off_t logged_before = log_size(home);
  int ready[2];
  if (::pipe2(ready, O_CLOEXEC) != 0) return Status::FromErrno("pipe", errno);
  std::string exe = self_exe();
  pid_t pid = ::fork();
  if (pid < 0) return Status::FromErrno("fork", errno);
  if (pid == 0) {
    // Child: detach into its own session, then fork again so the daemon is
    // not our child and never becomes a zombie of this client.
    ::setsid();
    if (::fork() != 0) ::_exit(0);
    int devnull = ::open("/dev/null", O_RDWR);
    int logfd = home::open_in_home(logpath, O_WRONLY | O_CREAT | O_APPEND);
    ::dup2(devnull, 0);
    ::dup2(logfd >= 0 ? logfd : devnull, 1);
    ::dup2(logfd >= 0 ? logfd : devnull, 2);
    ::fcntl(ready[1], F_SETFD, 0);  // the daemon inherits the write end
    std::string fdarg = std::to_string(ready[1]);
    ::setenv("KS_READY_FD", fdarg.c_str(), 1);
    std::string cmd = "exec \"$0\" --home \"$1\" daemon run " + extra_args;
    ::execl("/bin/sh", "sh", "-c", cmd.c_str(), exe.c_str(), home.c_str(), static_cast<char*>(nullptr));
    ::_exit(127);
  }
  ::close(ready[1]);
  int status = 0;
  ::waitpid(pid, &status, 0);
  // The daemon writes one byte once it listens; EOF means it exited (for
  // example because another daemon holds the home's lock).
  // Opening many partitions (and syncing them after a crash) can take a
  // while: as long as the daemon lives it is worth waiting for, so after
  // 10 s say why we wait, and give up only after 10 minutes.
  pollfd p{ready[0], POLLIN, 0};
  int rc = 0;
  for (int waited_s = 0; waited_s < 600; waited_s += 10) {
    do rc = ::poll(&p, 1, 10000);
    while (rc < 0 && errno == EINTR && !(g_interrupt != nullptr && *g_interrupt != 0));
    if (rc != 0) break;
    if (waited_s == 0)
      print_warning("the daemon is still starting (opening and checking its partitions; see " + logpath +
                    "); waiting for it");
  }
  char byte = 0;
  ssize_t n = rc > 0 ? ::read(ready[0], &byte, 1) : 0;
  ::close(ready[0]);
  if (rc == 0) return Status::Unavailable("the daemon did not start within 10 minutes (see " + logpath + ")");
  if (rc < 0) return Status::Unavailable("interrupted while the daemon was starting (it goes on; see " + logpath + ")");
  if (n == 1) return Status::OK();
  std::string why = last_logged_error(home, logged_before);
  // The process failed, not the request: a runtime error (exit 1) for
  // `ks daemon start`; Connect() turns it into "unreachable" (exit 3).
  if (!why.empty()) return Status::IOError("the daemon could not start: " + why + " (see " + logpath + ")");
  return Status::IOError("the new daemon exited early (see " + logpath + ")");
}

Result<std::unique_ptr<Client>> Client::Connect(const ConnectOptions& opts) {
  int fd = -1;
  std::string token = opts.token;
  if (!opts.addr.empty()) {
    if (opts.addr.rfind("tcp://", 0) != 0)
      return Status::InvalidArgument("bad address '" + opts.addr + "': expected tcp://HOST:PORT");
    auto r = connect_tcp(opts.addr);
    if (!r.ok()) return r.status();
    fd = *r;
    // The owner's own daemon: its token is in the home, readable only by
    // its owner, and handed only to a loopback daemon of the same user
    // (never to another user's listener on a mistyped port).
    if (token.empty() && loopback_peer_is_mine(fd)) token = home_token(opts.home);
  } else {
    const std::string path = socket_path(opts.home);
    // Never talk to a socket in a home someone else could have planted.
    struct stat st{};
    if (::lstat(opts.home.c_str(), &st) == 0) KS_RETURN_IF_ERROR(home::check_home(opts.home));
    fd = connect_unix(path);
    if (fd < 0 && (errno == ENOENT || errno == ECONNREFUSED) && opts.autostart) {
      Status s = start_daemon(opts.home, "");
      // Another client may have started the daemon at the same moment: its
      // daemon wins the lock and ours exits; wait for the winner.
      auto started = std::chrono::steady_clock::now();
      auto deadline = started + std::chrono::seconds(10);
      for (;;) {
        fd = connect_unix(path);
        if (fd >= 0 || std::chrono::steady_clock::now() > deadline) break;
        if (s.ok() && errno != ENOENT && errno != ECONNREFUSED) break;
        // Ours exited early and, after a moment for a racing one to take
        // it, nobody holds the home's lock: no daemon is coming (damaged
        // data, a bad daemon.conf); say so now rather than in 10 s.
        if (!s.ok() && std::chrono::steady_clock::now() - started > std::chrono::milliseconds(300) &&
            !home_locked(opts.home))
          break;
        std::this_thread::sleep_for(std::chrono::milliseconds(5));
      }
      if (fd < 0 && !s.ok()) return s.code() == Code::kInvalidArgument ? s : Status::Unavailable(s.message());
    }
    if (fd < 0) {
      int err = errno;
      if (err == ENOENT || err == ECONNREFUSED)
        return Status::Unavailable("no daemon is running for " + opts.home);
      return Status::Unavailable("cannot connect to " + path + ": " + std::strerror(err));
    }
  }
  std::unique_ptr<Client> c(new Client(fd));
  nlohmann::json hello = {{"op", "hello"}, {"client", "ks " KS_VERSION}};
  if (!token.empty()) hello["token"] = token;
  auto r = c->call(std::move(hello));
  if (!r.ok()) return r.status();
  return c;
}

Client::~Client() {
  if (fd_ >= 0) ::close(fd_);
}

Status Client::write_all(const char* p, size_t n) {
  while (n > 0) {
    ssize_t w = ::send(fd_, p, n, MSG_NOSIGNAL);
    if (w < 0) {
      if (errno == EINTR) continue;
      return Status::Unavailable(std::string("lost the daemon: ") + std::strerror(errno));
    }
    p += w;
    n -= static_cast<size_t>(w);
  }
  return Status::OK();
}

Status Client::write_all(std::span<iovec> iov) {
  while (!iov.empty()) {
    msghdr m{};
    m.msg_iov = iov.data();
    m.msg_iovlen = std::min<size_t>(iov.size(), IOV_MAX);
    ssize_t w = ::sendmsg(fd_, &m, MSG_NOSIGNAL);
    if (w < 0) {
      if (errno == EINTR) continue;
      return Status::Unavailable(std::string("lost the daemon: ") + std::strerror(errno));
    }
    auto n = static_cast<size_t>(w);
    while (!iov.empty() && n >= iov.front().iov_len) {
      n -= iov.front().iov_len;
      iov = iov.subspan(1);
    }
    if (n > 0) {
      iov.front().iov_base = static_cast<char*>(iov.front().iov_base) + n;
      iov.front().iov_len -= n;
    }
  }
  return Status::OK();
}

Status Client::read_exact(char* p, size_t n) {
  while (n > 0) {
    ssize_t r = ::recv(fd_, p, n, 0);
    if (r < 0) {
      if (errno == EINTR) {
        if (g_interrupt != nullptr && *g_interrupt) return Status::Interrupted("interrupted");
        continue;
      }
      return Status::Unavailable(std::string("lost the daemon: ") + std::strerror(errno));
    }
    if (r == 0) return Status::Unavailable("the daemon closed the connection");
    p += r;
    n -= static_cast<size_t>(r);
  }
  return Status::OK();
}

Status Client::wait_readable(int watch_fd) {
  for (;;) {
    pollfd fds[2] = {{fd_, POLLIN, 0}, {watch_fd, 0, 0}};
    int rc = ::poll(fds, 2, -1);
    if (rc < 0) {
      if (errno == EINTR) {
        if (g_interrupt != nullptr && *g_interrupt) return Status::Interrupted("interrupted");
        continue;
      }
      return Status::IOError(std::string("poll: ") + std::strerror(errno));
    }
    if (fds[1].revents & (POLLERR | POLLHUP | POLLNVAL)) return Status::NotFound("output closed");
    if (fds[0].revents) return Status::OK();
  }
}

Result<uint64_t> Client::send(nlohmann::json request, std::string_view payload) {
  uint64_t id = next_id_++;
  request["id"] = id;
  std::string header = request.dump();
  std::string buf(protocol::kFramePrefix, '\0');
  protocol::put_frame_prefix(buf.data(), header.size(), payload.size());
  buf += header;
  if (payload.size() < (64 << 10)) {
    buf.append(payload);
    KS_RETURN_IF_ERROR(write_all(buf.data(), buf.size()));
  } else {
    KS_RETURN_IF_ERROR(write_all(buf.data(), buf.size()));
    KS_RETURN_IF_ERROR(write_all(payload.data(), payload.size()));
  }
  return id;
}

Result<uint64_t> Client::send(nlohmann::json request, std::span<const std::string_view> pieces) {
  uint64_t id = next_id_++;
  request["id"] = id;
  std::string header = request.dump();
  size_t payload = 0;
  for (auto p : pieces) payload += p.size();
  std::string buf(protocol::kFramePrefix, '\0');
  protocol::put_frame_prefix(buf.data(), header.size(), payload);
  buf += header;
  std::vector<iovec> iov;
  iov.reserve(pieces.size() + 1);
  iov.push_back({buf.data(), buf.size()});
  for (auto p : pieces)
    if (!p.empty()) iov.push_back({const_cast<char*>(p.data()), p.size()});
  KS_RETURN_IF_ERROR(write_all(iov));
  return id;
}

bool Client::readable_now() {
  pollfd p{fd_, POLLIN, 0};
  return ::poll(&p, 1, 0) > 0;
}

void Client::recycle(std::string payload) {
  if (payload.capacity() <= spare_.capacity()) return;
  payload.resize(payload.capacity());
  spare_ = std::move(payload);
}

Result<Response> Client::receive() {
  char prefix[protocol::kFramePrefix];
  KS_RETURN_IF_ERROR(read_exact(prefix, sizeof prefix));
  uint32_t length = get_be32(prefix), hlen = get_be32(prefix + 4);
  if (length < 4 || hlen > length - 4) return Status::Corruption("malformed frame from the daemon");
  std::string header(hlen, '\0');
  KS_RETURN_IF_ERROR(read_exact(header.data(), hlen));
  Response r;
  r.payload = std::move(spare_);
  spare_ = std::string();
  r.payload.resize(length - 4 - hlen);
  KS_RETURN_IF_ERROR(read_exact(r.payload.data(), r.payload.size()));
  r.header = nlohmann::json::parse(header, nullptr, false);
  if (r.header.is_discarded() || !r.header.is_object())
    return Status::Corruption("the daemon sent a header that is not a JSON object");
  return r;
}

Result<Response> Client::call(nlohmann::json request, std::string_view payload) {
  auto id = send(std::move(request), payload);
  if (!id.ok()) {
    // The daemon may have said why before it closed (out of descriptors,
    // too many connections): that answer is still there to read.
    pollfd p{fd_, POLLIN, 0};
    if (::poll(&p, 1, 0) == 1 && (p.revents & POLLIN)) {
      auto r = receive();
      if (r.ok() && !r->status().ok()) return r->status();
    }
    return id.status();
  }
  // Answers to earlier requests still in flight (a long poll cut short by
  // a signal) come first; they are no longer wanted.
  Result<Response> r = Status::IOError("no answer");
  for (;;) {
    r = receive();
    if (!r.ok()) return r.status();
    auto got = r->header.find("id");
    if (got == r->header.end() || !got->is_number_unsigned() || got->get<uint64_t>() >= *id) break;
    // Id 0 with an error: about the connection, not one request.
    if (got->get<uint64_t>() == 0 && !r->status().ok()) break;
  }
  Status s = r->status();
  if (!s.ok()) return s;
  return r;
}

}  // namespace ks::cli
