#include "common/types.h"

#include <doctest/doctest.h>

using namespace ks;

TEST_CASE("topic names follow Kafka's rules") {
  CHECK(TopicName::Parse("orders").ok());
  CHECK(TopicName::Parse("a.b_c-D9").ok());
  CHECK(TopicName::Parse(std::string(249, 'x')).ok());
  for (std::string bad : {std::string(), std::string("."), std::string(".."),
                          std::string("a/b"), std::string("../etc"), std::string("a b"),
                          std::string("a\0b", 3), std::string(250, 'x'), std::string("ü")}) {
    auto r = TopicName::Parse(bad);
    CHECK_FALSE(r.ok());
    CHECK(r.status().code() == Code::kInvalidArgument);
  }
  CHECK(TopicName::Parse("a\nb").status().message().find("\\x0a") != std::string::npos);
}

TEST_CASE("status carries code, message and context") {
  Status s = Status::NotFound("topic 'x'");
  s.prepend("describe");
  CHECK(s.to_string() == "not found: describe: topic 'x'");
  CHECK(Status::OK().ok());
  Result<int> r = Status::Corruption("bad");
  CHECK_FALSE(r.ok());
  Result<int> v = 3;
  CHECK(*v == 3);
}

TEST_CASE("offsets are ordered and do arithmetic only with counts") {
  Offset a(5);
  CHECK(a + 3 == Offset(8));
  CHECK(Offset(8) - a == 3);
  CHECK(a < Offset(6));
}

TEST_CASE("a group id is any non-empty UTF-8 string up to Kafka's string limit") {
  for (std::string_view id : {"g", "roundrobin,range", "team/app 1", "..", "a\tb", "\xe6\x97\xa5\xe6\x9c\xac",
                              "\xf0\x9f\x98\x80", "\xc2\x80"})
    CHECK(validate_group_id(id).ok());
  CHECK(validate_group_id(std::string(kMaxGroupIdLength, 'x')).ok());
  CHECK(validate_group_id("").code() == Code::kInvalidArgument);
  CHECK(validate_group_id(std::string(kMaxGroupIdLength + 1, 'x')).code() == Code::kInvalidArgument);
  // Not UTF-8: a stray continuation byte, a cut sequence, an overlong
  // encoding, a surrogate, past U+10FFFF.
  CHECK(validate_group_id(std::string_view("a\0b", 3)).code() == Code::kInvalidArgument);
  for (std::string_view id : {"a\x80", "\xe6\x97", "\xc0\xaf", "\xed\xa0\x80", "\xf4\x90\x80\x80", "\xff"})
    CHECK(validate_group_id(id).code() == Code::kInvalidArgument);
}
