// KafkaGroups: committed offsets (OffsetCommit, OffsetFetch, through the
// group registry) and the views of a group (DescribeGroups, ListGroups,
// and GroupMembers::view for `ks group describe`).
#include <algorithm>
#include <map>
#include <string>
#include <vector>

#include "common/types.h"
#include "daemon/broker/broker.h"
#include "daemon/broker/kafka_groups_state.h"
#include "daemon/broker/logging.h"
#include "daemon/kafka/errors.h"

namespace ks::server {

using kafka_groups_detail::state_name;
using kafka_groups_detail::valid_group;

std::vector<int16_t> KafkaGroups::commit(const std::string& group, int32_t generation, const std::string& member_id,
                                         const std::vector<KafkaCommitEntry>& entries, int64_t now_ms) {
  std::vector<int16_t> errors(entries.size(), kafka::kNone);
  auto fail_all = [&](int16_t e) {
    std::fill(errors.begin(), errors.end(), e);
    return errors;
  };
  if (!valid_group(group)) return fail_all(kafka::kInvalidGroupId);
  Group* g = find(group);
  const bool simple = generation < 0 && member_id.empty();
  if (live_elsewhere(group)) return fail_all(kafka::kUnknownMemberId);
  if (g == nullptr || g->members.empty()) {
    // Nobody manages the group: only a consumer that assigns partitions
    // itself may commit. A member of a group we do not know (a restart)
    // learns from ILLEGAL_GENERATION that it must join again.
    if (!simple) return fail_all(g == nullptr ? kafka::kIllegalGeneration : kafka::kUnknownMemberId);
  } else {
    if (simple || !g->members.count(member_id)) return fail_all(kafka::kUnknownMemberId);
    if (generation != g->generation) return fail_all(kafka::kIllegalGeneration);
    // Members commit what they read before rejoining (PreparingRebalance,
    // as Kafka allows); between join and sync they own nothing yet.
    if (g->state == State::kCompletingRebalance) return fail_all(kafka::kRebalanceInProgress);
    g->members.at(member_id).last_seen_ms = now_ms;
  }
  return store_offsets(group, entries, now_ms);
}

std::vector<int16_t> KafkaGroups::store_offsets(const std::string& group, const std::vector<KafkaCommitEntry>& entries,
                                                int64_t now_ms) {
  std::vector<int16_t> errors(entries.size(), kafka::kNone);
  std::vector<meta::CommitEntry> rows;
  std::vector<size_t> stored;
  for (size_t i = 0; i < entries.size(); ++i) {
    const KafkaCommitEntry& e = entries[i];
    auto name = TopicName::Parse(e.topic);
    auto n = name.ok() ? broker_->partition_count(*name, false) : Result<int32_t>(name.status());
    if (!n.ok() || e.partition < 0 || e.partition >= *n) {
      errors[i] = kafka::kUnknownTopicOrPartition;
      continue;
    }
    rows.push_back({e.topic, e.partition, e.offset, e.metadata, now_ms, e.leader_epoch});
    stored.push_back(i);
  }
  if (rows.empty()) return errors;
  Status s = registry_->commit(group, rows);
  if (!s.ok()) {
    log_error("kafka group %s: %s", group.c_str(), s.to_string().c_str());
    for (size_t i : stored) errors[i] = kafka::kCoordinatorNotAvailable;
  }
  return errors;
}

Result<std::vector<KafkaCommittedOffset>> KafkaGroups::fetch_offsets(
    const std::string& group, const std::vector<std::pair<std::string, int32_t>>& tps, bool all) {
  auto committed = registry_->committed(group);
  if (!committed.ok()) return committed.status();
  std::vector<KafkaCommittedOffset> out;
  if (tps.empty()) {
    if (all)
      for (const auto& c : *committed)
        out.push_back({c.topic, c.partition, c.offset, kafka::kNone, c.metadata, c.leader_epoch});
    return out;
  }
  std::map<std::pair<std::string, int32_t>, const meta::CommitEntry*> index;
  for (const auto& c : *committed) index[{c.topic, c.partition}] = &c;
  for (const auto& tp : tps) {
    auto it = index.find(tp);
    if (it == index.end())
      out.push_back({tp.first, tp.second, -1, kafka::kNone, ""});
    else
      out.push_back({tp.first, tp.second, it->second->offset, kafka::kNone, it->second->metadata,
                     it->second->leader_epoch});
  }
  return out;
}

KafkaGroupInfo KafkaGroups::describe(const std::string& group) {
  KafkaGroupInfo info;
  info.group = group;
  info.state = "Dead";
  if (const GroupMembers* other = registry_->live_protocol(group); other != nullptr && other != this) {
    // A consumer-protocol group is not described by this API (Kafka:
    // Dead, or GROUP_ID_NOT_FOUND from v6); ConsumerGroupDescribe is.
    if (other->kind() == kind()) {
      info.not_found = "Group " + group + " is not a classic group.";
      return info;
    }
    info.state = "Stable";
    info.protocol_type = std::string(other->kind());
    if (auto v = other->view(group))
      for (const auto& m : v->members) info.members.push_back({m.id, "", m.host, std::nullopt, "", ""});
    return info;
  }
  if (const Group* g = find(group)) {
    info.state = state_name(g->state);
    info.protocol_type = g->protocol_type;
    info.generation = g->generation;
    const bool stable = g->state == State::kStable;
    if (stable) info.protocol = g->protocol;
    for (const Member* m : g->by_age()) {
      KafkaMemberInfo mi{m->id, m->client_id, m->client_host, m->instance_id, "", ""};
      if (stable) {
        const std::string* meta = m->metadata_for(g->protocol);
        if (meta != nullptr) mi.metadata = *meta;
        mi.assignment = m->assignment;
      }
      info.members.push_back(std::move(mi));
    }
    return info;
  }
  if (!valid_group(group)) {
    info.not_found = "Group " + group + " not found.";
    return info;
  }
  auto names = registry_->stored_names();
  if (!names.ok()) {
    info.error = kafka::kCoordinatorNotAvailable;
    return info;
  }
  if (std::binary_search(names->begin(), names->end(), group)) {
    // Known by its committed offsets alone: Kafka describes such a group
    // with no protocol type (a simple consumer's group).
    info.state = "Empty";
    info.protocol_type = "";
    return info;
  }
  info.not_found = "Group " + group + " not found.";
  return info;
}

std::optional<KafkaGroupInfo> KafkaGroups::inspect(const std::string& group) const {
  const Group* g = find(group);
  if (g == nullptr || g->members.empty()) return std::nullopt;
  KafkaGroupInfo info;
  info.group = group;
  info.state = state_name(g->state);
  info.protocol_type = g->protocol_type;
  info.protocol = g->protocol;
  info.generation = g->generation;
  for (const Member* m : g->by_age()) {
    KafkaMemberInfo mi{m->id, m->client_id, m->client_host, m->instance_id, "", m->assignment};
    const std::string* meta = m->metadata_for(g->protocol);
    if (meta == nullptr && !m->protocols.empty()) meta = &m->protocols.front().second;
    if (meta != nullptr) mi.metadata = *meta;
    info.members.push_back(std::move(mi));
  }
  return info;
}

std::vector<std::pair<std::string, std::string>> KafkaGroups::list() {
  std::map<std::string, std::string> all;
  // A group known only by its committed offsets lists with no protocol
  // type, as Kafka lists a simple consumer's group.
  auto names = registry_->stored_names();
  if (names.ok())
    for (const auto& n : *names) all[n] = "";
  else
    log_error("listing groups: %s", names.status().to_string().c_str());
  for (const auto& [name, g] : groups_) all[name] = g->protocol_type.empty() ? "consumer" : g->protocol_type;
  for (const auto& [name, kind] : registry_->live_groups()) {
    // Another "kafka" protocol is the consumer protocol (KIP-848), whose
    // groups Kafka lists with protocol type "consumer".
    if (kind != this->kind()) all[name] = std::string(kind);
    else if (!has_members(name)) all[name] = "consumer";
  }
  return {all.begin(), all.end()};
}

namespace {

// Kafka's group states as `ks group` shows them.
std::string ks_state(const std::string& kafka_state) {
  if (kafka_state == "Stable") return "stable";
  if (kafka_state == "Empty" || kafka_state == "Dead") return "empty";
  return "rebalancing";
}

template <typename T>
void sort_unique(std::vector<T>& v) {
  std::sort(v.begin(), v.end());
  v.erase(std::unique(v.begin(), v.end()), v.end());
}

}  // namespace

std::optional<GroupView> KafkaGroups::view(const std::string& group) const {
  auto kafka = inspect(group);
  if (!kafka) return std::nullopt;
  GroupView v;
  v.generation = kafka->generation;
  v.state = ks_state(kafka->state);
  for (const auto& km : kafka->members) {
    MemberInfo mi{km.member_id, km.client_host, 0, {}, {}, km.client_id};
    // Only the consumer protocol's bytes have a known layout.
    if (kafka->protocol_type == "consumer") {
      mi.topics = decode_subscription_topics(km.metadata).value_or(std::vector<std::string>{});
      mi.owned = decode_assignment(km.assignment).value_or(std::vector<TopicPartition>{});
    }
    sort_unique(mi.topics);
    sort_unique(mi.owned);
    v.members.push_back(std::move(mi));
  }
  return v;
}

}  // namespace ks::server
