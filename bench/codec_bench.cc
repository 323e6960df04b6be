// Micro-benchmark for the common layer: RecordBatch v2 encode/decode of
// 100-byte records and CRC-32C throughput. Prints figures; asserts nothing.
// Each figure is the median of several runs.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <string>
#include <vector>

#include "common/crc32c.h"
#include "common/record_batch.h"

namespace {

using Clock = std::chrono::steady_clock;

template <typename F>
double median_seconds(int runs, F&& f) {
  std::vector<double> t;
  for (int i = 0; i < runs; ++i) {
    auto start = Clock::now();
    f();
    t.push_back(std::chrono::duration<double>(Clock::now() - start).count());
  }
  std::sort(t.begin(), t.end());
  return t[t.size() / 2];
}

volatile uint64_t g_sink;

}  // namespace

int main(int argc, char** argv) {
  const int kRuns = 5;
  const size_t kRecords = argc > 1 ? std::stoul(argv[1]) : 2000000;
  const size_t kValueSize = 100;
  const size_t kPerBatch = 160;  // ~16 KiB batches of 100-byte records
  std::string value(kValueSize, 'x');
  for (size_t i = 0; i < value.size(); ++i) value[i] = static_cast<char>('a' + i % 26);

  std::printf("codec_bench: %zu records of %zu bytes, %zu per batch, median of %d runs\n",
              kRecords, kValueSize, kPerBatch, kRuns);

  // Encode.
  std::vector<std::string> batches;
  double enc = median_seconds(kRuns, [&] {
    batches.clear();
    ks::batch::BatchBuilder b;
    for (size_t i = 0; i < kRecords; ++i) {
      b.add(std::nullopt, std::string_view(value), 1700000000000 + static_cast<int64_t>(i));
      if (b.record_count() == static_cast<int32_t>(kPerBatch)) batches.push_back(b.take());
    }
    if (!b.empty()) batches.push_back(b.take());
  });
  size_t bytes = 0;
  for (auto& b : batches) bytes += b.size();
  std::printf("  encode           %8.2f M records/s  %8.1f MB/s  (batch %zu bytes)\n",
              kRecords / enc / 1e6, bytes / enc / 1e6, batches[0].size());

  // Validate (header + CRC + every record) and iterate records.
  double val = median_seconds(kRuns, [&] {
    uint64_t n = 0;
    for (auto& b : batches) {
      auto info = ks::batch::validate(b);
      if (!info.ok()) std::abort();
      n += static_cast<uint64_t>(info->header.records_count);
    }
    g_sink = n;
  });
  std::printf("  validate         %8.2f M records/s  %8.1f MB/s\n", kRecords / val / 1e6,
              bytes / val / 1e6);

  double dec = median_seconds(kRuns, [&] {
    uint64_t n = 0;
    ks::batch::Record r;
    for (auto& b : batches) {
      ks::batch::RecordReader reader(b);
      while (reader.next(&r)) n += r.value->size();
    }
    g_sink = n;
  });
  std::printf("  decode (iterate) %8.2f M records/s  %8.1f MB/s\n", kRecords / dec / 1e6,
              bytes / dec / 1e6);

  // As `ks consume` reads by default: CRC once, the header it parsed
  // handed to the reader, record headers stepped over.
  double lean = median_seconds(kRuns, [&] {
    uint64_t n = 0;
    ks::batch::Record r;
    for (auto& b : batches) {
      auto h = ks::batch::check_crc(b);
      if (!h.ok()) std::abort();
      ks::batch::RecordReader reader(b, *h, ks::batch::Fields::kNoHeaders);
      while (reader.next(&r)) n += r.value->size();
    }
    g_sink = n;
  });
  std::printf("  consume (CRC + decode, no headers) %8.2f M records/s  %8.1f MB/s\n", kRecords / lean / 1e6,
              bytes / lean / 1e6);

  // CRC-32C on a 1 MiB buffer, both paths.
  std::string buf(1 << 20, '\0');
  for (size_t i = 0; i < buf.size(); ++i) buf[i] = static_cast<char>(i * 2654435761u >> 24);
  const int kReps = 2000;
  auto crc_rate = [&](auto fn) {
    double s = median_seconds(kRuns, [&] {
      uint32_t c = 0;
      for (int i = 0; i < kReps; ++i) c = fn(c, buf.data(), buf.size());
      g_sink = c;
    });
    return static_cast<double>(buf.size()) * kReps / s / 1e9;
  };
  if (ks::crc32c::hardware_available())
    std::printf("  crc32c sse4.2    %8.2f GB/s\n", crc_rate(ks::crc32c::extend_hardware));
  std::printf("  crc32c portable  %8.2f GB/s\n", crc_rate(ks::crc32c::extend_portable));
  return 0;
}
