// The Kafka listener's side of Server: size-prefixed frames, request
// headers, and the Kafka APIs mapped onto the Broker and the Kafka group
// coordinator. Requests on a connection are answered in order (the slots
// of server.cc); malformed input closes the connection after the answers
// already owed, and never reaches the broker.
#include <sys/socket.h>

#include <algorithm>
#include <deque>
#include <map>

#include "common/record_batch.h"
#include "common/types.h"
#include "daemon/kafka/errors.h"
#include "daemon/kafka/messages.h"
#include "daemon/broker/kafka_groups.h"
#include "daemon/broker/logging.h"
#include "daemon/server/server_internal.h"
#include "daemon/broker/topic_config.h"

namespace ks::server {

using namespace ks::kafka;

namespace {

constexpr int32_t kNodeId = 1;
constexpr int64_t kMaxKafkaWaitMs = 5 * 60 * 1000;

int16_t error_of(const Status& s) {
  switch (s.code()) {
    case Code::kOk: return kNone;
    case Code::kNotFound: return kUnknownTopicOrPartition;
    case Code::kAlreadyExists: return kTopicAlreadyExists;
    case Code::kCorruption: return kCorruptMessage;
    case Code::kOutOfRange: return kOffsetOutOfRange;
    case Code::kIOError: return kKafkaStorageError;
    case Code::kInvalidArgument:
      if (s.message().find("too large") != std::string::npos || s.message().find("max.message.bytes") != std::string::npos)
        return kMessageTooLarge;
      return kCorruptMessage;
    default: return kUnknownServerError;
  }
}

// The RecordBatch magic of the first batch, or -1 when there is none.
int magic_of(std::string_view records) {
  return records.size() > batch::kMagicPos ? static_cast<int8_t>(records[batch::kMagicPos]) : -1;
}

}  // namespace

struct Server::KafkaFetch : LongPoll {
  Slot* slot = nullptr;
  int16_t version = 0;
  int32_t correlation = 0;
  FetchRequest req;
};

Status Server::listen_kafka(const std::string& hostport, bool allow_remote, const std::string& advertise) {
  bool loopback = true;
  auto l = bind_tcp(hostport, allow_remote, true, &loopback);
  if (!l.ok()) return l.status();
  sockaddr_storage bound{};
  socklen_t len = sizeof bound;
  char name[64] = "";
  int port = 0;
  if (::getsockname((*l)->fd, reinterpret_cast<sockaddr*>(&bound), &len) == 0) {
    if (bound.ss_family == AF_INET6) {
      uv_ip6_name(reinterpret_cast<sockaddr_in6*>(&bound), name, sizeof name);
      port = ntohs(reinterpret_cast<sockaddr_in6*>(&bound)->sin6_port);
    } else {
      uv_ip4_name(reinterpret_cast<sockaddr_in*>(&bound), name, sizeof name);
      port = ntohs(reinterpret_cast<sockaddr_in*>(&bound)->sin_port);
    }
  }
  std::string host = name;
  if (host == "0.0.0.0" || host == "::") {
    char hn[256] = "";
    size_t hn_len = sizeof hn;
    host = uv_os_gethostname(hn, &hn_len) == 0 ? hn : "localhost";
  }
  kafka_host_ = host;
  kafka_port_ = port;
  if (!advertise.empty()) {
    auto colon = advertise.rfind(':');
    char* end = nullptr;
    long p = colon == std::string::npos ? -1 : std::strtol(advertise.c_str() + colon + 1, &end, 10);
    if (colon == std::string::npos || colon == 0 || *end || p <= 0 || p > 65535)
      return Status::InvalidArgument("bad --kafka-advertise '" + advertise + "': expected HOST:PORT");
    kafka_host_ = advertise.substr(0, colon);
    if (kafka_host_.size() > 2 && kafka_host_.front() == '[') kafka_host_ = kafka_host_.substr(1, kafka_host_.size() - 2);
    kafka_port_ = static_cast<int32_t>(p);
  }
  std::string shown = std::string(name).find(':') != std::string::npos ? "[" + std::string(name) + "]" : name;
  listener_names_.push_back("kafka://" + shown + ":" + std::to_string(port));
  return Status::OK();
}

size_t Server::process_kafka(const std::shared_ptr<Conn>& c, char* data, size_t n) {
  size_t pos = 0;
  while (!c->closing && !c->close_after_flush) {
    if (should_pause(*c)) {
      pause_reading(c.get());
      break;
    }
    size_t avail = n - pos;
    if (avail < 4) break;
    const auto* p = reinterpret_cast<const uint8_t*>(data + pos);
    int32_t size = static_cast<int32_t>(uint32_t{p[0]} << 24 | uint32_t{p[1]} << 16 | uint32_t{p[2]} << 8 | p[3]);
    if (size < 8 || size > options_.max_frame_bytes) {
      log_warn("kafka client %s: bad request size %d; closing the connection", c->peer.c_str(), size);
      c->close_after_flush = true;
      flush_slots(c);
      break;
    }
    if (avail < 4 + static_cast<size_t>(size)) break;
    dispatch_kafka(c, data + pos + 4, static_cast<size_t>(size));
    pos += 4 + static_cast<size_t>(size);
  }
  if (c->close_after_flush || c->closing) {
    pause_reading(c.get());
    return n;
  }
  return pos;
}

void Server::dispatch_kafka(const std::shared_ptr<Conn>& c, char* data, size_t size) {
  std::string_view frame(data, size);
  RequestHeader h;
  {
    Decoder peek(frame);
    peek.i16(h.api_key);
    peek.i16(h.api_version);
  }
  const ApiRange* range = find_api(h.api_key);
  bool known = range && h.api_version >= range->min && h.api_version <= range->max;
  Decoder d(frame, known && is_flexible(h.api_key, h.api_version));
  serde(d, h);
  if (!d.ok()) {
    log_warn("kafka client %s: malformed request header (%s); closing the connection", c->peer.c_str(), d.error());
    c->close_after_flush = true;
    flush_slots(c);
    return;
  }
  std::string_view body(d.position(), d.remaining());
  auto slot_ptr = std::make_unique<Slot>();
  Slot* slot = slot_ptr.get();
  c->slots.push_back(std::move(slot_ptr));
  const int16_t v = h.api_version;
  const int32_t corr = h.correlation_id;
  const int16_t key = h.api_key;

  if (!known) {
    if (key == kApiVersions) {
      // An ApiVersions version we do not know: the v0 layout with error 35
      // and our ranges, so the client retries with one we do (KIP-511).
      ApiVersionsResponse r;
      r.error_code = kUnsupportedVersion;
      for (const auto& a : kApiRanges) r.apis.push_back({a.key, a.min, a.max});
      std::string out;
      encode_response(&out, kApiVersions, 0, corr, r);
      return complete(c, slot, std::move(out));
    }
    return close_kafka(c, slot, "an unsupported API " + std::to_string(key), v, "not implemented");
  }

  const char* why = "";
  auto bad_request = [&] { close_kafka(c, slot, range->name, v, why); };
  const uint64_t since = broker_->meta_mark();
  auto reply = [&, since](auto& response) {
    std::string out;
    encode_response(&out, key, v, corr, response);
    // Told once the metadata the request may have changed is on disk; when
    // that fails the client must not hear success, so the connection closes.
    broker_->when_meta_durable([this, weak = std::weak_ptr<Conn>(c), slot, out = std::move(out)](Status durable) mutable {
      auto conn = weak.lock();
      if (!conn || conn->closing) return;
      if (durable.ok()) return complete(conn, slot, std::move(out));
      log_error("kafka client %s: %s; closing the connection", conn->peer.c_str(), durable.to_string().c_str());
      slot->ready = slot->silent = conn->close_after_flush = true;
      flush_slots(conn);
    }, since);
  };
  std::weak_ptr<Conn> weak = c;
  // Answers a request later (group joins and syncs).
  auto later = [this, weak, slot, key, v, corr](auto& response) {
    auto conn = weak.lock();
    if (!conn || conn->closing) return;
    std::string out;
    encode_response(&out, key, v, corr, response);
    complete(conn, slot, std::move(out));
  };
  const int64_t now = broker_->now_ms();
  KafkaGroups& groups = broker_->kafka_groups();

  switch (key) {
    case kApiVersions: {
      ApiVersionsRequest req;
      if (!decode(body, key, v, &req, &why)) return bad_request();
      ApiVersionsResponse r;
      for (const auto& a : kApiRanges) r.apis.push_back({a.key, a.min, a.max});
      return reply(r);
    }
    case kMetadata: {
      MetadataRequest req;
      if (!decode(body, key, v, &req, &why)) return bad_request();
      MetadataResponse r;
      r.brokers.push_back({kNodeId, kafka_host_, kafka_port_, std::nullopt});
      auto cluster = broker_->cluster_id();
      if (cluster.ok()) r.cluster_id = *cluster;
      r.controller_id = kNodeId;
      std::vector<std::string> names = req.topics;
      if (req.all_topics) {
        auto all = broker_->topics({}, false);
        if (all.ok())
          for (const auto& t : *all) names.push_back(t.name.str());
      }
      bool create = v >= 4 ? req.allow_auto_topic_creation : true;
      for (const auto& name : names) {
        MetadataResponse::Topic t;
        t.name = name;
        auto topic = TopicName::Parse(name);
        auto count = topic.ok() ? broker_->partition_count(*topic, create) : Result<int32_t>(topic.status());
        if (!count.ok()) {
          t.error_code = count.status().code() == Code::kInvalidArgument ? kInvalidTopicException
                                                                         : kUnknownTopicOrPartition;
        } else {
          for (int32_t p = 0; p < *count; ++p) {
            MetadataResponse::Partition part;
            part.index = p;
            part.leader = kNodeId;
            part.replicas = {kNodeId};
            part.isr = {kNodeId};
            t.partitions.push_back(std::move(part));
          }
        }
        r.topics.push_back(std::move(t));
      }
      return reply(r);
    }
    case kProduce: return kafka_produce(c, slot, v, corr, body);
    case kFetch: return kafka_fetch(c, slot, v, corr, body);
    case kListOffsets: {
      ListOffsetsRequest req;
      if (!decode(body, key, v, &req, &why)) return bad_request();
      ListOffsetsResponse r;
      for (const auto& t : req.topics) {
        ListOffsetsResponse::Topic rt;
        rt.name = t.name;
        auto topic = existing_topic_name(t.name);
        for (const auto& p : t.partitions) {
          ListOffsetsResponse::Partition rp;
          rp.index = p.index;
          auto o = topic.ok() ? broker_->offset_for_time(*topic, PartitionId(p.index), offset_query_from_wire(p.timestamp))
                              : Result<Offset>(topic.status());
          auto se = topic.ok() ? broker_->offsets(*topic, PartitionId(p.index)) : Result<Broker::Offsets>(topic.status());
          if (!o.ok() || !se.ok()) {
            rp.error_code = error_of(o.ok() ? se.status() : o.status());
          } else if (p.timestamp >= 0 && *o >= se->end) {
            // No record at or after that time: Kafka answers -1.
            rp.offset = -1;
            rp.timestamp = -1;
          } else {
            rp.offset = o->value();
            rp.timestamp = -1;
          }
          if (v == 0 && rp.error_code == kNone)
            rp.old_style_offsets.push_back(rp.offset >= 0 ? rp.offset : se->end.value());
          rp.leader_epoch = 0;
          rt.partitions.push_back(std::move(rp));
        }
        r.topics.push_back(std::move(rt));
      }
      return reply(r);
    }
    case kFindCoordinator: {
      FindCoordinatorRequest req;
      if (!decode(body, key, v, &req, &why)) return bad_request();
      FindCoordinatorResponse r;
      if (req.key_type != 0) {
        r.error_code = kCoordinatorNotAvailable;
        r.error_message = "transactions are not supported";
        r.node_id = -1;
        r.port = -1;
      } else {
        r.node_id = kNodeId;
        r.host = kafka_host_;
        r.port = kafka_port_;
      }
      return reply(r);
    }
    case kJoinGroup: {
      JoinGroupRequest req;
      if (!decode(body, key, v, &req, &why)) return bad_request();
      KafkaJoinRequest jr;
      jr.group = req.group_id;
      jr.member_id = req.member_id;
      jr.protocol_type = req.protocol_type;
      jr.client_id = h.client_id.value_or("");
      jr.client_host = c->peer;
      jr.session_timeout_ms = req.session_timeout_ms;
      jr.rebalance_timeout_ms = req.rebalance_timeout_ms >= 0 ? req.rebalance_timeout_ms : req.session_timeout_ms;
      for (auto& p : req.protocols) jr.protocols.emplace_back(std::move(p.name), std::move(p.metadata));
      jr.require_known_member_id = v >= 4;
      groups.join(jr, now, [later](const KafkaJoinResult& res) mutable {
        JoinGroupResponse r;
        r.error_code = res.error;
        r.generation_id = res.generation;
        r.protocol_name = res.protocol_name;
        r.leader = res.leader;
        r.member_id = res.member_id;
        for (const auto& [id, meta] : res.members) r.members.push_back({id, std::nullopt, meta});
        later(r);
      });
      return;
    }
    case kSyncGroup: {
      SyncGroupRequest req;
      if (!decode(body, key, v, &req, &why)) return bad_request();
      std::vector<std::pair<std::string, std::string>> assignments;
      for (auto& a : req.assignments) assignments.emplace_back(std::move(a.member_id), std::move(a.assignment));
      groups.sync(req.group_id, req.generation_id, req.member_id, assignments, now,
                  [later](const KafkaSyncResult& res) mutable {
                    SyncGroupResponse r;
                    r.error_code = res.error;
                    r.assignment = res.assignment;
                    later(r);
                  });
      return;
    }
    case kHeartbeat: {
      HeartbeatRequest req;
      if (!decode(body, key, v, &req, &why)) return bad_request();
      ErrorOnlyResponse r;
      r.error_code = groups.heartbeat(req.group_id, req.generation_id, req.member_id, now);
      return reply(r);
    }
    case kLeaveGroup: {
      LeaveGroupRequest req;
      if (!decode(body, key, v, &req, &why)) return bad_request();
      LeaveGroupResponse r;
      if (v <= 2) {
        r.error_code = groups.leave(req.group_id, req.member_id, now);
      } else {
        for (const auto& m : req.members)
          r.members.push_back({m.member_id, m.group_instance_id, groups.leave(req.group_id, m.member_id, now)});
      }
      return reply(r);
    }
    case kOffsetCommit: {
      OffsetCommitRequest req;
      if (!decode(body, key, v, &req, &why)) return bad_request();
      std::vector<KafkaCommitEntry> entries;
      for (const auto& t : req.topics)
        for (const auto& p : t.partitions) entries.push_back({t.name, p.index, p.offset, p.metadata.value_or("")});
      // v0 carries no generation or member: a simple consumer.
      int32_t generation = v >= 1 ? req.generation_id : -1;
      auto errors = groups.commit(req.group_id, generation, req.member_id, entries, now);
      OffsetCommitResponse r;
      size_t i = 0;
      for (const auto& t : req.topics) {
        OffsetCommitResponse::Topic rt{t.name, {}};
        for (const auto& p : t.partitions) {
          rt.partitions.push_back({p.index, i < errors.size() ? errors[i] : int16_t{kUnknownServerError}});
          ++i;
        }
        r.topics.push_back(std::move(rt));
      }
      return reply(r);
    }
    case kOffsetFetch: {
      OffsetFetchRequest req;
      if (!decode(body, key, v, &req, &why)) return bad_request();
      std::vector<std::pair<std::string, int32_t>> tps;
      for (const auto& t : req.topics)
        for (int32_t p : t.partitions) tps.emplace_back(t.name, p);
      auto got = groups.fetch_offsets(req.group_id, tps, req.all_topics);
      OffsetFetchResponse r;
      if (!got.ok()) {
        r.error_code = kCoordinatorNotAvailable;
        for (const auto& t : req.topics) {
          OffsetFetchResponse::Topic rt{t.name, {}};
          for (int32_t p : t.partitions) {
            OffsetFetchResponse::Partition rp;
            rp.index = p;
            rp.metadata = "";
            rp.error_code = kCoordinatorNotAvailable;
            rt.partitions.push_back(rp);
          }
          r.topics.push_back(std::move(rt));
        }
        return reply(r);
      }
      std::map<std::string, size_t> index;
      for (const auto& o : *got) {
        auto [it, fresh] = index.try_emplace(o.topic, r.topics.size());
        if (fresh) r.topics.push_back({o.topic, {}});
        OffsetFetchResponse::Partition rp;
        rp.index = o.partition;
        rp.offset = o.offset;
        rp.metadata = o.metadata;
        rp.error_code = o.error;
        r.topics[it->second].partitions.push_back(rp);
      }
      return reply(r);
    }
    case kListGroups: {
      ListGroupsRequest req;
      if (!decode(body, key, v, &req, &why)) return bad_request();
      ListGroupsResponse r;
      for (auto& [name, type] : groups.list()) r.groups.push_back({name, type});
      return reply(r);
    }
    case kDescribeGroups: {
      DescribeGroupsRequest req;
      if (!decode(body, key, v, &req, &why)) return bad_request();
      DescribeGroupsResponse r;
      for (const auto& g : req.groups) {
        KafkaGroupInfo info = groups.describe(g);
        DescribeGroupsResponse::Group rg;
        rg.error_code = info.error;
        rg.group_id = g;
        rg.state = info.state;
        rg.protocol_type = info.protocol_type;
        rg.protocol_data = info.protocol;
        for (auto& m : info.members)
          rg.members.push_back({m.member_id, std::nullopt, m.client_id, m.client_host, m.metadata, m.assignment});
        r.groups.push_back(std::move(rg));
      }
      return reply(r);
    }
    case kCreateTopics: {
      CreateTopicsRequest req;
      if (!decode(body, key, v, &req, &why)) return bad_request();
      CreateTopicsResponse r;
      for (const auto& t : req.topics) {
        CreateTopicsResponse::Topic rt;
        rt.name = t.name;
        auto fail = [&](int16_t code, std::string msg) {
          rt.error_code = code;
          rt.error_message = std::move(msg);
        };
        int32_t partitions = t.num_partitions;
        if (!t.assignments.empty()) {
          partitions = static_cast<int32_t>(t.assignments.size());
          for (const auto& a : t.assignments)
            if (a.brokers != std::vector<int32_t>{kNodeId})
              fail(kInvalidReplicaAssignment, "this broker (node 1) is the only replica there is");
        }
        if (partitions == -1) partitions = options_.default_partitions;
        ConfigMap configs;
        for (const auto& cfg : t.configs)
          if (cfg.value) configs[cfg.name] = *cfg.value;
        if (rt.error_code != kNone) {
        } else if (t.replication_factor != -1 && t.replication_factor != 1) {
          fail(kInvalidReplicationFactor, "replication factor must be 1: ks is a single broker");
        } else if (partitions <= 0) {
          fail(kInvalidPartitions, "the number of partitions must be at least 1");
        } else if (auto name = TopicName::Parse(t.name); !name.ok()) {
          fail(kInvalidTopicException, name.status().message());
        } else if (Status s = validate_configs(configs); !s.ok()) {
          fail(kInvalidConfig, s.message());
        } else if (req.validate_only) {
          auto exists = broker_->topics({*name}, false);
          if (exists.ok()) fail(kTopicAlreadyExists, "topic '" + t.name + "' already exists");
        } else if (Status s = broker_->create_topic(*name, partitions, configs); !s.ok()) {
          fail(s.code() == Code::kAlreadyExists ? kTopicAlreadyExists
               : s.message().find("partition") != std::string::npos ? kInvalidPartitions
                                                                     : kInvalidRequest,
               s.message());
        }
        r.topics.push_back(std::move(rt));
      }
      return reply(r);
    }
    case kDeleteTopics: {
      DeleteTopicsRequest req;
      if (!decode(body, key, v, &req, &why)) return bad_request();
      DeleteTopicsResponse r;
      for (const auto& name : req.names) {
        auto topic = existing_topic_name(name);
        Status s = topic.ok() ? broker_->delete_topic(*topic) : topic.status();
        r.topics.push_back({name, s.ok() ? int16_t{kNone} : error_of(s)});
      }
      return reply(r);
    }
    default:
      why = "no handler";
      return bad_request();
  }
}

void Server::close_kafka(const std::shared_ptr<Conn>& c, Slot* slot, const std::string& api, int16_t version,
                         const char* why) {
  log_warn("kafka client %s: malformed or unsupported request (%s v%d: %s); closing the connection",
           c->peer.c_str(), api.c_str(), version, why);
  slot->ready = true;
  slot->silent = true;
  c->close_after_flush = true;
  flush_slots(c);
}

// --- produce --------------------------------------------------------------------

void Server::kafka_produce(const std::shared_ptr<Conn>& c, Slot* slot, int16_t version, int32_t correlation,
                           std::string_view body) {
  ProduceRequest req;
  const char* why = "";
  if (!decode(body, kProduce, version, &req, &why)) return close_kafka(c, slot, "Produce", version, why);
  struct Pending {
    ProduceResponse response;
    size_t left = 0;
    bool sent = false;
  };
  auto pending = std::make_shared<Pending>();
  bool silent = req.acks == 0;
  slot->silent = silent;
  Acks acks = req.acks == 0 ? Acks::kNone : req.acks == 1 ? Acks::kLeader : Acks::kAll;
  bool bad_acks = req.acks != 0 && req.acks != 1 && req.acks != -1;
  for (const auto& t : req.topics) {
    ProduceResponse::Topic rt{t.name, {}};
    for (const auto& p : t.partitions) rt.partitions.push_back({p.index, kNone, -1, -1, -1});
    pending->left += t.partitions.size();
    pending->response.topics.push_back(std::move(rt));
  }
  std::weak_ptr<Conn> weak = c;
  auto finish = [this, weak, slot, version, correlation, pending] {
    if (pending->left > 0 || pending->sent) return;
    pending->sent = true;
    auto conn = weak.lock();
    if (!conn || conn->closing) return;
    std::string out;
    encode_response(&out, kProduce, version, correlation, pending->response);
    complete(conn, slot, std::move(out));
  };
  if (pending->left == 0) return finish();
  for (size_t ti = 0; ti < req.topics.size(); ++ti) {
    const auto& t = req.topics[ti];
    for (size_t pi = 0; pi < t.partitions.size(); ++pi) {
      const auto& p = t.partitions[pi];
      auto set = [pending, ti, pi](int16_t error, int64_t base, int64_t start) {
        auto& rp = pending->response.topics[ti].partitions[pi];
        rp.error_code = error;
        rp.base_offset = base;
        rp.log_start_offset = start;
        --pending->left;
      };
      if (bad_acks) {
        set(kInvalidRequiredAcks, -1, -1);
        continue;
      }
      if (p.records.empty()) {
        set(kCorruptMessage, -1, -1);
        continue;
      }
      if (magic_of(p.records) != 2) {
        // Magic 0/1 MessageSets (pre-0.11 clients) are not stored.
        set(kUnsupportedForMessageFormat, -1, -1);
        continue;
      }
      std::string topic = t.name;
      int32_t partition = p.index;
      auto name = TopicName::Parse(topic);
      Broker::ProduceDone done = [this, set, finish, topic, name, partition, silent](Result<storage::AppendResult> r) {
        if (!r.ok()) {
          if (silent)
            log_warn("kafka acks=0 produce to %s-%d failed: %s", topic.c_str(), partition,
                     r.status().to_string().c_str());
          set(error_of(r.status()), -1, -1);
        } else {
          auto se = broker_->offsets(*name, PartitionId(partition));  // appended: the name is valid
          set(kNone, r->base_offset.value(), se.ok() ? se->start.value() : -1);
        }
        finish();
      };
      if (!name.ok()) {
        done(name.status());
        continue;
      }
      broker_->produce(*name, PartitionId(partition), acks, true, const_cast<char*>(p.records.data()),
                       p.records.size(), std::move(done));
    }
  }
  finish();
}

// --- fetch ----------------------------------------------------------------------

void Server::kafka_fetch(const std::shared_ptr<Conn>& c, Slot* slot, int16_t version, int32_t correlation,
                         std::string_view body) {
  auto f = std::make_shared<KafkaFetch>();
  const char* why = "";
  if (!decode(body, kFetch, version, &f->req, &why)) return close_kafka(c, slot, "Fetch", version, why);
  f->conn = c;
  f->slot = slot;
  f->version = version;
  f->correlation = correlation;
  f->wait_ms = std::clamp<int64_t>(f->req.max_wait_ms, 0, kMaxKafkaWaitMs);
  std::weak_ptr<KafkaFetch> weak = f;
  f->attempt = [this, weak](bool final) {
    if (auto fp = weak.lock()) try_kafka_fetch(fp, final);
  };
  kafka_fetches_.insert(f);
  // As a native fetch: built after this iteration's reads (see start_fetch).
  if (idle_ != nullptr && !shutting_down_) {
    starting_.push_back(f);
    schedule();
  } else {
    start_poll(f);
  }
}

namespace {
// One partition of a Kafka fetch (see PartPlan in server.cc).
struct KafkaPartPlan {
  FetchResponse::Partition* out;
  storage::ReadResult range;
};

// Fills `r` (all but the records) and plans the records up to `limit`
// bytes; returns their total.
uint64_t plan_kafka_fetch(Broker* broker, const FetchRequest& req, uint64_t limit, FetchResponse* r,
                          std::vector<KafkaPartPlan>* plan, bool* any_error) {
  r->topics.clear();
  r->topics.reserve(req.topics.size());  // plan holds pointers into it
  plan->clear();
  *any_error = false;
  uint64_t total = 0;
  for (const auto& t : req.topics) {
    FetchResponse::Topic& rt = r->topics.emplace_back();
    rt.name = t.name;
    rt.partitions.reserve(t.partitions.size());
    auto topic = existing_topic_name(t.name);
    for (const auto& p : t.partitions) {
      FetchResponse::Partition& rp = rt.partitions.emplace_back();
      rp.index = p.partition;
      auto se = topic.ok() ? broker->offsets(*topic, PartitionId(p.partition)) : Result<Broker::Offsets>(topic.status());
      if (!se.ok()) {
        rp.error_code = error_of(se.status());
        *any_error = true;
        continue;
      }
      rp.high_watermark = rp.last_stable_offset = se->end.value();
      rp.log_start_offset = se->start.value();
      if (p.fetch_offset < rp.log_start_offset || p.fetch_offset > rp.high_watermark) {
        rp.error_code = kOffsetOutOfRange;
        *any_error = true;
      } else if (p.fetch_offset < rp.high_watermark) {
        uint64_t budget = std::min<uint64_t>(static_cast<uint64_t>(std::max<int32_t>(p.max_bytes, 0)),
                                             total >= limit ? 0 : limit - total);
        // At least one whole batch, even past the limits, when nothing
        // else is in the response yet (KIP-74).
        if (budget > 0 || total == 0) {
          auto rd = broker->read(*topic, PartitionId(p.partition), Offset(p.fetch_offset), std::max<uint64_t>(budget, 1));
          if (!rd.ok()) {
            rp.error_code = error_of(rd.status());
            *any_error = true;
          } else if (rd->size > 0 && (total == 0 || rd->size <= budget)) {
            total += rd->size;
            plan->push_back({&rp, std::move(*rd)});
          }
        }
      }
    }
  }
  return total;
}
}  // namespace

void Server::try_kafka_fetch(const std::shared_ptr<KafkaFetch>& f, bool final) {
  if (f->done) return;
  auto conn = f->conn.lock();
  if (!conn || conn->closing) {
    finish_kafka_fetch(f);
    return;
  }
  for (uint64_t w : f->watches) broker_->unwatch(w);
  f->watches.clear();
  final = final || f->deferred;  // it was ready once: no more waiting for records

  const FetchRequest& req = f->req;
  uint64_t limit = static_cast<uint64_t>(std::max<int32_t>(req.max_bytes, 0));
  limit = std::min<uint64_t>({limit, kMaxFetchBytes, static_cast<uint64_t>(options_.max_frame_bytes) / 2});
  // Sizes first: a long poll woken by an append reads no records until it
  // answers.
  FetchResponse r;
  std::vector<KafkaPartPlan> plan;
  bool any_error = false;
  uint64_t total = plan_kafka_fetch(broker_, req, limit, &r, &plan, &any_error);
  uint64_t min_bytes = static_cast<uint64_t>(std::max<int32_t>(req.min_bytes, 0));
  // Past kMaxParkedFetches a fetch answers at once with what there is.
  bool may_park = f->parked || conn->parked < kMaxParkedFetches;
  if (!final && !shutting_down_ && !any_error && may_park && total < std::max<uint64_t>(min_bytes, 1)) {
    set_parked(f.get(), conn.get(), true);
    // Long poll: wake on the next append to any of the partitions.
    std::weak_ptr<KafkaFetch> weak = f;
    for (const auto& t : req.topics) {
      auto topic = existing_topic_name(t.name);  // valid: an unknown one is an error above
      for (const auto& p : t.partitions)
        if (topic.ok())
          f->watches.push_back(broker_->watch(*topic, PartitionId(p.partition), [this, weak] {
            if (auto fp = weak.lock()) try_kafka_fetch(fp, false);
          }));
    }
    return;
  }
  bool records = true;
  if (total > 0) {
    uint64_t room = !f->deferred && conn->deferred > 0 ? 0 : answer_room(*conn);
    if (room == 0 && shutting_down_) {
      records = false;
    } else if (room == 0) {
      defer(f, conn.get());
      return;
    } else if (total > room) {
      total = plan_kafka_fetch(broker_, req, std::min(limit, room), &r, &plan, &any_error);
    }
  }
  finish_kafka_fetch(f);

  Bytes records_buf;
  if (records && total > 0) records_buf.allocate(total);
  size_t at = 0;
  for (KafkaPartPlan& pp : plan) {
    if (!records) break;
    auto n = pp.range.file->read_at(pp.range.position, records_buf.data.get() + at, pp.range.size);
    if (!n.ok() || *n != pp.range.size) {
      pp.out->error_code = kKafkaStorageError;
    } else {
      pp.out->records = std::string_view(records_buf.data.get() + at, pp.range.size);
      at += pp.range.size;
    }
  }
  std::string out;
  encode_response(&out, kFetch, f->version, f->correlation, r);
  complete(conn, f->slot, std::move(out));
}

void Server::finish_kafka_fetch(const std::shared_ptr<KafkaFetch>& f) {
  kafka_fetches_.erase(f);
  end_long_poll(broker_, f.get());
}

}  // namespace ks::server
