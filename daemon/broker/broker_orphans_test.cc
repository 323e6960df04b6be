// Reconciling data/ with meta.db in the broker: orphaned partition
// directories are found at start, refused by create, auto-create and alter,
// and adopted or removed on request.
#include <doctest/doctest.h>
#include <stdlib.h>

#include <deque>

#include "common/record_batch.h"
#include "daemon/meta/meta_store.h"
#include "daemon/broker/broker.h"
#include "daemon/broker/test_home.h"
#include "daemon/broker/test_names.h"
#include "daemon/storage/file.h"

using namespace ks;
using namespace ks::server;

namespace {

class CountingExecutor final : public Executor {
 public:
  void run(std::function<Status()> work, std::function<void(Status)> done) override {
    ++runs;
    done(work());
  }
  int runs = 0;
};

using Home = TempHome;

std::unique_ptr<Broker> open(const Home& h, Executor* ex) {
  BrokerOptions o;
  o.home = h.path;
  o.default_partitions = 1;
  auto b = Broker::Open(o, ex);
  REQUIRE_MESSAGE(b.ok(), b.status().to_string());
  return std::move(*b);
}

void produce(Broker& b, const std::string& topic, int32_t partition, int n, Status* st) {
  batch::BatchBuilder builder;
  for (int i = 0; i < n; ++i) builder.add(std::nullopt, std::string_view("v"), 1000 + i);
  std::string data = builder.take();
  b.produce(tn(topic), PartitionId(partition), Acks::kAll, true, data.data(), data.size(),
            [st](Result<storage::AppendResult> r) { *st = r.status(); });
}

// What a power cut before the metadata sync left: the partitions and their
// records on disk, the topic's rows not in meta.db.
void lose_topic_metadata(const Home& h, const std::string& topic, int32_t partitions, int records) {
  CountingExecutor ex;
  {
    auto b = open(h, &ex);
    REQUIRE(b->create_topic(tn(topic), partitions, {{"retention.ms", "123456789"}}).ok());
    for (int32_t p = 0; p < partitions; ++p) {
      Status st = Status::IOError("not answered");
      produce(*b, topic, p, records, &st);
      REQUIRE(st.ok());
    }
    REQUIRE(b->close().ok());
  }
  auto meta = meta::MetaStore::Open(h.path + "/meta.db");
  REQUIRE(meta.ok());
  REQUIRE((*meta)->delete_topic(topic).ok());
}

}  // namespace

TEST_CASE("a topic lost from meta.db is reported at start and never reopened by create or auto-create") {
  Home h;
  lose_topic_metadata(h, "orders", 2, 10);
  CountingExecutor ex;
  auto b = open(h, &ex);
  REQUIRE(b->orphans().size() == 2);
  CHECK(b->orphans()[0].name == "orders-0");
  CHECK(b->orphans()[1].name == "orders-1");
  CHECK(b->orphans()[0].log_bytes > 0);

  Status created = b->create_topic(tn("orders"), 2, {});
  CHECK(created.code() == Code::kAlreadyExists);
  CHECK(created.message().find("ks topic adopt orders") != std::string::npos);
  CHECK(created.message().find("ks topic delete orders --orphan") != std::string::npos);
  Status st;
  produce(*b, "orders", 0, 1, &st);  // auto-create
  CHECK(st.code() == Code::kAlreadyExists);
  CHECK(b->topic_count() == 0);
  CHECK(b->orphans().size() == 2);
}

TEST_CASE("adopting takes the partition count from the directories and keeps the records") {
  Home h;
  lose_topic_metadata(h, "orders", 3, 7);
  CountingExecutor ex;
  auto b = open(h, &ex);
  CHECK(b->adopt_topic(tn("nothing-here"), {}).code() == Code::kNotFound);
  REQUIRE(b->adopt_topic(tn("orders"), {{"retention.ms", "86400000"}}).ok());
  CHECK(b->orphans().empty());
  CHECK(b->partition_count(tn("orders"), false).value() == 3);
  for (int32_t p = 0; p < 3; ++p) CHECK(b->offsets(tn("orders"), PartitionId(p))->end == Offset(7));
  auto t = b->topics({tn("orders")}, false);
  REQUIRE(t.ok());
  CHECK((*t)[0].configs.at("retention.ms") == "86400000");
  b.reset();
  auto again = open(h, &ex);  // adopted for good: no orphans at the next start
  CHECK(again->orphans().empty());
  CHECK(again->partition_count(tn("orders"), false).value() == 3);
}

TEST_CASE("partitions beyond a topic's count are orphans: alter -p refuses them, adopt grows the topic") {
  Home h;
  CountingExecutor ex;
  {
    auto b = open(h, &ex);
    REQUIRE(b->create_topic(tn("t"), 1, {}).ok());
    REQUIRE(b->alter_topic(tn("t"), {}, {}, 3).ok());
    Status st;
    produce(*b, "t", 2, 4, &st);
    REQUIRE(st.ok());
    REQUIRE(b->close().ok());
  }
  {
    // The partition change lost: meta.db back to one partition.
    auto meta = meta::MetaStore::Open(h.path + "/meta.db");
    REQUIRE(meta.ok());
    REQUIRE((*meta)->delete_topic("t").ok());
    REQUIRE((*meta)->create_topic({"t", 1, 1, {}}).ok());
  }
  auto b = open(h, &ex);
  REQUIRE(b->orphans().size() == 2);
  CHECK(b->orphans()[0].topic_exists);
  CHECK(b->alter_topic(tn("t"), {}, {}, 2).code() == Code::kAlreadyExists);
  REQUIRE(b->adopt_topic(tn("t"), {}).ok());
  CHECK(b->partition_count(tn("t"), false).value() == 3);
  CHECK(b->offsets(tn("t"), PartitionId(2))->end == Offset(4));
}

TEST_CASE("removing orphans deletes only them and frees the name") {
  Home h;
  lose_topic_metadata(h, "gone", 2, 5);
  CountingExecutor ex;
  auto b = open(h, &ex);
  REQUIRE(b->create_topic(tn("kept"), 1, {}).ok());
  CHECK(b->remove_orphans(tn("kept")).code() == Code::kNotFound);
  REQUIRE(b->remove_orphans(tn("gone")).ok());
  CHECK(b->orphans().empty());
  CHECK_FALSE(storage::path_exists(h.path + "/data/gone-0"));
  CHECK_FALSE(storage::path_exists(h.path + "/data/gone-1"));
  CHECK(storage::path_exists(h.path + "/data/kept-0"));
  REQUIRE(b->create_topic(tn("gone"), 1, {}).ok());
  CHECK(b->offsets(tn("gone"), PartitionId(0))->end == Offset(0));  // a fresh log, not the old records
}

TEST_CASE("a metadata change waits for one grouped sync, a clean store answers at once") {
  Home h;
  std::deque<std::pair<std::function<Status()>, std::function<void(Status)>>> queue;
  struct Queue final : Executor {
    std::deque<std::pair<std::function<Status()>, std::function<void(Status)>>>* q;
    void run(std::function<Status()> work, std::function<void(Status)> done) override {
      q->emplace_back(std::move(work), std::move(done));
    }
  } ex;
  ex.q = &queue;
  auto b = open(h, &ex);
  int answered = 0;
  b->when_meta_durable([&](Status s) { answered += s.ok(); });
  CHECK(answered == 1);
  REQUIRE(b->create_topic(tn("a"), 2, {}).ok());
  REQUIRE(b->alter_topic(tn("a"), {{"retention.ms", "1000"}}, {}, 4).ok());
  b->when_meta_durable([&](Status s) { answered += s.ok(); });
  b->when_meta_durable([&](Status s) { answered += s.ok(); });
  CHECK(answered == 1);
  REQUIRE(queue.size() == 1);
  auto [work, done] = std::move(queue.front());
  queue.pop_front();
  done(work());
  CHECK(answered == 3);
  CHECK(queue.empty());
}
