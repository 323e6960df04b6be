#include "daemon/broker/broker.h"
#include "daemon/broker/test_home.h"
#include "daemon/broker/test_names.h"

#include <doctest/doctest.h>
#include <stdlib.h>

#include <deque>

#include "common/record_batch.h"
#include "daemon/storage/file.h"

using namespace ks;
using namespace ks::server;

namespace {

// Runs work when told to, so tests decide when an fsync "finishes".
class ManualExecutor final : public Executor {
 public:
  void run(std::function<Status()> work, std::function<void(Status)> done) override {
    queue_.emplace_back(std::move(work), std::move(done));
  }
  void run_all() {
    while (!queue_.empty()) {
      auto [work, done] = std::move(queue_.front());
      queue_.pop_front();
      done(work());
    }
  }
  size_t pending() const { return queue_.size(); }

 private:
  std::deque<std::pair<std::function<Status()>, std::function<void(Status)>>> queue_;
};

using Home = TempHome;

std::string batch_of(int n) {
  batch::BatchBuilder b;
  for (int i = 0; i < n; ++i) {
    std::string v = "v" + std::to_string(i);
    b.add(std::nullopt, std::string_view(v), 1000 + i);
  }
  return b.take();
}

std::unique_ptr<Broker> open(const Home& h, Executor* ex, bool auto_create = true) {
  BrokerOptions o;
  o.home = h.path;
  o.auto_create = auto_create;
  o.default_partitions = 3;
  auto b = Broker::Open(o, ex);
  REQUIRE_MESSAGE(b.ok(), b.status().to_string());
  return std::move(*b);
}

}  // namespace

TEST_CASE("produce with acks=all is answered only after the flush") {
  Home h;
  ManualExecutor ex;
  auto b = open(h, &ex);
  REQUIRE(b->create_topic(tn("t"), 2, {}).ok());
  std::string data = batch_of(5);
  int answered = 0;
  b->produce(tn("t"), PartitionId(1), Acks::kAll, false, data.data(), data.size(), [&](Result<storage::AppendResult> r) {
    REQUIRE(r.ok());
    CHECK(r->base_offset == Offset(0));
    ++answered;
  });
  CHECK(answered == 0);
  CHECK(ex.pending() == 1);
  std::string more = batch_of(3);
  b->produce(tn("t"), PartitionId(1), Acks::kAll, false, more.data(), more.size(), [&](Result<storage::AppendResult> r) {
    REQUIRE(r.ok());
    CHECK(r->base_offset == Offset(5));
    ++answered;
  });
  CHECK(ex.pending() == 1);  // rides on the next flush
  ex.run_all();
  CHECK(answered == 2);
  CHECK(b->offsets(tn("t"), PartitionId(1))->end == Offset(8));
  CHECK(b->offsets(tn("t"), PartitionId(0))->end == Offset(0));
}

TEST_CASE("acks=1 answers at once, or after the metadata sync when it created the topic, missing topics are created only when allowed") {
  Home h;
  ManualExecutor ex;
  auto b = open(h, &ex, /*auto_create=*/false);
  std::string data = batch_of(2);
  Status st;
  b->produce(tn("nope"), PartitionId(0), Acks::kLeader, true, data.data(), data.size(),
             [&](Result<storage::AppendResult> r) { st = r.status(); });
  CHECK(st.code() == Code::kNotFound);
  CHECK(b->topic_count() == 0);
  CHECK_FALSE(storage::path_exists(h.path + "/data/nope-0"));

  auto b2 = open(h, &ex, true);
  b.reset();
  bool ok = false;
  b2->produce(tn("auto"), PartitionId(2), Acks::kLeader, true, data.data(), data.size(),
              [&](Result<storage::AppendResult> r) { ok = r.ok(); });
  CHECK_FALSE(ok);  // the answer says the topic exists: it waits for its row's sync
  CHECK(ex.pending() == 1);
  ex.run_all();
  CHECK(ok);
  CHECK(b2->partition_count(tn("auto"), false).value() == 3);  // the daemon's default
}

TEST_CASE("invalid names and partitions are refused before touching disk") {
  Home h;
  ManualExecutor ex;
  auto b = open(h, &ex);
  for (std::string bad : std::vector<std::string>{"", ".", "..", "a/b", "../x", std::string(250, 'a'), "sp ace"})
    CHECK(TopicName::Parse(bad).status().code() == Code::kInvalidArgument);  // no TopicName, no create_topic
  CHECK(b->create_topic(tn("ok"), 0, {}).code() == Code::kInvalidArgument);
  CHECK(b->create_topic(tn("ok"), 1, {{"bogus", "1"}}).code() == Code::kInvalidArgument);
  auto names = storage::list_dir(h.path + "/data");
  REQUIRE(names.ok());
  CHECK(names->empty());
  CHECK(b->create_topic(tn("ok"), 1, {}).ok());
  CHECK(b->create_topic(tn("ok"), 1, {}).code() == Code::kAlreadyExists);
}

TEST_CASE("a watcher is woken by the next append, once") {
  Home h;
  ManualExecutor ex;
  auto b = open(h, &ex);
  REQUIRE(b->create_topic(tn("t"), 1, {}).ok());
  int woken = 0;
  uint64_t id = b->watch(tn("t"), PartitionId(0), [&] { ++woken; });
  (void)id;
  std::string data = batch_of(1);
  b->produce(tn("t"), PartitionId(0), Acks::kLeader, false, data.data(), data.size(), [](Result<storage::AppendResult>) {});
  CHECK(woken == 1);
  data = batch_of(1);
  b->produce(tn("t"), PartitionId(0), Acks::kLeader, false, data.data(), data.size(), [](Result<storage::AppendResult>) {});
  CHECK(woken == 1);
  uint64_t id2 = b->watch(tn("t"), PartitionId(0), [&] { ++woken; });
  b->unwatch(id2);
  data = batch_of(1);
  b->produce(tn("t"), PartitionId(0), Acks::kLeader, false, data.data(), data.size(), [](Result<storage::AppendResult>) {});
  CHECK(woken == 1);
}

TEST_CASE("the producer is answered before parked readers wake (acks 1), and after them (acks all: the fsync)") {
  Home h;
  ManualExecutor ex;
  auto b = open(h, &ex);
  REQUIRE(b->create_topic(tn("t"), 1, {}).ok());
  std::vector<std::string> order;
  (void)b->watch(tn("t"), PartitionId(0), [&] { order.push_back("reader"); });
  std::string data = batch_of(1);
  b->produce(tn("t"), PartitionId(0), Acks::kLeader, false, data.data(), data.size(),
             [&](Result<storage::AppendResult>) { order.push_back("producer"); });
  CHECK(order == std::vector<std::string>{"producer", "reader"});
  order.clear();
  (void)b->watch(tn("t"), PartitionId(0), [&] { order.push_back("reader"); });
  data = batch_of(1);
  b->produce(tn("t"), PartitionId(0), Acks::kAll, false, data.data(), data.size(),
             [&](Result<storage::AppendResult>) { order.push_back("producer"); });
  ex.run_all();
  CHECK(order == std::vector<std::string>{"reader", "producer"});
}

TEST_CASE("topics, configs and data survive a restart, deleted topics do not") {
  Home h;
  ManualExecutor ex;
  {
    auto b = open(h, &ex);
    REQUIRE(b->create_topic(tn("keep"), 2, {{"retention.ms", "5000"}}).ok());
    REQUIRE(b->create_topic(tn("drop"), 1, {}).ok());
    std::string data = batch_of(4);
    b->produce(tn("keep"), PartitionId(1), Acks::kLeader, false, data.data(), data.size(), [](Result<storage::AppendResult>) {});
    REQUIRE(b->alter_topic(tn("keep"), {{"segment.ms", "1000"}}, {"retention.ms"}, 4).ok());
    REQUIRE(b->delete_topic(tn("drop")).ok());
    ex.run_all();
    REQUIRE(b->close().ok());
  }
  auto b = open(h, &ex);
  auto t = b->topics({}, true);
  REQUIRE(t.ok());
  REQUIRE(t->size() == 1);
  CHECK((*t)[0].name.str() == "keep");
  CHECK((*t)[0].partitions == 4);
  CHECK((*t)[0].configs == ConfigMap{{"segment.ms", "1000"}});
  CHECK((*t)[0].partition_info[1].end == Offset(4));
  CHECK(b->topics({tn("drop")}, false).status().code() == Code::kNotFound);
  CHECK_FALSE(storage::path_exists(h.path + "/data/drop-0"));
  CHECK(b->alter_topic(tn("keep"), {}, {}, 2).code() == Code::kInvalidArgument);
}

TEST_CASE("a lost or emptied meta.db next to partitions with records is refused, not a fresh start") {
  Home h;
  ManualExecutor ex;
  {
    auto b = open(h, &ex);
    REQUIRE(b->create_topic(tn("kept"), 1, {}).ok());
    REQUIRE(b->create_topic(tn("empty"), 1, {}).ok());
    std::string data = batch_of(3);
    b->produce(tn("kept"), PartitionId(0), Acks::kLeader, false, data.data(), data.size(), [](Result<storage::AppendResult>) {});
    ex.run_all();
    REQUIRE(b->close().ok());
  }
  const std::string meta = h.path + "/meta.db";
  REQUIRE(std::rename(meta.c_str(), (meta + ".bak").c_str()) == 0);
  (void)std::remove((meta + "-wal").c_str());
  (void)std::remove((meta + "-shm").c_str());
  for (bool emptied : {false, true}) {
    if (emptied) REQUIRE(storage::write_file_atomic(meta, "", false).ok());
    BrokerOptions o;
    o.home = h.path;
    auto b = Broker::Open(o, &ex);
    REQUIRE_FALSE(b.ok());
    CHECK(b.status().code() == Code::kCorruption);
    CHECK(b.status().message().find(emptied ? "is empty" : "is missing") != std::string::npos);
    CHECK(b.status().message().find("kept-0") != std::string::npos);
    CHECK(b.status().message().find("empty-0") == std::string::npos);  // no records there
    CHECK(b.status().message().find("restore meta.db") != std::string::npos);
  }
  // Restored, everything is back.
  REQUIRE(std::rename((meta + ".bak").c_str(), meta.c_str()) == 0);
  auto b = open(h, &ex);
  auto t = b->topics({tn("kept")}, true);
  REQUIRE(t.ok());
  CHECK((*t)[0].partition_info[0].end == Offset(3));
  REQUIRE(b->close().ok());
}

TEST_CASE("flush.messages schedules an fsync once enough records wait, even with acks=1") {
  Home h;
  ManualExecutor ex;
  auto b = open(h, &ex);
  REQUIRE(b->create_topic(tn("f"), 1, {{"flush.messages", "10"}}).ok());
  std::string data = batch_of(4);
  b->produce(tn("f"), PartitionId(0), Acks::kLeader, false, data.data(), data.size(), [](Result<storage::AppendResult>) {});
  CHECK(ex.pending() == 0);
  data = batch_of(6);
  b->produce(tn("f"), PartitionId(0), Acks::kLeader, false, data.data(), data.size(), [](Result<storage::AppendResult>) {});
  CHECK(ex.pending() == 1);
  ex.run_all();
  CHECK(b->flushes_in_flight() == 0);
}
