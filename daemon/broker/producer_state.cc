#include "daemon/broker/producer_state.h"

#include "common/coding.h"
#include "common/crc32c.h"

namespace ks::server {

int32_t last_sequence(int32_t base_sequence, int32_t last_offset_delta) {
  if (base_sequence > INT32_MAX - last_offset_delta) return last_offset_delta - (INT32_MAX - base_sequence) - 1;
  return base_sequence + last_offset_delta;
}

bool in_sequence(int32_t last, int32_t next) {
  return static_cast<int64_t>(next) == static_cast<int64_t>(last) + 1 || (next == 0 && last == INT32_MAX);
}

const ProducerEntry* ProducerState::find(int64_t producer_id) const {
  auto it = producers_.find(producer_id);
  return it == producers_.end() ? nullptr : &it->second;
}

Result<ProducerState::Verdict> ProducerState::check(const batch::BatchHeader& h) const {
  const std::string who = "producer " + std::to_string(h.producer_id);
  if (h.base_sequence < 0 || h.producer_epoch < 0)
    return Status::InvalidArgument(who + ": an idempotent batch needs a sequence number and an epoch (got " +
                                   std::to_string(h.base_sequence) + ", epoch " +
                                   std::to_string(h.producer_epoch) + ")");
  const int32_t first = h.base_sequence;
  const int32_t last = last_sequence(first, h.last_offset_delta);
  const ProducerEntry* e = find(h.producer_id);
  if (e == nullptr) return Verdict{};
  if (h.producer_epoch == e->epoch) {
    for (const ProducerBatch& b : e->batches)
      if (b.first_seq == first && b.last_seq == last) return Verdict{true, b};
  }
  if (h.producer_epoch < e->epoch)
    return Status::InvalidProducerEpoch(who + ": epoch " + std::to_string(h.producer_epoch) +
                                        " is older than the current epoch " + std::to_string(e->epoch));
  if (h.producer_epoch != e->epoch) {
    if (first != 0)
      return Status::OutOfOrderSequence(who + ": a new epoch " + std::to_string(h.producer_epoch) +
                                        " must start at sequence 0, not " + std::to_string(first));
    return Verdict{};
  }
  const int32_t current = e->batches.empty() ? -1 : e->batches.back().last_seq;
  if (!in_sequence(current, first))
    return Status::OutOfOrderSequence(who + ": sequence " + std::to_string(first) + " does not follow " +
                                      std::to_string(current));
  return Verdict{};
}

Result<ProducerState::Verdict> ProducerState::check_all(std::string_view records) const {
  ProducerState staged;  // the entries earlier batches of this request changed
  batch::BatchCursor cursor(records);
  std::string_view b;
  while (cursor.next(&b)) {
    auto h = batch::read_header(b);
    if (!h.ok() || h->producer_id < 0) continue;  // the append refuses a bad header itself
    const ProducerState& view = staged.find(h->producer_id) ? staged : *this;
    auto v = view.check(*h);
    if (!v.ok() || v->duplicate) return v;
    if (!staged.find(h->producer_id)) {
      if (const ProducerEntry* e = find(h->producer_id)) staged.producers_[h->producer_id] = *e;
    }
    staged.record(*h);
  }
  return Verdict{};
}

void ProducerState::record(const batch::BatchHeader& h) {
  if (h.producer_id < 0) return;
  ProducerEntry& e = producers_[h.producer_id];
  if (h.producer_epoch != e.epoch) {
    e.epoch = h.producer_epoch;
    e.batches.clear();
  }
  e.batches.push_back(ProducerBatch{h.base_sequence, last_sequence(h.base_sequence, h.last_offset_delta),
                                    h.base_offset, h.last_offset(), h.max_timestamp});
  if (e.batches.size() > kMaxCachedBatches) e.batches.pop_front();
  e.last_timestamp = h.max_timestamp;
}

void ProducerState::record_all(std::string_view records) {
  batch::BatchCursor cursor(records);
  std::string_view b;
  while (cursor.next(&b)) {
    auto h = batch::read_header(b);
    if (h.ok()) record(*h);
  }
}

size_t ProducerState::expire(int64_t now_ms, int64_t expiration_ms) {
  return std::erase_if(producers_, [&](const auto& kv) { return now_ms - kv.second.last_timestamp >= expiration_ms; });
}

size_t ProducerState::drop_before(int64_t start) {
  return std::erase_if(producers_, [&](const auto& kv) {
    return kv.second.batches.empty() || kv.second.batches.back().last_offset < start;
  });
}

namespace {

constexpr char kMagic[4] = {'K', 'S', 'P', 'S'};
constexpr uint16_t kVersion = 1;
constexpr size_t kFixed = 4 + 2 + 8 + 4;  // magic, version, offset, count
constexpr size_t kEntryFixed = 8 + 2 + 8 + 1;
constexpr size_t kBatchSize = 4 + 4 + 8 + 8 + 8;


}  // namespace

std::string ProducerState::encode(int64_t offset) const {
  std::string out(kMagic, 4);
  append_be16(&out, kVersion);
  append_be64(&out, static_cast<uint64_t>(offset));
  append_be32(&out, static_cast<uint32_t>(producers_.size()));
  for (const auto& [id, e] : producers_) {
    append_be64(&out, static_cast<uint64_t>(id));
    append_be16(&out, static_cast<uint16_t>(e.epoch));
    append_be64(&out, static_cast<uint64_t>(e.last_timestamp));
    out.push_back(static_cast<char>(e.batches.size()));
    for (const ProducerBatch& b : e.batches) {
      append_be32(&out, static_cast<uint32_t>(b.first_seq));
      append_be32(&out, static_cast<uint32_t>(b.last_seq));
      append_be64(&out, static_cast<uint64_t>(b.first_offset));
      append_be64(&out, static_cast<uint64_t>(b.last_offset));
      append_be64(&out, static_cast<uint64_t>(b.timestamp));
    }
  }
  append_be32(&out, crc32c::value(out.data(), out.size()));
  return out;
}

Result<std::pair<ProducerState, int64_t>> ProducerState::decode(std::string_view bytes) {
  auto bad = [](const std::string& why) { return Status::Corruption("producer state snapshot: " + why); };
  if (bytes.size() < kFixed + 4 || bytes.substr(0, 4) != std::string_view(kMagic, 4)) return bad("no header");
  const size_t body = bytes.size() - 4;
  if (get_be32(bytes.data() + body) != crc32c::value(bytes.data(), body)) return bad("bad checksum");
  const char* p = bytes.data() + 4;
  if (get_be16(p) != kVersion) return bad("unknown version " + std::to_string(get_be16(p)));
  const int64_t offset = static_cast<int64_t>(get_be64(p + 2));
  const uint32_t count = get_be32(p + 10);
  size_t pos = kFixed;
  ProducerState state;
  for (uint32_t i = 0; i < count; ++i) {
    if (pos + kEntryFixed > body) return bad("ends inside an entry");
    const char* q = bytes.data() + pos;
    ProducerEntry e;
    const int64_t id = static_cast<int64_t>(get_be64(q));
    e.epoch = static_cast<int16_t>(get_be16(q + 8));
    e.last_timestamp = static_cast<int64_t>(get_be64(q + 10));
    const size_t n = static_cast<unsigned char>(q[18]);
    pos += kEntryFixed;
    if (n > kMaxCachedBatches || pos + n * kBatchSize > body) return bad("bad batch count");
    for (size_t j = 0; j < n; ++j, pos += kBatchSize) {
      const char* r = bytes.data() + pos;
      e.batches.push_back(ProducerBatch{static_cast<int32_t>(get_be32(r)), static_cast<int32_t>(get_be32(r + 4)),
                                        static_cast<int64_t>(get_be64(r + 8)), static_cast<int64_t>(get_be64(r + 16)),
                                        static_cast<int64_t>(get_be64(r + 24))});
    }
    state.producers_[id] = std::move(e);
  }
  if (pos != body) return bad("trailing bytes");
  return std::make_pair(std::move(state), offset);
}

}  // namespace ks::server
