#include "cli/commands/bench_options.h"

#include <optional>
#include <string_view>

#include "common/compression.h"
#include "common/record_batch.h"
#include "common/types.h"

namespace ks::cli::bench {

const char* mode_name(Mode m) {
  switch (m) {
    case Mode::kProduce: return "produce";
    case Mode::kConsume: return "consume";
    case Mode::kE2e: return "e2e";
  }
  return "?";
}

int parse_acks(const std::string& acks) { return acks == "all" || acks == "-1" ? -1 : acks == "0" ? 0 : 1; }

std::string acks_name(const std::string& acks) { return acks == "-1" ? std::string("all") : acks; }

Status validate(const BenchOptions& o) {
  if (!o.topic.empty()) {
    auto name = TopicName::Parse(o.topic);
    if (!name.ok()) return name.status();
  }
  if (!parse_compression(o.compression))
    return Status::InvalidArgument("unknown --compression '" + o.compression +
                                   "': expected none, gzip, snappy, lz4 or zstd");
  return Status::OK();
}

int64_t records_wanted(const BenchOptions& o, bool fresh) {
  int64_t wanted = o.records;
  if (wanted < 0 && o.mode == Mode::kE2e) wanted = kDefaultE2eRecords;
  if (wanted < 0 && (o.mode == Mode::kProduce || fresh)) wanted = kDefaultRecords;
  return wanted;
}

size_t generated_record_size(int64_t record_size) {
  std::string value(static_cast<size_t>(record_size), 'x');
  return batch::BatchBuilder::record_size(std::nullopt, value, {}, 0, 0) + 10;
}

Status check_record_fits(int64_t record_size, int64_t max_message) {
  if (static_cast<int64_t>(batch::kHeaderSize + generated_record_size(record_size)) <= max_message)
    return Status::OK();
  return Status::InvalidArgument("--record-size " + std::to_string(record_size) +
                                 " does not fit in a batch under the topic's max.message.bytes (" +
                                 std::to_string(max_message) + ")");
}

}  // namespace ks::cli::bench
