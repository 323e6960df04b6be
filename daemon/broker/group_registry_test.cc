#include "daemon/broker/group_registry.h"

#include <doctest/doctest.h>
#include <stdlib.h>

#include <map>

#include "common/record_batch.h"
#include "daemon/broker/broker.h"
#include "daemon/broker/test_home.h"
#include "daemon/broker/test_names.h"

using namespace ks;
using namespace ks::server;

namespace {

using Home = TempHome;

// A membership protocol reduced to what the registry may ask of it.
struct FakeMembers final : GroupMembers {
  explicit FakeMembers(std::string k) : kind_name(std::move(k)) {}
  std::string_view kind() const override { return kind_name; }
  bool has_members(const std::string& group) const override {
    auto it = groups.find(group);
    return it != groups.end() && !it->second.members.empty();
  }
  std::vector<std::string> live_groups() const override {
    std::vector<std::string> out;
    for (const auto& [name, v] : groups)
      if (!v.members.empty()) out.push_back(name);
    return out;
  }
  std::optional<GroupView> view(const std::string& group) const override {
    auto it = groups.find(group);
    if (it == groups.end()) return std::nullopt;
    return it->second;
  }
  bool forget(const std::string& group) override {
    forgotten.push_back(group);
    return groups.erase(group) > 0;
  }

  std::string kind_name;
  std::map<std::string, GroupView> groups;
  std::vector<std::string> forgotten;
};

// A broker with topic "t" (2 partitions, 5 records in partition 0) for the
// log ends, and a registry over its own meta.db with two fake protocols.
struct Fixture {
  Fixture() {
    BrokerOptions o;
    o.home = broker_home.path;
    auto b = Broker::Open(o, &executor);
    REQUIRE_MESSAGE(b.ok(), b.status().to_string());
    broker = std::move(*b);
    REQUIRE(broker->create_topic(tn("t"), 2, {}).ok());
    batch::BatchBuilder bb;
    for (int i = 0; i < 5; ++i) bb.add(std::nullopt, std::string_view("v"), 1000 + i);
    std::string data = bb.take();
    broker->produce(tn("t"), PartitionId(0), Acks::kLeader, false, data.data(), data.size(),
                    [](Result<storage::AppendResult> r) { REQUIRE(r.ok()); });
    auto m = meta::MetaStore::Open(meta_home.path + "/meta.db");
    REQUIRE_MESSAGE(m.ok(), m.status().to_string());
    meta = std::move(*m);
    registry = std::make_unique<GroupRegistry>(broker.get(), meta.get());
    registry->add_protocol(&ks_members);
    registry->add_protocol(&kafka_members);
  }

  Home broker_home, meta_home;
  InlineExecutor executor;
  std::unique_ptr<Broker> broker;
  std::unique_ptr<meta::MetaStore> meta;
  FakeMembers ks_members{"ks"}, kafka_members{"kafka"};
  std::unique_ptr<GroupRegistry> registry;
};

GroupView live_view(int32_t generation, const std::string& member, std::vector<TopicPartition> owned) {
  GroupView v;
  v.generation = generation;
  v.state = "stable";
  v.members.push_back({member, "host", 42, {"t"}, std::move(owned)});
  return v;
}

}  // namespace

TEST_CASE("a group is live in one protocol at a time: the registry names it, and the others see it as taken") {
  Fixture f;
  CHECK(f.registry->live_protocol("g") == nullptr);
  CHECK_FALSE(f.registry->live_elsewhere("g", &f.ks_members));
  f.kafka_members.groups["g"] = live_view(3, "k-1", {});
  CHECK(f.registry->live_protocol("g") == &f.kafka_members);
  CHECK(f.registry->live_elsewhere("g", &f.ks_members));
  CHECK_FALSE(f.registry->live_elsewhere("g", &f.kafka_members));
  f.ks_members.groups["h"] = live_view(1, "n-1", {});
  auto live = f.registry->live_groups();
  REQUIRE(live.size() == 2);
  CHECK(live[0].first == "g");
  CHECK(live[0].second == "kafka");
  CHECK(live[1].first == "h");
  CHECK(live[1].second == "ks");
}

TEST_CASE("reset and remove are refused while any protocol has members, and Kafka members are named as such") {
  Fixture f;
  f.kafka_members.groups["g"] = live_view(3, "k-1", {});
  Status s = f.registry->reset("g", {{{"t", 0}, Offset(1)}}, 1000);
  CHECK(s.code() == Code::kGroupInUse);
  CHECK(s.message() == "group 'g' has live Kafka members; stop its consumers before resetting offsets");
  f.kafka_members.groups.clear();
  f.ks_members.groups["g"] = live_view(1, "n-1", {});
  s = f.registry->remove("g");
  CHECK(s.code() == Code::kGroupInUse);
  CHECK(s.message() == "group 'g' has live members; stop its consumers before deleting it");
  CHECK(f.ks_members.forgotten.empty());
}

TEST_CASE("reset checks partitions and offsets, remove forgets the group in every protocol") {
  Fixture f;
  CHECK(f.registry->reset("g", {{{"t", 7}, Offset(1)}}, 1000).code() == Code::kNotFound);
  CHECK(f.registry->reset("g", {{{"t", 0}, Offset(-1)}}, 1000).code() == Code::kInvalidArgument);
  CHECK(f.registry->reset("not utf-8 \xff", {}, 1000).code() == Code::kInvalidArgument);
  REQUIRE(f.registry->reset("g", {{{"t", 0}, Offset(2)}}, 1000).ok());
  auto rows = f.registry->committed("g");
  REQUIRE(rows.ok());
  REQUIRE(rows->size() == 1);
  CHECK((*rows)[0].offset == 2);

  f.ks_members.groups["g"] = GroupView{};  // known to memory, no members
  REQUIRE(f.registry->remove("g").ok());
  CHECK(f.ks_members.forgotten == std::vector<std::string>{"g"});
  CHECK(f.kafka_members.forgotten == std::vector<std::string>{"g"});
  CHECK(f.registry->describe("g").status().code() == Code::kNotFound);
  // Known only to memory (never committed): removing it is no error.
  f.ks_members.groups["mem"] = GroupView{};
  CHECK(f.registry->remove("mem").ok());
  CHECK(f.registry->remove("never").code() == Code::kNotFound);
}

TEST_CASE("describe shows the live protocol's members with owners and lag, else an empty group's generation") {
  Fixture f;
  REQUIRE(f.registry->commit("g", {{"t", 0, 2, "", 1000}}).ok());
  GroupView empty;
  empty.generation = 7;
  empty.state = "empty";
  f.ks_members.groups["g"] = empty;
  auto d = f.registry->describe("g");
  REQUIRE(d.ok());
  CHECK(d->generation == 7);
  CHECK(d->state == "empty");
  CHECK(d->protocol.empty());
  REQUIRE(d->offsets.size() == 1);
  CHECK(d->offsets[0].committed == Offset(2));
  CHECK(d->offsets[0].end == Offset(5));
  CHECK(d->lag == 3);

  f.kafka_members.groups["g"] = live_view(4, "k-1", {{"t", 1}});
  d = f.registry->describe("g");
  REQUIRE(d.ok());
  CHECK(d->generation == 4);
  CHECK(d->protocol == "kafka");
  REQUIRE(d->members.size() == 1);
  REQUIRE(d->offsets.size() == 2);  // every partition of a topic a member reads
  CHECK(d->offsets[1].tp == TopicPartition{"t", 1});
  CHECK(d->offsets[1].committed == std::nullopt);
  CHECK(d->offsets[1].owner == "k-1");
  CHECK(d->topics == std::vector<std::string>{"t"});

  f.ks_members.groups["live-only"] = live_view(1, "n-1", {});
  auto l = f.registry->list();
  REQUIRE(l.ok());
  REQUIRE(l->size() == 2);
  CHECK((*l)[0].name == "g");
  CHECK((*l)[1].name == "live-only");
  CHECK((*l)[1].protocol == "ks");
}
