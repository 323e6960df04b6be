// One daemon process: the home directory, its lock and pid file, the
// broker, the listeners, signals, periodic work, and a graceful stop.
#include <fcntl.h>
#include <sys/file.h>
#include <sys/random.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>
#include <uv.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <string>

#include "common/home.h"
#include "common/layout.h"
#include "daemon/broker/broker.h"
#include "daemon/broker/logging.h"
#include "daemon/server/options.h"
#include "daemon/server/server.h"
#include "daemon/storage/file.h"

namespace ks::server {
namespace {

// Holds the home's lock for the life of the process: a second daemon for
// the same home fails here, whichever way it was started.
int take_lock(const std::string& home, std::string* holder) {
  std::string path = layout::in_home(home, layout::kLock);
  int fd = home::open_in_home(path, O_RDWR | O_CREAT);
  if (fd < 0) return -1;
  // A client checking whether a daemon runs (ks daemon status while this
  // one starts) holds the lock shared for an instant: retry briefly before
  // deciding another daemon has it.
  int rc = ::flock(fd, LOCK_EX | LOCK_NB);
  for (int i = 0; i < 20 && rc != 0 && errno == EWOULDBLOCK; ++i) {
    ::usleep(10 * 1000);
    rc = ::flock(fd, LOCK_EX | LOCK_NB);
  }
  if (rc != 0) {
    auto pid = storage::read_file(layout::in_home(home, layout::kPid));
    *holder = pid.ok() ? *pid : "?";
    while (!holder->empty() && holder->back() == '\n') holder->pop_back();
    ::close(fd);
    errno = EWOULDBLOCK;
    return -1;
  }
  return fd;
}

std::string make_token(const std::string& home) {
  std::string path = layout::in_home(home, layout::kToken);
  auto existing = storage::read_file(path);
  if (existing.ok() && existing->size() >= 32) {
    ::chmod(path.c_str(), 0600);  // ours (the home check said so); readable by no one else
    std::string t = *existing;
    while (!t.empty() && (t.back() == '\n' || t.back() == '\r')) t.pop_back();
    return t;
  }
  unsigned char raw[16];
  if (::getrandom(raw, sizeof raw, 0) != static_cast<ssize_t>(sizeof raw)) return "";
  static const char kHex[] = "0123456789abcdef";
  std::string t;
  for (unsigned char b : raw) {
    t += kHex[b >> 4];
    t += kHex[b & 15];
  }
  mode_t old = ::umask(0077);
  (void)storage::write_file_atomic(path, t + "\n", true);
  ::umask(old);
  return t;
}

// A duration in ms from the environment variable `name`, else `fallback`.
int64_t env_ms(const char* name, int64_t fallback) {
  const char* v = std::getenv(name);
  if (v == nullptr || *v == '\0') return fallback;
  char* end = nullptr;
  long long n = std::strtoll(v, &end, 10);
  if (*end != '\0' || n < 0) {
    log_warn("ignoring %s=%s: expected milliseconds", name, v);
    return fallback;
  }
  return n;
}

// Each partition keeps its active segment open and each client holds a
// socket: take all the descriptors the hard limit allows, then make
// connections + partitions + a reserve (stdio, the lock, meta.db and its
// journal, the loop, listeners, the spare descriptor, segments a fetch
// opens) fit in them, so the daemon refuses a client with a reason before
// it runs out.
void fit_to_descriptors(DaemonOptions* opts) {
  rlimit nofile{};
  if (::getrlimit(RLIMIT_NOFILE, &nofile) != 0) return;
  if (nofile.rlim_cur < nofile.rlim_max) {
    nofile.rlim_cur = nofile.rlim_max;
    (void)::setrlimit(RLIMIT_NOFILE, &nofile);
    (void)::getrlimit(RLIMIT_NOFILE, &nofile);
  }
  if (nofile.rlim_cur == RLIM_INFINITY) {
    log_info("limits: no limit on open files; %lld connections", static_cast<long long>(opts->max_connections));
    return;
  }
  int64_t fds = static_cast<int64_t>(std::min<rlim_t>(nofile.rlim_cur, rlim_t{1} << 40));
  opts->fd_limit = fds;
  int64_t reserve = std::clamp<int64_t>(fds / 8, 32, 256);
  int64_t room = std::max<int64_t>(fds - reserve, 8);
  if (opts->max_connections > 0) {
    int64_t fit = opts->max_partitions > 0 ? room - opts->max_partitions : room / 2;
    fit = std::max<int64_t>(fit, 4);
    if (opts->max_connections > fit) {
      log_warn("--max-connections %lld does not fit `ulimit -n` %lld: using %lld (raise the limit for more)",
               static_cast<long long>(opts->max_connections), static_cast<long long>(fds),
               static_cast<long long>(fit));
      opts->max_connections = fit;
    }
  }
  if (opts->max_partitions <= 0)
    opts->max_partitions = std::max<int64_t>(room - (opts->max_connections > 0 ? opts->max_connections : room / 2), 4);
  log_info("limits: %lld open files (ulimit -n) = %lld connections + %lld partitions + %lld in reserve",
           static_cast<long long>(fds), static_cast<long long>(opts->max_connections),
           static_cast<long long>(opts->max_partitions), static_cast<long long>(reserve));
}

// The Kafka listener has no authentication yet (no SASL): say so where it
// is enabled, and loudly when it may be reached from other machines.
void warn_open_kafka(const std::string& hostport, bool remote) {
  if (!remote) {
    log_info("the Kafka listener on %s has no authentication (no SASL yet): any local user can read and write "
             "every topic through it", hostport.c_str());
    return;
  }
  const char* msg = "the Kafka listener on %s has NO AUTHENTICATION (no SASL yet) and --allow-remote is set: "
                    "anyone who can reach this port can read, write and delete every topic";
  log_warn(msg, hostport.c_str());
}

// How long the loop spends opening partition logs at a time (see
// Broker::open_some).
constexpr int64_t kOpenSliceMs = 10;

struct Daemon {
  uv_loop_t loop;
  uv_signal_t sigterm, sigint;
  uv_timer_t tick;
  uv_timer_t opener;  // opens partition logs between requests until all are
  std::unique_ptr<UvExecutor> executor;
  std::unique_ptr<Broker> broker;
  std::unique_ptr<Server> server;
  uv_timer_t drain;
  bool stopping = false;
  int exit_code = 0;
};

void close_all_handles(Daemon* d) {
  uv_walk(&d->loop, [](uv_handle_t* h, void*) {
    if (!uv_is_closing(h)) uv_close(h, nullptr);
  }, nullptr);
}

// Waits for in-flight fsyncs, closes the logs (clean marker), then lets
// the loop end.
void finish_stop(Daemon* d) {
  uv_timer_init(&d->loop, &d->drain);
  d->drain.data = d;
  uv_timer_start(&d->drain, [](uv_timer_t* t) {
    auto* d = static_cast<Daemon*>(t->data);
    if (d->broker->flushes_in_flight() > 0 || d->executor->in_flight() > 0) return;
    uv_timer_stop(t);
    Status s = d->broker->close();
    if (!s.ok()) {
      log_error("closing logs: %s", s.to_string().c_str());
      d->exit_code = 1;
    }
    log_info("stopped");
    close_all_handles(d);
  }, 0, 5);
}

void stop(Daemon* d, const char* why) {
  if (d->stopping) return;
  d->stopping = true;
  log_info("stopping (%s)", why);
  d->server->begin_shutdown([d] { finish_stop(d); });
}

// The Unix socket, then the TCP and Kafka listeners the options ask for.
Status open_listeners(Daemon* d, const DaemonOptions& options) {
  const std::string& home = options.home;
  Status s = d->server->listen_unix(layout::in_home(home, layout::kSocket));
  if (s.ok() && !options.listen.empty()) {
    std::string hp = options.listen;
    if (hp.rfind("tcp://", 0) == 0) hp = hp.substr(6);
    s = d->server->listen_tcp(hp, options.allow_remote, make_token(home));
  }
  if (s.ok() && !options.kafka.empty()) {
    std::string hp = options.kafka;
    if (hp.rfind("kafka://", 0) == 0) hp = hp.substr(8);
    s = d->server->listen_kafka(hp, options.allow_remote, options.kafka_advertise);
    if (s.ok()) warn_open_kafka(hp, options.allow_remote);
  }
  return s;
}

// Signals that stop the daemon, the shutdown op, and the broker's tick.
void start_handles(Daemon* d) {
  d->server->set_shutdown_hook([d] { stop(d, "shutdown request"); });
  uv_signal_init(&d->loop, &d->sigterm);
  uv_signal_init(&d->loop, &d->sigint);
  d->sigterm.data = d->sigint.data = d;
  uv_signal_start(&d->sigterm, [](uv_signal_t* h, int) { stop(static_cast<Daemon*>(h->data), "SIGTERM"); }, SIGTERM);
  uv_signal_start(&d->sigint, [](uv_signal_t* h, int) { stop(static_cast<Daemon*>(h->data), "SIGINT"); }, SIGINT);
  ::signal(SIGPIPE, SIG_IGN);
  uv_timer_init(&d->loop, &d->tick);
  d->tick.data = d;
  uv_timer_start(&d->tick, [](uv_timer_t* t) {
    auto* d = static_cast<Daemon*>(t->data);
    if (!d->stopping) d->broker->tick();
  }, 100, 100);
  // Slices of kOpenSliceMs with the loop's I/O in between: a request
  // waits for at most one slice (and opens what it needs itself).
  uv_timer_init(&d->loop, &d->opener);
  d->opener.data = d;
  uv_timer_start(&d->opener, [](uv_timer_t* t) {
    auto* d = static_cast<Daemon*>(t->data);
    if (d->stopping || !d->broker->open_some(kOpenSliceMs)) uv_timer_stop(t);
  }, 0, 1);
}

// Tells whoever started us (ks daemon start / autostart) that we accept.
void tell_ready() {
  if (const char* fd = std::getenv("KS_READY_FD")) {
    int rfd = std::atoi(fd);
    char one = 1;
    if (::write(rfd, &one, 1) < 0) {}
    ::close(rfd);
    ::unsetenv("KS_READY_FD");
  }
}

}  // namespace

int run_daemon(const DaemonOptions& options) {
  const std::string& home = options.home;
  if (Status safe = home::ensure_home(home); !safe.ok()) {
    log_error("%s", safe.message().c_str());
    return 1;
  }
  // Ours and writable by no one else (checked above); a home made with a
  // plain mkdir (0755) would still let others read the records.
  ::chmod(home.c_str(), 0700);
  std::string holder;
  int lock = take_lock(home, &holder);
  if (lock < 0) {
    if (errno == EWOULDBLOCK) log_error("another daemon (pid %s) already runs for %s", holder.c_str(), home.c_str());
    else log_error("cannot lock %s/%s: %s", home.c_str(), layout::kLock, std::strerror(errno));
    return 1;
  }
  // Written now, not once listening: opening many partitions can take a
  // while, and `ks daemon status` names the daemon that is starting.
  (void)storage::write_file_atomic(layout::in_home(home, layout::kPid), std::to_string(::getpid()) + "\n", false);

  DaemonOptions opts = options;
  fit_to_descriptors(&opts);
  opts.login_timeout_ms = env_ms("KS_LOGIN_TIMEOUT_MS", opts.login_timeout_ms);
  opts.kafka_idle_timeout_ms = env_ms("KS_KAFKA_IDLE_TIMEOUT_MS", opts.kafka_idle_timeout_ms);

  Daemon d;
  uv_loop_init(&d.loop);
  d.executor = std::make_unique<UvExecutor>(&d.loop);
  BrokerOptions bo;
  bo.home = home;
  bo.auto_create = options.auto_create;
  bo.default_partitions = options.default_partitions;
  bo.max_partitions = opts.max_partitions;
  bo.open_before_serving_ms = env_ms("KS_OPEN_BEFORE_SERVING_MS", bo.open_before_serving_ms);
  auto broker = Broker::Open(bo, d.executor.get());
  if (!broker.ok()) {
    log_error("cannot open the data in %s: %s", home.c_str(), broker.status().to_string().c_str());
    uv_loop_close(&d.loop);
    ::unlink((layout::in_home(home, layout::kPid)).c_str());
    ::close(lock);
    return 1;
  }
  d.broker = std::move(*broker);
  d.server = std::make_unique<Server>(&d.loop, d.broker.get(), opts);
  Status s = open_listeners(&d, options);
  if (!s.ok()) {
    log_error("%s", s.to_string().c_str());
    d.server.reset();
    uv_run(&d.loop, UV_RUN_DEFAULT);  // close callbacks of the listeners opened
    (void)d.broker->close();
    uv_loop_close(&d.loop);
    ::unlink((layout::in_home(home, layout::kPid)).c_str());
    ::close(lock);
    return 1;
  }
  start_handles(&d);
  std::string listening;
  for (const auto& l : d.server->listeners()) listening += " " + l;
  log_info("ks daemon pid %d serving %s on%s", ::getpid(), home.c_str(), listening.c_str());
  tell_ready();

  uv_run(&d.loop, UV_RUN_DEFAULT);
  d.server.reset();
  uv_run(&d.loop, UV_RUN_DEFAULT);  // close callbacks of what the server freed
  if (uv_loop_close(&d.loop) != 0) log_warn("event loop closed with handles still open");
  ::unlink((layout::in_home(home, layout::kSocket)).c_str());
  ::unlink((layout::in_home(home, layout::kPid)).c_str());
  ::close(lock);
  return d.exit_code;
}

}  // namespace ks::server
