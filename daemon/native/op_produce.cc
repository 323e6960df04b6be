// produce {topic, partition, acks, auto_create} + record batches.
#include "daemon/native/fields.h"
#include "daemon/native/ops.h"
#include "daemon/broker/logging.h"

namespace ks::native {

void op_produce(Session& s) {
  const json& req = s.request();
  const std::string topic = str_at(req, "topic");
  int32_t partition = int_field<int32_t>(req, "partition", 0, 0, kMaxInt32);
  int acks = int_field<int32_t>(req, "acks", 1, -1, 1);
  bool auto_create = req.value("auto_create", true);
  if (acks == 0) s.silent();
  uint64_t id = s.id();
  server::Broker::ProduceDone done = [answer = s.answer_later(), id, acks, topic,
                                      partition](Result<storage::AppendResult> r) {
    if (!r.ok() && acks == 0)
      server::log_warn("acks=0 produce to %s-%d failed: %s", topic.c_str(), partition, r.status().to_string().c_str());
    if (!r.ok()) return answer(error_frame(id, r.status()));
    answer(frame_of(json{{"id", id}, {"base_offset", r->base_offset.value()}, {"last_offset", r->last_offset.value()}}));
  };
  auto name = TopicName::Parse(topic);
  if (!name.ok()) return done(name.status());
  s.broker().produce(*name, PartitionId(partition), static_cast<server::Acks>(acks), auto_create, s.payload(),
                     s.payload_size(), std::move(done));
}

}  // namespace ks::native
