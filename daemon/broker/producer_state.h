// One partition's idempotent-producer state, with Apache Kafka's rules
// (ProducerStateManager / ProducerAppendInfo): per producer id, its epoch
// and the metadata of its last 5 batches, so that a retried batch is found
// and answered with the offsets it was first given, and a gap or an old
// epoch is refused.
//
// The state is a function of the log's batch headers (producer id, epoch,
// base sequence, last offset delta, offsets, max timestamp): it can always
// be rebuilt by record()ing them in order. Snapshots (encode/decode) only
// save that scan: one taken at offset N equals the state after record()ing
// every batch below N.
//
// Not thread-safe: the partition's owner (the broker's loop thread) calls
// everything, check and record of one append without anything between.
#pragma once

#include <cstdint>
#include <deque>
#include <map>
#include <optional>
#include <string>
#include <string_view>

#include "common/record_batch.h"
#include "common/status.h"

namespace ks::server {

// What Kafka keeps of each of a producer's last batches.
struct ProducerBatch {
  int32_t first_seq = 0;
  int32_t last_seq = 0;
  int64_t first_offset = 0;
  int64_t last_offset = 0;
  int64_t timestamp = 0;  // the batch's max timestamp
};

struct ProducerEntry {
  int16_t epoch = -1;
  std::deque<ProducerBatch> batches;  // oldest first, at most kMaxCachedBatches
  int64_t last_timestamp = 0;         // of the newest batch; expiry counts from it
};

// Kafka's ProducerStateEntry.NUM_BATCHES_TO_RETAIN: a producer has at most
// 5 requests in flight per partition (max.in.flight.requests.per.connection).
inline constexpr size_t kMaxCachedBatches = 5;

// The last sequence of a batch: base + lastOffsetDelta, wrapping past
// INT32_MAX to 0 as Kafka's producer does.
int32_t last_sequence(int32_t base_sequence, int32_t last_offset_delta);
// Whether `next` may follow `last` (-1: no batch yet, so only 0 may).
bool in_sequence(int32_t last, int32_t next);

class ProducerState {
 public:
  // An idempotent batch's fate when checked (before append).
  struct Verdict {
    bool duplicate = false;
    ProducerBatch original;  // duplicate: what the first copy was given
  };

  // Checks one batch header (producer id >= 0) against the state:
  // a duplicate of a cached batch of the same epoch; else
  // kInvalidProducerEpoch for an epoch older than the producer's;
  // kOutOfOrderSequence for a new epoch not starting at 0, or a base
  // sequence that does not follow the last one. A producer id the
  // partition does not know (never seen, expired, or removed with its
  // records) may start at any sequence, as Kafka accepts since KIP-360.
  // kInvalidArgument for a batch with a producer id but no sequence.
  Result<Verdict> check(const batch::BatchHeader& h) const;

  // Checks every batch of a request in order, each against the state as
  // the earlier ones would leave it. A duplicate anywhere answers for the
  // whole request (nothing is appended), as Kafka does.
  Result<Verdict> check_all(std::string_view records) const;

  // Takes in a batch the log holds (offsets stamped); batches without a
  // producer id are ignored.
  void record(const batch::BatchHeader& h);
  // record() for each batch of an appended request.
  void record_all(std::string_view records);

  // Forgets producers whose newest batch is at least `expiration_ms` older
  // than `now_ms` (Kafka's producer.id.expiration.ms); returns how many.
  size_t expire(int64_t now_ms, int64_t expiration_ms);
  // Forgets producers whose every batch is below `start` (deleted by
  // retention), as Kafka does when the log start moves.
  size_t drop_before(int64_t start);

  size_t size() const { return producers_.size(); }
  const ProducerEntry* find(int64_t producer_id) const;

  // The snapshot format, big-endian: "KSPS", version u16 (1), offset i64,
  // count u32, then per producer: id i64, epoch i16, last_timestamp i64,
  // batches u8, per batch first_seq i32, last_seq i32, first_offset i64,
  // last_offset i64, timestamp i64; last a CRC-32C u32 of everything before.
  std::string encode(int64_t offset) const;
  // The state and the offset it was taken at; kCorruption when the bytes
  // are not a whole snapshot (a torn write).
  static Result<std::pair<ProducerState, int64_t>> decode(std::string_view bytes);

 private:
  std::map<int64_t, ProducerEntry> producers_;
};

}  // namespace ks::server
