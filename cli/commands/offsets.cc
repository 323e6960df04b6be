// `ks offsets TOPIC [--at TIME]`: each partition's earliest and latest
// offsets, or the first offset at or after a time (op list_offsets in
// common/protocol.h).
#include <CLI/CLI.hpp>

#include <nlohmann/json.hpp>

#include <algorithm>
#include <chrono>
#include <map>
#include <memory>
#include <string>

#include "cli/clock.h"
#include "cli/commands/commands.h"
#include "cli/context.h"
#include "cli/exit_codes.h"
#include "cli/input/position.h"
#include "cli/list_offsets.h"
#include "cli/output.h"
#include "cli/table.h"

namespace ks::cli {
namespace {

using nlohmann::json;

struct OffsetsOptions {
  std::string topic;
  std::string at;
  bool has_at = false;
  std::string output = "table";
};


// --at takes a position's @<time> without the '@' (a leading '@' is
// accepted too, since that is how `--from` spells it).
Result<int64_t> parse_at(const std::string& text) {
  std::string pos = !text.empty() && text[0] == '@' ? text : "@" + text;
  auto p = parse_position(pos, wall_ms());
  if (!p.ok() || p->kind != Position::Kind::kTimestamp)
    return Status::InvalidArgument("bad --at time '" + text +
                                   "': expected RFC 3339 (2026-01-01T12:00:00Z, 2026-01-01), epoch milliseconds "
                                   "(1767225600000) or a duration back from now (-1h, -1h30m, -90s)");
  return p->value;
}

int run_offsets(const OffsetsOptions& opt) {
  int64_t at = 0;
  if (opt.has_at) {
    auto t = parse_at(opt.at);
    if (!t.ok()) {
      print_error(t.status().message());
      return exit_code(Exit::kUsage);
    }
    at = *t;
  }

  Status error;
  auto client = connect_or_report(&error);
  if (!client) return report(error);
  Stdout& out = Stdout::get();
  const bool terminal = out.is_terminal();
  const bool json_out = opt.output == "json";

  if (opt.has_at) {
    auto parts = list_offsets(*client, opt.topic, at);
    if (!parts.ok()) return report(parts.status());
    // No record at or after the time: the answer is the log end, where
    // the next record will go (the resolver's rule; Kafka says -1 there).
    const Position time{Position::Kind::kTimestamp, at};
    json rows = json::array();
    for (const auto& p : *parts)
      rows.push_back({{"partition", p.partition.value()},
                      {"offset", resolve_position(time, p.range, p.offset).value()},
                      {"start", p.range.start.value()},
                      {"end", p.range.end.value()}});
    if (json_out) {
      print_json(out, rows, terminal);
      return 0;
    }
    Table table({{"PARTITION", true}, {"OFFSET", true}});
    for (const auto& p : rows)
      table.add_row({std::to_string(int_field(p, "partition")), std::to_string(int_field(p, "offset"))});
    table.print(out, terminal);
    return 0;
  }

  // One call: each entry carries the partition's start and end as well.
  auto latest = list_offsets(*client, opt.topic, kLatestTimestamp);
  if (!latest.ok()) return report(latest.status());

  json rows = json::array();
  for (const auto& p : *latest) {
    int64_t lo = p.range.start.value();
    int64_t hi = p.offset.value();
    rows.push_back({{"partition", p.partition.value()},
                    {"earliest", lo},
                    {"latest", hi},
                    {"records", std::max<int64_t>(hi - lo, 0)}});
  }
  if (json_out) {
    print_json(out, rows, terminal);
    return 0;
  }
  Table table({{"PARTITION", true}, {"EARLIEST", true}, {"LATEST", true}, {"RECORDS", true}});
  for (const auto& r : rows)
    table.add_row({std::to_string(int_field(r, "partition")), std::to_string(int_field(r, "earliest")),
                   std::to_string(int_field(r, "latest")), std::to_string(int_field(r, "records"))});
  table.print(out, terminal);
  return 0;
}

}  // namespace

void set_offsets_command(CLI::App& app, Runner* run) {
  auto opt = std::make_shared<OffsetsOptions>();
  auto* cmd =
      app.add_subcommand("offsets", "Show each partition's earliest and latest offsets, or the offset at a time");
  cmd->add_option("topic", opt->topic, "Topic name")->required();
  auto* at = cmd->add_option("--at", opt->at,
                             "The first offset at or after TIME per partition (the latest offset when none): "
                             "RFC 3339, epoch ms, or a duration back from now like -1h")
                 ->type_name("TIME");
  cmd->add_option("-o,--output", opt->output, "Output format: table (default) or json")
      ->check(CLI::IsMember({"table", "json"}));
  cmd->footer(
      "Examples:\n  ks offsets orders\n  ks offsets orders --at -1h\n"
      "  ks offsets orders --at 2026-01-01T00:00:00Z -o json");
  cmd->callback([opt, at, run] {
    opt->has_at = at->count() > 0;
    *run = [opt] { return run_offsets(*opt); };
  });
}

}  // namespace ks::cli
