// ListOffsets (2): the offset of a time, or the start (-2) or end (-1).
#include "daemon/kafka/errors.h"
#include "daemon/kafka/handlers/handler.h"

namespace ks::kafka {

void handle_list_offsets(Context& cx) {
  ListOffsetsRequest req;
  if (!decode_request(cx, &req)) return;
  server::Broker& broker = cx.broker();
  ListOffsetsResponse r;
  for (const auto& t : req.topics) {
    ListOffsetsResponse::Topic rt;
    rt.name = t.name;
    auto topic = server::existing_topic_name(t.name);
    for (const auto& p : t.partitions) {
      ListOffsetsResponse::Partition rp;
      rp.index = p.index;
      auto o = topic.ok() ? broker.offset_for_time(*topic, PartitionId(p.index), server::offset_query_from_wire(p.timestamp))
                          : Result<Offset>(topic.status());
      auto se = topic.ok() ? broker.offsets(*topic, PartitionId(p.index)) : Result<server::Broker::Offsets>(topic.status());
      if (!o.ok() || !se.ok()) {
        rp.error_code = default_error(o.ok() ? se.status() : o.status());
      } else if (p.timestamp >= 0 && *o >= se->end) {
        // No record at or after that time: Kafka answers -1.
        rp.offset = -1;
        rp.timestamp = -1;
      } else {
        rp.offset = o->value();
        rp.timestamp = -1;
      }
      if (cx.version() == 0 && rp.error_code == kNone)
        rp.old_style_offsets.push_back(rp.offset >= 0 ? rp.offset : se->end.value());
      rp.leader_epoch = 0;
      rt.partitions.push_back(std::move(rp));
    }
    r.topics.push_back(std::move(rt));
  }
  reply(cx, r);
}

}  // namespace ks::kafka
