#include "daemon/storage/index_check.h"

namespace ks::storage {

std::vector<std::string> seal_mismatches(const IndexSeal& seal, const LogFacts& log) {
  std::vector<std::string> out;
  auto say = [&](const std::string& what, const std::string& has, const std::string& want) {
    out.push_back("the seal's " + what + " is " + has + ", the log's is " + want);
  };
  if (seal.log_size != log.size) say("log size", std::to_string(seal.log_size), std::to_string(log.size));
  if (log.next_offset && seal.next_offset != *log.next_offset)
    say("next offset", std::to_string(seal.next_offset), std::to_string(*log.next_offset));
  else if (log.last_batch_crc && seal.last_batch_crc != *log.last_batch_crc)
    say("last batch CRC", std::to_string(seal.last_batch_crc), std::to_string(*log.last_batch_crc));
  if (log.max_timestamp && seal.max_timestamp != *log.max_timestamp)
    say("largest timestamp", std::to_string(seal.max_timestamp), std::to_string(*log.max_timestamp));
  return out;
}

std::optional<TimeIndexFault> check_time_index_end(const TimeIndex& index, int64_t base,
                                                   int64_t next_offset, int64_t max_timestamp) {
  const auto& te = index.entries();
  if (!te.empty() && base + te.back().rel_offset >= next_offset) {
    return TimeIndexFault{te.size() - 1, "last entry (offset " + std::to_string(base + te.back().rel_offset) +
                                             ") points beyond the end of the log (its last offset is " +
                                             (next_offset > base ? std::to_string(next_offset - 1)
                                                                 : std::string("none: it holds no batch")) +
                                             ")"};
  }
  if (next_offset > base && (te.empty() || te.back().timestamp != max_timestamp)) {
    return TimeIndexFault{te.empty() ? 0 : te.size() - 1,
                          "the largest timestamp is " +
                              (te.empty() ? std::string("missing") : std::to_string(te.back().timestamp)) +
                              " but the log's largest record timestamp is " + std::to_string(max_timestamp)};
  }
  return std::nullopt;
}

}  // namespace ks::storage
