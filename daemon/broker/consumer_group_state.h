// ConsumerGroups' private state, shared by its files (consumer_group.cc:
// heartbeats, joins, leaves, timeouts; consumer_group_reconcile.cc: the
// target assignment, reconciliation and the views). Not for other includes.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "daemon/broker/consumer_group.h"

namespace ks::server {

struct ConsumerGroups::Member {
  std::string id;
  std::optional<std::string> instance_id, rack_id;
  std::string client_id, client_host;
  int32_t epoch = 0;
  int32_t previous_epoch = -1;
  std::vector<std::string> topics;  // subscribed names
  std::string assignor;             // the member's choice; empty: the default
  int32_t rebalance_timeout_ms = 300000;
  Assignment assigned;  // the member may use these now
  Assignment revoking;  // it must give these up; they are still its own
  int64_t last_seen_ms = 0;
  int64_t revoke_deadline_ms = 0;  // while revoking
  bool left_static = false;        // epoch -2: gone for now, place kept
  std::optional<Assignment> last_sent;
};

struct ConsumerGroups::Group {
  std::string name;
  int32_t group_epoch = 0;
  int32_t assignment_epoch = 0;
  std::string assignor;  // the one that computed the target
  std::map<std::string, Member> members;
  std::map<std::string, std::string> statics;  // instance id -> member id
  std::map<std::string, Assignment> target;    // member id -> target
  // Partition counts of the subscribed topics when the target was made:
  // a topic created or grown since makes a new target.
  std::map<std::string, int32_t> topic_partitions;
};

}  // namespace ks::server
