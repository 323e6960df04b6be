#include "common/protocol.h"

#include <doctest/doctest.h>

#include "common/coding.h"

using namespace ks;
using namespace ks::protocol;

TEST_CASE("a frame round trips header and payload, including empty ones") {
  std::string buf;
  append_frame(&buf, R"({"op":"hello","id":1})", "");
  append_frame(&buf, "{}", std::string("\0\1\2", 3));
  auto first = parse_frame(buf, kDefaultMaxFrameSize);
  REQUIRE(first.ok());
  REQUIRE(first->has_value());
  CHECK((*first)->header == R"({"op":"hello","id":1})");
  CHECK((*first)->payload.empty());
  std::string_view rest = std::string_view(buf).substr((*first)->size);
  auto second = parse_frame(rest, kDefaultMaxFrameSize);
  REQUIRE(second.ok());
  REQUIRE(second->has_value());
  CHECK((*second)->header == "{}");
  CHECK((*second)->payload == std::string("\0\1\2", 3));
  CHECK((*second)->size == rest.size());
}

TEST_CASE("a partial frame asks for more bytes at every cut point") {
  std::string buf;
  append_frame(&buf, R"({"op":"fetch"})", std::string(100, 'x'));
  for (size_t cut = 0; cut < buf.size(); ++cut) {
    auto r = parse_frame(std::string_view(buf).substr(0, cut), kDefaultMaxFrameSize);
    REQUIRE(r.ok());
    CHECK(!r->has_value());
  }
  auto whole = parse_frame(buf, kDefaultMaxFrameSize);
  REQUIRE(whole.ok());
  CHECK(whole->has_value());
}

TEST_CASE("impossible or oversized frames are refused before buffering them") {
  auto code = [](std::string_view b) {
    auto r = parse_frame(b, kDefaultMaxFrameSize);
    return r.ok() ? Code::kOk : r.status().code();
  };
  std::string bad(8, '\0');
  put_be32(bad.data(), 2);  // shorter than the header-length field
  CHECK(code(bad) == Code::kInvalidArgument);
  put_be32(bad.data(), 10);
  put_be32(bad.data() + 4, 7);  // header longer than the frame
  CHECK(code(bad) == Code::kInvalidArgument);
  put_be32(bad.data(), 0xffffffffu);
  put_be32(bad.data() + 4, 0);
  auto r = parse_frame(bad, kDefaultMaxFrameSize);
  REQUIRE(!r.ok());
  CHECK(r.status().code() == Code::kInvalidArgument);
  CHECK(r.status().message().find("limit") != std::string::npos);
  put_be32(bad.data(), 4 + (2 << 20));
  put_be32(bad.data() + 4, 2 << 20);  // header over its own limit
  CHECK(code(bad) == Code::kInvalidArgument);
}

TEST_CASE("error code names round trip, an unknown name is an I/O error") {
  for (size_t i = 1; i < kCodeCount; ++i) {
    Code c = static_cast<Code>(i);
    CHECK(error_code_from_name(error_code_name(c)) == c);
  }
  CHECK(error_code_from_name("something new") == Code::kIOError);
  CHECK(error_code_from_name("ok") == Code::kIOError);
  CHECK(error_code_from_name("rebalance_in_progress") == Code::kRebalanceInProgress);
  CHECK(error_code_name(Code::kBusy) == "busy");
}
