// `ks group list | describe | reset | delete`: consumer-group administration
// through the daemon (ops list_groups, describe_group, reset_offsets,
// delete_group in common/protocol.h). Members join with `ks consume -g`;
// these commands only look at a group and move its committed offsets.
#include <CLI/CLI.hpp>

#include <nlohmann/json.hpp>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "cli/clock.h"
#include "cli/validators.h"
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

// The daemon's "no committed offset" (describe_group's committed).
constexpr int64_t kNoCommit = -1;

// For the daemon's group_in_use: the group has live members.
std::string in_use_hint(const std::string& group, std::string_view then) {
  return "stop the group's consumers first (`ks group describe " + group + "` lists them), then " +
         std::string(then);
}

struct GroupOptions {
  std::string group;
  std::vector<std::string> topics;  // reset --topic
  std::string to;                   // reset --to
  bool execute = false;
  bool yes = false;
  std::string output = "table";
};


std::string offset_cell(int64_t offset) { return offset < 0 ? "-" : std::to_string(offset); }


// ------------------------------------------------------------------ list

int run_list(const GroupOptions& opt) {
  Session s;
  Response resp;
  if (!s.open() || !s.call({{"op", "list_groups"}}, &resp)) return s.code;
  json groups = array_field(resp.header, "groups");
  std::sort(groups.begin(), groups.end(),
            [](const json& a, const json& b) { return string_field(a, "group") < string_field(b, "group"); });
  Stdout& out = Stdout::get();
  const bool terminal = out.is_terminal();
  if (opt.output == "json") {
    print_json(out, groups, terminal);
    return 0;
  }
  Table table({{"GROUP"}, {"STATE"}, {"MEMBERS", true}, {"TOPICS"}, {"LAG", true}});
  for (const auto& g : groups) {
    std::string topics;
    for (const auto& t : array_field(g, "topics"))
      if (t.is_string()) topics += (topics.empty() ? "" : ",") + t.get<std::string>();
    table.add_row({string_field(g, "group"), string_field(g, "state"), std::to_string(count_field(g, "members")),
                   topics, std::to_string(int_field(g, "lag"))});
  }
  table.print(out, terminal);
  return 0;
}

// ------------------------------------------------------------------ describe

// "host:pid" (Kafka members: "client.id@address") of the member owning a
// partition, "-" when none does. The
// daemon names the owner by member id (or, tolerated, as a member object).
std::string owner_cell(const json& owner, const std::map<std::string, const json*>& members) {
  const json* m = nullptr;
  std::string id;
  if (owner.is_object()) {
    m = &owner;
    id = string_field(owner, "member_id");
  } else if (owner.is_string()) {
    id = owner.get<std::string>();
    if (auto it = members.find(id); it != members.end()) m = it->second;
  }
  // Kafka members have a client id and a "/ADDRESS" host instead of a pid.
  if (m != nullptr && !string_field(*m, "client_id").empty()) {
    std::string host = string_field(*m, "host");
    if (!host.empty() && host[0] == '/') host.erase(0, 1);
    return string_field(*m, "client_id") + "@" + host;
  }
  if (m != nullptr && (!string_field(*m, "host").empty() || int_field(*m, "pid") > 0))
    return string_field(*m, "host") + ":" + std::to_string(int_field(*m, "pid"));
  return id.empty() ? "-" : id;
}

// A member's assignment as "orders:0,1,2 logs:3" (topics in order).
std::string assignment_cell(const json& member) {
  std::map<std::string, std::vector<int64_t>> by_topic;
  for (const auto& a : array_field(member, "assignment"))
    by_topic[string_field(a, "topic")].push_back(int_field(a, "partition"));
  std::string cell;
  for (auto& [topic, parts] : by_topic) {
    std::sort(parts.begin(), parts.end());
    if (!cell.empty()) cell += ' ';
    cell += topic + ':';
    for (size_t i = 0; i < parts.size(); ++i) cell += (i ? "," : "") + std::to_string(parts[i]);
  }
  return cell.empty() ? "-" : cell;
}

bool by_topic_partition(const json& a, const json& b) {
  auto ta = string_field(a, "topic"), tb = string_field(b, "topic");
  return ta != tb ? ta < tb : int_field(a, "partition") < int_field(b, "partition");
}

int run_describe(const GroupOptions& opt) {
  Session s;
  Response resp;
  if (!s.open() || !s.call({{"op", "describe_group"}, {"group", opt.group}}, &resp)) return s.code;
  json group = std::move(resp.header);
  group.erase("id");
  Stdout& out = Stdout::get();
  const bool terminal = out.is_terminal();
  if (opt.output == "json") {
    print_json(out, group, terminal);
    return 0;
  }

  const json& members = array_field(group, "members");
  std::map<std::string, const json*> member_by_id;
  for (const auto& m : members) member_by_id[string_field(m, "member_id")] = &m;

  // Header block: "key value" lines (tab-separated when piped), like
  // `ks topic describe`.
  Table info({{""}, {""}});
  info.add_row({"group", string_field(group, "group").empty() ? opt.group : string_field(group, "group")});
  info.add_row({"state", string_field(group, "state")});
  info.add_row({"generation", std::to_string(int_field(group, "generation"))});
  info.add_row({"members", std::to_string(members.size())});
  info.print(out, terminal);
  out.write("\n");

  json offsets = array_field(group, "offsets");
  std::sort(offsets.begin(), offsets.end(), by_topic_partition);
  Table table({{"TOPIC"}, {"PARTITION", true}, {"COMMITTED", true}, {"END", true}, {"LAG", true}, {"OWNER"}});
  for (const auto& o : offsets) {
    const json owner = o.contains("owner") ? o["owner"] : json();
    table.add_row({string_field(o, "topic"), std::to_string(int_field(o, "partition")),
                   offset_cell(int_field(o, "committed", kNoCommit)), std::to_string(int_field(o, "end")),
                   std::to_string(int_field(o, "lag")), owner_cell(owner, member_by_id)});
  }
  table.print(out, terminal);

  // Piped output stays the header block and one table, for cut and awk;
  // -o json has the members.
  if (terminal && !members.empty()) {
    std::vector<const json*> sorted;
    for (const auto& m : members) sorted.push_back(&m);
    std::sort(sorted.begin(), sorted.end(), [](const json* a, const json* b) {
      return string_field(*a, "member_id") < string_field(*b, "member_id");
    });
    Table mt({{"MEMBER"}, {"HOST"}, {"PID", true}, {"PARTITIONS"}});
    for (const json* m : sorted)
      mt.add_row({string_field(*m, "member_id"), string_field(*m, "host"), std::to_string(int_field(*m, "pid")),
                  assignment_cell(*m)});
    out.write("\n");
    mt.print(out, terminal);
  }
  return 0;
}

// ------------------------------------------------------------------ reset

struct Target {
  std::string topic;
  int64_t partition = 0;
  int64_t before = kNoCommit;
  int64_t after = 0;
};

// Committed offsets of the group, keyed by (topic, partition). A group the
// daemon does not know has committed nothing. `live_members` gets the
// member count.
bool committed_offsets(Session* s, const std::string& group, std::map<std::pair<std::string, int64_t>, int64_t>* out,
                       int64_t* live_members) {
  *live_members = 0;
  auto r = s->client->call({{"op", "describe_group"}, {"group", group}});
  if (!r.ok()) {
    if (r.status().code() == Code::kNotFound) return true;
    s->code = report(r.status());
    return false;
  }
  *live_members = static_cast<int64_t>(array_field(r->header, "members").size());
  for (const auto& o : array_field(r->header, "offsets"))
    (*out)[{string_field(o, "topic"), int_field(o, "partition")}] = int_field(o, "committed", kNoCommit);
  return true;
}

// Where `pos` puts the group on each partition of `topics`, from the
// topics answer `meta` (and, for a time, list_offsets over `client`).
Result<std::vector<Target>> reset_targets(Client& client, const json& meta, const std::vector<std::string>& topics,
                                          const Position& pos) {
  std::map<std::string, const json*> info_of;
  for (const auto& t : array_field(meta, "topics")) info_of[string_field(t, "name")] = &t;
  std::vector<Target> targets;
  for (const auto& topic : topics) {
    auto it = info_of.find(topic);
    if (it == info_of.end()) return Status::NotFound("topic '" + topic + "' does not exist");
    json parts = array_field(*it->second, "partition_info");
    std::sort(parts.begin(), parts.end(),
              [](const json& a, const json& b) { return int_field(a, "partition") < int_field(b, "partition"); });
    // A time is looked up in one list_offsets answer that carries each
    // partition's range too; other positions need only the ranges.
    std::map<int64_t, ListedOffset> at_time;
    if (pos.kind == Position::Kind::kTimestamp) {
      auto r = list_offsets(client, topic, pos.value);
      if (!r.ok()) return r.status();
      for (const auto& p : *r) at_time.emplace(p.partition.value(), p);
    }
    for (const auto& p : parts) {
      int64_t partition = int_field(p, "partition");
      OffsetRange range{Offset(int_field(p, "start")), Offset(int_field(p, "end"))};
      std::optional<Offset> at;
      if (auto t = at_time.find(partition); t != at_time.end()) {
        range = t->second.range;
        at = t->second.offset;
      }
      targets.push_back({topic, partition, kNoCommit, resolve_position(pos, range, at).value()});
    }
  }

  return targets;
}

int run_reset(const GroupOptions& opt) {
  auto pos = parse_position(opt.to, wall_ms());
  if (!pos.ok()) {
    print_error("--to: " + pos.status().message(),
                "e.g. --to beginning, --to end, --to 42, --to -100, --to +10, --to @-1h, --to @2026-01-01T00:00:00Z");
    return exit_code(Exit::kUsage);
  }
  std::vector<std::string> topics;
  for (const auto& t : opt.topics) {
    if (t.empty()) {
      print_error("--topic needs a topic name");
      return exit_code(Exit::kUsage);
    }
    if (std::find(topics.begin(), topics.end(), t) == topics.end()) topics.push_back(t);
  }

  Session s;
  Response meta;
  if (!s.open() || !s.call({{"op", "topics"}, {"topics", topics}, {"detail", true}}, &meta)) return s.code;
  auto listed = reset_targets(*s.client, meta.header, topics, *pos);
  if (!listed.ok()) return report(listed.status());
  std::vector<Target> targets = std::move(*listed);

  std::map<std::pair<std::string, int64_t>, int64_t> committed;
  int64_t live_members = 0;
  if (!committed_offsets(&s, opt.group, &committed, &live_members)) return s.code;
  for (auto& t : targets)
    if (auto c = committed.find({t.topic, t.partition}); c != committed.end()) t.before = c->second;

  if (opt.execute) {
    std::string names;
    for (size_t i = 0; i < topics.size(); ++i) names += (i ? ", '" : "'") + topics[i] + "'";
    int asked = confirm("move the committed offsets of group '" + opt.group + "' on " + std::to_string(targets.size()) +
                            " partition(s) of " + names + " to " + opt.to + "?",
                        opt.yes);
    if (asked >= 0) return asked;
    json offsets = json::array();
    for (const auto& t : targets)
      offsets.push_back({{"topic", t.topic}, {"partition", t.partition}, {"offset", t.after}});
    Response done;
    if (!s.call({{"op", "reset_offsets"}, {"group", opt.group}, {"offsets", std::move(offsets)}}, &done,
                in_use_hint(opt.group, "reset again")))
      return s.code;
  }

  Stdout& out = Stdout::get();
  const bool terminal = out.is_terminal();
  if (opt.output == "json") {
    json rows = json::array();
    for (const auto& t : targets)
      rows.push_back({{"topic", t.topic}, {"partition", t.partition}, {"before", t.before}, {"after", t.after}});
    print_json(out, {{"group", opt.group}, {"executed", opt.execute}, {"offsets", std::move(rows)}}, terminal);
  } else {
    Table table({{"TOPIC"}, {"PARTITION", true}, {"BEFORE", true}, {"AFTER", true}});
    for (const auto& t : targets)
      table.add_row({t.topic, std::to_string(t.partition), offset_cell(t.before), std::to_string(t.after)});
    table.print(out, terminal);
  }
  if (!opt.execute) {
    // After the table, so the note is the last thing a terminal shows.
    out.flush();
    if (live_members > 0)
      print_warning("group '" + opt.group + "' has " + std::to_string(live_members) +
                    " live member(s); --execute is refused until they stop");
    std::fputs("dry run: nothing changed; add --execute to apply\n", stderr);
  }
  return 0;
}

// ------------------------------------------------------------------ delete

int run_delete(const GroupOptions& opt) {
  int asked = confirm("delete group '" + opt.group + "' and its committed offsets?", opt.yes);
  if (asked >= 0) return asked;
  Session s;
  Response resp;
  if (!s.open() || !s.call({{"op", "delete_group"}, {"group", opt.group}}, &resp, in_use_hint(opt.group, "delete again")))
    return s.code;
  return 0;
}

}  // namespace

void set_group_command(CLI::App& app, Runner* run) {
  auto* group = app.add_subcommand("group", "List, describe, reset and delete consumer groups");
  group->require_subcommand(1);
  group->footer("Members join a group with `ks consume TOPIC -g GROUP`.");
  auto opt = std::make_shared<GroupOptions>();
  const auto output_check = CLI::IsMember({"table", "json"});

  auto* list = group->add_subcommand("list", "List consumer groups with their state, members, topics and lag");
  list->add_option("-o,--output", opt->output, "Output format: table (default) or json")->check(output_check);
  list->footer(
      "Examples:\n  ks group list\n  ks group list | cut -f1            # names only\n"
      "  ks group list -o json | jq -r '.[].group'");
  list->callback([opt, run] { *run = [opt] { return run_list(*opt); }; });

  auto* describe =
      group->add_subcommand("describe", "Show a group's members and each partition's committed offset, lag and owner");
  describe->add_option("group", opt->group, "Group name")->required()->check(group_id_validator());
  describe->add_option("-o,--output", opt->output, "Output format: table (default) or json")->check(output_check);
  describe->footer(
      "Examples:\n  ks group describe billing\n  ks group describe billing -o json | jq '.offsets[] | .lag'");
  describe->callback([opt, run] { *run = [opt] { return run_describe(*opt); }; });

  auto* reset = group->add_subcommand("reset", "Move a group's committed offsets (a dry run unless --execute)");
  reset->add_option("group", opt->group, "Group name")->required()->check(group_id_validator());
  reset->add_option("--topic", opt->topics, "Reset the partitions of this topic (repeatable)")
      ->type_name("TOPIC")
      ->required()
      ->allow_extra_args(false);
  reset->add_option("--to", opt->to,
                    "Where to: beginning, end, N, -N (before the end), +N (after the start), "
                    "@TIME (RFC 3339, epoch ms, or -1h back from now)")
      ->type_name("POSITION")
      ->required();
  reset->add_flag("--execute", opt->execute,
                  "Commit the new offsets (refused while the group has members); without it, only show them");
  reset->add_flag("-y,--yes", opt->yes, "Do not ask for confirmation (needed when stdin is not a terminal)");
  reset->add_option("-o,--output", opt->output, "Output format: table (default) or json")->check(output_check);
  reset->footer(
      "Examples:\n  ks group reset billing --topic orders --to beginning            # dry run\n"
      "  ks group reset billing --topic orders --to @2026-01-01 --execute\n"
      "  ks group reset billing --topic orders --topic refunds --to -100 --execute\n"
      "Stop the group's consumers first: the daemon refuses while it has members.");
  reset->callback([opt, run] { *run = [opt] { return run_reset(*opt); }; });

  auto* del = group->add_subcommand("delete", "Delete a group and its committed offsets");
  del->add_option("group", opt->group, "Group name")->required()->check(group_id_validator());
  del->add_flag("-y,--yes", opt->yes, "Do not ask for confirmation (needed when stdin is not a terminal)");
  del->footer("Examples:\n  ks group delete billing\n"
              "Stop the group's consumers first: the daemon refuses while it has members.");
  del->callback([opt, run] { *run = [opt] { return run_delete(*opt); }; });
}

}  // namespace ks::cli
