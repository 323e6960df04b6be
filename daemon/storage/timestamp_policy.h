// A topic's timestamp configs applied to one batch on its way into the log
// (Log::append): message.timestamp.type and the CreateTime limits
// message.timestamp.before.max.ms / after.max.ms.
#pragma once

#include <cstddef>
#include <cstdint>

#include "common/record_batch.h"
#include "common/status.h"
#include "daemon/storage/log.h"

namespace ks::storage {

// With CreateTime: kInvalidTimestamp when a record's timestamp lies
// further from `now_ms` than the limits allow (records without a
// timestamp, -1, are not checked, as in Kafka). With LogAppendTime: stamps
// the batch in place (timestamp type bit, max timestamp = now_ms, CRC).
// Returns the max timestamp the log indexes the batch by.
Result<int64_t> apply_timestamp_policy(char* batch, const batch::BatchInfo& info, const LogConfig& config,
                                       int64_t now_ms);

}  // namespace ks::storage
