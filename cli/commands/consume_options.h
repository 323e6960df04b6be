// `ks consume` / `ks tail`: the options as parsed, and what they turn
// into before any record is read: the Printer (how records are written)
// and Until (where --until or -e stops each partition).
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "cli/client.h"
#include "cli/input/envelope.h"
#include "cli/input/format.h"
#include "common/record_batch.h"
#include "common/status.h"
#include "common/types.h"

namespace ks::cli {

struct ConsumeOptions {
  std::string topic;
  std::string from = "beginning";
  bool exit_at_end = false;
  std::vector<int32_t> partitions;
  int64_t count = -1;
  std::string format;
  bool json = false;
  std::string delimiter = "\\n";
  int64_t max_bytes = 4 << 20;
  // tail
  int64_t tail = -1;  // > 0: print the last N records first
  bool follow = true;
  // group
  std::string group;
  std::string commit = "auto";
  int64_t session_timeout_ms = 10000;
  std::string until;  // end | @TIME | +N
  // --exec
  std::string exec;
  int retries = 3;
  std::string dead_letter;
  int parallel = 1;
};

// How records are written to stdout: the default (value + delimiter), a
// template, or the JSON envelope.
class Printer {
 public:
  Printer(const ConsumeOptions& o, std::optional<Format> format, std::string delim)
      : topic_(o.topic), json_(o.json), format_(std::move(format)), delim_(std::move(delim)) {}

  // Whether print() writes record headers (--json, a template with %h).
  bool prints_headers() const { return json_ || (format_ && format_->uses_headers()); }

  // Inline: it runs once per record.
  void print(PartitionId partition, const batch::Record& r, std::string* out) const {
    if (json_) {
      write_envelope(out, topic_, partition.value(), r);
    } else if (format_) {
      format_->render(out, topic_, partition.value(), r);
    } else {
      if (r.value) out->append(*r.value);
      // The usual one-byte delimiter without a call to append().
      if (delim_.size() == 1) out->push_back(delim_[0]);
      else out->append(delim_);
    }
  }

 private:
  std::string topic_;
  bool json_;
  std::optional<Format> format_;
  std::string delim_;
};

// What of each record `ks consume` decodes: headers only when something
// uses them (the printer, --exec's KS_HEADER_* variables, --dead-letter's
// copies); offsets, timestamps, keys and values always.
batch::Fields record_fields(const ConsumeOptions& o, const Printer& printer);

// Where --until (or -e) stops a partition that starts reading at `from`:
// `end_at_start` for end, from + N for +N, the first offset at or after
// TIME (looked up once at start) for @TIME; PartState::kFollow to follow.
struct Until {
  enum class Kind { kFollow, kEnd, kCount, kOffsets } kind = Kind::kFollow;
  int64_t count = 0;
  std::map<PartitionId, Offset> offsets;

  Offset stop(PartitionId partition, Offset from, Offset end_at_start) const;
};

// Reads --until and -e; an @TIME asks `client` (borrowed) for its offsets.
Result<Until> parse_until(const ConsumeOptions& o, Client* client);

}  // namespace ks::cli
