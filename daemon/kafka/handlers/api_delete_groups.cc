// DeleteGroups (42): a group without live members goes, with its committed
// offsets (durable as meta.db is before the answer).
#include "daemon/kafka/errors.h"
#include "daemon/kafka/handlers/handler.h"
#include "daemon/kafka/messages_admin.h"

namespace ks::kafka {

void handle_delete_groups(Context& cx) {
  DeleteGroupsRequest req;
  if (!decode_request(cx, &req)) return;
  DeleteGroupsResponse r;
  for (const auto& group : req.groups) {
    int16_t code = kNone;
    if (group.empty()) {
      code = kInvalidGroupId;
    } else if (Status s = cx.broker().group_registry().remove(group); s.code() == Code::kGroupInUse) {
      code = kNonEmptyGroup;
    } else if (!s.ok()) {
      // Not stored, or a name meta.db could not have stored.
      code = s.code() == Code::kNotFound || s.code() == Code::kInvalidArgument ? int16_t{kGroupIdNotFound}
                                                                               : default_error(s);
    }
    r.results.push_back({group, code});
  }
  reply(cx, r);
}

}  // namespace ks::kafka
