// `ks top`'s rendering: samples (top_sample.h) to lines of styled text,
// for the live screen (cut to the terminal's size), for `--once` on a
// terminal, as tab-separated rows for pipes and as JSON. Pure functions of
// the Monitor and a View: no terminal, no clock, no environment, so tests
// check the text given samples.
#pragma once

#include <cstddef>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "cli/commands/top_sample.h"
#include "cli/output.h"

namespace ks::cli::top {

enum class Style { kPlain, kBold, kDim, kRed, kGreen, kInverse };

struct Span {
  std::string text;
  Style style = Style::kPlain;
};
using Line = std::vector<Span>;

// How to draw: the sort and toggles the keys change, and what the
// terminal (or its absence) allows.
struct View {
  SortKey sort = SortKey::kIn;
  bool paused = false;
  bool help = false;
  bool utf8 = false;
  bool screen = true;    // the live screen (cells cut to fit), not --once
  bool terminal = true;  // sizes and rates for people
  std::string clock;     // "HH:MM:SS" the screen's header shows
};

// A line as terminal text at most `cols` columns wide, with SGR codes only
// when `colour`.
std::string render(const Line& line, size_t cols, bool colour);

// The whole frame: header, topics, groups and (on the screen) the footer on
// the last row. `rows` 0: no height limit.
std::vector<Line> frame(const Monitor& m, const View& v, size_t rows);

// `--once -o json`: the daemon's status, topics and groups with rates.
nlohmann::json snapshot_json(const Monitor& m, const View& v, double interval);

// `--once` piped: one line per row, tab-separated, the first field naming
// the kind of row (daemon, topic, group), so awk can pick them.
void print_rows(Stdout& out, const Monitor& m, const View& v);

}  // namespace ks::cli::top
