// ListGroups (16).
#include "daemon/kafka/handlers/handler.h"

namespace ks::kafka {

void handle_list_groups(Context& cx) {
  ListGroupsRequest req;
  if (!decode_request(cx, &req)) return;
  ListGroupsResponse r;
  for (auto& [name, type] : cx.broker().kafka_groups().list()) r.groups.push_back({name, type});
  reply(cx, r);
}

}  // namespace ks::kafka
