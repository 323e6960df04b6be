// `ks top`'s sampling: what the daemon says at one moment (status, topics
// with partition offsets, groups with committed offsets, asked pipelined
// on one connection), and the Monitor that keeps the newest two samples
// and each group's lag history and turns them into rows with rates and
// trends. No terminal and no text here: top_render.h draws the rows,
// top_screen.h owns the terminal.
#pragma once

#include <cstdint>
#include <deque>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <tuple>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "cli/client.h"
#include "common/status.h"

namespace ks::cli::top {

// Lag samples kept per group: the sparkline's width.
constexpr size_t kHistory = 8;
// The trend compares the newest lag with the one this many samples back
// (or the oldest kept), so one commit between two refreshes is not a turn.
constexpr size_t kTrendSpan = 4;

enum class SortKey { kName, kIn, kOut, kSize, kLag };
const char* sort_name(SortKey k);
SortKey next_sort(SortKey k);
// The key --sort names ("name", "in", "out", "size", "lag"); kIn otherwise.
SortKey sort_key(std::string_view name);

using PartitionKey = std::pair<std::string, int64_t>;             // topic, partition
using CommitKey = std::tuple<std::string, std::string, int64_t>;  // group, topic, partition

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
  nlohmann::json status;
  std::vector<TopicInfo> topics;
  std::vector<GroupInfo> groups;
  std::map<PartitionKey, int64_t> ends;
  std::map<CommitKey, int64_t> committed;  // only partitions with a commit
  std::map<std::string, int64_t> topic_lag;  // summed over groups
};


// Asks the daemon for one sample over `c` (borrowed); the first error
// (a lost daemon, a refused request) is returned and `out` left alone.
Status take_sample(Client* c, Sample* out);

enum class Trend { kUnknown, kRising, kFalling, kSteady };
const char* trend_word(Trend t);

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

class Monitor {
 public:
  void add(Sample s);
  const Sample& current() const { return cur_; }
  // Rates need two samples: without an earlier one, in and out are none.
  std::vector<TopicRow> topic_rows(SortKey sort) const;
  std::vector<GroupRow> group_rows(SortKey sort) const;

 private:
  Sample prev_, cur_;
  bool have_ = false, have_prev_ = false;
  std::map<std::string, std::deque<int64_t>> history_;
};

}  // namespace ks::cli::top
