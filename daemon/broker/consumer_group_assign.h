// The server-side assignors of the consumer protocol (KIP-848), as named
// in Kafka's `group.consumer.assignors`: `uniform` (Kafka's default) and
// `range`. Pure functions of the members' subscriptions, the topics'
// partition counts and (for stickiness) the previous target.
#pragma once

#include <cstdint>
#include <map>
#include <set>
#include <string>
#include <string_view>
#include <vector>

namespace ks::server {

// Partitions by topic name.
using Assignment = std::map<std::string, std::set<int32_t>>;

struct AssignorMember {
  std::string id;
  std::set<std::string> topics;  // subscribed, existing or not
  Assignment previous;           // the last target, for stickiness
};

inline constexpr std::string_view kUniformAssignor = "uniform";
inline constexpr std::string_view kRangeAssignor = "range";

bool known_assignor(std::string_view name);

// Member id -> its target. Topics missing from `partitions` are skipped.
// `uniform`: every member gets floor or ceil of its fair share of the
// partitions it can take (sticky: a partition stays with its previous
// owner when balance allows). `range`: per topic, the subscribed members
// in id order get consecutive ranges, the first ones one more.
std::map<std::string, Assignment> assign_uniform(const std::vector<AssignorMember>& members,
                                                 const std::map<std::string, int32_t>& partitions);
std::map<std::string, Assignment> assign_range(const std::vector<AssignorMember>& members,
                                               const std::map<std::string, int32_t>& partitions);
std::map<std::string, Assignment> assign_with(std::string_view assignor, const std::vector<AssignorMember>& members,
                                              const std::map<std::string, int32_t>& partitions);

size_t partition_count(const Assignment& a);

}  // namespace ks::server
