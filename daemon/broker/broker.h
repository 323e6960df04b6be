// The broker core both protocols adapt to: topics and their partition
// logs, metadata in SQLite, durability (group commit), long-poll wake-ups.
// Everything runs on the loop thread; blocking fsyncs go through the
// Executor, which runs them elsewhere and completes on the loop thread.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "common/layout.h"
#include "common/status.h"
#include "common/types.h"
#include "daemon/meta/meta_store.h"
#include "daemon/meta/meta_sync.h"
#include "daemon/meta/orphans.h"
#include "daemon/broker/consumer_group.h"
#include "daemon/broker/dynamic_configs.h"
#include "daemon/broker/group_registry.h"
#include "daemon/broker/groups.h"
#include "daemon/broker/kafka_groups.h"
#include "daemon/broker/producer_state.h"
#include "daemon/broker/topic_config.h"
#include "daemon/storage/clock.h"
#include "daemon/storage/group_commit.h"
#include "daemon/storage/log.h"

namespace ks::server {

// Runs blocking work off the loop thread. `done` runs on the loop thread.
class Executor {
 public:
  virtual ~Executor() = default;
  virtual void run(std::function<Status()> work, std::function<void(Status)> done) = 0;
};

struct BrokerOptions {
  std::string home;
  bool auto_create = true;
  int32_t default_partitions = 1;
  int64_t max_partitions = 0;  // of all topics together; 0: no limit
  // How long Open() spends opening partition logs before it returns (0:
  // none); the rest open on demand and in the background (Broker::open_some).
  int64_t open_before_serving_ms = 100;
};

struct PartitionInfo {
  PartitionId partition;
  Offset start;
  Offset end;
  uint64_t size;
  size_t segments;
};

struct TopicInfo {
  TopicName name;
  int32_t partitions;
  int64_t created_ms;
  ConfigMap configs;  // overrides only
  std::vector<PartitionInfo> partition_info;  // filled when asked for detail
};

enum class Acks { kNone = 0, kLeader = 1, kAll = -1 };

// What Broker::offset_for_time looks up: an edge of the log, the record
// with the largest timestamp, or the first record whose timestamp is at
// or after `ms`.
enum class LogEdge { kStart, kEnd, kMaxTimestamp };
struct AtTime {
  int64_t ms;
};
using OffsetQuery = std::variant<LogEdge, AtTime>;
// The wire's spelling of an OffsetQuery, shared by Kafka's ListOffsets and
// the native list_offsets op: -1 the end, -2 the start (and -4, Kafka's
// earliest local offset: ks keeps every record local), -3 the largest
// timestamp, else a time in ms.
OffsetQuery offset_query_from_wire(int64_t timestamp);

// A topic named in a request that reads or changes an existing topic. A
// name that breaks the naming rules can name no topic, so it is kNotFound
// ("topic 'x' does not exist"), as any unknown name; only creating a topic
// (TopicName::Parse, and auto-create) reports the rule it breaks.
Result<TopicName> existing_topic_name(std::string_view name);

class Broker {
 public:
  // Opens meta.db and every partition log under home/data. `executor` must
  // outlive the broker.
  static Result<std::unique_ptr<Broker>> Open(const BrokerOptions& options, Executor* executor);
  ~Broker();

  // Metadata changes (these, auto-create, group commits) are committed to
  // meta.db at once but durable only when when_meta_durable says so: the
  // protocols answer through it (see meta_sync.h).
  void when_meta_durable(std::function<void(Status)> done, uint64_t since = UINT64_MAX) {
    meta_sync_->when_durable(std::move(done), since);
  }
  uint64_t meta_mark() const { return meta_sync_->mark(); }

  // kAlreadyExists, naming the fix, when data/ holds orphaned partition
  // directories of the name (see orphans.h).
  Status create_topic(const TopicName& name, int32_t partitions, const ConfigMap& configs);
  Status delete_topic(const TopicName& name);
  Status alter_topic(const TopicName& name, const ConfigMap& set, const std::vector<std::string>& unset,
                     std::optional<int32_t> partitions);
  // CreatePartitions (broker_admin.cc): grows the topic to `partitions`;
  // kInvalidArgument when that is not more than it has, past the per-topic
  // maximum or the daemon's budget. validate_only: checks, changes nothing.
  Status grow_topic(const TopicName& name, int32_t partitions, bool validate_only);
  // DeleteRecords (broker_admin.cc): moves the partition's log start offset
  // to `offset` (-1: the end of the log), never back. `done` gets the new
  // start once it is durable (the records below it fsynced first, then the
  // start), kOutOfRange for an offset past the end or negative.
  void delete_records(const TopicName& name, PartitionId partition, int64_t offset,
                      std::function<void(Result<Offset>)> done);

  // Dynamic broker configs (dynamic_configs.h, broker_configs.cc): the
  // cluster-wide and node 1 layers of topic defaults.
  const DynamicConfigs& dynamic_configs() const { return dynamic_; }
  // Replaces one layer (node: "1", else the cluster default ""), after
  // validate_dynamic(); the change is in meta.db (durable when
  // when_meta_durable says so) and applied to every topic at once.
  // validate_only: checks, changes nothing.
  Status set_dynamic_configs(bool node, const ConfigMap& layer, bool validate_only);

  // All topics (names empty) or the named ones (kNotFound for a missing one).
  Result<std::vector<TopicInfo>> topics(const std::vector<TopicName>& names, bool detail);
  // Partition count, creating the topic when allowed.
  Result<int32_t> partition_count(const TopicName& topic, bool auto_create);

  using ProduceDone = std::function<void(Result<storage::AppendResult>)>;
  // Appends producer batches (stamped in place). `done` runs at once for
  // acks 0/1 and after the group fsync for acks all. Parked readers
  // (watch) of the partition are woken after `done` has run for acks 0/1
  // (the producer's answer is queued first; see produce() for why and the
  // figures), and before the fsync for acks all.
  void produce(const TopicName& topic, PartitionId partition, Acks acks, bool auto_create, char* data,
               size_t n, ProduceDone done);
  // While one lives, appends queue the partitions whose readers they would
  // wake; the last one to go wakes them. A request appending to many
  // partitions (native produce_many) queues its answer first, as a single
  // produce does.
  class HeldWakes {
   public:
    explicit HeldWakes(Broker& b) : b_(b) { ++b_.wake_holds_; }
    ~HeldWakes() {
      if (--b_.wake_holds_ == 0) b_.release_wakes();
    }
    HeldWakes(const HeldWakes&) = delete;
    HeldWakes& operator=(const HeldWakes&) = delete;

   private:
    Broker& b_;
  };

  Result<storage::ReadResult> read(const TopicName& topic, PartitionId partition, Offset from,
                                   uint64_t max_bytes);
  struct Offsets {
    Offset start, end;
  };
  Result<Offsets> offsets(const TopicName& topic, PartitionId partition);
  // The edge asked for, or the first offset with a timestamp at or after
  // the time (the end offset when no record is that late).
  Result<Offset> offset_for_time(const TopicName& topic, PartitionId partition, OffsetQuery query);
  // What Kafka's ListOffsets answers: the offset (nullopt when no record
  // matches a time or the log is empty) and, for a record found by time
  // or as the largest timestamp, its timestamp (-1 for the edges).
  struct ListedOffset {
    std::optional<Offset> offset;
    int64_t timestamp = -1;
  };
  Result<ListedOffset> list_offset(const TopicName& topic, PartitionId partition, OffsetQuery query);

  // Long poll: `wake` runs (once) after the next append to the partition.
  uint64_t watch(const TopicName& topic, PartitionId partition, std::function<void()> wake);
  void unwatch(uint64_t id);

  // Periodic work: retention, flushes due by flush.ms, recovery points
  // due (storage/recovery_point.h), on the logs open so far.
  void tick();
  // Opens partition logs not opened yet (Open() opens only what
  // open_before_serving_ms allows; a request opens what it needs), in
  // topic order, at least one and then until `budget_ms` have passed.
  // True while some remain: the daemon calls it between requests until
  // then (broker_open.cc).
  bool open_some(int64_t budget_ms);
  size_t open_partition_count() const;
  // In-flight fsyncs; shutdown waits for zero.
  int flushes_in_flight() const { return flushes_in_flight_; }
  // Flushes and closes every log (marks them clean). Blocking.
  Status close();

  // Partition directories under data/ that no topic owns, found at start.
  const std::vector<meta::OrphanDir>& orphans() const { return orphans_; }
  // Makes the topic own its orphaned directories: creates it with as many
  // partitions as the highest directory needs (with `configs`), or grows an
  // existing topic to cover them (setting `configs` too). kNotFound when
  // the name has no orphans.
  Status adopt_topic(const TopicName& name, const ConfigMap& configs);
  // Removes the name's orphaned directories and every record in them.
  Status remove_orphans(const TopicName& name);

  // A producer id never given out before (InitProducerId), from a counter
  // in meta.db: committed at once, durable when when_meta_durable says so.
  Result<int64_t> new_producer_id();

  // A random id made on first use and kept in meta.db: the Kafka cluster id.
  Result<std::string> cluster_id();

  // Consumer groups: the registry (names, committed offsets, describe,
  // list, reset, remove) and its two membership protocols.
  GroupRegistry& group_registry() { return *group_registry_; }
  Groups& groups() { return *groups_; }
  KafkaGroups& kafka_groups() { return *kafka_groups_; }
  ConsumerGroups& consumer_groups() { return *consumer_groups_; }  // KIP-848
  int64_t now_ms() const { return clock_.now_ms(); }

  uint64_t total_bytes() const;
  size_t topic_count() const { return topics_.size(); }
  // The topic's max.message.bytes (what an append refuses a larger batch
  // over); nullopt when there is no such topic.
  std::optional<int64_t> max_message_bytes(const TopicName& topic) const;
  size_t partition_total() const;

 private:
  // kInvalidArgument when `adding` more partitions would pass max_partitions.
  Status check_partition_budget(int64_t adding) const;
  Status make_topic(const std::string& name, int32_t partitions, const ConfigMap& configs);
  Status grow_partitions(const std::string& name, int32_t partitions);
  // kAlreadyExists when an orphan of `name` has a partition in [from, to).
  Status refuse_orphans(const std::string& name, int32_t from, int32_t to) const;
  Status find_orphans_at_start();
  Status load_dynamic_configs();

  struct Partition {
    std::string topic;
    int32_t id;
    std::string dir;
    // Null until the log is opened (broker_open.cc): every user of `log`
    // goes through find(), open_log() or ensure_open(), or skips it.
    std::unique_ptr<storage::Log> log;
    std::unique_ptr<storage::GroupCommit> commit;
    std::map<uint64_t, std::function<void()>> watchers;
    int64_t last_flush_ms = 0;
    bool deleted = false;
    ProducerState producers;  // idempotent producers (broker_producers.cc)
    int64_t snapshot_offset = -1;  // offset of the producer snapshot loaded or last written
  };
  struct Topic {
    meta::TopicMeta meta;
    TopicPolicy policy;
    std::vector<std::shared_ptr<Partition>> partitions;
  };

  static constexpr size_t kCloseThreads = 8;  // close() syncs this many partitions at once
  Broker(BrokerOptions options, Executor* executor) : options_(std::move(options)), executor_(executor) {}
  Status load();
  // Opening logs (broker_open.cc). A stub knows its directory, not its log.
  std::shared_ptr<Partition> partition_stub(const std::string& topic, int32_t id);
  // A stub whose log is open (a new partition: its directory is made).
  Result<std::shared_ptr<Partition>> open_partition(const std::string& topic, int32_t id,
                                                    const TopicPolicy& policy);
  // Opens p's log if it is not open yet; OK at once when it is.
  Status open_log(const std::shared_ptr<Partition>& p, const TopicPolicy& policy);
  Status ensure_open(const std::shared_ptr<Partition>& p);

  std::string partition_dir(const std::string& topic, int32_t id) const;
  // The home's data/ directory (common/layout.h), parent of every partition directory.
  std::string data_dir() const { return layout::in_home(options_.home, layout::kDataDir); }
  // The partition, its log opened if it was not yet.
  Result<Partition*> find(const TopicName& topic, PartitionId partition);
  void schedule_flush(const std::shared_ptr<Partition>& p, storage::FlushJob job);
  void request_flush(const std::shared_ptr<Partition>& p, Offset upto,
                     storage::GroupCommit::Callback done);
  void wake(const std::shared_ptr<Partition>& p);
  void release_wakes();
  // Idempotent producers (broker_producers.cc).
  void load_producers(Partition& p);
  void save_producers(Partition& p, int64_t offset, bool durable);
  // The duplicate's first answer when `records` repeats a cached batch;
  // kOutOfOrderSequence / kInvalidProducerEpoch / kInvalidArgument when
  // refused; empty when it may be appended.
  Result<std::optional<storage::AppendResult>> check_producers(Partition& p, std::string_view records);
  void record_producers(Partition& p, std::string_view records, const storage::AppendResult& r);
  void expire_producers(Partition& p, int64_t now_ms);

  BrokerOptions options_;
  Executor* executor_;
  storage::SystemClock clock_;
  std::unique_ptr<meta::MetaStore> meta_;
  std::unique_ptr<meta::MetaSync> meta_sync_;
  std::vector<meta::OrphanDir> orphans_;
  std::unique_ptr<GroupRegistry> group_registry_;  // outlives the protocols below
  std::unique_ptr<Groups> groups_;
  std::unique_ptr<KafkaGroups> kafka_groups_;
  std::unique_ptr<ConsumerGroups> consumer_groups_;
  DynamicConfigs dynamic_;
  ConfigMap topic_defaults_;  // topic_defaults(dynamic_)
  std::map<std::string, Topic> topics_;
  std::map<uint64_t, std::pair<std::shared_ptr<Partition>, uint64_t>> watch_index_;
  uint64_t next_watch_ = 1;
  int flushes_in_flight_ = 0;
  int64_t last_retention_ms_ = 0;
  int wake_holds_ = 0;  // HeldWakes alive
  std::vector<std::shared_ptr<Partition>> held_wakes_;  // partitions to wake when the last goes
  // Partitions loaded from meta.db, in the order open_some() opens them.
  std::vector<std::weak_ptr<Partition>> unopened_;
  size_t next_unopened_ = 0;
};

}  // namespace ks::server
