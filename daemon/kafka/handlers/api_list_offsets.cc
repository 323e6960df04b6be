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
    for (const auto& p : t.partitions) {
      ListOffsetsResponse::Partition rp;
      rp.index = p.index;
      auto o = broker.offset_for_time(t.name, p.index, p.timestamp);
      auto se = broker.offsets(t.name, p.index);
      if (!o.ok() || !se.ok()) {
        rp.error_code = error_of(o.ok() ? se.status() : o.status());
      } else if (p.timestamp >= 0 && *o >= se->end) {
        // No record at or after that time: Kafka answers -1.
        rp.offset = -1;
        rp.timestamp = -1;
      } else {
        rp.offset = *o;
        rp.timestamp = -1;
      }
      if (cx.version() == 0 && rp.error_code == kNone)
        rp.old_style_offsets.push_back(rp.offset >= 0 ? rp.offset : se->end);
      rp.leader_epoch = 0;
      rt.partitions.push_back(std::move(rp));
    }
    r.topics.push_back(std::move(rt));
  }
  reply(cx, r);
}

}  // namespace ks::kafka
