// CreatePartitions (37): grows topics; the only replica of a new partition
// is this broker.
#include <set>

#include "daemon/kafka/errors.h"
#include "daemon/kafka/handlers/handler.h"
#include "daemon/kafka/messages_admin.h"

namespace ks::kafka {
namespace {

// The error of growing one topic as asked (validate_only: checks only).
std::pair<int16_t, std::string> grow_one(Context& cx, const CreatePartitionsRequest::Topic& t, bool validate_only) {
  auto name = server::existing_topic_name(t.name);
  if (!name.ok()) return {kUnknownTopicOrPartition, name.status().message()};
  auto count = cx.broker().partition_count(*name, false);
  if (!count.ok()) return {kUnknownTopicOrPartition, count.status().message()};
  // Kafka's order: the count first, then the assignments.
  Status s = cx.broker().grow_topic(*name, t.count, true);
  if (s.ok() && !t.assignments_null) {
    const int64_t adding = static_cast<int64_t>(t.count) - *count;
    if (static_cast<int64_t>(t.assignments.size()) != adding)
      return {kInvalidReplicaAssignment, "adding " + std::to_string(adding) + " partition(s) needs as many assignments, not " +
                                             std::to_string(t.assignments.size())};
    for (const auto& a : t.assignments)
      if (a != std::vector<int32_t>{kNodeId})
        return {kInvalidReplicaAssignment, "this broker (node 1) is the only replica there is: each assignment must be [1]"};
  }
  if (s.ok() && !validate_only) s = cx.broker().grow_topic(*name, t.count, false);
  if (s.ok()) return {kNone, {}};
  // Not more than it has, over the per-topic maximum or the daemon's budget.
  return {s.code() == Code::kInvalidArgument ? int16_t{kInvalidPartitions} : default_error(s), s.message()};
}

}  // namespace

void handle_create_partitions(Context& cx) {
  CreatePartitionsRequest req;
  if (!decode_request(cx, &req)) return;
  std::multiset<std::string> names;
  for (const auto& t : req.topics) names.insert(t.name);
  CreatePartitionsResponse r;
  for (const auto& t : req.topics) {
    CreatePartitionsResponse::Result rt;
    rt.name = t.name;
    if (names.count(t.name) > 1) {
      rt.error_code = kInvalidRequest;
      rt.error_message = "topic '" + t.name + "' is named more than once in the request";
    } else {
      auto [code, message] = grow_one(cx, t, req.validate_only);
      rt.error_code = code;
      if (code != kNone) rt.error_message = std::move(message);
    }
    r.results.push_back(std::move(rt));
  }
  reply(cx, r);
}

}  // namespace ks::kafka
