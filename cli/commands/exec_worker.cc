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

// One run_exec: a lane per partition runs its records in order, one
// command at a time; the lanes share `parallel` children. Borrows every
// argument of run_exec for its life.
class ExecRun {
 public:
  ExecRun(const ExecOptions& opts, const std::string& topic, std::map<int32_t, std::vector<OwnedRecord>>& queues,
          const std::function<void(int32_t, int64_t)>& settled,
          const std::function<Status(const ExecFailure&)>& dead_letter, const volatile int* interrupted,
          const std::function<void()>& every_second)
      : opts_(opts), topic_(topic), queues_(queues), settled_(settled), dead_letter_(dead_letter),
        interrupted_(interrupted), every_second_(every_second) {
    for (auto& [p, q] : queues_) lanes_[p];
  }

  // `chld` is blocked by the caller and waited for with a timeout, so the
  // heartbeat runs while a long command works.
  std::optional<ExecFailure> run(const sigset_t& chld) {
    int64_t last_tick = steady_ms();
    while (pending()) {
      if (interrupted() && by_pid_.empty()) break;
      start_due();
      if (by_pid_.empty()) {
        if (failure_) break;
        ::usleep(5000);  // a retry is waiting for its backoff
        continue;
      }
      int status = 0;
      pid_t done = ::waitpid(-1, &status, WNOHANG);
      if (done == 0) {
        timespec wait{0, 50 * 1000 * 1000};
        siginfo_t info;
        ::sigtimedwait(&chld, &info, &wait);
        if (every_second_ && steady_ms() - last_tick >= opts_.heartbeat_ms) {
          last_tick = steady_ms();
          every_second_();
        }
        continue;
      }
      if (done < 0) {
        if (errno == EINTR) continue;
        break;
      }
      finished(done, status);
    }
    // Nothing keeps running behind our back.
    for (auto& [pid, p] : by_pid_) {
      int status;
      ::waitpid(pid, &status, 0);
    }
    return failure_;
  }

 private:
  struct Lane {
    size_t next = 0;  // index of the record being run or next to run
    int attempt = 0;
    int64_t not_before = 0;  // steady ms: a retry's backoff
    pid_t running = -1;
    bool stopped = false;  // a failure nobody took: the rest stays unsettled
  };

  bool interrupted() const { return interrupted_ != nullptr && *interrupted_; }

  bool pending() {
    for (auto& [p, l] : lanes_)
      if (!l.stopped && (l.running > 0 || l.next < queues_[p].size())) return true;
    return false;
  }

  // Starts the commands of the lanes that are idle and due, while children
  // are fewer than --parallel.
  void start_due() {
    const int64_t now = steady_ms();
    for (auto& [p, l] : lanes_) {
      if (failure_ || interrupted()) break;
      if (static_cast<int>(by_pid_.size()) >= opts_.parallel) break;
      if (l.stopped || l.running > 0 || l.next >= queues_[p].size() || l.not_before > now) continue;
      pid_t pid = spawn(opts_.command, topic_, p, queues_[p][l.next]);
      if (pid < 0) {
        failure_ =
            ExecFailure{p, queues_[p][l.next], std::string("cannot start the command: ") + std::strerror(errno), -1};
        break;
      }
      l.running = pid;
      by_pid_[pid] = p;
    }
  }

  // A child ended: its record is settled, retried after a backoff, handed
  // to the dead letter, or stops its lane.
  void finished(pid_t pid, int status) {
    auto it = by_pid_.find(pid);
    if (it == by_pid_.end()) return;
    int32_t p = it->second;
    by_pid_.erase(it);
    Lane& l = lanes_[p];
    l.running = -1;
    const OwnedRecord& r = queues_[p][l.next];
    if (WIFEXITED(status) && WEXITSTATUS(status) == 0) return settle(p, l, r);
    std::string why = WIFEXITED(status) ? "exit status " + std::to_string(WEXITSTATUS(status))
                                        : "killed by signal " + std::to_string(WTERMSIG(status));
    if (l.attempt < opts_.retries) {
      int64_t backoff = std::min<int64_t>(opts_.backoff_ms << std::min(l.attempt, 16), 10000);
      ++l.attempt;
      l.not_before = steady_ms() + backoff;
      return;
    }
    ExecFailure f{p, r, why + " after " + std::to_string(l.attempt + 1) + " attempts",
                  WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status)};
    Status s = dead_letter_(f);
    if (s.ok()) return settle(p, l, r);
    f.error += s.message().empty() ? "" : " (" + s.message() + ")";
    l.stopped = true;
    if (!failure_) failure_ = f;
  }

  void settle(int32_t p, Lane& l, const OwnedRecord& r) {
    settled_(p, r.offset);
    ++l.next;
    l.attempt = 0;
  }

  const ExecOptions& opts_;
  const std::string& topic_;
  std::map<int32_t, std::vector<OwnedRecord>>& queues_;
  const std::function<void(int32_t, int64_t)>& settled_;
  const std::function<Status(const ExecFailure&)>& dead_letter_;
  const volatile int* interrupted_;
  const std::function<void()>& every_second_;
  std::map<int32_t, Lane> lanes_;
  std::map<pid_t, int32_t> by_pid_;  // running children and their partitions
  std::optional<ExecFailure> failure_;
};

}  // namespace

std::optional<ExecFailure> run_exec(const ExecOptions& opts, const std::string& topic,
                                    std::map<int32_t, std::vector<OwnedRecord>>& queues,
                                    const std::function<void(int32_t, int64_t)>& settled,
                                    const std::function<Status(const ExecFailure&)>& dead_letter,
                                    const volatile int* interrupted,
                                    const std::function<void()>& every_second) {
  sigset_t chld, old;
  sigemptyset(&chld);
  sigaddset(&chld, SIGCHLD);
  ::sigprocmask(SIG_BLOCK, &chld, &old);
  auto failure = ExecRun(opts, topic, queues, settled, dead_letter, interrupted, every_second).run(chld);
  ::sigprocmask(SIG_SETMASK, &old, nullptr);
  return failure;
}

}  // namespace ks::cli
