// DescribeGroups (15).
#include "daemon/kafka/errors.h"
#include "daemon/kafka/handlers/handler.h"

namespace ks::kafka {

void handle_describe_groups(Context& cx) {
  DescribeGroupsRequest req;
  if (!decode_request(cx, &req)) return;
  DescribeGroupsResponse r;
  for (const auto& g : req.groups) {
    server::KafkaGroupInfo info = cx.broker().kafka_groups().describe(g);
    DescribeGroupsResponse::Group rg;
    rg.error_code = info.error;
    if (cx.version() >= 6 && !info.not_found.empty()) {
      // Before v6 Kafka answers such a group as Dead, without an error.
      rg.error_code = kGroupIdNotFound;
      rg.error_message = info.not_found;
    }
    rg.group_id = g;
    rg.state = info.state;
    rg.protocol_type = info.protocol_type;
    rg.protocol_data = info.protocol;
    for (auto& m : info.members)
      rg.members.push_back({m.member_id, m.instance_id, m.client_id, m.client_host, m.metadata, m.assignment});
    r.groups.push_back(std::move(rg));
  }
  reply(cx, r);
}

}  // namespace ks::kafka
