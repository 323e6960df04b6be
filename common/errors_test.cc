#include "common/errors.h"

#include <doctest/doctest.h>

#include <set>
#include <string>

using namespace ks;

TEST_CASE("every code has a row with a wire name, words, a Kafka code and an exit status") {
  REQUIRE(kErrorTable.size() == kCodeCount);
  std::set<std::string_view> names;
  for (size_t i = 0; i < kCodeCount; ++i) {
    const Code c = static_cast<Code>(i);
    const ErrorInfo& e = error_info(c);
    CAPTURE(i);
    CHECK(e.code == c);
    CHECK(!e.wire_name.empty());
    CHECK(!e.text.empty());
    CHECK(names.insert(e.wire_name).second);  // one name, one code
    // Only success is success, on every surface.
    CHECK((e.kafka == 0) == (c == Code::kOk));
    CHECK((e.exit_status == 0) == (c == Code::kOk));
    CHECK(e.exit_status >= 0);
    CHECK(e.exit_status < 256);
  }
}

TEST_CASE("name to code to name round-trips, an unknown name is no code") {
  for (const ErrorInfo& e : kErrorTable) {
    auto c = code_from_wire_name(e.wire_name);
    REQUIRE(c.has_value());
    CHECK(*c == e.code);
    CHECK(error_info(*c).wire_name == e.wire_name);
  }
  CHECK(!code_from_wire_name("no_such_code").has_value());
  CHECK(!code_from_wire_name("").has_value());
}

TEST_CASE("the names a test or an older peer relies on keep their spelling") {
  CHECK(error_info(Code::kNotFound).wire_name == "not_found");
  CHECK(error_info(Code::kInvalidArgument).wire_name == "invalid_argument");
  CHECK(error_info(Code::kUnavailable).wire_name == "unavailable");
  CHECK(error_info(Code::kBusy).wire_name == "busy");  // daemon/server/server_test.cc: long-poll limit
  CHECK(error_info(Code::kRebalanceInProgress).wire_name == "rebalance_in_progress");
}

TEST_CASE("the documented exit statuses (ks(1) EXIT STATUS) come from the table") {
  CHECK(error_info(Code::kNotFound).exit_status == 4);
  CHECK(error_info(Code::kInvalidArgument).exit_status == 2);
  CHECK(error_info(Code::kUnavailable).exit_status == 3);
  CHECK(error_info(Code::kAlreadyExists).exit_status == 1);
  CHECK(error_info(Code::kGroupInUse).exit_status == 1);  // group reset/delete with live members
  CHECK(error_info(Code::kInterrupted).exit_status == 130);
}

TEST_CASE("a Status reads its words from the table") {
  CHECK(Status::NotFound("topic 'x' does not exist").to_string() == "not found: topic 'x' does not exist");
  CHECK(Status::RetryLater("database is locked").to_string() == "retry later: database is locked");
  CHECK(Status::Error(Code::kGroupInUse, "g").code() == Code::kGroupInUse);
}
