// Shared by the Kafka group tests: a broker with topic "t" and helpers
// to build consumer-protocol bytes, joins and callbacks.
#pragma once

#include <doctest/doctest.h>
#include <stdlib.h>

#include <random>

#include "common/coding.h"
#include "common/record_batch.h"
#include "daemon/kafka/errors.h"
#include "daemon/broker/broker.h"
#include "daemon/broker/test_home.h"
#include "daemon/broker/test_names.h"

namespace kgtest {
using namespace ks;
using namespace ks::server;

using Home = TempHome;

// A broker with topic "t" (3 partitions), and its two coordinators.
struct Fixture {
  Fixture() {
    BrokerOptions o;
    o.home = home.path;
    o.default_partitions = 3;
    auto b = Broker::Open(o, &executor);
    REQUIRE_MESSAGE(b.ok(), b.status().to_string());
    broker = std::move(*b);
    REQUIRE(broker->create_topic(tn("t"), 3, {}).ok());
  }
  KafkaGroups& kg() { return broker->kafka_groups(); }
  Groups& native() { return broker->groups(); }
  GroupRegistry& registry() { return broker->group_registry(); }

  Home home;
  InlineExecutor executor;
  std::unique_ptr<Broker> broker;
};

constexpr int64_t kT0 = 1'000'000;
constexpr int64_t kDelay = kInitialRebalanceDelayMs;

inline void put_string(std::string* out, const std::string& s) {
  append_be16(out, static_cast<uint16_t>(s.size()));
  out->append(s);
}

// ConsumerProtocolSubscription v1 (with an empty owned-partitions array).
inline std::string subscription(const std::vector<std::string>& topics) {
  std::string out;
  append_be16(&out, 1);
  append_be32(&out, static_cast<uint32_t>(topics.size()));
  for (const auto& t : topics) put_string(&out, t);
  append_be32(&out, 0xffffffff);  // null user data
  append_be32(&out, 0);           // owned partitions
  return out;
}

// ConsumerProtocolAssignment v0.
inline std::string assignment(const std::vector<std::pair<std::string, std::vector<int32_t>>>& tps) {
  std::string out;
  append_be16(&out, 0);
  append_be32(&out, static_cast<uint32_t>(tps.size()));
  for (const auto& [t, ps] : tps) {
    put_string(&out, t);
    append_be32(&out, static_cast<uint32_t>(ps.size()));
    for (int32_t p : ps) append_be32(&out, static_cast<uint32_t>(p));
  }
  append_be32(&out, 0xffffffff);
  return out;
}

inline KafkaJoinRequest join_req(const std::string& group, const std::string& member_id, const std::string& client = "c",
                          std::vector<std::pair<std::string, std::string>> protocols = {}) {
  KafkaJoinRequest r;
  r.group = group;
  r.member_id = member_id;
  r.protocol_type = "consumer";
  r.client_id = client;
  r.client_host = "/10.0.0.1";
  r.session_timeout_ms = 10000;
  r.rebalance_timeout_ms = 20000;
  r.protocols = protocols.empty() ? decltype(protocols){{"range", subscription({"t"})}} : std::move(protocols);
  return r;
}

struct JoinSlot {
  int calls = 0;
  KafkaJoinResult r;
  KafkaGroups::JoinCallback cb() {
    return [this](const KafkaJoinResult& x) {
      ++calls;
      r = x;
    };
  }
};

struct SyncSlot {
  int calls = 0;
  KafkaSyncResult r;
  KafkaGroups::SyncCallback cb() {
    return [this](const KafkaSyncResult& x) {
      ++calls;
      r = x;
    };
  }
};

using Assignments = std::vector<std::pair<std::string, std::string>>;

// One member that joined an empty group and synced: generation 1, Stable.
inline std::string stable_single(KafkaGroups& kg, const std::string& group, int64_t t) {
  JoinSlot j;
  kg.join(join_req(group, "", "solo"), t, j.cb());
  kg.tick(t + kDelay);
  REQUIRE(j.calls == 1);
  REQUIRE(j.r.error == 0);
  SyncSlot s;
  kg.sync(group, j.r.generation, j.r.member_id, {{j.r.member_id, assignment({{"t", {0, 1, 2}}})}}, t + kDelay,
          s.cb());
  REQUIRE(s.calls == 1);
  REQUIRE(s.r.error == 0);
  return j.r.member_id;
}

// Two members that joined together and synced: generation 1, Stable.
inline std::pair<std::string, std::string> stable_pair(KafkaGroups& kg, const std::string& group, int64_t t,
                                                int32_t session_ms = 10000, int32_t rebalance_ms = 20000) {
  JoinSlot a, b;
  auto ra = join_req(group, "", "a"), rb = join_req(group, "", "b");
  ra.session_timeout_ms = rb.session_timeout_ms = session_ms;
  ra.rebalance_timeout_ms = rb.rebalance_timeout_ms = rebalance_ms;
  kg.join(ra, t, a.cb());
  kg.join(rb, t, b.cb());
  kg.tick(t + kDelay);
  REQUIRE(a.calls == 1);
  REQUIRE(b.calls == 1);
  SyncSlot sa, sb;
  kg.sync(group, b.r.generation, b.r.member_id, {}, t + kDelay, sb.cb());
  kg.sync(group, a.r.generation, a.r.member_id,
          {{a.r.member_id, assignment({{"t", {0, 1}}})}, {b.r.member_id, assignment({{"t", {2}}})}}, t + kDelay,
          sa.cb());
  REQUIRE(sa.calls == 1);
  REQUIRE(sb.calls == 1);
  return {a.r.member_id, b.r.member_id};
}

}  // namespace kgtest
