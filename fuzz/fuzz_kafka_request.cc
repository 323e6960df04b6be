// libFuzzer target: the Kafka request decoder (daemon/kafka/wire.h,
// messages.h) the way Server::dispatch_kafka (daemon/server/kafka_server.cc)
// runs it on a request: peek the API key and version, decode the header
// (flexible or not), then the body as the message of that API and version,
// for every API and version in kApiRanges.
//
// Input: one request without its int32 size prefix, the format of
// tests/kafka/captures/*/*.bin.
//
// Whatever decodes must re-encode and decode again to the same bytes: a
// field the decoder reads but the encoder drops (or the reverse) aborts.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "daemon/kafka/messages.h"
#include "daemon/kafka/messages_admin.h"
#include "daemon/kafka/messages_configs.h"
#include "daemon/kafka/messages_consumer_group.h"
#include "daemon/kafka/messages_producer_id.h"

namespace {

using namespace ks::kafka;

void check(bool ok) {
  if (!ok) std::abort();
}

template <class T>
std::string encode(T& m, int16_t key, int16_t version) {
  std::string out;
  Encoder e(&out, is_flexible(key, version));
  serde(e, m, version);
  return out;
}

// Decodes `body` as a T (starting from `proto`, for the fields that are
// not on the wire but choose the layout); when it decodes, checks
// encode/decode/encode.
template <class T>
void body_as(std::string_view body, int16_t key, int16_t version, const T& proto = T{}) {
  T m = proto;
  const char* why = "";
  if (!decode(body, key, version, &m, &why)) {
    check(why != nullptr);
    return;
  }
  std::string once = encode(m, key, version);
  T again = proto;
  check(decode(once, key, version, &again, &why));
  check(encode(again, key, version) == once);
}

void header_round_trip(const RequestHeader& h, bool flexible) {
  std::string out;
  Encoder e(&out, flexible);
  RequestHeader copy = h;
  serde(e, copy);
  Decoder d(out, flexible);
  RequestHeader again;
  serde(d, again);
  check(d.ok() && d.remaining() == 0);
  check(again.api_key == h.api_key && again.api_version == h.api_version &&
        again.correlation_id == h.correlation_id && again.client_id == h.client_id);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view frame(reinterpret_cast<const char*>(data), size);
  RequestHeader h;
  {
    Decoder peek(frame);
    peek.i16(h.api_key);
    peek.i16(h.api_version);
  }
  const ApiRange* range = find_api(h.api_key);
  const bool known = range && h.api_version >= range->min && h.api_version <= range->max;
  const bool flexible = known && is_flexible(h.api_key, h.api_version);
  Decoder d(frame, flexible);
  serde(d, h);
  if (!d.ok()) return 0;
  header_round_trip(h, flexible);
  if (!known) return 0;

  std::string_view body(d.position(), d.remaining());
  const int16_t key = h.api_key, v = h.api_version;
  switch (key) {
    case kProduce: body_as<ProduceRequest>(body, key, v); break;
    case kFetch: body_as<FetchRequest>(body, key, v); break;
    case kListOffsets: body_as<ListOffsetsRequest>(body, key, v); break;
    case kMetadata: body_as<MetadataRequest>(body, key, v); break;
    case kOffsetCommit: body_as<OffsetCommitRequest>(body, key, v); break;
    case kOffsetFetch: body_as<OffsetFetchRequest>(body, key, v); break;
    case kFindCoordinator: body_as<FindCoordinatorRequest>(body, key, v); break;
    case kJoinGroup: body_as<JoinGroupRequest>(body, key, v); break;
    case kHeartbeat: body_as<HeartbeatRequest>(body, key, v); break;
    case kLeaveGroup: body_as<LeaveGroupRequest>(body, key, v); break;
    case kSyncGroup: body_as<SyncGroupRequest>(body, key, v); break;
    case kDescribeGroups: body_as<DescribeGroupsRequest>(body, key, v); break;
    case kListGroups: body_as<ListGroupsRequest>(body, key, v); break;
    case kApiVersions: body_as<ApiVersionsRequest>(body, key, v); break;
    case kCreateTopics: body_as<CreateTopicsRequest>(body, key, v); break;
    case kDeleteTopics: body_as<DeleteTopicsRequest>(body, key, v); break;
    case kDeleteRecords: body_as<DeleteRecordsRequest>(body, key, v); break;
    case kInitProducerId: body_as<InitProducerIdRequest>(body, key, v); break;
    case kOffsetForLeaderEpoch: body_as<OffsetForLeaderEpochRequest>(body, key, v); break;
    case kDescribeConfigs: body_as<DescribeConfigsRequest>(body, key, v); break;
    case kAlterConfigs: body_as<AlterConfigsRequest>(body, key, v); break;
    case kDescribeLogDirs: body_as<DescribeLogDirsRequest>(body, key, v); break;
    case kCreatePartitions: body_as<CreatePartitionsRequest>(body, key, v); break;
    case kDeleteGroups: body_as<DeleteGroupsRequest>(body, key, v); break;
    case kIncrementalAlterConfigs: {
      AlterConfigsRequest incremental;
      incremental.incremental = true;
      body_as(body, key, v, incremental);
      break;
    }
    case kOffsetDelete: body_as<OffsetDeleteRequest>(body, key, v); break;
    case kDescribeCluster: body_as<DescribeClusterRequest>(body, key, v); break;
    case kConsumerGroupHeartbeat: body_as<ConsumerGroupHeartbeatRequest>(body, key, v); break;
    case kConsumerGroupDescribe: body_as<ConsumerGroupDescribeRequest>(body, key, v); break;
    default: std::abort();  // an advertised API this target does not know
  }
  return 0;
}
