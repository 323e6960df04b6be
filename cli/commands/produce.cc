// `ks produce TOPIC`: records from stdin (or a file) into a topic. Lines by
// default; any delimiter, key delimiters, fixed keys, headers, the NDJSON
// envelope, or the whole input as one record. Batches per partition by size
// and linger, compresses batches when asked (--compression), pipelines
// requests, and reports what was not acknowledged.
#include <CLI/CLI.hpp>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <chrono>
#include <cstring>
#include <deque>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "cli/clock.h"
#include "cli/commands/commands.h"
#include "cli/commands/produce_input.h"
#include "cli/commands/produce_outcome.h"
#include "cli/commands/producer.h"
#include "cli/context.h"
#include "cli/input/envelope.h"
#include "cli/input/escapes.h"
#include "cli/input/partitioner.h"
#include "cli/output.h"
#include "cli/progress.h"
#include "common/compression.h"
#include "common/record_batch.h"
#include "common/topic_defaults.h"
#include "common/types.h"

namespace ks::cli {
namespace {

// What the flags say about reading input, checked before anything else.
struct InputRules {
  std::string delim;
  std::optional<std::string> key_delim;
  std::vector<std::pair<std::string, std::string>> headers;
  int acks = 1;
  Compression codec{};
};

Result<InputRules> input_rules(const ProduceOptions& o) {
  InputRules rules;
  auto delim = parse_delimiter(o.delimiter, "-D");
  if (!delim.ok()) return delim.status();
  rules.delim = *delim;
  if (!o.key_delimiter.empty()) {
    auto k = parse_delimiter(o.key_delimiter, "-K");
    if (!k.ok()) return k.status();
    rules.key_delim = *k;
  }
  if (o.key_set && rules.key_delim) return Status::InvalidArgument("--key and -K cannot be used together");
  if (o.json && (o.raw || rules.key_delim || o.key_set || !o.headers.empty()))
    return Status::InvalidArgument("--json reads keys and headers from the envelope; leave out --raw, -K, --key and -H");
  if (o.raw && rules.key_delim) return Status::InvalidArgument("--raw takes the whole input as the value; use --key, not -K");
  if (o.skip_bad && !o.json) return Status::InvalidArgument("--skip-bad applies to --json input only");
  for (const auto& h : o.headers) {
    auto eq = h.find('=');
    if (eq == std::string::npos || eq == 0)
      return Status::InvalidArgument("bad header '" + h + "': expected -H key=value");
    rules.headers.emplace_back(h.substr(0, eq), h.substr(eq + 1));
  }
  rules.acks = o.acks == "all" || o.acks == "-1" ? -1 : o.acks == "0" ? 0 : 1;
  auto codec = parse_compression(o.compression);
  if (!codec)
    return Status::InvalidArgument("unknown --compression '" + o.compression +
                                   "': expected none, gzip, snappy, lz4 or zstd");
  rules.codec = *codec;
  return rules;
}

struct TopicLimits {
  int32_t partitions;
  int64_t max_message;
};

// Partition count and size limit; creates the topic when allowed.
Result<TopicLimits> topic_limits(Client* client, const ProduceOptions& o) {
  auto meta = client->call({{"op", "topics"}, {"topics", {o.topic}}, {"auto_create", true}});
  if (!meta.ok()) return meta.status();
  const auto& t = meta->header["topics"][0];
  TopicLimits limits{t["partitions"].get<int32_t>(), topic_defaults::kMaxMessageBytes};  // a daemon that sent none
  if (t["configs"].contains("max.message.bytes"))
    limits.max_message = std::stoll(t["configs"]["max.message.bytes"].get<std::string>());
  if (o.partition >= limits.partitions)
    return Status::InvalidArgument("partition " + std::to_string(o.partition) + " does not exist (topic '" + o.topic +
                                   "' has " + std::to_string(limits.partitions) + ")");
  return limits;
}

// The input loop: reads records, hands them to the producer, and returns
// the first input error (OK at a clean end of input).
class InputReader {
 public:
  InputReader(const ProduceOptions& o, const InputRules& rules, Producer* producer, Splitter* in, ProgressLine* progress)
      : o_(o), rules_(rules), producer_(producer), in_(in), progress_(progress) {
    for (const auto& [k, v] : rules.headers) fixed_headers_.push_back({k, std::string_view(v)});
  }

  // The whole input as one record, read no further than the topic accepts:
  // an endless or huge input is refused as soon as it is over the limit,
  // in bounded memory.
  Status raw(int64_t max_message) {
    Status error;
    auto all = in_->all(static_cast<uint64_t>(max_message));
    if (!all) return raw_too_large(max_message, in_->read());
    InputRecord r{o_.key_set ? std::optional<std::string_view>(o_.key) : std::nullopt, *all, fixed_headers_, wall_ms(), -1, 1};
    producer_->add(r, &error);
    return error;
  }

  Status records() {
    Status error;
    for (;;) {
      // Linger: no record waits in a batch longer than linger_ms, whether
      // input pauses or trickles. The clock is read only when the buffer
      // holds no whole record (before a read) or every 1024 records. Only
      // the batches whose linger ran out are sent; while input waits, the
      // others' lingers are waited for in turn.
      while (producer_->has_pending() && (!in_->has_record() || (line_ & 1023) == 0)) {
        int64_t left = producer_->oldest_pending_ms() + o_.linger_ms - steady_ms();
        if (left > 0 && in_->wait(static_cast<int>(left))) break;
        const bool idle = !in_->wait(0);  // nothing to read now (a file is never idle)
        if (!producer_->flush_due(idle, &error)) return error;
        if (!idle) break;
      }
      auto rec = in_->next();
      if (!rec) break;
      ++line_;
      InputRecord r;
      r.line = line_;
      r.timestamp = chunk_ms();
      if (o_.json) {
        if (rec->empty() || *rec == "\r") continue;  // blank lines between objects
        Envelope got = from_envelope(*rec, &r, &error);
        if (got == Envelope::kSkipped) continue;
        if (got == Envelope::kBad) return error;
      } else {
        split_line(*rec, &r);
      }
      if (!producer_->add(r, &error)) return error;
      if ((line_ & 4095) == 0) progress_->update(line_, static_cast<int64_t>(in_->consumed()));
    }
    if (in_->error() != 0) return Status::IOError(std::string("reading input: ") + std::strerror(in_->error()));
    return error;
  }

  int64_t skipped() const { return skipped_; }

 private:
  // Record timestamps: the wall clock when the chunk of input holding the
  // record was read (one clock read per chunk, not per record). Records
  // that arrived in one read arrived together.
  int64_t chunk_ms() {
    if (in_->reads() != reads_seen_) {
      reads_seen_ = in_->reads();
      chunk_ms_ = wall_ms();
    }
    return chunk_ms_;
  }

  enum class Envelope { kRecord, kSkipped, kBad };
  // A JSON envelope line into `r`; a bad line is skipped (--skip-bad) or
  // ends the input with `*error`.
  Envelope from_envelope(std::string_view rec, InputRecord* r, Status* error) {
    auto parsed = parse_envelope(rec);
    if (!parsed.ok()) {
      Status bad = Status::InvalidArgument("line " + std::to_string(line_) + ": " + parsed.status().message());
      if (!o_.skip_bad) {
        *error = std::move(bad);
        return Envelope::kBad;
      }
      print_warning(bad.message() + " (skipped)");
      ++skipped_;
      return Envelope::kSkipped;
    }
    env_ = std::move(*parsed);
    r->key = env_.key ? std::optional<std::string_view>(*env_.key) : std::nullopt;
    r->value = env_.value ? std::optional<std::string_view>(*env_.value) : std::nullopt;
    for (const auto& [k, v] : env_.headers) r->headers.push_back({k, v ? std::optional<std::string_view>(*v) : std::nullopt});
    if (env_.timestamp) r->timestamp = *env_.timestamp;
    if (env_.partition) r->partition = *env_.partition;
    return Envelope::kRecord;
  }

  // A plain line: key and value split at -K, or --key for every record.
  void split_line(std::string_view rec, InputRecord* r) const {
    r->headers = fixed_headers_;
    if (rules_.key_delim) {
      size_t at = rec.find(*rules_.key_delim);
      if (at == std::string_view::npos) {
        r->value = rec;  // no key delimiter: a record without a key
      } else {
        r->key = rec.substr(0, at);
        r->value = rec.substr(at + rules_.key_delim->size());
      }
    } else {
      if (o_.key_set) r->key = o_.key;
      r->value = rec;
    }
  }

  const ProduceOptions& o_;
  const InputRules& rules_;
  Producer* producer_;
  Splitter* in_;
  ProgressLine* progress_;
  std::vector<batch::Header> fixed_headers_;
  EnvelopeRecord env_;  // the current envelope, which r's views point into
  int64_t line_ = 0;
  int64_t skipped_ = 0;
  uint64_t reads_seen_ = ~uint64_t{0};
  int64_t chunk_ms_ = 0;
};

// Sends what is left, then says what happened: the exit code.
int finish(const ProduceOptions& o, Producer& producer, const Status& input_error, int64_t skipped, bool input_eof) {
  Status send_error;
  if (producer.lost().ok() && producer.flush_all(&send_error)) producer.drain(&send_error);
  if (o.verbose)
    print_warning(std::to_string(producer.acked()) + " records acknowledged to " + o.topic +
                  (producer.failed() ? ", " + std::to_string(producer.failed()) + " failed" : "") +
                  (skipped ? ", " + std::to_string(skipped) + " bad lines skipped" : ""));
  if (!producer.lost().ok()) {
    if (producer.failed() > 0) print_error(producer.first_failure().message());
    return report_lost_connection(producer.lost(), producer.tally(!input_eof));
  }
  if (producer.failed() > 0) {
    print_error(producer.first_failure().message());
    print_error(std::to_string(producer.failed()) + " of " + std::to_string(producer.records()) +
                " records were not acknowledged");
    return exit_code(Exit::kPartial);
  }
  if (!input_error.ok()) return report_input_error(input_error, producer.acked());
  return 0;
}

int run_produce(const ProduceOptions& o) {
  auto name = TopicName::Parse(o.topic);
  if (!name.ok()) return report(name.status());
  auto rules = input_rules(o);
  if (!rules.ok()) return report(rules.status());
  int fd = 0;
  if (!o.file.empty()) {
    fd = ::open(o.file.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) return report(Status::NotFound(o.file + ": " + std::strerror(errno)));
  }
  Status error;
  auto client = connect_or_report(&error);
  if (!client) return report(error);
  auto limits = topic_limits(client.get(), o);
  if (!limits.ok()) return report(limits.status());

  Producer producer(o, client.get(), limits->partitions, limits->max_message, rules->acks, rules->codec);
  Splitter in(fd, rules->delim);
  // From a file (--file or `< file`) on a terminal: progress with the
  // share of the file read and an ETA.
  struct stat input_st {};
  const bool regular = ::fstat(fd, &input_st) == 0 && S_ISREG(input_st.st_mode);
  ProgressLine progress("produce", regular, regular ? static_cast<int64_t>(input_st.st_size) : -1, true);
  InputReader reader(o, *rules, &producer, &in, &progress);
  Status input_error = o.raw ? reader.raw(limits->max_message) : reader.records();
  progress.clear();
  return finish(o, producer, input_error, reader.skipped(), in.eof());
}

}  // namespace

void set_produce_command(CLI::App& app, Runner* run) {
  auto o = std::make_shared<ProduceOptions>();
  auto* cmd = app.add_subcommand("produce", "Write records from stdin (one per line by default) to a topic");
  cmd->add_option("topic", o->topic, "Topic to write to (created when missing, if the daemon allows)")->required();
  cmd->add_option("-D,--delimiter", o->delimiter, "Record delimiter; escapes \\n \\t \\0 \\xNN; several bytes allowed (default \\n)");
  cmd->add_option("-K,--key-delimiter", o->key_delimiter, "Split each record into key and value at the first DELIM");
  cmd->add_option("--key", o->key, "Use this key for every record")->each([o](const std::string&) { o->key_set = true; });
  cmd->add_option("-H,--header", o->headers, "Add header key=value to every record (repeatable)");
  cmd->add_flag("--json", o->json, "Read NDJSON envelopes {key, value, headers, timestamp, partition}");
  cmd->add_flag("--skip-bad", o->skip_bad, "With --json: report malformed lines and go on");
  cmd->add_flag("--raw", o->raw, "The whole input is one record");
  cmd->add_option("--file", o->file, "Read FILE instead of stdin");
  cmd->add_option("-p,--partition", o->partition, "Write every record to partition N")->check(CLI::NonNegativeNumber);
  cmd->add_option("--acks", o->acks, "0: no answer; 1: written to the log (default); all (or -1): fsynced")
      ->check(CLI::IsMember({"0", "1", "all", "-1"}));
  cmd->add_option("--linger-ms", o->linger_ms, "A partition's batch waits at most this many ms for more input (default 5)")
      ->check(CLI::Range(0, 60000));
  cmd->add_option("--batch-bytes", o->batch_bytes,
                  "Send a batch once its records reach this size, before compression (default 262144)")
      ->check(CLI::Range(1024, 64 << 20));
  cmd->add_option("--compression", o->compression,
                  "Compress each batch: none (default), gzip, snappy, lz4 or zstd, as Kafka clients do")
      ->check(CLI::IsMember({"none", "gzip", "snappy", "lz4", "zstd"}));
  cmd->add_flag("-v,--verbose", o->verbose, "Print a summary on stderr");
  cmd->footer(
      "Keyed records go to murmur2(key) % partitions, as in Kafka; records without a key\n"
      "fill one partition's batch at a time, round robin from a random start.\n"
      "Exit 5 when some records were not acknowledged.\n\n"
      "Examples:\n"
      "  seq 1000 | ks produce numbers\n"
      "  ks produce logs -K: < kv.txt\n"
      "  ks consume events --json -e | ks produce copy --json\n"
      "  ks produce blobs --raw --file image.png --key logo");
  cmd->callback([o, run] { *run = [o] { return run_produce(*o); }; });
}

}  // namespace ks::cli
