// Helpers shared by the storage tests: temporary directories, batch
// builders and a reader that decodes a whole log.
#pragma once

#include <doctest/doctest.h>
#include <stdlib.h>

#include <string>
#include <vector>

#include "common/record_batch.h"
#include "daemon/storage/file.h"
#include "daemon/storage/log.h"

namespace ks::storage::testing {

class TempDir {
 public:
  TempDir() {
    char tmpl[] = "/tmp/ks-storage-test-XXXXXX";
    REQUIRE(mkdtemp(tmpl) != nullptr);
    path_ = tmpl;
  }
  ~TempDir() { (void)std::system(("rm -rf '" + path_ + "'").c_str()); }
  const std::string& path() const { return path_; }
  std::string log_dir() const { return path_ + "/t-0"; }

 private:
  std::string path_;
};

// A batch of `n` records whose values are "v<i>" padded to `value_size`,
// keys "k<i>", timestamps ts0 + i.
inline std::string make_batch(int first, int n, int64_t ts0, size_t value_size = 0) {
  batch::BatchBuilder b;
  for (int i = first; i < first + n; ++i) {
    std::string k = "k" + std::to_string(i);
    std::string v = "v" + std::to_string(i);
    if (v.size() < value_size) v.resize(value_size, '.');
    b.add(std::string_view(k), std::string_view(v), ts0 + (i - first));
  }
  return b.take();
}

struct Rec {
  int64_t offset;
  std::string key, value;
  int64_t timestamp;
  bool operator==(const Rec&) const = default;
};

inline std::string read_range(const ReadResult& r) {
  std::string s(r.size, '\0');
  if (r.size == 0) return s;
  auto n = r.file->read_at(r.position, s.data(), s.size());
  REQUIRE(n.ok());
  REQUIRE(*n == r.size);
  return s;
}

// Decodes every record from `from` to the end, reading `chunk` bytes at a
// time, checking that each read returns whole, valid batches.
inline std::vector<Rec> read_all(const Log& log, int64_t from = -1, uint64_t chunk = 64 << 10) {
  std::vector<Rec> out;
  int64_t next = from < 0 ? log.start_offset().value() : from;
  while (next < log.end_offset().value()) {
    auto r = log.read(Offset(next), chunk);
    REQUIRE_MESSAGE(r.ok(), r.status().to_string());
    REQUIRE(r->size > 0);
    std::string bytes = read_range(*r);
    batch::BatchCursor cursor(bytes);
    std::string_view b;
    while (cursor.next(&b)) {
      REQUIRE(batch::validate(b).ok());
      batch::RecordReader reader(b);
      batch::Record rec;
      while (reader.next(&rec)) {
        if (rec.offset < next) continue;  // the batch holding `from` starts earlier
        out.push_back({rec.offset, std::string(rec.key.value_or("")),
                       std::string(rec.value.value_or("")), rec.timestamp});
      }
      REQUIRE(reader.status().ok());
      next = batch::read_header(b)->next_offset();
    }
    REQUIRE_FALSE(cursor.truncated());
    REQUIRE(cursor.position() == bytes.size());
  }
  return out;
}

inline constexpr int64_t kT0 = 1'700'000'000'000;

// 8 KiB segments, no time retention: many segments from little data.
inline LogConfig small_segments() {
  LogConfig c;
  c.segment_bytes = 8 << 10;
  c.retention_ms = -1;
  return c;
}

inline std::unique_ptr<Log> open_log(const std::string& dir, const LogConfig& c, const Clock* clock) {
  auto log = Log::Open(dir, c, clock);
  REQUIRE_MESSAGE(log.ok(), log.status().to_string());
  return std::move(*log);
}

inline AppendResult append(Log& log, std::string batch) {
  auto r = log.append(batch.data(), batch.size());
  REQUIRE_MESSAGE(r.ok(), r.status().to_string());
  return *r;
}

}  // namespace ks::storage::testing
