#include "cli/commands/exec_worker.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <chrono>
#include <cstring>

#include "cli/clock.h"

namespace ks::cli {
namespace {

// KS_HEADER_<NAME>: letters and digits upper-cased, anything else '_'.
std::string header_env_name(const std::string& key) {
  std::string n = "KS_HEADER_";
  for (unsigned char c : key) n += std::isalnum(c) ? static_cast<char>(std::toupper(c)) : '_';
  return n;
}

// Starts CMD with the record's value on stdin; returns the child's pid.
pid_t spawn(const std::string& command, const std::string& topic, int32_t partition, const OwnedRecord& r) {
  int in[2];
  if (::pipe2(in, O_CLOEXEC) != 0) return -1;
  pid_t pid = ::fork();
  if (pid < 0) {
    ::close(in[0]);
    ::close(in[1]);
    return -1;
  }
  if (pid == 0) {
    ::dup2(in[0], 0);
    ::setenv("KS_TOPIC", topic.c_str(), 1);
    ::setenv("KS_PARTITION", std::to_string(partition).c_str(), 1);
    ::setenv("KS_OFFSET", std::to_string(r.offset).c_str(), 1);
    ::setenv("KS_TIMESTAMP", std::to_string(r.timestamp).c_str(), 1);
    if (r.key) ::setenv("KS_KEY", r.key->c_str(), 1);
    else ::unsetenv("KS_KEY");
    for (const auto& [k, v] : r.headers) ::setenv(header_env_name(k).c_str(), v ? v->c_str() : "", 1);
    sigset_t none;
    sigemptyset(&none);
    ::sigprocmask(SIG_SETMASK, &none, nullptr);
    struct sigaction dfl {};
    dfl.sa_handler = SIG_DFL;
    ::sigaction(SIGPIPE, &dfl, nullptr);
    ::sigaction(SIGINT, &dfl, nullptr);
    ::sigaction(SIGTERM, &dfl, nullptr);
    ::execl("/bin/sh", "sh", "-c", command.c_str(), static_cast<char*>(nullptr));
    ::_exit(127);
  }
  ::close(in[0]);
  // The value goes in from a helper so a command that does not read its
  // stdin cannot block us.
  pid_t feeder = ::fork();
  if (feeder == 0) {
    ::signal(SIGPIPE, SIG_IGN);
    const std::string& v = r.value ? *r.value : std::string();
    size_t done = 0;
    while (done < v.size()) {
      ssize_t n = ::write(in[1], v.data() + done, v.size() - done);
      if (n <= 0) break;
      done += static_cast<size_t>(n);
    }
    ::_exit(0);
  }
  ::close(in[1]);
  if (feeder > 0) ::waitpid(feeder, nullptr, 0);  // a pipe write of a record is quick or fails
  return pid;
}

}  // namespace

std::optional<ExecFailure> run_exec(const ExecOptions& opts, const std::string& topic,
                                    std::map<int32_t, std::vector<OwnedRecord>>& queues,
                                    const std::function<void(int32_t, int64_t)>& settled,
                                    const std::function<Status(const ExecFailure&)>& dead_letter,
                                    const volatile int* interrupted,
                                    const std::function<void()>& every_second) {
  // SIGCHLD stays blocked here and is waited for with a timeout, so the
  // heartbeat runs while a long command works.
  sigset_t chld, old;
  sigemptyset(&chld);
  sigaddset(&chld, SIGCHLD);
  ::sigprocmask(SIG_BLOCK, &chld, &old);
  int64_t last_tick = steady_ms();
  struct Lane {
    size_t next = 0;
    int attempt = 0;
    int64_t not_before = 0;
    pid_t running = -1;
    bool stopped = false;
  };
  std::map<int32_t, Lane> lanes;
  for (auto& [p, q] : queues) lanes[p];
  std::map<pid_t, int32_t> by_pid;
  std::optional<ExecFailure> failure;

  auto pending = [&] {
    for (auto& [p, l] : lanes)
      if (!l.stopped && (l.running > 0 || l.next < queues[p].size())) return true;
    return false;
  };
  while (pending()) {
    if (interrupted != nullptr && *interrupted && by_pid.empty()) break;
    int64_t now = steady_ms();
    // Start commands where a lane is idle and due.
    for (auto& [p, l] : lanes) {
      if (failure || (interrupted && *interrupted)) break;
      if (static_cast<int>(by_pid.size()) >= opts.parallel) break;
      if (l.stopped || l.running > 0 || l.next >= queues[p].size() || l.not_before > now) continue;
      pid_t pid = spawn(opts.command, topic, p, queues[p][l.next]);
      if (pid < 0) {
        failure = ExecFailure{p, queues[p][l.next], std::string("cannot start the command: ") + std::strerror(errno), -1};
        break;
      }
      l.running = pid;
      by_pid[pid] = p;
    }
    if (by_pid.empty()) {
      if (failure) break;
      ::usleep(5000);  // a retry is waiting for its backoff
      continue;
    }
    int status = 0;
    pid_t done = ::waitpid(-1, &status, WNOHANG);
    if (done == 0) {
      timespec wait{0, 50 * 1000 * 1000};
      siginfo_t info;
      ::sigtimedwait(&chld, &info, &wait);
      if (every_second && steady_ms() - last_tick >= opts.heartbeat_ms) {
        last_tick = steady_ms();
        every_second();
      }
      continue;
    }
    if (done < 0) {
      if (errno == EINTR) continue;
      break;
    }
    auto it = by_pid.find(done);
    if (it == by_pid.end()) continue;
    int32_t p = it->second;
    by_pid.erase(it);
    Lane& l = lanes[p];
    l.running = -1;
    const OwnedRecord& r = queues[p][l.next];
    if (WIFEXITED(status) && WEXITSTATUS(status) == 0) {
      settled(p, r.offset);
      ++l.next;
      l.attempt = 0;
      continue;
    }
    std::string why = WIFEXITED(status) ? "exit status " + std::to_string(WEXITSTATUS(status))
                                        : "killed by signal " + std::to_string(WTERMSIG(status));
    if (l.attempt < opts.retries) {
      int64_t backoff = std::min<int64_t>(opts.backoff_ms << std::min(l.attempt, 16), 10000);
      ++l.attempt;
      l.not_before = steady_ms() + backoff;
      continue;
    }
    ExecFailure f{p, r, why + " after " + std::to_string(l.attempt + 1) + " attempts",
                  WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status)};
    Status s = dead_letter(f);
    if (s.ok()) {
      settled(p, r.offset);
      ++l.next;
      l.attempt = 0;
      continue;
    }
    f.error += s.message().empty() ? "" : " (" + s.message() + ")";
    l.stopped = true;
    if (!failure) failure = f;
  }
  // Nothing keeps running behind our back.
  for (auto& [pid, p] : by_pid) {
    int status;
    ::waitpid(pid, &status, 0);
  }
  ::sigprocmask(SIG_SETMASK, &old, nullptr);
  return failure;
}

}  // namespace ks::cli
