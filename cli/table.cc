#include "cli/table.h"

#include <unistd.h>

#include <algorithm>
#include <cstdio>

#include "cli/output.h"

namespace ks::cli {
namespace {

constexpr std::string_view kGap = "  ";

// Columns a cell takes on a terminal: code points, not bytes, so a UTF-8
// topic name does not push its row out of line. (East Asian wide characters
// count as one; close enough for names and numbers.)
size_t display_width(std::string_view s) {
  size_t n = 0;
  for (unsigned char c : s) n += (c & 0xC0) != 0x80;
  return n;
}

// A cell as one line without tabs, so piped rows stay one line of fields.
void append_cell(std::string* out, std::string_view s) {
  for (char c : s) {
    if (c == '\t') {
      *out += "\\t";
    } else if (c == '\n') {
      *out += "\\n";
    } else if (c == '\r') {
      *out += "\\r";
    } else {
      *out += c;
    }
  }
}

std::string escaped(std::string_view s) {
  std::string out;
  append_cell(&out, s);
  return out;
}

}  // namespace

void Table::add_row(std::vector<std::string> cells) {
  cells.resize(columns_.size());
  rows_.push_back(std::move(cells));
}

void Table::render(std::string* out, bool terminal, bool color) const {
  if (!terminal) {
    for (const auto& row : rows_) {
      for (size_t i = 0; i < row.size(); ++i) {
        if (i) *out += '\t';
        append_cell(out, row[i]);
      }
      *out += '\n';
    }
    return;
  }

  const bool header = std::any_of(columns_.begin(), columns_.end(), [](const Column& c) { return !c.header.empty(); });
  std::vector<std::vector<std::string>> lines;
  lines.reserve(rows_.size() + 1);
  if (header) {
    std::vector<std::string> h;
    for (const auto& c : columns_) h.push_back(escaped(c.header));
    lines.push_back(std::move(h));
  }
  for (const auto& row : rows_) {
    std::vector<std::string> l;
    for (const auto& cell : row) l.push_back(escaped(cell));
    lines.push_back(std::move(l));
  }

  std::vector<size_t> width(columns_.size(), 0);
  for (const auto& l : lines)
    for (size_t i = 0; i < l.size(); ++i) width[i] = std::max(width[i], display_width(l[i]));

  for (size_t n = 0; n < lines.size(); ++n) {
    const auto& l = lines[n];
    std::string line;
    for (size_t i = 0; i < l.size(); ++i) {
      if (i) line += kGap;
      size_t pad = width[i] - display_width(l[i]);
      if (columns_[i].numeric) line.append(pad, ' ');
      line += l[i];
      if (!columns_[i].numeric) line.append(pad, ' ');
    }
    // Left-aligned last columns would leave trailing blanks.
    while (!line.empty() && line.back() == ' ') line.pop_back();
    if (color && header && n == 0) line = "\033[1m" + line + "\033[0m";  // a bold header row
    *out += line;
    *out += '\n';
  }
}

void Table::print(Stdout& out, bool terminal) const {
  render(&out.buffer(), terminal, terminal && color_enabled(STDOUT_FILENO));
  out.maybe_flush();
}

std::string json_text(const nlohmann::json& j, bool terminal) {
  std::string s = j.dump(terminal ? 2 : -1, ' ', false, nlohmann::json::error_handler_t::replace);
  s += '\n';
  return s;
}

void print_json(Stdout& out, const nlohmann::json& j, bool terminal) { out.write(json_text(j, terminal)); }

std::string human_bytes(uint64_t n) {
  if (n < 1024) return std::to_string(n) + " B";
  static constexpr const char* kUnits[] = {"KiB", "MiB", "GiB", "TiB", "PiB", "EiB"};
  constexpr size_t kLast = sizeof kUnits / sizeof kUnits[0] - 1;
  double v = static_cast<double>(n) / 1024;
  size_t u = 0;
  while (v >= 1024 && u < kLast) {
    v /= 1024;
    ++u;
  }
  // 1023.6 KiB would round to "1024 KiB": say "1.0 MiB" instead.
  if (v >= 1023.5 && u < kLast) {
    v /= 1024;
    ++u;
  }
  char buf[32];
  std::snprintf(buf, sizeof buf, v < 9.95 ? "%.1f %s" : "%.0f %s", v, kUnits[u]);
  return buf;
}

std::string human_duration(int64_t ms) {
  int64_t s = std::max<int64_t>(ms, 0) / 1000;
  if (s < 60) return std::to_string(s) + "s";
  if (s < 3600) return std::to_string(s / 60) + "m" + std::to_string(s % 60) + "s";
  if (s < 86400) return std::to_string(s / 3600) + "h" + std::to_string(s / 60 % 60) + "m";
  return std::to_string(s / 86400) + "d" + std::to_string(s / 3600 % 24) + "h";
}

int64_t int_field(const nlohmann::json& j, const char* key, int64_t fallback) {
  auto it = j.find(key);
  return it != j.end() && it->is_number() ? it->get<int64_t>() : fallback;
}

std::string string_field(const nlohmann::json& j, const char* key) {
  auto it = j.find(key);
  return it != j.end() && it->is_string() ? it->get<std::string>() : std::string();
}

const nlohmann::json& array_field(const nlohmann::json& j, const char* key) {
  static const nlohmann::json kEmpty = nlohmann::json::array();
  auto it = j.find(key);
  return it != j.end() && it->is_array() ? *it : kEmpty;
}

int64_t count_field(const nlohmann::json& j, const char* key) {
  auto it = j.find(key);
  if (it == j.end()) return 0;
  if (it->is_array()) return static_cast<int64_t>(it->size());
  return it->is_number() ? it->get<int64_t>() : 0;
}

}  // namespace ks::cli
