// ConsumerGroupDescribe (69): groups of the consumer protocol (KIP-848).
// Any other group is GROUP_ID_NOT_FOUND, as in Kafka.
#include "daemon/broker/topic_ids.h"
#include "daemon/kafka/errors.h"
#include "daemon/kafka/handlers/handler.h"
#include "daemon/kafka/messages_consumer_group.h"

namespace ks::kafka {
namespace {

std::vector<CgDescribedPartitions> described(server::Broker& broker, const server::Assignment& a) {
  std::vector<CgDescribedPartitions> out;
  for (const auto& [topic, ps] : a) {
    if (ps.empty()) continue;
    auto id = server::topic_id_of(broker, topic);
    out.push_back({id.value_or(Uuid{}), topic, {ps.begin(), ps.end()}});
  }
  return out;
}

}  // namespace

void handle_consumer_group_describe(Context& cx) {
  ConsumerGroupDescribeRequest req;
  if (!decode_request(cx, &req)) return;
  server::Broker& broker = cx.broker();
  ConsumerGroupDescribeResponse r;
  for (const auto& name : req.group_ids) {
    ConsumerGroupDescribeResponse::Group g;
    g.group_id = name;
    auto info = broker.consumer_groups().describe(name);
    if (!info) {
      g.error_code = kGroupIdNotFound;
      g.error_message = broker.group_registry().live_protocol(name) != nullptr
                            ? "Group " + name + " is not a consumer group."
                            : "Group " + name + " not found.";
      g.state = "Dead";
      r.groups.push_back(std::move(g));
      continue;
    }
    g.state = info->state;
    g.group_epoch = info->group_epoch;
    g.assignment_epoch = info->assignment_epoch;
    g.assignor = info->assignor;
    for (const auto& m : info->members) {
      ConsumerGroupDescribeResponse::Member rm;
      rm.member_id = m.member_id;
      rm.instance_id = m.instance_id;
      rm.rack_id = m.rack_id;
      rm.member_epoch = m.member_epoch;
      rm.client_id = m.client_id;
      rm.client_host = m.client_host;
      rm.topics = m.topics;
      rm.assignment = described(broker, m.assignment);
      rm.target = described(broker, m.target);
      g.members.push_back(std::move(rm));
    }
    r.groups.push_back(std::move(g));
  }
  reply(cx, r);
}

}  // namespace ks::kafka
