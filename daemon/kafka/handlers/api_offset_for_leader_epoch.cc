// OffsetForLeaderEpoch (23): ks has one leader epoch, 0, for ever (Metadata,
// Fetch and the stamped batches all say 0), so the answer is Kafka's for a
// log whose epoch cache holds only (0, log start).
#include "daemon/kafka/errors.h"
#include "daemon/kafka/handlers/handler.h"
#include "daemon/kafka/messages_admin.h"

namespace ks::kafka {
namespace {

constexpr int32_t kEpoch = 0;
constexpr int16_t kFencedLeaderEpoch = 74;
constexpr int16_t kUnknownLeaderEpoch = 75;

void end_for_epoch(Context& cx, const Result<TopicName>& topic, const OffsetForLeaderEpochRequest::Partition& p,
                   OffsetForLeaderEpochResponse::Partition& rp) {
  rp.partition = p.partition;
  auto se = topic.ok() ? cx.broker().offsets(*topic, PartitionId(p.partition))
                       : Result<server::Broker::Offsets>(topic.status());
  if (!se.ok()) {
    rp.error_code = kUnknownTopicOrPartition;
    return;
  }
  // The client's idea of the current epoch (v2+; -1: not checked).
  if (p.current_leader_epoch > kEpoch) return void(rp.error_code = kUnknownLeaderEpoch);
  if (p.current_leader_epoch >= 0 && p.current_leader_epoch < kEpoch) return void(rp.error_code = kFencedLeaderEpoch);
  if (p.leader_epoch == kEpoch) {
    rp.leader_epoch = kEpoch;
    rp.end_offset = se->end.value();
  } else if (p.leader_epoch < -1) {
    // Older than any epoch: the first epoch's start offset, as Kafka does.
    rp.leader_epoch = p.leader_epoch;
    rp.end_offset = se->start.value();
  }
  // -1 (undefined) or an epoch ahead of 0: UNDEFINED_EPOCH, UNDEFINED_EPOCH_OFFSET.
}

}  // namespace

void handle_offset_for_leader_epoch(Context& cx) {
  OffsetForLeaderEpochRequest req;
  if (!decode_request(cx, &req)) return;
  OffsetForLeaderEpochResponse r;
  for (const auto& t : req.topics) {
    OffsetForLeaderEpochResponse::Topic rt;
    rt.name = t.name;
    auto topic = server::existing_topic_name(t.name);
    for (const auto& p : t.partitions) end_for_epoch(cx, topic, p, rt.partitions.emplace_back());
    r.topics.push_back(std::move(rt));
  }
  reply(cx, r);
}

}  // namespace ks::kafka
