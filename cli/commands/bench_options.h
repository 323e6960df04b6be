// The options of `ks bench` and the rules between them that CLI11 cannot
// check: set_bench_command (bench.cc) fills a BenchOptions per mode, the
// workloads (bench_produce, bench_consume, bench_e2e) only read it.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

#include "common/status.h"

namespace ks::cli::bench {

enum class Mode { kProduce, kConsume, kE2e };

struct BenchOptions {
  Mode mode = Mode::kProduce;
  std::string topic;     // empty: a fresh bench-<pid>-<time> topic
  int64_t records = -1;  // -1: the mode's default
  int64_t record_size = 100;
  int64_t rate = 0;  // records/s; 0 = unlimited
  std::string acks = "1";
  int64_t batch_bytes = 256 << 10;
  int64_t linger_ms = 5;
  int32_t partitions = 1;
  std::string compression = "none";
  int in_flight = 16;
  int64_t fetch_bytes = 1 << 20;
  int64_t warmup = 1000;
  bool keep = false;
  std::string output = "text";
};

inline constexpr int64_t kDefaultRecords = 1000000;
inline constexpr int64_t kDefaultE2eRecords = 20000;

// "produce", "consume" or "e2e": the mode in the report.
const char* mode_name(Mode m);

// --acks as the wire's number: "all" and "-1" are -1, "0" is 0, else 1.
int parse_acks(const std::string& acks);

// --acks as the report shows it: "-1" reads "all".
std::string acks_name(const std::string& acks);

// What CLI11's validators cannot check before connecting: a TOPIC that is a
// valid topic name and a codec this build has.
Status validate(const BenchOptions& o);

// How many records the run writes or reads: --records, else the mode's
// default; -1 (consume of a named TOPIC) means all the topic has.
// `fresh`: the run made its own topic.
int64_t records_wanted(const BenchOptions& o, bool fresh);

// Largest encoded size of one generated record (with produce's margin for
// the varints of later records).
size_t generated_record_size(int64_t record_size);

// InvalidArgument when one generated record of `record_size` bytes cannot
// fit in a batch under `max_message` (the topic's max.message.bytes).
Status check_record_fits(int64_t record_size, int64_t max_message);

}  // namespace ks::cli::bench
