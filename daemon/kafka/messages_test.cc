#include "daemon/kafka/messages.h"

#include <doctest/doctest.h>

#include <filesystem>
#include <fstream>
#include <iterator>
#include <random>
#include <set>

#include "daemon/kafka/errors.h"
#include "daemon/kafka/messages_test_util.h"

namespace ks::kafka {
namespace {

using test::encode_body;
using test::round_trip;

TEST_CASE("every advertised range is sane and lists ApiVersions") {
  bool api_versions = false;
  for (const auto& r : kApiRanges) {
    if (r.key == kApiVersions) api_versions = r.min == 0 && r.max == 3;
    CHECK(r.flexible_from >= 0);
    for (int16_t v = r.min; v <= r.max; ++v) CHECK(is_flexible(r.key, v) == (v >= r.flexible_from));
  }
  CHECK(is_flexible(kApiVersions, 3));
  CHECK_FALSE(is_flexible(kApiVersions, 2));
  CHECK(is_flexible(kDescribeCluster, 0));
  CHECK_FALSE(is_flexible(kOffsetDelete, 0));
  CHECK_FALSE(is_flexible(12345, 0));
  CHECK(api_versions);
  // librdkafka switches on RecordBatch v2 only with Produce 3 and Fetch 4,
  // and compression only with Produce 0 (and zstd with 7/10).
  CHECK(find_api(kProduce)->min == 0);
  CHECK(find_api(kProduce)->max >= 7);
  CHECK(find_api(kFetch)->min <= 4);
  CHECK(find_api(kFetch)->max >= 10);
  CHECK(find_api(4) == nullptr);  // LeaderAndIsr: broker to broker
}

TEST_CASE("request header: classic and flexible") {
  // ApiVersions v3 as librdkafka 2.0.2 sends it.
  std::string frame("\x00\x12\x00\x03\x00\x00\x00\x07\x00\x07rdkafka\x00"
                    "\x0blibrdkafka\x06"
                    "2.0.2\x00",
                    36);
  RequestHeader h;
  Decoder d(frame, true);
  serde(d, h);
  REQUIRE(d.ok());
  CHECK(h.api_key == kApiVersions);
  CHECK(h.api_version == 3);
  CHECK(h.correlation_id == 7);
  CHECK(h.client_id == std::optional<std::string>("rdkafka"));
  ApiVersionsRequest req;
  const char* why = nullptr;
  REQUIRE(decode(std::string_view(d.position(), d.remaining()), kApiVersions, 3, &req, &why));
  CHECK(req.client_software_name == "librdkafka");
  CHECK(req.client_software_version == "2.0.2");

  // A null client id (length -1) in a classic header.
  std::string v0("\x00\x03\x00\x00\x00\x00\x00\x01\xff\xff", 10);
  RequestHeader h0;
  Decoder d0(v0, false);
  serde(d0, h0);
  REQUIRE(d0.ok());
  CHECK_FALSE(h0.client_id.has_value());
  CHECK(d0.remaining() == 0);
}

TEST_CASE("ApiVersions responses: v3 is compact with no header tags, v0 is classic") {
  ApiVersionsResponse r;
  r.apis = {{kProduce, 0, 7}, {kApiVersions, 0, 3}};
  std::string out;
  encode_response(&out, kApiVersions, 3, 9, r);
  std::string want("\x00\x00\x00\x1a"        // size 26
                   "\x00\x00\x00\x09"        // correlation id, no header tags
                   "\x00\x00"                // error
                   "\x03"                    // compact array of 2
                   "\x00\x00\x00\x00\x00\x07\x00"  // Produce 0-7, tags
                   "\x00\x12\x00\x00\x00\x03\x00"  // ApiVersions 0-3, tags
                   "\x00\x00\x00\x00"        // throttle
                   "\x00",                   // tags
                   30);
  CHECK(out == want);
  std::string v0;
  r.error_code = kUnsupportedVersion;
  encode_response(&v0, kApiVersions, 0, 9, r);
  CHECK(v0.size() == 4 + 4 + 2 + 4 + 2 * 6);
  CHECK(v0.substr(8, 2) == std::string("\x00\x23", 2));
}

TEST_CASE("every message round-trips at every advertised version") {
  for (int16_t v = 0; v <= 7; ++v) {
    MetadataRequest m;
    m.topics = {"a", "bb"};
    m.allow_auto_topic_creation = v >= 4 ? false : true;
    round_trip(m, kMetadata, v);
    MetadataResponse r;
    r.brokers = {{1, "localhost", 9092, std::nullopt}};
    r.cluster_id = "abc";
    r.controller_id = 1;
    r.topics = {{0, "t", false, {{0, 0, 1, 0, {1}, {1}, {}}}, {}}};
    // Fields a version lacks come back as defaults: set them to those.
    if (v < 1) r.brokers[0].rack.reset();
    if (v < 2) r.cluster_id.reset();
    if (v < 1) r.controller_id = -1;
    round_trip(r, kMetadata, v);
  }
  for (int16_t v = 0; v <= 7; ++v) {
    ProduceRequest m;
    if (v >= 3) m.transactional_id = std::nullopt;
    m.acks = -1;
    m.timeout_ms = 1500;
    static const std::string recs(70, 'x');
    m.topics = {{"t", {{0, recs}, {3, recs}}}};
    round_trip(m, kProduce, v);
    ProduceResponse r;
    r.topics = {{"t", {{0, kNone, 42, v >= 2 ? -1 : -1, v >= 5 ? 7 : -1}}}};
    round_trip(r, kProduce, v);
  }
  for (int16_t v = 4; v <= 11; ++v) {
    FetchRequest m;
    m.max_wait_ms = 500;
    m.min_bytes = 1;
    m.max_bytes = 1 << 20;
    m.topics = {{"t", {{0, -1, 5, -1, 65536}}}};
    if (v >= 7) m.forgotten = {{"old", {1, 2}}};
    if (v >= 11) m.rack_id = "r";
    round_trip(m, kFetch, v);
    FetchResponse r;
    static const std::string recs(80, 'y');
    r.topics = {{"t", {{0, kNone, 10, 10, v >= 5 ? 0 : -1, -1, recs}}}};
    round_trip(r, kFetch, v);
  }
  for (int16_t v = 0; v <= 5; ++v) {
    ListOffsetsRequest m;
    m.topics = {{"t", {{0, -1, -2, 1}}}};
    round_trip(m, kListOffsets, v);
    ListOffsetsResponse r;
    ListOffsetsResponse::Partition p;
    p.index = 0;
    if (v == 0) p.old_style_offsets = {12};
    else p.offset = 12;
    r.topics = {{"t", {p}}};
    round_trip(r, kListOffsets, v);
  }
  for (int16_t v = 0; v <= 2; ++v) {
    round_trip(FindCoordinatorRequest{"g", 0}, kFindCoordinator, v);
    FindCoordinatorResponse r;
    r.node_id = 1;
    r.host = "h";
    r.port = 9;
    round_trip(r, kFindCoordinator, v);
  }
  for (int16_t v = 0; v <= 5; ++v) {
    JoinGroupRequest m;
    m.group_id = "g";
    m.session_timeout_ms = 10000;
    if (v >= 1) m.rebalance_timeout_ms = 30000;
    m.protocol_type = "consumer";
    m.protocols = {{"range", std::string("\x00\x01", 2)}, {"roundrobin", ""}};
    round_trip(m, kJoinGroup, v);
    JoinGroupResponse r;
    r.generation_id = 3;
    r.protocol_name = "range";
    r.leader = r.member_id = "m-1";
    r.members = {{"m-1", std::nullopt, "meta"}};
    round_trip(r, kJoinGroup, v);
  }
  for (int16_t v = 0; v <= 3; ++v) {
    SyncGroupRequest m{"g", 3, "m-1", std::nullopt, {{"m-1", "assign"}}};
    round_trip(m, kSyncGroup, v);
    round_trip(SyncGroupResponse{0, 0, "assign"}, kSyncGroup, v);
    round_trip(HeartbeatRequest{"g", 3, "m-1", std::nullopt}, kHeartbeat, v);
    round_trip(ErrorOnlyResponse{0, kRebalanceInProgress}, kHeartbeat, v);
    LeaveGroupRequest l;
    l.group_id = "g";
    if (v <= 2) l.member_id = "m-1";
    else l.members = {{"m-1", std::nullopt}};
    round_trip(l, kLeaveGroup, v);
    LeaveGroupResponse lr;
    if (v >= 3) lr.members = {{"m-1", std::nullopt, kNone}};
    round_trip(lr, kLeaveGroup, v);
  }
  for (int16_t v = 0; v <= 7; ++v) {
    OffsetCommitRequest m;
    m.group_id = "g";
    if (v >= 1) {
      m.generation_id = 2;
      m.member_id = "m";
    }
    if (v >= 2 && v <= 4) m.retention_time_ms = -1;
    OffsetCommitRequest::Partition p;
    p.index = 1;
    p.offset = 99;
    p.metadata = "";
    m.topics = {{"t", {p}}};
    round_trip(m, kOffsetCommit, v);
    round_trip(OffsetCommitResponse{0, {{"t", {{1, kNone}}}}}, kOffsetCommit, v);
  }
  for (int16_t v = 0; v <= 5; ++v) {
    OffsetFetchRequest m;
    m.group_id = "g";
    m.topics = {{"t", {0, 1}}};
    round_trip(m, kOffsetFetch, v);
    OffsetFetchResponse r;
    OffsetFetchResponse::Partition p;
    p.index = 0;
    p.offset = 5;
    p.metadata = "";
    r.topics = {{"t", {p}}};
    round_trip(r, kOffsetFetch, v);
  }
  for (int16_t v = 0; v <= 2; ++v) round_trip(ListGroupsResponse{0, 0, {{"g", "consumer", "", ""}}}, kListGroups, v);
  for (int16_t v = 0; v <= 6; ++v) {
    round_trip(DescribeGroupsRequest{{"g", "h"}, false}, kDescribeGroups, v);
    DescribeGroupsResponse r;
    DescribeGroupsResponse::Group g;
    g.group_id = "g";
    g.state = "Stable";
    g.protocol_type = "consumer";
    g.protocol_data = "range";
    g.members = {{"m", std::nullopt, "c", "/127.0.0.1", "meta", "assign"}};
    DescribeGroupsResponse::Group missing;
    missing.error_code = v >= 6 ? kGroupIdNotFound : kNone;
    if (v >= 6) missing.error_message = "Group x not found.";
    missing.group_id = "x";
    missing.state = "Dead";
    r.groups = {g, missing};
    round_trip(r, kDescribeGroups, v);
  }
  for (int16_t v = 0; v <= 4; ++v) {
    CreateTopicsRequest m;
    m.topics = {{"t", 3, 1, {}, {{"retention.ms", "1000"}}}};
    round_trip(m, kCreateTopics, v);
    CreateTopicsResponse r;
    r.topics = {{"t", kTopicAlreadyExists, v >= 1 ? std::optional<std::string>("exists") : std::nullopt}};
    round_trip(r, kCreateTopics, v);
  }
  for (int16_t v = 0; v <= 3; ++v) {
    round_trip(DeleteTopicsRequest{{"a", "b"}, 1000}, kDeleteTopics, v);
    round_trip(DeleteTopicsResponse{0, {{"a", kNone}}}, kDeleteTopics, v);
  }
}

TEST_CASE("null arrays: Metadata all topics and OffsetFetch all partitions") {
  // v0: an empty topic list means all topics; v1+: null means all.
  MetadataRequest all;
  const char* why = nullptr;
  REQUIRE(decode(std::string("\x00\x00\x00\x00", 4), kMetadata, 0, &all, &why));
  CHECK(all.all_topics);
  REQUIRE(decode(std::string("\x00\x00\x00\x00", 4), kMetadata, 1, &all, &why));
  CHECK_FALSE(all.all_topics);
  REQUIRE(decode(std::string("\xff\xff\xff\xff", 4), kMetadata, 1, &all, &why));
  CHECK(all.all_topics);
  all.topics.clear();
  all.all_topics = true;
  CHECK(encode_body(all, kMetadata, 4) == std::string("\xff\xff\xff\xff\x01", 5));

  OffsetFetchRequest of;
  REQUIRE(decode(std::string("\x00\x01g\xff\xff\xff\xff", 7), kOffsetFetch, 2, &of, &why));
  CHECK(of.all_topics);
  CHECK(of.group_id == "g");
}

TEST_CASE("hostile input: huge counts, negative lengths, garbage") {
  const char* why = nullptr;
  // An array that claims 2^31-1 elements in a 4-byte body: refused
  // without allocating them.
  MetadataRequest m;
  CHECK_FALSE(decode(std::string("\x7f\xff\xff\xff", 4), kMetadata, 1, &m, &why));
  CHECK(std::string(why) == "array longer than the request");
  // A count the bytes could hold, but the first element is malformed: the
  // elements are not allocated up front (a 64 MiB CreateTopics made the
  // daemon construct 64 Mi topics, ~5.5 GiB, before failing).
  {
    std::string body("\x00\x10\x00\x00", 4);  // 1 Mi topics
    body.append(1 << 20, '\xff');               // each name a null string
    CreateTopicsRequest c;
    CHECK_FALSE(decode(body, kCreateTopics, 0, &c, &why));
    CHECK(std::string(why) == "null string where one is required");
    CHECK(c.topics.capacity() < 16);
  }
  // A string longer than what is left.
  FindCoordinatorRequest f;
  CHECK_FALSE(decode(std::string("\x7f\xff" "abc", 5), kFindCoordinator, 0, &f, &why));
  // A null where a string is required.
  CHECK_FALSE(decode(std::string("\xff\xff", 2), kFindCoordinator, 0, &f, &why));
  // Trailing bytes.
  CHECK_FALSE(decode(std::string("\x00\x01gX", 4), kFindCoordinator, 0, &f, &why));
  // A varint that never ends.
  ApiVersionsRequest a;
  CHECK_FALSE(decode(std::string("\xff\xff\xff\xff\xff\xff", 6), kApiVersions, 3, &a, &why));

  // Random bytes into every request decoder at every version: no crash,
  // no hang, and whatever decodes re-encodes to bytes that decode to the
  // same message (a bool byte of 7 comes back as 1).
  std::mt19937 rng(42);
  for (int i = 0; i < 3000; ++i) {
    std::string junk(rng() % 64, '\0');
    for (auto& ch : junk) ch = static_cast<char>(rng() % 4 == 0 ? 0 : rng());
    for (const auto& r : kApiRanges) {
      for (int16_t v = r.min; v <= r.max; ++v) {
        switch (r.key) {
#define KS_TRY(K, T)                                                      \
  case K: {                                                               \
    T x;                                                                  \
    if (decode(junk, K, v, &x, &why)) {                                    \
      std::string once = encode_body(x, K, v);                            \
      T y;                                                                \
      REQUIRE(decode(once, K, v, &y, &why));                              \
      CHECK(encode_body(y, K, v) == once);                                \
    }                                                                     \
    break;                                                                \
  }
          KS_TRY(kProduce, ProduceRequest)
          KS_TRY(kFetch, FetchRequest)
          KS_TRY(kListOffsets, ListOffsetsRequest)
          KS_TRY(kMetadata, MetadataRequest)
          KS_TRY(kOffsetCommit, OffsetCommitRequest)
          KS_TRY(kOffsetFetch, OffsetFetchRequest)
          KS_TRY(kFindCoordinator, FindCoordinatorRequest)
          KS_TRY(kJoinGroup, JoinGroupRequest)
          KS_TRY(kHeartbeat, HeartbeatRequest)
          KS_TRY(kLeaveGroup, LeaveGroupRequest)
          KS_TRY(kSyncGroup, SyncGroupRequest)
          KS_TRY(kDescribeGroups, DescribeGroupsRequest)
          KS_TRY(kApiVersions, ApiVersionsRequest)
          KS_TRY(kCreateTopics, CreateTopicsRequest)
          KS_TRY(kDeleteTopics, DeleteTopicsRequest)
#undef KS_TRY
          default: break;
        }
      }
    }
  }
}

// Decodes `frame` (a request without its size prefix) and re-encodes it;
// true when the bytes come back identical.
bool reencodes(const std::string& frame, std::string* what) {
  RequestHeader h;
  {
    Decoder peek(frame);
    peek.i16(h.api_key);
    peek.i16(h.api_version);
  }
  const ApiRange* range = find_api(h.api_key);
  if (!range || h.api_version < range->min || h.api_version > range->max) {
    *what = "not an advertised API version";
    return false;
  }
  bool flex = is_flexible(h.api_key, h.api_version);
  Decoder d(frame, flex);
  serde(d, h);
  if (!d.ok()) {
    *what = std::string("header: ") + d.error();
    return false;
  }
  std::string_view body(d.position(), d.remaining());
  std::string out;
  Encoder e(&out, flex);
  serde(e, h);
  const char* why = "";
  bool ok = false;
  switch (h.api_key) {
#define KS_CASE(K, T)                                        \
  case K: {                                                  \
    T m;                                                     \
    ok = decode(body, K, h.api_version, &m, &why);           \
    if (ok) serde(e, m, h.api_version);                      \
    break;                                                   \
  }
    KS_CASE(kProduce, ProduceRequest)
    KS_CASE(kFetch, FetchRequest)
    KS_CASE(kListOffsets, ListOffsetsRequest)
    KS_CASE(kMetadata, MetadataRequest)
    KS_CASE(kOffsetCommit, OffsetCommitRequest)
    KS_CASE(kOffsetFetch, OffsetFetchRequest)
    KS_CASE(kFindCoordinator, FindCoordinatorRequest)
    KS_CASE(kJoinGroup, JoinGroupRequest)
    KS_CASE(kHeartbeat, HeartbeatRequest)
    KS_CASE(kLeaveGroup, LeaveGroupRequest)
    KS_CASE(kSyncGroup, SyncGroupRequest)
    KS_CASE(kDescribeGroups, DescribeGroupsRequest)
    KS_CASE(kListGroups, ListGroupsRequest)
    KS_CASE(kApiVersions, ApiVersionsRequest)
    KS_CASE(kCreateTopics, CreateTopicsRequest)
    KS_CASE(kDeleteTopics, DeleteTopicsRequest)
#undef KS_CASE
    default: why = "no message for this key";
  }
  if (!ok) {
    *what = why;
    return false;
  }
  if (out != frame) {
    *what = "re-encoded bytes differ";
    return false;
  }
  return true;
}

TEST_CASE("requests captured from real clients decode and re-encode byte for byte") {
  namespace fs = std::filesystem;
  fs::path dir = fs::path(KS_SOURCE_DIR) / "tests" / "kafka" / "captures";
  REQUIRE(fs::is_directory(dir));
  std::set<std::string> clients;
  std::set<int> keys;
  size_t files = 0;
  for (const auto& entry : fs::recursive_directory_iterator(dir)) {
    if (!entry.is_regular_file() || entry.path().extension() != ".bin") continue;
    std::ifstream in(entry.path(), std::ios::binary);
    std::string frame((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    std::string what;
    CAPTURE(entry.path().string());
    bool ok = reencodes(frame, &what);
    CHECK_MESSAGE(ok, what);
    ++files;
    clients.insert(entry.path().parent_path().filename().string());
    keys.insert(static_cast<uint8_t>(frame[0]) << 8 | static_cast<uint8_t>(frame[1]));
  }
  MESSAGE(files << " captured requests from " << clients.size() << " clients, " << keys.size() << " APIs");
  // kcat, kafka-python, confluent-kafka and kafkajs.
  CHECK(clients.size() >= 4);
  CHECK(keys.size() >= 14);
}

}  // namespace
}  // namespace ks::kafka
