// The daemon's metadata: topics with their partition counts, configs and log
// start offsets; consumer groups with their committed offsets; a few
// settings (cluster id, node id). The log end offset is never stored here:
// it is read from the segments.
#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "common/status.h"

namespace ks::meta {

class Connection;

// Raising it is a schema migration (see kMigrations in meta_store.cc).
inline constexpr int kSchemaVersion = 2;
inline constexpr int32_t kMaxPartitionsPerTopic = 10000;

struct TopicMeta {
  std::string name;
  int32_t partitions = 0;
  int64_t created_ms = 0;
  std::map<std::string, std::string> configs;  // stored as given; the daemon validates
};

struct CommitEntry {
  std::string topic;
  int32_t partition = 0;
  int64_t offset = 0;
  std::string metadata;
  int64_t commit_ms = 0;
  int32_t leader_epoch = -1;  // the leader epoch a Kafka client committed with; -1: none
};

// One SQLite database file in WAL mode, owned through one connection.
//
// Threading: the connection is used from one thread only, the daemon's loop
// thread; MetaStore does no locking of its own.
//
// Durability: a call that returns OK is committed and survives a crash of
// the daemon; it survives a power loss once MetaSync (meta_sync.h) has
// synced the WAL after it, which the daemon waits for before it answers.
// SQLite runs synchronous=NORMAL in WAL mode: it appends each commit to
// meta.db-wal without a sync and syncs only around checkpoints (WAL first,
// then the database, before the WAL restarts from its beginning), so a
// power loss without MetaSync could undo the commits since the last
// checkpoint, but never damages the database.
//
// Every multi-row change is one transaction: it happens entirely or not at
// all. Nothing throws; failures name the operation and include SQLite's
// message.
class MetaStore {
 public:
  // Opens or creates the database at `path`, refuses a file that is not a
  // database or is damaged (kCorruption; the file is left as it was) or that
  // was written by a newer ks, then brings the schema up to kSchemaVersion.
  static Result<std::unique_ptr<MetaStore>> Open(const std::string& path);
  ~MetaStore();
  MetaStore(const MetaStore&) = delete;
  MetaStore& operator=(const MetaStore&) = delete;

  // ---- Topics. Names follow Kafka's rules (TopicName::Parse).

  // kAlreadyExists if the topic exists; partitions must be 1..kMaxPartitionsPerTopic.
  Status create_topic(const TopicMeta& topic);
  Result<TopicMeta> get_topic(const std::string& name);
  Result<std::vector<TopicMeta>> list_topics();  // sorted by name
  // Also removes the topic's configs, partitions and every group's committed
  // offsets for it.
  Status delete_topic(const std::string& name);
  // Sets the keys in `set` and removes the keys in `unset` (absent keys are
  // fine); a key in both is refused.
  Status set_topic_configs(const std::string& name, const std::map<std::string, std::string>& set,
                           const std::vector<std::string>& unset);
  // Grows the topic to `new_count` partitions; shrinking is refused.
  Status add_partitions(const std::string& name, int32_t new_count);

  // The first offset still readable in a partition; moved by retention and
  // DeleteRecords. kNotFound for an unknown topic or partition.
  Result<int64_t> log_start_offset(const std::string& topic, int32_t partition);
  Status set_log_start_offset(const std::string& topic, int32_t partition, int64_t offset);

  // ---- Consumer groups. Ids: validate_group_id (any non-empty UTF-8 string).

  // Upserts every entry in one transaction, creating the group if needed.
  // The topics are not checked against the topic table.
  Status commit_offsets(const std::string& group, const std::vector<CommitEntry>& entries);
  // Sorted by topic, partition; empty for an unknown group.
  Result<std::vector<CommitEntry>> fetch_offsets(const std::string& group);
  Result<std::vector<std::string>> list_groups();  // sorted
  Status delete_group(const std::string& name);    // with its offsets
  // OffsetDelete: removes the group's committed offsets of these partitions
  // (those it has; the group itself stays), in one transaction
  // (meta_offsets_delete.cc).
  Status delete_offsets(const std::string& group, const std::vector<std::pair<std::string, int32_t>>& partitions);

  // ---- Settings: small strings that must outlive restarts.

  Result<std::optional<std::string>> get_setting(const std::string& key);
  Status put_setting(const std::string& key, const std::string& value);

  // ---- Durability (see MetaSync).

  // Grows with every row the connection inserts, updates or deletes.
  uint64_t change_count() const;
  const std::string& path() const;
  std::string wal_path() const { return path() + "-wal"; }

 private:
  explicit MetaStore(std::unique_ptr<Connection> db);

  std::unique_ptr<Connection> db_;
};

}  // namespace ks::meta
