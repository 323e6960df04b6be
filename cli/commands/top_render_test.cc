#include "cli/commands/top_render.h"

#include <doctest/doctest.h>

#include <limits>
#include <string>
#include <vector>

using namespace ks::cli::top;

namespace {

// The daemon's status as `ks top` reads it.
nlohmann::json status() {
  return {{"pid", 4242}, {"uptime_ms", 192000}, {"home", "/h"}, {"topics", 2},
          {"partitions", 3}, {"bytes", 2048}, {"connections", 5}};
}

// A sample `seconds` into the run: orders has taken `orders_end` records
// in each of its two partitions, billing has committed `billing_at` in
// each, idle stays empty.
Sample sample(int64_t seconds, int64_t orders_end, int64_t billing_at) {
  Sample s;
  s.at_ms = seconds * 1000;
  s.status = status();
  s.topics = {{"orders", 2, 2 * orders_end, 1500}, {"idle", 1, 0, 0}};
  s.ends[{"orders", 0}] = orders_end;
  s.ends[{"orders", 1}] = orders_end;
  s.ends[{"idle", 0}] = 0;
  s.groups = {{"billing", "Stable", 1, {"orders"}, 2 * (orders_end - billing_at)}};
  s.committed[{"billing", "orders", 0}] = billing_at;
  s.committed[{"billing", "orders", 1}] = billing_at;
  s.topic_lag["orders"] = 2 * (orders_end - billing_at);
  return s;
}

std::vector<std::string> text(const std::vector<Line>& lines, bool colour = false) {
  std::vector<std::string> out;
  for (const auto& l : lines) out.push_back(render(l, std::numeric_limits<size_t>::max(), colour));
  return out;
}

View once_on_terminal() {
  View v;
  v.screen = false;
  v.terminal = true;
  return v;
}

}  // namespace

TEST_CASE("top --once on a terminal: rates from two samples, topics by IN/s, groups with their trend") {
  Monitor m;
  m.add(sample(0, 100, 80));
  m.add(sample(1, 150, 90));
  CHECK(text(frame(m, once_on_terminal(), 0)) ==
        std::vector<std::string>{
            "ks top  pid 4242  up 3m12s  home /h  topics 2  partitions 3  size 2.0 KiB  connections 5",
            "",
            "TOPIC   PARTITIONS  RECORDS  IN/s  OUT/s     SIZE",
            "orders           2      300   100   20.0  1.5 KiB",
            "idle             1        0   0.0    0.0      0 B",
            "",
            "GROUP    STATE   MEMBERS  TOPICS  LAG  TREND",
            "billing  Stable        1  orders  120  ^ _^",
        });
}

TEST_CASE("top with one sample shows no rates, and no groups as a dim note") {
  Sample s = sample(0, 10, 0);
  s.groups.clear();
  s.committed.clear();
  Monitor m;
  m.add(std::move(s));
  auto lines = text(frame(m, once_on_terminal(), 0));
  REQUIRE(lines.size() == 8);
  CHECK(lines[3] == "idle             1        0     -      -      0 B");  // no rates: by name
  CHECK(lines[4] == "orders           2       20     -      -  1.5 KiB");
  CHECK(lines[7] == "(no groups)");
}

TEST_CASE("top's screen frame fills the terminal's rows and ends in the footer") {
  Monitor m;
  m.add(sample(0, 100, 80));
  m.add(sample(1, 150, 90));
  View v;
  v.clock = "12:34:56";
  v.sort = SortKey::kName;
  v.paused = true;
  auto lines = text(frame(m, v, 12));
  REQUIRE(lines.size() == 12);
  CHECK(lines[0].ends_with("connections 5  12:34:56"));
  CHECK(lines[2].rfind("TOPIC", 0) == 0);
  CHECK(lines[3].rfind("idle", 0) == 0);  // sorted by name now
  CHECK(lines[10].empty());               // blank rows erase the last frame's
  CHECK(lines[11] == " q quit  s sort: name  p pause  ? help  PAUSED ");
}

TEST_CASE("top's screen frame cuts a long table to '... N more' when rows run out") {
  Sample s = sample(0, 1, 0);
  for (int i = 0; i < 20; ++i) s.topics.push_back({"t" + std::to_string(100 + i), 1, 0, 0});
  Monitor m;
  m.add(std::move(s));
  View v;
  v.sort = SortKey::kName;
  auto lines = text(frame(m, v, 10));
  REQUIRE(lines.size() == 10);
  // header, blank, topics in the 4 rows the 2 group lines leave, blank,
  // groups, footer
  CHECK(lines[3].rfind("idle", 0) == 0);
  CHECK(lines[4].rfind("orders", 0) == 0);
  CHECK(lines[5] == "... 20 more topics");
  CHECK(lines[6].empty());
  CHECK(lines[7].rfind("GROUP", 0) == 0);
  CHECK(lines[8].rfind("billing", 0) == 0);
  CHECK(lines[9].rfind(" q quit", 0) == 0);
}

TEST_CASE("top's lines carry colour only when asked: a rising lag is red") {
  Monitor m;
  m.add(sample(0, 100, 80));
  m.add(sample(1, 150, 90));
  auto plain = text(frame(m, once_on_terminal(), 0));
  auto coloured = text(frame(m, once_on_terminal(), 0), true);
  CHECK(plain.back().find('\x1b') == std::string::npos);
  CHECK(coloured.back().find("\x1b[31m120\x1b[0m") != std::string::npos);
}

TEST_CASE("top --once -o json has rates rounded and null before a second sample") {
  Monitor m;
  m.add(sample(0, 100, 80));
  auto first = snapshot_json(m, once_on_terminal(), 1.0);
  CHECK(first["topics"][0]["in_per_s"].is_null());
  CHECK(first["groups"][0]["trend"].is_null());
  m.add(sample(2, 150, 90));
  auto second = snapshot_json(m, once_on_terminal(), 2.0);
  CHECK(second["topics"][0]["name"] == "orders");
  CHECK(second["topics"][0]["in_per_s"] == 50.0);
  CHECK(second["topics"][0]["out_per_s"] == 10.0);
  CHECK(second["groups"][0]["trend"] == "rising");
  CHECK(second["groups"][0]["lag_history"] == nlohmann::json::array({40, 120}));
}
