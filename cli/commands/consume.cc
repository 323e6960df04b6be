// `ks consume TOPIC` and `ks tail TOPIC`: records from a topic to stdout.
// From the beginning and following by default (like kcat and rpk); -e
// stops at the end offsets seen at start. Long-polls the daemon, so a new
// record shows up as soon as it is appended.
#include <CLI/CLI.hpp>
#include <poll.h>
#include <signal.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "cli/clock.h"
#include "cli/commands/commands.h"
#include "cli/commands/exec_worker.h"
#include "cli/commands/group_commits.h"
#include "cli/context.h"
#include "cli/input/envelope.h"
#include "cli/input/escapes.h"
#include "cli/input/format.h"
#include "cli/input/position.h"
#include "cli/output.h"
#include "cli/progress.h"
#include "common/record_batch.h"

namespace ks::cli {
namespace {

volatile int g_signal = 0;

void on_signal(int sig) { g_signal = sig; }

void install_signal_handlers() {
  struct sigaction sa {};
  sa.sa_handler = on_signal;
  sigemptyset(&sa.sa_mask);
  sa.sa_flags = 0;  // no SA_RESTART: a blocking receive returns EINTR
  sigaction(SIGINT, &sa, nullptr);
  sigaction(SIGTERM, &sa, nullptr);
  set_interrupt_flag(&g_signal);
  Stdout::get().set_interrupt_flag(&g_signal);
}

int signal_exit() { return g_signal == SIGINT ? 130 : 128 + g_signal; }

struct ConsumeOptions {
  std::string topic;
  std::string from = "beginning";
  bool exit_at_end = false;
  std::vector<int32_t> partitions;
  int64_t count = -1;
  std::string format;
  bool json = false;
  std::string delimiter = "\\n";
  int64_t max_bytes = 4 << 20;
  // tail
  int64_t tail = -1;  // > 0: print the last N records first
  bool follow = true;
  // group
  std::string group;
  std::string commit = "auto";
  int64_t session_timeout_ms = 10000;
  std::string until;  // end | @TIME | +N
  // --exec
  std::string exec;
  int retries = 3;
  std::string dead_letter;
  int parallel = 1;
};

// Ends a group consumer whose --exec command failed for good.
struct ExecStop {
  ExecFailure failure;
};

// How records are written to stdout: the default (value + delimiter), a
// template, or the JSON envelope.
class Printer {
 public:
  Printer(const ConsumeOptions& o, std::optional<Format> format, std::string delim)
      : topic_(o.topic), json_(o.json), format_(std::move(format)), delim_(std::move(delim)) {}

  void print(int32_t partition, const batch::Record& r, std::string* out) const {
    if (json_) {
      write_envelope(out, topic_, partition, r);
    } else if (format_) {
      format_->render(out, topic_, partition, r);
    } else {
      if (r.value) out->append(*r.value);
      out->append(delim_);
    }
  }

 private:
  std::string topic_;
  bool json_;
  std::optional<Format> format_;
  std::string delim_;
};

struct PartState {
  int32_t partition;
  int64_t next;
  int64_t stop;  // exclusive; INT64_MAX when following
};

// A record copied out of its batch, for tail's "last N across partitions".
struct Kept {
  int32_t partition;
  int64_t offset, timestamp;
  std::optional<std::string> key, value;
  std::vector<std::pair<std::string, std::optional<std::string>>> headers;
};

std::optional<std::string_view> view(const std::optional<std::string>& s) {
  return s ? std::optional<std::string_view>(*s) : std::nullopt;
}

// A group member's identity, sent with its fetches.
struct GroupContext {
  std::string group, member_id;
  int32_t generation = 0;
};

constexpr int kRebalance = -2;  // Consumer::run: commit and join again

class Consumer {
 public:
  Consumer(const ConsumeOptions& o, Client* client, const Printer& printer)
      : o_(o), client_(client), printer_(printer) {}

  // Fetches until every partition reaches its stop offset (or forever),
  // handing each record to `sink`. Returns an exit code, or -1 to go on.
  // `flushed` runs after each successful flush of stdout; `group` makes
  // the fetches a member's (kRebalance when the group moved on).
  template <typename Sink, typename Flushed = void (*)()>
  int run(std::vector<PartState>& parts, bool follow, Sink&& sink, const GroupContext* group = nullptr,
          Flushed flushed = [] {}) {
    Stdout& out = Stdout::get();
    // Reading a fixed range (not following, not in a group), the next
    // fetch goes out as soon as a response arrives, before its records are
    // written, so the daemon reads while we print.
    const bool prefetch = !follow && group == nullptr;
    bool sent_ahead = false;
    auto send_fetch = [&](const std::vector<int64_t>& next) -> Result<bool> {
      nlohmann::json list = nlohmann::json::array();
      for (size_t i = 0; i < parts.size(); ++i)
        if (next[i] < parts[i].stop) list.push_back({{"partition", parts[i].partition}, {"offset", next[i]}});
      if (list.empty() && (group == nullptr || !follow)) return false;
      nlohmann::json req = {{"op", "fetch"},        {"topic", o_.topic},       {"partitions", list},
                            {"max_wait_ms", follow ? 30000 : 0}, {"min_bytes", 1}, {"max_bytes", o_.max_bytes}};
      if (group != nullptr) {
        req["group"] = group->group;
        req["member_id"] = group->member_id;
        req["generation"] = group->generation;
      }
      auto id = client_->send(std::move(req));
      if (!id.ok()) return id.status();
      return true;
    };
    std::vector<int64_t> next(parts.size());
    for (;;) {
      if (g_signal) return signal_exit();
      if (!sent_ahead) {
        for (size_t i = 0; i < parts.size(); ++i) next[i] = parts[i].next;
        auto sent = send_fetch(next);
        if (!sent.ok()) return report(sent.status());
        if (!*sent) return -1;
      }
      sent_ahead = false;
      // While the daemon holds the long poll, notice a reader that went
      // away (`ks consume t | head -3` on an idle topic) and end quietly.
      if (follow) {
        Status w = client_->wait_readable(STDOUT_FILENO);
        if (w.code() == Code::kNotFound) throw StdoutClosed{};
        if (w.code() == Code::kBusy) return signal_exit();
      }
      auto r = client_->receive();
      if (r.ok() && group != nullptr && r->header.contains("error")) {
        std::string code = r->header["error"].value("code", "");
        if (code == "rebalance_in_progress" || code == "not_found") return kRebalance;
      }
      if (r.ok()) {
        Status s = r->status();
        if (!s.ok()) r = s;
      }
      if (!r.ok()) {
        if (g_signal) return signal_exit();
        return report(r.status());
      }
      if (prefetch && ahead(parts, *r, &next)) {
        auto sent = send_fetch(next);
        if (!sent.ok()) return report(sent.status());
        sent_ahead = *sent;
      }
      size_t pos = 0;
      for (const auto& entry : r->header["partitions"]) {
        int32_t partition = entry["partition"].get<int32_t>();
        auto bytes = entry.value("bytes", uint64_t{0});
        PartState* st = nullptr;
        for (auto& p : parts)
          if (p.partition == partition) st = &p;
        std::string_view data(r->payload.data() + pos, std::min<size_t>(bytes, r->payload.size() - pos));
        pos += data.size();
        if (st == nullptr) continue;
        if (entry.contains("error")) {
          std::string code = entry["error"].value("code", "");
          if (code == "out_of_range" && entry.contains("start")) {
            int64_t start = entry["start"].get<int64_t>();
            print_warning("partition " + std::to_string(partition) + ": offset " + std::to_string(st->next) +
                          " is gone (retention); continuing at " + std::to_string(start));
            st->next = std::max(st->next, start);
            if (st->next > entry["end"].get<int64_t>()) st->next = entry["end"].get<int64_t>();
            continue;
          }
          Status s = Response{nlohmann::json{{"error", entry["error"]}}, {}}.status();
          return report(s);
        }
        batch::BatchCursor cursor(data);
        std::string_view b;
        while (cursor.next(&b)) {
          // CRC here; the records are checked as the reader walks them.
          auto checked = batch::check_crc(b);
          auto corrupt = [&](const Status& s) {
            return report(Status::Corruption("partition " + std::to_string(partition) + " near offset " +
                                             std::to_string(st->next) + ": " + s.message()));
          };
          if (!checked.ok()) return corrupt(checked.status());
          const auto& h = *checked;
          if (!h.is_control()) {
            // Decompresses a compressed batch into the reader, bounded.
            batch::RecordReader reader(b);
            while (reader.next(&rec_)) {
              if (rec_.offset < st->next || rec_.offset >= st->stop) continue;
              int code = sink(partition, rec_);
              if (code >= 0) {
                out.flush();
                flushed();
                return code;
              }
            }
            if (!reader.status().ok()) return corrupt(reader.status());
          }
          st->next = std::max(st->next, std::min(h.next_offset(), st->stop));
        }
        if (!cursor.status().ok()) return report(cursor.status());
      }
      out.flush();
      flushed();
      client_->recycle(std::move(r->payload));
    }
  }

 private:
  // Where each partition will be once `r` is consumed, from its batch
  // headers alone; false when the response has an error (the next fetch
  // then waits for the records to be handled).
  static bool ahead(const std::vector<PartState>& parts, const Response& r, std::vector<int64_t>* next) {
    for (size_t i = 0; i < parts.size(); ++i) (*next)[i] = parts[i].next;
    size_t pos = 0;
    for (const auto& entry : r.header["partitions"]) {
      if (entry.contains("error")) return false;
      auto bytes = entry.value("bytes", uint64_t{0});
      std::string_view data(r.payload.data() + pos, std::min<size_t>(bytes, r.payload.size() - pos));
      pos += data.size();
      int32_t partition = entry.value("partition", -1);
      for (size_t i = 0; i < parts.size(); ++i) {
        if (parts[i].partition != partition) continue;
        batch::BatchCursor cursor(data);
        std::string_view b;
        while (cursor.next(&b)) {
          auto h = batch::read_header(b);
          if (!h.ok()) return false;
          (*next)[i] = std::max((*next)[i], std::min(h->next_offset(), parts[i].stop));
        }
        if (!cursor.status().ok()) return false;
      }
    }
    return true;
  }

  const ConsumeOptions& o_;
  Client* client_;
  const Printer& printer_;
  batch::Record rec_;
};


// Output in group mode, tracking which records the reader has taken, so
// commits cover only those. On a pipe, records are handed over one at a
// time: the next is written once the reader has drained the pipe, so when
// the reader goes away (`| head -5`) exactly what it read is committed.
class GroupOutput {
 public:
  GroupOutput() {
    struct stat st {};
    pipe_ = ::fstat(STDOUT_FILENO, &st) == 0 && S_ISFIFO(st.st_mode);
  }
  bool pipe() const { return pipe_; }

  // Waits until the reader has read everything written; false when the
  // reader went away first.
  bool wait_drained() {
    int delay_us = 20;
    for (;;) {
      int unread = 0;
      if (::ioctl(STDOUT_FILENO, FIONREAD, &unread) != 0 || unread == 0) return true;
      pollfd p{STDOUT_FILENO, 0, 0};
      if (::poll(&p, 1, 0) > 0 && (p.revents & (POLLERR | POLLHUP))) return false;
      if (g_signal) return true;
      ::usleep(static_cast<useconds_t>(delay_us));
      delay_us = std::min(delay_us * 2, 2000);
    }
  }

 private:
  bool pipe_ = false;
};

std::string host_name() {
  char buf[256] = {};
  if (::gethostname(buf, sizeof buf - 1) != 0) return "localhost";
  return buf;
}

// Where --until (or -e) stops a partition that starts reading at `from`:
// `end_at_start` for end, from + N for +N, the first offset at or after
// TIME (looked up once at start) for @TIME; INT64_MAX to follow.
struct Until {
  enum class Kind { kFollow, kEnd, kCount, kOffsets } kind = Kind::kFollow;
  int64_t count = 0;
  std::map<int32_t, int64_t> offsets;

  int64_t stop(int32_t partition, int64_t from, int64_t end_at_start) const {
    switch (kind) {
      case Kind::kFollow: return INT64_MAX;
      case Kind::kEnd: return end_at_start;
      case Kind::kCount: return from > INT64_MAX - count ? INT64_MAX : from + count;
      case Kind::kOffsets: {
        auto it = offsets.find(partition);
        return it == offsets.end() ? end_at_start : it->second;
      }
    }
    return INT64_MAX;
  }
};

Result<Until> parse_until(const ConsumeOptions& o, Client* client) {
  Until u;
  if (o.exit_at_end || o.until == "end") {
    u.kind = Until::Kind::kEnd;
    if (o.until.empty() || o.until == "end") return u;
  }
  if (o.until.empty()) return u;
  if (o.until.size() > 1 && o.until[0] == '+') {
    auto p = parse_position(o.until, 0);
    if (!p.ok() || p->kind != Position::Kind::kFromStart)
      return Status::InvalidArgument("bad --until '" + o.until + "': expected end, +N or @TIME");
    u.kind = Until::Kind::kCount;
    u.count = p->value;
    return u;
  }
  auto p = parse_position(o.until, wall_ms());
  if (!p.ok() || p->kind != Position::Kind::kTimestamp)
    return Status::InvalidArgument("bad --until '" + o.until + "': expected end, +N or @TIME (RFC 3339, epoch ms, @-1h)");
  auto r = client->call({{"op", "list_offsets"}, {"topic", o.topic}, {"timestamp", p->value}});
  if (!r.ok()) return r.status();
  u.kind = Until::Kind::kOffsets;
  for (const auto& e : r->header["partitions"]) u.offsets[e["partition"].get<int32_t>()] = e["offset"].get<int64_t>();
  return u;
}

int run_group(const ConsumeOptions& o, Client* client, const Printer& printer,
              const std::map<int32_t, std::pair<int64_t, int64_t>>& bounds, const Position& pos,
              const Until& until, const std::map<int32_t, int64_t>& at_time) {
  Stdout& out = Stdout::get();
  GroupOutput go;
  GroupContext ctx{o.group, "", 0};
  const bool commits = o.commit != "never";
  std::map<int32_t, int64_t> delivered;  // partition -> next offset the reader has taken
  std::map<int32_t, int64_t> pending;    // written to the buffer, not yet flushed
  std::map<int32_t, int64_t> started;    // partition -> offset this member started reading it at
  std::vector<PartState> parts;
  int64_t printed = 0;
  auto last_commit = std::chrono::steady_clock::now();

  auto offsets_json = [&] {
    nlohmann::json a = nlohmann::json::array();
    for (const auto& p : parts) {
      // What the reader took, or where reading started: a member that
      // starts at the end (--from end) commits that position too.
      auto d = delivered.find(p.partition);
      auto s = started.find(p.partition);
      int64_t at = d != delivered.end() ? d->second : s != started.end() ? s->second : -1;
      if (at >= 0) a.push_back({{"topic", o.topic}, {"partition", p.partition}, {"offset", at}});
    }
    return a;
  };
  auto commit = [&]() -> Status {
    last_commit = std::chrono::steady_clock::now();
    if (!commits || ctx.member_id.empty()) return Status::OK();
    auto a = offsets_json();
    if (a.empty()) return Status::OK();
    auto r = client->call({{"op", "commit_offsets"}, {"group", o.group}, {"member_id", ctx.member_id},
                           {"generation", ctx.generation}, {"offsets", a}});
    return r.ok() ? Status::OK() : r.status();
  };
  CommitWarnings warnings(o.group);
  auto leave = [&]() -> Status {  // commits what the reader took
    if (ctx.member_id.empty()) return Status::OK();
    nlohmann::json req = {{"op", "leave_group"}, {"group", o.group}, {"member_id", ctx.member_id}};
    if (commits) req["offsets"] = offsets_json();
    auto r = client->call(std::move(req));
    ctx.member_id.clear();
    return r.ok() ? Status::OK() : r.status();
  };
  auto join = [&]() -> Status {
    auto r = client->call({{"op", "join_group"}, {"group", o.group}, {"topics", {o.topic}},
                           {"member_id", ctx.member_id}, {"session_timeout_ms", o.session_timeout_ms},
                           {"client_host", host_name()}, {"client_pid", static_cast<int64_t>(::getpid())}});
    if (!r.ok()) return r.status();
    ctx.member_id = r->header["member_id"].get<std::string>();
    ctx.generation = r->header["generation"].get<int32_t>();
    std::vector<PartState> next;
    for (const auto& a : r->header["assignment"]) {
      if (a["topic"].get<std::string>() != o.topic) continue;
      int32_t p = a["partition"].get<int32_t>();
      int64_t committed = a["committed"].get<int64_t>();
      auto b = bounds.find(p);
      int64_t start = b == bounds.end() ? 0 : b->second.first;
      int64_t end_at_start = b == bounds.end() ? INT64_MAX : b->second.second;
      int64_t from = start;
      auto keep = std::find_if(parts.begin(), parts.end(), [&](const PartState& s) { return s.partition == p; });
      if (keep != parts.end()) {
        from = delivered.count(p) ? delivered[p] : keep->next;
      } else if (committed >= 0) {
        from = committed;
      } else {
        // No commit yet: --from decides, as for a plain consume.
        switch (pos.kind) {
          case Position::Kind::kBeginning: from = start; break;
          case Position::Kind::kEnd: from = end_at_start; break;
          case Position::Kind::kAbsolute: from = std::clamp(pos.value, start, end_at_start); break;
          case Position::Kind::kFromEnd: from = std::max(start, end_at_start - pos.value); break;
          case Position::Kind::kFromStart: from = start + std::min(pos.value, end_at_start - start); break;
          case Position::Kind::kTimestamp: {
            auto t = at_time.find(p);
            from = t == at_time.end() ? end_at_start : t->second;
            break;
          }
        }
      }
      int64_t stop = keep != parts.end() ? keep->stop : until.stop(p, from, end_at_start);
      if (keep == parts.end()) {
        // New to this member (or back after another member had it): what
        // it read here before is stale, and committing it would move the
        // group's offset back.
        started[p] = from;
        delivered.erase(p);
        pending.erase(p);
      }
      next.push_back({p, from, stop});
    }
    parts = std::move(next);
    return Status::OK();
  };

  // --exec: records wait in per-partition queues and run after each fetch.
  std::map<int32_t, std::vector<OwnedRecord>> queues;
  ExecOptions exec_opts{o.exec, o.retries, o.parallel, 100, std::min<int64_t>(1000, o.session_timeout_ms / 3)};
  auto dead_letter = [&](const ExecFailure& f) -> Status {
    if (o.dead_letter.empty()) return Status::Busy("");
    auto meta = client->call({{"op", "topics"}, {"topics", {o.dead_letter}}, {"auto_create", true}});
    if (!meta.ok()) return meta.status();
    int32_t n = meta->header["topics"][0]["partitions"].get<int32_t>();
    std::vector<std::pair<std::string, std::string>> extra = {
        {"ks.error", f.error},
        {"ks.exit.code", std::to_string(f.exit_code)},
        {"ks.source.topic", o.topic},
        {"ks.source.partition", std::to_string(f.partition)},
        {"ks.source.offset", std::to_string(f.record.offset)}};
    std::vector<batch::Header> hs;
    for (const auto& [k, v] : f.record.headers) hs.push_back({k, v ? std::optional<std::string_view>(*v) : std::nullopt});
    for (const auto& [k, v] : extra) hs.push_back({k, std::string_view(v)});
    batch::BatchBuilder b;
    b.add(view(f.record.key), view(f.record.value), f.record.timestamp, hs);
    auto r = client->call({{"op", "produce"}, {"topic", o.dead_letter}, {"partition", f.partition % n}, {"acks", -1}},
                          b.finish());
    if (!r.ok()) return r.status();
    print_warning(o.topic + "-" + std::to_string(f.partition) + " offset " + std::to_string(f.record.offset) + ": " +
                  f.error + "; sent to " + o.dead_letter);
    return Status::OK();
  };
  auto run_queued = [&] {
    if (queues.empty()) return;
    auto heartbeat = [&] {
      (void)client->call({{"op", "heartbeat"}, {"group", o.group}, {"member_id", ctx.member_id},
                          {"generation", ctx.generation}});
    };
    auto failure = run_exec(exec_opts, o.topic, queues, [&](int32_t p, int64_t off) { delivered[p] = off + 1; },
                            dead_letter, &g_signal, heartbeat);
    queues.clear();
    if (failure) throw ExecStop{*failure};
  };

  auto sink = [&](int32_t partition, const batch::Record& r) {
    ++printed;
    if (!o.exec.empty()) {
      OwnedRecord k{r.offset, r.timestamp, {}, {}, {}};
      if (r.key) k.key = std::string(*r.key);
      if (r.value) k.value = std::string(*r.value);
      for (const auto& h : r.headers)
        k.headers.emplace_back(std::string(h.key), h.value ? std::optional<std::string>(std::string(*h.value)) : std::nullopt);
      queues[partition].push_back(std::move(k));
      return (o.count >= 0 && printed >= o.count) ? 0 : -1;
    }
    printer.print(partition, r, &out.buffer());
    if (go.pipe()) {
      out.flush();
      if (!go.wait_drained()) throw StdoutClosed{};
      delivered[partition] = r.offset + 1;
    } else {
      pending[partition] = r.offset + 1;
      out.maybe_flush();
    }
    return (o.count >= 0 && printed >= o.count) ? 0 : -1;
  };
  auto flushed = [&] {
    for (const auto& [p, off] : pending) delivered[p] = off;
    pending.clear();
    run_queued();
    // Periodic commit; a refusal means a rebalance, which the next fetch
    // reports; other failures are warned about.
    if (std::chrono::steady_clock::now() - last_commit > std::chrono::seconds(1)) warnings.note(commit());
  };

  // With -e (or --until end/TIME) a member whose own partitions are done
  // stays in the group until the group has committed every partition up
  // to where this member would stop it: members that start together all
  // take a share and exit together, and partitions that move to it from a
  // member that leaves are still read. Returns -1 when done, kRebalance
  // when the group moved on, or an exit code.
  const bool wait_for_group =
      commits && (until.kind == Until::Kind::kEnd || until.kind == Until::Kind::kOffsets);
  auto group_done = [&]() -> Result<bool> {
    auto r = client->call({{"op", "describe_group"}, {"group", o.group}});
    if (!r.ok()) return r.status();
    std::map<int32_t, int64_t> committed;
    for (const auto& e : r->header["offsets"])
      if (e.value("topic", "") == o.topic) committed[e["partition"].get<int32_t>()] = e["committed"].get<int64_t>();
    for (const auto& [p, se] : bounds) {
      int64_t stop = until.stop(p, se.first, se.second);
      if (stop <= se.first) continue;  // nothing to read there
      auto c = committed.find(p);
      if (c == committed.end() || c->second < stop) return false;
    }
    return true;
  };
  auto wait_group = [&]() -> int {
    for (;;) {
      if (g_signal) return signal_exit();
      auto done = group_done();
      if (!done.ok()) return report(done.status());
      if (*done) return -1;
      auto h = client->call({{"op", "heartbeat"}, {"group", o.group}, {"member_id", ctx.member_id},
                             {"generation", ctx.generation}});
      if (!h.ok()) {
        if (h.status().code() == Code::kBusy || h.status().code() == Code::kNotFound) return kRebalance;
        return report(h.status());
      }
      ::usleep(20 * 1000);
    }
  };

  int code = -1;
  try {
    Status s = join();
    if (!s.ok()) return report(s);
    for (;;) {
      code = Consumer(o, client, printer).run(parts, until.kind == Until::Kind::kFollow, sink, &ctx, flushed);
      if (code == -1 && wait_for_group) {
        flushed();
        Status c = commit();
        if (!c.ok() && c.code() != Code::kBusy && c.code() != Code::kNotFound) return report(c);
        code = c.ok() ? wait_group() : kRebalance;
      }
      if (code != kRebalance) break;
      // The group moved on: hand over what was read, then join again.
      flushed();
      Status c = commit();
      if (!c.ok() && c.code() != Code::kBusy && c.code() != Code::kNotFound) return report(c);
      if (c.code() == Code::kNotFound) ctx.member_id.clear();  // expired: join as new
      s = join();
      if (!s.ok()) return report(s);
      if (std::chrono::steady_clock::now() - last_commit > std::chrono::seconds(1)) warnings.note(commit());
    }
  } catch (const StdoutClosed&) {
    code = 0;
  } catch (const Interrupted& i) {
    code = 128 + i.signal;
  } catch (const ExecStop& stop) {
    print_error(o.topic + "-" + std::to_string(stop.failure.partition) + " offset " +
                    std::to_string(stop.failure.record.offset) + ": `" + o.exec + "` failed: " + stop.failure.error,
                "records before it are committed; give --dead-letter TOPIC to set failures aside and go on");
    code = exit_code(Exit::kError);
  }
  if (g_signal && code < 0) code = signal_exit();
  if (code < 0) code = 0;
  return finish_group(code, leave(), o.group);
}

int run_consume(const ConsumeOptions& o) {
  std::optional<Format> format;
  if (!o.format.empty()) {
    auto f = Format::Compile(o.format);
    if (!f.ok()) return report(f.status());
    format = std::move(*f);
  }
  if (format && o.json) return report(Status::InvalidArgument("-f and --json cannot be used together"));
  if ((format || o.json) && o.delimiter != "\\n")
    return report(Status::InvalidArgument("-D applies to the default output; with -f put the delimiter in the template"));
  if (o.count == 0) return 0;
  if (o.group.empty() && (!o.exec.empty() || !o.dead_letter.empty()))
    return report(Status::InvalidArgument("--exec and --dead-letter need a group (-g GROUP)"));
  if (!o.exec.empty() && (format || o.json))
    return report(Status::InvalidArgument("--exec hands records to a command; leave out -f and --json"));
  auto delim = parse_delimiter(o.delimiter, "-D");
  if (!delim.ok()) return report(delim.status());
  auto pos = parse_position(o.from, wall_ms());
  if (!pos.ok()) return report(pos.status());
  install_signal_handlers();

  Status error;
  auto client = connect_or_report(&error);
  if (!client) return report(error);
  auto meta = client->call({{"op", "topics"}, {"topics", {o.topic}}, {"detail", true}});
  if (!meta.ok()) return report(meta.status());
  const auto& info = meta->header["topics"][0]["partition_info"];
  std::map<int32_t, std::pair<int64_t, int64_t>> bounds;  // partition -> start, end
  for (const auto& p : info)
    bounds[p["partition"].get<int32_t>()] = {p["start"].get<int64_t>(), p["end"].get<int64_t>()};
  std::vector<int32_t> chosen = o.partitions;
  if (chosen.empty())
    for (const auto& [p, se] : bounds) chosen.push_back(p);
  for (int32_t p : chosen)
    if (!bounds.count(p))
      return report(Status::NotFound("topic '" + o.topic + "' has no partition " + std::to_string(p) + " (it has " +
                                     std::to_string(bounds.size()) + ")"));

  auto until = parse_until(o, client.get());
  if (!until.ok()) return report(until.status());
  std::map<int32_t, int64_t> at_time;
  if (pos->kind == Position::Kind::kTimestamp) {
    auto r = client->call({{"op", "list_offsets"}, {"topic", o.topic}, {"timestamp", pos->value}});
    if (!r.ok()) return report(r.status());
    for (const auto& p : r->header["partitions"]) at_time[p["partition"].get<int32_t>()] = p["offset"].get<int64_t>();
  }
  if (!o.group.empty()) {
    Printer printer(o, std::move(format), *delim);
    return run_group(o, client.get(), printer, bounds, *pos, *until, at_time);
  }
  std::vector<PartState> parts;
  for (int32_t p : chosen) {
    auto [start, end] = bounds[p];
    int64_t next = start;
    const int64_t v = pos->value;
    switch (pos->kind) {
      case Position::Kind::kBeginning: next = start; break;
      case Position::Kind::kEnd: next = end; break;
      case Position::Kind::kAbsolute: next = std::clamp(v, start, end); break;
      case Position::Kind::kFromEnd: next = std::max(start, end - v); break;
      case Position::Kind::kFromStart: next = start + std::min(v, end - start); break;
      case Position::Kind::kTimestamp: next = at_time.count(p) ? at_time[p] : end; break;
    }
    if (o.tail > 0) next = std::max(start, end - o.tail);
    parts.push_back({p, next, o.tail > 0 ? end : until->stop(p, next, end)});
  }

  Printer printer(o, std::move(format), *delim);
  Consumer consumer(o, client.get(), printer);
  Stdout& out = Stdout::get();
  int64_t printed = 0;
  auto print = [&](int32_t partition, const batch::Record& r) {
    printer.print(partition, r, &out.buffer());
    out.maybe_flush();
    ++printed;
    return (o.count >= 0 && printed >= o.count) ? 0 : -1;
  };

  if (o.tail > 0) {
    // The last N records across the chosen partitions, oldest first.
    std::vector<Kept> kept;
    int code = consumer.run(parts, false, [&](int32_t partition, const batch::Record& r) {
      Kept k{partition, r.offset, r.timestamp, {}, {}, {}};
      if (r.key) k.key = std::string(*r.key);
      if (r.value) k.value = std::string(*r.value);
      for (const auto& h : r.headers)
        k.headers.emplace_back(std::string(h.key), h.value ? std::optional<std::string>(std::string(*h.value)) : std::nullopt);
      kept.push_back(std::move(k));
      return -1;
    });
    if (code >= 0) return code;
    std::stable_sort(kept.begin(), kept.end(), [](const Kept& a, const Kept& b) { return a.timestamp < b.timestamp; });
    size_t from = kept.size() > static_cast<size_t>(o.tail) ? kept.size() - static_cast<size_t>(o.tail) : 0;
    batch::Record r;
    for (size_t i = from; i < kept.size(); ++i) {
      const Kept& k = kept[i];
      r.offset = k.offset;
      r.timestamp = k.timestamp;
      r.key = view(k.key);
      r.value = view(k.value);
      r.headers.clear();
      for (const auto& [hk, hv] : k.headers) r.headers.push_back({hk, view(hv)});
      printer.print(k.partition, r, &out.buffer());
      out.maybe_flush();
    }
    out.flush();
    if (!o.follow) return 0;
    for (auto& p : parts) p.stop = INT64_MAX;
  }
  // Reading a bounded range into a file or pipe, from a terminal: a
  // progress line on stderr, with the share of the range done and an ETA.
  const bool follow = until->kind == Until::Kind::kFollow;
  int64_t total = 0;
  for (const auto& p : parts) total += p.stop > p.next && p.stop != INT64_MAX ? p.stop - p.next : 0;
  ProgressLine progress("consume", !follow && !out.is_terminal(), o.count > 0 ? std::min(total, o.count) : total);
  int64_t value_bytes = 0;
  auto counted = [&](int32_t partition, const batch::Record& r) {
    if (r.value) value_bytes += static_cast<int64_t>(r.value->size());
    return print(partition, r);
  };
  int code = progress.on() ? consumer.run(parts, follow, counted, nullptr, [&] { progress.update(printed, value_bytes); })
                           : consumer.run(parts, follow, print);
  progress.clear();
  out.flush();
  return code < 0 ? 0 : code;
}

void add_output_flags(CLI::App* cmd, ConsumeOptions* o) {
  cmd->add_option("-f,--format", o->format,
                  "Template: %k key, %v value, %o offset, %p partition, %t epoch ms, %T RFC 3339, %h headers, "
                  "%K/%V lengths, %s topic, %% percent; escapes \\n \\t \\0 \\xNN");
  cmd->add_flag("--json", o->json, "One JSON envelope per line (what `ks produce --json` reads)");
  cmd->add_option("-D,--delimiter", o->delimiter, "Written after each value (default \\n); escapes allowed");
  cmd->add_option("-p,--partition", o->partitions, "Only these partitions (repeat or comma-separate)")->delimiter(',');
}

}  // namespace

void set_consume_command(CLI::App& app, Runner* run) {
  auto o = std::make_shared<ConsumeOptions>();
  auto* cmd = app.add_subcommand("consume", "Print records of a topic: from the beginning, then follow");
  cmd->add_option("topic", o->topic, "Topic to read")->required();
  cmd->add_option("--from", o->from,
                  "Start: beginning (default), end, N, -N (N before the end), +N (skip N), "
                  "@TIME (RFC 3339, epoch ms, or relative like @-1h)");
  cmd->add_flag("-e,--exit", o->exit_at_end, "Stop at the end offsets seen at start and exit 0");
  cmd->add_option("-g,--group", o->group,
                  "Consume as a member of GROUP: partitions are shared among its members and the group's "
                  "offsets are committed as records are written (at least once)");
  cmd->add_option("--commit", o->commit, "With -g: auto (default) commits what was written; never only peeks")
      ->check(CLI::IsMember({"auto", "never"}));
  cmd->add_option("--exec", o->exec,
                  "With -g: run CMD (via sh -c) once per record, value on stdin, KS_TOPIC KS_PARTITION KS_OFFSET "
                  "KS_KEY KS_TIMESTAMP KS_HEADER_<NAME> in its environment; exit 0 commits the record");
  cmd->add_option("--retries", o->retries, "With --exec: retries of a failing command, with backoff (default 3)")
      ->check(CLI::Range(0, 1000));
  cmd->add_option("--dead-letter", o->dead_letter,
                  "With --exec: send records whose command still fails to TOPIC (error in headers) and go on");
  cmd->add_option("--parallel", o->parallel, "With --exec: commands at once across partitions (default 1)")
      ->check(CLI::Range(1, 256));
  cmd->add_option("--session-timeout-ms", o->session_timeout_ms,
                  "With -g: a member silent this long loses its partitions (default 10000)")
      ->check(CLI::Range(1000, 300000));
  cmd->add_option("-n,--count", o->count, "Exit after N records")->check(CLI::NonNegativeNumber);
  cmd->add_option("--until", o->until,
                  "Stop each partition at: end (like -e), +N (N records after the start), or @TIME "
                  "(the first record at or after TIME); works with -g and commits before exiting");
  add_output_flags(cmd, o.get());
  cmd->footer(
      "Examples:\n"
      "  ks consume numbers -e | wc -l\n"
      "  ks consume logs -f '%p/%o %k=%v\\n'\n"
      "  ks consume events --from @-1h -n 20\n"
      "  ks consume events --json -e | ks produce copy --json");
  cmd->callback([o, run] { *run = [o] { return run_consume(*o); }; });
}

void set_tail_command(CLI::App& app, Runner* run) {
  auto o = std::make_shared<ConsumeOptions>();
  o->tail = 10;
  o->follow = false;
  auto* cmd = app.add_subcommand("tail", "Print the last records of a topic; -f to keep following");
  cmd->add_option("topic", o->topic, "Topic to read")->required();
  cmd->add_option("-n,--lines", o->tail, "How many records (default 10)")->check(CLI::PositiveNumber);
  cmd->add_flag("-f,--follow", o->follow, "Keep printing new records");
  cmd->add_option("--format", o->format, "Template, as in `ks consume -f`");
  cmd->add_flag("--json", o->json, "One JSON envelope per line");
  cmd->add_option("-D,--delimiter", o->delimiter, "Written after each value (default \\n)");
  cmd->add_option("-p,--partition", o->partitions, "Only these partitions")->delimiter(',');
  cmd->footer("Examples:\n  ks tail orders\n  ks tail logs -n 50 -f");
  cmd->callback([o, run] { *run = [o] { return run_consume(*o); }; });
}

}  // namespace ks::cli
