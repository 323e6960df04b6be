// The figures of one `ks bench` run as aligned `key value` lines or one
// JSON object. The JSON names are an interface (scripts/bench.sh reads
// them): keep them.
#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "cli/commands/bench_measure.h"
#include "cli/commands/bench_options.h"

namespace ks::cli::bench {

// `v` rounded to `decimals` places, as the JSON carries it.
double rounded(double v, int decimals);
// `v` printed with exactly `decimals` places, as the text shows it.
std::string fixed(double v, int decimals);

class Report {
 public:
  // A row `key` in the text and a field `json_key` in the JSON.
  void add(const std::string& key, const std::string& json_key, nlohmann::ordered_json value, std::string text);
  void add(const std::string& key, const std::string& json_key, int64_t v) { add(key, json_key, v, std::to_string(v)); }
  void add(const std::string& key, const std::string& json_key, const std::string& v) { add(key, json_key, v, v); }
  void add(const std::string& key, const std::string& json_key, double v, int decimals) {
    add(key, json_key, rounded(v, decimals), fixed(v, decimals));
  }
  // Four rows, latency-p50-us ... latency-max-us; one latency_us object.
  void add_latency(const Latency& l);

  // The JSON is indented by `indent` (-1: one line) and ends in a newline.
  std::string render(bool as_json, int indent) const;
  // To stdout, pretty JSON on a terminal and one line when piped.
  void print(bool as_json) const;

 private:
  std::vector<std::pair<std::string, std::string>> rows_;
  nlohmann::ordered_json json_ = nlohmann::ordered_json::object();
};

// The figures: mode, topic, counts, rates, latency, requests.
void add_results(Report* r, const BenchOptions& o, const std::string& topic, const Measured& m);

// The settings a mode used, after its results. `produced_first`: consume
// wrote its own records first, so the writing flags apply too.
void add_settings(Report* r, const BenchOptions& o, int32_t partitions, bool produced_first);

}  // namespace ks::cli::bench
