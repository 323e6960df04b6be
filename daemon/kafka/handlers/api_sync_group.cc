// SyncGroup (14): the leader's assignment, answered once it is known.
#include "daemon/kafka/errors.h"
#include "daemon/kafka/handlers/handler.h"

namespace ks::kafka {

void handle_sync_group(Context& cx) {
  SyncGroupRequest req;
  if (!decode_request(cx, &req)) return;
  std::vector<std::pair<std::string, std::string>> assignments;
  for (auto& a : req.assignments) assignments.emplace_back(std::move(a.member_id), std::move(a.assignment));
  auto answer = later<SyncGroupResponse>(cx);
  server::Broker& broker = cx.broker();
  if (int16_t fenced = broker.kafka_groups().check_instance(req.group_id, req.group_instance_id, req.member_id)) {
    SyncGroupResponse r;
    r.error_code = fenced;
    return answer(r);
  }
  broker.kafka_groups().sync(req.group_id, req.generation_id, req.member_id, assignments, broker.now_ms(),
                             [answer](const server::KafkaSyncResult& res) {
                               SyncGroupResponse r;
                               r.error_code = res.error;
                               r.assignment = res.assignment;
                               answer(r);
                             });
}

}  // namespace ks::kafka
