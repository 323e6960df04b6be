// Idempotent producers on the broker: producer ids (InitProducerId), each
// partition's producer state (producer_state.h) checked and updated around
// an append, and kept across restarts.
//
// Durability: the state is a function of the log's batch headers, so it
// needs no durability of its own. Snapshots "<offset>.producers" in the
// partition directory save rebuilding it from the whole log: one is written
// when a segment rolls (the state as of the new segment's base offset) and
// one, fsynced, at a clean close (as of the end). Opening loads the newest
// snapshot at or below the log's end and scans the batch headers after it;
// a snapshot past the end (the log lost its tail to a crash) or torn is
// ignored. This is Kafka's design (ProducerStateManager snapshots).
#include <algorithm>
#include <cstdlib>

#include "daemon/broker/broker.h"
#include "daemon/broker/logging.h"
#include "daemon/storage/file.h"
#include "daemon/storage/format.h"

namespace ks::server {
namespace {

constexpr const char* kSnapshotSuffix = ".producers";
constexpr size_t kSnapshotsKept = 2;
// Kafka's producer.id.expiration.ms default: one day.
constexpr int64_t kDefaultProducerIdExpirationMs = 86400000;

// The offsets of the partition directory's snapshots, ascending.
std::vector<int64_t> snapshot_offsets(const std::string& dir) {
  std::vector<int64_t> out;
  auto names = storage::list_dir(dir);
  if (!names.ok()) return out;
  for (const auto& n : *names) {
    int64_t base;
    std::string suffix;
    if (storage::parse_segment_file_name(n, &base, &suffix) && suffix == kSnapshotSuffix) out.push_back(base);
  }
  std::sort(out.begin(), out.end());
  return out;
}

std::string snapshot_path(const std::string& dir, int64_t offset) {
  return dir + "/" + storage::segment_name(offset) + kSnapshotSuffix;
}

}  // namespace

int64_t producer_id_expiration_ms() {
  // KS_PRODUCER_ID_EXPIRATION_MS: for tests, which cannot wait a day.
  static const int64_t ms = [] {
    const char* v = std::getenv("KS_PRODUCER_ID_EXPIRATION_MS");
    char* end = nullptr;
    long long n = v ? std::strtoll(v, &end, 10) : 0;
    return v && end && *end == '\0' && n > 0 ? static_cast<int64_t>(n) : kDefaultProducerIdExpirationMs;
  }();
  return ms;
}

Result<int64_t> Broker::new_producer_id() {
  // Durable before the answer: the handler answers once meta.db is synced,
  // so no id is handed out twice, even across a power cut.
  auto v = meta_->get_setting("next_producer_id");
  if (!v.ok()) return v.status();
  int64_t id = 0;
  if (*v) {
    char* end = nullptr;
    id = std::strtoll((*v)->c_str(), &end, 10);
    if (end == nullptr || *end != '\0' || id < 0)
      return Status::Corruption("meta.db: next_producer_id is '" + **v + "'");
  }
  KS_RETURN_IF_ERROR(meta_->put_setting("next_producer_id", std::to_string(id + 1)));
  return id;
}

void Broker::load_producers(Partition& p) {
  const std::string& dir = p.log->dir();
  const int64_t end = p.log->end_offset().value();
  std::vector<int64_t> offsets = snapshot_offsets(dir);
  int64_t from = p.log->start_offset().value();
  for (auto it = offsets.rbegin(); it != offsets.rend(); ++it) {
    if (*it > end) {
      (void)storage::remove_file(snapshot_path(dir, *it));  // of records a crash took back
      continue;
    }
    auto bytes = storage::read_file(snapshot_path(dir, *it));
    auto snap = bytes.ok() ? ProducerState::decode(*bytes) : Result<std::pair<ProducerState, int64_t>>(bytes.status());
    if (snap.ok() && snap->second == *it) {
      p.producers = std::move(snap->first);
      from = *it;
      p.snapshot_offset = *it;
      break;
    }
    log_warn("%s: ignoring producer state snapshot at %lld: %s", dir.c_str(), static_cast<long long>(*it),
             snap.ok() ? "offset mismatch" : snap.status().to_string().c_str());
  }
  Status s = p.log->for_each_header(Offset(from), [&](const batch::BatchHeader& h) { p.producers.record(h); });
  if (!s.ok()) log_warn("%s: rebuilding producer state: %s", dir.c_str(), s.to_string().c_str());
  p.producers.expire(clock_.now_ms(), producer_id_expiration_ms());
}

void Broker::save_producers(Partition& p, int64_t offset, bool durable) {
  const std::string& dir = p.log->dir();
  Status s = storage::write_file_atomic(snapshot_path(dir, offset), p.producers.encode(offset), durable);
  if (!s.ok()) {
    log_warn("%s: producer state snapshot: %s", dir.c_str(), s.to_string().c_str());
    return;
  }
  p.snapshot_offset = offset;
  std::vector<int64_t> offsets = snapshot_offsets(dir);
  for (size_t i = 0; i + kSnapshotsKept < offsets.size(); ++i) (void)storage::remove_file(snapshot_path(dir, offsets[i]));
}

Result<std::optional<storage::AppendResult>> Broker::check_producers(Partition& p, std::string_view records) {
  auto v = p.producers.check_all(records);
  if (!v.ok()) return v.status();
  if (!v->duplicate) return std::optional<storage::AppendResult>();
  storage::AppendResult r;
  r.base_offset = Offset(v->original.first_offset);
  r.last_offset = Offset(v->original.last_offset);
  return std::optional<storage::AppendResult>(r);
}

void Broker::record_producers(Partition& p, std::string_view records, const storage::AppendResult& r) {
  // The state before these batches is the state at the new segment's base.
  if (r.rolled) save_producers(p, r.base_offset.value(), /*durable=*/false);
  p.producers.record_all(records);
}

void Broker::expire_producers(Partition& p, int64_t now_ms) {
  p.producers.expire(now_ms, producer_id_expiration_ms());
  p.producers.drop_before(p.log->start_offset().value());
}

}  // namespace ks::server
