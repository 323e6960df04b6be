#include "cli/commands/bench_report.h"

#include <algorithm>
#include <cmath>
#include <cstdio>

#include "cli/output.h"

namespace ks::cli::bench {

double rounded(double v, int decimals) {
  double f = std::pow(10.0, decimals);
  return std::round(v * f) / f;
}

std::string fixed(double v, int decimals) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.*f", decimals, v);
  return buf;
}

void Report::add(const std::string& key, const std::string& json_key, nlohmann::ordered_json value,
                 std::string text) {
  rows_.emplace_back(key, std::move(text));
  json_[json_key] = std::move(value);
}

void Report::add_latency(const Latency& l) {
  json_["latency_us"] = {{"p50", rounded(l.p50, 1)},
                         {"p99", rounded(l.p99, 1)},
                         {"p999", rounded(l.p999, 1)},
                         {"max", rounded(l.max, 1)}};
  rows_.emplace_back("latency-p50-us", fixed(l.p50, 1));
  rows_.emplace_back("latency-p99-us", fixed(l.p99, 1));
  rows_.emplace_back("latency-p99.9-us", fixed(l.p999, 1));
  rows_.emplace_back("latency-max-us", fixed(l.max, 1));
}

std::string Report::render(bool as_json, int indent) const {
  if (as_json) return json_.dump(indent) + "\n";
  size_t width = 0;
  for (const auto& [k, v] : rows_) width = std::max(width, k.size());
  std::string text;
  for (const auto& [k, v] : rows_) text += k + std::string(width - k.size() + 2, ' ') + v + "\n";
  return text;
}

void Report::print(bool as_json) const {
  Stdout& out = Stdout::get();
  out.write(render(as_json, out.is_terminal() ? 2 : -1));
  out.flush();
}

void add_results(Report* r, const BenchOptions& o, const std::string& topic, const Measured& m) {
  r->add("mode", "mode", std::string(mode_name(o.mode)));
  r->add("topic", "topic", topic);
  r->add("records", "records", m.records);
  r->add("bytes", "bytes", m.bytes);
  r->add("seconds", "seconds", m.seconds(), 6);
  r->add("records/s", "records_per_s", m.per_second(static_cast<double>(m.records)), 0);
  r->add("MB/s", "mb_per_s", m.per_second(static_cast<double>(m.bytes)) / 1e6, 2);
  if (auto l = summarize(m.latency_ns)) r->add_latency(*l);
  if (o.mode == Mode::kProduce) r->add("batches", "batches", m.requests);
  if (o.mode == Mode::kConsume) r->add("fetches", "fetches", m.requests);
  if (o.mode != Mode::kE2e) r->add("wire-bytes", "wire_bytes", m.wire_bytes);
}

void add_settings(Report* r, const BenchOptions& o, int32_t partitions, bool produced_first) {
  r->add("partitions", "partitions", static_cast<int64_t>(partitions));
  if (o.mode != Mode::kConsume || produced_first) r->add("record-size", "record_size", o.record_size);
  if (o.mode != Mode::kConsume) r->add("acks", "acks", acks_name(o.acks));
  if (o.mode == Mode::kProduce || produced_first) {
    r->add("compression", "compression", o.compression);
    r->add("batch-bytes", "batch_bytes", o.batch_bytes);
  }
  if (o.mode == Mode::kProduce) {
    r->add("linger-ms", "linger_ms", o.linger_ms);
    r->add("in-flight", "in_flight", static_cast<int64_t>(o.in_flight));
    r->add("rate", "rate", o.rate);
  }
  if (o.mode == Mode::kConsume) {
    r->add("fetch-bytes", "fetch_bytes", o.fetch_bytes);
    r->add("in-flight", "in_flight", static_cast<int64_t>(o.in_flight));
  }
  if (o.mode == Mode::kE2e) r->add("warmup", "warmup", o.warmup);
}

}  // namespace ks::cli::bench
