// The fetch loop of `ks consume`, `ks tail` and a group member: long-polls
// the daemon for the partitions it is given, checks each batch's CRC,
// hands each record in [next, stop) to a sink and advances `next`, until
// every partition reaches its stop (or forever when following). A plain
// bounded read prefetches: the next fetch goes out before the records of
// the last are written, so the daemon reads while we print.
#pragma once

#include <algorithm>
#include <cstdint>
#include <limits>
#include <string>
#include <string_view>
#include <vector>

#include "cli/client.h"
#include "cli/context.h"
#include "cli/group_client.h"
#include "cli/output.h"
#include "common/record_batch.h"
#include "common/status.h"
#include "common/types.h"

namespace ks::cli {

// The signal that stops a consumer (SIGINT, SIGTERM): handlers that only
// set a flag, without SA_RESTART so a blocking receive returns at once.
// The flag (0 until a signal) is read by the fetch loop, stdout and the
// group member's waits.
const volatile int* install_consume_signals();
// The exit code for a stop by `signal`: 130 for SIGINT, 128 + N otherwise.
int signal_exit_code(int signal);

// One partition being read: the next offset to hand over and where to stop.
struct PartState {
  static constexpr Offset kFollow{std::numeric_limits<int64_t>::max()};
  PartitionId partition;
  Offset next;
  Offset stop;  // exclusive; kFollow when following
};

// What a sink tells the loop after a record.
enum class SinkAnswer { kMore, kStop };

// Why the loop returned.
enum class FetchEnd {
  kReachedStops,  // every partition reached its stop
  kSinkStopped,   // the sink asked to stop (-n reached): exit 0
  kRebalance,     // a member's fetch was refused: the group moved on
  kExit,          // exit with `exit_code`: an error (already reported) or a signal
};
struct FetchResult {
  FetchEnd end = FetchEnd::kReachedStops;
  int exit_code = 0;
};

class Fetcher {
 public:
  // `client` is borrowed; `signal` is install_consume_signals()'s flag;
  // `fields`: what of each record the sink reads (record_fields()).
  Fetcher(Client* client, std::string topic, int64_t max_bytes, const volatile int* signal,
          batch::Fields fields = batch::Fields::kAll)
      : client_(client), topic_(std::move(topic)), max_bytes_(max_bytes), signal_(signal), fields_(fields) {}

  // Fetches until every partition in `parts` reaches its stop (or forever
  // when `follow`), calling `sink(PartitionId, const batch::Record&)` for
  // each record; `flushed()` runs after each successful flush of stdout.
  // `member` makes the fetches a group member's. Throws StdoutClosed and
  // Interrupted from stdout, and whatever the sink throws.
  template <typename Sink, typename Flushed>
  FetchResult run(std::vector<PartState>& parts, bool follow, Sink&& sink, const MemberIdentity* member,
                  Flushed&& flushed);
  template <typename Sink>
  FetchResult run(std::vector<PartState>& parts, bool follow, Sink&& sink) {
    return run(parts, follow, sink, nullptr, [] {});
  }

 private:
  // What became of one response before its records are handed over.
  enum class Step { kRecords, kRebalance, kExit };

  Result<bool> send_fetch(const std::vector<PartState>& parts, const std::vector<Offset>& next, bool follow,
                          const MemberIdentity* member);
  Step await(bool follow, const MemberIdentity* member, Response* r, int* exit_code);
  // A partition's error entry: a retention skip is absorbed (true); any
  // other error is reported into *exit_code (false).
  bool partition_error(const nlohmann::json& entry, PartState* st, int* exit_code);
  int corrupt(PartitionId partition, const PartState& st, const Status& s);
  bool ahead(const std::vector<PartState>& parts, const Response& r, std::vector<Offset>* next);
  // Where each partition is in `parts` (slot_[partition], -1 when absent):
  // an answer names thousands of partitions, so no linear search per entry.
  void index(const std::vector<PartState>& parts);
  int64_t slot(PartitionId partition) const {
    auto p = static_cast<size_t>(partition.value());
    return partition.value() >= 0 && p < slot_.size() ? slot_[p] : -1;
  }
  FetchResult exit(int code) const { return {FetchEnd::kExit, code}; }

  template <typename Sink>
  FetchResult hand_over(PartitionId partition, std::string_view data, PartState* st, Sink& sink, bool* stopped);

  Client* client_;
  std::string topic_;
  int64_t max_bytes_;
  const volatile int* signal_;
  batch::Fields fields_;
  batch::Record rec_;
  std::vector<int64_t> slot_;
};

// ------------------------------------------------------------------ templates

template <typename Sink>
FetchResult Fetcher::hand_over(PartitionId partition, std::string_view data, PartState* st, Sink& sink,
                               bool* stopped) {
  batch::BatchCursor cursor(data);
  std::string_view b;
  while (cursor.next(&b)) {
    // The CRC, once per batch; the records are checked as the reader
    // walks them, which reads only the fields_ the sink needs.
    auto checked = batch::check_crc(b);
    if (!checked.ok()) return exit(corrupt(partition, *st, checked.status()));
    const auto& h = *checked;
    // A batch wholly before the next offset or from the stop on (the
    // first and last of a range) hands over nothing: not decoded.
    if (!h.is_control() && h.next_offset() > st->next.value() && h.base_offset < st->stop.value()) {
      // Decompresses a compressed batch into the reader, bounded; the
      // header checked above is not parsed again.
      batch::RecordReader reader(b, h, fields_);
      while (reader.next(&rec_)) {
        if (rec_.offset < st->next.value() || rec_.offset >= st->stop.value()) continue;
        if (sink(partition, static_cast<const batch::Record&>(rec_)) == SinkAnswer::kStop) {
          *stopped = true;
          return {FetchEnd::kSinkStopped, 0};
        }
      }
      if (!reader.status().ok()) return exit(corrupt(partition, *st, reader.status()));
    }
    st->next = std::max(st->next, Offset(std::min(h.next_offset(), st->stop.value())));
  }
  if (!cursor.status().ok()) return exit(report(cursor.status()));
  return {};
}

template <typename Sink, typename Flushed>
FetchResult Fetcher::run(std::vector<PartState>& parts, bool follow, Sink&& sink, const MemberIdentity* member,
                         Flushed&& flushed) {
  Stdout& out = Stdout::get();
  // Reading a fixed range (not following, not in a group): prefetch.
  const bool prefetch = !follow && member == nullptr;
  bool sent_ahead = false;
  std::vector<Offset> next(parts.size());
  index(parts);
  for (;;) {
    if (*signal_) return exit(signal_exit_code(*signal_));
    if (!sent_ahead) {
      for (size_t i = 0; i < parts.size(); ++i) next[i] = parts[i].next;
      auto sent = send_fetch(parts, next, follow, member);
      if (!sent.ok()) return exit(report(sent.status()));
      if (!*sent) return {};
    }
    sent_ahead = false;
    Response r;
    int code = 0;
    Step step = await(follow, member, &r, &code);
    if (step == Step::kRebalance) return {FetchEnd::kRebalance, 0};
    if (step == Step::kExit) return exit(code);
    if (prefetch && ahead(parts, r, &next)) {
      auto sent = send_fetch(parts, next, follow, member);
      if (!sent.ok()) return exit(report(sent.status()));
      sent_ahead = *sent;
    }
    size_t pos = 0;
    for (const auto& entry : r.header["partitions"]) {
      PartitionId partition(entry["partition"].get<int32_t>());
      auto bytes = entry.value("bytes", uint64_t{0});
      std::string_view data(r.payload.data() + pos, std::min<size_t>(bytes, r.payload.size() - pos));
      pos += data.size();
      const int64_t at = slot(partition);
      if (at < 0) continue;
      auto st = parts.begin() + at;
      if (entry.contains("error")) {
        if (partition_error(entry, &*st, &code)) continue;
        return exit(code);
      }
      bool stopped = false;
      FetchResult done = hand_over(partition, data, &*st, sink, &stopped);
      if (stopped) {
        out.flush();
        flushed();
      }
      if (stopped || done.end != FetchEnd::kReachedStops) return done;
    }
    out.flush();
    flushed();
    client_->recycle(std::move(r.payload));
  }
}

}  // namespace ks::cli
