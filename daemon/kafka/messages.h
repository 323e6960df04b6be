// The Kafka requests and responses the ks listener implements, each
// described once (see wire.h) for the versions in kApiRanges. Field layouts
// follow Kafka's message schemas (shared/reference/kafka-protocol/messages);
// fields of versions ks does not advertise are left out. Each range says
// from which version the API is flexible (compact strings, tagged fields).
// APIs added later keep their layouts in a header of their own
// (messages_*.h) that includes this one.
#pragma once

#include <climits>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "daemon/kafka/wire.h"

namespace ks::kafka {

enum ApiKey : int16_t {
  kProduce = 0,
  kFetch = 1,
  kListOffsets = 2,
  kMetadata = 3,
  kOffsetCommit = 8,
  kOffsetFetch = 9,
  kFindCoordinator = 10,
  kJoinGroup = 11,
  kHeartbeat = 12,
  kLeaveGroup = 13,
  kSyncGroup = 14,
  kDescribeGroups = 15,
  kListGroups = 16,
  kApiVersions = 18,
  kCreateTopics = 19,
  kDeleteTopics = 20,
  kDeleteRecords = 21,
  kInitProducerId = 22,
  kOffsetForLeaderEpoch = 23,
  kDescribeConfigs = 32,
  kAlterConfigs = 33,
  kDescribeLogDirs = 35,
  kCreatePartitions = 37,
  kDeleteGroups = 42,
  kIncrementalAlterConfigs = 44,
  kOffsetDelete = 47,
  kDescribeCluster = 60,
  kConsumerGroupHeartbeat = 68,
  kConsumerGroupDescribe = 69,
};

inline constexpr int16_t kNeverFlexible = 0x7fff;

struct ApiRange {
  int16_t key, min, max;
  const char* name;
  int16_t flexible_from = kNeverFlexible;  // first flexible version (Kafka's schema)
};

// The versions whose layouts are described. Produce reaches 7 and Fetch
// 10 because librdkafka enables compression codecs only then (NOTES.md
// §3); both start at 0 for pre-0.11 clients, whose magic 0/1 message sets
// are converted (common/legacy_messages.h). A row with max < min has no layout yet and is not served.
inline constexpr ApiRange kApiRanges[] = {
    {kProduce, 0, 7, "Produce", 9},
    {kFetch, 0, 11, "Fetch", 12},
    {kListOffsets, 0, 10, "ListOffsets", 6},
    {kMetadata, 0, 12, "Metadata", 9},
    {kOffsetCommit, 0, 7, "OffsetCommit", 8},
    {kOffsetFetch, 0, 5, "OffsetFetch", 6},
    {kFindCoordinator, 0, 2, "FindCoordinator", 3},
    {kJoinGroup, 0, 5, "JoinGroup", 6},
    {kHeartbeat, 0, 3, "Heartbeat", 4},
    {kLeaveGroup, 0, 3, "LeaveGroup", 4},
    {kSyncGroup, 0, 3, "SyncGroup", 4},
    {kDescribeGroups, 0, 6, "DescribeGroups", 5},
    {kListGroups, 0, 5, "ListGroups", 3},
    {kApiVersions, 0, 3, "ApiVersions", 3},
    {kCreateTopics, 0, 4, "CreateTopics", 5},
    {kDeleteTopics, 0, 3, "DeleteTopics", 4},
    {kDeleteRecords, 0, 2, "DeleteRecords", 2},
    {kInitProducerId, 0, 5, "InitProducerId", 2},
    {kOffsetForLeaderEpoch, 0, 4, "OffsetForLeaderEpoch", 4},
    {kDescribeConfigs, 0, 4, "DescribeConfigs", 4},
    {kAlterConfigs, 0, 2, "AlterConfigs", 2},
    {kDescribeLogDirs, 0, 4, "DescribeLogDirs", 2},
    {kCreatePartitions, 0, 3, "CreatePartitions", 2},
    {kDeleteGroups, 0, 2, "DeleteGroups", 2},
    {kIncrementalAlterConfigs, 0, 1, "IncrementalAlterConfigs", 1},
    {kOffsetDelete, 0, 0, "OffsetDelete"},
    {kDescribeCluster, 0, 1, "DescribeCluster", 0},
    {kConsumerGroupHeartbeat, 0, 1, "ConsumerGroupHeartbeat", 0},
    {kConsumerGroupDescribe, 0, 0, "ConsumerGroupDescribe", 0},
};

// The advertised range of `key`, or nullptr.
inline const ApiRange* find_api(int16_t key) {
  for (const auto& r : kApiRanges)
    if (r.key == key) return &r;
  return nullptr;
}

// Whether a request (and its response) of this version uses the flexible
// encoding.
inline bool is_flexible(int16_t key, int16_t version) {
  const ApiRange* r = find_api(key);
  return r && version >= r->flexible_from;
}

template <class IO>
void i32s(IO& io, std::vector<int32_t>& v) {
  io.array(v, [&](int32_t& x) { io.i32(x); });
}
template <class IO>
void strs(IO& io, std::vector<std::string>& v) {
  io.array(v, [&](std::string& x) { io.str(x); });
}

// ---- headers -------------------------------------------------------------------

struct RequestHeader {
  int16_t api_key = 0;
  int16_t api_version = 0;
  int32_t correlation_id = 0;
  std::optional<std::string> client_id;
};

// The client id stays a classic string even in flexible headers.
template <class IO>
void serde(IO& io, RequestHeader& m) {
  io.i16(m.api_key);
  io.i16(m.api_version);
  io.i32(m.correlation_id);
  bool flex = io.flexible();
  io.set_flexible(false);
  io.nstr(m.client_id);
  io.set_flexible(flex);
  io.tags();  // only in flexible requests (header v2)
}

// ---- ApiVersions (18) ----------------------------------------------------------

struct ApiVersionsRequest {
  std::string client_software_name, client_software_version;
};
template <class IO>
void serde(IO& io, ApiVersionsRequest& m, int16_t v) {
  if (v >= 3) {
    io.str(m.client_software_name);
    io.str(m.client_software_version);
  }
  io.tags();
}

struct ApiVersionsResponse {
  int16_t error_code = 0;
  struct Api {
    int16_t key = 0, min = 0, max = 0;
  };
  std::vector<Api> apis;
  int32_t throttle_time_ms = 0;
};
template <class IO>
void serde(IO& io, ApiVersionsResponse& m, int16_t v) {
  io.i16(m.error_code);
  io.array(m.apis, [&](ApiVersionsResponse::Api& a) {
    io.i16(a.key);
    io.i16(a.min);
    io.i16(a.max);
    io.tags();
  });
  if (v >= 1) io.i32(m.throttle_time_ms);
  io.tags();
}

// ---- Metadata (3) --------------------------------------------------------------

struct MetadataRequest {
  std::vector<std::string> topics;
  bool all_topics = false;  // v0: empty list; v1+: null list
  bool allow_auto_topic_creation = true;
  bool include_cluster_ops = false, include_topic_ops = false;  // v8+
  // v10+: topics asked for by id (a null name); ks answers UNKNOWN_TOPIC_ID.
  std::vector<Uuid> ids_without_name;
};
template <class IO>
void serde(IO& io, MetadataRequest& m, int16_t v) {
  bool null = v >= 1 && m.all_topics && m.topics.empty();
  if (v < 10) {
    io.array(m.topics, [&](std::string& t) {
      io.str(t);
      io.tags();
    }, &null);
  } else {
    // Each topic is {id, nullable name}; a named topic is sent with a zero id.
    struct Entry {
      Uuid id;
      std::optional<std::string> name;
    };
    std::vector<Entry> entries;
    if constexpr (!IO::kDecoding)
      for (const auto& t : m.topics) entries.push_back({Uuid{}, t});
    io.array(entries, [&](Entry& e) {
      io.uuid(e.id);
      io.nstr(e.name);
      io.tags();
    }, &null);
    if constexpr (IO::kDecoding) {
      for (auto& e : entries) {
        if (e.name) m.topics.push_back(std::move(*e.name));
        else m.ids_without_name.push_back(e.id);
      }
    }
  }
  if constexpr (IO::kDecoding) m.all_topics = v == 0 ? m.topics.empty() : null;
  if (v >= 4) io.boolean(m.allow_auto_topic_creation);
  if (v >= 8 && v <= 10) io.boolean(m.include_cluster_ops);
  if (v >= 8) io.boolean(m.include_topic_ops);
  io.tags();
}

struct MetadataResponse {
  int32_t throttle_time_ms = 0;
  struct Broker {
    int32_t node_id = 0;
    std::string host;
    int32_t port = 0;
    std::optional<std::string> rack;
  };
  std::vector<Broker> brokers;
  std::optional<std::string> cluster_id;
  int32_t controller_id = -1;
  struct Partition {
    int16_t error_code = 0;
    int32_t index = 0;
    int32_t leader = 0;
    int32_t leader_epoch = 0;
    std::vector<int32_t> replicas, isr, offline;
  };
  struct Topic {
    int16_t error_code = 0;
    std::string name;
    bool is_internal = false;
    std::vector<Partition> partitions;
    Uuid topic_id;  // v10+
    int32_t authorized_operations = INT32_MIN;  // v8+
  };
  std::vector<Topic> topics;
  int32_t cluster_authorized_operations = INT32_MIN;  // v8-10
};
template <class IO>
void serde(IO& io, MetadataResponse& m, int16_t v) {
  if (v >= 3) io.i32(m.throttle_time_ms);
  io.array(m.brokers, [&](MetadataResponse::Broker& b) {
    io.i32(b.node_id);
    io.str(b.host);
    io.i32(b.port);
    if (v >= 1) io.nstr(b.rack);
    io.tags();
  });
  if (v >= 2) io.nstr(m.cluster_id);
  if (v >= 1) io.i32(m.controller_id);
  io.array(m.topics, [&](MetadataResponse::Topic& t) {
    io.i16(t.error_code);
    io.str(t.name);
    if (v >= 10) io.uuid(t.topic_id);
    if (v >= 1) io.boolean(t.is_internal);
    io.array(t.partitions, [&](MetadataResponse::Partition& p) {
      io.i16(p.error_code);
      io.i32(p.index);
      io.i32(p.leader);
      if (v >= 7) io.i32(p.leader_epoch);
      i32s(io, p.replicas);
      i32s(io, p.isr);
      if (v >= 5) i32s(io, p.offline);
      io.tags();
    });
    if (v >= 8) io.i32(t.authorized_operations);
    io.tags();
  });
  if (v >= 8 && v <= 10) io.i32(m.cluster_authorized_operations);
  io.tags();
}

// ---- Produce (0) ---------------------------------------------------------------

struct ProduceRequest {
  std::optional<std::string> transactional_id;
  int16_t acks = 1;
  int32_t timeout_ms = 0;
  struct Partition {
    int32_t index = 0;
    std::string_view records;  // a view into the request
  };
  struct Topic {
    std::string name;
    std::vector<Partition> partitions;
  };
  std::vector<Topic> topics;
};
template <class IO>
void serde(IO& io, ProduceRequest& m, int16_t v) {
  if (v >= 3) io.nstr(m.transactional_id);
  io.i16(m.acks);
  io.i32(m.timeout_ms);
  io.array(m.topics, [&](ProduceRequest::Topic& t) {
    io.str(t.name);
    io.array(t.partitions, [&](ProduceRequest::Partition& p) {
      io.i32(p.index);
      io.records(p.records);
    });
  });
}

struct ProduceResponse {
  struct Partition {
    int32_t index = 0;
    int16_t error_code = 0;
    int64_t base_offset = -1;
    int64_t log_append_time_ms = -1;
    int64_t log_start_offset = -1;
  };
  struct Topic {
    std::string name;
    std::vector<Partition> partitions;
  };
  std::vector<Topic> topics;
  int32_t throttle_time_ms = 0;
};
template <class IO>
void serde(IO& io, ProduceResponse& m, int16_t v) {
  io.array(m.topics, [&](ProduceResponse::Topic& t) {
    io.str(t.name);
    io.array(t.partitions, [&](ProduceResponse::Partition& p) {
      io.i32(p.index);
      io.i16(p.error_code);
      io.i64(p.base_offset);
      if (v >= 2) io.i64(p.log_append_time_ms);
      if (v >= 5) io.i64(p.log_start_offset);
    });
  });
  if (v >= 1) io.i32(m.throttle_time_ms);
}

// ---- Fetch (1) -----------------------------------------------------------------

struct FetchRequest {
  int32_t replica_id = -1;
  int32_t max_wait_ms = 0;
  int32_t min_bytes = 0;
  int32_t max_bytes = 0x7fffffff;
  int8_t isolation_level = 0;
  int32_t session_id = 0;
  int32_t session_epoch = -1;
  struct Partition {
    int32_t partition = 0;
    int32_t current_leader_epoch = -1;
    int64_t fetch_offset = 0;
    int64_t log_start_offset = -1;
    int32_t max_bytes = 0;
  };
  struct Topic {
    std::string name;
    std::vector<Partition> partitions;
  };
  std::vector<Topic> topics;
  struct Forgotten {
    std::string name;
    std::vector<int32_t> partitions;
  };
  std::vector<Forgotten> forgotten;
  std::string rack_id;
};
template <class IO>
void serde(IO& io, FetchRequest& m, int16_t v) {
  io.i32(m.replica_id);
  io.i32(m.max_wait_ms);
  io.i32(m.min_bytes);
  if (v >= 3) io.i32(m.max_bytes);
  if (v >= 4) io.i8(m.isolation_level);
  if (v >= 7) {
    io.i32(m.session_id);
    io.i32(m.session_epoch);
  }
  io.array(m.topics, [&](FetchRequest::Topic& t) {
    io.str(t.name);
    io.array(t.partitions, [&](FetchRequest::Partition& p) {
      io.i32(p.partition);
      if (v >= 9) io.i32(p.current_leader_epoch);
      io.i64(p.fetch_offset);
      if (v >= 5) io.i64(p.log_start_offset);
      io.i32(p.max_bytes);
    });
  });
  if (v >= 7) {
    io.array(m.forgotten, [&](FetchRequest::Forgotten& f) {
      io.str(f.name);
      i32s(io, f.partitions);
    });
  }
  if (v >= 11) io.str(m.rack_id);
}

struct FetchResponse {
  int32_t throttle_time_ms = 0;
  int16_t error_code = 0;
  int32_t session_id = 0;
  struct Partition {
    int32_t index = 0;
    int16_t error_code = 0;
    int64_t high_watermark = -1;
    int64_t last_stable_offset = -1;
    int64_t log_start_offset = -1;
    int32_t preferred_read_replica = -1;
    std::string_view records;
  };
  struct Topic {
    std::string name;
    std::vector<Partition> partitions;
  };
  std::vector<Topic> topics;
};
template <class IO>
void serde(IO& io, FetchResponse& m, int16_t v) {
  if (v >= 1) io.i32(m.throttle_time_ms);
  if (v >= 7) {
    io.i16(m.error_code);
    io.i32(m.session_id);
  }
  io.array(m.topics, [&](FetchResponse::Topic& t) {
    io.str(t.name);
    io.array(t.partitions, [&](FetchResponse::Partition& p) {
      io.i32(p.index);
      io.i16(p.error_code);
      io.i64(p.high_watermark);
      if (v >= 4) {
        io.i64(p.last_stable_offset);
        if (v >= 5) io.i64(p.log_start_offset);
        // No transactions: the aborted list is always empty.
        std::vector<int64_t> aborted;
        io.array(aborted, [&](int64_t& x) { io.i64(x); });
      }
      if (v >= 11) io.i32(p.preferred_read_replica);
      io.records(p.records);
    });
  });
}

// ---- ListOffsets (2) -----------------------------------------------------------

struct ListOffsetsRequest {
  int32_t replica_id = -1;
  int8_t isolation_level = 0;
  struct Partition {
    int32_t index = 0;
    int32_t current_leader_epoch = -1;
    int64_t timestamp = -1;
    int32_t max_num_offsets = 1;
  };
  struct Topic {
    std::string name;
    std::vector<Partition> partitions;
  };
  std::vector<Topic> topics;
  int32_t timeout_ms = 0;  // v10: for remote (tiered) lookups, which ks has none of
};
// Timestamps -3 (v7+: the largest), -4 (v8+: earliest local), -5 (v9+:
// latest tiered) are spelled in the same field as -1 and -2.
template <class IO>
void serde(IO& io, ListOffsetsRequest& m, int16_t v) {
  io.i32(m.replica_id);
  if (v >= 2) io.i8(m.isolation_level);
  io.array(m.topics, [&](ListOffsetsRequest::Topic& t) {
    io.str(t.name);
    io.array(t.partitions, [&](ListOffsetsRequest::Partition& p) {
      io.i32(p.index);
      if (v >= 4) io.i32(p.current_leader_epoch);
      io.i64(p.timestamp);
      if (v == 0) io.i32(p.max_num_offsets);
      io.tags();
    });
    io.tags();
  });
  if (v >= 10) io.i32(m.timeout_ms);
  io.tags();
}

struct ListOffsetsResponse {
  int32_t throttle_time_ms = 0;
  struct Partition {
    int32_t index = 0;
    int16_t error_code = 0;
    std::vector<int64_t> old_style_offsets;  // v0
    int64_t timestamp = -1;
    int64_t offset = -1;
    int32_t leader_epoch = -1;
  };
  struct Topic {
    std::string name;
    std::vector<Partition> partitions;
  };
  std::vector<Topic> topics;
};
template <class IO>
void serde(IO& io, ListOffsetsResponse& m, int16_t v) {
  if (v >= 2) io.i32(m.throttle_time_ms);
  io.array(m.topics, [&](ListOffsetsResponse::Topic& t) {
    io.str(t.name);
    io.array(t.partitions, [&](ListOffsetsResponse::Partition& p) {
      io.i32(p.index);
      io.i16(p.error_code);
      if (v == 0) {
        io.array(p.old_style_offsets, [&](int64_t& x) { io.i64(x); });
      } else {
        io.i64(p.timestamp);
        io.i64(p.offset);
        if (v >= 4) io.i32(p.leader_epoch);
      }
      io.tags();
    });
    io.tags();
  });
  io.tags();
}

// ---- FindCoordinator (10) ------------------------------------------------------

struct FindCoordinatorRequest {
  std::string key;
  int8_t key_type = 0;  // 0 group, 1 transaction
};
template <class IO>
void serde(IO& io, FindCoordinatorRequest& m, int16_t v) {
  io.str(m.key);
  if (v >= 1) io.i8(m.key_type);
}

struct FindCoordinatorResponse {
  int32_t throttle_time_ms = 0;
  int16_t error_code = 0;
  std::optional<std::string> error_message;
  int32_t node_id = 0;
  std::string host;
  int32_t port = 0;
};
template <class IO>
void serde(IO& io, FindCoordinatorResponse& m, int16_t v) {
  if (v >= 1) io.i32(m.throttle_time_ms);
  io.i16(m.error_code);
  if (v >= 1) io.nstr(m.error_message);
  io.i32(m.node_id);
  io.str(m.host);
  io.i32(m.port);
}

// ---- JoinGroup (11) ------------------------------------------------------------

struct JoinGroupRequest {
  std::string group_id;
  int32_t session_timeout_ms = 0;
  int32_t rebalance_timeout_ms = -1;
  std::string member_id;
  std::optional<std::string> group_instance_id;
  std::string protocol_type;
  struct Protocol {
    std::string name, metadata;
  };
  std::vector<Protocol> protocols;
};
template <class IO>
void serde(IO& io, JoinGroupRequest& m, int16_t v) {
  io.str(m.group_id);
  io.i32(m.session_timeout_ms);
  if (v >= 1) io.i32(m.rebalance_timeout_ms);
  io.str(m.member_id);
  if (v >= 5) io.nstr(m.group_instance_id);
  io.str(m.protocol_type);
  io.array(m.protocols, [&](JoinGroupRequest::Protocol& p) {
    io.str(p.name);
    io.bytes(p.metadata);
  });
}

struct JoinGroupResponse {
  int32_t throttle_time_ms = 0;
  int16_t error_code = 0;
  int32_t generation_id = -1;
  std::string protocol_name;
  std::string leader;
  std::string member_id;
  struct Member {
    std::string member_id;
    std::optional<std::string> group_instance_id;
    std::string metadata;
  };
  std::vector<Member> members;
};
template <class IO>
void serde(IO& io, JoinGroupResponse& m, int16_t v) {
  if (v >= 2) io.i32(m.throttle_time_ms);
  io.i16(m.error_code);
  io.i32(m.generation_id);
  io.str(m.protocol_name);
  io.str(m.leader);
  io.str(m.member_id);
  io.array(m.members, [&](JoinGroupResponse::Member& x) {
    io.str(x.member_id);
    if (v >= 5) io.nstr(x.group_instance_id);
    io.bytes(x.metadata);
  });
}

// ---- SyncGroup (14) ------------------------------------------------------------

struct SyncGroupRequest {
  std::string group_id;
  int32_t generation_id = -1;
  std::string member_id;
  std::optional<std::string> group_instance_id;
  struct Assignment {
    std::string member_id, assignment;
  };
  std::vector<Assignment> assignments;
};
template <class IO>
void serde(IO& io, SyncGroupRequest& m, int16_t v) {
  io.str(m.group_id);
  io.i32(m.generation_id);
  io.str(m.member_id);
  if (v >= 3) io.nstr(m.group_instance_id);
  io.array(m.assignments, [&](SyncGroupRequest::Assignment& a) {
    io.str(a.member_id);
    io.bytes(a.assignment);
  });
}

struct SyncGroupResponse {
  int32_t throttle_time_ms = 0;
  int16_t error_code = 0;
  std::string assignment;
};
template <class IO>
void serde(IO& io, SyncGroupResponse& m, int16_t v) {
  if (v >= 1) io.i32(m.throttle_time_ms);
  io.i16(m.error_code);
  io.bytes(m.assignment);
}

// ---- Heartbeat (12) ------------------------------------------------------------

struct HeartbeatRequest {
  std::string group_id;
  int32_t generation_id = -1;
  std::string member_id;
  std::optional<std::string> group_instance_id;
};
template <class IO>
void serde(IO& io, HeartbeatRequest& m, int16_t v) {
  io.str(m.group_id);
  io.i32(m.generation_id);
  io.str(m.member_id);
  if (v >= 3) io.nstr(m.group_instance_id);
}

// Heartbeat, and other responses that are only an error code.
struct ErrorOnlyResponse {
  int32_t throttle_time_ms = 0;
  int16_t error_code = 0;
};
template <class IO>
void serde(IO& io, ErrorOnlyResponse& m, int16_t v) {
  if (v >= 1) io.i32(m.throttle_time_ms);
  io.i16(m.error_code);
}

// ---- LeaveGroup (13) -----------------------------------------------------------

struct LeaveGroupRequest {
  std::string group_id;
  std::string member_id;  // v0-2
  struct Member {
    std::string member_id;
    std::optional<std::string> group_instance_id;
  };
  std::vector<Member> members;  // v3+
};
template <class IO>
void serde(IO& io, LeaveGroupRequest& m, int16_t v) {
  io.str(m.group_id);
  if (v <= 2) {
    io.str(m.member_id);
  } else {
    io.array(m.members, [&](LeaveGroupRequest::Member& x) {
      io.str(x.member_id);
      io.nstr(x.group_instance_id);
    });
  }
}

struct LeaveGroupResponse {
  int32_t throttle_time_ms = 0;
  int16_t error_code = 0;
  struct Member {
    std::string member_id;
    std::optional<std::string> group_instance_id;
    int16_t error_code = 0;
  };
  std::vector<Member> members;  // v3+
};
template <class IO>
void serde(IO& io, LeaveGroupResponse& m, int16_t v) {
  if (v >= 1) io.i32(m.throttle_time_ms);
  io.i16(m.error_code);
  if (v >= 3) {
    io.array(m.members, [&](LeaveGroupResponse::Member& x) {
      io.str(x.member_id);
      io.nstr(x.group_instance_id);
      io.i16(x.error_code);
    });
  }
}

// ---- OffsetCommit (8) ----------------------------------------------------------

struct OffsetCommitRequest {
  std::string group_id;
  int32_t generation_id = -1;
  std::string member_id;
  std::optional<std::string> group_instance_id;
  int64_t retention_time_ms = -1;
  struct Partition {
    int32_t index = 0;
    int64_t offset = 0;
    int32_t leader_epoch = -1;
    int64_t commit_timestamp = -1;
    std::optional<std::string> metadata;
  };
  struct Topic {
    std::string name;
    std::vector<Partition> partitions;
  };
  std::vector<Topic> topics;
};
template <class IO>
void serde(IO& io, OffsetCommitRequest& m, int16_t v) {
  io.str(m.group_id);
  if (v >= 1) {
    io.i32(m.generation_id);
    io.str(m.member_id);
  }
  if (v >= 7) io.nstr(m.group_instance_id);
  if (v >= 2 && v <= 4) io.i64(m.retention_time_ms);
  io.array(m.topics, [&](OffsetCommitRequest::Topic& t) {
    io.str(t.name);
    io.array(t.partitions, [&](OffsetCommitRequest::Partition& p) {
      io.i32(p.index);
      io.i64(p.offset);
      if (v >= 6) io.i32(p.leader_epoch);
      if (v == 1) io.i64(p.commit_timestamp);
      io.nstr(p.metadata);
    });
  });
}

struct OffsetCommitResponse {
  int32_t throttle_time_ms = 0;
  struct Partition {
    int32_t index = 0;
    int16_t error_code = 0;
  };
  struct Topic {
    std::string name;
    std::vector<Partition> partitions;
  };
  std::vector<Topic> topics;
};
template <class IO>
void serde(IO& io, OffsetCommitResponse& m, int16_t v) {
  if (v >= 3) io.i32(m.throttle_time_ms);
  io.array(m.topics, [&](OffsetCommitResponse::Topic& t) {
    io.str(t.name);
    io.array(t.partitions, [&](OffsetCommitResponse::Partition& p) {
      io.i32(p.index);
      io.i16(p.error_code);
    });
  });
}

// ---- OffsetFetch (9) -----------------------------------------------------------

struct OffsetFetchRequest {
  std::string group_id;
  struct Topic {
    std::string name;
    std::vector<int32_t> partitions;
  };
  std::vector<Topic> topics;
  bool all_topics = false;  // v2+: a null topic list
};
template <class IO>
void serde(IO& io, OffsetFetchRequest& m, int16_t v) {
  io.str(m.group_id);
  bool null = v >= 2 && m.all_topics && m.topics.empty();
  io.array(m.topics, [&](OffsetFetchRequest::Topic& t) {
    io.str(t.name);
    i32s(io, t.partitions);
  }, &null);
  if constexpr (IO::kDecoding) m.all_topics = v >= 2 && null;
}

struct OffsetFetchResponse {
  int32_t throttle_time_ms = 0;
  struct Partition {
    int32_t index = 0;
    int64_t offset = -1;
    int32_t leader_epoch = -1;
    std::optional<std::string> metadata;
    int16_t error_code = 0;
  };
  struct Topic {
    std::string name;
    std::vector<Partition> partitions;
  };
  std::vector<Topic> topics;
  int16_t error_code = 0;
};
template <class IO>
void serde(IO& io, OffsetFetchResponse& m, int16_t v) {
  if (v >= 3) io.i32(m.throttle_time_ms);
  io.array(m.topics, [&](OffsetFetchResponse::Topic& t) {
    io.str(t.name);
    io.array(t.partitions, [&](OffsetFetchResponse::Partition& p) {
      io.i32(p.index);
      io.i64(p.offset);
      if (v >= 5) io.i32(p.leader_epoch);
      io.nstr(p.metadata);
      io.i16(p.error_code);
    });
  });
  if (v >= 2) io.i16(m.error_code);
}

// ---- ListGroups (16) / DescribeGroups (15) -------------------------------------

// v4 filters by state and v5 by type (KIP-518, KIP-848); empty filters
// keep every group.
struct ListGroupsRequest {
  std::vector<std::string> states_filter, types_filter;
};
template <class IO>
void serde(IO& io, ListGroupsRequest& m, int16_t v) {
  if (v >= 4) strs(io, m.states_filter);
  if (v >= 5) strs(io, m.types_filter);
  io.tags();
}

struct ListGroupsResponse {
  int32_t throttle_time_ms = 0;
  int16_t error_code = 0;
  struct Group {
    std::string group_id, protocol_type;
    std::string state;  // v4: Empty, Stable, ... as Kafka names them
    std::string type;   // v5: "classic" or "consumer"
  };
  std::vector<Group> groups;
};
template <class IO>
void serde(IO& io, ListGroupsResponse& m, int16_t v) {
  if (v >= 1) io.i32(m.throttle_time_ms);
  io.i16(m.error_code);
  io.array(m.groups, [&](ListGroupsResponse::Group& g) {
    io.str(g.group_id);
    io.str(g.protocol_type);
    if (v >= 4) io.str(g.state);
    if (v >= 5) io.str(g.type);
    io.tags();
  });
  io.tags();
}

struct DescribeGroupsRequest {
  std::vector<std::string> groups;
  bool include_authorized_operations = false;
};
template <class IO>
void serde(IO& io, DescribeGroupsRequest& m, int16_t v) {
  strs(io, m.groups);
  if (v >= 3) io.boolean(m.include_authorized_operations);
  io.tags();
}

struct DescribeGroupsResponse {
  int32_t throttle_time_ms = 0;
  struct Member {
    std::string member_id;
    std::optional<std::string> group_instance_id;
    std::string client_id, client_host, metadata, assignment;
  };
  struct Group {
    int16_t error_code = 0;
    std::optional<std::string> error_message;  // v6+
    std::string group_id, state, protocol_type, protocol_data;
    std::vector<Member> members;
    int32_t authorized_operations = INT32_MIN;
  };
  std::vector<Group> groups;
};
template <class IO>
void serde(IO& io, DescribeGroupsResponse& m, int16_t v) {
  if (v >= 1) io.i32(m.throttle_time_ms);
  io.array(m.groups, [&](DescribeGroupsResponse::Group& g) {
    io.i16(g.error_code);
    if (v >= 6) io.nstr(g.error_message);
    io.str(g.group_id);
    io.str(g.state);
    io.str(g.protocol_type);
    io.str(g.protocol_data);
    io.array(g.members, [&](DescribeGroupsResponse::Member& x) {
      io.str(x.member_id);
      if (v >= 4) io.nstr(x.group_instance_id);
      io.str(x.client_id);
      io.str(x.client_host);
      io.bytes(x.metadata);
      io.bytes(x.assignment);
      io.tags();
    });
    if (v >= 3) io.i32(g.authorized_operations);
    io.tags();
  });
  io.tags();
}

// ---- CreateTopics (19) / DeleteTopics (20) -------------------------------------

struct CreateTopicsRequest {
  struct Assignment {
    int32_t partition = 0;
    std::vector<int32_t> brokers;
  };
  struct Config {
    std::string name;
    std::optional<std::string> value;
  };
  struct Topic {
    std::string name;
    int32_t num_partitions = -1;
    int16_t replication_factor = -1;
    std::vector<Assignment> assignments;
    std::vector<Config> configs;
  };
  std::vector<Topic> topics;
  int32_t timeout_ms = 60000;
  bool validate_only = false;
};
template <class IO>
void serde(IO& io, CreateTopicsRequest& m, int16_t v) {
  io.array(m.topics, [&](CreateTopicsRequest::Topic& t) {
    io.str(t.name);
    io.i32(t.num_partitions);
    io.i16(t.replication_factor);
    io.array(t.assignments, [&](CreateTopicsRequest::Assignment& a) {
      io.i32(a.partition);
      i32s(io, a.brokers);
    });
    io.array(t.configs, [&](CreateTopicsRequest::Config& c) {
      io.str(c.name);
      io.nstr(c.value);
    });
  });
  io.i32(m.timeout_ms);
  if (v >= 1) io.boolean(m.validate_only);
}

struct CreateTopicsResponse {
  int32_t throttle_time_ms = 0;
  struct Topic {
    std::string name;
    int16_t error_code = 0;
    std::optional<std::string> error_message;
  };
  std::vector<Topic> topics;
};
template <class IO>
void serde(IO& io, CreateTopicsResponse& m, int16_t v) {
  if (v >= 2) io.i32(m.throttle_time_ms);
  io.array(m.topics, [&](CreateTopicsResponse::Topic& t) {
    io.str(t.name);
    io.i16(t.error_code);
    if (v >= 1) io.nstr(t.error_message);
  });
}

struct DeleteTopicsRequest {
  std::vector<std::string> names;
  int32_t timeout_ms = 0;
};
template <class IO>
void serde(IO& io, DeleteTopicsRequest& m, int16_t) {
  strs(io, m.names);
  io.i32(m.timeout_ms);
}

struct DeleteTopicsResponse {
  int32_t throttle_time_ms = 0;
  struct Topic {
    std::string name;
    int16_t error_code = 0;
  };
  std::vector<Topic> topics;
};
template <class IO>
void serde(IO& io, DeleteTopicsResponse& m, int16_t v) {
  if (v >= 1) io.i32(m.throttle_time_ms);
  io.array(m.topics, [&](DeleteTopicsResponse::Topic& t) {
    io.str(t.name);
    io.i16(t.error_code);
  });
}

// ---- helpers -------------------------------------------------------------------

// Decodes a whole message body; false (with `why`) when it is malformed or
// has bytes left over.
template <class T>
bool decode(std::string_view body, int16_t key, int16_t version, T* out, const char** why) {
  Decoder d(body, is_flexible(key, version));
  serde(d, *out, version);
  if (d.ok() && d.remaining() != 0) d.fail("trailing bytes after the request");
  if (!d.ok()) *why = d.error();
  return d.ok();
}

// Appends a size-prefixed response: size, correlation id, (tagged fields
// for flexible responses other than ApiVersions), body.
template <class T>
void encode_response(std::string* out, int16_t key, int16_t version, int32_t correlation_id, T& body) {
  size_t start = out->size();
  out->append(4, '\0');
  Encoder e(out, is_flexible(key, version));
  e.i32(correlation_id);
  if (e.flexible() && key != kApiVersions) e.tags();
  serde(e, body, version);
  uint32_t n = static_cast<uint32_t>(out->size() - start - 4);
  for (int i = 0; i < 4; ++i) (*out)[start + i] = static_cast<char>(n >> (8 * (3 - i)));
}

}  // namespace ks::kafka
