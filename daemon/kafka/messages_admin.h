// Layouts of Kafka's partition, record, group and cluster admin APIs:
// CreatePartitions (37), DeleteRecords (21), OffsetForLeaderEpoch (23),
// DescribeCluster (60), DescribeLogDirs (35), DeleteGroups (42) and
// OffsetDelete (47), for the versions kApiRanges gives them. Fields follow
// the schemas in shared/reference/kafka-protocol/messages; flexible
// versions come from io.flexible() (set from kApiRanges' flexible_from).
#pragma once

#include "daemon/kafka/messages.h"

namespace ks::kafka {

// ---- CreatePartitions (37) -------------------------------------------------------

struct CreatePartitionsRequest {
  struct Topic {
    std::string name;
    int32_t count = 0;
    bool assignments_null = true;
    std::vector<std::vector<int32_t>> assignments;  // broker ids of each new partition
  };
  std::vector<Topic> topics;
  int32_t timeout_ms = 0;
  bool validate_only = false;
};
template <class IO>
void serde(IO& io, CreatePartitionsRequest& m, int16_t) {
  io.array(m.topics, [&](CreatePartitionsRequest::Topic& t) {
    io.str(t.name);
    io.i32(t.count);
    io.array(
        t.assignments,
        [&](std::vector<int32_t>& a) {
          i32s(io, a);
          io.tags();
        },
        &t.assignments_null);
    io.tags();
  });
  io.i32(m.timeout_ms);
  io.boolean(m.validate_only);
  io.tags();
}

struct CreatePartitionsResponse {
  int32_t throttle_time_ms = 0;
  struct Result {
    std::string name;
    int16_t error_code = 0;
    std::optional<std::string> error_message;
  };
  std::vector<Result> results;
};
template <class IO>
void serde(IO& io, CreatePartitionsResponse& m, int16_t) {
  io.i32(m.throttle_time_ms);
  io.array(m.results, [&](CreatePartitionsResponse::Result& r) {
    io.str(r.name);
    io.i16(r.error_code);
    io.nstr(r.error_message);
    io.tags();
  });
  io.tags();
}

// ---- DeleteRecords (21) ----------------------------------------------------------

struct DeleteRecordsRequest {
  struct Partition {
    int32_t index = 0;
    int64_t offset = 0;  // -1: the high watermark
  };
  struct Topic {
    std::string name;
    std::vector<Partition> partitions;
  };
  std::vector<Topic> topics;
  int32_t timeout_ms = 0;
};
template <class IO>
void serde(IO& io, DeleteRecordsRequest& m, int16_t) {
  io.array(m.topics, [&](DeleteRecordsRequest::Topic& t) {
    io.str(t.name);
    io.array(t.partitions, [&](DeleteRecordsRequest::Partition& p) {
      io.i32(p.index);
      io.i64(p.offset);
      io.tags();
    });
    io.tags();
  });
  io.i32(m.timeout_ms);
  io.tags();
}

struct DeleteRecordsResponse {
  int32_t throttle_time_ms = 0;
  struct Partition {
    int32_t index = 0;
    int64_t low_watermark = -1;
    int16_t error_code = 0;
  };
  struct Topic {
    std::string name;
    std::vector<Partition> partitions;
  };
  std::vector<Topic> topics;
};
template <class IO>
void serde(IO& io, DeleteRecordsResponse& m, int16_t) {
  io.i32(m.throttle_time_ms);
  io.array(m.topics, [&](DeleteRecordsResponse::Topic& t) {
    io.str(t.name);
    io.array(t.partitions, [&](DeleteRecordsResponse::Partition& p) {
      io.i32(p.index);
      io.i64(p.low_watermark);
      io.i16(p.error_code);
      io.tags();
    });
    io.tags();
  });
  io.tags();
}

// ---- OffsetForLeaderEpoch (23) ---------------------------------------------------

struct OffsetForLeaderEpochRequest {
  int32_t replica_id = -2;  // v3+; -2: a consumer
  struct Partition {
    int32_t partition = 0;
    int32_t current_leader_epoch = -1;  // v2+
    int32_t leader_epoch = 0;
  };
  struct Topic {
    std::string name;
    std::vector<Partition> partitions;
  };
  std::vector<Topic> topics;
};
template <class IO>
void serde(IO& io, OffsetForLeaderEpochRequest& m, int16_t v) {
  if (v >= 3) io.i32(m.replica_id);
  io.array(m.topics, [&](OffsetForLeaderEpochRequest::Topic& t) {
    io.str(t.name);
    io.array(t.partitions, [&](OffsetForLeaderEpochRequest::Partition& p) {
      io.i32(p.partition);
      if (v >= 2) io.i32(p.current_leader_epoch);
      io.i32(p.leader_epoch);
      io.tags();
    });
    io.tags();
  });
  io.tags();
}

struct OffsetForLeaderEpochResponse {
  int32_t throttle_time_ms = 0;  // v2+
  struct Partition {
    int16_t error_code = 0;
    int32_t partition = 0;
    int32_t leader_epoch = -1;  // v1+
    int64_t end_offset = -1;
  };
  struct Topic {
    std::string name;
    std::vector<Partition> partitions;
  };
  std::vector<Topic> topics;
};
template <class IO>
void serde(IO& io, OffsetForLeaderEpochResponse& m, int16_t v) {
  if (v >= 2) io.i32(m.throttle_time_ms);
  io.array(m.topics, [&](OffsetForLeaderEpochResponse::Topic& t) {
    io.str(t.name);
    io.array(t.partitions, [&](OffsetForLeaderEpochResponse::Partition& p) {
      io.i16(p.error_code);
      io.i32(p.partition);
      if (v >= 1) io.i32(p.leader_epoch);
      io.i64(p.end_offset);
      io.tags();
    });
    io.tags();
  });
  io.tags();
}

// ---- DescribeCluster (60) --------------------------------------------------------

struct DescribeClusterRequest {
  bool include_cluster_authorized_operations = false;
  int8_t endpoint_type = 1;  // v1+: 1 brokers, 2 controllers
};
template <class IO>
void serde(IO& io, DescribeClusterRequest& m, int16_t v) {
  io.boolean(m.include_cluster_authorized_operations);
  if (v >= 1) io.i8(m.endpoint_type);
  io.tags();
}

struct DescribeClusterResponse {
  int32_t throttle_time_ms = 0;
  int16_t error_code = 0;
  std::optional<std::string> error_message;
  int8_t endpoint_type = 1;  // v1+
  std::string cluster_id;
  int32_t controller_id = -1;
  struct Broker {
    int32_t broker_id = 0;
    std::string host;
    int32_t port = 0;
    std::optional<std::string> rack;
  };
  std::vector<Broker> brokers;
  int32_t cluster_authorized_operations = INT32_MIN;  // INT32_MIN: not asked for
};
template <class IO>
void serde(IO& io, DescribeClusterResponse& m, int16_t v) {
  io.i32(m.throttle_time_ms);
  io.i16(m.error_code);
  io.nstr(m.error_message);
  if (v >= 1) io.i8(m.endpoint_type);
  io.str(m.cluster_id);
  io.i32(m.controller_id);
  io.array(m.brokers, [&](DescribeClusterResponse::Broker& b) {
    io.i32(b.broker_id);
    io.str(b.host);
    io.i32(b.port);
    io.nstr(b.rack);
    io.tags();
  });
  io.i32(m.cluster_authorized_operations);
  io.tags();
}

// ---- DescribeLogDirs (35) --------------------------------------------------------

struct DescribeLogDirsRequest {
  struct Topic {
    std::string name;
    std::vector<int32_t> partitions;
  };
  bool all = false;  // a null topic list: every partition
  std::vector<Topic> topics;
};
template <class IO>
void serde(IO& io, DescribeLogDirsRequest& m, int16_t) {
  io.array(
      m.topics,
      [&](DescribeLogDirsRequest::Topic& t) {
        io.str(t.name);
        i32s(io, t.partitions);
        io.tags();
      },
      &m.all);
  io.tags();
}

struct DescribeLogDirsResponse {
  int32_t throttle_time_ms = 0;
  int16_t error_code = 0;  // v3+
  struct Partition {
    int32_t index = 0;
    int64_t size = 0;
    int64_t offset_lag = 0;
    bool is_future = false;
  };
  struct Topic {
    std::string name;
    std::vector<Partition> partitions;
  };
  struct Dir {
    int16_t error_code = 0;
    std::string log_dir;
    std::vector<Topic> topics;
    int64_t total_bytes = -1;   // v4+
    int64_t usable_bytes = -1;  // v4+
  };
  std::vector<Dir> results;
};
template <class IO>
void serde(IO& io, DescribeLogDirsResponse& m, int16_t v) {
  io.i32(m.throttle_time_ms);
  if (v >= 3) io.i16(m.error_code);
  io.array(m.results, [&](DescribeLogDirsResponse::Dir& d) {
    io.i16(d.error_code);
    io.str(d.log_dir);
    io.array(d.topics, [&](DescribeLogDirsResponse::Topic& t) {
      io.str(t.name);
      io.array(t.partitions, [&](DescribeLogDirsResponse::Partition& p) {
        io.i32(p.index);
        io.i64(p.size);
        io.i64(p.offset_lag);
        io.boolean(p.is_future);
        io.tags();
      });
      io.tags();
    });
    if (v >= 4) {
      io.i64(d.total_bytes);
      io.i64(d.usable_bytes);
    }
    io.tags();
  });
  io.tags();
}

// ---- DeleteGroups (42) -----------------------------------------------------------

struct DeleteGroupsRequest {
  std::vector<std::string> groups;
};
template <class IO>
void serde(IO& io, DeleteGroupsRequest& m, int16_t) {
  strs(io, m.groups);
  io.tags();
}

struct DeleteGroupsResponse {
  int32_t throttle_time_ms = 0;
  struct Result {
    std::string group;
    int16_t error_code = 0;
  };
  std::vector<Result> results;
};
template <class IO>
void serde(IO& io, DeleteGroupsResponse& m, int16_t) {
  io.i32(m.throttle_time_ms);
  io.array(m.results, [&](DeleteGroupsResponse::Result& r) {
    io.str(r.group);
    io.i16(r.error_code);
    io.tags();
  });
  io.tags();
}

// ---- OffsetDelete (47), never flexible -------------------------------------------

struct OffsetDeleteRequest {
  std::string group;
  struct Topic {
    std::string name;
    std::vector<int32_t> partitions;
  };
  std::vector<Topic> topics;
};
template <class IO>
void serde(IO& io, OffsetDeleteRequest& m, int16_t) {
  io.str(m.group);
  io.array(m.topics, [&](OffsetDeleteRequest::Topic& t) {
    io.str(t.name);
    io.array(t.partitions, [&](int32_t& p) { io.i32(p); });
  });
}

struct OffsetDeleteResponse {
  int16_t error_code = 0;
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
void serde(IO& io, OffsetDeleteResponse& m, int16_t) {
  io.i16(m.error_code);
  io.i32(m.throttle_time_ms);
  io.array(m.topics, [&](OffsetDeleteResponse::Topic& t) {
    io.str(t.name);
    io.array(t.partitions, [&](OffsetDeleteResponse::Partition& p) {
      io.i32(p.index);
      io.i16(p.error_code);
    });
  });
}

}  // namespace ks::kafka
