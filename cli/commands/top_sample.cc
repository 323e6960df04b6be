#include "cli/commands/top_sample.h"

#include <algorithm>
#include <iterator>

#include "cli/clock.h"
#include "cli/table.h"

namespace ks::cli::top {

using nlohmann::json;

namespace {

constexpr SortKey kSortCycle[] = {SortKey::kName, SortKey::kIn, SortKey::kOut, SortKey::kSize, SortKey::kLag};
constexpr const char* kSortNames[] = {"name", "in", "out", "size", "lag"};

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

}  // namespace

const char* sort_name(SortKey k) { return kSortNames[static_cast<int>(k)]; }

SortKey next_sort(SortKey k) { return kSortCycle[(static_cast<int>(k) + 1) % 5]; }

SortKey sort_key(std::string_view name) {
  auto it = std::find(std::begin(kSortNames), std::end(kSortNames), name);
  return it == std::end(kSortNames) ? SortKey::kIn : kSortCycle[it - std::begin(kSortNames)];
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

const char* trend_word(Trend t) {
  switch (t) {
    case Trend::kRising: return "rising";
    case Trend::kFalling: return "falling";
    case Trend::kSteady: return "steady";
    case Trend::kUnknown: break;
  }
  return "-";
}

void Monitor::add(Sample s) {
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

std::vector<TopicRow> Monitor::topic_rows(SortKey sort) const {
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

std::vector<GroupRow> Monitor::group_rows(SortKey sort) const {
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

}  // namespace ks::cli::top
