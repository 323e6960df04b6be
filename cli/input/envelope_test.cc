#include "cli/input/envelope.h"

#include <doctest/doctest.h>

#include <limits>
#include <nlohmann/json.hpp>
#include <string>

using namespace ks;
using namespace ks::cli;

namespace {

std::string all_bytes() {
  std::string s(256, '\0');
  for (int i = 0; i < 256; ++i) s[i] = static_cast<char>(i);
  return s;
}

std::string write(const batch::Record& r, std::string_view topic = "t", int32_t partition = 0) {
  std::string out;
  write_envelope(&out, topic, partition, r);
  return out;
}

EnvelopeRecord parse(std::string_view line) {
  Result<EnvelopeRecord> r = parse_envelope(line);
  REQUIRE_MESSAGE(r.ok(), r.status().to_string());
  return *r;
}

std::string error_of(std::string_view line) {
  Result<EnvelopeRecord> r = parse_envelope(line);
  REQUIRE_MESSAGE(!r.ok(), line);
  CHECK(r.status().code() == Code::kInvalidArgument);
  return r.status().message();
}

// What parse_envelope should give back for a record write() wrote.
EnvelopeRecord expected_from(const batch::Record& r, int32_t partition = 0) {
  EnvelopeRecord e;
  e.partition = partition;
  if (r.key) e.key = std::string(*r.key);
  if (r.value) e.value = std::string(*r.value);
  for (const auto& h : r.headers) {
    std::optional<std::string> v;
    if (h.value) v = std::string(*h.value);
    e.headers.emplace_back(std::string(h.key), std::move(v));
  }
  e.timestamp = r.timestamp;
  return e;
}

}  // namespace

TEST_CASE("a text record is written as one compact line in a fixed field order") {
  batch::Record r;
  r.offset = 5;
  r.timestamp = 1700000000000;
  r.key = "k";
  r.value = "v";
  r.headers = {{"h", std::string_view("x")}};
  CHECK(write(r, "orders", 2) ==
        "{\"topic\":\"orders\",\"partition\":2,\"offset\":5,\"timestamp\":1700000000000,"
        "\"key\":\"k\",\"value\":\"v\",\"headers\":[{\"key\":\"h\",\"value\":\"x\"}]}\n");
}

TEST_CASE("null key, value and header value are JSON null and empty is an empty string") {
  batch::Record r;
  r.headers = {{"n", std::nullopt}, {"e", std::string_view("")}};
  std::string line = write(r);
  CHECK(line.find("\"key\":null,\"value\":null") != std::string::npos);
  CHECK(line.find("{\"key\":\"n\",\"value\":null},{\"key\":\"e\",\"value\":\"\"}") !=
        std::string::npos);
  r.key = "";
  r.value = "";
  CHECK(write(r).find("\"key\":\"\",\"value\":\"\"") != std::string::npos);
}

TEST_CASE("control characters, quotes and backslashes are escaped but unicode is kept") {
  batch::Record r;
  r.value = std::string_view("a\"b\\c\nd\te\x01\x1f\x7f\b\f\r\0z", 17);
  std::string line = write(r);
  CHECK(line.find(R"("value":"a\"b\\c\nd\te\u0001\u001f)" "\x7f" R"(\b\f\r\u0000z")") !=
        std::string::npos);
  r.value = "caf\xc3\xa9 \xf0\x9f\x8c\xb5";
  CHECK(write(r).find("\"value\":\"caf\xc3\xa9 \xf0\x9f\x8c\xb5\"") != std::string::npos);
  // Exactly one newline, at the end: the line is safe for NDJSON.
  CHECK(line.find('\n') == line.size() - 1);
}

TEST_CASE("bytes that are not UTF-8 travel as base64") {
  batch::Record r;
  r.key = "\xff";
  r.value = "\xc3";  // truncated sequence
  r.headers = {{"\xfe", std::string_view("\xed\xa0\x80")}};  // surrogate
  std::string line = write(r);
  CHECK(line.find("\"key\":{\"base64\":\"/w==\"}") != std::string::npos);
  CHECK(line.find("\"value\":{\"base64\":\"ww==\"}") != std::string::npos);
  CHECK(line.find("{\"key\":{\"base64\":\"/g==\"},\"value\":{\"base64\":\"7aCA\"}}") !=
        std::string::npos);
}

TEST_CASE("written envelopes are valid JSON to an independent parser") {
  const std::string bytes = all_bytes();
  batch::Record r;
  r.offset = 9223372036854775807;
  r.timestamp = -1;
  r.key = std::string_view(bytes).substr(0, 128);  // ASCII incl. every control char
  r.value = bytes;
  r.headers = {{std::string_view(bytes).substr(0, 128), std::string_view("\xe2\x82\xac")}};
  std::string line = write(r, "t", 2147483647);
  nlohmann::json j = nlohmann::json::parse(line);
  CHECK(j["key"].get<std::string>() == bytes.substr(0, 128));
  CHECK(j["value"]["base64"].is_string());
  CHECK(j["offset"].get<int64_t>() == 9223372036854775807);
  CHECK(j["partition"].get<int64_t>() == 2147483647);
  CHECK(j["headers"][0]["value"].get<std::string>() == "\xe2\x82\xac");
}

TEST_CASE("every byte value round trips through key, value and header values") {
  const std::string bytes = all_bytes();
  for (int b = 0; b < 256; ++b) {
    std::string one(1, static_cast<char>(b));
    batch::Record r;
    r.timestamp = b;
    r.key = one;
    r.value = one;
    r.headers = {{one, std::string_view(one)}};
    CHECK(parse(write(r)) == expected_from(r));
  }
  batch::Record r;
  r.timestamp = 1700000000000;
  r.key = bytes;
  r.value = bytes;
  r.headers = {{"all", std::string_view(bytes)}, {"null", std::nullopt}, {"empty", ""}};
  CHECK(parse(write(r)) == expected_from(r));
}

TEST_CASE("null and empty stay distinct through a round trip") {
  batch::Record r;
  r.headers = {{"a", std::nullopt}, {"b", std::string_view("")}};
  EnvelopeRecord e = parse(write(r));
  CHECK_FALSE(e.key.has_value());
  CHECK_FALSE(e.value.has_value());
  r.key = "";
  r.value = "";
  e = parse(write(r));
  REQUIRE(e.key.has_value());
  CHECK(e.key->empty());
  REQUIRE(e.value.has_value());
  CHECK(e.value->empty());
  CHECK(e == expected_from(r));
}

TEST_CASE("unicode text and extreme timestamps round trip") {
  batch::Record r;
  r.key = "\xe6\x97\xa5\xe6\x9c\xac";  // 日本
  r.value = "\xf0\x9f\x8c\xb5 \xc3\xa9 \"quoted\" \\ \n";
  for (int64_t ts : {int64_t{0}, int64_t{-1}, int64_t{1700000000000},
                     std::numeric_limits<int64_t>::max(), std::numeric_limits<int64_t>::min()}) {
    r.timestamp = ts;
    CHECK(parse(write(r)) == expected_from(r));
  }
}

TEST_CASE("consume output pipes into produce: topic and offset are ignored") {
  EnvelopeRecord e = parse(
      "{\"topic\":\"x\",\"partition\":4,\"offset\":99,\"timestamp\":7,\"key\":\"k\","
      "\"value\":\"v\",\"headers\":[]}\n");
  CHECK(*e.key == "k");
  CHECK(*e.value == "v");
  CHECK(*e.timestamp == 7);
  CHECK(*e.partition == 4);
  CHECK(e.headers.empty());
  parse("{\"value\":\"v\",\"topic\":5,\"offset\":\"any\",\"future_field\":[1]}\r\n");
}

TEST_CASE("a minimal line: missing fields are null or unset") {
  EnvelopeRecord e = parse("{\"value\":\"hello\"}");
  CHECK_FALSE(e.key.has_value());
  CHECK(*e.value == "hello");
  CHECK_FALSE(e.timestamp.has_value());
  CHECK_FALSE(e.partition.has_value());
  e = parse("{}");
  CHECK(e == EnvelopeRecord{});
  e = parse("{\"timestamp\":null,\"partition\":null,\"headers\":null}");
  CHECK(e == EnvelopeRecord{});
}

TEST_CASE("headers may be an object, kept in input order") {
  EnvelopeRecord e = parse(
      "{\"value\":\"v\",\"headers\":{\"b\":\"1\",\"a\":null,\"c\":{\"base64\":\"/w==\"}}}");
  REQUIRE(e.headers.size() == 3);
  CHECK(e.headers[0] == std::pair<std::string, std::optional<std::string>>("b", "1"));
  CHECK(e.headers[1] == std::pair<std::string, std::optional<std::string>>("a", std::nullopt));
  CHECK(e.headers[2] == std::pair<std::string, std::optional<std::string>>("c", "\xff"));
  // The array form allows repeated keys, as Kafka does, and a missing value.
  e = parse("{\"headers\":[{\"key\":\"h\",\"value\":\"1\"},{\"key\":\"h\"}]}");
  REQUIRE(e.headers.size() == 2);
  CHECK(*e.headers[0].second == "1");
  CHECK_FALSE(e.headers[1].second.has_value());
}

TEST_CASE("JSON escapes in input decode to the bytes they name") {
  EnvelopeRecord e = parse(R"({"key":"\u00e9\ud83c\udf35","value":"a\u0000b\n"})");
  CHECK(*e.key == "\xc3\xa9\xf0\x9f\x8c\xb5");
  CHECK(*e.value == std::string("a\0b\n", 4));
}

TEST_CASE("malformed lines are rejected with a short reason") {
  CHECK(error_of("").find("bad JSON envelope") != std::string::npos);
  error_of("{\"value\":");
  error_of("{\"value\":\"v\"} trailing");
  error_of("\"just a string\"");
  error_of("[1,2]");
  error_of("null");
  CHECK(error_of("42").find("object") != std::string::npos);
  error_of("{\"value\":\"\xff\"}");          // raw invalid UTF-8 is not JSON
  error_of(R"({"value":"\ud800"})");          // lone surrogate escape
  CHECK(error_of("{\"value\":5}").find("value") != std::string::npos);
  error_of("{\"value\":true}");
  error_of("{\"value\":[\"a\"]}");
  error_of("{\"key\":{\"hex\":\"ff\"}}");
  error_of("{\"key\":{\"base64\":\"/w==\",\"extra\":1}}");
  error_of("{\"key\":{\"base64\":5}}");
  CHECK(error_of("{\"value\":{\"base64\":\"abc\"}}").find("base64") != std::string::npos);
  error_of("{\"value\":{\"base64\":\"a!==\"}}");
  CHECK(error_of("{\"timestamp\":\"1700000000000\"}").find("timestamp") != std::string::npos);
  error_of("{\"timestamp\":1.5}");
  error_of("{\"timestamp\":18446744073709551615}");
  CHECK(error_of("{\"partition\":-1}").find("partition") != std::string::npos);
  error_of("{\"partition\":2147483648}");
  error_of("{\"partition\":\"0\"}");
  error_of("{\"headers\":\"h=v\"}");
  error_of("{\"headers\":[\"h\"]}");
  error_of("{\"headers\":[{\"value\":\"v\"}]}");
  error_of("{\"headers\":[{\"key\":null,\"value\":\"v\"}]}");
  error_of("{\"headers\":{\"h\":1}}");
}
