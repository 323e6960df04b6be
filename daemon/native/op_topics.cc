// Topic ops: topics (list or describe), create_topic, delete_topic,
// alter_topic, list_offsets.
#include <optional>

#include "daemon/native/fields.h"
#include "daemon/native/ops.h"

namespace ks::native {
namespace {

json topic_json(const server::TopicInfo& t, bool detail) {
  json o{{"name", t.name.str()}, {"partitions", t.partitions}, {"created_ms", t.created_ms}, {"configs", t.configs}};
  if (detail) {
    json parts = json::array();
    for (const auto& p : t.partition_info)
      parts.push_back({{"partition", p.partition.value()}, {"start", p.start.value()}, {"end", p.end.value()},
                       {"size", p.size}, {"segments", p.segments}});
    o["partition_info"] = parts;
  }
  return o;
}

}  // namespace

void op_topics(Session& s) {
  const json& req = s.request();
  std::vector<std::string> asked;
  if (req.contains("topics") && req["topics"].is_array()) asked = req["topics"].get<std::vector<std::string>>();
  const bool create = req.value("auto_create", false);
  std::vector<TopicName> names;
  for (const auto& n : asked) {
    auto name = create ? TopicName::Parse(n) : server::existing_topic_name(n);
    if (!name.ok()) return s.reply(name.status());
    if (create)
      if (auto created = s.broker().partition_count(*name, true); !created.ok()) return s.reply(created.status());
    names.push_back(std::move(*name));
  }
  const bool detail = req.value("detail", false);
  auto r = s.broker().topics(names, detail);
  if (!r.ok()) return s.reply(r.status());
  json arr = json::array();
  for (const auto& t : *r) arr.push_back(topic_json(t, detail));
  s.reply(Status::OK(), json{{"topics", arr}});
}

void op_create_topic(Session& s) {
  const json& req = s.request();
  server::ConfigMap configs;
  if (req.contains("configs")) configs = req["configs"].get<server::ConfigMap>();
  auto name = TopicName::Parse(str_at(req, "topic"));
  if (!name.ok()) return s.reply(name.status());
  s.reply(s.broker().create_topic(
      *name, int_field<int32_t>(req, "partitions", s.options().default_partitions, 1, kMaxInt32), configs));
}

void op_delete_topic(Session& s) {
  auto name = server::existing_topic_name(str_at(s.request(), "topic"));
  s.reply(name.ok() ? s.broker().delete_topic(*name) : name.status());
}

void op_alter_topic(Session& s) {
  const json& req = s.request();
  server::ConfigMap set;
  std::vector<std::string> unset;
  std::optional<int32_t> partitions;
  if (req.contains("set")) set = req["set"].get<server::ConfigMap>();
  if (req.contains("unset")) unset = req["unset"].get<std::vector<std::string>>();
  if (req.contains("partitions") && !req["partitions"].is_null())
    partitions = int_value<int32_t>(req["partitions"], "partitions", 1, kMaxInt32);
  auto name = server::existing_topic_name(str_at(req, "topic"));
  s.reply(name.ok() ? s.broker().alter_topic(*name, set, unset, partitions) : name.status());
}

void op_list_offsets(Session& s) {
  const json& req = s.request();
  auto topic = TopicName::Parse(str_at(req, "topic"));
  if (!topic.ok()) return s.reply(topic.status());
  server::OffsetQuery query = server::offset_query_from_wire(int_field<int64_t>(req, "timestamp", -1, -2, kMaxInt64));
  server::Broker& broker = s.broker();
  auto count = broker.partition_count(*topic, false);
  if (!count.ok()) return s.reply(count.status());
  json arr = json::array();
  for (int32_t p = 0; p < *count; ++p) {
    auto o = broker.offset_for_time(*topic, PartitionId(p), query);
    auto se = broker.offsets(*topic, PartitionId(p));
    if (!o.ok()) return s.reply(o.status());
    if (!se.ok()) return s.reply(se.status());
    arr.push_back({{"partition", p}, {"offset", o->value()}, {"start", se->start.value()}, {"end", se->end.value()}});
  }
  s.reply(Status::OK(), json{{"partitions", arr}});
}

}  // namespace ks::native
