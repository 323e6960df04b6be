#include "cli/commands/consume_fetch.h"

#include <signal.h>
#include <unistd.h>

namespace ks::cli {
namespace {

volatile int g_signal = 0;

void on_signal(int sig) { g_signal = sig; }

}  // namespace

const volatile int* install_consume_signals() {
  struct sigaction sa {};
  sa.sa_handler = on_signal;
  sigemptyset(&sa.sa_mask);
  sa.sa_flags = 0;  // no SA_RESTART: a blocking receive returns EINTR
  sigaction(SIGINT, &sa, nullptr);
  sigaction(SIGTERM, &sa, nullptr);
  set_interrupt_flag(&g_signal);
  Stdout::get().set_interrupt_flag(&g_signal);
  return &g_signal;
}

int signal_exit_code(int signal) { return signal == SIGINT ? 130 : 128 + signal; }

// Sends one fetch for the partitions not yet at their stop; false when
// there is nothing to fetch (a member that follows still asks, with an
// empty list, so the daemon can tell it of a rebalance).
Result<bool> Fetcher::send_fetch(const std::vector<PartState>& parts, const std::vector<Offset>& next, bool follow,
                                 const MemberIdentity* member) {
  // Reading a bounded range, a fetch names the first kMaxListed partitions
  // not yet at their stop: an answer fills from the first ones anyway, and
  // naming all of a 10,000-partition topic every time cost more than the
  // records (both sides encode and decode every entry). A long poll names
  // them all, since records may come to any.
  constexpr size_t kMaxListed = 1024;
  nlohmann::json list = nlohmann::json::array();
  for (size_t i = 0; i < parts.size() && (follow || list.size() < kMaxListed); ++i)
    if (next[i] < parts[i].stop)
      list.push_back({{"partition", parts[i].partition.value()}, {"offset", next[i].value()}});
  if (list.empty() && (member == nullptr || !follow)) return false;
  nlohmann::json req = {{"op", "fetch"},         {"topic", topic_},           {"partitions", list},
                        {"max_wait_ms", follow ? 30000 : 0}, {"min_bytes", 1}, {"max_bytes", max_bytes_}};
  if (member != nullptr) {
    req["group"] = member->group;
    req["member_id"] = member->member_id;
    req["generation"] = member->generation;
  }
  auto id = client_->send(std::move(req));
  if (!id.ok()) return id.status();
  return true;
}

// Waits for the answer to the fetch in flight and reads it.
Fetcher::Step Fetcher::await(bool follow, const MemberIdentity* member, Response* r, int* exit_code) {
  // While the daemon holds the long poll, notice a reader that went away
  // (`ks consume t | head -3` on an idle topic) and end quietly.
  if (follow) {
    Status w = client_->wait_readable(STDOUT_FILENO);
    if (w.code() == Code::kNotFound) throw StdoutClosed{};
    if (w.code() == Code::kInterrupted) {
      *exit_code = signal_exit_code(*signal_);
      return Step::kExit;
    }
  }
  auto got = client_->receive();
  if (got.ok() && member != nullptr && got->header.contains("error") &&
      fetch_refused_by_group(got->header["error"]))
    return Step::kRebalance;
  if (got.ok()) {
    Status s = got->status();
    if (!s.ok()) got = s;
  }
  if (!got.ok()) {
    *exit_code = *signal_ ? signal_exit_code(*signal_) : report(got.status());
    return Step::kExit;
  }
  *r = std::move(*got);
  return Step::kRecords;
}

bool Fetcher::partition_error(const nlohmann::json& entry, PartState* st, int* exit_code) {
  std::string code = entry["error"].value("code", "");
  if (code == "out_of_range" && entry.contains("start")) {
    int64_t start = entry["start"].get<int64_t>();
    print_warning("partition " + std::to_string(st->partition.value()) + ": offset " +
                  std::to_string(st->next.value()) + " is gone (retention); continuing at " + std::to_string(start));
    st->next = std::max(st->next, Offset(start));
    Offset end(entry["end"].get<int64_t>());
    if (st->next > end) st->next = end;
    return true;
  }
  *exit_code = report(Response{nlohmann::json{{"error", entry["error"]}}, {}}.status());
  return false;
}

int Fetcher::corrupt(PartitionId partition, const PartState& st, const Status& s) {
  return report(Status::Corruption("partition " + std::to_string(partition.value()) + " near offset " +
                                   std::to_string(st.next.value()) + ": " + s.message()));
}

// Where each partition will be once `r` is consumed, from its batch
// headers alone; false when the response has an error (the next fetch
// then waits for the records to be handled).
bool Fetcher::ahead(const std::vector<PartState>& parts, const Response& r, std::vector<Offset>* next) {
  for (size_t i = 0; i < parts.size(); ++i) (*next)[i] = parts[i].next;
  size_t pos = 0;
  for (const auto& entry : r.header["partitions"]) {
    if (entry.contains("error")) return false;
    auto bytes = entry.value("bytes", uint64_t{0});
    std::string_view data(r.payload.data() + pos, std::min<size_t>(bytes, r.payload.size() - pos));
    pos += data.size();
    const int64_t at = slot(PartitionId(entry.value("partition", -1)));
    if (at < 0) continue;
    const auto i = static_cast<size_t>(at);
    batch::BatchCursor cursor(data);
    std::string_view b;
    while (cursor.next(&b)) {
      auto h = batch::read_header(b);
      if (!h.ok()) return false;
      (*next)[i] = std::max((*next)[i], Offset(std::min(h->next_offset(), parts[i].stop.value())));
    }
    if (!cursor.status().ok()) return false;
  }
  return true;
}

void Fetcher::index(const std::vector<PartState>& parts) {
  slot_.clear();
  for (size_t i = 0; i < parts.size(); ++i) {
    auto p = static_cast<size_t>(parts[i].partition.value());
    if (p >= slot_.size()) slot_.resize(p + 1, -1);
    slot_[p] = static_cast<int64_t>(i);
  }
}

}  // namespace ks::cli
