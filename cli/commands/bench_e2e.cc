#include <algorithm>

#include <nlohmann/json.hpp>

#include "cli/clock.h"
#include "cli/commands/bench_consume.h"
#include "cli/commands/bench_produce.h"
#include "common/record_batch.h"

namespace ks::cli::bench {
namespace {

using nlohmann::json;

constexpr int64_t kE2eWaitMs = 30000;

// Parks a fetch of partition 0 at `next`, answered as soon as a record is
// there (or after kE2eWaitMs).
Status send_long_poll(Client* consumer, const std::string& topic, int64_t next) {
  json part = {{"partition", 0}, {"offset", next}};
  auto f = consumer->send({{"op", "fetch"},
                           {"topic", topic},
                           {"partitions", json::array({part})},
                           {"max_wait_ms", kE2eWaitMs},
                           {"min_bytes", 1},
                           {"max_bytes", 1 << 20}});
  return f.ok() ? Status::OK() : f.status();
}

// Whether the fetch answer `r` carries a record at `*next` or later;
// advances `*next` past the batches it holds.
Result<bool> carries_record(const Response& r, int64_t* next) {
  KS_RETURN_IF_ERROR(r.status());
  const json& e = r.header["partitions"][0];
  if (e.contains("error")) return Response{json{{"error", e["error"]}}, {}}.status();
  bool found = false;
  batch::Record rec;
  batch::BatchCursor cursor(r.payload);
  std::string_view b;
  while (cursor.next(&b)) {
    batch::RecordReader reader(b);
    while (reader.next(&rec))
      if (rec.offset >= *next) found = true;
    if (!reader.status().ok()) return Status::Corruption(reader.status().message());
    auto h = batch::read_header(b);
    if (h.ok()) *next = std::max(*next, h->next_offset());
  }
  return found;
}

}  // namespace

Status e2e_records(Client* producer, Client* consumer, const TopicInfo& t, const BenchOptions& o, int64_t n,
                   Measured* m) {
  const int acks = parse_acks(o.acks);
  Payload payload(static_cast<size_t>(o.record_size));
  batch::BatchBuilder builder;
  int64_t next = t.spans.empty() ? 0 : t.spans[0].end.value();
  const int64_t total = o.warmup + n;
  m->start_ns = steady_ns();
  Progress progress("e2e", m->start_ns);
  for (int64_t i = 0; i < total && !g_signal; ++i) {
    if (i == o.warmup) {
      m->start_ns = steady_ns();
      m->end_ns = m->start_ns;
    }
    KS_RETURN_IF_ERROR(send_long_poll(consumer, t.name, next));
    builder.clear();
    builder.add(std::nullopt, payload.next(), wall_ms());
    std::string_view bytes = builder.finish();

    const int64_t t0 = steady_ns();
    auto s = producer->send({{"op", "produce"}, {"topic", t.name}, {"partition", 0}, {"acks", acks}}, bytes);
    if (!s.ok()) return s.status();
    auto r = consumer->receive();
    const int64_t t1 = steady_ns();
    if (!r.ok()) return r.status();
    auto found = carries_record(*r, &next);
    if (!found.ok()) return found.status();
    if (!*found)
      return Status::IOError("the record did not reach the consumer within " + std::to_string(kE2eWaitMs / 1000) +
                             " s");
    if (acks != 0) {
      auto a = producer->receive();
      if (!a.ok()) return a.status();
      KS_RETURN_IF_ERROR(a->status());
    }
    const int64_t done = steady_ns();
    if (i >= o.warmup) {
      m->latency_ns.push_back(t1 - t0);
      ++m->records;
      m->bytes += o.record_size;
      m->end_ns = done;
    }
    progress.tick(done, *m);
  }
  return Status::OK();
}

}  // namespace ks::cli::bench
