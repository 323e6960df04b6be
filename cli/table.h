// Output for admin commands (`ks topic`, `ks offsets`, `ks group`): a table
// for people on a terminal, tab-separated rows for scripts, JSON for `-o
// json`.
//
// On a terminal a table is aligned columns under a header row, numeric
// columns right-aligned. Piped, it is one line per row, cells separated by
// one tab, no header and no padding (like `ls | ...`), so `cut -f2` and
// `awk -F'\t'` work; a tab or newline inside a cell is written as `\t` or
// `\n` so a row stays one line.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace ks::cli {

class Stdout;

class Table {
 public:
  struct Column {
    std::string header;    // an all-empty set of headers prints no header row
    bool numeric = false;  // right-aligned on a terminal
  };

  explicit Table(std::vector<Column> columns) : columns_(std::move(columns)) {}

  // Missing cells print empty; extra cells are dropped.
  void add_row(std::vector<std::string> cells);
  size_t rows() const { return rows_.size(); }

  // Appends the table to `out` in its terminal or piped form; `color`
  // makes the header row bold (terminal form only).
  void render(std::string* out, bool terminal, bool color = false) const;
  void print(Stdout& out, bool terminal) const;

 private:
  std::vector<Column> columns_;
  std::vector<std::vector<std::string>> rows_;
};

// `-o json`: pretty (2-space indent) on a terminal, one compact line
// otherwise, then a newline. Invalid UTF-8 is replaced rather than thrown.
std::string json_text(const nlohmann::json& j, bool terminal);
void print_json(Stdout& out, const nlohmann::json& j, bool terminal);

// Binary units for table cells: "512 B", "1.2 KiB", "34 MiB", "1.0 GiB".
// One decimal below 10 of a unit, none above. JSON output keeps raw numbers.
std::string human_bytes(uint64_t n);

// A duration for people: "42s", "3m12s", "5h07m" style ("5h7m"), "2d3h".
std::string human_duration(int64_t ms);

// Fields of the daemon's answers, tolerant of a missing or mistyped field
// so one odd value does not abort a whole listing.
int64_t int_field(const nlohmann::json& j, const char* key, int64_t fallback = 0);
std::string string_field(const nlohmann::json& j, const char* key);
const nlohmann::json& array_field(const nlohmann::json& j, const char* key);
// A count the daemon may send as a number or as the array it counts.
int64_t count_field(const nlohmann::json& j, const char* key);

}  // namespace ks::cli
