// OffsetCommit (8).
#include "daemon/kafka/errors.h"
#include "daemon/kafka/handlers/handler.h"

namespace ks::kafka {

void handle_offset_commit(Context& cx) {
  OffsetCommitRequest req;
  if (!decode_request(cx, &req)) return;
  std::vector<server::KafkaCommitEntry> entries;
  for (const auto& t : req.topics)
    for (const auto& p : t.partitions) entries.push_back({t.name, p.index, p.offset, p.metadata.value_or("")});
  // v0 carries no generation or member: a simple consumer.
  int32_t generation = cx.version() >= 1 ? req.generation_id : -1;
  server::Broker& broker = cx.broker();
  auto errors = broker.kafka_groups().commit(req.group_id, generation, req.member_id, entries, broker.now_ms());
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
