// `ks topic create | list | describe | alter | delete | adopt`: topic
// administration through the daemon (ops create_topic, topics, alter_topic,
// delete_topic in common/protocol.h; adopt_topic and remove_orphans for
// partition directories no topic owns, daemon/broker/orphan_ops.h).
#include <CLI/CLI.hpp>

#include <nlohmann/json.hpp>

#include <algorithm>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "cli/commands/commands.h"
#include "cli/context.h"
#include "cli/exit_codes.h"
#include "cli/input/timestamp.h"
#include "cli/output.h"
#include "cli/table.h"

namespace ks::cli {
namespace {

using nlohmann::json;

constexpr const char* kConfigKeys =
    "Topic configs (-c KEY=VALUE): every Kafka topic config. Applied: retention.ms, retention.bytes,\n"
    "  segment.bytes, segment.ms, max.message.bytes, flush.ms, flush.messages, index.interval.bytes,\n"
    "  message.timestamp.type, message.timestamp.before.max.ms, message.timestamp.after.max.ms;\n"
    "  the others are checked and stored (see ks-topic(1)). cleanup.policy=compact keeps every\n"
    "  record (no compaction yet). Refused: compression.type other than producer,\n"
    "  remote.storage.enable=true.";

struct TopicOptions {
  std::string topic;
  std::vector<std::string> topics;   // delete
  int32_t partitions = 0;            // 0: not given
  std::vector<std::string> configs;  // KEY=VALUE
  std::vector<std::string> unset;    // --delete-config KEY
  std::string output = "table";
  bool yes = false;
  bool orphan = false;  // delete --orphan
};

int usage_error(const std::string& message, std::string_view hint = {}) {
  print_error(message, hint);
  return exit_code(Exit::kUsage);
}

// KEY=VALUE, split at the first '='; the value may be empty or contain '='.
// Whether the key is known is the daemon's call.
bool parse_configs(const std::vector<std::string>& args, json* out, std::string* bad) {
  *out = json::object();
  for (const auto& a : args) {
    auto eq = a.find('=');
    if (eq == std::string::npos || eq == 0) {
      *bad = a;
      return false;
    }
    (*out)[a.substr(0, eq)] = a.substr(eq + 1);
  }
  return true;
}

int bad_config(const std::string& arg) {
  return usage_error("bad --config '" + arg + "': expected KEY=VALUE, e.g. --config retention.ms=86400000",
                     "keys are Kafka's topic config names: retention.ms, retention.bytes, segment.bytes, "
                     "segment.ms, max.message.bytes, message.timestamp.type, ... (ks-topic(1))");
}


// "k=v" per config, sorted by key (json objects iterate in key order).
std::vector<std::string> config_pairs(const json& topic) {
  std::vector<std::string> out;
  auto it = topic.find("configs");
  if (it == topic.end() || !it->is_object()) return out;
  for (const auto& [k, v] : it->items()) out.push_back(k + "=" + (v.is_string() ? v.get<std::string>() : v.dump()));
  return out;
}


int run_create(const TopicOptions& opt) {
  json configs;
  std::string bad;
  if (!parse_configs(opt.configs, &configs, &bad)) return bad_config(bad);
  json req = {{"op", "create_topic"}, {"topic", opt.topic}};
  if (opt.partitions > 0) req["partitions"] = opt.partitions;
  if (!configs.empty()) req["configs"] = configs;
  Session s;
  Response resp;
  if (!s.open() || !s.call(std::move(req), &resp)) return s.code;
  return 0;
}

int run_list(const TopicOptions& opt) {
  Session s;
  Response resp;
  if (!s.open() || !s.call({{"op", "topics"}}, &resp)) return s.code;
  json topics = resp.header.value("topics", json::array());
  Stdout& out = Stdout::get();
  const bool terminal = out.is_terminal();
  if (opt.output == "json") {
    print_json(out, topics, terminal);
    return 0;
  }
  std::vector<const json*> sorted;
  for (const auto& t : topics) sorted.push_back(&t);
  std::sort(sorted.begin(), sorted.end(),
            [](const json* a, const json* b) { return string_field(*a, "name") < string_field(*b, "name"); });
  // The daemon stores and returns only the configs a topic overrides, so
  // every one it sends differs from the defaults.
  Table table({{"TOPIC"}, {"PARTITIONS", true}, {"CONFIGS"}});
  for (const json* t : sorted) {
    std::string configs;
    for (const auto& kv : config_pairs(*t)) configs += (configs.empty() ? "" : ",") + kv;
    table.add_row({string_field(*t, "name"), std::to_string(int_field(*t, "partitions")), configs});
  }
  table.print(out, terminal);
  return 0;
}

int run_describe(const TopicOptions& opt) {
  Session s;
  Response resp;
  json req = {{"op", "topics"}, {"topics", json::array({opt.topic})}, {"detail", true}};
  if (!s.open() || !s.call(std::move(req), &resp)) return s.code;
  json topics = resp.header.value("topics", json::array());
  auto match =
      std::find_if(topics.begin(), topics.end(), [&](const json& t) { return string_field(t, "name") == opt.topic; });
  if (match == topics.end()) return report(Status::NotFound("topic '" + opt.topic + "' does not exist"));
  const json& topic = *match;

  Stdout& out = Stdout::get();
  const bool terminal = out.is_terminal();
  if (opt.output == "json") {
    print_json(out, topic, terminal);
    return 0;
  }

  // Header block: "key value" lines (tab-separated when piped), one
  // "config k=v" line per override, so `awk '$1=="config"'` finds them.
  Table info({{""}, {""}});
  info.add_row({"topic", string_field(topic, "name")});
  info.add_row({"partitions", std::to_string(int_field(topic, "partitions"))});
  info.add_row({"created", format_rfc3339_ms(int_field(topic, "created_ms"))});
  for (const auto& kv : config_pairs(topic)) info.add_row({"config", kv});
  info.print(out, terminal);
  out.write("\n");

  Table parts({{"PARTITION", true},
               {"EARLIEST", true},
               {"LATEST", true},
               {"RECORDS", true},
               {"SIZE", true},
               {"SEGMENTS", true}});
  std::vector<const json*> infos;
  if (auto it = topic.find("partition_info"); it != topic.end() && it->is_array())
    for (const auto& p : *it) infos.push_back(&p);
  std::sort(infos.begin(), infos.end(),
            [](const json* a, const json* b) { return int_field(*a, "partition") < int_field(*b, "partition"); });
  for (const json* p : infos) {
    int64_t start = int_field(*p, "start");
    int64_t end = int_field(*p, "end");
    int64_t size = int_field(*p, "size");
    // Piped output is for scripts: exact bytes, not "1.2 MiB".
    std::string size_cell =
        terminal ? human_bytes(static_cast<uint64_t>(std::max<int64_t>(size, 0))) : std::to_string(size);
    parts.add_row({std::to_string(int_field(*p, "partition")), std::to_string(start), std::to_string(end),
                   std::to_string(std::max<int64_t>(end - start, 0)), size_cell,
                   std::to_string(int_field(*p, "segments"))});
  }
  parts.print(out, terminal);
  return 0;
}

int run_alter(const TopicOptions& opt) {
  json set;
  std::string bad;
  if (!parse_configs(opt.configs, &set, &bad)) return bad_config(bad);
  if (set.empty() && opt.unset.empty() && opt.partitions == 0)
    return usage_error("nothing to change for topic '" + opt.topic + "'",
                       "give --config KEY=VALUE, --delete-config KEY or --partitions N");
  for (const auto& k : opt.unset) {
    if (k.empty()) return usage_error("--delete-config needs a key, e.g. --delete-config retention.ms");
    if (set.contains(k)) return usage_error("config '" + k + "' is both set (--config) and deleted (--delete-config)");
  }
  json req = {{"op", "alter_topic"}, {"topic", opt.topic}};
  if (!set.empty()) req["set"] = set;
  if (!opt.unset.empty()) req["unset"] = opt.unset;
  if (opt.partitions > 0) req["partitions"] = opt.partitions;
  Session s;
  Response resp;
  if (!s.open() || !s.call(std::move(req), &resp)) return s.code;
  return 0;
}

std::string quoted_names(const std::vector<std::string>& topics) {
  std::string names;
  for (size_t i = 0; i < topics.size(); ++i) names += (i ? ", '" : "'") + topics[i] + "'";
  return names;
}

// Asks, then sends `op` for each topic in turn. A missing one is reported
// and the rest still go (like rm); any other failure stops there.
int delete_each(const TopicOptions& opt, const std::string& question, const char* op, const char* hint) {
  int asked = confirm(question, opt.yes);
  if (asked >= 0) return asked;
  Session s;
  if (!s.open()) return s.code;
  int code = 0;
  for (const auto& t : opt.topics) {
    auto r = s.client->call({{"op", op}, {"topic", t}});
    if (r.ok()) continue;
    int c = hint ? report(r.status(), hint) : report(r.status());
    if (code == 0) code = c;
    if (r.status().code() != Code::kNotFound) break;
  }
  return code;
}

int run_delete(const TopicOptions& opt) {
  const std::string names = quoted_names(opt.topics);
  const bool many = opt.topics.size() > 1;
  if (opt.orphan) {
    // Directories in data/ that meta.db does not know: only those go,
    // never a live topic's partitions.
    return delete_each(opt,
                       "remove the orphaned partition directories of " + names +
                           " (not known to meta.db) and every record in them?",
                       "remove_orphans", "`ks daemon status` lists the orphaned directories");
  }
  return delete_each(opt,
                     "delete topic" + std::string(many ? "s " : " ") + names + " and every record in " +
                         (many ? "them?" : "it?"),
                     "delete_topic", nullptr);
}

int run_adopt(const TopicOptions& opt) {
  json configs;
  std::string bad;
  if (!parse_configs(opt.configs, &configs, &bad)) return bad_config(bad);
  json req = {{"op", "adopt_topic"}, {"topic", opt.topic}};
  if (!configs.empty()) req["configs"] = configs;
  Session s;
  Response resp;
  if (!s.open() || !s.call(std::move(req), &resp)) return s.code;
  return 0;
}

}  // namespace

void set_topic_command(CLI::App& app, Runner* run) {
  auto* topic = app.add_subcommand("topic", "Create, list, describe, alter and delete topics");
  topic->require_subcommand(1);
  auto opt = std::make_shared<TopicOptions>();
  const auto output_check = CLI::IsMember({"table", "json"});
  const CLI::Validator at_least_one(
      [](std::string& v) {
        int32_t n = 0;
        return CLI::detail::lexical_cast(v, n) && n >= 1 ? std::string()
                                                         : "expected a number of at least 1, got '" + v + "'";
      },
      "N>=1");

  auto* create = topic->add_subcommand("create", "Create a topic");
  create->add_option("topic", opt->topic, "Topic name")->required();
  create->add_option("-p,--partitions", opt->partitions, "Number of partitions (default: the daemon's default)")
      ->check(at_least_one);
  create->add_option("-c,--config", opt->configs, "A topic config KEY=VALUE (repeatable)")
      ->type_name("KEY=VALUE")
      ->allow_extra_args(false);
  create->footer(std::string("Examples:\n  ks topic create orders -p 6\n"
                             "  ks topic create logs -c retention.ms=86400000 -c segment.ms=3600000\n") +
                 kConfigKeys);
  create->callback([opt, run] { *run = [opt] { return run_create(*opt); }; });

  auto* list = topic->add_subcommand("list", "List topics with their partition counts and config overrides");
  list->add_option("-o,--output", opt->output, "Output format: table (default) or json")->check(output_check);
  list->footer(
      "Examples:\n  ks topic list\n  ks topic list | cut -f1            # names only\n"
      "  ks topic list -o json | jq -r '.[].name'");
  list->callback([opt, run] { *run = [opt] { return run_list(*opt); }; });

  auto* describe = topic->add_subcommand("describe", "Show a topic's configs and each partition's offsets and size");
  describe->add_option("topic", opt->topic, "Topic name")->required();
  describe->add_option("-o,--output", opt->output, "Output format: table (default) or json")->check(output_check);
  describe->footer("Examples:\n  ks topic describe orders\n  ks topic describe orders -o json | jq .partition_info");
  describe->callback([opt, run] { *run = [opt] { return run_describe(*opt); }; });

  auto* alter = topic->add_subcommand("alter", "Change a topic's configs or add partitions");
  alter->add_option("topic", opt->topic, "Topic name")->required();
  alter->add_option("-c,--config", opt->configs, "Set a config KEY=VALUE (repeatable)")
      ->type_name("KEY=VALUE")
      ->allow_extra_args(false);
  alter->add_option("--delete-config", opt->unset, "Remove an override, back to the default (repeatable)")
      ->type_name("KEY")
      ->allow_extra_args(false);
  alter->add_option("-p,--partitions", opt->partitions, "New partition count (partitions can only be added)")
      ->check(at_least_one);
  alter->footer(std::string("Examples:\n  ks topic alter orders -c retention.ms=3600000\n"
                            "  ks topic alter orders --delete-config retention.ms -p 12\n") +
                kConfigKeys);
  alter->callback([opt, run] { *run = [opt] { return run_alter(*opt); }; });

  auto* del = topic->add_subcommand("delete", "Delete topics and all their records");
  del->add_option("topics", opt->topics, "Topic names")->required();
  del->add_flag("-y,--yes", opt->yes, "Do not ask for confirmation (needed when stdin is not a terminal)");
  del->add_flag("--orphan", opt->orphan,
                "Remove the topics' orphaned partition directories (in data/ but not in meta.db) instead");
  del->footer("Examples:\n  ks topic delete orders\n  ks topic delete -y tmp-1 tmp-2\n"
              "  ks topic delete --orphan -y orders   # directories `ks daemon status` lists as orphans");
  del->callback([opt, run] { *run = [opt] { return run_delete(*opt); }; });

  auto* adopt = topic->add_subcommand(
      "adopt", "Recreate a topic from its orphaned partition directories (in data/ but not in meta.db)");
  adopt->add_option("topic", opt->topic, "Topic name")->required();
  adopt->add_option("-c,--config", opt->configs, "A topic config KEY=VALUE (repeatable)")
      ->type_name("KEY=VALUE")
      ->allow_extra_args(false);
  adopt->footer(std::string("The partition count comes from the directories (data/orders-0 .. data/orders-N);\n"
                            "an existing topic grows to cover them. Records are kept as they are.\n"
                            "Examples:\n  ks topic adopt orders\n  ks topic adopt logs -c retention.ms=86400000\n") +
                kConfigKeys);
  adopt->callback([opt, run] { *run = [opt] { return run_adopt(*opt); }; });
}

}  // namespace ks::cli
