// `ks consume TOPIC` and `ks tail TOPIC`: records from a topic to stdout.
// From the beginning and following by default (like kcat and rpk); -e
// stops at the end offsets seen at start. Long-polls the daemon, so a new
// record shows up as soon as it is appended.
//
// This file reads the flags and places each partition; the options and
// what they make are in consume_options.h, the fetch loop in
// consume_fetch.h, and `-g GROUP` runs in consume_group.h with its member
// in group_member.h.
#include <CLI/CLI.hpp>

#include <algorithm>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "cli/clock.h"
#include "cli/commands/commands.h"
#include "cli/commands/consume_fetch.h"
#include "cli/commands/consume_group.h"
#include "cli/commands/consume_options.h"
#include "cli/context.h"
#include "cli/input/escapes.h"
#include "cli/input/format.h"
#include "cli/input/position.h"
#include "cli/list_offsets.h"
#include "cli/output.h"
#include "cli/progress.h"
#include "cli/validators.h"
#include "common/record_batch.h"

namespace ks::cli {
namespace {

// A record copied out of its batch, for tail's "last N across partitions".
struct Kept {
  PartitionId partition;
  int64_t offset, timestamp;
  std::optional<std::string> key, value;
  std::vector<std::pair<std::string, std::optional<std::string>>> headers;
};

std::optional<std::string_view> view(const std::optional<std::string>& s) {
  return s ? std::optional<std::string_view>(*s) : std::nullopt;
}

// -f's template, and the output flags that cannot go together.
Result<std::optional<Format>> output_format(const ConsumeOptions& o) {
  std::optional<Format> format;
  if (!o.format.empty()) {
    auto f = Format::Compile(o.format);
    if (!f.ok()) return f.status();
    format = std::move(*f);
  }
  if (format && o.json) return Status::InvalidArgument("-f and --json cannot be used together");
  if ((format || o.json) && o.delimiter != "\\n")
    return Status::InvalidArgument("-D applies to the default output; with -f put the delimiter in the template");
  return format;
}

// The rest of the flag checks (after -n 0, which ends quietly) and the
// output they ask for.
Result<Printer> make_printer(const ConsumeOptions& o, std::optional<Format> format) {
  if (o.group.empty() && (!o.exec.empty() || !o.dead_letter.empty()))
    return Status::InvalidArgument("--exec and --dead-letter need a group (-g GROUP)");
  if (!o.exec.empty() && (format || o.json))
    return Status::InvalidArgument("--exec hands records to a command; leave out -f and --json");
  auto delim = parse_delimiter(o.delimiter, "-D");
  if (!delim.ok()) return delim.status();
  return Printer(o, std::move(format), *delim);
}

// Each partition's range at start, and the partitions to read (-p, or all).
Status topic_bounds(const ConsumeOptions& o, Client& client, std::map<PartitionId, OffsetRange>* bounds,
                    std::vector<PartitionId>* chosen) {
  auto meta = client.call({{"op", "topics"}, {"topics", {o.topic}}, {"detail", true}});
  if (!meta.ok()) return meta.status();
  for (const auto& p : meta->header["topics"][0]["partition_info"])
    (*bounds)[PartitionId(p["partition"].get<int32_t>())] = {Offset(p["start"].get<int64_t>()),
                                                              Offset(p["end"].get<int64_t>())};
  for (int32_t p : o.partitions) chosen->push_back(PartitionId(p));
  if (chosen->empty())
    for (const auto& [p, range] : *bounds) chosen->push_back(p);
  for (PartitionId p : *chosen)
    if (!bounds->count(p))
      return Status::NotFound("topic '" + o.topic + "' has no partition " + std::to_string(p.value()) +
                              " (it has " + std::to_string(bounds->size()) + ")");
  return Status::OK();
}

// --from @TIME: each partition's first offset at or after it. The answer's
// ranges are newer than `bounds`: a record appended in between must not
// pull the start below the time, so they widen `bounds`.
Result<std::map<PartitionId, Offset>> offsets_at(const ConsumeOptions& o, Client& client, const Position& from,
                                                 std::map<PartitionId, OffsetRange>* bounds) {
  std::map<PartitionId, Offset> at_time;
  if (from.kind != Position::Kind::kTimestamp) return at_time;
  auto r = list_offsets(client, o.topic, from.value);
  if (!r.ok()) return r.status();
  for (const auto& p : *r) {
    at_time[p.partition] = p.offset;
    if (auto b = bounds->find(p.partition); b != bounds->end()) {
      b->second.start = std::max(b->second.start, p.range.start);
      b->second.end = std::max(b->second.end, p.range.end);
    }
  }
  return at_time;
}

// `ks tail`: the last N records across the chosen partitions, oldest
// first; then, with -f, the parts follow on from where they are.
int print_tail(const ConsumeOptions& o, Fetcher& fetcher, const Printer& printer, std::vector<PartState>& parts) {
  std::vector<Kept> kept;
  FetchResult done = fetcher.run(parts, false, [&](PartitionId partition, const batch::Record& r) {
    Kept k{partition, r.offset, r.timestamp, {}, {}, {}};
    if (r.key) k.key = std::string(*r.key);
    if (r.value) k.value = std::string(*r.value);
    for (const auto& h : r.headers)
      k.headers.emplace_back(std::string(h.key),
                             h.value ? std::optional<std::string>(std::string(*h.value)) : std::nullopt);
    kept.push_back(std::move(k));
    return SinkAnswer::kMore;
  });
  if (done.end == FetchEnd::kExit) return done.exit_code;
  std::stable_sort(kept.begin(), kept.end(), [](const Kept& a, const Kept& b) { return a.timestamp < b.timestamp; });
  size_t from = kept.size() > static_cast<size_t>(o.tail) ? kept.size() - static_cast<size_t>(o.tail) : 0;
  Stdout& out = Stdout::get();
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
  for (auto& p : parts) p.stop = PartState::kFollow;
  return -1;
}

// Prints the records of `parts` (not in a group) until each reaches its
// stop, -n is reached, or forever when following.
int print_records(const ConsumeOptions& o, Fetcher& fetcher, const Printer& printer, std::vector<PartState>& parts,
                  bool follow) {
  Stdout& out = Stdout::get();
  int64_t printed = 0;
  auto print = [&](PartitionId partition, const batch::Record& r) {
    printer.print(partition, r, &out.buffer());
    out.maybe_flush();
    ++printed;
    return (o.count >= 0 && printed >= o.count) ? SinkAnswer::kStop : SinkAnswer::kMore;
  };
  // Reading a bounded range into a file or pipe, from a terminal: a
  // progress line on stderr, with the share of the range done and an ETA.
  int64_t total = 0;
  for (const auto& p : parts) total += p.stop > p.next && p.stop != PartState::kFollow ? p.stop - p.next : 0;
  ProgressLine progress("consume", !follow && !out.is_terminal(), o.count > 0 ? std::min(total, o.count) : total);
  int64_t value_bytes = 0;
  auto counted = [&](PartitionId partition, const batch::Record& r) {
    if (r.value) value_bytes += static_cast<int64_t>(r.value->size());
    return print(partition, r);
  };
  FetchResult done = progress.on() ? fetcher.run(parts, follow, counted, nullptr,
                                                 [&] { progress.update(printed, value_bytes); })
                                   : fetcher.run(parts, follow, print);
  progress.clear();
  out.flush();
  return done.end == FetchEnd::kExit ? done.exit_code : 0;
}

int run_consume(const ConsumeOptions& o) {
  auto format = output_format(o);
  if (!format.ok()) return report(format.status());
  if (o.count == 0) return 0;
  auto printer = make_printer(o, std::move(*format));
  if (!printer.ok()) return report(printer.status());
  auto pos = parse_position(o.from, wall_ms());
  if (!pos.ok()) return report(pos.status());
  const volatile int* signal = install_consume_signals();

  Status error;
  auto client = connect_or_report(&error);
  if (!client) return report(error);
  GroupStart start{{}, *pos, {}, {}};
  std::vector<PartitionId> chosen;
  Status s = topic_bounds(o, *client, &start.bounds, &chosen);
  if (!s.ok()) return report(s);
  auto until = parse_until(o, client.get());
  if (!until.ok()) return report(until.status());
  start.until = std::move(*until);
  auto at_time = offsets_at(o, *client, *pos, &start.bounds);
  if (!at_time.ok()) return report(at_time.status());
  start.at_time = std::move(*at_time);
  if (!o.group.empty()) return run_group(o, client.get(), *printer, start, signal);

  std::vector<PartState> parts;
  for (PartitionId p : chosen) {
    OffsetRange range = start.bounds[p];
    auto t = start.at_time.find(p);
    Offset next = resolve_position(*pos, range, t == start.at_time.end() ? std::nullopt : std::optional(t->second));
    if (o.tail > 0) next = std::max(range.start, range.end - o.tail);
    parts.push_back({p, next, o.tail > 0 ? range.end : start.until.stop(p, next, range.end)});
  }
  Fetcher fetcher(client.get(), o.topic, o.max_bytes, signal, record_fields(o, *printer));
  if (o.tail > 0) {
    int code = print_tail(o, fetcher, *printer, parts);
    if (code >= 0 || !o.follow) return code >= 0 ? code : 0;
  }
  return print_records(o, fetcher, *printer, parts, start.until.kind == Until::Kind::kFollow);
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
                  "offsets are committed as records are written (at least once)")
      ->check(group_id_validator());
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
