// `ks top`: a live full-screen view of the daemon's topics (records/s in and
// out, size) and consumer groups (members, lag, trend), redrawn every
// --interval; `--once` prints one snapshot for scripts.
//
// Each refresh asks the daemon for status, topics (with partition offsets),
// list_groups and describe_group per group (common/protocol.h), pipelined
// on one connection. Rates are differences between two samples: IN/s from
// the partitions' end offsets, OUT/s from the groups' committed offsets, so
// OUT/s counts only consumption that groups commit.
//
// The screen is plain ANSI (alternate screen, cursor addressing, SGR), no
// curses: every line is positioned and erased, then written, in one write
// per frame. The terminal's mode and screen are restored on every way out.
#include <CLI/CLI.hpp>
#include <poll.h>
#include <signal.h>
#include <sys/ioctl.h>
#include <termios.h>
#include <unistd.h>

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <deque>
#include <limits>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <tuple>
#include <utility>
#include <vector>

#include "cli/clock.h"
#include "cli/commands/commands.h"
#include "cli/context.h"
#include "cli/exit_codes.h"
#include "cli/output.h"
#include "cli/table.h"

namespace ks::cli {
namespace {

using nlohmann::json;

constexpr double kMinInterval = 0.2;
constexpr double kMaxInterval = 3600;
// Lag samples kept per group: the sparkline's width.
constexpr size_t kHistory = 8;
// The trend compares the newest lag with the one this many samples back
// (or the oldest kept), so one commit between two refreshes is not a turn.
constexpr size_t kTrendSpan = 4;
// Screen cells for a group's TOPICS list before it is cut with an ellipsis,
// so LAG and TREND stay on screen.
constexpr size_t kTopicsCell = 32;

enum class SortKey { kName, kIn, kOut, kSize, kLag };
constexpr SortKey kSortCycle[] = {SortKey::kName, SortKey::kIn, SortKey::kOut, SortKey::kSize, SortKey::kLag};
constexpr const char* kSortNames[] = {"name", "in", "out", "size", "lag"};

const char* sort_name(SortKey k) { return kSortNames[static_cast<int>(k)]; }

SortKey next_sort(SortKey k) { return kSortCycle[(static_cast<int>(k) + 1) % 5]; }

struct TopOptions {
  double interval = 1.0;
  bool once = false;
  std::string sort = "in";
  std::string output = "table";
};

// ------------------------------------------------------------------ samples


using PartitionKey = std::pair<std::string, int64_t>;                     // topic, partition
using CommitKey = std::tuple<std::string, std::string, int64_t>;          // group, topic, partition

struct TopicInfo {
  std::string name;
  int64_t partitions = 0;
  int64_t records = 0;  // end - start, summed
  int64_t size = 0;
};

struct GroupInfo {
  std::string name;
  std::string state;
  int64_t members = 0;
  std::vector<std::string> topics;
  int64_t lag = 0;
};

// What the daemon said at one moment.
struct Sample {
  int64_t at_ms = 0;  // steady clock
  json status;
  std::vector<TopicInfo> topics;
  std::vector<GroupInfo> groups;
  std::map<PartitionKey, int64_t> ends;
  std::map<CommitKey, int64_t> committed;  // only partitions with a commit
  std::map<std::string, int64_t> topic_lag;  // summed over groups
};

// Receives the answer to one pipelined request; the daemon's error becomes
// the Status.
Status receive(Client* c, Response* r) {
  auto got = c->receive();
  if (!got.ok()) return got.status();
  Status s = got->status();
  if (!s.ok()) return s;
  *r = std::move(*got);
  return Status::OK();
}

Status take_sample(Client* c, Sample* out) {
  Sample s;
  for (json req : {json{{"op", "status"}}, json{{"op", "topics"}, {"detail", true}}, json{{"op", "list_groups"}}}) {
    auto sent = c->send(std::move(req));
    if (!sent.ok()) return sent.status();
  }
  Response status, topics, groups;
  for (Response* r : {&status, &topics, &groups}) {
    Status st = receive(c, r);
    if (!st.ok()) return st;
  }
  s.at_ms = steady_ms();
  s.status = std::move(status.header);
  s.status.erase("id");

  for (const auto& t : array_field(topics.header, "topics")) {
    TopicInfo info{string_field(t, "name"), int_field(t, "partitions"), 0, 0};
    for (const auto& p : array_field(t, "partition_info")) {
      int64_t start = int_field(p, "start"), end = int_field(p, "end");
      info.records += std::max<int64_t>(end - start, 0);
      info.size += std::max<int64_t>(int_field(p, "size"), 0);
      s.ends[{info.name, int_field(p, "partition")}] = end;
    }
    s.topics.push_back(std::move(info));
  }

  // describe_group per group, for committed offsets per partition.
  const json& listed = array_field(groups.header, "groups");
  for (const auto& g : listed) {
    auto sent = c->send({{"op", "describe_group"}, {"group", string_field(g, "group")}});
    if (!sent.ok()) return sent.status();
  }
  for (const auto& g : listed) {
    GroupInfo info{string_field(g, "group"), string_field(g, "state"), count_field(g, "members"), {},
                   int_field(g, "lag")};
    for (const auto& t : array_field(g, "topics"))
      if (t.is_string()) info.topics.push_back(t.get<std::string>());
    Response d;
    Status st = receive(c, &d);
    // A group deleted between the two requests keeps its listed summary.
    if (!st.ok() && st.code() != Code::kNotFound) return st;
    if (st.ok()) {
      info.state = string_field(d.header, "state");
      info.members = count_field(d.header, "members");
      info.lag = int_field(d.header, "lag", info.lag);
      for (const auto& o : array_field(d.header, "offsets")) {
        const std::string topic = string_field(o, "topic");
        int64_t committed = int_field(o, "committed", -1);
        if (committed >= 0) s.committed[{info.name, topic, int_field(o, "partition")}] = committed;
        s.topic_lag[topic] += std::max<int64_t>(int_field(o, "lag"), 0);
      }
    }
    s.groups.push_back(std::move(info));
  }
  *out = std::move(s);
  return Status::OK();
}

// ------------------------------------------------------------------ rows

enum class Trend { kUnknown, kRising, kFalling, kSteady };

const char* trend_word(Trend t) {
  switch (t) {
    case Trend::kRising: return "rising";
    case Trend::kFalling: return "falling";
    case Trend::kSteady: return "steady";
    case Trend::kUnknown: break;
  }
  return "-";
}

struct TopicRow {
  TopicInfo info;
  std::optional<double> in, out;  // records/s; none without an earlier sample of the topic
  int64_t lag = 0;
};

struct GroupRow {
  GroupInfo info;
  Trend trend = Trend::kUnknown;
  std::vector<int64_t> history;  // oldest first
};

// Samples over time: the newest and the one before, and each group's lag
// history.
class Monitor {
 public:
  void add(Sample s) {
    if (have_) prev_ = std::move(cur_);
    have_prev_ = have_;
    cur_ = std::move(s);
    have_ = true;
    std::map<std::string, std::deque<int64_t>> kept;
    for (const auto& g : cur_.groups) {
      auto& h = kept[g.name];
      if (auto it = history_.find(g.name); it != history_.end()) h = std::move(it->second);
      h.push_back(g.lag);
      while (h.size() > kHistory) h.pop_front();
    }
    history_ = std::move(kept);
  }

  const Sample& current() const { return cur_; }

  std::vector<TopicRow> topic_rows(SortKey sort) const {
    std::vector<TopicRow> rows;
    const double dt = have_prev_ ? static_cast<double>(cur_.at_ms - prev_.at_ms) / 1000.0 : 0;
    std::map<std::string, int64_t> in, out;
    std::map<std::string, bool> known;
    if (dt > 0) {
      for (const auto& [key, end] : cur_.ends) {
        auto p = prev_.ends.find(key);
        if (p == prev_.ends.end()) continue;
        known[key.first] = true;
        in[key.first] += std::max<int64_t>(end - p->second, 0);
      }
      for (const auto& [key, committed] : cur_.committed) {
        auto p = prev_.committed.find(key);
        // A reset moves a commit backwards: no consumption to count.
        if (p != prev_.committed.end()) out[std::get<1>(key)] += std::max<int64_t>(committed - p->second, 0);
      }
    }
    for (const auto& t : cur_.topics) {
      TopicRow r{t, std::nullopt, std::nullopt, 0};
      if (known.count(t.name)) {
        r.in = static_cast<double>(in[t.name]) / dt;
        r.out = static_cast<double>(out[t.name]) / dt;
      }
      if (auto l = cur_.topic_lag.find(t.name); l != cur_.topic_lag.end()) r.lag = l->second;
      rows.push_back(std::move(r));
    }
    auto rate = [](const std::optional<double>& v) { return v.value_or(-1); };
    std::stable_sort(rows.begin(), rows.end(), [&](const TopicRow& a, const TopicRow& b) {
      switch (sort) {
        case SortKey::kName: break;
        case SortKey::kIn:
          if (rate(a.in) != rate(b.in)) return rate(a.in) > rate(b.in);
          break;
        case SortKey::kOut:
          if (rate(a.out) != rate(b.out)) return rate(a.out) > rate(b.out);
          break;
        case SortKey::kSize:
          if (a.info.size != b.info.size) return a.info.size > b.info.size;
          break;
        case SortKey::kLag:
          if (a.lag != b.lag) return a.lag > b.lag;
          break;
      }
      return a.info.name < b.info.name;
    });
    return rows;
  }

  std::vector<GroupRow> group_rows(SortKey sort) const {
    std::vector<GroupRow> rows;
    for (const auto& g : cur_.groups) {
      GroupRow r{g, Trend::kUnknown, {}};
      if (auto it = history_.find(g.name); it != history_.end()) r.history.assign(it->second.begin(), it->second.end());
      if (r.history.size() >= 2) {
        int64_t now = r.history.back();
        int64_t then = r.history[r.history.size() - std::min(r.history.size(), kTrendSpan + 1)];
        r.trend = now > then ? Trend::kRising : now < then ? Trend::kFalling : Trend::kSteady;
      }
      rows.push_back(std::move(r));
    }
    std::stable_sort(rows.begin(), rows.end(), [&](const GroupRow& a, const GroupRow& b) {
      if (sort == SortKey::kLag && a.info.lag != b.info.lag) return a.info.lag > b.info.lag;
      return a.info.name < b.info.name;
    });
    return rows;
  }

 private:
  Sample prev_, cur_;
  bool have_ = false, have_prev_ = false;
  std::map<std::string, std::deque<int64_t>> history_;
};

// ------------------------------------------------------------------ text

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

// Whether the locale's character set is UTF-8, from the environment as
// setlocale(LC_CTYPE, "") would pick it, without changing ks's locale.
bool utf8_locale() {
  for (const char* var : {"LC_ALL", "LC_CTYPE", "LANG"}) {
    const char* v = std::getenv(var);
    if (v == nullptr || *v == '\0') continue;
    std::string s(v);
    for (auto& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return s.find("utf-8") != std::string::npos || s.find("utf8") != std::string::npos;
  }
  return false;
}

// https://no-color.org: present and not empty.
bool no_color() {
  const char* v = std::getenv("NO_COLOR");
  return v != nullptr && *v != '\0';
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

// ------------------------------------------------------------------ frames

enum class Style { kPlain, kBold, kDim, kRed, kGreen, kInverse };

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

struct Span {
  std::string text;
  Style style = Style::kPlain;
};
using Line = std::vector<Span>;

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

struct View {
  SortKey sort = SortKey::kIn;
  bool paused = false;
  bool help = false;
  bool utf8 = false;
  bool screen = true;  // the live screen (cells cut to fit), not --once
  bool terminal = true;  // sizes and rates for people
};

Line header_line(const Sample& s, const View& v) {
  const json& st = s.status;
  std::string text = "ks top  pid " + std::to_string(int_field(st, "pid")) + "  up " +
                     human_duration(int_field(st, "uptime_ms")) + "  home " + string_field(st, "home") +
                     "  topics " + std::to_string(int_field(st, "topics")) + "  partitions " +
                     std::to_string(int_field(st, "partitions")) + "  size " +
                     human_bytes(static_cast<uint64_t>(std::max<int64_t>(int_field(st, "bytes"), 0))) +
                     "  connections " + std::to_string(int_field(st, "connections"));
  Line l{{text, Style::kBold}};
  if (v.screen) {
    std::time_t now = std::time(nullptr);
    std::tm tm{};
    localtime_r(&now, &tm);
    char clock[16];
    std::strftime(clock, sizeof clock, "%H:%M:%S", &tm);
    l.push_back({std::string("  ") + clock, Style::kPlain});
  }
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

// ------------------------------------------------------------------ --once

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

// Piped: one line per row, tab-separated, the first field naming the kind
// of row (daemon, topic, group), so awk can pick them.
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

// ------------------------------------------------------------------ screen

volatile int g_stop = 0;  // SIGINT, SIGTERM or SIGHUP: the signal number
volatile sig_atomic_t g_resized = 0;
volatile sig_atomic_t g_suspend = 0;

void on_stop(int sig) { g_stop = sig; }
void on_winch(int) { g_resized = 1; }
void on_tstp(int) { g_suspend = 1; }

void install_handlers() {
  struct sigaction sa {};
  sigemptyset(&sa.sa_mask);
  // No SA_RESTART: a blocking read of the daemon's answer returns at once.
  sa.sa_handler = on_stop;
  sigaction(SIGINT, &sa, nullptr);
  sigaction(SIGTERM, &sa, nullptr);
  sigaction(SIGHUP, &sa, nullptr);
  sa.sa_handler = on_tstp;
  sigaction(SIGTSTP, &sa, nullptr);
  sa.sa_flags = SA_RESTART;
  sa.sa_handler = on_winch;
  sigaction(SIGWINCH, &sa, nullptr);
  set_interrupt_flag(&g_stop);
}

void write_all(int fd, std::string_view s) {
  while (!s.empty()) {
    ssize_t n = ::write(fd, s.data(), s.size());
    if (n < 0) {
      if (errno == EINTR || errno == EAGAIN) continue;
      return;  // the terminal is gone; nothing left to show
    }
    s.remove_prefix(static_cast<size_t>(n));
  }
}

// The terminal while `ks top` owns it: the alternate screen, no cursor,
// keys read one at a time without echo. Left (and the saved mode put back)
// by leave() or the destructor, whichever comes first.
class Screen {
 public:
  Screen() = default;
  Screen(const Screen&) = delete;
  Screen& operator=(const Screen&) = delete;
  ~Screen() { leave(); }

  void enter() {
    if (active_) return;
    keys_ = ::isatty(STDIN_FILENO) == 1 && ::tcgetattr(STDIN_FILENO, &saved_) == 0;
    if (keys_) {
      termios raw = saved_;
      // Signals stay on: Ctrl-C and Ctrl-Z arrive as SIGINT and SIGTSTP.
      raw.c_lflag &= ~static_cast<tcflag_t>(ICANON | ECHO);
      raw.c_cc[VMIN] = 0;
      raw.c_cc[VTIME] = 0;
      ::tcsetattr(STDIN_FILENO, TCSADRAIN, &raw);
    }
    write_all(STDOUT_FILENO, "\x1b[?1049h\x1b[?25l\x1b[2J");
    active_ = true;
  }

  void leave() {
    if (!active_) return;
    write_all(STDOUT_FILENO, "\x1b[0m\x1b[2J\x1b[?25h\x1b[?1049l");
    if (keys_) ::tcsetattr(STDIN_FILENO, TCSADRAIN, &saved_);
    active_ = false;
  }

  bool keys() const { return keys_; }

  // Rows and columns; 24x80 when the terminal does not say.
  static std::pair<size_t, size_t> size() {
    winsize ws{};
    if (::ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_row > 0 && ws.ws_col > 0) return {ws.ws_row, ws.ws_col};
    return {24, 80};
  }

  void draw(const std::vector<Line>& lines, size_t cols, bool colour) {
    std::string out = "\x1b[H";
    for (size_t i = 0; i < lines.size(); ++i) {
      out += "\x1b[" + std::to_string(i + 1) + ";1H\x1b[2K";
      out += render(lines[i], cols, colour);
    }
    out += "\x1b[0m";
    write_all(STDOUT_FILENO, out);
  }

 private:
  bool active_ = false;
  bool keys_ = false;
  termios saved_{};
};

enum class Key { kNone, kQuit, kSort, kPause, kHelp, kRedraw };

// The keys in one read; an escape sequence (arrows, function keys) is
// skipped whole so its letters are not taken for commands.
std::vector<Key> read_keys(bool* eof) {
  char buf[64];
  ssize_t n = ::read(STDIN_FILENO, buf, sizeof buf);
  if (n == 0) *eof = true;
  std::vector<Key> keys;
  for (ssize_t i = 0; i < n; ++i) {
    switch (buf[i]) {
      case '\x1b': return keys;
      case 'q': case 'Q': keys.push_back(Key::kQuit); break;
      case 's': case 'S': keys.push_back(Key::kSort); break;
      case 'p': case 'P': case ' ': keys.push_back(Key::kPause); break;
      case '?': case 'h': case 'H': keys.push_back(Key::kHelp); break;
      case '\x0c': keys.push_back(Key::kRedraw); break;
      default: break;
    }
  }
  return keys;
}

// The live screen until q, a signal or an error; the terminal is restored
// before this returns. *signal gets the stopping signal, if any.
Status run_screen(Client* client, Monitor* m, View v, double interval, int* signal) {
  install_handlers();
  Screen screen;
  screen.enter();
  const bool colour = !no_color();
  const auto interval_ms = static_cast<int64_t>(interval * 1000);
  int64_t next = steady_ms() + interval_ms;
  bool stdin_open = screen.keys();
  bool dirty = true;
  for (;;) {
    if (g_stop) {
      *signal = g_stop;
      return Status::OK();
    }
    if (g_suspend) {
      // Ctrl-Z: give the terminal back while stopped, take it again on fg.
      g_suspend = 0;
      screen.leave();
      ::raise(SIGSTOP);
      screen.enter();
      dirty = true;
    }
    if (g_resized) {
      g_resized = 0;
      dirty = true;
    }
    if (!v.paused && steady_ms() >= next) {
      Sample s;
      Status st = take_sample(client, &s);
      if (!st.ok()) {
        if (g_stop) continue;
        return st;
      }
      m->add(std::move(s));
      next = steady_ms() + interval_ms;
      dirty = true;
    }
    if (dirty) {
      auto [rows, cols] = Screen::size();
      screen.draw(frame(*m, v, rows), cols, colour);
      dirty = false;
    }
    pollfd pfd{STDIN_FILENO, POLLIN, 0};
    int timeout = v.paused ? 1000 : static_cast<int>(std::clamp<int64_t>(next - steady_ms(), 0, 1000));
    int n = ::poll(&pfd, stdin_open ? 1 : 0, timeout);
    if (n <= 0) continue;  // the time to refresh, or a signal
    if (pfd.revents & (POLLHUP | POLLERR | POLLNVAL)) {
      stdin_open = false;
      continue;
    }
    bool eof = false;
    for (Key k : read_keys(&eof)) {
      switch (k) {
        case Key::kQuit: return Status::OK();
        case Key::kSort: v.sort = next_sort(v.sort); break;
        case Key::kPause:
          v.paused = !v.paused;
          if (!v.paused) next = steady_ms();
          break;
        case Key::kHelp: v.help = !v.help; break;
        case Key::kRedraw:
        case Key::kNone: break;
      }
      dirty = true;
    }
    if (eof) stdin_open = false;
  }
}

int run_top(const TopOptions& opt) {
  if (!(opt.interval >= kMinInterval && opt.interval <= kMaxInterval)) {
    print_error("--interval takes seconds from 0.2 to 3600, e.g. --interval 0.5");
    return exit_code(Exit::kUsage);
  }
  if (opt.output == "json" && !opt.once) {
    print_error("-o json prints one snapshot: add --once", "ks top --once -o json");
    return exit_code(Exit::kUsage);
  }
  const bool terminal = ::isatty(STDOUT_FILENO) == 1;
  if (!opt.once && !terminal) {
    print_error("ks top needs a terminal (standard output is not one)",
                "for scripts: `ks top --once` prints one snapshot; `ks topic list` and `ks group list` too");
    return exit_code(Exit::kUsage);
  }

  // A monitor only looks: it never starts a daemon.
  ConnectOptions c = global_options().connect_options();
  c.autostart = false;
  auto client = Client::Connect(c);
  if (!client.ok()) return report(client.status(), "start one with `ks daemon start`");

  View v;
  v.sort = kSortCycle[std::find(std::begin(kSortNames), std::end(kSortNames), opt.sort) - std::begin(kSortNames)];
  v.utf8 = utf8_locale();
  v.terminal = terminal;
  Monitor m;
  Sample first;
  Status st = take_sample(client->get(), &first);
  if (!st.ok()) return report(st);
  m.add(std::move(first));

  if (opt.once) {
    // Two samples --interval apart, so the rates are real.
    ::poll(nullptr, 0, static_cast<int>(opt.interval * 1000));
    Sample second;
    st = take_sample(client->get(), &second);
    if (!st.ok()) return report(st);
    m.add(std::move(second));
    Stdout& out = Stdout::get();
    v.screen = false;
    if (opt.output == "json") {
      print_json(out, snapshot_json(m, v, opt.interval), terminal);
    } else if (terminal) {
      const bool colour = !no_color();
      for (const auto& l : frame(m, v, 0)) out.write(render(l, std::numeric_limits<size_t>::max(), colour) + "\n");
    } else {
      print_rows(out, m, v);
    }
    return 0;
  }

  int signal = 0;
  st = run_screen(client->get(), &m, v, opt.interval, &signal);
  if (signal != 0) return signal == SIGINT ? exit_code(Exit::kInterrupted) : 128 + signal;
  if (!st.ok()) {
    if (st.code() == Code::kUnavailable) {
      std::string why = st.message();
      if (why.rfind("lost the daemon: ", 0) == 0) why.erase(0, 17);
      return report(Status::Unavailable("the daemon went away: " + why),
                    "`ks daemon status` says whether one is running; `ks daemon start` starts one");
    }
    return report(st);
  }
  return 0;
}

}  // namespace

void set_top_command(CLI::App& app, Runner* run) {
  auto* top = app.add_subcommand("top", "A live full-screen view of topics (records/s in and out) and groups (lag)");
  auto opt = std::make_shared<TopOptions>();
  top->add_option("--interval", opt->interval, "Seconds between refreshes (default 1; fractions down to 0.2)")
      ->type_name("SECONDS");
  top->add_flag("--once", opt->once,
                "Print one snapshot and exit (rates over one --interval); works when piped");
  top->add_option("--sort", opt->sort, "Topic order: name, in, out, size or lag (default in); `s` cycles it")
      ->check(CLI::IsMember({"name", "in", "out", "size", "lag"}));
  top->add_option("-o,--output", opt->output, "With --once: table (default) or json")
      ->check(CLI::IsMember({"table", "json"}));
  top->footer(
      "Keys: q quit, s cycle the sort, p pause, ? help.\n"
      "Examples:\n  ks top\n  ks top --interval 0.5 --sort lag\n"
      "  ks top --once | awk -F'\\t' '$1 == \"topic\"'\n  ks top --once -o json | jq '.groups[] | {group, lag, trend}'");
  top->callback([opt, run] { *run = [opt] { return run_top(*opt); }; });
}

}  // namespace ks::cli
