#include "daemon/meta/orphans.h"

#include <stdlib.h>

#include <doctest/doctest.h>

#include <filesystem>
#include <fstream>

#include "daemon/meta/meta_store.h"

using namespace ks;
using namespace ks::meta;

namespace {

struct TempDir {
  TempDir() {
    char tmpl[] = "/tmp/ks_orphans_test.XXXXXX";
    REQUIRE(mkdtemp(tmpl) != nullptr);
    path = tmpl;
  }
  ~TempDir() { std::filesystem::remove_all(path); }
  void partition(const std::string& name, size_t log_bytes) const {
    std::filesystem::create_directories(path + "/data/" + name);
    std::ofstream(path + "/data/" + name + "/00000000000000000000.log") << std::string(log_bytes, 'x');
  }
  std::string path;
};

}  // namespace

TEST_CASE("partition directories no topic owns are orphans, owned ones and deletions are not") {
  TempDir home;
  home.partition("orders-0", 10);
  home.partition("orders-1", 20);
  home.partition("orders-2", 30);     // beyond the count
  home.partition("lost-topic-0", 5);  // a topic name with a dash, not in meta.db
  home.partition("events-0.123.deleted", 5);
  std::filesystem::create_directories(home.path + "/data/stray dir");
  auto found = find_orphans(home.path + "/data", {{"orders", 2}});
  REQUIRE(found.ok());
  REQUIRE(found->size() == 3);
  CHECK((*found)[0].name == "stray dir");
  CHECK((*found)[0].partition == -1);
  CHECK((*found)[1].topic == "lost-topic");
  CHECK((*found)[1].partition == 0);
  CHECK(!(*found)[1].topic_exists);
  CHECK((*found)[1].log_bytes == 5);
  CHECK((*found)[2].name == "orders-2");
  CHECK((*found)[2].topic_exists);
  CHECK(describe_orphans(*found) == "stray dir, lost-topic-0, orders-2 (3 directories, 35 bytes of segments)");
}

TEST_CASE("a home without data/ has no orphans") {
  TempDir home;
  auto found = find_orphans(home.path + "/data", {});
  REQUIRE(found.ok());
  CHECK(found->empty());
}

TEST_CASE("partition counts are read from a meta.db another connection has open") {
  TempDir home;
  auto store = MetaStore::Open(home.path + "/meta.db");
  REQUIRE(store.ok());
  REQUIRE((*store)->create_topic({"orders", 3, 1, {}}).ok());
  REQUIRE((*store)->create_topic({"logs", 1, 1, {}}).ok());
  auto counts = read_partition_counts(home.path + "/meta.db");
  REQUIRE_MESSAGE(counts.ok(), counts.status().to_string());
  CHECK(*counts == std::map<std::string, int32_t>{{"logs", 1}, {"orders", 3}});
  CHECK(!read_partition_counts(home.path + "/missing/meta.db").ok());
}
