#include "daemon/meta/meta_store.h"
#include "common/types.h"

#include <sqlite3.h>
#include <stdlib.h>

#include <doctest/doctest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <iterator>

using namespace ks;
using namespace ks::meta;

namespace {

// A fresh directory under /tmp, removed with everything in it.
struct TempDir {
  TempDir() {
    char tmpl[] = "/tmp/ks_meta_test.XXXXXX";
    REQUIRE(mkdtemp(tmpl) != nullptr);
    path = tmpl;
  }
  ~TempDir() { std::filesystem::remove_all(path); }
  std::string file(const std::string& name) const { return path + "/" + name; }
  std::string db() const { return file("meta.db"); }
  std::string path;
};

std::unique_ptr<MetaStore> open_store(const std::string& path) {
  auto store = MetaStore::Open(path);
  REQUIRE_MESSAGE(store.ok(), store.status().to_string());
  return std::move(store).value();
}

std::string read_bytes(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

void write_bytes(const std::string& path, const std::string& bytes, std::streamoff at = 0) {
  std::fstream out(path, std::ios::binary | std::ios::in | std::ios::out);
  if (!out) out.open(path, std::ios::binary | std::ios::out);
  out.seekp(at);
  out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
  REQUIRE(out.good());
}

// Runs `sql` on its own connection, bypassing MetaStore; returns the first
// column of the first row ("" if none).
std::string raw_sql(const std::string& path, const std::string& sql) {
  sqlite3* db = nullptr;
  REQUIRE(sqlite3_open_v2(path.c_str(), &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, nullptr) ==
          SQLITE_OK);
  sqlite3_stmt* stmt = nullptr;
  REQUIRE_MESSAGE(sqlite3_prepare_v2(db, sql.c_str(), -1, &stmt, nullptr) == SQLITE_OK,
                  sqlite3_errmsg(db));
  std::string out;
  int rc = sqlite3_step(stmt);
  CHECK_MESSAGE((rc == SQLITE_ROW || rc == SQLITE_DONE), sqlite3_errmsg(db));
  if (rc == SQLITE_ROW && sqlite3_column_text(stmt, 0) != nullptr)
    out = reinterpret_cast<const char*>(sqlite3_column_text(stmt, 0));
  sqlite3_finalize(stmt);
  sqlite3_close(db);
  return out;
}

std::vector<std::string> dir_entries(const std::string& dir) {
  std::vector<std::string> names;
  for (const auto& e : std::filesystem::directory_iterator(dir))
    names.push_back(e.path().filename().string());
  std::sort(names.begin(), names.end());
  return names;
}

TopicMeta topic(std::string name, int32_t partitions,
                std::map<std::string, std::string> configs = {}) {
  return TopicMeta{std::move(name), partitions, 1700000000000, std::move(configs)};
}

CommitEntry entry(std::string topic, int32_t partition, int64_t offset, std::string metadata = "",
                  int64_t commit_ms = 1700000000000) {
  return CommitEntry{std::move(topic), partition, offset, std::move(metadata), commit_ms};
}

std::vector<std::string> names_of(const std::vector<TopicMeta>& topics) {
  std::vector<std::string> names;
  for (const TopicMeta& t : topics) names.push_back(t.name);
  return names;
}

}  // namespace

TEST_CASE("a fresh database ends at the latest schema version, in WAL mode") {
  TempDir dir;
  auto store = open_store(dir.db());
  // Asked on a second connection while the store is open: the mode is in the file.
  CHECK(raw_sql(dir.db(), "PRAGMA journal_mode") == "wal");
  CHECK(raw_sql(dir.db(), "PRAGMA user_version") == std::to_string(kSchemaVersion));
  CHECK(raw_sql(dir.db(), "SELECT count(*) FROM sqlite_master WHERE type = 'table'") == "6");
  store.reset();

  // Reopening an up-to-date database migrates nothing.
  store = open_store(dir.db());
  CHECK(raw_sql(dir.db(), "PRAGMA user_version") == std::to_string(kSchemaVersion));
}

TEST_CASE("topics are created, read, listed and deleted with their configs") {
  TempDir dir;
  auto store = open_store(dir.db());
  REQUIRE(store->create_topic(topic("orders", 3, {{"retention.ms", "604800000"},
                                                  {"cleanup.policy", "delete"}}))
              .ok());
  REQUIRE(store->create_topic(topic("audit", 1)).ok());

  auto orders = store->get_topic("orders");
  REQUIRE(orders.ok());
  CHECK(orders->name == "orders");
  CHECK(orders->partitions == 3);
  CHECK(orders->created_ms == 1700000000000);
  CHECK(orders->configs == std::map<std::string, std::string>{{"cleanup.policy", "delete"},
                                                              {"retention.ms", "604800000"}});

  auto all = store->list_topics();
  REQUIRE(all.ok());
  CHECK(names_of(*all) == std::vector<std::string>{"audit", "orders"});
  CHECK(all->at(0).configs.empty());
  CHECK(all->at(1).configs.size() == 2);

  CHECK(store->delete_topic("orders").ok());
  CHECK(store->get_topic("orders").status().code() == Code::kNotFound);
  CHECK(names_of(*store->list_topics()) == std::vector<std::string>{"audit"});

  Status again = store->delete_topic("orders");
  CHECK(again.code() == Code::kNotFound);
  CHECK(again.message().find("orders") != std::string::npos);
}

TEST_CASE("creating an existing topic fails with already exists and changes nothing") {
  TempDir dir;
  auto store = open_store(dir.db());
  REQUIRE(store->create_topic(topic("orders", 2, {{"a", "1"}})).ok());
  Status s = store->create_topic(topic("orders", 5, {{"b", "2"}}));
  CHECK(s.code() == Code::kAlreadyExists);
  CHECK(s.message().find("orders") != std::string::npos);

  auto orders = store->get_topic("orders");
  REQUIRE(orders.ok());
  CHECK(orders->partitions == 2);
  CHECK(orders->configs == std::map<std::string, std::string>{{"a", "1"}});
  CHECK(store->log_start_offset("orders", 4).status().code() == Code::kNotFound);
}

TEST_CASE("invalid topic names and partition counts are refused and nothing is written") {
  TempDir dir;
  auto store = open_store(dir.db());
  for (std::string bad : {std::string(), std::string(".."), std::string("a/b"),
                          std::string(250, 'x'), std::string("sp ace")}) {
    CHECK(store->create_topic(topic(bad, 1)).code() == Code::kInvalidArgument);
  }
  for (int32_t n : {0, -1, kMaxPartitionsPerTopic + 1}) {
    Status s = store->create_topic(topic("orders", n));
    CHECK(s.code() == Code::kInvalidArgument);
    CHECK(s.message().find(std::to_string(n)) != std::string::npos);
  }
  CHECK(store->list_topics()->empty());
  CHECK(raw_sql(dir.db(), "SELECT count(*) FROM partitions") == "0");

  // The limit itself is allowed.
  REQUIRE(store->create_topic(topic("wide", kMaxPartitionsPerTopic)).ok());
  CHECK(*store->log_start_offset("wide", kMaxPartitionsPerTopic - 1) == 0);
}

TEST_CASE("topic configs are set and removed in one call") {
  TempDir dir;
  auto store = open_store(dir.db());
  REQUIRE(store->create_topic(topic("orders", 1, {{"keep", "1"}, {"drop", "2"}, {"change", "3"}}))
              .ok());
  REQUIRE(store->set_topic_configs("orders", {{"change", "33"}, {"new", "4"}}, {"drop", "absent"})
              .ok());
  CHECK(store->get_topic("orders")->configs ==
        std::map<std::string, std::string>{{"change", "33"}, {"keep", "1"}, {"new", "4"}});

  // A key both set and removed is ambiguous: refused, nothing changes.
  CHECK(store->set_topic_configs("orders", {{"keep", "9"}}, {"keep"}).code() ==
        Code::kInvalidArgument);
  CHECK(store->get_topic("orders")->configs.at("keep") == "1");

  CHECK(store->set_topic_configs("missing", {{"a", "b"}}, {}).code() == Code::kNotFound);
  CHECK(raw_sql(dir.db(), "SELECT count(*) FROM topic_configs WHERE topic = 'missing'") == "0");
}

TEST_CASE("partitions can be added but never taken away") {
  TempDir dir;
  auto store = open_store(dir.db());
  REQUIRE(store->create_topic(topic("orders", 2)).ok());
  REQUIRE(store->set_log_start_offset("orders", 1, 50).ok());

  REQUIRE(store->add_partitions("orders", 5).ok());
  CHECK(store->get_topic("orders")->partitions == 5);
  CHECK(*store->log_start_offset("orders", 1) == 50);  // existing partitions untouched
  CHECK(*store->log_start_offset("orders", 4) == 0);
  CHECK(store->log_start_offset("orders", 5).status().code() == Code::kNotFound);

  CHECK(store->add_partitions("orders", 5).code() == Code::kInvalidArgument);
  CHECK(store->add_partitions("orders", 3).code() == Code::kInvalidArgument);
  CHECK(store->add_partitions("orders", kMaxPartitionsPerTopic + 1).code() ==
        Code::kInvalidArgument);
  CHECK(store->add_partitions("missing", 3).code() == Code::kNotFound);
  CHECK(store->get_topic("orders")->partitions == 5);
}

TEST_CASE("log start offsets are kept per partition") {
  TempDir dir;
  auto store = open_store(dir.db());
  REQUIRE(store->create_topic(topic("orders", 3)).ok());
  CHECK(*store->log_start_offset("orders", 0) == 0);
  REQUIRE(store->set_log_start_offset("orders", 2, 1234).ok());
  CHECK(*store->log_start_offset("orders", 2) == 1234);
  CHECK(*store->log_start_offset("orders", 1) == 0);

  CHECK(store->set_log_start_offset("orders", 3, 1).code() == Code::kNotFound);
  CHECK(store->set_log_start_offset("missing", 0, 1).code() == Code::kNotFound);
  CHECK(store->set_log_start_offset("orders", 0, -1).code() == Code::kInvalidArgument);
  Result<int64_t> absent = store->log_start_offset("orders", 7);
  CHECK(absent.status().code() == Code::kNotFound);
  CHECK(absent.status().message().find("partition 7") != std::string::npos);
}

TEST_CASE("a later commit overwrites the earlier offset of the same partition") {
  TempDir dir;
  auto store = open_store(dir.db());
  REQUIRE(store->commit_offsets("billing", {entry("orders", 0, 10, "m1", 1000),
                                            entry("orders", 1, 20, "", 1000)})
              .ok());
  REQUIRE(store->commit_offsets("billing", {entry("orders", 0, 15, "m2", 2000),
                                            entry("audit", 0, 3, "", 2000)})
              .ok());

  auto got = store->fetch_offsets("billing");
  REQUIRE(got.ok());
  REQUIRE(got->size() == 3);
  // Sorted by topic, then partition.
  CHECK(got->at(0).topic == "audit");
  CHECK(got->at(0).offset == 3);
  CHECK(got->at(1).topic == "orders");
  CHECK(got->at(1).partition == 0);
  CHECK(got->at(1).offset == 15);
  CHECK(got->at(1).metadata == "m2");
  CHECK(got->at(1).commit_ms == 2000);
  CHECK(got->at(2).partition == 1);
  CHECK(got->at(2).offset == 20);
  CHECK(got->at(2).commit_ms == 1000);
}

TEST_CASE("the leader epoch a client commits with is kept, and a later commit without one clears it") {
  TempDir dir;
  auto store = open_store(dir.db());
  CommitEntry e = entry("orders", 0, 10, "", 1000);
  e.leader_epoch = 4;
  REQUIRE(store->commit_offsets("billing", {e, entry("orders", 1, 20, "", 1000)}).ok());
  auto got = store->fetch_offsets("billing");
  REQUIRE(got.ok());
  REQUIRE(got->size() == 2);
  CHECK(got->at(0).leader_epoch == 4);
  CHECK(got->at(1).leader_epoch == -1);

  REQUIRE(store->commit_offsets("billing", {entry("orders", 0, 11, "", 2000)}).ok());
  got = store->fetch_offsets("billing");
  REQUIRE(got.ok());
  CHECK(got->at(0).offset == 11);
  CHECK(got->at(0).leader_epoch == -1);
}

TEST_CASE("a schema 1 database is migrated: its offsets stay and answer no leader epoch") {
  TempDir dir;
  {
    auto store = open_store(dir.db());
    REQUIRE(store->commit_offsets("billing", {entry("orders", 0, 10, "m", 1000)}).ok());
  }
  // What ks wrote before schema 2: the table without the column, version 1.
  raw_sql(dir.db(), "ALTER TABLE group_offsets DROP COLUMN leader_epoch");
  raw_sql(dir.db(), "PRAGMA user_version = 1");
  auto store = open_store(dir.db());
  CHECK(raw_sql(dir.db(), "PRAGMA user_version") == std::to_string(kSchemaVersion));
  auto got = store->fetch_offsets("billing");
  REQUIRE(got.ok());
  REQUIRE(got->size() == 1);
  CHECK(got->at(0).offset == 10);
  CHECK(got->at(0).metadata == "m");
  CHECK(got->at(0).leader_epoch == -1);
}

TEST_CASE("groups are listed and deleted with their offsets and unknown groups have none") {
  TempDir dir;
  auto store = open_store(dir.db());
  auto unknown = store->fetch_offsets("nobody");
  REQUIRE(unknown.ok());
  CHECK(unknown->empty());
  CHECK(store->list_groups()->empty());  // fetching does not create a group

  REQUIRE(store->commit_offsets("zeta", {entry("orders", 0, 1)}).ok());
  REQUIRE(store->commit_offsets("alpha", {entry("orders", 0, 2)}).ok());
  CHECK(*store->list_groups() == std::vector<std::string>{"alpha", "zeta"});

  REQUIRE(store->delete_group("zeta").ok());
  CHECK(*store->list_groups() == std::vector<std::string>{"alpha"});
  CHECK(store->fetch_offsets("zeta")->empty());
  CHECK(store->fetch_offsets("alpha")->size() == 1);
  CHECK(raw_sql(dir.db(), "SELECT count(*) FROM group_offsets") == "1");
  CHECK(store->delete_group("zeta").code() == Code::kNotFound);
}

TEST_CASE("invalid group ids, topic names and partitions are refused before anything is written") {
  TempDir dir;
  auto store = open_store(dir.db());
  CHECK(store->commit_offsets("", {entry("orders", 0, 1)}).code() == Code::kInvalidArgument);
  CHECK(store->commit_offsets("bad\xff", {entry("orders", 0, 1)}).code() == Code::kInvalidArgument);
  CHECK(store->commit_offsets(std::string(ks::kMaxGroupIdLength + 1, 'g'), {entry("orders", 0, 1)}).code() ==
        Code::kInvalidArgument);
  // One bad entry spoils the whole commit.
  CHECK(store->commit_offsets("g", {entry("orders", 0, 1), entry("orders", -1, 1)}).code() ==
        Code::kInvalidArgument);
  CHECK(store->commit_offsets("g", {entry("orders", 0, 1), entry("bad topic", 0, 1)}).code() ==
        Code::kInvalidArgument);
  CHECK(store->list_groups()->empty());
  CHECK(raw_sql(dir.db(), "SELECT count(*) FROM group_offsets") == "0");
  // Kafka takes any non-empty string as a group id.
  for (std::string id : {std::string(ks::kMaxGroupIdLength, 'g'), std::string("roundrobin,range"),
                         std::string("team/app 1"), std::string("\xe6\x97\xa5\xe6\x9c\xac")})
    CHECK(store->commit_offsets(id, {entry("orders", 0, 1)}).ok());
  CHECK(store->list_groups()->size() == 4);
}

TEST_CASE("deleting a topic removes its configs, partitions and committed offsets but no other topic's") {
  TempDir dir;
  auto store = open_store(dir.db());
  REQUIRE(store->create_topic(topic("orders", 2, {{"a", "1"}})).ok());
  REQUIRE(store->create_topic(topic("audit", 2, {{"b", "2"}})).ok());
  REQUIRE(store->set_log_start_offset("audit", 1, 7).ok());
  REQUIRE(store->commit_offsets("g1", {entry("orders", 0, 5), entry("audit", 1, 9)}).ok());
  REQUIRE(store->commit_offsets("g2", {entry("orders", 1, 6)}).ok());

  REQUIRE(store->delete_topic("orders").ok());

  CHECK(raw_sql(dir.db(), "SELECT count(*) FROM topic_configs WHERE topic = 'orders'") == "0");
  CHECK(raw_sql(dir.db(), "SELECT count(*) FROM partitions WHERE topic = 'orders'") == "0");
  CHECK(raw_sql(dir.db(), "SELECT count(*) FROM group_offsets WHERE topic = 'orders'") == "0");
  CHECK(store->get_topic("audit")->configs.at("b") == "2");
  CHECK(*store->log_start_offset("audit", 1) == 7);
  auto g1 = store->fetch_offsets("g1");
  REQUIRE(g1->size() == 1);
  CHECK(g1->at(0).topic == "audit");
  CHECK(g1->at(0).offset == 9);
  // The groups themselves stay, even one left without offsets.
  CHECK(*store->list_groups() == std::vector<std::string>{"g1", "g2"});
  CHECK(store->fetch_offsets("g2")->empty());

  // A topic of the same name starts from scratch.
  REQUIRE(store->create_topic(topic("orders", 1)).ok());
  CHECK(store->get_topic("orders")->configs.empty());
}

TEST_CASE("everything survives closing and reopening the database") {
  TempDir dir;
  {
    auto store = open_store(dir.db());
    REQUIRE(store->create_topic(topic("orders", 4, {{"retention.ms", "1000"}})).ok());
    REQUIRE(store->create_topic(topic("audit", 1)).ok());
    REQUIRE(store->set_log_start_offset("orders", 3, 99).ok());
    REQUIRE(store->commit_offsets("billing", {entry("orders", 3, 120, "meta", 5)}).ok());
    REQUIRE(store->put_setting("cluster.id", "abc-123").ok());
  }
  auto store = open_store(dir.db());
  CHECK(names_of(*store->list_topics()) == std::vector<std::string>{"audit", "orders"});
  auto orders = store->get_topic("orders");
  REQUIRE(orders.ok());
  CHECK(orders->partitions == 4);
  CHECK(orders->configs.at("retention.ms") == "1000");
  CHECK(*store->log_start_offset("orders", 3) == 99);
  auto offsets = store->fetch_offsets("billing");
  REQUIRE(offsets->size() == 1);
  CHECK(offsets->at(0).offset == 120);
  CHECK(offsets->at(0).metadata == "meta");
  CHECK(offsets->at(0).commit_ms == 5);
  CHECK(**store->get_setting("cluster.id") == "abc-123");
}

TEST_CASE("settings are stored, overwritten and read back") {
  TempDir dir;
  auto store = open_store(dir.db());
  auto none = store->get_setting("node.id");
  REQUIRE(none.ok());
  CHECK_FALSE(none->has_value());
  REQUIRE(store->put_setting("node.id", "1").ok());
  REQUIRE(store->put_setting("node.id", "2").ok());
  CHECK(**store->get_setting("node.id") == "2");
  REQUIRE(store->put_setting("empty", "").ok());
  CHECK(store->get_setting("empty")->has_value());
}

TEST_CASE("a file that is not a database is refused as damaged and left untouched") {
  TempDir dir;
  std::string garbage;
  for (int i = 0; i < 5000; ++i) garbage += static_cast<char>("not a database "[i % 15] ^ (i & 7));
  write_bytes(dir.db(), garbage);

  auto store = MetaStore::Open(dir.db());
  REQUIRE_FALSE(store.ok());
  CHECK(store.status().code() == Code::kCorruption);
  CHECK(store.status().message().find("damaged") != std::string::npos);
  CHECK(store.status().message().find(dir.db()) != std::string::npos);
  CHECK(store.status().message().find("backup") != std::string::npos);
  CHECK(read_bytes(dir.db()) == garbage);
  CHECK(dir_entries(dir.path) == std::vector<std::string>{"meta.db"});
}

TEST_CASE("a database with a damaged page is refused by the integrity check") {
  TempDir dir;
  {
    auto store = open_store(dir.db());
    for (int i = 0; i < 20; ++i)
      REQUIRE(store->create_topic(topic("topic-" + std::to_string(i), 3, {{"k", "v"}})).ok());
  }
  int page_size = std::stoi(raw_sql(dir.db(), "PRAGMA page_size"));
  REQUIRE(std::filesystem::file_size(dir.db()) >= 3u * page_size);
  write_bytes(dir.db(), std::string(page_size, '\xAB'), 2 * page_size);  // page 3
  std::string damaged = read_bytes(dir.db());

  auto store = MetaStore::Open(dir.db());
  REQUIRE_FALSE(store.ok());
  CHECK(store.status().code() == Code::kCorruption);
  CHECK(store.status().message().find("damaged") != std::string::npos);
  CHECK(read_bytes(dir.db()) == damaged);
}

TEST_CASE("a database written by a newer ks is refused and left untouched") {
  TempDir dir;
  open_store(dir.db()).reset();
  raw_sql(dir.db(), "PRAGMA user_version = " + std::to_string(kSchemaVersion + 1));
  std::string before = read_bytes(dir.db());

  auto store = MetaStore::Open(dir.db());
  REQUIRE_FALSE(store.ok());
  CHECK(store.status().code() == Code::kInvalidArgument);
  CHECK(store.status().message().find("newer") != std::string::npos);
  CHECK(read_bytes(dir.db()) == before);
}

TEST_CASE("another program's database is not taken over") {
  TempDir dir;
  raw_sql(dir.db(), "CREATE TABLE recipes(name TEXT)");
  auto store = MetaStore::Open(dir.db());
  REQUIRE_FALSE(store.ok());
  CHECK(store.status().code() == Code::kInvalidArgument);
  CHECK(store.status().message().find("not a ks metadata database") != std::string::npos);
  CHECK(raw_sql(dir.db(), "SELECT count(*) FROM sqlite_master") == "1");
}

TEST_CASE("a database in a missing directory is an I/O error naming the path") {
  TempDir dir;
  std::string path = dir.file("no/such/dir/meta.db");
  auto store = MetaStore::Open(path);
  REQUIRE_FALSE(store.ok());
  CHECK(store.status().code() == Code::kIOError);
  CHECK(store.status().message().find(path) != std::string::npos);
}
