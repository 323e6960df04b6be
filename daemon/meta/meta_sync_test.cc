#include "daemon/meta/meta_sync.h"

#include <stdlib.h>

#include <doctest/doctest.h>

#include <deque>
#include <filesystem>

#include "daemon/meta/meta_store.h"

using namespace ks;
using namespace ks::meta;

namespace {

struct TempDir {
  TempDir() {
    char tmpl[] = "/tmp/ks_meta_sync_test.XXXXXX";
    REQUIRE(mkdtemp(tmpl) != nullptr);
    path = tmpl;
  }
  ~TempDir() { std::filesystem::remove_all(path); }
  std::string path;
};

// Queues the sync work; the test decides when a sync "finishes".
struct ManualRun {
  std::deque<std::pair<std::function<Status()>, std::function<void(Status)>>> queue;
  MetaSync::Run fn() {
    return [this](std::function<Status()> work, std::function<void(Status)> done) {
      queue.emplace_back(std::move(work), std::move(done));
    };
  }
  void finish_one() {
    REQUIRE(!queue.empty());
    auto [work, done] = std::move(queue.front());
    queue.pop_front();
    done(work());
  }
};

std::unique_ptr<MetaStore> open_store(const std::string& path) {
  auto store = MetaStore::Open(path);
  REQUIRE_MESSAGE(store.ok(), store.status().to_string());
  return std::move(store).value();
}

}  // namespace

TEST_CASE("a metadata change is acknowledged only after the WAL sync that covers it") {
  TempDir dir;
  auto store = open_store(dir.path + "/meta.db");
  ManualRun run;
  MetaSync sync(store->wal_path(), run.fn(), [&] { return store->change_count(); });

  int answered = 0;
  sync.when_durable([&](Status s) { CHECK(s.ok()); ++answered; });
  CHECK(answered == 1);  // nothing written since open: answered at once
  CHECK(run.queue.empty());

  REQUIRE(store->create_topic({"orders", 2, 1, {{"retention.ms", "1000"}}}).ok());
  sync.when_durable([&](Status s) { CHECK(s.ok()); ++answered; });
  CHECK(answered == 1);  // waiting for the sync
  REQUIRE(run.queue.size() == 1);
  run.finish_one();
  CHECK(answered == 2);
  CHECK(sync.syncs() == 1);
}

TEST_CASE("offset commits made while a sync is in flight share the next one") {
  TempDir dir;
  auto store = open_store(dir.path + "/meta.db");
  ManualRun run;
  MetaSync sync(store->wal_path(), run.fn(), [&] { return store->change_count(); });
  int answered = 0;
  auto commit = [&](int64_t offset) {
    REQUIRE(store->commit_offsets("g", {{"t", 0, offset, "", 0}}).ok());
    sync.when_durable([&](Status s) { CHECK(s.ok()); ++answered; });
  };
  commit(1);  // starts sync 1
  for (int i = 2; i <= 50; ++i) commit(i);  // all wait for sync 2
  CHECK(run.queue.size() == 1);
  run.finish_one();
  CHECK(answered == 1);
  REQUIRE(run.queue.size() == 1);
  run.finish_one();
  CHECK(answered == 50);
  CHECK(sync.syncs() == 2);
  CHECK(run.queue.empty());
}

TEST_CASE("a directory added to the sync holds the answer back like a row does") {
  TempDir dir;
  auto store = open_store(dir.path + "/meta.db");
  ManualRun run;
  MetaSync sync(store->wal_path(), run.fn(), [&] { return store->change_count(); });
  std::filesystem::create_directory(dir.path + "/data");
  sync.add_dir(dir.path + "/data");
  bool answered = false;
  sync.when_durable([&](Status s) { CHECK(s.ok()); answered = true; });
  CHECK(!answered);
  run.finish_one();
  CHECK(answered);
}

TEST_CASE("a failed flush fails its waiters and every later one that wrote something") {
  TempDir dir;
  auto store = open_store(dir.path + "/meta.db");
  ManualRun run;
  MetaSync sync(store->wal_path(), run.fn(), [&] { return store->change_count(); });
  REQUIRE(store->commit_offsets("g", {{"t", 0, 1, "", 0}}).ok());
  Status first, later, read_only;
  sync.when_durable([&](Status s) { first = s; });
  REQUIRE(!run.queue.empty());
  auto done = std::move(run.queue.front().second);
  run.queue.pop_front();
  done(Status::IOError("syncing meta.db-wal: Input/output error"));  // what fdatasync said
  CHECK(first.code() == Code::kIOError);
  CHECK(first.message().find("restart the daemon") != std::string::npos);
  const uint64_t since = sync.mark();
  REQUIRE(store->commit_offsets("g", {{"t", 0, 2, "", 0}}).ok());
  sync.when_durable([&](Status s) { later = s; }, since);
  CHECK(run.queue.empty());  // no sync can vouch for pages the kernel may have dropped
  CHECK(later.code() == Code::kIOError);
  // A request that wrote nothing (hello, status, a read) is still answered.
  sync.when_durable([&](Status s) { read_only = s; }, sync.mark());
  CHECK(read_only.ok());
}

TEST_CASE("a sync that cannot open what it syncs fails only its own waiters") {
  TempDir dir;
  auto store = open_store(dir.path + "/meta.db");
  ManualRun run;
  MetaSync sync(store->wal_path(), run.fn(), [&] { return store->change_count(); });
  sync.add_dir(dir.path + "/no-such-dir");  // as when descriptors run out: open fails
  Status first, later;
  sync.when_durable([&](Status s) { first = s; });
  run.finish_one();
  CHECK(first.code() == Code::kUnavailable);
  REQUIRE(store->commit_offsets("g", {{"t", 0, 1, "", 0}}).ok());
  bool answered = false;
  sync.when_durable([&](Status s) { later = s; answered = true; });
  CHECK_FALSE(answered);  // a new sync covers the change
  run.finish_one();
  CHECK(answered);
  CHECK(later.ok());
}

TEST_CASE("the sync work fdatasyncs the WAL the store writes to") {
  TempDir dir;
  auto store = open_store(dir.path + "/meta.db");
  CHECK(std::filesystem::exists(store->wal_path()));  // created (and synced) by Open
  uint64_t before = store->change_count();
  REQUIRE(store->commit_offsets("g", {{"t", 0, 7, "", 0}}).ok());
  CHECK(store->change_count() > before);
  CHECK(sync_file_data(store->wal_path()).ok());
  CHECK(sync_directory(dir.path).ok());
  CHECK(!sync_directory(dir.path + "/missing").ok());
}
