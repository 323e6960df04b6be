#include "daemon/meta/meta_store.h"

#include <chrono>
#include <iterator>

#include "common/types.h"
#include "daemon/meta/meta_annotate.h"
#include "daemon/meta/meta_sync.h"
#include "daemon/meta/sqlite.h"

namespace ks::meta {
namespace {

// kMigrations[v] takes the schema from user_version v to v + 1, inside the
// same transaction that records the new version. A released step is never
// edited: existing databases have already run it. Change the schema by
// appending a step and raising kSchemaVersion.
constexpr const char* kMigrations[] = {
    // 1: topics, their configs and partitions; groups and their offsets.
    R"sql(
      CREATE TABLE topics (
        name TEXT NOT NULL PRIMARY KEY,
        partitions INTEGER NOT NULL,
        created_ms INTEGER NOT NULL
      );
      CREATE TABLE topic_configs (
        topic TEXT NOT NULL REFERENCES topics(name) ON DELETE CASCADE,
        key TEXT NOT NULL,
        value TEXT NOT NULL,
        PRIMARY KEY (topic, key)
      );
      CREATE TABLE partitions (
        topic TEXT NOT NULL REFERENCES topics(name) ON DELETE CASCADE,
        partition INTEGER NOT NULL,
        log_start_offset INTEGER NOT NULL DEFAULT 0,
        PRIMARY KEY (topic, partition)
      );
      CREATE TABLE groups (
        name TEXT NOT NULL PRIMARY KEY,
        protocol_type TEXT,
        created_ms INTEGER
      );
      -- No foreign key to topics: Kafka lets a group keep offsets whose topic
      -- is gone until someone deletes them; delete_topic does so explicitly.
      CREATE TABLE group_offsets (
        group_name TEXT NOT NULL REFERENCES groups(name) ON DELETE CASCADE,
        topic TEXT NOT NULL,
        partition INTEGER NOT NULL,
        committed_offset INTEGER NOT NULL,
        metadata TEXT,
        commit_ms INTEGER,
        PRIMARY KEY (group_name, topic, partition)
      );
      -- Lets delete_topic find every group's offsets for a topic without a scan.
      CREATE INDEX group_offsets_by_topic ON group_offsets(topic);
      CREATE TABLE settings (
        key TEXT NOT NULL PRIMARY KEY,
        value TEXT
      );
    )sql",
    // 2: the leader epoch a Kafka client commits with each offset (OffsetCommit
    // v6+), answered by OffsetFetch v5+; -1 where none was given.
    R"sql(
      ALTER TABLE group_offsets ADD COLUMN leader_epoch INTEGER NOT NULL DEFAULT -1;
    )sql",
};
static_assert(std::size(kMigrations) == kSchemaVersion,
              "kSchemaVersion must equal the number of migration steps");

constexpr const char* kUpsertConfig =
    "INSERT INTO topic_configs(topic, key, value) VALUES (?, ?, ?) "
    "ON CONFLICT(topic, key) DO UPDATE SET value = excluded.value";

// Calls `on_row` for each row; stops at the first error.
template <typename OnRow>
Status for_each_row(Query& q, OnRow&& on_row) {
  for (;;) {
    Result<bool> row = q.step();
    if (!row.ok()) return row.take_status();
    if (!*row) return Status::OK();
    on_row(q);
  }
}

int64_t now_ms() {
  using namespace std::chrono;
  return duration_cast<milliseconds>(system_clock::now().time_since_epoch()).count();
}

std::string damaged(const std::string& path, const std::string& detail) {
  return "metadata database " + path + " is damaged: " + detail +
         "; restore it from a backup or move it aside";
}

// quick_check reads every page and checks each b-tree's structure, skipping
// only the index-versus-table comparison of integrity_check. On a metadata
// database (kilobytes to a few megabytes) it takes milliseconds, and it stops
// the daemon from running on a file that would fail later, mid-request.
Status check_integrity(Connection& db) {
  std::string problems;
  Query q = db.query("PRAGMA quick_check(5)");
  Status s = for_each_row(q, [&](const Query& row) {
    std::string line = row.text(0);
    if (line == "ok") return;
    if (!problems.empty()) problems += " / ";
    for (char& c : line) c = c == '\n' ? ' ' : c;  // keep the message on one line
    problems += line;
  });
  if (s.code() == Code::kCorruption) return Status::Corruption(damaged(db.path(), s.message()));
  if (!s.ok()) return s.prepend("checking metadata database " + db.path());
  if (!problems.empty()) return Status::Corruption(damaged(db.path(), problems));
  return Status::OK();
}

Status migrate(Connection& db) {
  Transaction tx(db);
  KS_RETURN_IF_ERROR(tx.begin());
  Result<int64_t> version = db.query("PRAGMA user_version").first_int();
  if (!version.ok()) return version.take_status();
  if (*version > kSchemaVersion) {
    return Status::InvalidArgument(
        "metadata database " + db.path() + " has schema version " + std::to_string(*version) +
        " but this ks knows only up to " + std::to_string(kSchemaVersion) +
        "; it was written by a newer ks: run that version, or restore a backup from before "
        "the upgrade");
  }
  if (*version == kSchemaVersion) return Status::OK();
  if (*version == 0) {
    // Refuse to add our tables to some other program's database.
    Result<int64_t> objects = db.query("SELECT count(*) FROM sqlite_master").first_int();
    if (!objects.ok()) return objects.take_status();
    if (*objects != 0) {
      return Status::InvalidArgument("metadata database " + db.path() +
                                     " already has tables but no ks schema version; it is "
                                     "not a ks metadata database");
    }
  }
  for (int64_t v = *version; v < kSchemaVersion; ++v) {
    Status s = db.exec(kMigrations[v]);
    if (!s.ok()) {
      return s.prepend("migrating metadata database " + db.path() + " to schema version " +
                       std::to_string(v + 1));
    }
  }
  KS_RETURN_IF_ERROR(db.exec("PRAGMA user_version = " + std::to_string(kSchemaVersion)));
  return tx.commit();
}

Status use_wal(Connection& db) {
  // WAL: readers never block the writer, and a commit is one append to the
  // WAL instead of a rewrite of the pages through a rollback journal.
  Query q = db.query("PRAGMA journal_mode = WAL");
  Result<bool> row = q.step();
  if (!row.ok()) return row.take_status();
  std::string mode = *row ? q.text(0) : "";
  if (mode != "wal") {
    return Status::IOError("metadata database " + db.path() +
                           " cannot use write-ahead logging (journal mode stayed '" + mode +
                           "'); is it on a network file system?");
  }
  // NORMAL: SQLite appends a commit to the WAL without syncing it and syncs
  // around checkpoints (auto-checkpoint at 1000 pages, on the loop thread,
  // rare). The daemon makes each acknowledged change durable itself, with a
  // grouped fdatasync of the WAL on the thread pool before the answer
  // (MetaSync), which FULL would do inline on the loop for every commit.
  // The WAL is never truncated while open (journal_size_limit stays -1), so
  // it keeps its inode and directory entry for the daemon's life.
  return db.exec("PRAGMA synchronous = NORMAL");
}

// A new meta.db and a new WAL are directory entries SQLite does not sync
// under NORMAL until its first checkpoint: sync them, their contents so far
// (the schema, a migration) and the home directory once, at open.
Status make_files_durable(Connection& db) {
  // A read opens the WAL (creating it), so it exists from here on.
  KS_RETURN_IF_ERROR(db.query("SELECT count(*) FROM sqlite_master").first_int().status());
  KS_RETURN_IF_ERROR(sync_file_data(db.path()));
  KS_RETURN_IF_ERROR(sync_file_data(db.path() + "-wal"));
  std::string dir = db.path().substr(0, db.path().find_last_of('/') + 1);
  return sync_directory(dir.empty() ? "." : dir);
}

Status insert_partitions(Connection& db, const std::string& topic, int32_t from, int32_t to) {
  for (int32_t p = from; p < to; ++p) {
    KS_RETURN_IF_ERROR(
        db.query("INSERT INTO partitions(topic, partition) VALUES (?, ?)").bind(topic).bind(p).run());
  }
  return Status::OK();
}

Result<std::map<std::string, std::string>> read_configs(Connection& db, const std::string& topic) {
  std::map<std::string, std::string> configs;
  Query q = db.query("SELECT key, value FROM topic_configs WHERE topic = ?");
  q.bind(topic);
  Status s = for_each_row(q, [&](const Query& row) { configs.emplace(row.text(0), row.text(1)); });
  if (!s.ok()) return s;
  return configs;
}

// Current partition count, kNotFound if the topic does not exist.
Result<int64_t> partition_count(Connection& db, const std::string& topic) {
  Result<int64_t> n =
      db.query("SELECT partitions FROM topics WHERE name = ?").bind(topic).first_int();
  if (!n.ok() && n.status().code() == Code::kNotFound) return Status::NotFound("no such topic");
  return n;
}

Status check_partition_count(const std::string& topic, int64_t n) {
  if (n >= 1 && n <= kMaxPartitionsPerTopic) return Status::OK();
  return Status::InvalidArgument("topic '" + topic + "' cannot have " + std::to_string(n) +
                                 " partitions; the range is 1.." +
                                 std::to_string(kMaxPartitionsPerTopic));
}

}  // namespace

MetaStore::MetaStore(std::unique_ptr<Connection> db) : db_(std::move(db)) {}
MetaStore::~MetaStore() = default;

Result<std::unique_ptr<MetaStore>> MetaStore::Open(const std::string& path) {
  Result<std::unique_ptr<Connection>> conn = Connection::Open(path);
  if (!conn.ok()) return conn.take_status();
  Connection& db = **conn;
  // Waiting a moment rides out a lock held briefly by, say, someone reading
  // the file with the sqlite3 shell; waiting longer would stall the loop
  // thread and every client with it, so after that the call fails with
  // kRetryLater.
  KS_RETURN_IF_ERROR(db.exec("PRAGMA busy_timeout = 1000"));
  // Before anything can write: a damaged file is refused as it is, never
  // repaired or recreated, so that whoever restores it has the original.
  KS_RETURN_IF_ERROR(check_integrity(db));
  KS_RETURN_IF_ERROR(db.exec("PRAGMA foreign_keys = ON"));  // the cascades depend on it
  KS_RETURN_IF_ERROR(migrate(db));
  KS_RETURN_IF_ERROR(use_wal(db));
  KS_RETURN_IF_ERROR(make_files_durable(db));
  return std::unique_ptr<MetaStore>(new MetaStore(std::move(*conn)));
}

uint64_t MetaStore::change_count() const { return static_cast<uint64_t>(db_->total_changes()); }
const std::string& MetaStore::path() const { return db_->path(); }

// ---- Topics

Status MetaStore::create_topic(const TopicMeta& topic) {
  Result<TopicName> name = TopicName::Parse(topic.name);
  if (!name.ok()) return name.take_status();
  KS_RETURN_IF_ERROR(check_partition_count(topic.name, topic.partitions));
  return annotate("creating topic", topic.name, [&]() -> Status {
    Transaction tx(*db_);
    KS_RETURN_IF_ERROR(tx.begin());
    KS_RETURN_IF_ERROR(db_->query("INSERT INTO topics(name, partitions, created_ms) VALUES (?, ?, ?) "
                                  "ON CONFLICT(name) DO NOTHING")
                           .bind(topic.name)
                           .bind(topic.partitions)
                           .bind(topic.created_ms)
                           .run());
    if (db_->changes() == 0) return Status::AlreadyExists("the topic already exists");
    KS_RETURN_IF_ERROR(insert_partitions(*db_, topic.name, 0, topic.partitions));
    for (const auto& [key, value] : topic.configs) {
      KS_RETURN_IF_ERROR(db_->query(kUpsertConfig).bind(topic.name).bind(key).bind(value).run());
    }
    return tx.commit();
  });
}

Result<TopicMeta> MetaStore::get_topic(const std::string& name) {
  return annotate("reading topic", name, [&]() -> Result<TopicMeta> {
    Query q = db_->query("SELECT partitions, created_ms FROM topics WHERE name = ?");
    q.bind(name);
    Result<bool> row = q.step();
    if (!row.ok()) return row.take_status();
    if (!*row) return Status::NotFound("no such topic");
    TopicMeta topic{name, static_cast<int32_t>(q.int64(0)), q.int64(1), {}};
    Result<std::map<std::string, std::string>> configs = read_configs(*db_, name);
    if (!configs.ok()) return configs.take_status();
    topic.configs = std::move(*configs);
    return topic;
  });
}

Result<std::vector<TopicMeta>> MetaStore::list_topics() {
  return annotate("listing topics", [&]() -> Result<std::vector<TopicMeta>> {
    std::vector<TopicMeta> topics;
    Query q = db_->query("SELECT name, partitions, created_ms FROM topics ORDER BY name");
    KS_RETURN_IF_ERROR(for_each_row(q, [&](const Query& row) {
      topics.push_back({row.text(0), static_cast<int32_t>(row.int64(1)), row.int64(2), {}});
    }));
    for (TopicMeta& topic : topics) {
      Result<std::map<std::string, std::string>> configs = read_configs(*db_, topic.name);
      if (!configs.ok()) return configs.take_status();
      topic.configs = std::move(*configs);
    }
    return topics;
  });
}

Status MetaStore::delete_topic(const std::string& name) {
  return annotate("deleting topic", name, [&]() -> Status {
    Transaction tx(*db_);
    KS_RETURN_IF_ERROR(tx.begin());
    // Configs and partitions go with the topic through ON DELETE CASCADE.
    KS_RETURN_IF_ERROR(db_->query("DELETE FROM topics WHERE name = ?").bind(name).run());
    if (db_->changes() == 0) return Status::NotFound("no such topic");
    KS_RETURN_IF_ERROR(db_->query("DELETE FROM group_offsets WHERE topic = ?").bind(name).run());
    return tx.commit();
  });
}

Status MetaStore::set_topic_configs(const std::string& name,
                                    const std::map<std::string, std::string>& set,
                                    const std::vector<std::string>& unset) {
  for (const std::string& key : unset) {
    if (set.count(key) != 0) {
      return Status::InvalidArgument("config '" + key + "' of topic '" + name +
                                     "' is both set and removed");
    }
  }
  return annotate("setting configs of topic", name, [&]() -> Status {
    Transaction tx(*db_);
    KS_RETURN_IF_ERROR(tx.begin());
    KS_RETURN_IF_ERROR(partition_count(*db_, name).status());
    for (const auto& [key, value] : set) {
      KS_RETURN_IF_ERROR(db_->query(kUpsertConfig).bind(name).bind(key).bind(value).run());
    }
    for (const std::string& key : unset) {
      KS_RETURN_IF_ERROR(db_->query("DELETE FROM topic_configs WHERE topic = ? AND key = ?")
                             .bind(name)
                             .bind(key)
                             .run());
    }
    return tx.commit();
  });
}

Status MetaStore::add_partitions(const std::string& name, int32_t new_count) {
  KS_RETURN_IF_ERROR(check_partition_count(name, new_count));
  return annotate("adding partitions to topic", name, [&]() -> Status {
    Transaction tx(*db_);
    KS_RETURN_IF_ERROR(tx.begin());
    Result<int64_t> current = partition_count(*db_, name);
    if (!current.ok()) return current.take_status();
    if (new_count <= *current) {
      return Status::InvalidArgument("the partition count can only grow, and " +
                                     std::to_string(new_count) + " is not more than " +
                                     std::to_string(*current));
    }
    KS_RETURN_IF_ERROR(db_->query("UPDATE topics SET partitions = ? WHERE name = ?")
                           .bind(new_count)
                           .bind(name)
                           .run());
    KS_RETURN_IF_ERROR(
        insert_partitions(*db_, name, static_cast<int32_t>(*current), new_count));
    return tx.commit();
  });
}

Result<int64_t> MetaStore::log_start_offset(const std::string& topic, int32_t partition) {
  return annotate("reading the log start offset of topic", topic, [&]() -> Result<int64_t> {
    Result<int64_t> offset =
        db_->query("SELECT log_start_offset FROM partitions WHERE topic = ? AND partition = ?")
            .bind(topic)
            .bind(partition)
            .first_int();
    if (!offset.ok() && offset.status().code() == Code::kNotFound)
      return Status::NotFound("no partition " + std::to_string(partition));
    return offset;
  });
}

Status MetaStore::set_log_start_offset(const std::string& topic, int32_t partition,
                                       int64_t offset) {
  if (offset < 0) {
    return Status::InvalidArgument("log start offset " + std::to_string(offset) +
                                   " of topic '" + topic + "' is negative");
  }
  return annotate("setting the log start offset of topic", topic, [&]() -> Status {
    KS_RETURN_IF_ERROR(
        db_->query("UPDATE partitions SET log_start_offset = ? WHERE topic = ? AND partition = ?")
            .bind(offset)
            .bind(topic)
            .bind(partition)
            .run());
    if (db_->changes() == 0) return Status::NotFound("no partition " + std::to_string(partition));
    return Status::OK();
  });
}

// ---- Consumer groups

Status MetaStore::commit_offsets(const std::string& group,
                                 const std::vector<CommitEntry>& entries) {
  KS_RETURN_IF_ERROR(validate_group_id(group));
  for (const CommitEntry& e : entries) {
    Result<TopicName> topic = TopicName::Parse(e.topic);
    if (!topic.ok()) return topic.take_status().prepend("committing offsets for group '" + group + "'");
    if (e.partition < 0) {
      return Status::InvalidArgument("committing offsets for group '" + group + "': partition " +
                                     std::to_string(e.partition) + " of topic '" + e.topic +
                                     "' is negative");
    }
  }
  return annotate("committing offsets for group", group, [&]() -> Status {
    Transaction tx(*db_);
    KS_RETURN_IF_ERROR(tx.begin());
    KS_RETURN_IF_ERROR(
        db_->query("INSERT INTO groups(name, created_ms) VALUES (?, ?) ON CONFLICT(name) DO NOTHING")
            .bind(group)
            .bind(now_ms())
            .run());
    for (const CommitEntry& e : entries) {
      KS_RETURN_IF_ERROR(
          db_->query("INSERT INTO group_offsets(group_name, topic, partition, committed_offset, "
                     "metadata, commit_ms, leader_epoch) VALUES (?, ?, ?, ?, ?, ?, ?) "
                     "ON CONFLICT(group_name, topic, partition) DO UPDATE SET "
                     "committed_offset = excluded.committed_offset, "
                     "metadata = excluded.metadata, commit_ms = excluded.commit_ms, "
                     "leader_epoch = excluded.leader_epoch")
              .bind(group)
              .bind(e.topic)
              .bind(e.partition)
              .bind(e.offset)
              .bind(e.metadata)
              .bind(e.commit_ms)
              .bind(e.leader_epoch)
              .run());
    }
    return tx.commit();
  });
}

Result<std::vector<CommitEntry>> MetaStore::fetch_offsets(const std::string& group) {
  return annotate("fetching offsets of group", group, [&]() -> Result<std::vector<CommitEntry>> {
    std::vector<CommitEntry> entries;
    Query q = db_->query(
        "SELECT topic, partition, committed_offset, metadata, commit_ms, leader_epoch FROM group_offsets "
        "WHERE group_name = ? ORDER BY topic, partition");
    q.bind(group);
    KS_RETURN_IF_ERROR(for_each_row(q, [&](const Query& row) {
      entries.push_back({row.text(0), static_cast<int32_t>(row.int64(1)), row.int64(2),
                         row.text(3), row.int64(4), static_cast<int32_t>(row.int64(5))});
    }));
    return entries;
  });
}

Result<std::vector<std::string>> MetaStore::list_groups() {
  return annotate("listing groups", [&]() -> Result<std::vector<std::string>> {
    std::vector<std::string> names;
    Query q = db_->query("SELECT name FROM groups ORDER BY name");
    KS_RETURN_IF_ERROR(for_each_row(q, [&](const Query& row) { names.push_back(row.text(0)); }));
    return names;
  });
}

Status MetaStore::delete_group(const std::string& name) {
  return annotate("deleting group", name, [&]() -> Status {
    // The group's offsets go with it through ON DELETE CASCADE.
    KS_RETURN_IF_ERROR(db_->query("DELETE FROM groups WHERE name = ?").bind(name).run());
    if (db_->changes() == 0) return Status::NotFound("no such group");
    return Status::OK();
  });
}

}  // namespace ks::meta
