// The pure parts of `ks bench`: percentiles, the figures' formatting and
// names, the rules between options, spreading --records over partitions,
// and framing a fetch answer. The runs themselves are tests/cli (cli:bench).
#include <doctest/doctest.h>

#include <string>
#include <vector>

#include "cli/commands/bench_consume.h"
#include "cli/commands/bench_options.h"
#include "cli/commands/bench_produce.h"
#include "cli/commands/bench_report.h"
#include "cli/commands/bench_topic.h"
#include "common/record_batch.h"
#include "common/topic_defaults.h"

using namespace ks;
using namespace ks::cli::bench;

TEST_CASE("bench latency percentiles are nearest-rank over the samples, in microseconds") {
  CHECK_FALSE(summarize({}).has_value());

  auto one = summarize({7000});
  REQUIRE(one);
  CHECK(one->p50 == 7.0);
  CHECK(one->p999 == 7.0);
  CHECK(one->max == 7.0);

  // 1..1000 µs, unsorted: rank ceil(q * n) of the sorted samples.
  std::vector<int64_t> ns;
  for (int64_t i = 1000; i >= 1; --i) ns.push_back(i * 1000);
  auto l = summarize(ns);
  REQUIRE(l);
  CHECK(l->p50 == 500.0);
  CHECK(l->p99 == 990.0);
  CHECK(l->p999 == 999.0);
  CHECK(l->max == 1000.0);

  // Few samples: p99 and p99.9 are the largest, never past the end.
  auto few = summarize({3000, 1000, 2000});
  REQUIRE(few);
  CHECK(few->p50 == 2.0);
  CHECK(few->p99 == 3.0);
  CHECK(few->p999 == 3.0);
}

TEST_CASE("bench figures are fixed decimals in text and rounded numbers in JSON") {
  CHECK(fixed(1234.5678, 2) == "1234.57");
  CHECK(fixed(0.0, 6) == "0.000000");
  CHECK(fixed(99999.5, 0) == "100000");
  CHECK(rounded(1234.5678, 2) == doctest::Approx(1234.57));
  CHECK(rounded(2.25, 1) == doctest::Approx(2.3));
  CHECK(rounded(7.0, 0) == 7.0);
}

TEST_CASE("a produce report keeps the key names scripts/bench.sh reads, aligned in text") {
  BenchOptions o;
  o.mode = Mode::kProduce;
  o.acks = "-1";
  Measured m;
  m.records = 1000;
  m.bytes = 100000;
  m.requests = 4;
  m.wire_bytes = 120000;
  m.start_ns = 0;
  m.end_ns = 2000000000;  // 2 s
  m.latency_ns = {1000, 2000, 3000};
  Report r;
  add_results(&r, o, "bench-1-2", m);
  add_settings(&r, o, 3, false);

  const std::string json = r.render(true, -1);
  CHECK(json.find(R"({"mode":"produce","topic":"bench-1-2","records":1000,"bytes":100000,"seconds":2.0,)"
                  R"("records_per_s":500.0,"mb_per_s":0.05,"latency_us":{"p50":2.0,"p99":3.0,"p999":3.0,"max":3.0},)"
                  R"("batches":4,"wire_bytes":120000,"partitions":3,"record_size":100,"acks":"all",)"
                  R"("compression":"none","batch_bytes":262144,"linger_ms":5,"in_flight":16,"rate":0})") == 0);
  CHECK(json.back() == '\n');

  const std::string text = r.render(false, -1);
  CHECK(text.find("mode              produce\n") == 0);
  CHECK(text.find("records/s         500\n") != std::string::npos);
  CHECK(text.find("latency-p99.9-us  3.0\n") != std::string::npos);
  CHECK(text.find("acks              all\n") != std::string::npos);
}

TEST_CASE("consume reports its fetches and the writing flags only when it wrote its records first") {
  BenchOptions o;
  o.mode = Mode::kConsume;
  o.in_flight = 4;
  Measured m;
  m.requests = 9;
  Report named;
  add_results(&named, o, "orders", m);
  add_settings(&named, o, 2, false);
  std::string json = named.render(true, -1);
  CHECK(json.find(R"("fetches":9)") != std::string::npos);
  CHECK(json.find("batches") == std::string::npos);
  CHECK(json.find("latency_us") == std::string::npos);  // no samples
  CHECK(json.find("record_size") == std::string::npos);
  CHECK(json.find("compression") == std::string::npos);
  CHECK(json.find("acks") == std::string::npos);
  CHECK(json.find(R"("fetch_bytes":1048576,"in_flight":4})") != std::string::npos);

  Report fresh;
  add_settings(&fresh, o, 2, true);
  json = fresh.render(true, -1);
  CHECK(json.find(R"("record_size":100,"compression":"none","batch_bytes":262144)") != std::string::npos);
}

TEST_CASE("e2e reports its warmup and no request counts") {
  BenchOptions o;
  o.mode = Mode::kE2e;
  Report r;
  add_results(&r, o, "t", Measured{});
  add_settings(&r, o, 1, false);
  const std::string json = r.render(true, -1);
  CHECK(json.find("wire_bytes") == std::string::npos);
  CHECK(json.find("fetches") == std::string::npos);
  CHECK(json.find(R"("acks":"1","warmup":1000})") != std::string::npos);
}

TEST_CASE("bench options: a bad topic name or codec is refused before connecting") {
  BenchOptions o;
  CHECK(validate(o).ok());
  o.topic = "orders";
  CHECK(validate(o).ok());
  o.topic = "no/slash";
  CHECK(validate(o).code() == Code::kInvalidArgument);
  o.topic.clear();
  o.compression = "brotli";
  Status s = validate(o);
  CHECK(s.code() == Code::kInvalidArgument);
  CHECK(s.message() == "unknown --compression 'brotli': expected none, gzip, snappy, lz4 or zstd");
}

TEST_CASE("bench --acks: all and -1 are -1 on the wire and read all in the report") {
  CHECK(parse_acks("all") == -1);
  CHECK(parse_acks("-1") == -1);
  CHECK(parse_acks("0") == 0);
  CHECK(parse_acks("1") == 1);
  CHECK(acks_name("-1") == "all");
  CHECK(acks_name("all") == "all");
  CHECK(acks_name("0") == "0");
}

TEST_CASE("bench --records defaults by mode, consume of a named topic reads all of it") {
  BenchOptions o;
  o.mode = Mode::kProduce;
  CHECK(records_wanted(o, false) == kDefaultRecords);
  o.mode = Mode::kE2e;
  CHECK(records_wanted(o, true) == kDefaultE2eRecords);
  o.mode = Mode::kConsume;
  CHECK(records_wanted(o, true) == kDefaultRecords);
  CHECK(records_wanted(o, false) == -1);
  o.records = 0;
  CHECK(records_wanted(o, false) == 0);
  o.records = 42;
  o.mode = Mode::kE2e;
  CHECK(records_wanted(o, true) == 42);
}

TEST_CASE("a record size that cannot fit under max.message.bytes is refused with both numbers") {
  CHECK(check_record_fits(100, topic_defaults::kMaxMessageBytes).ok());
  const int64_t fits = static_cast<int64_t>(batch::kHeaderSize + generated_record_size(1000));
  CHECK(check_record_fits(1000, fits).ok());
  Status s = check_record_fits(1000, fits - 1);
  CHECK(s.code() == Code::kInvalidArgument);
  CHECK(s.message() == "--record-size 1000 does not fit in a batch under the topic's max.message.bytes (" +
                           std::to_string(fits - 1) + ")");
}

namespace {

PartitionSpan span(int32_t p, int64_t start, int64_t end) { return {PartitionId(p), Offset(start), Offset(end)}; }

}  // namespace

TEST_CASE("--records is spread over partitions: short ones read whole, the rest share what is left") {
  std::vector<PartitionSpan> spans = {span(0, 0, 100), span(1, 50, 52), span(2, 10, 110)};
  cap_spans(&spans, 30);
  CHECK(spans[1].end == Offset(52));  // 2 records, all of them
  CHECK(spans[0].end == Offset(14));  // 28 left over two: 14 each
  CHECK(spans[2].end == Offset(24));

  std::vector<PartitionSpan> odd = {span(0, 0, 100), span(1, 0, 100)};
  cap_spans(&odd, 3);
  CHECK(odd[0].length() + odd[1].length() == 3);

  std::vector<PartitionSpan> all = {span(0, 5, 8)};
  cap_spans(&all, 1000);
  CHECK(all[0].end == Offset(8));
}

namespace {

// A batch of `n` records from `base`, as a fetch answer carries it.
std::string batch_at(int64_t base, int n) {
  batch::BatchBuilder b;
  for (int i = 0; i < n; ++i) b.add(std::nullopt, std::string_view("v"), 0);
  std::string out(b.finish());
  batch::stamp_base_offset(out.data(), base);
  return out;
}

}  // namespace

TEST_CASE("framing a fetch answer tells where the partition's next fetch starts") {
  const std::string data = batch_at(10, 3) + batch_at(13, 2);  // offsets 10..14
  auto all = covered_until(data, Offset(10), Offset(100), "t-0");
  REQUIRE(all.ok());
  CHECK(*all == Offset(15));

  auto capped = covered_until(data, Offset(10), Offset(12), "t-0");  // the stop cuts the first batch
  REQUIRE(capped.ok());
  CHECK(*capped == Offset(12));

  auto mid = covered_until(data, Offset(11), Offset(13), "t-0");  // the second batch starts at the stop
  REQUIRE(mid.ok());
  CHECK(*mid == Offset(13));

  auto none = covered_until("", Offset(7), Offset(9), "t-0");
  REQUIRE(none.ok());
  CHECK(*none == Offset(7));
}

TEST_CASE("generated values are slices of the asked size, the same every run") {
  Payload a(100), b(100);
  for (int i = 0; i < 50; ++i) {
    std::string_view x = a.next();
    CHECK(x.size() == 100);
    CHECK(x == b.next());
  }
  Payload big(10 << 20);  // larger than the pool's usual size
  CHECK(big.next().size() == size_t{10} << 20);
}
