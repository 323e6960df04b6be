#include "cli/commands/consume_group.h"

#include <poll.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "cli/clock.h"
#include "cli/commands/consume_fetch.h"
#include "cli/commands/exec_worker.h"
#include "cli/commands/group_commits.h"
#include "cli/commands/group_member.h"
#include "cli/context.h"
#include "cli/group_client.h"
#include "cli/output.h"

namespace ks::cli {
namespace {

// Ends a group consumer whose --exec command failed for good.
struct ExecStop {
  ExecFailure failure;
};

std::optional<std::string_view> view(const std::optional<std::string>& s) {
  return s ? std::optional<std::string_view>(*s) : std::nullopt;
}

std::string host_name() {
  char buf[256] = {};
  if (::gethostname(buf, sizeof buf - 1) != 0) return "localhost";
  return buf;
}

// Output in group mode. On a pipe, records are handed over one at a time:
// the next is written once the reader has drained the pipe, so when the
// reader goes away (`| head -5`) exactly what it read is committed.
class GroupOutput {
 public:
  explicit GroupOutput(const volatile int* signal) : signal_(signal) {
    struct stat st {};
    pipe_ = ::fstat(STDOUT_FILENO, &st) == 0 && S_ISFIFO(st.st_mode);
  }
  bool pipe() const { return pipe_; }

  // Waits until the reader has read everything written; false when the
  // reader went away first.
  bool wait_drained() const {
    int delay_us = 20;
    for (;;) {
      int unread = 0;
      if (::ioctl(STDOUT_FILENO, FIONREAD, &unread) != 0 || unread == 0) return true;
      pollfd p{STDOUT_FILENO, 0, 0};
      if (::poll(&p, 1, 0) > 0 && (p.revents & (POLLERR | POLLHUP))) return false;
      if (*signal_) return true;
      ::usleep(static_cast<useconds_t>(delay_us));
      delay_us = std::min(delay_us * 2, 2000);
    }
  }

 private:
  const volatile int* signal_;
  bool pipe_ = false;
};

// --exec: records wait in per-partition queues and their commands run
// after each fetch; a settled record counts as taken by the reader.
class ExecStage {
 public:
  ExecStage(const ConsumeOptions& o, Client* client, GroupMember* member, const volatile int* signal)
      : o_(o),
        client_(client),
        member_(member),
        signal_(signal),
        opts_{o.exec, o.retries, o.parallel, 100, std::min<int64_t>(1000, o.session_timeout_ms / 3)} {}

  void queue(PartitionId partition, const batch::Record& r) {
    OwnedRecord k{r.offset, r.timestamp, {}, {}, {}};
    if (r.key) k.key = std::string(*r.key);
    if (r.value) k.value = std::string(*r.value);
    for (const auto& h : r.headers)
      k.headers.emplace_back(std::string(h.key),
                             h.value ? std::optional<std::string>(std::string(*h.value)) : std::nullopt);
    queues_[partition.value()].push_back(std::move(k));
  }

  // Runs what is queued; throws ExecStop when a command failed for good.
  void run() {
    if (queues_.empty()) return;
    auto failure = run_exec(
        opts_, o_.topic, queues_, [&](int32_t p, int64_t off) { member_->taken(PartitionId(p), Offset(off)); },
        [&](const ExecFailure& f) { return dead_letter(f); }, signal_, [&] { (void)member_->heartbeat(); });
    queues_.clear();
    if (failure) throw ExecStop{*failure};
  }

 private:
  Status dead_letter(const ExecFailure& f) {
    // No --dead-letter topic: the failure stops the member (run_exec reads
    // only that this is not OK; the code is not looked at).
    if (o_.dead_letter.empty()) return Status::NotFound("");
    auto meta = client_->call({{"op", "topics"}, {"topics", {o_.dead_letter}}, {"auto_create", true}});
    if (!meta.ok()) return meta.status();
    int32_t n = meta->header["topics"][0]["partitions"].get<int32_t>();
    std::vector<std::pair<std::string, std::string>> extra = {
        {"ks.error", f.error},
        {"ks.exit.code", std::to_string(f.exit_code)},
        {"ks.source.topic", o_.topic},
        {"ks.source.partition", std::to_string(f.partition)},
        {"ks.source.offset", std::to_string(f.record.offset)}};
    std::vector<batch::Header> hs;
    for (const auto& [k, v] : f.record.headers)
      hs.push_back({k, v ? std::optional<std::string_view>(*v) : std::nullopt});
    for (const auto& [k, v] : extra) hs.push_back({k, std::string_view(v)});
    batch::BatchBuilder b;
    b.add(view(f.record.key), view(f.record.value), f.record.timestamp, hs);
    auto r = client_->call(
        {{"op", "produce"}, {"topic", o_.dead_letter}, {"partition", f.partition % n}, {"acks", -1}}, b.finish());
    if (!r.ok()) return r.status();
    print_warning(o_.topic + "-" + std::to_string(f.partition) + " offset " + std::to_string(f.record.offset) +
                  ": " + f.error + "; sent to " + o_.dead_letter);
    return Status::OK();
  }

  const ConsumeOptions& o_;
  Client* client_;
  GroupMember* member_;
  const volatile int* signal_;
  ExecOptions opts_;
  std::map<int32_t, std::vector<OwnedRecord>> queues_;
};

// One member's run: owns the member, the fetch loop and the output.
class GroupRun {
 public:
  GroupRun(const ConsumeOptions& o, Client* client, const Printer& printer, const GroupStart& start,
           const volatile int* signal)
      : o_(o),
        printer_(printer),
        start_(start),
        signal_(signal),
        groups_(client),
        member_(&groups_,
                {o.group, o.topic, o.commit != "never", o.session_timeout_ms, host_name(),
                 static_cast<int64_t>(::getpid())},
                [this](PartitionId p, std::optional<Offset> committed) { return place(p, committed); }, steady_ms),
        fetcher_(client, o.topic, o.max_bytes, signal, record_fields(o, printer)),
        output_(signal),
        exec_(o, client, &member_, signal),
        warnings_(o.group) {}

  int run();

 private:
  PartState place(PartitionId partition, std::optional<Offset> committed) const;
  SinkAnswer take(PartitionId partition, const batch::Record& r);
  void flushed();
  FetchResult wait_group();
  Result<bool> group_done();
  int finish(std::optional<FetchResult> ended);

  const ConsumeOptions& o_;
  const Printer& printer_;
  const GroupStart& start_;
  const volatile int* signal_;
  NativeGroupClient groups_;
  GroupMember member_;
  Fetcher fetcher_;
  GroupOutput output_;
  ExecStage exec_;
  CommitWarnings warnings_;
  int64_t printed_ = 0;
};

// Where a partition new to this member starts: the group's commit, else
// --from resolved in the range seen at start; --until sets the stop. A
// partition created since has no range: from 0, stopped only by following.
PartState GroupRun::place(PartitionId partition, std::optional<Offset> committed) const {
  auto b = start_.bounds.find(partition);
  OffsetRange range = b == start_.bounds.end() ? OffsetRange{Offset(0), PartState::kFollow} : b->second;
  Offset from = range.start;
  if (committed) {
    from = *committed;
  } else {
    auto t = start_.at_time.find(partition);
    from = resolve_position(start_.from, range,
                            t == start_.at_time.end() ? std::nullopt : std::optional<Offset>(t->second));
  }
  return {partition, from, start_.until.stop(partition, from, range.end)};
}

SinkAnswer GroupRun::take(PartitionId partition, const batch::Record& r) {
  ++printed_;
  const SinkAnswer more = (o_.count >= 0 && printed_ >= o_.count) ? SinkAnswer::kStop : SinkAnswer::kMore;
  if (!o_.exec.empty()) {
    exec_.queue(partition, r);
    return more;
  }
  Stdout& out = Stdout::get();
  printer_.print(partition, r, &out.buffer());
  if (output_.pipe()) {
    out.flush();
    if (!output_.wait_drained()) throw StdoutClosed{};
    member_.taken(partition, Offset(r.offset));
  } else {
    member_.written(partition, Offset(r.offset));
    out.maybe_flush();
  }
  return more;
}

void GroupRun::flushed() {
  member_.flushed();
  exec_.run();
  // Periodic commit; a refusal means a rebalance, which the next fetch
  // reports; other failures are warned about.
  if (member_.commit_due()) warnings_.note(member_.commit().status);
}

// The group's committed offsets reach, on every partition, where this
// member would stop it.
Result<bool> GroupRun::group_done() {
  auto committed = groups_.committed(o_.group, o_.topic);
  if (!committed.ok()) return committed.status();
  for (const auto& [p, range] : start_.bounds) {
    Offset stop = start_.until.stop(p, range.start, range.end);
    if (stop <= range.start) continue;  // nothing to read there
    auto c = committed->find(p);
    if (c == committed->end() || c->second < stop) return false;
  }
  return true;
}

// Heartbeats until the group is done (kReachedStops), moved on, or a
// signal or error ends the wait.
FetchResult GroupRun::wait_group() {
  for (;;) {
    if (*signal_) return {FetchEnd::kExit, signal_exit_code(*signal_)};
    auto done = group_done();
    if (!done.ok()) return {FetchEnd::kExit, report(done.status())};
    if (*done) return {};
    MemberResult h = member_.heartbeat();
    if (h.moved_on()) return {FetchEnd::kRebalance, 0};
    if (!h.ok()) return {FetchEnd::kExit, report(h.status)};
    ::usleep(20 * 1000);
  }
}

int GroupRun::run() {
  const bool follow = start_.until.kind == Until::Kind::kFollow;
  // With -e (or --until end/TIME) a member whose own partitions are done
  // stays in the group until the group has committed every partition up
  // to where this member would stop it: members that start together all
  // take a share and exit together, and partitions that move to it from a
  // member that leaves are still read.
  const bool wait_for_group =
      o_.commit != "never" && (start_.until.kind == Until::Kind::kEnd || start_.until.kind == Until::Kind::kOffsets);
  std::optional<FetchResult> ended;
  try {
    MemberResult joined = member_.join();
    if (!joined.ok()) return report(joined.status);
    for (;;) {
      FetchResult r = fetcher_.run(
          member_.parts(), follow, [this](PartitionId p, const batch::Record& rec) { return take(p, rec); },
          &member_.identity(), [this] { flushed(); });
      if (r.end == FetchEnd::kReachedStops && wait_for_group) {
        flushed();
        MemberResult c = member_.commit();
        // Not the group's doing: reported, and the member is left to
        // expire (its last commit would likely fail the same way).
        if (c.outcome == GroupOutcome::kFailed) return report(c.status);
        r = c.ok() ? wait_group() : FetchResult{FetchEnd::kRebalance, 0};
      }
      if (r.end != FetchEnd::kRebalance) {
        ended = r;
        break;
      }
      // The group moved on: hand over what was read, then join again.
      flushed();
      MemberResult again = member_.rejoin();
      if (!again.ok()) return report(again.status);
      if (member_.commit_due()) warnings_.note(member_.commit().status);
    }
  } catch (const StdoutClosed&) {
    ended = FetchResult{FetchEnd::kSinkStopped, 0};
  } catch (const Interrupted& i) {
    ended = FetchResult{FetchEnd::kExit, 128 + i.signal};
  } catch (const ExecStop& stop) {
    print_error(o_.topic + "-" + std::to_string(stop.failure.partition) + " offset " +
                    std::to_string(stop.failure.record.offset) + ": `" + o_.exec + "` failed: " + stop.failure.error,
                "records before it are committed; give --dead-letter TOPIC to set failures aside and go on");
    ended = FetchResult{FetchEnd::kExit, exit_code(Exit::kError)};
  }
  return finish(ended);
}

// The exit code, after leaving the group with a last commit.
int GroupRun::finish(std::optional<FetchResult> ended) {
  int code = 0;
  if (ended && ended->end == FetchEnd::kExit) code = ended->exit_code;
  // Done reading (every stop reached) as a signal came: the signal's code.
  if (ended && ended->end == FetchEnd::kReachedStops && *signal_) code = signal_exit_code(*signal_);
  return finish_group(code, member_.leave(), o_.group);
}

}  // namespace

int run_group(const ConsumeOptions& o, Client* client, const Printer& printer, const GroupStart& start,
              const volatile int* signal) {
  GroupRun run(o, client, printer, start, signal);
  return run.run();
}

}  // namespace ks::cli
