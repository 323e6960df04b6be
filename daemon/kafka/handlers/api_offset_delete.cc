// OffsetDelete (47): removes a group's committed offsets of some
// partitions, except of topics its live members subscribe to.
#include "daemon/kafka/errors.h"
#include "daemon/kafka/handlers/handler.h"
#include "daemon/kafka/messages_admin.h"

namespace ks::kafka {
namespace {

constexpr int16_t kGroupSubscribedToTopic = 86;

}  // namespace

void handle_offset_delete(Context& cx) {
  OffsetDeleteRequest req;
  if (!decode_request(cx, &req)) return;
  server::GroupRegistry& groups = cx.broker().group_registry();
  OffsetDeleteResponse r;
  if (req.group.empty()) {
    r.error_code = kInvalidGroupId;
    return reply(cx, r);
  }
  auto exists = groups.exists(req.group);
  if (!exists.ok() || !*exists) {
    r.error_code = exists.ok() ? int16_t{kGroupIdNotFound} : default_error(exists.status());
    return reply(cx, r);
  }
  const std::set<std::string> subscribed = groups.subscribed_topics(req.group);
  std::vector<server::TopicPartition> removing;
  for (const auto& t : req.topics) {
    OffsetDeleteResponse::Topic rt;
    rt.name = t.name;
    const bool refused = subscribed.count(t.name) != 0;
    for (int32_t p : t.partitions) {
      rt.partitions.push_back({p, refused ? kGroupSubscribedToTopic : int16_t{kNone}});
      if (!refused) removing.push_back({t.name, p});
    }
    r.topics.push_back(std::move(rt));
  }
  if (Status s = groups.delete_offsets(req.group, removing); !s.ok()) {
    r.error_code = default_error(s);
    r.topics.clear();
  }
  reply(cx, r);
}

}  // namespace ks::kafka
