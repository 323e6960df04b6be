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
#include <CLI/CLI.hpp>
#include <poll.h>
#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <ctime>
#include <deque>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "cli/clock.h"
#include "cli/commands/commands.h"
#include "cli/context.h"
#include "cli/output.h"
#include "common/compression.h"
#include "common/record_batch.h"
#include "common/topic_defaults.h"
#include "common/types.h"

namespace ks::cli {
namespace {

using nlohmann::json;

enum class Mode { kProduce, kConsume, kE2e };

struct BenchOptions {
  Mode mode = Mode::kProduce;
  std::string topic;  // empty: a fresh bench-<pid>-<time> topic
  int64_t records = -1;  // -1: the mode's default
  int64_t record_size = 100;
  int64_t rate = 0;  // records/s; 0 = unlimited
  std::string acks = "1";
  int64_t batch_bytes = 256 << 10;
  int64_t linger_ms = 5;
  int32_t partitions = 1;
  std::string compression = "none";
  int in_flight = 16;
  int64_t fetch_bytes = 1 << 20;
  int64_t warmup = 1000;
  bool keep = false;
  std::string output = "text";
};

constexpr int64_t kDefaultRecords = 1000000;
constexpr int64_t kDefaultE2eRecords = 20000;
constexpr int64_t kE2eWaitMs = 30000;
constexpr int64_t kSecond = 1000000000;  // ns

// --- signals -------------------------------------------------------------------

volatile int g_signal = 0;

void on_signal(int sig) {
  g_signal = sig;
  // A second Ctrl-C ends the process at once, even while cleaning up.
  struct sigaction dfl {};
  dfl.sa_handler = SIG_DFL;
  sigaction(sig, &dfl, nullptr);
}

void install_signal_handlers() {
  struct sigaction sa {};
  sa.sa_handler = on_signal;
  sigemptyset(&sa.sa_mask);
  sa.sa_flags = 0;  // no SA_RESTART: a blocking receive returns "interrupted"
  sigaction(SIGINT, &sa, nullptr);
  sigaction(SIGTERM, &sa, nullptr);
  // Only the client's flag, not Stdout's: the figures measured before the
  // signal are still printed.
  set_interrupt_flag(&g_signal);
}

// --- generated values ----------------------------------------------------------

// Values of generated records: slices of a pool of pseudo-random text
// (words from a fixed random vocabulary), a different slice for each
// record. Codecs find the redundancy of text in it, but not the one of a
// single value sent over and over, which would flatter compression.
class Payload {
 public:
  explicit Payload(size_t size) : size_(size) {
    std::vector<std::string> words(1024);
    for (auto& w : words) {
      size_t n = 2 + rand64() % 8;
      for (size_t i = 0; i < n; ++i) w += static_cast<char>('a' + rand64() % 26);
    }
    size_t want = std::max<size_t>(kPoolSize, 2 * size);
    pool_.reserve(want + 16);
    while (pool_.size() < want) {
      pool_ += words[rand64() % words.size()];
      pool_ += ' ';
    }
  }

  // A view into the pool, valid as long as this object.
  std::string_view next() {
    size_t at = rand64() % (pool_.size() - size_ + 1);
    return std::string_view(pool_).substr(at, size_);
  }

 private:
  static constexpr size_t kPoolSize = 4 << 20;

  uint64_t rand64() {  // xorshift64*: fast, and the same values every run
    state_ ^= state_ >> 12;
    state_ ^= state_ << 25;
    state_ ^= state_ >> 27;
    return state_ * 0x2545F4914F6CDD1DULL;
  }

  size_t size_;
  uint64_t state_ = 0x9E3779B97F4A7C15ULL;
  std::string pool_;
};

// --- what is measured ------------------------------------------------------------

struct Measured {
  int64_t records = 0;     // acknowledged (acks 0: sent), consumed, or e2e samples
  int64_t bytes = 0;       // their keys and values
  int64_t requests = 0;    // produce: batches sent; consume: fetch responses
  int64_t wire_bytes = 0;  // record batches sent or fetched, as on the wire
  int64_t start_ns = 0, end_ns = 0;
  std::vector<int64_t> latency_ns;

  double seconds() const { return end_ns > start_ns ? static_cast<double>(end_ns - start_ns) / 1e9 : 0.0; }
  double per_second(double n) const { return seconds() > 0 ? n / seconds() : 0.0; }
};

// A once-a-second progress line on stderr, only when stderr is a terminal;
// erased before the figures are printed.
class Progress {
 public:
  Progress(const char* what, int64_t start_ns)
      : what_(what), on_(::isatty(STDERR_FILENO) == 1), start_(start_ns), next_(start_ns + kSecond) {}
  ~Progress() { clear(); }

  // When the next line is due (steady ns); INT64_MAX when there is none.
  int64_t due() const { return on_ ? next_ : INT64_MAX; }

  void tick(int64_t now, const Measured& m) {
    if (!on_ || now < next_) return;
    next_ = now + kSecond;
    double secs = static_cast<double>(now - start_) / 1e9;
    char line[160];
    std::snprintf(line, sizeof line, "\r%s: %lld records, %.0f records/s, %.1f MB/s\033[K", what_,
                  static_cast<long long>(m.records), secs > 0 ? m.records / secs : 0.0,
                  secs > 0 ? m.bytes / secs / 1e6 : 0.0);
    std::fputs(line, stderr);
    shown_ = true;
  }

  void clear() {
    if (shown_) std::fputs("\r\033[K", stderr);
    shown_ = false;
  }

 private:
  const char* what_;
  bool on_;
  int64_t start_, next_;
  bool shown_ = false;
};

struct Latency {
  double p50, p99, p999, max;  // µs
};

// Nearest-rank percentiles of the samples; nullopt without any.
std::optional<Latency> summarize(std::vector<int64_t> ns) {
  if (ns.empty()) return std::nullopt;
  std::sort(ns.begin(), ns.end());
  auto at = [&](double q) {
    auto rank = static_cast<size_t>(std::ceil(q * static_cast<double>(ns.size()) - 1e-9));
    return static_cast<double>(ns[std::clamp<size_t>(rank, 1, ns.size()) - 1]) / 1000.0;
  };
  return Latency{at(0.50), at(0.99), at(0.999), static_cast<double>(ns.back()) / 1000.0};
}

double rounded(double v, int decimals) {
  double f = std::pow(10.0, decimals);
  return std::round(v * f) / f;
}

std::string fixed(double v, int decimals) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.*f", decimals, v);
  return buf;
}

// The figures of one run: aligned `key value` lines, or one JSON object.
// The JSON names are an interface (scripts/bench.sh reads them): keep them.
class Report {
 public:
  void add(const std::string& key, const std::string& json_key, nlohmann::ordered_json value, std::string text) {
    rows_.emplace_back(key, std::move(text));
    json_[json_key] = std::move(value);
  }
  void add(const std::string& key, const std::string& json_key, int64_t v) { add(key, json_key, v, std::to_string(v)); }
  void add(const std::string& key, const std::string& json_key, const std::string& v) { add(key, json_key, v, v); }
  void add(const std::string& key, const std::string& json_key, double v, int decimals) {
    add(key, json_key, rounded(v, decimals), fixed(v, decimals));
  }

  void add_latency(const Latency& l) {
    json_["latency_us"] = {{"p50", rounded(l.p50, 1)},
                           {"p99", rounded(l.p99, 1)},
                           {"p999", rounded(l.p999, 1)},
                           {"max", rounded(l.max, 1)}};
    rows_.emplace_back("latency-p50-us", fixed(l.p50, 1));
    rows_.emplace_back("latency-p99-us", fixed(l.p99, 1));
    rows_.emplace_back("latency-p99.9-us", fixed(l.p999, 1));
    rows_.emplace_back("latency-max-us", fixed(l.max, 1));
  }

  void print(bool as_json) const {
    Stdout& out = Stdout::get();
    if (as_json) {
      out.write(json_.dump(out.is_terminal() ? 2 : -1) + "\n");
    } else {
      size_t width = 0;
      for (const auto& [k, v] : rows_) width = std::max(width, k.size());
      for (const auto& [k, v] : rows_) out.write(k + std::string(width - k.size() + 2, ' ') + v + "\n");
    }
    out.flush();
  }

 private:
  std::vector<std::pair<std::string, std::string>> rows_;
  nlohmann::ordered_json json_ = nlohmann::ordered_json::object();
};

// --- topics ----------------------------------------------------------------------

struct PartitionSpan {
  int32_t partition;
  int64_t start, end;  // offsets
};

struct TopicInfo {
  std::string name;
  int32_t partitions = 0;
  int64_t max_message = topic_defaults::kMaxMessageBytes;
  std::vector<PartitionSpan> spans;
};

Result<TopicInfo> describe_topic(Client* client, const std::string& name) {
  auto r = client->call({{"op", "topics"}, {"topics", {name}}, {"detail", true}});
  if (!r.ok()) return r.status();
  const auto& t = r->header["topics"][0];
  TopicInfo info;
  info.name = name;
  info.partitions = t["partitions"].get<int32_t>();
  if (t["configs"].contains("max.message.bytes"))
    info.max_message = std::stoll(t["configs"]["max.message.bytes"].get<std::string>());
  for (const auto& p : t["partition_info"])
    info.spans.push_back({p["partition"].get<int32_t>(), p["start"].get<int64_t>(), p["end"].get<int64_t>()});
  return info;
}

Status create_topic(Client* client, const std::string& name, int32_t partitions) {
  auto r = client->call({{"op", "create_topic"}, {"topic", name}, {"partitions", partitions}});
  return r.ok() ? Status::OK() : r.status();
}

// The fresh topic a run made; deleted when the run ends unless --keep.
class TempTopic {
 public:
  ~TempTopic() { drop(); }
  void set(std::string name, bool keep) {
    name_ = std::move(name);
    keep_ = keep;
  }
  void drop() {
    if (name_.empty() || keep_) return;
    // A fresh connection: the run's own may be cut mid-frame by Ctrl-C.
    // Never one that starts a daemon: the topic went with the old one.
    ConnectOptions c = global_options().connect_options();
    c.autostart = false;
    Status s;
    auto client = Client::Connect(c);
    if (!client.ok()) {
      s = client.status();
    } else {
      auto r = (*client)->call({{"op", "delete_topic"}, {"topic", name_}});
      if (!r.ok()) s = r.status();
    }
    if (!s.ok() && s.code() != Code::kNotFound)
      print_warning("could not delete the benchmark topic " + name_ + ": " + s.message() + " (`ks topic delete " +
                    name_ + "`)");
    name_.clear();
  }

 private:
  std::string name_;
  bool keep_ = false;
};

// --- produce ---------------------------------------------------------------------

// Sends finished batches as pipelined produce requests on one connection,
// as `ks produce` does, and times each from its send to its
// acknowledgement. Acknowledgements are read as soon as they are readable
// between batches, so the times include little of the client's own work.
class Pipeline {
 public:
  // `client` and `m` must outlive the pipeline.
  Pipeline(Client* client, std::string topic, int acks, int max_in_flight, int64_t record_size, Measured* m)
      : client_(client), topic_(std::move(topic)), acks_(acks), max_in_flight_(static_cast<size_t>(max_in_flight)),
        record_size_(record_size), m_(m) {}

  // Sends one batch of `records` records; waits for the oldest answer
  // while max_in_flight are out.
  Status send(int32_t partition, std::string_view batch, int64_t records) {
    json req = {{"op", "produce"}, {"topic", topic_}, {"partition", partition}, {"acks", acks_}};
    int64_t sent = steady_ns();
    auto id = client_->send(std::move(req), batch);
    if (!id.ok()) return id.status();
    ++m_->requests;
    m_->wire_bytes += static_cast<int64_t>(batch.size());
    if (acks_ == 0) {
      m_->records += records;
      m_->bytes += records * record_size_;
      return poll(0);
    }
    in_flight_.push_back({sent, records, partition});
    while (in_flight_.size() >= max_in_flight_) KS_RETURN_IF_ERROR(receive_one());
    return poll(0);
  }

  // Reads the answers that arrive within timeout_ns (0: those already
  // here); returns after the first, or when the time is up.
  Status poll(int64_t timeout_ns) {
    timespec ts{static_cast<time_t>(timeout_ns / kSecond), static_cast<long>(timeout_ns % kSecond)};
    for (;;) {
      pollfd p{client_->fd(), POLLIN, 0};
      int rc = ::ppoll(&p, 1, &ts, nullptr);
      if (rc < 0) return errno == EINTR ? Status::OK() : Status::FromErrno("poll", errno);
      if (rc == 0) return Status::OK();
      KS_RETURN_IF_ERROR(receive_one());
      ts = {0, 0};
    }
  }

  Status drain() {
    while (!in_flight_.empty()) KS_RETURN_IF_ERROR(receive_one());
    return Status::OK();
  }

  int64_t failed() const { return failed_; }
  const Status& first_failure() const { return first_failure_; }

 private:
  struct Sent {
    int64_t sent_ns;
    int64_t records;
    int32_t partition;
  };

  Status receive_one() {
    auto r = client_->receive();
    int64_t now = steady_ns();
    if (!r.ok()) return r.status();
    if (in_flight_.empty()) {  // acks 0 gets no answers: this is an error, or a bug
      Status s = r->status();
      return s.ok() ? Status::IOError("the daemon answered a produce request sent with --acks 0") : s;
    }
    Sent s = in_flight_.front();
    in_flight_.pop_front();
    Status st = r->status();
    if (!st.ok()) {
      failed_ += s.records;
      if (first_failure_.ok()) {
        first_failure_ = st;
        first_failure_.prepend("partition " + std::to_string(s.partition));
      }
      return Status::OK();
    }
    m_->records += s.records;
    m_->bytes += s.records * record_size_;
    m_->latency_ns.push_back(now - s.sent_ns);
    return Status::OK();
  }

  Client* client_;
  std::string topic_;
  int acks_;
  size_t max_in_flight_;
  int64_t record_size_;
  Measured* m_;
  std::deque<Sent> in_flight_;
  int64_t failed_ = 0;
  Status first_failure_;
};

int parse_acks(const std::string& acks) { return acks == "all" || acks == "-1" ? -1 : acks == "0" ? 0 : 1; }

// Largest encoded size of one generated record (with produce's margin for
// the varints of later records).
size_t generated_record_size(int64_t record_size) {
  std::string value(static_cast<size_t>(record_size), 'x');
  return batch::BatchBuilder::record_size(std::nullopt, value, {}, 0, 0) + 10;
}

// Generates `n` records and sends them through `pipe` to `t`, one
// partition's batch at a time, round robin; `m` is the pipeline's. Stops
// early (returning OK) on Ctrl-C. Batches the daemon refused are counted
// by the pipeline.
Status produce_records(Pipeline& pipe, const TopicInfo& t, const BenchOptions& o, int64_t n, Measured* m) {
  auto codec = parse_compression(o.compression);
  Payload payload(static_cast<size_t>(o.record_size));
  batch::BatchBuilder builder(codec.value_or(Compression::kNone));
  const size_t limit = static_cast<size_t>(std::min(o.batch_bytes, t.max_message));
  const size_t rec = generated_record_size(o.record_size);
  const int64_t linger = o.linger_ms * 1000000;
  const double ns_per_record = o.rate > 0 ? 1e9 / static_cast<double>(o.rate) : 0.0;

  m->start_ns = steady_ns();
  Progress progress("produce", m->start_ns);
  int32_t partition = 0;
  int64_t batch_ts = 0;     // record timestamp, read once per batch when unthrottled
  int64_t batch_start = 0;  // when the batch being filled got its first record
  auto send_batch = [&]() -> Status {
    int64_t count = builder.record_count();
    Status s = pipe.send(partition, builder.finish(), count);
    builder.clear();
    partition = (partition + 1) % t.partitions;
    progress.tick(steady_ns(), *m);
    return s;
  };

  for (int64_t i = 0; i < n && !g_signal; ++i) {
    if (o.rate > 0) {
      // Record i goes out no earlier than i / rate seconds after the start;
      // meanwhile answers are read, and a batch waits no longer than linger.
      const int64_t due = m->start_ns + static_cast<int64_t>(static_cast<double>(i) * ns_per_record);
      for (int64_t now = steady_ns(); now < due && !g_signal; now = steady_ns()) {
        int64_t until = std::min(due, progress.due());
        if (!builder.empty()) until = std::min(until, batch_start + linger);
        if (until > now) KS_RETURN_IF_ERROR(pipe.poll(until - now));
        now = steady_ns();
        if (!builder.empty() && now >= batch_start + linger) KS_RETURN_IF_ERROR(send_batch());
        progress.tick(now, *m);
      }
      if (g_signal) break;
    }
    if (!builder.empty() && builder.size() + rec > limit) KS_RETURN_IF_ERROR(send_batch());
    if (builder.empty()) {
      batch_start = steady_ns();
      batch_ts = wall_ms();
    }
    builder.add(std::nullopt, payload.next(), o.rate > 0 ? wall_ms() : batch_ts);
  }
  if (!g_signal && !builder.empty()) KS_RETURN_IF_ERROR(send_batch());
  // Also after Ctrl-C, to count what was sent: unless the signal cut a read
  // short (an error, returned above), the connection is sound, and a second
  // Ctrl-C ends the process.
  KS_RETURN_IF_ERROR(pipe.drain());
  m->end_ns = steady_ns();
  return Status::OK();
}

// --- consume ---------------------------------------------------------------------

// Caps the spans at `cap` records in all, spread as evenly over the
// partitions as their lengths allow.
void cap_spans(std::vector<PartitionSpan>* spans, int64_t cap) {
  std::vector<PartitionSpan*> by_length;
  for (auto& s : *spans) by_length.push_back(&s);
  std::sort(by_length.begin(), by_length.end(),
            [](const PartitionSpan* a, const PartitionSpan* b) { return a->end - a->start < b->end - b->start; });
  int64_t left = cap;
  for (size_t i = 0; i < by_length.size(); ++i) {
    auto n = static_cast<int64_t>(by_length.size() - i);
    int64_t share = left / n + (left % n != 0 ? 1 : 0);
    PartitionSpan* s = by_length[i];
    int64_t take = std::min(s->end - s->start, share);
    s->end = s->start + take;
    left -= take;
  }
}

// Reads every record of `spans`: each partition has one fetch out at a
// time, and up to --in-flight partitions have theirs out at once. A fetch
// answers with whole batches from the one holding its offset, so where a
// partition's next fetch starts is known once the answer is framed; it is
// sent then, before the answer's records are decoded, so the daemon reads
// while the client decodes. (Fetching ahead at guessed offsets would
// re-read the batches the guesses cut through.)
Status consume_records(Client* client, const std::string& topic, const std::vector<PartitionSpan>& spans,
                       const BenchOptions& o, Measured* m) {
  struct Cursor {
    int32_t partition;
    int64_t next, stop;
    bool out = false;  // a fetch is waiting for its answer
  };
  std::vector<Cursor> cursors;
  for (const auto& s : spans)
    if (s.end > s.start) cursors.push_back({s.partition, s.start, s.end});
  std::deque<size_t> in_flight;  // indexes into cursors, in request order
  size_t turn = 0;
  auto fill = [&]() -> Status {
    for (size_t i = 0; i < cursors.size() && in_flight.size() < static_cast<size_t>(o.in_flight); ++i) {
      size_t k = (turn + i) % cursors.size();
      Cursor& c = cursors[k];
      if (c.out || c.next >= c.stop) continue;
      json part = {{"partition", c.partition}, {"offset", c.next}};
      auto id = client->send({{"op", "fetch"},
                              {"topic", topic},
                              {"partitions", json::array({part})},
                              {"max_wait_ms", 0},
                              {"min_bytes", 1},
                              {"max_bytes", o.fetch_bytes}});
      if (!id.ok()) return id.status();
      c.out = true;
      in_flight.push_back(k);
      turn = k + 1;
    }
    return Status::OK();
  };

  m->start_ns = steady_ns();
  Progress progress("consume", m->start_ns);
  batch::Record rec;
  KS_RETURN_IF_ERROR(fill());
  while (!in_flight.empty() && !g_signal) {
    auto r = client->receive();
    if (!r.ok()) return r.status();
    Cursor& c = cursors[in_flight.front()];
    in_flight.pop_front();
    c.out = false;
    KS_RETURN_IF_ERROR(r->status());
    const json& entries = r->header["partitions"];
    if (!entries.is_array() || entries.size() != 1) return Status::Corruption("unexpected fetch response");
    const json& e = entries[0];
    const std::string where = topic + "-" + std::to_string(c.partition);
    if (e.contains("error")) {
      Status s = Response{json{{"error", e["error"]}}, {}}.status();
      if (s.code() == Code::kOutOfRange && e.contains("start") && e["start"].get<int64_t>() > c.next) {
        int64_t start = e["start"].get<int64_t>();
        print_warning(where + ": offsets before " + std::to_string(start) + " were deleted (retention) during the run");
        c.next = start;
        KS_RETURN_IF_ERROR(fill());
        continue;
      }
      return s.prepend(where);
    }
    std::string_view data(r->payload);
    data = data.substr(0, std::min<size_t>(data.size(), e.value("bytes", uint64_t{0})));

    // Framing first: the partition's next fetch goes out before this
    // answer's records are decoded.
    const int64_t from = c.next, to = c.stop;
    int64_t covered = from;
    batch::BatchCursor frames(data);
    std::string_view b;
    while (frames.next(&b)) {
      auto h = batch::read_header(b);
      if (!h.ok())
        return Status::Corruption(where + " near offset " + std::to_string(covered) + ": " + h.status().message());
      if (h->base_offset >= to) break;
      covered = std::max(covered, std::min(h->next_offset(), to));
    }
    if (!frames.status().ok()) return Status::Corruption(where + ": " + frames.status().message());
    if (covered == from)
      return Status::IOError(where + ": a fetch at offset " + std::to_string(from) + " returned no records");
    c.next = covered;
    KS_RETURN_IF_ERROR(fill());

    // The records, CRC and all, as `ks consume` reads them.
    batch::BatchCursor cursor(data);
    while (cursor.next(&b)) {
      auto h = batch::check_crc(b);
      if (!h.ok()) return Status::Corruption(where + ": " + h.status().message());
      if (h->base_offset >= to) break;
      if (h->next_offset() <= from || h->is_control()) continue;
      batch::RecordReader reader(b);
      while (reader.next(&rec)) {
        if (rec.offset < from || rec.offset >= to) continue;
        ++m->records;
        m->bytes += static_cast<int64_t>((rec.key ? rec.key->size() : 0) + (rec.value ? rec.value->size() : 0));
      }
      if (!reader.status().ok()) return Status::Corruption(where + ": " + reader.status().message());
    }
    ++m->requests;
    m->wire_bytes += static_cast<int64_t>(data.size());
    progress.tick(steady_ns(), *m);
  }
  m->end_ns = steady_ns();
  return Status::OK();
}

// --- end to end ------------------------------------------------------------------

// One record in flight: a consumer connection long-polls partition 0 at its
// end; the producer connection sends one record; the time from before that
// send to the fetch response's arrival is one sample. The first --warmup
// records are not counted.
Status e2e_records(Client* producer, Client* consumer, const TopicInfo& t, const BenchOptions& o, int64_t n,
                   Measured* m) {
  const int acks = parse_acks(o.acks);
  Payload payload(static_cast<size_t>(o.record_size));
  batch::BatchBuilder builder;
  batch::Record rec;
  int64_t next = t.spans.empty() ? 0 : t.spans[0].end;
  const int64_t total = o.warmup + n;
  m->start_ns = steady_ns();
  Progress progress("e2e", m->start_ns);
  for (int64_t i = 0; i < total && !g_signal; ++i) {
    if (i == o.warmup) {
      m->start_ns = steady_ns();
      m->end_ns = m->start_ns;
    }
    json part = {{"partition", 0}, {"offset", next}};
    auto f = consumer->send({{"op", "fetch"},
                             {"topic", t.name},
                             {"partitions", json::array({part})},
                             {"max_wait_ms", kE2eWaitMs},
                             {"min_bytes", 1},
                             {"max_bytes", 1 << 20}});
    if (!f.ok()) return f.status();
    builder.clear();
    builder.add(std::nullopt, payload.next(), wall_ms());
    std::string_view bytes = builder.finish();

    const int64_t t0 = steady_ns();
    auto s = producer->send({{"op", "produce"}, {"topic", t.name}, {"partition", 0}, {"acks", acks}}, bytes);
    if (!s.ok()) return s.status();
    auto r = consumer->receive();
    const int64_t t1 = steady_ns();
    if (!r.ok()) return r.status();
    KS_RETURN_IF_ERROR(r->status());

    const json& e = r->header["partitions"][0];
    if (e.contains("error")) return Response{json{{"error", e["error"]}}, {}}.status();
    bool found = false;
    batch::BatchCursor cursor(r->payload);
    std::string_view b;
    while (cursor.next(&b)) {
      batch::RecordReader reader(b);
      while (reader.next(&rec))
        if (rec.offset >= next) found = true;
      if (!reader.status().ok()) return Status::Corruption(reader.status().message());
      auto h = batch::read_header(b);
      if (h.ok()) next = std::max(next, h->next_offset());
    }
    if (!found)
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

// --- the command -----------------------------------------------------------------

const char* mode_name(Mode m) {
  switch (m) {
    case Mode::kProduce: return "produce";
    case Mode::kConsume: return "consume";
    case Mode::kE2e: return "e2e";
  }
  return "?";
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

// The settings a mode used, after its results.
void add_settings(Report* r, const BenchOptions& o, const TopicInfo& t, bool produced_first) {
  r->add("partitions", "partitions", static_cast<int64_t>(t.partitions));
  if (o.mode != Mode::kConsume || produced_first) r->add("record-size", "record_size", o.record_size);
  if (o.mode != Mode::kConsume) r->add("acks", "acks", o.acks == "-1" ? std::string("all") : o.acks);
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

int signal_exit() { return g_signal == SIGINT ? 130 : 128 + g_signal; }

int run_bench(const BenchOptions& o) {
  if (!o.topic.empty()) {
    auto name = TopicName::Parse(o.topic);
    if (!name.ok()) return report(name.status());
  }
  auto codec = parse_compression(o.compression);
  if (!codec)
    return report(Status::InvalidArgument("unknown --compression '" + o.compression +
                                          "': expected none, gzip, snappy, lz4 or zstd"));
  install_signal_handlers();

  Status error;
  auto client = connect_or_report(&error);
  if (!client) return g_signal ? signal_exit() : report(error);

  // The topic: the one named, or a fresh one (created with --partitions,
  // also for a named one that does not exist yet, except to consume).
  TempTopic temp;
  const bool fresh = o.topic.empty();
  std::string name = o.topic;
  if (fresh) {
    name = "bench-" + std::to_string(::getpid()) + "-" + std::to_string(std::time(nullptr));
    Status s = create_topic(client.get(), name, o.mode == Mode::kE2e ? 1 : o.partitions);
    if (!s.ok()) return report(s);
    temp.set(name, o.keep);
  }
  auto info = describe_topic(client.get(), name);
  if (!info.ok() && info.status().code() == Code::kNotFound && o.mode != Mode::kConsume) {
    Status s = create_topic(client.get(), name, o.mode == Mode::kE2e ? 1 : o.partitions);
    if (!s.ok()) return report(s);
    info = describe_topic(client.get(), name);
  }
  if (!info.ok()) return report(info.status());
  const bool produces = o.mode != Mode::kConsume || fresh;
  if (produces && static_cast<int64_t>(batch::kHeaderSize + generated_record_size(o.record_size)) > info->max_message)
    return report(Status::InvalidArgument("--record-size " + std::to_string(o.record_size) +
                                          " does not fit in a batch under the topic's max.message.bytes (" +
                                          std::to_string(info->max_message) + ")"));

  int64_t wanted = o.records;  // -1 (consume TOPIC): all there is
  if (wanted < 0 && o.mode == Mode::kE2e) wanted = kDefaultE2eRecords;
  if (wanted < 0 && (o.mode == Mode::kProduce || fresh)) wanted = kDefaultRecords;
  Measured m;
  Status s;
  std::optional<Pipeline> pipe;  // produce: for the batches the daemon refused
  bool produced_first = false;
  switch (o.mode) {
    case Mode::kProduce:
      pipe.emplace(client.get(), name, parse_acks(o.acks), o.in_flight, o.record_size, &m);
      s = produce_records(*pipe, *info, o, wanted, &m);
      break;
    case Mode::kConsume: {
      if (fresh) {
        // Something to read: --records records written first, acks 1.
        BenchOptions w = o;
        w.acks = "1";
        w.in_flight = 16;
        Measured wm;
        Pipeline writer(client.get(), name, 1, w.in_flight, w.record_size, &wm);
        s = produce_records(writer, *info, w, wanted, &wm);
        if (s.ok() && !g_signal && writer.failed() > 0) s = writer.first_failure();
        if (s.ok() && !g_signal) info = describe_topic(client.get(), name);
        if (s.ok() && !info.ok()) s = info.status();
        produced_first = true;
      }
      if (s.ok() && !g_signal) {
        std::vector<PartitionSpan> spans = info->spans;
        if (wanted >= 0) cap_spans(&spans, wanted);
        s = consume_records(client.get(), name, spans, o, &m);
      }
      break;
    }
    case Mode::kE2e: {
      Status ce;
      auto consumer = connect_or_report(&ce);
      if (!consumer) return report(ce);
      s = e2e_records(client.get(), consumer.get(), *info, o, wanted, &m);
      break;
    }
  }

  const bool interrupted = g_signal != 0;
  if (!interrupted && !s.ok()) return report(s);
  if (interrupted && m.start_ns > 0 && m.end_ns <= m.start_ns) m.end_ns = steady_ns();
  Report r;
  add_results(&r, o, name, m);
  add_settings(&r, o, *info, produced_first);
  r.add("interrupted", "interrupted", nlohmann::ordered_json(interrupted), interrupted ? "yes" : "no");
  r.print(o.output == "json");
  temp.drop();
  if (interrupted) return signal_exit();
  if (pipe && pipe->failed() > 0) {
    print_error(pipe->first_failure().message());
    print_error(std::to_string(pipe->failed()) + " of " + std::to_string(pipe->failed() + m.records) +
                " records were not acknowledged");
    return exit_code(Exit::kPartial);
  }
  return 0;
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

}  // namespace

void set_bench_command(CLI::App& app, Runner* run) {
  auto* bench = app.add_subcommand("bench", "Measure throughput and latency: produce, consume, end to end");
  bench->require_subcommand(1);
  bench->footer(
      "Without a TOPIC each benchmark uses a fresh bench-<pid>-<time> topic and deletes it\n"
      "afterwards (--keep keeps it). Figures go to stdout; -o json prints one object.");

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

}  // namespace ks::cli
