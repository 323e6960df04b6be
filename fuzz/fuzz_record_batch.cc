// libFuzzer target: the record-batch decoder (common/record_batch.h) on a
// byte range of batches, as the broker sees a produce payload and the CLI
// a fetch response: BatchCursor framing, read_header, frame_size,
// check_crc, validate, and a RecordReader over each batch (with and
// without headers), compressed ones included.
//
// Input: one mode byte, then the batches. A CRC-32C guards every batch, so
// random mutations would stop at check_crc; with bit 0 of the mode byte set
// the target stamps a valid CRC into each framed batch first, which lets the
// fuzzer reach the record walker and the decompressors.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/coding.h"
#include "common/crc32c.h"
#include "common/record_batch.h"

namespace {

namespace batch = ks::batch;

// Small enough that a zip bomb costs little time per input.
constexpr size_t kMaxUncompressed = 1 << 20;

void check(bool ok) {
  if (!ok) std::abort();
}

// Stamps the CRC of every batch that the length fields frame in `bytes`.
void stamp_crcs(std::string* bytes) {
  size_t pos = 0;
  while (pos < bytes->size()) {
    std::string_view rest = std::string_view(*bytes).substr(pos);
    auto size = batch::frame_size(rest);
    if (!size.ok() || *size > rest.size()) return;
    char* b = bytes->data() + pos;
    ks::put_be32(b + batch::kCrcPos, ks::crc32c::value(b + batch::kCrcStart, *size - batch::kCrcStart));
    pos += *size;
  }
}

struct Owned {
  int64_t offset, timestamp;
  std::optional<std::string> key, value;
  std::vector<std::pair<std::string, std::optional<std::string>>> headers;
  bool operator==(const Owned&) const = default;
};

std::optional<std::string> own(std::optional<std::string_view> v) {
  return v ? std::optional<std::string>(*v) : std::nullopt;
}

Owned own(const batch::Record& r) {
  Owned o{r.offset, r.timestamp, own(r.key), own(r.value), {}};
  for (const auto& h : r.headers) o.headers.emplace_back(std::string(h.key), own(h.value));
  return o;
}

// All records of `b`, or nullopt when the reader stops at an error.
std::optional<std::vector<Owned>> read_all(std::string_view b, batch::Fields fields = batch::Fields::kAll) {
  batch::RecordReader reader(b, kMaxUncompressed, fields);
  std::vector<Owned> out;
  batch::Record r;
  while (reader.next(&r)) out.push_back(own(r));
  if (!reader.status().ok()) return std::nullopt;
  return out;
}

void one_batch(std::string_view b) {
  auto header = batch::read_header(b);
  auto framed = batch::frame_size(b);
  check(framed.ok());  // the cursor framed it
  if (header.ok()) check(header->size() == *framed);

  auto crc = batch::check_crc(b);
  auto info = batch::validate(b, kMaxUncompressed);
  // The reader does not check the CRC: walk the records either way.
  auto records = read_all(b);
  // Without headers (`ks consume`'s default), a reader reads the same
  // records wherever the full reader does; it may read more (it does not
  // look at headers), never fewer.
  auto lean = read_all(b, batch::Fields::kNoHeaders);
  if (records) {
    check(lean.has_value() && lean->size() == records->size());
    for (size_t i = 0; i < records->size(); ++i) {
      Owned want = (*records)[i];
      want.headers.clear();
      check((*lean)[i] == want);
    }
  }
  if (!info.ok()) return;
  check(crc.ok());
  const batch::BatchHeader& h = info->header;
  // validate() and the reader agree on a well-formed batch.
  check(records.has_value());
  check(records->size() == static_cast<size_t>(h.records_count));
  if (!records->empty()) {
    int64_t max_ts = INT64_MIN;
    for (const Owned& r : *records) max_ts = std::max(max_ts, r.timestamp);
    check(info->max_timestamp == max_ts);
    check(records->back().offset == h.last_offset());
  }

  // Rebuilding the records with the batch's codec gives a valid batch with
  // the same keys, values, headers and timestamps (offsets renumbered).
  batch::BatchBuilder builder(h.compression());
  for (const Owned& r : *records) {
    std::vector<batch::Header> hs;
    for (const auto& [k, v] : r.headers) hs.push_back({k, v ? std::optional<std::string_view>(*v) : std::nullopt});
    builder.add(r.key, r.value, r.timestamp, hs);
  }
  std::string rebuilt = builder.take();
  check(batch::validate(rebuilt, kMaxUncompressed).ok());
  auto again = read_all(rebuilt);
  check(again.has_value() && again->size() == records->size());
  for (size_t i = 0; i < records->size(); ++i) {
    Owned want = (*records)[i];
    want.offset = static_cast<int64_t>(i);
    check((*again)[i] == want);
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  const uint8_t mode = data[0];
  std::string bytes(reinterpret_cast<const char*>(data) + 1, size - 1);
  if (mode & 1) stamp_crcs(&bytes);

  batch::BatchCursor cursor(bytes);
  std::string_view b;
  while (cursor.next(&b)) one_batch(b);
  check(cursor.position() <= bytes.size());
  if (cursor.status().ok() && !cursor.truncated()) check(cursor.position() == bytes.size());
  return 0;
}
