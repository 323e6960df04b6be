// OffsetFetch (9): committed offsets of the partitions asked for, or all.
#include <map>

#include "daemon/kafka/errors.h"
#include "daemon/kafka/handlers/handler.h"

namespace ks::kafka {
namespace {

// Every partition asked for, with `error`.
OffsetFetchResponse failed(const OffsetFetchRequest& req, int16_t error) {
  OffsetFetchResponse r;
  r.error_code = error;
  for (const auto& t : req.topics) {
    OffsetFetchResponse::Topic rt{t.name, {}};
    for (int32_t p : t.partitions) {
      OffsetFetchResponse::Partition rp;
      rp.index = p;
      rp.metadata = "";
      rp.error_code = error;
      rt.partitions.push_back(rp);
    }
    r.topics.push_back(std::move(rt));
  }
  return r;
}

}  // namespace

void handle_offset_fetch(Context& cx) {
  OffsetFetchRequest req;
  if (!decode_request(cx, &req)) return;
  std::vector<std::pair<std::string, int32_t>> tps;
  for (const auto& t : req.topics)
    for (int32_t p : t.partitions) tps.emplace_back(t.name, p);
  auto got = cx.broker().kafka_groups().fetch_offsets(req.group_id, tps, req.all_topics);
  if (!got.ok()) {
    OffsetFetchResponse r = failed(req, kCoordinatorNotAvailable);
    return reply(cx, r);
  }
  OffsetFetchResponse r;
  std::map<std::string, size_t> index;
  for (const auto& o : *got) {
    auto [it, fresh] = index.try_emplace(o.topic, r.topics.size());
    if (fresh) r.topics.push_back({o.topic, {}});
    OffsetFetchResponse::Partition rp;
    rp.index = o.partition;
    rp.offset = o.offset;
    rp.metadata = o.metadata;
    rp.leader_epoch = o.leader_epoch;
    rp.error_code = o.error;
    r.topics[it->second].partitions.push_back(rp);
  }
  reply(cx, r);
}

}  // namespace ks::kafka
