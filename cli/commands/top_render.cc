#include "cli/commands/top_render.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <optional>
#include <string_view>
#include <utility>

#include "cli/table.h"

namespace ks::cli::top {

using nlohmann::json;

namespace {

// Screen cells for a group's TOPICS list before it is cut with an ellipsis,
// so LAG and TREND stay on screen.
constexpr size_t kTopicsCell = 32;

// Terminal columns a string takes: code points (the marks used here are
// all one column wide).
size_t display_width(std::string_view s) {
  size_t n = 0;
  for (unsigned char c : s) n += (c & 0xC0) != 0x80;
  return n;
}

// The first `cols` columns of s, cut at a code point boundary.
std::string cut(std::string_view s, size_t cols) {
  size_t n = 0, i = 0;
  for (; i < s.size(); ++i) {
    if ((static_cast<unsigned char>(s[i]) & 0xC0) != 0x80) {
      if (n == cols) break;
      ++n;
    }
  }
  return std::string(s.substr(0, i));
}

std::string ellipsize(const std::string& s, size_t cols, bool utf8) {
  if (display_width(s) <= cols) return s;
  return utf8 ? cut(s, cols - 1) + "\u2026" : cut(s, cols - 3) + "...";
}

std::string format(const char* fmt, double v) {
  char buf[48];
  std::snprintf(buf, sizeof buf, fmt, v);
  return buf;
}

// Records/s for people: "0.5", "42", "1234", "12.3k", "4.5M".
std::string human_rate(const std::optional<double>& r) {
  if (!r) return "-";
  double v = *r;
  if (v < 100) return format("%.1f", v);
  if (v < 100000) return format("%.0f", v);
  if (v < 100e6) return format("%.1fk", v / 1e3);
  return format("%.1fM", v / 1e6);
}

// Records/s for scripts: one decimal, no units.
std::string plain_rate(const std::optional<double>& r) { return r ? format("%.1f", *r) : "-"; }

json json_rate(const std::optional<double>& r) {
  if (!r) return nullptr;
  return std::round(*r * 1000) / 1000;
}

std::string trend_cell(const GroupRow& g, bool utf8) {
  static const char* kArrowsUtf8[] = {" ", "\u2191", "\u2193", "\u2192"};
  static const char* kArrowsAscii[] = {" ", "^", "v", "="};
  std::string cell = (utf8 ? kArrowsUtf8 : kArrowsAscii)[static_cast<int>(g.trend)];
  if (g.history.empty()) return cell;
  static const char* kBarsUtf8[] = {"\u2581", "\u2582", "\u2583", "\u2584", "\u2585", "\u2586", "\u2587", "\u2588"};
  static const char* kBarsAscii[] = {"_", ".", "-", "^"};
  const size_t levels = utf8 ? 8 : 4;
  auto [lo, hi] = std::minmax_element(g.history.begin(), g.history.end());
  cell += ' ';
  for (int64_t v : g.history) {
    size_t level = *hi == *lo ? 0
                              : static_cast<size_t>(static_cast<double>(v - *lo) / static_cast<double>(*hi - *lo) *
                                                    static_cast<double>(levels - 1) + 0.5);
    cell += utf8 ? kBarsUtf8[level] : kBarsAscii[level];
  }
  return cell;
}

const char* sgr(Style s) {
  switch (s) {
    case Style::kPlain: return "";
    case Style::kBold: return "\x1b[1m";
    case Style::kDim: return "\x1b[2m";
    case Style::kRed: return "\x1b[31m";
    case Style::kGreen: return "\x1b[32m";
    case Style::kInverse: return "\x1b[7m";
  }
  return "";
}

struct Cell {
  std::string text;
  Style style = Style::kPlain;
};

// Aligned columns under a bold header row, numeric columns right-aligned,
// like Table on a terminal, but with a style per cell.
std::vector<Line> layout(const std::vector<std::pair<std::string, bool>>& columns,
                         const std::vector<std::vector<Cell>>& rows) {
  std::vector<size_t> width(columns.size());
  for (size_t i = 0; i < columns.size(); ++i) width[i] = display_width(columns[i].first);
  for (const auto& r : rows)
    for (size_t i = 0; i < r.size() && i < width.size(); ++i) width[i] = std::max(width[i], display_width(r[i].text));
  auto line_of = [&](const std::vector<Cell>& cells, bool header) {
    Line l;
    std::string pending;  // padding, added to the next span
    for (size_t i = 0; i < columns.size(); ++i) {
      const Cell& c = cells[i];
      size_t pad = width[i] - display_width(c.text);
      if (i) pending += "  ";
      if (columns[i].second) pending.append(pad, ' ');
      if (!pending.empty()) l.push_back({std::move(pending), header ? Style::kBold : Style::kPlain});
      pending.clear();
      l.push_back({c.text, header ? Style::kBold : c.style});
      if (!columns[i].second && i + 1 < columns.size()) pending.append(pad, ' ');
    }
    return l;
  };
  std::vector<Line> out;
  std::vector<Cell> header;
  for (const auto& c : columns) header.push_back({c.first, Style::kBold});
  out.push_back(line_of(header, true));
  for (const auto& r : rows) out.push_back(line_of(r, false));
  return out;
}

Line header_line(const Sample& s, const View& v) {
  const json& st = s.status;
  std::string text = "ks top  pid " + std::to_string(int_field(st, "pid")) + "  up " +
                     human_duration(int_field(st, "uptime_ms")) + "  home " + string_field(st, "home") +
                     "  topics " + std::to_string(int_field(st, "topics")) + "  partitions " +
                     std::to_string(int_field(st, "partitions")) + "  size " +
                     human_bytes(static_cast<uint64_t>(std::max<int64_t>(int_field(st, "bytes"), 0))) +
                     "  connections " + std::to_string(int_field(st, "connections"));
  Line l{{text, Style::kBold}};
  if (v.screen) l.push_back({"  " + v.clock, Style::kPlain});
  return l;
}

std::vector<Line> topic_lines(const std::vector<TopicRow>& rows, const View& v) {
  std::vector<std::vector<Cell>> cells;
  for (const auto& r : rows) {
    const auto size = static_cast<uint64_t>(std::max<int64_t>(r.info.size, 0));
    cells.push_back({{r.info.name},
                     {std::to_string(r.info.partitions)},
                     {std::to_string(r.info.records)},
                     {human_rate(r.in)},
                     {human_rate(r.out)},
                     {v.terminal ? human_bytes(size) : std::to_string(size)}});
  }
  return layout({{"TOPIC", false}, {"PARTITIONS", true}, {"RECORDS", true}, {"IN/s", true}, {"OUT/s", true},
                 {"SIZE", true}},
                cells);
}

std::vector<Line> group_lines(const std::vector<GroupRow>& rows, const View& v) {
  std::vector<std::vector<Cell>> cells;
  for (const auto& r : rows) {
    std::string topics;
    for (const auto& t : r.info.topics) topics += (topics.empty() ? "" : ",") + t;
    if (topics.empty()) topics = "-";
    if (v.screen) topics = ellipsize(topics, kTopicsCell, v.utf8);
    Style trend = r.trend == Trend::kRising ? Style::kRed : r.trend == Trend::kFalling ? Style::kGreen : Style::kPlain;
    cells.push_back({{r.info.name},
                     {r.info.state},
                     {std::to_string(r.info.members)},
                     {topics},
                     {std::to_string(r.info.lag), r.trend == Trend::kRising ? Style::kRed : Style::kPlain},
                     {trend_cell(r, v.utf8), trend}});
  }
  return layout({{"GROUP", false}, {"STATE", false}, {"MEMBERS", true}, {"TOPICS", false}, {"LAG", true},
                 {"TREND", false}},
                cells);
}

Line footer_line(const View& v) {
  std::string text;
  if (v.help)
    text = " q quit   s sort: " + std::string(sort_name(v.sort)) +
           " (name in out size lag)   p pause/resume   ? hide help   OUT/s: group commits only ";
  else
    text = " q quit  s sort: " + std::string(sort_name(v.sort)) + "  p pause  ? help ";
  Line l{{text, Style::kInverse}};
  if (v.paused) l.push_back({" PAUSED ", Style::kBold});
  return l;
}

// A table's lines fitted into `room` screen rows: the header, as many rows
// as fit, and "... N more" in place of the last when some do not.
std::vector<Line> fit_rows(std::vector<Line> lines, size_t room, const char* what, bool utf8) {
  if (lines.size() <= room) return lines;
  if (room == 0) return {};
  if (room == 1) return {lines.front()};
  size_t hidden = lines.size() - room + 1;
  lines.resize(room - 1);
  lines.push_back({{std::string(utf8 ? "\u2026 " : "... ") + std::to_string(hidden) + " more " + what, Style::kDim}});
  return lines;
}


}  // namespace

// A line as terminal text at most `cols` columns wide, with SGR codes only
// when `colour`.
std::string render(const Line& line, size_t cols, bool colour) {
  std::string out;
  size_t used = 0;
  for (const auto& span : line) {
    if (used >= cols) break;
    std::string text = span.text;
    size_t w = display_width(text);
    if (used + w > cols) {
      text = cut(text, cols - used);
      w = cols - used;
    }
    used += w;
    if (colour && span.style != Style::kPlain) {
      out += sgr(span.style);
      out += text;
      out += "\x1b[0m";
    } else {
      out += text;
    }
  }
  return out;
}

// The whole frame: header, topics, groups and (on the screen) the footer on
// the last row. `rows` 0: no height limit.
std::vector<Line> frame(const Monitor& m, const View& v, size_t rows) {
  const Sample& s = m.current();
  std::vector<Line> topics = topic_lines(m.topic_rows(v.sort), v);
  std::vector<Line> groups = group_lines(m.group_rows(v.sort), v);
  if (topics.size() == 1) topics.push_back({{"(no topics)", Style::kDim}});
  if (groups.size() == 1) groups.push_back({{"(no groups)", Style::kDim}});
  if (rows > 0) {
    // header, blank, topics, blank, groups, footer
    size_t room = rows > 4 ? rows - 4 : 0;
    size_t want_t = topics.size(), want_g = groups.size();
    size_t half = room / 2;
    size_t give_t = want_t + want_g <= room ? want_t : std::min(want_t, std::max(half, room > want_g ? room - want_g : 0));
    size_t give_g = std::min(want_g, room - std::min(room, give_t));
    topics = fit_rows(std::move(topics), give_t, "topics", v.utf8);
    groups = fit_rows(std::move(groups), give_g, "groups", v.utf8);
  }
  std::vector<Line> out;
  out.push_back(header_line(s, v));
  out.emplace_back();
  for (auto& l : topics) out.push_back(std::move(l));
  if (!groups.empty()) out.emplace_back();
  for (auto& l : groups) out.push_back(std::move(l));
  if (rows > 0) {
    out.resize(rows - 1);  // cut, or blank rows that erase the old frame's
    out.push_back(footer_line(v));
  }
  return out;
}

json snapshot_json(const Monitor& m, const View& v, double interval) {
  json topics = json::array();
  for (const auto& r : m.topic_rows(v.sort))
    topics.push_back({{"name", r.info.name},
                      {"partitions", r.info.partitions},
                      {"records", r.info.records},
                      {"in_per_s", json_rate(r.in)},
                      {"out_per_s", json_rate(r.out)},
                      {"size", r.info.size},
                      {"lag", r.lag}});
  json groups = json::array();
  for (const auto& r : m.group_rows(v.sort))
    groups.push_back({{"group", r.info.name},
                      {"state", r.info.state},
                      {"members", r.info.members},
                      {"topics", r.info.topics},
                      {"lag", r.info.lag},
                      {"trend", r.trend == Trend::kUnknown ? json(nullptr) : json(trend_word(r.trend))},
                      {"lag_history", r.history}});
  return {{"daemon", m.current().status}, {"interval_s", interval}, {"topics", topics}, {"groups", groups}};
}

// One line per row, tab-separated, the first field naming the kind of
// row (daemon, topic, group).
void print_rows(Stdout& out, const Monitor& m, const View& v) {
  const json& st = m.current().status;
  Table daemon({{""}, {""}, {""}, {""}, {""}, {""}, {""}, {""}});
  daemon.add_row({"daemon", std::to_string(int_field(st, "pid")), std::to_string(int_field(st, "uptime_ms")),
                  string_field(st, "home"), std::to_string(int_field(st, "topics")),
                  std::to_string(int_field(st, "partitions")), std::to_string(int_field(st, "bytes")),
                  std::to_string(int_field(st, "connections"))});
  daemon.print(out, false);
  Table topics({{""}, {""}, {""}, {""}, {""}, {""}, {""}});
  for (const auto& r : m.topic_rows(v.sort))
    topics.add_row({"topic", r.info.name, std::to_string(r.info.partitions), std::to_string(r.info.records),
                    plain_rate(r.in), plain_rate(r.out), std::to_string(r.info.size)});
  topics.print(out, false);
  Table groups({{""}, {""}, {""}, {""}, {""}, {""}, {""}});
  for (const auto& r : m.group_rows(v.sort)) {
    std::string names;
    for (const auto& t : r.info.topics) names += (names.empty() ? "" : ",") + t;
    groups.add_row({"group", r.info.name, r.info.state, std::to_string(r.info.members), names,
                    std::to_string(r.info.lag), trend_word(r.trend)});
  }
  groups.print(out, false);
}

}  // namespace ks::cli::top
