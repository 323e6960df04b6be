// ListOffsets (2): the start (-2, and -4: ks keeps every record local), the
// end (-1), the record with the largest timestamp (-3), the first record
// at or after a time, or the last tiered offset (-5: none, ks has no
// tiered storage). Found records come with their timestamps; the edges
// with -1, as Kafka answers.
#include "daemon/kafka/errors.h"
#include "daemon/kafka/handlers/handler.h"

namespace ks::kafka {
namespace {

constexpr int64_t kLatestTiered = -5;

ListOffsetsResponse::Partition list_one(Context& cx, const Result<TopicName>& topic,
                                        const ListOffsetsRequest::Partition& p) {
  ListOffsetsResponse::Partition rp;
  rp.index = p.index;
  if (!topic.ok()) {
    rp.error_code = default_error(topic.status());
    return rp;
  }
  server::Broker& broker = cx.broker();
  const PartitionId partition(p.index);
  auto se = broker.offsets(*topic, partition);
  if (!se.ok()) {
    rp.error_code = default_error(se.status());
    return rp;
  }
  if (p.timestamp == kLatestTiered) return rp;  // offset -1, epoch -1
  auto listed = broker.list_offset(*topic, partition, server::offset_query_from_wire(p.timestamp));
  if (!listed.ok()) {
    rp.error_code = default_error(listed.status());
    return rp;
  }
  if (listed->offset) {
    rp.offset = listed->offset->value();
    rp.timestamp = listed->timestamp;
    rp.leader_epoch = 0;
  }
  // v0 lists offsets; no match there means the end, as Kafka 2 answered.
  if (cx.version() == 0) rp.old_style_offsets.push_back(rp.offset >= 0 ? rp.offset : se->end.value());
  return rp;
}

}  // namespace

void handle_list_offsets(Context& cx) {
  ListOffsetsRequest req;
  if (!decode_request(cx, &req)) return;
  ListOffsetsResponse r;
  for (const auto& t : req.topics) {
    ListOffsetsResponse::Topic rt;
    rt.name = t.name;
    auto topic = server::existing_topic_name(t.name);
    for (const auto& p : t.partitions) rt.partitions.push_back(list_one(cx, topic, p));
    r.topics.push_back(std::move(rt));
  }
  reply(cx, r);
}

}  // namespace ks::kafka
