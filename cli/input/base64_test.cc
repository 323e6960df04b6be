#include "cli/input/base64.h"

#include <doctest/doctest.h>

#include <string>

using namespace ks;
using namespace ks::cli;

TEST_CASE("base64 matches the RFC 4648 test vectors") {
  const std::pair<const char*, const char*> kVectors[] = {
      {"", ""},         {"f", "Zg=="},         {"fo", "Zm8="},         {"foo", "Zm9v"},
      {"foob", "Zm9vYg=="}, {"fooba", "Zm9vYmE="}, {"foobar", "Zm9vYmFy"},
  };
  for (auto [plain, encoded] : kVectors) {
    CHECK(base64_encode(plain) == encoded);
    Result<std::string> decoded = base64_decode(encoded);
    REQUIRE(decoded.ok());
    CHECK(*decoded == plain);
  }
  CHECK(base64_encode("\xff\xfe\xfd") == "//79");
  CHECK(base64_encode(std::string("\0\0\0", 3)) == "AAAA");
}

TEST_CASE("every byte value and every tail length round trips") {
  std::string all(256, '\0');
  for (int i = 0; i < 256; ++i) all[i] = static_cast<char>(i);
  for (size_t len = 0; len <= all.size(); ++len) {
    std::string in = all.substr(all.size() - len);
    std::string enc = base64_encode(in);
    CHECK(enc.size() == (len + 2) / 3 * 4);
    Result<std::string> dec = base64_decode(enc);
    REQUIRE(dec.ok());
    CHECK(*dec == in);
  }
}

TEST_CASE("append_base64 appends to what the buffer holds") {
  std::string s = "x=";
  append_base64(&s, "hi");
  CHECK(s == "x=aGk=");
}

TEST_CASE("base64 decode rejects bad characters, bad length and misplaced padding") {
  for (const char* bad : {"Zg", "Zg=", "Zm9vY", "Zm9v!A==", "Zm 9v", "Zm9v\n", "Zg-_",
                          "=Zg=", "Z===", "====", "Zm=v", "Zg==Zg==", "Zm9vYg=A"}) {
    Result<std::string> r = base64_decode(bad);
    CHECK_MESSAGE(!r.ok(), bad);
    if (!r.ok()) CHECK(r.status().code() == Code::kInvalidArgument);
  }
}
