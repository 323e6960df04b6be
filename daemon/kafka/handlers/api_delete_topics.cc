// DeleteTopics (20).
#include "daemon/kafka/errors.h"
#include "daemon/kafka/handlers/handler.h"

namespace ks::kafka {

void handle_delete_topics(Context& cx) {
  DeleteTopicsRequest req;
  if (!decode_request(cx, &req)) return;
  DeleteTopicsResponse r;
  for (const auto& name : req.names) {
    auto topic = server::existing_topic_name(name);
    Status s = topic.ok() ? cx.broker().delete_topic(*topic) : topic.status();
    r.topics.push_back({name, s.ok() ? int16_t{kNone} : default_error(s)});
  }
  reply(cx, r);
}

}  // namespace ks::kafka
