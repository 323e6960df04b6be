// produce_many {topic, acks, auto_create?, batches: [[partition, bytes], ...]}
// + payload: the first entry's `bytes` of record batches, then the next
// entry's, and so on. One request carries batches for many partitions, as
// Kafka's Produce does; `ks produce` sends it when the linger runs out for
// several partitions at once (keyed records over many partitions would
// otherwise cost a request, an answer and a frame each for a handful of
// records).
//
// The answer comes once every entry is appended (acks 1) or fsynced (acks
// all): {offsets: [[base, last], ...]} in request order, [-1, -1] for an
// entry that failed, and errors: [{index, partition, code, message}] for
// those. An entry fails alone: the others are appended all the same, as
// Kafka's Produce answers per partition. A request that does not add up
// (bytes past the payload, a bad partition number) is refused whole,
// before anything is appended.
#include <memory>
#include <vector>

#include "daemon/broker/logging.h"
#include "daemon/native/fields.h"
#include "daemon/native/ops.h"

namespace ks::native {
namespace {

struct Entry {
  int32_t partition;
  size_t offset;  // into the payload
  size_t size;
};

// The entries, checked against the payload: every byte belongs to one.
std::vector<Entry> entries_of(const json& batches, size_t payload_size) {
  if (!batches.is_array() || batches.empty()) throw BadField("batches must be a non-empty array of [partition, bytes]");
  std::vector<Entry> out;
  out.reserve(batches.size());
  size_t at = 0;
  for (const json& b : batches) {
    if (!b.is_array() || b.size() != 2) throw BadField("each of batches must be [partition, bytes]");
    Entry e{int_value<int32_t>(b[0], "partition", 0, kMaxInt32), at,
            int_value<uint64_t>(b[1], "bytes", 1, payload_size)};
    if (e.size > payload_size - at)
      throw BadField("batches name " + std::to_string(at + e.size) + "+ bytes; the payload has " +
                     std::to_string(payload_size));
    at += e.size;
    out.push_back(e);
  }
  if (at != payload_size)
    throw BadField("batches name " + std::to_string(at) + " bytes; the payload has " + std::to_string(payload_size));
  return out;
}

// The answer, filled in as the entries' appends complete.
struct Pending {
  uint64_t id;
  bool silent;
  std::string topic;
  std::function<void(std::string)> answer;
  json offsets = json::array();
  json errors = json::array();
  size_t left = 0;

  void done(size_t index, int32_t partition, const Result<storage::AppendResult>& r) {
    if (r.ok()) {
      offsets[index] = json::array({r->base_offset.value(), r->last_offset.value()});
    } else {
      if (silent)
        server::log_warn("acks=0 produce to %s-%d failed: %s", topic.c_str(), partition,
                         r.status().to_string().c_str());
      json e = error_json(r.status());
      e["index"] = index;
      e["partition"] = partition;
      errors.push_back(std::move(e));
    }
    if (--left == 0) {
      json body{{"id", id}, {"offsets", std::move(offsets)}};
      if (!errors.empty()) body["errors"] = std::move(errors);
      answer(frame_of(body));
    }
  }
};

}  // namespace

void op_produce_many(Session& s) {
  const json& req = s.request();
  const std::string topic = str_at(req, "topic");
  int acks = int_field<int32_t>(req, "acks", 1, -1, 1);
  bool auto_create = req.value("auto_create", true);
  std::vector<Entry> entries = entries_of(req.at("batches"), s.payload_size());
  if (acks == 0) s.silent();
  auto name = TopicName::Parse(topic);
  if (!name.ok()) return s.reply(name.status());

  auto pending = std::make_shared<Pending>();
  pending->id = s.id();
  pending->silent = acks == 0;
  pending->topic = topic;
  pending->answer = s.answer_later();
  pending->offsets = json::array();
  for (size_t i = 0; i < entries.size(); ++i) pending->offsets.push_back(json::array({-1, -1}));
  pending->left = entries.size();
  // Readers parked on these partitions are woken once every entry is in
  // and the answer is queued (Broker::produce says why, with figures).
  server::Broker::HeldWakes held(s.broker());
  for (size_t i = 0; i < entries.size(); ++i) {
    const Entry& e = entries[i];
    s.broker().produce(*name, PartitionId(e.partition), static_cast<server::Acks>(acks), auto_create,
                       s.payload() + e.offset, e.size,
                       [pending, i, p = e.partition](Result<storage::AppendResult> r) { pending->done(i, p, r); });
  }
}

}  // namespace ks::native
