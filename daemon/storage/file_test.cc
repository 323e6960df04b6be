#include "daemon/storage/file.h"

#include <doctest/doctest.h>

#include "daemon/storage/test_util.h"

using namespace ks;
using namespace ks::storage;

TEST_CASE("read_file reads files whose size is only a hint, like /proc") {
  auto stat = read_file("/proc/self/stat");
  REQUIRE(stat.ok());
  CHECK(stat->find(')') != std::string::npos);
  auto status = read_file("/proc/self/status");
  REQUIRE(status.ok());
  CHECK(status->size() > 100);
}

TEST_CASE("write_file_atomic replaces contents and read_file reads them back") {
  testing::TempDir tmp;
  std::string p = tmp.path() + "/f";
  REQUIRE(write_file_atomic(p, std::string(10000, 'a'), true).ok());
  REQUIRE(write_file_atomic(p, "short", false).ok());
  CHECK(*read_file(p) == "short");
  CHECK_FALSE(path_exists(p + ".tmp"));
  CHECK(read_file(tmp.path() + "/missing").status().code() == Code::kNotFound);
}
