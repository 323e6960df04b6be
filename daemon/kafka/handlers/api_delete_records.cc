// DeleteRecords (21): moves partitions' log start offsets; the answer waits
// until every new start is on disk.
#include <memory>

#include "daemon/kafka/errors.h"
#include "daemon/kafka/handlers/handler.h"
#include "daemon/kafka/messages_admin.h"

namespace ks::kafka {
namespace {

// The answer being filled in, sent when the last partition is done.
struct Pending {
  DeleteRecordsResponse response;
  std::function<void(DeleteRecordsResponse&)> answer;
  size_t waiting = 0;
  void done_one() {
    if (--waiting == 0) answer(response);
  }
};

}  // namespace

void handle_delete_records(Context& cx) {
  DeleteRecordsRequest req;
  if (!decode_request(cx, &req)) return;
  auto pending = std::make_shared<Pending>();
  pending->answer = later<DeleteRecordsResponse>(cx);
  pending->waiting = 1;  // this loop's own share, so no answer goes out before it ends
  auto& topics = pending->response.topics;
  topics.resize(req.topics.size());
  for (size_t i = 0; i < req.topics.size(); ++i) {
    const auto& t = req.topics[i];
    topics[i].name = t.name;
    topics[i].partitions.resize(t.partitions.size());
    auto name = server::existing_topic_name(t.name);
    for (size_t j = 0; j < t.partitions.size(); ++j) {
      auto& rp = topics[i].partitions[j];
      rp.index = t.partitions[j].index;
      if (!name.ok()) {
        rp.error_code = kUnknownTopicOrPartition;
        continue;
      }
      ++pending->waiting;
      cx.broker().delete_records(*name, PartitionId(rp.index), t.partitions[j].offset,
                                 [pending, i, j](Result<Offset> start) {
                                   auto& p = pending->response.topics[i].partitions[j];
                                   if (start.ok()) p.low_watermark = start->value();
                                   else p.error_code = default_error(start.status());
                                   pending->done_one();
                                 });
    }
  }
  pending->done_one();
}

}  // namespace ks::kafka
