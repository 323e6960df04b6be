#include "daemon/broker/config_catalog.h"

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <charconv>
#include <cstdlib>

namespace ks::server {
namespace {

using T = ConfigType;
using E = Effect;

constexpr int64_t kIntMin = INT32_MIN;
constexpr int64_t kIntMax = INT32_MAX;

Status invalid(const ConfigDef& d, std::string_view value, const std::string& why) {
  return Status::InvalidArgument("Invalid value " + std::string(value) + " for configuration " +
                                 std::string(d.name) + ": " + why);
}

// gzip: Deflater's levels 1..9, or -1 for zlib's default.
Status check_gzip_level(const ConfigDef& d, std::string_view value) {
  int64_t v = 0;
  parse_long(value, &v);
  if (v == -1 || (v >= 1 && v <= 9)) return Status::OK();
  return invalid(d, value, "Value must be between 1 and 9, or -1 (the default level)");
}

// "*" (every replica) or partition:broker pairs, as Kafka's
// ThrottledReplicaListValidator accepts.
Status check_throttled(const ConfigDef& d, std::string_view value) {
  auto items = split_list(value);
  if (items.size() == 1 && items[0] == "*") return Status::OK();
  for (const auto& item : items) {
    size_t colon = item.find(':');
    auto digits = [](std::string_view s) {
      return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
    };
    if (colon == std::string::npos || !digits(std::string_view(item).substr(0, colon)) ||
        !digits(std::string_view(item).substr(colon + 1)))
      return invalid(d, value,
                     std::string(d.name) + " must be the literal '*' or a list of replicas in the form "
                     "[partitionId]:[brokerId],[partitionId]:[brokerId],...");
  }
  return Status::OK();
}

Status check_ratio(const ConfigDef& d, std::string_view value) {
  std::string s(trim(value));
  char* end = nullptr;
  errno = 0;
  double v = std::strtod(s.c_str(), &end);
  if (s.empty() || end != s.c_str() + s.size() || errno == ERANGE)
    return invalid(d, value, "Not a number of type DOUBLE");
  if (!(v >= 0.0 && v <= 1.0)) return invalid(d, value, "Value must be no more than 1");
  return Status::OK();
}

constexpr std::string_view kMax = "9223372036854775807";

// Kafka 4.4's topic configs (LogConfig), sorted by name. Defaults are
// Kafka's: ks's own (common/topic_defaults.h) are the same numbers.
// Documentation is ks's, in a sentence.
const ConfigDef kCatalog[] = {
    {"cleanup.policy", T::kList, "delete", "log.cleanup.policy", E::kPartly, 0, 0, "compact,delete",
     "What happens to old segments: delete removes them by retention.ms and retention.bytes; "
     "compact alone keeps every record (ks does not compact yet, which Kafka allows: a compacted "
     "topic's head is never compacted either)."},
    {"compression.gzip.level", T::kInt, "-1", "compression.gzip.level", E::kStored, kIntMin, kIntMax, "",
     "The gzip level the broker would recompress with; ks keeps the producer's batches.", check_gzip_level},
    {"compression.lz4.level", T::kInt, "9", "compression.lz4.level", E::kStored, 1, 17, "",
     "The lz4 level the broker would recompress with; ks keeps the producer's batches."},
    {"compression.type", T::kString, "producer", "compression.type", E::kPartly, 0, 0,
     "uncompressed,zstd,lz4,snappy,gzip,producer",
     "The codec batches are stored with; producer keeps each batch as the producer compressed it "
     "(the only value ks supports)."},
    {"compression.zstd.level", T::kInt, "3", "compression.zstd.level", E::kStored, -131072, 22, "",
     "The zstd level the broker would recompress with; ks keeps the producer's batches."},
    {"delete.retention.ms", T::kLong, "86400000", "log.cleaner.delete.retention.ms", E::kStored, 0, INT64_MAX,
     "", "How long tombstones stay in a compacted topic (no effect until compaction exists)."},
    {"errors.deadletterqueue.group.enable", T::kBoolean, "false", "errors.deadletterqueue.group.enable", E::kStored, 0, 0,
     "", "Whether share groups may send undeliverable records to a dead-letter topic; ks has no share groups."},
    {"file.delete.delay.ms", T::kLong, "60000", "log.segment.delete.delay.ms", E::kStored, 0, INT64_MAX, "",
     "How long a deleted segment's file would linger; ks removes it at once."},
    {"flush.messages", T::kLong, kMax, "log.flush.interval.messages", E::kApplied, 1, INT64_MAX, "",
     "Fsync the partition once this many records wait unsynced."},
    {"flush.ms", T::kLong, kMax, "log.flush.interval.ms", E::kApplied, 0, INT64_MAX, "",
     "Fsync the partition this long after the last fsync when records wait."},
    {"follower.replication.throttled.replicas", T::kList, "", "", E::kStored, 0, 0, "",
     "Replicas whose follower fetches are throttled (ks has no followers).", check_throttled},
    {"index.interval.bytes", T::kInt, "4096", "log.index.interval.bytes", E::kApplied, 0, kIntMax, "",
     "Bytes of records between two entries of the sparse offset index."},
    {"leader.replication.throttled.replicas", T::kList, "", "", E::kStored, 0, 0, "",
     "Replicas whose leader side is throttled (ks has no followers).", check_throttled},
    {"local.retention.bytes", T::kLong, "-2", "log.local.retention.bytes", E::kStored, -2, INT64_MAX, "",
     "Local size limit with tiered storage (-2: retention.bytes); ks has no tiered storage."},
    {"local.retention.ms", T::kLong, "-2", "log.local.retention.ms", E::kStored, -2, INT64_MAX, "",
     "Local time limit with tiered storage (-2: retention.ms); ks has no tiered storage."},
    {"max.compaction.lag.ms", T::kLong, kMax, "log.cleaner.max.compaction.lag.ms", E::kStored, 1, INT64_MAX,
     "", "Longest a record stays uncompacted (no effect until compaction exists)."},
    {"max.decompressed.message.bytes", T::kInt, "2147483639", "", E::kStored, 0, kIntMax, "",
     "The most a compressed batch may decompress to; ks checks batches against its own 64 MiB bound."},
    {"max.message.bytes", T::kInt, "1048588", "message.max.bytes", E::kApplied, 0, kIntMax, "",
     "The largest record batch the topic accepts."},
    {"message.timestamp.after.max.ms", T::kLong, "3600000", "log.message.timestamp.after.max.ms", E::kApplied,
     0, INT64_MAX, "",
     "With CreateTime, a record timestamp more than this far ahead of the broker's clock is refused."},
    {"message.timestamp.before.max.ms", T::kLong, kMax, "log.message.timestamp.before.max.ms", E::kApplied,
     0, INT64_MAX, "",
     "With CreateTime, a record timestamp more than this far behind the broker's clock is refused."},
    {"message.timestamp.difference.max.ms", T::kLong, kMax, "log.message.timestamp.difference.max.ms",
     E::kApplied, 0, INT64_MAX, "",
     "Kafka 3's limit on both sides; used for a side whose before/after limit the topic does not set.",
     nullptr, true},
    {"message.timestamp.type", T::kString, "CreateTime", "log.message.timestamp.type", E::kApplied, 0, 0,
     "CreateTime,LogAppendTime",
     "CreateTime keeps the producer's timestamps; LogAppendTime stamps each batch with the broker's clock."},
    {"min.cleanable.dirty.ratio", T::kDouble, "0.5", "log.cleaner.min.cleanable.ratio", E::kStored, 0, 0, "",
     "Share of a log left uncompacted before compaction runs (no effect until compaction exists).",
     check_ratio},
    {"min.compaction.lag.ms", T::kLong, "0", "log.cleaner.min.compaction.lag.ms", E::kStored, 0, INT64_MAX,
     "", "Shortest a record stays uncompacted (no effect until compaction exists)."},
    {"min.insync.replicas", T::kInt, "1", "min.insync.replicas", E::kStored, 1, kIntMax, "",
     "Replicas that must hold an acks=all write; ks has one, durable on disk."},
    {"preallocate", T::kBoolean, "false", "log.preallocate", E::kStored, 0, 0, "",
     "Whether segment files would be preallocated; ks grows them as it writes."},
    {"remote.copy.lag.bytes", T::kLong, "-1", "", E::kStored, -1, INT64_MAX, "",
     "Tiered storage copy lag by size; ks has no tiered storage."},
    {"remote.copy.lag.ms", T::kLong, "0", "", E::kStored, -1, INT64_MAX, "",
     "Tiered storage copy lag by time; ks has no tiered storage."},
    {"remote.log.copy.disable", T::kBoolean, "false", "", E::kStored, 0, 0, "",
     "Stops copying to tiered storage; ks has no tiered storage."},
    {"remote.log.delete.on.disable", T::kBoolean, "false", "", E::kStored, 0, 0, "",
     "Deletes tiered data when tiered storage is turned off; ks has none."},
    {"remote.storage.enable", T::kBoolean, "false", "", E::kPartly, 0, 0, "",
     "Tiered storage; only false is possible in ks."},
    {"retention.bytes", T::kLong, "-1", "log.retention.bytes", E::kApplied, INT64_MIN, INT64_MAX, "",
     "A partition's size limit: the oldest closed segments are deleted past it; negative: no limit."},
    {"retention.ms", T::kLong, "604800000", "log.retention.ms", E::kApplied, -1, INT64_MAX, "",
     "How long records are kept, by a closed segment's newest timestamp; -1: forever."},
    {"segment.bytes", T::kInt, "1073741824", "log.segment.bytes", E::kApplied, 1024, kIntMax, "",
     "A segment rolls before it would pass this size (ks accepts from 1 KiB, Kafka from 1 MiB)."},
    {"segment.index.bytes", T::kInt, "10485760", "log.index.size.max.bytes", E::kStored, 4, kIntMax, "",
     "The largest offset index of a segment; ks's sparse index sizes itself."},
    {"segment.jitter.ms", T::kLong, "0", "log.roll.jitter.ms", E::kStored, 0, INT64_MAX, "",
     "Random time taken off segment.ms; ks rolls at segment.ms exactly."},
    {"segment.ms", T::kLong, "604800000", "log.roll.ms", E::kApplied, 1, INT64_MAX, "",
     "A segment rolls this long after its first record."},
    {"unclean.leader.election.enable", T::kBoolean, "false", "unclean.leader.election.enable", E::kStored, 0,
     0, "", "Whether an out-of-sync replica may lead; ks is the only replica."},
};

bool in_valid(std::string_view valid, std::string_view v) {
  for (const auto& ok : split_list(valid))
    if (ok == v) return true;
  return false;
}

}  // namespace

std::span<const ConfigDef> topic_config_catalog() { return kCatalog; }

const ConfigDef* find_topic_config(std::string_view name) {
  for (const ConfigDef& d : kCatalog)
    if (d.name == name) return &d;
  return nullptr;
}

std::string_view trim(std::string_view s) {
  auto space = [](char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v'; };
  while (!s.empty() && space(s.front())) s.remove_prefix(1);
  while (!s.empty() && space(s.back())) s.remove_suffix(1);
  return s;
}

bool parse_long(std::string_view s, int64_t* v) {
  s = trim(s);
  if (!s.empty() && s.front() == '+') s.remove_prefix(1);
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), *v);
  return !s.empty() && ec == std::errc() && p == s.data() + s.size();
}

bool parse_bool(std::string_view s, bool* v) {
  std::string t(trim(s));
  std::transform(t.begin(), t.end(), t.begin(), [](unsigned char c) { return std::tolower(c); });
  if (t != "true" && t != "false") return false;
  *v = t == "true";
  return true;
}

std::vector<std::string> split_list(std::string_view s) {
  std::vector<std::string> out;
  if (trim(s).empty()) return out;
  size_t start = 0;
  while (true) {
    size_t comma = s.find(',', start);
    out.emplace_back(trim(s.substr(start, comma == std::string_view::npos ? comma : comma - start)));
    if (comma == std::string_view::npos) return out;
    start = comma + 1;
  }
}

Status check_value(const ConfigDef& d, std::string_view value) {
  switch (d.type) {
    case T::kInt:
    case T::kShort:
    case T::kLong: {
      int64_t v = 0;
      bool is_long = d.type == T::kLong;
      if (!parse_long(value, &v) || (!is_long && (v < kIntMin || v > kIntMax)))
        return invalid(d, value, std::string("Not a number of type ") + (is_long ? "LONG" : "INT"));
      if (d.check) break;
      if (v < d.min) return invalid(d, value, "Value must be at least " + std::to_string(d.min));
      if (v > d.max) return invalid(d, value, "Value must be no more than " + std::to_string(d.max));
      break;
    }
    case T::kBoolean: {
      bool b;
      if (!parse_bool(value, &b)) return invalid(d, value, "Expected value to be either true or false");
      break;
    }
    case T::kString:
      if (!d.valid.empty() && !in_valid(d.valid, trim(value)))
        return invalid(d, value, "String must be one of: " + std::string(d.valid));
      break;
    case T::kList:
      if (!d.valid.empty())
        for (const auto& item : split_list(value))
          if (!in_valid(d.valid, item))
            return invalid(d, value, "String must be one of: " + std::string(d.valid));
      break;
    default:
      break;
  }
  return d.check ? d.check(d, value) : Status::OK();
}

Status check_supported(const ConfigDef& d, std::string_view value) {
  if (d.name == "cleanup.policy") {
    auto items = split_list(value);
    if (items.empty())
      return Status::InvalidArgument("an empty cleanup.policy is not supported; use delete "
                                     "(with retention.ms=-1 and retention.bytes=-1 to keep everything)");
  } else if (d.name == "compression.type") {
    if (trim(value) != "producer")
      return Status::InvalidArgument(
          "compression.type=" + std::string(value) +
          " is not supported: ks does not recompress batches; use producer (batches are stored as the "
          "producer compressed them) and choose the codec in the producer");
  } else if (d.name == "remote.storage.enable") {
    bool on = false;
    parse_bool(value, &on);
    if (on) return Status::InvalidArgument("remote.storage.enable=true is not supported: ks has no tiered storage");
  }
  return Status::OK();
}

}  // namespace ks::server
