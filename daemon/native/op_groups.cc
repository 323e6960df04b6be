// Group ops of native consumers and of the group admin commands:
// join_group, heartbeat, commit_offsets, leave_group, reset_offsets,
// delete_group, describe_group, list_groups.
#include "daemon/native/fields.h"
#include "daemon/native/ops.h"

namespace ks::native {
namespace {

std::vector<server::OffsetEntry> offsets_of(const json& req) {
  std::vector<server::OffsetEntry> offsets;
  if (req.contains("offsets"))
    for (const auto& o : req["offsets"])
      offsets.push_back({{str_at(o, "topic"), int_at<int32_t>(o, "partition", 0, kMaxInt32)},
                         Offset(int_at<int64_t>(o, "offset"))});
  return offsets;
}

json member_json(const server::MemberInfo& m) {
  json a = json::array();
  for (const auto& tp : m.owned) a.push_back({{"topic", tp.topic}, {"partition", tp.partition}});
  json member{{"member_id", m.id}, {"host", m.host}, {"pid", m.pid}, {"topics", m.topics}, {"assignment", a}};
  if (!m.client_id.empty()) member["client_id"] = m.client_id;
  return member;
}

json group_json(const server::GroupInfo& gi) {
  json members = json::array();
  for (const auto& m : gi.members) members.push_back(member_json(m));
  json offsets = json::array();
  for (const auto& o : gi.offsets)
    offsets.push_back({{"topic", o.tp.topic}, {"partition", o.tp.partition},
                       {"committed", o.committed ? o.committed->value() : -1}, {"end", o.end.value()},
                       {"lag", o.lag}, {"owner", o.owner}});
  return json{{"group", gi.name}, {"state", gi.state}, {"protocol", gi.protocol},
              {"generation", gi.generation}, {"members", members},
              {"offsets", offsets}, {"topics", gi.topics}, {"lag", gi.lag}};
}

}  // namespace

void op_join_group(Session& s) {
  const json& req = s.request();
  server::JoinRequest jr;
  jr.group = str_at(req, "group");
  jr.topics = req.at("topics").get<std::vector<std::string>>();
  jr.member_id = req.value("member_id", "");
  jr.session_timeout_ms = int_field<int64_t>(req, "session_timeout_ms", 10000, 0, kMaxInt64);
  jr.host = req.value("client_host", "");
  jr.pid = int_field<int64_t>(req, "client_pid", 0, 0, kMaxInt64);
  jr.connection = s.connection_id();
  auto r = s.broker().groups().join(jr, s.broker().now_ms());
  if (!r.ok()) return s.reply(r.status());
  json a = json::array();
  for (const auto& x : r->assignment)
    a.push_back({{"topic", x.tp.topic}, {"partition", x.tp.partition},
                 {"committed", x.committed ? x.committed->value() : -1}});
  s.reply(Status::OK(), json{{"member_id", r->member_id}, {"generation", r->generation}, {"assignment", a}});
}

void op_heartbeat(Session& s) {
  const json& req = s.request();
  s.reply(s.broker().groups().check(str_at(req, "group"), str_at(req, "member_id"),
                                    int_at<int32_t>(req, "generation"), s.broker().now_ms()));
}

void op_commit_offsets(Session& s) {
  const json& req = s.request();
  s.reply(s.broker().groups().commit(str_at(req, "group"), req.value("member_id", ""), offsets_of(req),
                                     s.broker().now_ms()));
}

void op_leave_group(Session& s) {
  const json& req = s.request();
  s.reply(s.broker().groups().leave(str_at(req, "group"), str_at(req, "member_id"), offsets_of(req),
                                    s.broker().now_ms()));
}

void op_reset_offsets(Session& s) {
  const json& req = s.request();
  s.reply(s.broker().group_registry().reset(str_at(req, "group"), offsets_of(req), s.broker().now_ms()));
}

void op_delete_group(Session& s) { s.reply(s.broker().group_registry().remove(str_at(s.request(), "group"))); }

void op_describe_group(Session& s) {
  auto d = s.broker().group_registry().describe(str_at(s.request(), "group"));
  if (!d.ok()) return s.reply(d.status());
  s.reply(Status::OK(), group_json(*d));
}

void op_list_groups(Session& s) {
  auto l = s.broker().group_registry().list();
  if (!l.ok()) return s.reply(l.status());
  json arr = json::array();
  for (const auto& gi : *l)
    arr.push_back({{"group", gi.name}, {"state", gi.state}, {"protocol", gi.protocol}, {"members", gi.members.size()},
                   {"topics", gi.topics}, {"lag", gi.lag}});
  s.reply(Status::OK(), json{{"groups", arr}});
}

}  // namespace ks::native
