#include "cli/input/escapes.h"

#include <doctest/doctest.h>

#include <string>

using namespace ks;
using namespace ks::cli;

TEST_CASE("escapes turn into the bytes they name and other text is kept") {
  CHECK(*parse_escapes("a\\nb") == "a\nb");
  CHECK(*parse_escapes("\\t\\r\\\\") == "\t\r\\");
  CHECK(*parse_escapes("\\0") == std::string(1, '\0'));
  CHECK(*parse_escapes("x\\0y") == std::string("x\0y", 3));
  CHECK(*parse_escapes("\\x41\\x7e\\xff\\x00") == std::string("A~\xff\0", 4));
  CHECK(*parse_escapes("\\xAb") == "\xab");
  CHECK(*parse_escapes("plain: text") == "plain: text");
  CHECK(*parse_escapes("") == "");
  // Exactly two hex digits: a third is literal text.
  CHECK(*parse_escapes("\\x414") == "A4");
  // Non-ASCII bytes pass through untouched.
  CHECK(*parse_escapes("\xc3\xa9") == "\xc3\xa9");
}

TEST_CASE("every byte value can be spelled with \\xNN") {
  static constexpr char kHex[] = "0123456789abcdef";
  for (int b = 0; b < 256; ++b) {
    std::string in = "\\x";
    in += kHex[b >> 4];
    in += kHex[b & 15];
    Result<std::string> out = parse_escapes(in);
    REQUIRE(out.ok());
    CHECK(*out == std::string(1, static_cast<char>(b)));
  }
}

TEST_CASE("an unknown escape is rejected, naming it and what is accepted") {
  Result<std::string> r = parse_escapes("a\\qb");
  REQUIRE_FALSE(r.ok());
  CHECK(r.status().code() == Code::kInvalidArgument);
  CHECK(r.status().message().find("'\\q'") != std::string::npos);
  CHECK(r.status().message().find("\\xNN") != std::string::npos);
  CHECK_FALSE(parse_escapes("\\e").ok());
  CHECK_FALSE(parse_escapes("\\u0041").ok());
  CHECK_FALSE(parse_escapes("\\a").ok());
}

TEST_CASE("a trailing lone backslash is rejected but an escaped one is not") {
  Result<std::string> r = parse_escapes("abc\\");
  REQUIRE_FALSE(r.ok());
  CHECK(r.status().message().find("lone backslash") != std::string::npos);
  CHECK(*parse_escapes("abc\\\\") == "abc\\");
  CHECK_FALSE(parse_escapes("\\\\\\").ok());
}

TEST_CASE("\\x without two hex digits is rejected") {
  for (const char* bad : {"\\x", "\\x4", "\\xg0", "\\x0g", "a\\x", "\\x 1"}) {
    Result<std::string> r = parse_escapes(bad);
    CHECK_MESSAGE(!r.ok(), bad);
    if (!r.ok()) CHECK(r.status().message().find("\\x") != std::string::npos);
  }
  CHECK(parse_escapes("\\xZZ").status().message().find("'\\xZZ'") != std::string::npos);
}

TEST_CASE("a delimiter may be several bytes and must not be empty") {
  CHECK(*parse_delimiter("\\n", "-D") == "\n");
  CHECK(*parse_delimiter("\\r\\n", "-D") == "\r\n");
  CHECK(*parse_delimiter("::", "-K") == "::");
  CHECK(*parse_delimiter("\\0", "-D") == std::string(1, '\0'));

  Result<std::string> empty = parse_delimiter("", "-K");
  REQUIRE_FALSE(empty.ok());
  CHECK(empty.status().code() == Code::kInvalidArgument);
  CHECK(empty.status().message().rfind("-K: ", 0) == 0);

  Result<std::string> bad = parse_delimiter("\\q", "-D");
  REQUIRE_FALSE(bad.ok());
  CHECK(bad.status().message().rfind("-D: bad escape", 0) == 0);
}
