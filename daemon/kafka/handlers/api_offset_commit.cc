// OffsetCommit (8).
#include "daemon/kafka/errors.h"
#include "daemon/kafka/handlers/handler.h"

namespace ks::kafka {

void handle_offset_commit(Context& cx) {
  OffsetCommitRequest req;
  if (!decode_request(cx, &req)) return;
  std::vector<server::KafkaCommitEntry> entries;
  for (const auto& t : req.topics)
    for (const auto& p : t.partitions) entries.push_back({t.name, p.index, p.offset, p.metadata.value_or(""), p.leader_epoch});
  // v0 carries no generation or member: a simple consumer.
  int32_t generation = cx.version() >= 1 ? req.generation_id : -1;
  server::Broker& broker = cx.broker();
  std::vector<int16_t> errors;
  // A member of a consumer-protocol group (KIP-848) sends its member epoch
  // where the classic protocol has the generation.
  auto consumer = broker.consumer_groups().check_commit(req.group_id, req.member_id, generation);
  if (consumer && *consumer != kNone)
    errors.assign(entries.size(), *consumer);
  else if (consumer)
    errors = broker.kafka_groups().store_offsets(req.group_id, entries, broker.now_ms());
  else if (int16_t fenced = broker.kafka_groups().check_instance(req.group_id, req.group_instance_id, req.member_id))
    errors.assign(entries.size(), fenced);
  else
    errors = broker.kafka_groups().commit(req.group_id, generation, req.member_id, entries, broker.now_ms());
  OffsetCommitResponse r;
  size_t i = 0;
  for (const auto& t : req.topics) {
    OffsetCommitResponse::Topic rt{t.name, {}};
    for (const auto& p : t.partitions) {
      rt.partitions.push_back({p.index, i < errors.size() ? errors[i] : int16_t{kUnknownServerError}});
      ++i;
    }
    r.topics.push_back(std::move(rt));
  }
  reply(cx, r);
}

}  // namespace ks::kafka
