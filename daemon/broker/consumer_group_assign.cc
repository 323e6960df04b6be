#include "daemon/broker/consumer_group_assign.h"

#include <algorithm>
#include <utility>

namespace ks::server {

bool known_assignor(std::string_view name) { return name == kUniformAssignor || name == kRangeAssignor; }

size_t partition_count(const Assignment& a) {
  size_t n = 0;
  for (const auto& [t, ps] : a) n += ps.size();
  return n;
}

namespace {

std::vector<const AssignorMember*> by_id(const std::vector<AssignorMember>& members) {
  std::vector<const AssignorMember*> v;
  for (const auto& m : members) v.push_back(&m);
  std::sort(v.begin(), v.end(), [](const AssignorMember* a, const AssignorMember* b) { return a->id < b->id; });
  return v;
}

struct Uniform {
  const std::map<std::string, int32_t>& partitions;
  std::vector<const AssignorMember*> members;
  std::map<std::string, Assignment> out;
  std::map<std::string, size_t> load;
  std::set<std::pair<std::string, int32_t>> taken;

  bool valid(const AssignorMember& m, const std::string& topic, int32_t p) const {
    auto it = partitions.find(topic);
    return m.topics.count(topic) && it != partitions.end() && p >= 0 && p < it->second;
  }
  void give(const AssignorMember& m, const std::string& topic, int32_t p) {
    out[m.id][topic].insert(p);
    ++load[m.id];
    taken.insert({topic, p});
  }
  void take_back(const std::string& id, const std::string& topic, int32_t p) {
    auto& ps = out[id][topic];
    ps.erase(p);
    if (ps.empty()) out[id].erase(topic);
    --load[id];
  }
  // The least loaded member that may take partitions of `topic`.
  const AssignorMember* lightest(const std::string& topic) const {
    const AssignorMember* best = nullptr;
    for (const AssignorMember* m : members)
      if (m->topics.count(topic) && (best == nullptr || load.at(m->id) < load.at(best->id))) best = m;
    return best;
  }
  // One move from a member with at least two more partitions than another
  // that may take one of them; false when the assignment is balanced.
  bool rebalance_once() {
    const AssignorMember* from = nullptr;
    const AssignorMember* to = nullptr;
    std::pair<std::string, int32_t> moving;
    size_t best_gap = 1;
    for (const AssignorMember* a : members) {
      for (const AssignorMember* b : members) {
        if (load.at(a->id) <= load.at(b->id) + best_gap) continue;
        // The highest partition of `a` that `b` may take.
        for (auto t = out[a->id].rbegin(); t != out[a->id].rend(); ++t) {
          if (!b->topics.count(t->first) || t->second.empty()) continue;
          from = a;
          to = b;
          moving = {t->first, *t->second.rbegin()};
          best_gap = load.at(a->id) - load.at(b->id);
          break;
        }
      }
    }
    if (from == nullptr) return false;
    take_back(from->id, moving.first, moving.second);
    give(*to, moving.first, moving.second);
    return true;
  }
};

}  // namespace

std::map<std::string, Assignment> assign_uniform(const std::vector<AssignorMember>& members,
                                                 const std::map<std::string, int32_t>& partitions) {
  Uniform u{partitions, by_id(members), {}, {}, {}};
  size_t total = 0;
  for (const AssignorMember* m : u.members) {
    u.out[m->id];
    u.load[m->id] = 0;
  }
  for (const auto& [topic, n] : partitions) {
    bool wanted = false;
    for (const AssignorMember* m : u.members) wanted = wanted || m->topics.count(topic);
    if (wanted) total += static_cast<size_t>(std::max(n, 0));
  }
  if (u.members.empty()) return {};
  // Sticky: a member keeps its previous partitions up to its fair share.
  const size_t cap = (total + u.members.size() - 1) / u.members.size();
  for (const AssignorMember* m : u.members)
    for (const auto& [topic, ps] : m->previous)
      for (int32_t p : ps)
        if (u.load[m->id] < cap && u.valid(*m, topic, p) && !u.taken.count({topic, p})) u.give(*m, topic, p);
  // The rest to whoever may take it and has least.
  for (const auto& [topic, n] : partitions)
    for (int32_t p = 0; p < n; ++p)
      if (!u.taken.count({topic, p}))
        if (const AssignorMember* m = u.lightest(topic)) u.give(*m, topic, p);
  // Subscriptions that differ can leave it lopsided: even it out.
  for (size_t i = 0; i < total * u.members.size() && u.rebalance_once(); ++i) {
  }
  return std::move(u.out);
}

std::map<std::string, Assignment> assign_range(const std::vector<AssignorMember>& members,
                                               const std::map<std::string, int32_t>& partitions) {
  std::map<std::string, Assignment> out;
  auto sorted = by_id(members);
  for (const AssignorMember* m : sorted) out[m->id];
  for (const auto& [topic, n] : partitions) {
    std::vector<const AssignorMember*> subs;
    for (const AssignorMember* m : sorted)
      if (m->topics.count(topic)) subs.push_back(m);
    if (subs.empty() || n <= 0) continue;
    const int32_t k = static_cast<int32_t>(subs.size());
    int32_t start = 0;
    for (int32_t i = 0; i < k; ++i) {
      const int32_t count = n / k + (i < n % k ? 1 : 0);
      for (int32_t p = start; p < start + count; ++p) out[subs[static_cast<size_t>(i)]->id][topic].insert(p);
      start += count;
    }
  }
  return out;
}

std::map<std::string, Assignment> assign_with(std::string_view assignor, const std::vector<AssignorMember>& members,
                                              const std::map<std::string, int32_t>& partitions) {
  if (assignor == kRangeAssignor) return assign_range(members, partitions);
  return assign_uniform(members, partitions);
}

}  // namespace ks::server
