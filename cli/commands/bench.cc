// `ks bench produce | consume | e2e`: throughput and latency figures for a
// daemon, in the spirit of Kafka's kafka-producer-perf-test and
// kafka-consumer-perf-test.
//
//   produce  generates records in memory and sends them as pipelined
//            produce requests, as `ks produce` does: records/s, MB/s, and
//            the time from sending each batch to its acknowledgement.
//   consume  reads a topic from its start to the end offsets seen at start
//            with pipelined fetches, decoding every record.
//   e2e      one record in flight: the time from sending a produce request
//            to the arrival of the long-polling fetch that carries it.
//
// Figures go to stdout as aligned `key value` lines, or as one JSON object
// with -o json, whose field names scripts rely on (scripts/bench.sh). A
// progress line goes to stderr once a second when stderr is a terminal.
// Without a TOPIC, a fresh bench-<pid>-<time> topic is created and deleted
// at the end (unless --keep). Ctrl-C stops early and prints what was
// measured so far (exit 130).
//
// This file is the command: its flags, and a run from connecting to the
// exit code. The workloads are bench_produce, bench_consume and bench_e2e;
// the figures are bench_measure and bench_report; the topic is
// bench_topic; the rules between options are bench_options.
#include <CLI/CLI.hpp>

#include <cctype>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "cli/clock.h"
#include "cli/commands/bench_consume.h"
#include "cli/commands/bench_measure.h"
#include "cli/commands/bench_options.h"
#include "cli/commands/bench_produce.h"
#include "cli/commands/bench_report.h"
#include "cli/commands/bench_topic.h"
#include "cli/commands/commands.h"
#include "cli/context.h"
#include "cli/exit_codes.h"
#include "cli/output.h"

namespace ks::cli {
namespace {

using namespace bench;

// What a workload leaves for the report.
struct Run {
  Measured m;
  std::optional<Pipeline> pipe;  // produce: counts the batches the daemon refused
  bool produced_first = false;   // consume wrote its own records first
};

// Consume: a fresh topic is first filled with `wanted` records (acks 1),
// then read up to the end offsets seen after that.
Status consume_topic(Client* client, BenchTopic* t, const BenchOptions& o, int64_t wanted, Run* run) {
  if (t->fresh) {
    BenchOptions w = o;
    w.acks = "1";
    w.in_flight = 16;
    Measured wm;  // the writing is not what consume measures
    Pipeline writer(client, t->info.name, 1, w.in_flight, w.record_size, &wm);
    Status s = produce_records(writer, t->info, w, wanted, &wm);
    run->produced_first = true;
    if (s.ok() && !g_signal && writer.failed() > 0) s = writer.first_failure();
    if (!s.ok() || g_signal) return s;
    auto info = describe_topic(client, t->info.name);
    if (!info.ok()) return info.status();
    t->info = std::move(*info);
  }
  if (g_signal) return Status::OK();
  std::vector<PartitionSpan> spans = t->info.spans;
  if (wanted >= 0) cap_spans(&spans, wanted);
  return consume_records(client, t->info.name, spans, o, &run->m);
}

// `consumer` is e2e's long-polling connection (null in other modes).
Status run_workload(Client* client, Client* consumer, BenchTopic* t, const BenchOptions& o, Run* run) {
  const int64_t wanted = records_wanted(o, t->fresh);
  switch (o.mode) {
    case Mode::kProduce:
      run->pipe.emplace(client, t->info.name, parse_acks(o.acks), o.in_flight, o.record_size, &run->m);
      return produce_records(*run->pipe, t->info, o, wanted, &run->m);
    case Mode::kConsume: return consume_topic(client, t, o, wanted, run);
    case Mode::kE2e: return e2e_records(client, consumer, t->info, o, wanted, &run->m);
  }
  return Status::OK();
}

// Prints the figures (also after Ctrl-C: what was measured so far), drops
// the fresh topic and gives the exit code.
int finish(const BenchOptions& o, const BenchTopic& t, const Status& s, Run* run, TempTopic* temp) {
  const bool interrupted = g_signal != 0;
  if (!interrupted && !s.ok()) return report(s);
  Measured& m = run->m;
  if (interrupted && m.start_ns > 0 && m.end_ns <= m.start_ns) m.end_ns = steady_ns();
  Report r;
  add_results(&r, o, t.info.name, m);
  add_settings(&r, o, t.info.partitions, run->produced_first);
  r.add("interrupted", "interrupted", nlohmann::ordered_json(interrupted), interrupted ? "yes" : "no");
  r.print(o.output == "json");
  temp->drop();
  if (interrupted) return signal_exit();
  if (run->pipe && run->pipe->failed() > 0) {
    print_error(run->pipe->first_failure().message());
    print_error(std::to_string(run->pipe->failed()) + " of " + std::to_string(run->pipe->failed() + m.records) +
                " records were not acknowledged");
    return exit_code(Exit::kPartial);
  }
  return 0;
}

int run_bench(const BenchOptions& o) {
  if (Status s = validate(o); !s.ok()) return report(s);
  install_signal_handlers();

  Status error;
  auto client = connect_or_report(&error);
  if (!client) return g_signal ? signal_exit() : report(error);

  TempTopic temp;
  auto topic = open_topic(client.get(), o, &temp);
  if (!topic.ok()) return report(topic.status());
  if (o.mode != Mode::kConsume || topic->fresh) {  // the run writes records
    Status s = check_record_fits(o.record_size, topic->info.max_message);
    if (!s.ok()) return report(s);
  }
  std::unique_ptr<Client> consumer;
  if (o.mode == Mode::kE2e) {
    consumer = connect_or_report(&error);
    if (!consumer) return report(error);
  }
  Run run;
  Status s = run_workload(client.get(), consumer.get(), &*topic, o, &run);
  return finish(o, *topic, s, &run, &temp);
}

// CLI::NonNegativeNumber's message quotes DBL_MAX; this one reads better.
const CLI::Validator kCount(
    [](std::string& v) -> std::string {
      return !v.empty() && v[0] == '-' ? "expected 0 or more, got " + v : std::string();
    },
    "N>=0");

// Flags every mode takes. `filling`: consume's, which apply to the records
// it writes first when it has no TOPIC.
std::string filling_help(bool filling, std::string help) {
  if (!filling) return help;
  help[0] = static_cast<char>(std::tolower(static_cast<unsigned char>(help[0])));
  return "Without TOPIC, " + help;
}

void add_common_flags(CLI::App* cmd, BenchOptions* o, bool filling = false) {
  cmd->add_option("--record-size", o->record_size,
                  filling_help(filling, "Bytes of each generated record's value (default 100)"))
      ->check(CLI::Range(int64_t{0}, int64_t{64} << 20));
  cmd->add_flag("--keep", o->keep, "Keep the fresh bench-<pid>-<time> topic instead of deleting it at the end");
  cmd->add_option("-o,--output", o->output, "Output format: text (default, aligned key value lines) or json")
      ->check(CLI::IsMember({"text", "json"}));
}

void add_produce_flags(CLI::App* cmd, BenchOptions* o, bool filling = false) {
  cmd->add_option("--partitions", o->partitions,
                  filling_help(filling, "Partitions of the topic the benchmark creates (default 1)"))
      ->check(CLI::Range(1, 100000));
  cmd->add_option("--compression", o->compression,
                  filling_help(filling, "Compress each batch: none (default), gzip, snappy, lz4 or zstd"))
      ->check(CLI::IsMember({"none", "gzip", "snappy", "lz4", "zstd"}));
  cmd->add_option("--batch-bytes", o->batch_bytes,
                  filling_help(filling,
                               "Send a batch once its records reach this size, before compression (default 262144)"))
      ->check(CLI::Range(int64_t{1024}, int64_t{64} << 20));
}

// Each add_*_command fills its own BenchOptions, shared with the callback
// that runs it.
void add_produce_command(CLI::App* bench, Runner* run) {
  auto p = std::make_shared<BenchOptions>();
  p->mode = Mode::kProduce;
  auto* produce = bench->add_subcommand(
      "produce", "Send generated records as fast as allowed: records/s, MB/s, batch ack latency");
  produce->add_option("topic", p->topic,
                      "Topic to write to (default: a fresh topic, deleted afterwards); created when missing");
  produce->add_option("--records", p->records, "Records to send (default 1000000)")->check(kCount);
  add_common_flags(produce, p.get());
  produce->add_option("--rate", p->rate, "At most this many records per second (default 0: unlimited)")
      ->check(kCount);
  produce->add_option("--acks", p->acks, "0: no answer; 1: written to the log (default); all (or -1): fsynced")
      ->check(CLI::IsMember({"0", "1", "all", "-1"}));
  add_produce_flags(produce, p.get());
  produce->add_option("--linger-ms", p->linger_ms,
                      "With --rate: no record waits in a batch longer than this (default 5)")
      ->check(CLI::Range(0, 60000));
  produce->add_option("--in-flight", p->in_flight, "Produce requests awaiting an answer at once (default 16)")
      ->check(CLI::Range(1, 4096));
  produce->footer(
      "Examples:\n"
      "  ks bench produce\n"
      "  ks bench produce --records 5000000 --record-size 1000 --acks all\n"
      "  ks bench produce --rate 50000 --compression zstd -o json");
  produce->callback([p, run] { *run = [p] { return run_bench(*p); }; });
}

void add_consume_command(CLI::App* bench, Runner* run) {
  auto c = std::make_shared<BenchOptions>();
  c->mode = Mode::kConsume;
  c->in_flight = 4;
  auto* consume = bench->add_subcommand(
      "consume", "Read a topic from its start to its end, decoding every record: records/s, MB/s");
  consume->add_option("topic", c->topic,
                      "Topic to read (default: a fresh topic, filled with --records records first, "
                      "deleted afterwards)");
  consume->add_option("--records", c->records,
                      "Read at most N records (default: all of TOPIC; without TOPIC, 1000000 written first)")
      ->check(kCount);
  consume->add_option("--fetch-bytes", c->fetch_bytes, "Bytes asked for per fetch (default 1048576)")
      ->check(CLI::Range(int64_t{1024}, int64_t{32} << 20));
  consume->add_option("--in-flight", c->in_flight,
                      "Partitions with a fetch out at once, one fetch each (default 4)")
      ->check(CLI::Range(1, 256));
  add_common_flags(consume, c.get(), true);
  add_produce_flags(consume, c.get(), true);
  consume->footer(
      "Examples:\n"
      "  ks bench consume\n"
      "  ks bench consume orders --records 1000000\n"
      "  ks bench consume --compression lz4 --partitions 4 -o json");
  consume->callback([c, run] { *run = [c] { return run_bench(*c); }; });
}

void add_e2e_command(CLI::App* bench, Runner* run) {
  auto e = std::make_shared<BenchOptions>();
  e->mode = Mode::kE2e;
  auto* e2e = bench->add_subcommand(
      "e2e", "End-to-end latency, one record in flight: produce to long-polling fetch, p50/p99/p99.9/max");
  e2e->add_option("--records", e->records, "Records to time (default 20000)")->check(kCount);
  e2e->add_option("--warmup", e->warmup, "Records sent first and not timed (default 1000)")
      ->check(kCount);
  e2e->add_option("--acks", e->acks, "0, 1 (default) or all (-1): when the produce request is answered")
      ->check(CLI::IsMember({"0", "1", "all", "-1"}));
  add_common_flags(e2e, e.get());
  e2e->footer(
      "Examples:\n"
      "  ks bench e2e\n"
      "  ks bench e2e --records 100000 --record-size 1000 -o json");
  e2e->callback([e, run] { *run = [e] { return run_bench(*e); }; });
}

}  // namespace

void set_bench_command(CLI::App& app, Runner* run) {
  auto* bench = app.add_subcommand("bench", "Measure throughput and latency: produce, consume, end to end");
  bench->require_subcommand(1);
  bench->footer(
      "Without a TOPIC each benchmark uses a fresh bench-<pid>-<time> topic and deletes it\n"
      "afterwards (--keep keeps it). Figures go to stdout; -o json prints one object.");
  add_produce_command(bench, run);
  add_consume_command(bench, run);
  add_e2e_command(bench, run);
}

}  // namespace ks::cli
