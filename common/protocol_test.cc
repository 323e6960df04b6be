#include "common/protocol.h"

#include <doctest/doctest.h>

#include "common/coding.h"

using namespace ks;
using namespace ks::protocol;

TEST_CASE("a frame round trips header and payload, including empty ones") {
  std::string buf;
  append_frame(&buf, R"({"op":"hello","id":1})", "");
  append_frame(&buf, "{}", std::string("\0\1\2", 3));
  Frame f;
  REQUIRE(parse_frame(buf, kDefaultMaxFrameSize, &f).ok());
  CHECK(f.header == R"({"op":"hello","id":1})");
  CHECK(f.payload.empty());
  std::string_view rest = std::string_view(buf).substr(f.size);
  REQUIRE(parse_frame(rest, kDefaultMaxFrameSize, &f).ok());
  CHECK(f.header == "{}");
  CHECK(f.payload == std::string("\0\1\2", 3));
  CHECK(f.size == rest.size());
}

TEST_CASE("a partial frame asks for more bytes at every cut point") {
  std::string buf;
  append_frame(&buf, R"({"op":"fetch"})", std::string(100, 'x'));
  Frame f;
  for (size_t cut = 0; cut < buf.size(); ++cut)
    CHECK(parse_frame(std::string_view(buf).substr(0, cut), kDefaultMaxFrameSize, &f).code() == Code::kBusy);
  CHECK(parse_frame(buf, kDefaultMaxFrameSize, &f).ok());
}

TEST_CASE("impossible or oversized frames are refused before buffering them") {
  Frame f;
  std::string bad(8, '\0');
  put_be32(bad.data(), 2);  // shorter than the header-length field
  CHECK(parse_frame(bad, kDefaultMaxFrameSize, &f).code() == Code::kInvalidArgument);
  put_be32(bad.data(), 10);
  put_be32(bad.data() + 4, 7);  // header longer than the frame
  CHECK(parse_frame(bad, kDefaultMaxFrameSize, &f).code() == Code::kInvalidArgument);
  put_be32(bad.data(), 0xffffffffu);
  put_be32(bad.data() + 4, 0);
  auto s = parse_frame(bad, kDefaultMaxFrameSize, &f);
  CHECK(s.code() == Code::kInvalidArgument);
  CHECK(s.message().find("limit") != std::string::npos);
  put_be32(bad.data(), 4 + (2 << 20));
  put_be32(bad.data() + 4, 2 << 20);  // header over its own limit
  CHECK(parse_frame(bad, kDefaultMaxFrameSize, &f).code() == Code::kInvalidArgument);
}

TEST_CASE("error code names round trip") {
  for (Code c : {Code::kNotFound, Code::kAlreadyExists, Code::kInvalidArgument, Code::kCorruption,
                 Code::kIOError, Code::kBusy, Code::kUnavailable, Code::kOutOfRange})
    CHECK(error_code_from_name(error_code_name(c)) == c);
  CHECK(error_code_from_name("something new") == Code::kIOError);
  CHECK(error_code_from_name("rebalance_in_progress") == Code::kBusy);
}
