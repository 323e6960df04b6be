// Layouts of the consumer protocol of KIP-848: ConsumerGroupHeartbeat (68,
// v0-1) and ConsumerGroupDescribe (69, v0). Both are flexible in every
// version. Partitions are named by topic id (Kafka's uuid).
#pragma once

#include <climits>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "daemon/kafka/messages.h"

namespace ks::kafka {

struct CgTopicPartitions {
  Uuid topic_id;
  std::vector<int32_t> partitions;
};
template <class IO>
void serde(IO& io, CgTopicPartitions& m) {
  io.uuid(m.topic_id);
  i32s(io, m.partitions);
  io.tags();
}

// ---- ConsumerGroupHeartbeat (68) -----------------------------------------------

struct ConsumerGroupHeartbeatRequest {
  std::string group_id, member_id;
  int32_t member_epoch = 0;
  std::optional<std::string> instance_id, rack_id;
  int32_t rebalance_timeout_ms = -1;
  std::vector<std::string> topics;
  bool topics_null = true;
  std::optional<std::string> topic_regex;  // v1+
  std::optional<std::string> server_assignor;
  std::vector<CgTopicPartitions> owned;
  bool owned_null = true;
};
template <class IO>
void serde(IO& io, ConsumerGroupHeartbeatRequest& m, int16_t v) {
  io.str(m.group_id);
  io.str(m.member_id);
  io.i32(m.member_epoch);
  io.nstr(m.instance_id);
  io.nstr(m.rack_id);
  io.i32(m.rebalance_timeout_ms);
  io.array(m.topics, [&](std::string& t) { io.str(t); }, &m.topics_null);
  if (v >= 1) io.nstr(m.topic_regex);
  io.nstr(m.server_assignor);
  io.array(m.owned, [&](CgTopicPartitions& t) { serde(io, t); }, &m.owned_null);
  io.tags();
}

struct ConsumerGroupHeartbeatResponse {
  int32_t throttle_time_ms = 0;
  int16_t error_code = 0;
  std::optional<std::string> error_message;
  std::optional<std::string> member_id;
  int32_t member_epoch = 0;
  int32_t heartbeat_interval_ms = 0;
  std::optional<std::vector<CgTopicPartitions>> assignment;
};
template <class IO>
void serde(IO& io, ConsumerGroupHeartbeatResponse& m, int16_t) {
  io.i32(m.throttle_time_ms);
  io.i16(m.error_code);
  io.nstr(m.error_message);
  io.nstr(m.member_id);
  io.i32(m.member_epoch);
  io.i32(m.heartbeat_interval_ms);
  // A nullable struct: int8 -1 for null, 1 then the struct.
  int8_t present = m.assignment ? 1 : -1;
  io.i8(present);
  if (present < 0) {
    m.assignment.reset();
  } else {
    if constexpr (IO::kDecoding) m.assignment.emplace();
    io.array(*m.assignment, [&](CgTopicPartitions& t) { serde(io, t); });
    io.tags();
  }
  io.tags();
}

// ---- ConsumerGroupDescribe (69) ------------------------------------------------

struct ConsumerGroupDescribeRequest {
  std::vector<std::string> group_ids;
  bool include_authorized_operations = false;
};
template <class IO>
void serde(IO& io, ConsumerGroupDescribeRequest& m, int16_t) {
  strs(io, m.group_ids);
  io.boolean(m.include_authorized_operations);
  io.tags();
}

struct CgDescribedPartitions {
  Uuid topic_id;
  std::string topic_name;
  std::vector<int32_t> partitions;
};

struct ConsumerGroupDescribeResponse {
  int32_t throttle_time_ms = 0;
  struct Member {
    std::string member_id;
    std::optional<std::string> instance_id, rack_id;
    int32_t member_epoch = 0;
    std::string client_id, client_host;
    std::vector<std::string> topics;
    std::optional<std::string> topic_regex;
    std::vector<CgDescribedPartitions> assignment, target;
  };
  struct Group {
    int16_t error_code = 0;
    std::optional<std::string> error_message;
    std::string group_id, state;
    int32_t group_epoch = 0, assignment_epoch = 0;
    std::string assignor;
    std::vector<Member> members;
    int32_t authorized_operations = INT32_MIN;
  };
  std::vector<Group> groups;
};
template <class IO>
void serde(IO& io, std::vector<CgDescribedPartitions>& a) {
  // The Assignment struct: its one field, then its tags.
  io.array(a, [&](CgDescribedPartitions& t) {
    io.uuid(t.topic_id);
    io.str(t.topic_name);
    i32s(io, t.partitions);
    io.tags();
  });
  io.tags();
}
template <class IO>
void serde(IO& io, ConsumerGroupDescribeResponse& m, int16_t) {
  io.i32(m.throttle_time_ms);
  io.array(m.groups, [&](ConsumerGroupDescribeResponse::Group& g) {
    io.i16(g.error_code);
    io.nstr(g.error_message);
    io.str(g.group_id);
    io.str(g.state);
    io.i32(g.group_epoch);
    io.i32(g.assignment_epoch);
    io.str(g.assignor);
    io.array(g.members, [&](ConsumerGroupDescribeResponse::Member& x) {
      io.str(x.member_id);
      io.nstr(x.instance_id);
      io.nstr(x.rack_id);
      io.i32(x.member_epoch);
      io.str(x.client_id);
      io.str(x.client_host);
      strs(io, x.topics);
      io.nstr(x.topic_regex);
      serde(io, x.assignment);
      serde(io, x.target);
      io.tags();
    });
    io.i32(g.authorized_operations);
    io.tags();
  });
  io.tags();
}

}  // namespace ks::kafka
