// KafkaGroups' private state, shared by its files (kafka_groups.cc: the
// join/sync protocol; kafka_groups_offsets.cc: offsets and the views of a
// group). Not for other includes.
#pragma once

#include <algorithm>
#include <functional>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "common/types.h"
#include "daemon/broker/kafka_groups.h"
#include "daemon/meta/meta_store.h"

namespace ks::server::kafka_groups_detail {

// Kafka's group states. A deleted group is not kept: "Dead" is reported
// for any group this coordinator and the meta store do not know.
enum class State { kEmpty, kPreparingRebalance, kCompletingRebalance, kStable };

inline const char* state_name(State s) {
  switch (s) {
    case State::kEmpty: return "Empty";
    case State::kPreparingRebalance: return "PreparingRebalance";
    case State::kCompletingRebalance: return "CompletingRebalance";
    case State::kStable: return "Stable";
  }
  return "Dead";
}

inline bool valid_group(const std::string& name) {
  return validate_group_id(name).ok();
}

}  // namespace ks::server::kafka_groups_detail

namespace ks::server {

using kafka_groups_detail::State;


struct KafkaGroups::Member {
  std::string id, client_id, client_host;
  std::optional<std::string> instance_id;  // static members (KIP-345)
  std::vector<std::pair<std::string, std::string>> protocols;  // in preference order
  int32_t session_timeout_ms = 10000;
  int32_t rebalance_timeout_ms = 10000;
  int64_t last_seen_ms = 0;
  uint64_t seq = 0;  // join order
  std::string assignment;
  // Set while the member waits for the rebalance / for the leader's
  // assignment; a waiting member's session does not expire.
  JoinCallback join_cb;
  SyncCallback sync_cb;

  const std::string* metadata_for(const std::string& protocol) const {
    for (const auto& [name, meta] : protocols)
      if (name == protocol) return &meta;
    return nullptr;
  }
};

struct KafkaGroups::Group {
  std::string name;
  State state = State::kEmpty;
  int32_t generation = 0;
  std::string protocol_type;  // kept while Empty, like Kafka
  std::string protocol;       // chosen when a rebalance completes
  std::string leader;
  std::map<std::string, Member> members;
  // Static members: group.instance.id -> current member id.
  std::map<std::string, std::string> statics;
  // Ids handed out with MEMBER_ID_REQUIRED, until their session timeout;
  // a rebalance waits for them as if they were members.
  std::map<std::string, int64_t> pending;
  // PreparingRebalance: the join completes at join_deadline_ms at the
  // latest; during the initial delay not before it, and the deadline moves
  // with each new member up to join_cap_ms.
  int64_t join_deadline_ms = 0;
  int64_t join_cap_ms = 0;
  bool initial_delay = false;
  // Members of the current generation that have not sent SyncGroup yet;
  // they are removed at sync_deadline_ms.
  std::set<std::string> awaiting_sync;
  int64_t sync_deadline_ms = 0;

  int64_t rebalance_timeout_ms() const {
    int64_t t = 0;
    for (const auto& [id, m] : members) t = std::max<int64_t>(t, m.rebalance_timeout_ms);
    return t;
  }
  std::vector<const Member*> by_age() const {
    std::vector<const Member*> v;
    for (const auto& [id, m] : members) v.push_back(&m);
    std::sort(v.begin(), v.end(), [](const Member* a, const Member* b) { return a->seq < b->seq; });
    return v;
  }
  std::string oldest() const {
    auto v = by_age();
    return v.empty() ? std::string() : v.front()->id;
  }
};

class KafkaGroups::Outbox {
 public:
  Outbox() = default;
  Outbox(const Outbox&) = delete;
  Outbox& operator=(const Outbox&) = delete;
  ~Outbox() {
    for (auto& f : due_) f();
  }
  void join(JoinCallback cb, KafkaJoinResult r) {
    if (cb) due_.push_back([cb = std::move(cb), r = std::move(r)] { cb(r); });
  }
  void sync(SyncCallback cb, KafkaSyncResult r) {
    if (cb) due_.push_back([cb = std::move(cb), r = std::move(r)] { cb(r); });
  }

 private:
  std::vector<std::function<void()>> due_;
};

}  // namespace ks::server
