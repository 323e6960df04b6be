#include "cli/commands/bench_consume.h"

#include <algorithm>
#include <deque>

#include <nlohmann/json.hpp>

#include "cli/clock.h"
#include "cli/output.h"
#include "common/record_batch.h"

namespace ks::cli::bench {
namespace {

using nlohmann::json;

// A fetch answer is whole batches from the one holding its offset, so
// where a partition's next fetch starts is known once the answer is
// framed; it is sent then, before the answer's records are decoded, so the
// daemon reads while the client decodes. (Fetching ahead at guessed offsets
// would re-read the batches the guesses cut through.)
class SpanReader {
 public:
  // `client`, `o` and `m` are borrowed for the reader's life.
  SpanReader(Client* client, std::string topic, const std::vector<PartitionSpan>& spans, const BenchOptions& o,
             Measured* m)
      : client_(client), topic_(std::move(topic)), o_(o), m_(m) {
    for (const auto& s : spans)
      if (s.end > s.start) cursors_.push_back({s.partition, s.start, s.end});
  }

  Status run() {
    m_->start_ns = steady_ns();
    Progress progress("consume", m_->start_ns);
    KS_RETURN_IF_ERROR(fill());
    while (!in_flight_.empty() && !g_signal) {
      KS_RETURN_IF_ERROR(take_answer());
      progress.tick(steady_ns(), *m_);
    }
    m_->end_ns = steady_ns();
    return Status::OK();
  }

 private:
  struct Cursor {
    PartitionId partition;
    Offset next, stop;
    bool out = false;  // a fetch is waiting for its answer
  };

  // Sends a fetch for each partition with none out and records left, round
  // robin from the one after the last sent, up to --in-flight out at once.
  Status fill() {
    for (size_t i = 0; i < cursors_.size() && in_flight_.size() < static_cast<size_t>(o_.in_flight); ++i) {
      size_t k = (turn_ + i) % cursors_.size();
      Cursor& c = cursors_[k];
      if (c.out || c.next >= c.stop) continue;
      json part = {{"partition", c.partition.value()}, {"offset", c.next.value()}};
      auto id = client_->send({{"op", "fetch"},
                               {"topic", topic_},
                               {"partitions", json::array({part})},
                               {"max_wait_ms", 0},
                               {"min_bytes", 1},
                               {"max_bytes", o_.fetch_bytes}});
      if (!id.ok()) return id.status();
      c.out = true;
      in_flight_.push_back(k);
      turn_ = k + 1;
    }
    return Status::OK();
  }

  // Receives the oldest fetch's answer: frames it, sends the partition's
  // next fetch, then counts its records.
  Status take_answer() {
    auto r = client_->receive();
    if (!r.ok()) return r.status();
    Cursor& c = cursors_[in_flight_.front()];
    in_flight_.pop_front();
    c.out = false;
    KS_RETURN_IF_ERROR(r->status());
    const json& entries = r->header["partitions"];
    if (!entries.is_array() || entries.size() != 1) return Status::Corruption("unexpected fetch response");
    const json& e = entries[0];
    const std::string where = topic_ + "-" + std::to_string(c.partition.value());
    if (e.contains("error")) return skip_deleted(c, e, where);
    std::string_view data(r->payload);
    data = data.substr(0, std::min<size_t>(data.size(), e.value("bytes", uint64_t{0})));

    const Offset from = c.next, to = c.stop;
    auto covered = covered_until(data, from, to, where);
    if (!covered.ok()) return covered.status();
    if (*covered == from)
      return Status::IOError(where + ": a fetch at offset " + std::to_string(from.value()) + " returned no records");
    c.next = *covered;
    KS_RETURN_IF_ERROR(fill());
    KS_RETURN_IF_ERROR(count_records(data, from, to, where));
    ++m_->requests;
    m_->wire_bytes += static_cast<int64_t>(data.size());
    return Status::OK();
  }

  // A partition's error: records deleted by retention since the run began
  // move its cursor to the new start; anything else ends the run.
  Status skip_deleted(Cursor& c, const json& e, const std::string& where) {
    Status s = Response{json{{"error", e["error"]}}, {}}.status();
    if (s.code() == Code::kOutOfRange && e.contains("start") && e["start"].get<int64_t>() > c.next.value()) {
      Offset start(e["start"].get<int64_t>());
      print_warning(where + ": offsets before " + std::to_string(start.value()) +
                    " were deleted (retention) during the run");
      c.next = start;
      return fill();
    }
    return s.prepend(where);
  }

  // The records in [from, to), CRC and all, as `ks consume` reads them.
  Status count_records(std::string_view data, Offset from, Offset to, const std::string& where) {
    batch::BatchCursor cursor(data);
    std::string_view b;
    while (cursor.next(&b)) {
      auto h = batch::check_crc(b);
      if (!h.ok()) return Status::Corruption(where + ": " + h.status().message());
      if (h->base_offset >= to.value()) break;
      if (h->next_offset() <= from.value() || h->is_control()) continue;
      // As `ks consume` reads it by default: the header checked above is
      // not parsed again, and record headers are not decoded.
      batch::RecordReader reader(b, *h, batch::Fields::kNoHeaders);
      while (reader.next(&rec_)) {
        if (rec_.offset < from.value() || rec_.offset >= to.value()) continue;
        ++m_->records;
        m_->bytes += static_cast<int64_t>((rec_.key ? rec_.key->size() : 0) + (rec_.value ? rec_.value->size() : 0));
      }
      if (!reader.status().ok()) return Status::Corruption(where + ": " + reader.status().message());
    }
    return Status::OK();
  }

  Client* client_;
  std::string topic_;
  const BenchOptions& o_;
  Measured* m_;
  std::vector<Cursor> cursors_;
  std::deque<size_t> in_flight_;  // indexes into cursors_, in request order
  size_t turn_ = 0;
  batch::Record rec_;  // reused, so its header list is allocated once, not per record
};

}  // namespace

Result<Offset> covered_until(std::string_view data, Offset from, Offset to, const std::string& where) {
  int64_t covered = from.value();
  batch::BatchCursor frames(data);
  std::string_view b;
  while (frames.next(&b)) {
    auto h = batch::read_header(b);
    if (!h.ok())
      return Status::Corruption(where + " near offset " + std::to_string(covered) + ": " + h.status().message());
    if (h->base_offset >= to.value()) break;
    covered = std::max(covered, std::min(h->next_offset(), to.value()));
  }
  if (!frames.status().ok()) return Status::Corruption(where + ": " + frames.status().message());
  return Offset(covered);
}

Status consume_records(Client* client, const std::string& topic, const std::vector<PartitionSpan>& spans,
                       const BenchOptions& o, Measured* m) {
  return SpanReader(client, topic, spans, o, m).run();
}

}  // namespace ks::cli::bench
