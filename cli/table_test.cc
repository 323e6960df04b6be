#include "cli/table.h"

#include <doctest/doctest.h>

#include <string>
#include <vector>

#include "cli/output.h"

using namespace ks::cli;

namespace {

std::string render(const Table& t, bool terminal) {
  std::string s;
  t.render(&s, terminal);
  return s;
}

}  // namespace

TEST_CASE("on a terminal a table has a header row, aligned columns and right-aligned numbers") {
  Table t({{"TOPIC"}, {"PARTITIONS", true}, {"CONFIGS"}});
  t.add_row({"orders", "6", "retention.ms=86400000"});
  t.add_row({"a", "12", ""});
  CHECK(render(t, true) ==
        "TOPIC   PARTITIONS  CONFIGS\n"
        "orders           6  retention.ms=86400000\n"
        "a               12\n");
}

TEST_CASE("piped, a table is tab-separated rows without header or padding") {
  Table t({{"TOPIC"}, {"PARTITIONS", true}, {"CONFIGS"}});
  t.add_row({"orders", "6", "retention.ms=86400000"});
  t.add_row({"a", "12", ""});
  CHECK(render(t, false) == "orders\t6\tretention.ms=86400000\na\t12\t\n");
}

TEST_CASE("a tab or newline inside a cell is escaped so a row stays one line") {
  Table t({{"A"}, {"B"}});
  t.add_row({"x\ty", "1\n2"});
  CHECK(render(t, false) == "x\\ty\t1\\n2\n");
  CHECK(render(t, true) == "A     B\nx\\ty  1\\n2\n");
}

TEST_CASE("UTF-8 cells are aligned by code points, not bytes") {
  Table t({{"NAME"}, {"N", true}});
  t.add_row({"\xc3\xbcn\xc3\xaf", "1"});  // "ünï": 3 columns, 5 bytes
  t.add_row({"abcd", "10"});
  CHECK(render(t, true) ==
        "NAME   N\n"
        "\xc3\xbcn\xc3\xaf    1\n"
        "abcd  10\n");
}

TEST_CASE("a table with empty headers prints no header row, and short rows are padded") {
  Table t({{""}, {""}});
  t.add_row({"topic", "orders"});
  t.add_row({"partitions"});
  CHECK(t.rows() == 2);
  CHECK(render(t, true) == "topic       orders\npartitions\n");
  CHECK(render(t, false) == "topic\torders\npartitions\t\n");
}

TEST_CASE("an empty table prints only its header on a terminal and nothing when piped") {
  Table t({{"PARTITION", true}, {"OFFSET", true}});
  CHECK(render(t, true) == "PARTITION  OFFSET\n");
  CHECK(render(t, false) == "");
}

TEST_CASE("json is pretty on a terminal and one compact line when piped") {
  nlohmann::json j = {{"a", 1}, {"b", nlohmann::json::array({1, 2})}};
  CHECK(json_text(j, false) == "{\"a\":1,\"b\":[1,2]}\n");
  CHECK(json_text(j, true) == "{\n  \"a\": 1,\n  \"b\": [\n    1,\n    2\n  ]\n}\n");
  // Bytes that are not UTF-8 are replaced, not thrown.
  CHECK(json_text(nlohmann::json(std::string("\xff")), false) == "\"\xef\xbf\xbd\"\n");
}

TEST_CASE("human byte sizes use binary units with one decimal below ten") {
  CHECK(human_bytes(0) == "0 B");
  CHECK(human_bytes(1023) == "1023 B");
  CHECK(human_bytes(1024) == "1.0 KiB");
  CHECK(human_bytes(1536) == "1.5 KiB");
  CHECK(human_bytes(1258291) == "1.2 MiB");
  CHECK(human_bytes(10 * 1024 * 1024) == "10 MiB");
  CHECK(human_bytes(1048575) == "1.0 MiB");  // 1023.999 KiB does not print as "1024 KiB"
  CHECK(human_bytes(uint64_t{5} << 30) == "5.0 GiB");
  CHECK(human_bytes(UINT64_MAX) == "16 EiB");
}

TEST_CASE("closest_name suggests a likely typo and nothing far off") {
  const std::vector<std::string> names = {"orders", "order-events", "payments", "Users", "a"};
  CHECK(ks::cli::closest_name("ordres", names) == "orders");     // transposition
  CHECK(ks::cli::closest_name("order", names) == "orders");      // one missing
  CHECK(ks::cli::closest_name("paymnts", names) == "payments");
  CHECK(ks::cli::closest_name("users", names) == "Users");       // case only
  CHECK(ks::cli::closest_name("b", names) == "a");                // one edit in a short name
  CHECK(ks::cli::closest_name("shipments", names).empty());
  CHECK(ks::cli::closest_name("orders", names).empty());          // itself is no suggestion
  CHECK(ks::cli::closest_name("", names).empty());
  CHECK(ks::cli::closest_name("x", {}).empty());
  // A tie goes to the longer name: "topc" is more likely "topic" than "top".
  CHECK(ks::cli::closest_name("topc", {"top", "topic"}) == "topic");
}
