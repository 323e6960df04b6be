// The native op table and the field readers.
#include <doctest/doctest.h>

#include "daemon/native/fields.h"
#include "daemon/native/ops.h"

using namespace ks::native;

TEST_CASE("every op the CLI sends has a row, an unknown one has none") {
  for (const char* op : {"hello", "produce", "produce_many", "fetch", "topics", "create_topic", "delete_topic", "alter_topic",
                         "list_offsets", "join_group", "heartbeat", "commit_offsets", "leave_group",
                         "reset_offsets", "delete_group", "describe_group", "list_groups", "adopt_topic",
                         "remove_orphans", "status", "shutdown"}) {
    INFO(op);
    const Op* row = find_op(op);
    REQUIRE(row != nullptr);
    CHECK(row->name == op);
  }
  CHECK(find_op("") == nullptr);
  CHECK(find_op("drop_everything") == nullptr);
}

TEST_CASE("an integer field outside its range is a BadField naming it, never wrapped") {
  json req = json::parse(R"({"partition": 4294967297, "offset": -1, "ok": 7})");
  CHECK_THROWS_AS(int_at<int32_t>(req, "partition"), BadField);
  CHECK_THROWS_WITH(int_at<int64_t>(req, "offset", 0, kMaxInt64), "offset must be an integer in [0, 9223372036854775807], not -1");
  CHECK(int_at<int32_t>(req, "ok") == 7);
  CHECK(int_field<int32_t>(req, "missing", 3) == 3);
  CHECK_THROWS_AS(int_at<int32_t>(req, "missing"), json::exception);
}
