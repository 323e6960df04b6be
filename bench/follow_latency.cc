// Follow latency: one record in flight. A consumer connection long-polls
// (fetch with max_wait_ms) at the end of a topic; a producer connection
// appends one record; the time from sending the produce request to
// receiving the fetch response that carries the record is one sample.
// Prints p50/p99/p99.9/max over the samples. Needs a running daemon:
//
//   follow_latency HOME [SAMPLES]
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <string>
#include <vector>

#include "cli/client.h"
#include "common/record_batch.h"

using namespace ks;
using Steady = std::chrono::steady_clock;

int main(int argc, char** argv) {
  if (argc < 2) {
    std::fprintf(stderr, "usage: follow_latency HOME [SAMPLES]\n");
    return 2;
  }
  int samples = argc > 2 ? std::stoi(argv[2]) : 5000;
  cli::ConnectOptions opts;
  opts.home = argv[1];
  auto producer = cli::Client::Connect(opts);
  auto consumer = cli::Client::Connect(opts);
  if (!producer.ok() || !consumer.ok()) {
    std::fprintf(stderr, "connect: %s\n", (producer.ok() ? consumer.status() : producer.status()).to_string().c_str());
    return 1;
  }
  const std::string topic = "latency";
  auto meta = (*producer)->call({{"op", "topics"}, {"topics", {topic}}, {"auto_create", true}, {"detail", true}});
  if (!meta.ok()) return 1;
  int64_t next = meta->header["topics"][0]["partition_info"][0]["end"].get<int64_t>();
  std::string value(100, 'x');
  std::vector<double> us;
  for (int i = 0; i < samples + 100; ++i) {
    (void)(*consumer)->send({{"op", "fetch"}, {"topic", topic}, {"partitions", {{{"partition", 0}, {"offset", next}}}},
                             {"max_wait_ms", 5000}, {"min_bytes", 1}, {"max_bytes", 1 << 20}});
    batch::BatchBuilder b;
    b.add(std::nullopt, std::string_view(value), 0);
    std::string bytes = b.take();
    auto start = Steady::now();
    (void)(*producer)->send({{"op", "produce"}, {"topic", topic}, {"partition", 0}, {"acks", 1}}, bytes);
    auto r = (*consumer)->receive();
    auto end = Steady::now();
    if (!r.ok() || r->payload.empty()) {
      std::fprintf(stderr, "fetch failed or empty\n");
      return 1;
    }
    (void)(*producer)->receive();
    ++next;
    if (i >= 100) us.push_back(std::chrono::duration<double, std::micro>(end - start).count());
  }
  std::sort(us.begin(), us.end());
  auto pct = [&](double p) { return us[std::min(us.size() - 1, static_cast<size_t>(p * us.size()))]; };
  std::printf("follow latency, %d samples: p50 %.0f us  p99 %.0f us  p99.9 %.0f us  max %.0f us\n", samples,
              pct(0.50), pct(0.99), pct(0.999), us.back());
  return 0;
}
