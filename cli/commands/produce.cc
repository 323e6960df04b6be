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

struct ProduceOptions {
  std::string topic;
  std::string delimiter = "\\n";
  std::string key_delimiter;
  std::string key;
  bool key_set = false;
  std::vector<std::string> headers;
  bool json = false;
  bool skip_bad = false;
  bool raw = false;
  std::string file;
  int32_t partition = -1;
  std::string acks = "1";
  int64_t linger_ms = 5;
  int64_t batch_bytes = 256 << 10;
  int max_in_flight = 16;
  std::string compression = "none";
  bool verbose = false;
};

// One record as read from the input, before it is encoded.
struct InputRecord {
  std::optional<std::string_view> key;
  std::optional<std::string_view> value;
  std::vector<batch::Header> headers;
  int64_t timestamp = 0;
  int32_t partition = -1;
  int64_t line = 0;  // 1-based position in the input, for messages
};

class Producer {
 public:
  Producer(const ProduceOptions& o, Client* client, int32_t partitions, int64_t max_message_bytes, int acks,
           Compression codec)
      : o_(o), client_(client), partitions_(partitions), max_message_(max_message_bytes), acks_(acks),
        sticky_(random_start_partition(partitions)) {
    builders_.reserve(static_cast<size_t>(partitions));
    for (int32_t p = 0; p < partitions; ++p) builders_.push_back(Pending{batch::BatchBuilder(codec), 0});
  }

  // Adds a record; false (with *error set) when it cannot be sent.
  bool add(const InputRecord& r, Status* error) {
    ++seen_;
    int32_t p = r.partition;
    if (p < 0) p = o_.partition;
    const bool sticky = p < 0 && !r.key;
    if (p < 0) p = r.key ? partition_for_key(*r.key, partitions_) : sticky_;
    if (p >= partitions_) {
      *error = Status::InvalidArgument("record " + std::to_string(r.line) + ": partition " + std::to_string(p) +
                                       " does not exist (topic '" + o_.topic + "' has " +
                                       std::to_string(partitions_) + ")");
      return false;
    }
    Pending* b = &builders_[static_cast<size_t>(p)];
    size_t rec = batch::BatchBuilder::record_size(r.key, r.value, r.headers, 0, 0) + 10;
    if (batch::kHeaderSize + rec > static_cast<size_t>(max_message_)) {
      *error = Status::InvalidArgument("record " + std::to_string(r.line) + " is about " +
                                       std::to_string(batch::kHeaderSize + rec) +
                                       " bytes, over the topic's max.message.bytes (" +
                                       std::to_string(max_message_) + "); it and the records after it were not sent");
      return false;
    }
    if (!b->builder.empty() && (b->builder.size() + rec > static_cast<size_t>(max_message_) ||
                                b->builder.size() + rec > static_cast<size_t>(o_.batch_bytes))) {
      if (!send(p, error)) return false;
      // The sticky partition moved on with that batch; so does this record,
      // and that partition's batch (keyed records may be waiting there) must
      // have room for it too.
      if (sticky) {
        p = sticky_;
        b = &builders_[static_cast<size_t>(p)];
        if (!b->builder.empty() && (b->builder.size() + rec > static_cast<size_t>(max_message_) ||
                                    b->builder.size() + rec > static_cast<size_t>(o_.batch_bytes))) {
          if (!send(p, error)) return false;
        }
      }
    }
    if (b->builder.empty()) {
      b->first_line = r.line;
      if (!spare_.empty()) {
        b->builder.adopt_buffer(std::move(spare_.back()));
        spare_.pop_back();
      }
    }
    if (pending_records_ == 0) oldest_pending_ms_ = steady_ms();
    b->builder.add(r.key, r.value, r.timestamp, r.headers);
    ++records_;
    ++pending_records_;
    if (b->builder.size() >= static_cast<size_t>(o_.batch_bytes)) return send(p, error);
    return true;
  }

  bool has_pending() const { return pending_records_ > 0; }
  // When the oldest record waiting in a batch was added (steady clock, ms).
  int64_t oldest_pending_ms() const { return oldest_pending_ms_; }

  bool flush_all(Status* error) {
    for (int32_t p = 0; p < partitions_; ++p)
      if (!builders_[static_cast<size_t>(p)].builder.empty() && !send(p, error)) return false;
    return true;
  }

  // Waits for every answer; false on a lost connection.
  bool drain(Status* error) {
    while (!in_flight_.empty())
      if (!receive_one(error)) return false;
    return true;
  }

  int64_t records() const { return records_; }
  int64_t failed() const { return failed_; }
  int64_t acked() const { return acked_; }
  const Status& first_failure() const { return first_failure_; }
  // Why the connection broke (OK while it works); nothing more is sent then.
  const Status& lost() const { return lost_; }
  ProduceTally tally(bool input_left) const { return {acks_, seen_, acked_, failed_, input_left}; }

 private:
  struct Pending {
    batch::BatchBuilder builder;
    int64_t first_line = 0;
  };
  struct Sent {
    int32_t partition;
    int64_t records;
    int64_t first_line;
  };

  bool send(int32_t p, Status* error) {
    Pending& b = builders_[static_cast<size_t>(p)];
    int64_t n = b.builder.record_count();
    pending_records_ -= n;
    if (pending_records_ > 0) oldest_pending_ms_ = steady_ms();  // conservative for the rest
    std::string_view bytes = b.builder.finish();
    nlohmann::json req = {{"op", "produce"}, {"topic", o_.topic}, {"partition", p}, {"acks", acks_}};
    auto id = client_->send(std::move(req), bytes);
    if (!id.ok()) {
      *error = lose(id.status());
      return false;
    }
    b.builder.clear();
    // With many partitions, buffers go back to a small pool for the next
    // batch: memory follows the partitions with records waiting, not the
    // partition count (1000 partitions x 256 KiB would be 256 MB).
    if (partitions_ > 1 && spare_.size() < 4) spare_.push_back(b.builder.release_buffer());
    if (o_.partition < 0 && p == sticky_) sticky_ = (sticky_ + 1) % partitions_;
    if (acks_ == 0) {
      acked_ += n;
      return true;
    }
    in_flight_.push_back({p, n, b.first_line});
    while (in_flight_.size() >= static_cast<size_t>(o_.max_in_flight))
      if (!receive_one(error)) return false;
    return true;
  }

  bool receive_one(Status* error) {
    auto r = client_->receive();
    if (!r.ok()) {
      *error = lose(r.status());
      return false;
    }
    count(*r);
    return true;
  }

  // The connection broke. Answers the daemon sent before it went may still
  // be readable; each is exact, so the tally says what was acknowledged.
  Status lose(const Status& why) {
    if (lost_.ok()) lost_ = why;
    while (!in_flight_.empty()) {
      auto r = client_->receive();
      if (!r.ok()) break;
      count(*r);
    }
    return lost_;
  }

  void count(const Response& r) {
    Sent s = in_flight_.front();
    in_flight_.pop_front();
    Status st = r.status();
    if (st.ok()) {
      acked_ += s.records;
    } else {
      failed_ += s.records;
      if (first_failure_.ok())
        first_failure_ = Status(st).prepend("records from " + std::to_string(s.first_line) + " (" +
                                            std::to_string(s.records) + " records to partition " +
                                            std::to_string(s.partition) + ")");
    }
  }

  const ProduceOptions& o_;
  Client* client_;
  int32_t partitions_;
  int64_t max_message_;
  int acks_;
  std::vector<Pending> builders_;
  std::vector<std::string> spare_;  // released batch buffers, reused by the next batch
  std::deque<Sent> in_flight_;
  int32_t sticky_;
  int64_t seen_ = 0, records_ = 0, acked_ = 0, failed_ = 0;
  int64_t pending_records_ = 0;
  int64_t oldest_pending_ms_ = 0;
  Status first_failure_;
  Status lost_;
};

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
      // holds no whole record (before a read) or every 1024 records.
      if (producer_->has_pending() && (!in_->has_record() || (line_ & 1023) == 0)) {
        int64_t left = producer_->oldest_pending_ms() + o_.linger_ms - steady_ms();
        if (left <= 0 || !in_->wait(static_cast<int>(left))) {
          if (!producer_->flush_all(&error)) return error;
        }
      }
      auto rec = in_->next();
      if (!rec) break;
      ++line_;
      InputRecord r;
      r.line = line_;
      r.timestamp = wall_ms();
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
  cmd->add_option("--linger-ms", o->linger_ms, "No record waits in a batch longer than this many ms (default 5)")
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
