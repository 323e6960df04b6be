#include "daemon/storage/timestamp_policy.h"

#include <string>

#include "common/coding.h"
#include "common/crc32c.h"

namespace ks::storage {

Result<int64_t> apply_timestamp_policy(char* batch, const batch::BatchInfo& info, const LogConfig& config,
                                       int64_t now_ms) {
  if (config.log_append_time) {
    uint16_t attributes = static_cast<uint16_t>(info.header.attributes | batch::kTimestampTypeBit);
    put_be16(batch + batch::kAttributesPos, attributes);
    put_be64(batch + batch::kMaxTimestampPos, static_cast<uint64_t>(now_ms));
    size_t size = info.header.size();
    put_be32(batch + batch::kCrcPos, crc32c::value(batch + batch::kCrcStart, size - batch::kCrcStart));
    return now_ms;
  }
  // Both records bound every record between them. Records without a
  // timestamp (-1) are left alone; the subtraction cannot overflow for
  // timestamps >= 0.
  auto refuse = [&](int64_t ts, const char* side, int64_t limit) {
    return Status::InvalidTimestamp("a record's timestamp " + std::to_string(ts) + " is more than " +
                                    std::to_string(limit) + " ms " + side + " the broker's time " +
                                    std::to_string(now_ms) + " (message.timestamp." +
                                    (side[0] == 'b' ? "before" : "after") + ".max.ms)");
  };
  if (info.min_timestamp >= 0 && now_ms - info.min_timestamp > config.timestamp_before_max_ms)
    return refuse(info.min_timestamp, "behind", config.timestamp_before_max_ms);
  if (info.max_timestamp >= 0 && info.max_timestamp - now_ms > config.timestamp_after_max_ms)
    return refuse(info.max_timestamp, "ahead of", config.timestamp_after_max_ms);
  return info.max_timestamp;
}

}  // namespace ks::storage
