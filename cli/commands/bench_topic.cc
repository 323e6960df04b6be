#include "cli/commands/bench_topic.h"

#include <unistd.h>

#include <algorithm>
#include <ctime>

#include "cli/context.h"
#include "cli/output.h"

namespace ks::cli::bench {

Result<TopicInfo> describe_topic(Client* client, const std::string& name) {
  auto r = client->call({{"op", "topics"}, {"topics", {name}}, {"detail", true}});
  if (!r.ok()) return r.status();
  const auto& t = r->header["topics"][0];
  TopicInfo info;
  info.name = name;
  info.partitions = t["partitions"].get<int32_t>();
  if (t["configs"].contains("max.message.bytes"))
    info.max_message = std::stoll(t["configs"]["max.message.bytes"].get<std::string>());
  for (const auto& p : t["partition_info"])
    info.spans.push_back({PartitionId(p["partition"].get<int32_t>()), Offset(p["start"].get<int64_t>()),
                          Offset(p["end"].get<int64_t>())});
  return info;
}

Status create_topic(Client* client, const std::string& name, int32_t partitions) {
  auto r = client->call({{"op", "create_topic"}, {"topic", name}, {"partitions", partitions}});
  return r.ok() ? Status::OK() : r.status();
}

void cap_spans(std::vector<PartitionSpan>* spans, int64_t cap) {
  std::vector<PartitionSpan*> by_length;
  for (auto& s : *spans) by_length.push_back(&s);
  std::sort(by_length.begin(), by_length.end(),
            [](const PartitionSpan* a, const PartitionSpan* b) { return a->length() < b->length(); });
  int64_t left = cap;
  for (size_t i = 0; i < by_length.size(); ++i) {
    auto n = static_cast<int64_t>(by_length.size() - i);
    int64_t share = left / n + (left % n != 0 ? 1 : 0);
    PartitionSpan* s = by_length[i];
    int64_t take = std::min(s->length(), share);
    s->end = s->start + take;
    left -= take;
  }
}

void TempTopic::drop() {
  if (name_.empty() || keep_) return;
  // A fresh connection: the run's own may be cut mid-frame by Ctrl-C.
  // Never one that starts a daemon: the topic went with the old one.
  ConnectOptions c = global_options().connect_options();
  c.autostart = false;
  Status s;
  auto client = Client::Connect(c);
  if (!client.ok()) {
    s = client.status();
  } else {
    auto r = (*client)->call({{"op", "delete_topic"}, {"topic", name_}});
    if (!r.ok()) s = r.status();
  }
  if (!s.ok() && s.code() != Code::kNotFound)
    print_warning("could not delete the benchmark topic " + name_ + ": " + s.message() + " (`ks topic delete " +
                  name_ + "`)");
  name_.clear();
}

Result<BenchTopic> open_topic(Client* client, const BenchOptions& o, TempTopic* temp) {
  const int32_t partitions = o.mode == Mode::kE2e ? 1 : o.partitions;
  BenchTopic t;
  t.fresh = o.topic.empty();
  std::string name = o.topic;
  if (t.fresh) {
    name = "bench-" + std::to_string(::getpid()) + "-" + std::to_string(std::time(nullptr));
    KS_RETURN_IF_ERROR(create_topic(client, name, partitions));
    temp->set(name, o.keep);
  }
  auto info = describe_topic(client, name);
  if (!info.ok() && info.status().code() == Code::kNotFound && o.mode != Mode::kConsume) {
    KS_RETURN_IF_ERROR(create_topic(client, name, partitions));
    info = describe_topic(client, name);
  }
  if (!info.ok()) return info.status();
  t.info = std::move(*info);
  return t;
}

}  // namespace ks::cli::bench
