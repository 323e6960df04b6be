// The NDJSON envelope shared by `ks consume --json` and `ks produce --json`,
// one object per line:
//
//   {"topic":"t","partition":0,"offset":5,"timestamp":1700000000000,
//    "key":"k","value":"v","headers":[{"key":"h","value":"x"}]}
//
// Keys, values, header keys and header values are a JSON string when the
// bytes are valid UTF-8, null when null, and {"base64":"..."} otherwise, so
// binary data survives: `ks consume t --json | ks produce copy --json` is
// lossless.
//
// On input, `value` and `key` may be missing (= null); `headers` is the array
// above or an object {"h":"x"}; `timestamp` (epoch ms) and `partition` (>= 0)
// are optional; `topic`, `offset` and unknown fields are ignored, so consume
// output pipes straight into produce and newer fields do not break older
// readers.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/record_batch.h"
#include "common/status.h"

namespace ks::cli {

// Appends one envelope line, '\n' included.
void write_envelope(std::string* out, std::string_view topic, int32_t partition,
                    const ks::batch::Record& r);

struct EnvelopeRecord {
  std::optional<std::string> key;
  std::optional<std::string> value;
  std::vector<std::pair<std::string, std::optional<std::string>>> headers;
  std::optional<int64_t> timestamp;
  std::optional<int32_t> partition;

  bool operator==(const EnvelopeRecord&) const = default;
};

// One line (a trailing '\n' or "\r\n" is fine). InvalidArgument with a short
// reason for invalid JSON, a non-object, wrong types, or bad base64.
Result<EnvelopeRecord> parse_envelope(std::string_view line);

}  // namespace ks::cli
