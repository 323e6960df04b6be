// The one table of Kafka APIs: a row per API with the versions served and
// its handler (api_*.cc). The versions are within what the message
// layouts (messages.h, kApiRanges) describe; handlers_test checks it.
#include <algorithm>

#include "daemon/kafka/errors.h"
#include "daemon/kafka/handlers/handler.h"

namespace ks::kafka {

void handle_produce(Context&);
void handle_fetch(Context&);
void handle_list_offsets(Context&);
void handle_metadata(Context&);
void handle_offset_commit(Context&);
void handle_offset_fetch(Context&);
void handle_find_coordinator(Context&);
void handle_join_group(Context&);
void handle_heartbeat(Context&);
void handle_leave_group(Context&);
void handle_sync_group(Context&);
void handle_describe_groups(Context&);
void handle_list_groups(Context&);
void handle_api_versions(Context&);
void handle_create_topics(Context&);
void handle_delete_topics(Context&);
void handle_describe_configs(Context&);
void handle_alter_configs(Context&);
void handle_incremental_alter_configs(Context&);
void handle_delete_records(Context&);
void handle_offset_for_leader_epoch(Context&);
void handle_describe_log_dirs(Context&);
void handle_create_partitions(Context&);
void handle_delete_groups(Context&);
void handle_offset_delete(Context&);
void handle_describe_cluster(Context&);
void handle_init_producer_id(Context&);
void handle_consumer_group_heartbeat(Context&);
void handle_consumer_group_describe(Context&);

namespace {

// The served range of `key`: the layouts' range (kApiRanges).
constexpr ApiRange range_of(int16_t key) {
  for (const auto& r : kApiRanges)
    if (r.key == key) return r;
  return {key, 0, -1, "?"};
}

constexpr Api kApis[] = {
    {range_of(kProduce), handle_produce},
    {range_of(kFetch), handle_fetch},
    {range_of(kListOffsets), handle_list_offsets},
    {range_of(kMetadata), handle_metadata},
    {range_of(kOffsetCommit), handle_offset_commit},
    {range_of(kOffsetFetch), handle_offset_fetch},
    {range_of(kFindCoordinator), handle_find_coordinator},
    {range_of(kJoinGroup), handle_join_group},
    {range_of(kHeartbeat), handle_heartbeat},
    {range_of(kLeaveGroup), handle_leave_group},
    {range_of(kSyncGroup), handle_sync_group},
    {range_of(kDescribeGroups), handle_describe_groups},
    {range_of(kListGroups), handle_list_groups},
    {range_of(kApiVersions), handle_api_versions},
    {range_of(kCreateTopics), handle_create_topics},
    {range_of(kDeleteTopics), handle_delete_topics},
    {range_of(kDescribeConfigs), handle_describe_configs},
    {range_of(kAlterConfigs), handle_alter_configs},
    {range_of(kIncrementalAlterConfigs), handle_incremental_alter_configs},
    {range_of(kDeleteRecords), handle_delete_records},
    {range_of(kOffsetForLeaderEpoch), handle_offset_for_leader_epoch},
    {range_of(kDescribeLogDirs), handle_describe_log_dirs},
    {range_of(kCreatePartitions), handle_create_partitions},
    {range_of(kDeleteGroups), handle_delete_groups},
    {range_of(kOffsetDelete), handle_offset_delete},
    {range_of(kDescribeCluster), handle_describe_cluster},
    {range_of(kInitProducerId), handle_init_producer_id},
    {range_of(kConsumerGroupHeartbeat), handle_consumer_group_heartbeat},
    {range_of(kConsumerGroupDescribe), handle_consumer_group_describe},
};

}  // namespace

std::span<const Api> apis() { return kApis; }

const Api* find_handler(int16_t key) {
  for (const auto& a : kApis)
    if (a.range.key == key && a.range.min <= a.range.max) return &a;
  return nullptr;
}

void add_api_ranges(std::vector<ApiVersionsResponse::Api>* out) {
  for (const auto& a : kApis) out->push_back({a.range.key, a.range.min, a.range.max});
}

}  // namespace ks::kafka
