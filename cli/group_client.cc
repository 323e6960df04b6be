#include "cli/group_client.h"

#include "common/protocol.h"

namespace ks::cli {
namespace {

using nlohmann::json;

json offsets_json(const std::vector<GroupOffset>& offsets) {
  json a = json::array();
  for (const auto& o : offsets)
    a.push_back({{"topic", o.topic}, {"partition", o.partition.value()}, {"offset", o.offset.value()}});
  return a;
}

}  // namespace

GroupOutcome group_outcome(const Status& s) {
  switch (s.code()) {
    case Code::kOk: return GroupOutcome::kOk;
    // A stale generation, or a partition that has a new owner.
    case Code::kRebalanceInProgress: return GroupOutcome::kRebalance;
    case Code::kNotFound: return GroupOutcome::kExpired;
    default: return GroupOutcome::kFailed;
  }
}

bool fetch_refused_by_group(const json& error) {
  const Code code = protocol::error_code_from_name(error.value("code", ""));
  return code == Code::kRebalanceInProgress || code == Code::kNotFound;
}

Result<JoinAnswer> NativeGroupClient::join(const JoinRequest& request) {
  auto r = client_->call({{"op", "join_group"},
                          {"group", request.group},
                          {"topics", request.topics},
                          {"member_id", request.member_id},
                          {"session_timeout_ms", request.session_timeout_ms},
                          {"client_host", request.client_host},
                          {"client_pid", request.client_pid}});
  if (!r.ok()) return r.status();
  JoinAnswer answer;
  answer.member_id = r->header["member_id"].get<std::string>();
  answer.generation = r->header["generation"].get<int32_t>();
  for (const auto& a : r->header["assignment"]) {
    int64_t committed = a["committed"].get<int64_t>();  // -1: none yet
    answer.assignment.push_back({a["topic"].get<std::string>(), PartitionId(a["partition"].get<int32_t>()),
                                 committed >= 0 ? std::optional<Offset>(Offset(committed)) : std::nullopt});
  }
  return answer;
}

Status NativeGroupClient::heartbeat(const MemberIdentity& me) {
  auto r = client_->call(
      {{"op", "heartbeat"}, {"group", me.group}, {"member_id", me.member_id}, {"generation", me.generation}});
  return r.ok() ? Status::OK() : r.status();
}

Status NativeGroupClient::commit(const MemberIdentity& me, const std::vector<GroupOffset>& offsets) {
  auto r = client_->call({{"op", "commit_offsets"},
                          {"group", me.group},
                          {"member_id", me.member_id},
                          {"generation", me.generation},
                          {"offsets", offsets_json(offsets)}});
  return r.ok() ? Status::OK() : r.status();
}

Status NativeGroupClient::leave(const MemberIdentity& me, const std::optional<std::vector<GroupOffset>>& offsets) {
  json req = {{"op", "leave_group"}, {"group", me.group}, {"member_id", me.member_id}};
  if (offsets) req["offsets"] = offsets_json(*offsets);
  auto r = client_->call(std::move(req));
  return r.ok() ? Status::OK() : r.status();
}

Result<std::map<PartitionId, Offset>> NativeGroupClient::committed(const std::string& group,
                                                                   const std::string& topic) {
  auto r = client_->call({{"op", "describe_group"}, {"group", group}});
  if (!r.ok()) return r.status();
  std::map<PartitionId, Offset> out;
  for (const auto& e : r->header["offsets"])
    if (e.value("topic", "") == topic)
      out[PartitionId(e["partition"].get<int32_t>())] = Offset(e["committed"].get<int64_t>());
  return out;
}

}  // namespace ks::cli
