#include "daemon/server/server.h"

#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstring>
#include <deque>
#include <limits>
#include <nlohmann/json.hpp>
#include <stdexcept>
#include <utility>

#include "common/protocol.h"
#include "daemon/broker/groups.h"
#include "daemon/broker/logging.h"
#include "daemon/broker/orphan_ops.h"
#include "daemon/server/server_internal.h"

#ifndef KS_VERSION
#define KS_VERSION "0.0.0"
#endif

namespace ks::server {

using json = nlohmann::json;

namespace {

constexpr int64_t kMaxWaitMs = 5 * 60 * 1000;

int64_t now_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

std::string frame_of(const json& header, std::string_view payload = {}) {
  std::string h = header.dump(-1, ' ', false, json::error_handler_t::replace);
  std::string out;
  out.reserve(protocol::kFramePrefix + h.size() + payload.size());
  protocol::append_frame(&out, h, payload);
  return out;
}

json error_json(const Status& s) {
  return json{{"code", std::string(protocol::error_code_name(s.code()))}, {"message", s.message()}};
}

std::string error_frame(uint64_t id, const Status& s) {
  return frame_of(json{{"id", id}, {"error", error_json(s)}});
}

// A request field whose value the daemon does not take; its message names
// the field and the values accepted. Caught in Server::dispatch.
struct BadField : std::invalid_argument {
  using std::invalid_argument::invalid_argument;
};

// The integer `v` (request field `name`) as a T in [lo, hi], never
// wrapped or truncated: 4294967297 is not 1.
template <typename T>
T int_value(const json& v, std::string_view name, T lo = std::numeric_limits<T>::min(),
            T hi = std::numeric_limits<T>::max()) {
  if (v.is_number_unsigned()) {
    auto u = v.get<uint64_t>();
    if (std::cmp_greater_equal(u, lo) && std::cmp_less_equal(u, hi)) return static_cast<T>(u);
  } else if (v.is_number_integer()) {
    auto i = v.get<int64_t>();
    if (std::cmp_greater_equal(i, lo) && std::cmp_less_equal(i, hi)) return static_cast<T>(i);
  }
  std::string shown = v.dump(-1, ' ', false, json::error_handler_t::replace);
  if (shown.size() > 40) shown = shown.substr(0, 40) + "...";
  throw BadField(std::string(name) + " must be an integer in [" + std::to_string(lo) + ", " + std::to_string(hi) +
                 "], not " + shown);
}

// obj[name] as above; `fallback` when obj has no such field.
template <typename T>
T int_field(const json& obj, const char* name, T fallback, T lo = std::numeric_limits<T>::min(),
            T hi = std::numeric_limits<T>::max()) {
  auto it = obj.find(name);
  return it == obj.end() ? fallback : int_value<T>(*it, name, lo, hi);
}

// obj[name] as above; a json::exception (a bad request) when it is missing.
template <typename T>
T int_at(const json& obj, const char* name, T lo = std::numeric_limits<T>::min(),
         T hi = std::numeric_limits<T>::max()) {
  return int_value<T>(obj.at(name), name, lo, hi);
}

constexpr int32_t kMaxInt32 = std::numeric_limits<int32_t>::max();
constexpr int64_t kMaxInt64 = std::numeric_limits<int64_t>::max();

}  // namespace

// --- executor -----------------------------------------------------------------

namespace {
struct Work {
  uv_work_t req;
  std::function<Status()> work;
  std::function<void(Status)> done;
  Status result;
  UvExecutor* owner;
  int* counter;
};
}  // namespace

void UvExecutor::run(std::function<Status()> work, std::function<void(Status)> done) {
  auto* w = new Work{{}, std::move(work), std::move(done), Status(), this, &in_flight_};
  w->req.data = w;
  ++in_flight_;
  int rc = uv_queue_work(
      loop_, &w->req, [](uv_work_t* r) {
        auto* w = static_cast<Work*>(r->data);
        w->result = w->work();
      },
      [](uv_work_t* r, int status) {
        auto* w = static_cast<Work*>(r->data);
        --*w->counter;
        Status s = status == 0 ? w->result : Status::Unavailable("work cancelled");
        try {
          w->done(s);
        } catch (const std::exception& e) {
          log_error("work completion threw: %s", e.what());
        }
        delete w;
      });
  if (rc != 0) {
    --in_flight_;
    Status s = Status::IOError(std::string("uv_queue_work: ") + uv_strerror(rc));
    auto done_fn = std::move(w->done);
    delete w;
    done_fn(s);
  }
}

// --- connections ------------------------------------------------------------------

struct Server::Fetch : LongPoll {
  Slot* slot = nullptr;
  uint64_t id = 0;
  std::string topic;
  std::vector<std::pair<int32_t, int64_t>> parts;
  uint64_t min_bytes = 1;
  uint64_t max_bytes = 1 << 20;
  // Set for a group member's fetch.
  std::string group, member;
  int32_t generation = 0;
};

namespace {
struct WriteReq {
  uv_write_t req;
  std::string data;
  Bytes tail;
  size_t charged = 0;  // released from Conn::held and Server::held_ when written
  Server* server = nullptr;
  std::weak_ptr<Server::Conn> conn;
};
}  // namespace

Server::Server(uv_loop_t* loop, Broker* broker, const DaemonOptions& options)
    : loop_(loop), broker_(broker), options_(options), started_ms_(now_ms()) {
  read_scratch_.reset(new char[kReadChunk]);
  init_limits();
  idle_ = new uv_idle_t;
  uv_idle_init(loop_, idle_);
  idle_->data = this;
  uv_unref(reinterpret_cast<uv_handle_t*>(idle_));  // never what keeps the loop running
  // A group whose generation moved: its members' long polls answer now
  // (with rebalance_in_progress), so they commit and join again promptly.
  broker_->groups().set_rebalance_hook([this](const std::string& group) {
    std::vector<std::shared_ptr<Fetch>> hit;
    for (const auto& f : fetches_)
      if (f->group == group) hit.push_back(f);
    for (auto& f : hit) try_fetch(f, false);
  });
}

Server::~Server() {
  broker_->groups().set_rebalance_hook(nullptr);
  close_listeners();
  close_timers();
  // Normally closed when the shutdown finished; the loop frees it.
  if (idle_ != nullptr && !uv_is_closing(reinterpret_cast<uv_handle_t*>(idle_)))
    uv_close(reinterpret_cast<uv_handle_t*>(idle_), [](uv_handle_t* h) { delete reinterpret_cast<uv_idle_t*>(h); });
}

void Server::start_reading(Conn* c) {
  c->reading = true;
  uv_read_start(
      c->stream(),
      [](uv_handle_t* h, size_t, uv_buf_t* buf) {
        auto* c = static_cast<Conn*>(h->data);
        // Requests usually arrive whole: read them into the shared buffer
        // and keep nothing per connection. Bytes already held (a partial
        // frame) are continued in place.
        buf->base = c->in.size() == 0 ? c->server->read_scratch_.get() : c->in.reserve(kReadChunk);
        buf->len = kReadChunk;
      },
      [](uv_stream_t* s, ssize_t nread, const uv_buf_t* buf) {
        auto* raw = static_cast<Conn*>(s->data);
        std::shared_ptr<Conn> c = raw->shared_from_this();
        Server* server = c->server;
        if (nread < 0) {
          server->close_conn(c);
          return;
        }
        if (nread == 0) return;
        try {
          server->on_read(c, buf, static_cast<size_t>(nread));
        } catch (const std::exception& e) {
          log_error("connection dropped: %s", e.what());
          server->close_conn(c);
        }
      });
}

void Server::pause_reading(Conn* c) {
  if (!c->reading) return;
  uv_read_stop(c->stream());
  c->reading = false;
}

void Server::on_read(const std::shared_ptr<Conn>& c, const uv_buf_t* buf, size_t n) {
  c->last_active_ms = uv_now(loop_);
  if (buf->base != read_scratch_.get()) {
    c->in.grow(n);
    return process(c);
  }
  size_t used = process_bytes(c, buf->base, n);
  // A partial frame, or requests left for when the connection is read
  // again, move to its own buffer.
  if (used < n && !c->closing && !c->close_after_flush) c->in.append(buf->base + used, n - used);
}

void Server::process(const std::shared_ptr<Conn>& c) {
  c->in.consume(process_bytes(c, c->in.data(), c->in.size()));
  // A large frame was assembled here: do not keep its memory.
  if (c->in.size() == 0 && c->in.capacity() > 2 * kReadChunk) c->in.release();
}

bool Server::should_pause(const Conn& c) const {
  return c.slots.size() >= kMaxSlots || c.held > kHighWater || c.deferred >= kMaxDeferredFetches ||
         (held_ >= kAnswerBudget && c.held >= kHoldsLittle);
}

bool Server::may_resume(const Conn& c) const {
  return !c.reading && !c.closing && !c.close_after_flush && !shutting_down_ && c.slots.size() < kMaxSlots / 2 &&
         c.held < kLowWater && c.deferred < kMaxDeferredFetches && (held_ < kAnswerBudget || c.held < kHoldsLittle);
}

namespace {
constexpr size_t kUnauthedFrameBytes = 64 << 10;
}  // namespace

size_t Server::process_bytes(const std::shared_ptr<Conn>& c, char* data, size_t n) {
  if (c->kafka) return process_kafka(c, data, n);
  size_t pos = 0;
  while (!c->closing && !c->close_after_flush) {
    if (should_pause(*c)) {
      // Answers are piling up: stop reading until they drain.
      pause_reading(c.get());
      break;
    }
    protocol::Frame f;
    std::string_view rest(data + pos, n - pos);
    // Until it has sent the token, a TCP client gets no more than a hello
    // needs: silent or hostile connections cannot each hold a 64 MiB frame.
    const size_t max_frame = c->authed ? static_cast<size_t>(options_.max_frame_bytes) : kUnauthedFrameBytes;
    Status s = protocol::parse_frame(rest, max_frame, &f);
    if (s.code() == Code::kBusy) break;
    if (!s.ok()) {
      auto slot = std::make_unique<Slot>();
      Slot* raw = slot.get();
      c->slots.push_back(std::move(slot));
      complete(c, raw, error_frame(0, s));
      c->close_after_flush = true;
      flush_slots(c);
      break;
    }
    char* payload = data + pos + (f.payload.data() - rest.data());
    dispatch(c, f.header, payload, f.payload.size());
    pos += f.size;
  }
  if (c->close_after_flush || c->closing) {
    // Nothing more is answered: what is left, or arrives, is dropped.
    pause_reading(c.get());
    return n;
  }
  return pos;
}

void Server::dispatch(const std::shared_ptr<Conn>& c, std::string_view header, char* payload,
                      size_t payload_size) {
  auto slot_ptr = std::make_unique<Slot>();
  Slot* slot = slot_ptr.get();
  c->slots.push_back(std::move(slot_ptr));

  json req = json::parse(header, nullptr, false);
  if (req.is_discarded() || !req.is_object()) {
    complete(c, slot, error_frame(0, Status::InvalidArgument("request header is not a JSON object")));
    c->close_after_flush = true;
    flush_slots(c);
    return;
  }
  uint64_t id = 0;
  const uint64_t since = broker_->meta_mark();
  auto reply = [&, since](const Status& s, json body = json::object(), std::string_view data = {}) {
    if (!s.ok()) {
      complete(c, slot, error_frame(id, s));
      return;
    }
    body["id"] = id;
    // Success is told once the metadata the op may have changed is on disk.
    broker_->when_meta_durable([this, weak = std::weak_ptr<Conn>(c), slot, id,
                                frame = frame_of(body, data)](Status durable) mutable {
      auto conn = weak.lock();
      if (!conn || conn->closing) return;
      complete(conn, slot, durable.ok() ? std::move(frame) : error_frame(id, durable));
    }, since);
  };
  try {
    if (req.contains("id") && req["id"].is_number_unsigned()) id = req["id"].get<uint64_t>();
    if (c->over_limit) {
      reply(Status::Busy("too many connections: the daemon allows " + std::to_string(options_.max_connections) +
                         " at once (ks daemon start --max-connections N)"));
      c->close_after_flush = true;
      flush_slots(c);
      return;
    }
    const std::string op = req.value("op", "");
    if (!c->authed && op != "hello")
      return reply(Status::InvalidArgument("this listener needs a token: send hello with KS_TOKEN first"));

    if (op == "hello") {
      if (!c->authed) {
        if (!token_matches(req.value("token", ""), token_)) {
          reply(Status::InvalidArgument("wrong or missing token (set KS_TOKEN to the contents of the home's token file)"));
          c->close_after_flush = true;
          flush_slots(c);
          return;
        }
        set_authed(c.get());
      }
      return reply(Status::OK(), json{{"server", "ks " KS_VERSION}, {"pid", ::getpid()}});
    }
    if (op == "produce") {
      const std::string topic = req.at("topic").get<std::string>();
      int32_t partition = int_field<int32_t>(req, "partition", 0, 0, kMaxInt32);
      int acks = int_field<int32_t>(req, "acks", 1, -1, 1);
      bool auto_create = req.value("auto_create", true);
      if (acks != 0 && acks != 1 && acks != -1)
        return reply(Status::InvalidArgument("acks must be 0, 1 or -1 (all)"));
      if (acks == 0) slot->silent = true;
      std::weak_ptr<Conn> weak = c;
      Broker::ProduceDone done = [this, weak, slot, id, acks, topic, partition](Result<storage::AppendResult> r) {
        auto conn = weak.lock();
        if (!r.ok() && acks == 0)
          log_warn("acks=0 produce to %s-%d failed: %s", topic.c_str(), partition, r.status().to_string().c_str());
        if (!conn || conn->closing) return;
        if (!r.ok()) return complete(conn, slot, error_frame(id, r.status()));
        complete(conn, slot,
                 frame_of(json{{"id", id}, {"base_offset", r->base_offset.value()},
                               {"last_offset", r->last_offset.value()}}));
      };
      auto name = TopicName::Parse(topic);
      if (!name.ok()) return done(name.status());
      broker_->produce(*name, PartitionId(partition), static_cast<Acks>(acks), auto_create, payload, payload_size,
                       std::move(done));
      return;
    }
    if (op == "fetch") return start_fetch(c, slot, id, &req);
    if (op == "topics") {
      std::vector<std::string> asked;
      if (req.contains("topics") && req["topics"].is_array()) asked = req["topics"].get<std::vector<std::string>>();
      const bool create = req.value("auto_create", false);
      std::vector<TopicName> names;
      for (const auto& n : asked) {
        auto name = create ? TopicName::Parse(n) : existing_topic_name(n);
        if (!name.ok()) return reply(name.status());
        if (create)
          if (auto created = broker_->partition_count(*name, true); !created.ok()) return reply(created.status());
        names.push_back(std::move(*name));
      }
      auto r = broker_->topics(names, req.value("detail", false));
      if (!r.ok()) return reply(r.status());
      json arr = json::array();
      for (const auto& t : *r) {
        json o{{"name", t.name.str()}, {"partitions", t.partitions}, {"created_ms", t.created_ms}, {"configs", t.configs}};
        if (req.value("detail", false)) {
          json parts = json::array();
          for (const auto& p : t.partition_info)
            parts.push_back({{"partition", p.partition.value()}, {"start", p.start.value()}, {"end", p.end.value()},
                             {"size", p.size}, {"segments", p.segments}});
          o["partition_info"] = parts;
        }
        arr.push_back(o);
      }
      return reply(Status::OK(), json{{"topics", arr}});
    }
    if (op == "create_topic") {
      ConfigMap configs;
      if (req.contains("configs")) configs = req["configs"].get<ConfigMap>();
      auto name = TopicName::Parse(req.at("topic").get<std::string>());
      if (!name.ok()) return reply(name.status());
      return reply(broker_->create_topic(*name,
                                         int_field<int32_t>(req, "partitions", options_.default_partitions, 1, kMaxInt32),
                                         configs));
    }
    if (op == "delete_topic") {
      auto name = existing_topic_name(req.at("topic").get<std::string>());
      return reply(name.ok() ? broker_->delete_topic(*name) : name.status());
    }
    if (op == "alter_topic") {
      ConfigMap set;
      std::vector<std::string> unset;
      std::optional<int32_t> partitions;
      if (req.contains("set")) set = req["set"].get<ConfigMap>();
      if (req.contains("unset")) unset = req["unset"].get<std::vector<std::string>>();
      if (req.contains("partitions") && !req["partitions"].is_null()) partitions = int_value<int32_t>(req["partitions"], "partitions", 1, kMaxInt32);
      auto name = existing_topic_name(req.at("topic").get<std::string>());
      return reply(name.ok() ? broker_->alter_topic(*name, set, unset, partitions) : name.status());
    }
    if (op == "list_offsets") {
      auto topic = TopicName::Parse(req.at("topic").get<std::string>());
      if (!topic.ok()) return reply(topic.status());
      OffsetQuery query = offset_query_from_wire(int_field<int64_t>(req, "timestamp", -1, -2, kMaxInt64));
      auto count = broker_->partition_count(*topic, false);
      if (!count.ok()) return reply(count.status());
      json arr = json::array();
      for (int32_t p = 0; p < *count; ++p) {
        auto o = broker_->offset_for_time(*topic, PartitionId(p), query);
        auto se = broker_->offsets(*topic, PartitionId(p));
        if (!o.ok()) return reply(o.status());
        if (!se.ok()) return reply(se.status());
        arr.push_back({{"partition", p}, {"offset", o->value()}, {"start", se->start.value()}, {"end", se->end.value()}});
      }
      return reply(Status::OK(), json{{"partitions", arr}});
    }
    if (op == "join_group") {
      JoinRequest jr;
      jr.group = req.at("group").get<std::string>();
      jr.topics = req.at("topics").get<std::vector<std::string>>();
      jr.member_id = req.value("member_id", "");
      jr.session_timeout_ms = int_field<int64_t>(req, "session_timeout_ms", 10000, 0, kMaxInt64);
      jr.host = req.value("client_host", "");
      jr.pid = int_field<int64_t>(req, "client_pid", 0, 0, kMaxInt64);
      jr.connection = c->id;
      auto r = broker_->groups().join(jr, broker_->now_ms());
      if (!r.ok()) return reply(r.status());
      json a = json::array();
      for (const auto& x : r->assignment)
        a.push_back({{"topic", x.tp.topic}, {"partition", x.tp.partition},
                     {"committed", x.committed ? x.committed->value() : -1}});
      return reply(Status::OK(), json{{"member_id", r->member_id}, {"generation", r->generation}, {"assignment", a}});
    }
    if (op == "heartbeat") {
      Status s = broker_->groups().check(req.at("group").get<std::string>(), req.at("member_id").get<std::string>(),
                                         int_at<int32_t>(req, "generation"), broker_->now_ms());
      if (s.code() == Code::kBusy) {
        json err = error_json(s);
        err["code"] = "rebalance_in_progress";
        return complete(c, slot, frame_of(json{{"id", id}, {"error", err}}));
      }
      return reply(s);
    }
    if (op == "commit_offsets" || op == "leave_group" || op == "reset_offsets") {
      std::vector<OffsetEntry> offsets;
      if (req.contains("offsets"))
        for (const auto& o : req["offsets"])
          offsets.push_back({{o.at("topic").get<std::string>(), int_at<int32_t>(o, "partition", 0, kMaxInt32)},
                             Offset(int_at<int64_t>(o, "offset"))});
      const std::string group = req.at("group").get<std::string>();
      Groups& g = broker_->groups();
      Status s = op == "commit_offsets" ? g.commit(group, req.value("member_id", ""), offsets, broker_->now_ms())
                 : op == "leave_group"  ? g.leave(group, req.at("member_id").get<std::string>(), offsets, broker_->now_ms())
                                        : g.reset(group, offsets, broker_->now_ms());
      return reply(s);
    }
    if (op == "delete_group") return reply(broker_->groups().remove(req.at("group").get<std::string>()));
    if (op == "describe_group" || op == "list_groups") {
      auto to_json = [](const Groups::GroupInfo& gi) {
        json members = json::array();
        for (const auto& m : gi.members) {
          json a = json::array();
          for (const auto& tp : m.owned) a.push_back({{"topic", tp.topic}, {"partition", tp.partition}});
          json member{{"member_id", m.id}, {"host", m.host}, {"pid", m.pid}, {"topics", m.topics}, {"assignment", a}};
          if (!m.client_id.empty()) member["client_id"] = m.client_id;
          members.push_back(std::move(member));
        }
        json offsets = json::array();
        for (const auto& o : gi.offsets)
          offsets.push_back({{"topic", o.tp.topic}, {"partition", o.tp.partition},
                             {"committed", o.committed ? o.committed->value() : -1}, {"end", o.end.value()},
                             {"lag", o.lag}, {"owner", o.owner}});
        return json{{"group", gi.name}, {"state", gi.state}, {"protocol", gi.protocol},
                    {"generation", gi.generation}, {"members", members},
                    {"offsets", offsets}, {"topics", gi.topics}, {"lag", gi.lag}};
      };
      if (op == "describe_group") {
        auto d = broker_->groups().describe(req.at("group").get<std::string>());
        if (!d.ok()) return reply(d.status());
        return reply(Status::OK(), to_json(*d));
      }
      auto l = broker_->groups().list();
      if (!l.ok()) return reply(l.status());
      json arr = json::array();
      for (const auto& gi : *l)
        arr.push_back({{"group", gi.name}, {"state", gi.state}, {"protocol", gi.protocol}, {"members", gi.members.size()},
                       {"topics", gi.topics}, {"lag", gi.lag}});
      return reply(Status::OK(), json{{"groups", arr}});
    }
    if (is_orphan_op(op)) return reply(run_orphan_op(*broker_, op, req));
    if (op == "status") return reply(Status::OK(), status_json());
    if (op == "shutdown") {
      reply(Status::OK());
      if (shutdown_hook_) shutdown_hook_();
      return;
    }
    return reply(Status::InvalidArgument("unknown op '" + op + "'"));
  } catch (const BadField& e) {
    return reply(Status::InvalidArgument(std::string("bad request: ") + e.what()));
  } catch (const json::exception& e) {
    return reply(Status::InvalidArgument(std::string("bad request: ") + e.what()));
  }
}

nlohmann::json Server::status_json() const {
  return json{{"pid", ::getpid()},
         {"version", KS_VERSION},
         {"home", options_.home},
         {"uptime_ms", now_ms() - started_ms_},
         {"listeners", listener_names_},
         {"connections", conns_.size()},
         {"topics", broker_->topic_count()},
         {"partitions", broker_->partition_total()},
         {"bytes", broker_->total_bytes()},
         {"orphans", orphans_json(broker_->orphans())}};
}

void Server::complete(const std::shared_ptr<Conn>& c, Slot* slot, std::string frame) {
  slot->frame = std::move(frame);
  slot->ready = true;
  if (c->closing) return;
  if (!slot->silent) {
    slot->charged = slot->frame.size() + slot->tail.size;
    c->held += slot->charged;
    held_ += slot->charged;
  }
  flush_slots(c);
}

void Server::release(Conn* c, size_t bytes) {
  if (bytes == 0) return;
  held_ -= bytes;
  if (c) c->held -= bytes;
  if (!deferred_.empty()) {
    retry_due_ = true;
    schedule();
  }
}

void Server::flush_slots(const std::shared_ptr<Conn>& c) {
  if (c->closing) return;
  while (!c->slots.empty() && c->slots.front()->ready) {
    std::unique_ptr<Slot> s = std::move(c->slots.front());
    c->slots.pop_front();
    if (s->silent) continue;
    auto* w = new WriteReq{{}, std::move(s->frame), std::move(s->tail), s->charged, this, c};
    uv_buf_t bufs[2] = {uv_buf_init(w->data.data(), static_cast<unsigned>(w->data.size())),
                        uv_buf_init(w->tail.data.get(), static_cast<unsigned>(w->tail.size))};
    int rc = uv_write(&w->req, c->stream(), bufs, w->tail.size == 0 ? 1 : 2, [](uv_write_t* req, int status) {
      auto* w = reinterpret_cast<WriteReq*>(req);
      Server* server = w->server;
      auto conn = w->conn.lock();
      size_t charged = w->charged;
      delete w;
      server->release(conn.get(), charged);
      if (!conn) return;
      conn->last_active_ms = uv_now(server->loop_);
      if (status < 0) {
        server->close_conn(conn);
        return;
      }
      if (conn->close_after_flush && conn->slots.empty() && conn->stream()->write_queue_size == 0) {
        server->close_conn(conn);
        return;
      }
      if (server->may_resume(*conn)) {
        server->start_reading(conn.get());
        // Requests already buffered are processed now.
        server->process(conn);
      }
    });
    if (rc != 0) {
      release(c.get(), w->charged);
      delete w;
      close_conn(c);
      return;
    }
  }
  if (c->close_after_flush && c->slots.empty() && c->stream()->write_queue_size == 0) close_conn(c);
  if (shutting_down_ && c->slots.empty() && c->stream()->write_queue_size == 0) close_conn(c);
}

void Server::close_conn(const std::shared_ptr<Conn>& c) {
  if (c->closing) return;
  c->closing = true;
  forget_conn(c.get());  // a closing connection no longer counts against the limits
  uv_close(c->handle(), [](uv_handle_t* h) {
    auto* raw = static_cast<Conn*>(h->data);
    Server* server = raw->server;
    std::shared_ptr<Conn> c = std::move(raw->self);
    // Answers that were never written (their writes were cancelled before
    // this callback) give their memory back.
    for (auto& slot : c->slots) {
      server->release(c.get(), slot->charged);
      slot->charged = 0;
    }
    server->forget_conn(c.get());
    server->conns_.erase(c);
    server->broker_->groups().connection_closed(c->id, server->broker_->now_ms());
    server->check_shutdown_done();
  });
}

// --- memory for answers -------------------------------------------------------------

uint64_t Server::answer_room(const Conn& c) const {
  if (c.held >= kConnAnswerLimit) return 0;
  if (held_ < kAnswerBudget) return kAnswerBudget - held_;
  if (c.held < kHoldsLittle && held_ < kAnswerBudget + kAnswerReserve) return kReserveAnswer;
  return 0;
}

void Server::defer(const std::shared_ptr<LongPoll>& p, Conn* c) {
  set_parked(p.get(), c, false);
  if (p->deferred) return;  // a retry that found no room: run_idle() keeps it queued
  set_deferred(p.get(), c, true);
  deferred_.push_back(p);
}

void Server::schedule() {
  if (idle_ == nullptr || idle_active_) return;
  idle_active_ = true;
  uv_idle_start(idle_, [](uv_idle_t* h) { static_cast<Server*>(h->data)->run_idle(); });
}

void Server::start_poll(const std::shared_ptr<LongPoll>& p) {
  if (p->done) return;
  p->attempt(p->wait_ms == 0 || shutting_down_);
  if (!p->done && p->wait_ms > 0 && !p->timer_started) arm_long_poll(loop_, p, static_cast<uint64_t>(p->wait_ms));
}

void Server::run_idle() {
  // Deferred fetches first, oldest first: a connection's later fetches
  // wait behind its earlier ones (see try_fetch).
  if (retry_due_) {
    retry_due_ = false;
    std::vector<std::shared_ptr<LongPoll>> waiting;
    waiting.swap(deferred_);
    for (auto& p : waiting) {
      if (p->done || !p->deferred) continue;
      auto c = p->conn.lock();
      bool gone = !c || c->closing;
      if (!gone && !shutting_down_ && answer_room(*c) == 0) {
        deferred_.push_back(p);
        continue;
      }
      p->attempt(true);
      if (!p->done && p->deferred) deferred_.push_back(p);
      if (!gone) resume_.push_back(c);
    }
  }
  std::vector<std::shared_ptr<LongPoll>> starts;
  starts.swap(starting_);
  for (auto& p : starts) start_poll(p);
  std::vector<std::weak_ptr<Conn>> resume;
  resume.swap(resume_);
  for (auto& w : resume) {
    auto c = w.lock();
    if (!c || !may_resume(*c)) continue;
    start_reading(c.get());
    try {
      process(c);
    } catch (const std::exception& e) {
      log_error("connection dropped: %s", e.what());
      close_conn(c);
    }
  }
  if (starting_.empty() && resume_.empty() && !retry_due_ && idle_ != nullptr) {
    uv_idle_stop(idle_);
    idle_active_ = false;
  }
}

// --- fetch ----------------------------------------------------------------------

void Server::start_fetch(const std::shared_ptr<Conn>& c, Slot* slot, uint64_t id, const void* request) {
  const json& req = *static_cast<const json*>(request);
  auto f = std::make_shared<Fetch>();
  f->conn = c;
  f->slot = slot;
  f->id = id;
  f->topic = req.at("topic").get<std::string>();
  for (const auto& p : req.at("partitions"))
    f->parts.emplace_back(int_at<int32_t>(p, "partition", 0, kMaxInt32), int_at<int64_t>(p, "offset", 0, kMaxInt64));
  f->min_bytes = int_field<uint64_t>(req, "min_bytes", 1, 0, kMaxInt64);
  // A response is built in memory: keep it well within what a frame may
  // carry and the daemon's budget for answers.
  f->max_bytes = std::clamp<uint64_t>(int_field<uint64_t>(req, "max_bytes", 1 << 20, 0, kMaxInt64), 1,
                                      std::min<uint64_t>(kMaxFetchBytes, static_cast<uint64_t>(options_.max_frame_bytes) / 2));
  int64_t wait = std::min<int64_t>(int_field<int64_t>(req, "max_wait_ms", 0, 0, kMaxInt64), kMaxWaitMs);
  if (req.contains("group")) {
    f->group = req.at("group").get<std::string>();
    f->member = req.at("member_id").get<std::string>();
    f->generation = int_at<int32_t>(req, "generation");
    // The long poll doubles as the member's heartbeat: keep it shorter
    // than any session timeout.
    wait = std::min<int64_t>(wait, 3000);
  }
  f->wait_ms = wait;
  std::weak_ptr<Fetch> weak = f;
  f->attempt = [this, weak](bool final) {
    if (auto fp = weak.lock()) try_fetch(fp, final);
  };
  fetches_.insert(f);
  // Answered once this loop iteration's reads are done, so a client that
  // sent it and hung up gets nothing built.
  if (idle_ != nullptr && !shutting_down_) {
    starting_.push_back(f);
    schedule();
  } else {
    start_poll(f);
  }
}

namespace {
// One partition of a fetch: where it stands and the byte range of records
// to send, found without reading them.
struct PartPlan {
  int32_t partition = 0;
  int64_t start = -1, end = -1;  // -1: unknown (error)
  Status error;
  storage::ReadResult range;
};

// Plans the records of a fetch up to `limit` bytes (at least one batch of
// the first partition with any); returns their total.
uint64_t plan_fetch(Broker* broker, const std::string& topic, const std::vector<std::pair<int32_t, int64_t>>& parts,
                    uint64_t limit, std::vector<PartPlan>* plan, bool* any_error) {
  plan->clear();
  *any_error = false;
  uint64_t total = 0;
  auto name = existing_topic_name(topic);
  for (const auto& [partition, offset] : parts) {
    PartPlan& pp = plan->emplace_back();
    pp.partition = partition;
    auto se = name.ok() ? broker->offsets(*name, PartitionId(partition)) : Result<Broker::Offsets>(name.status());
    if (!se.ok()) {
      pp.error = se.status();
      *any_error = true;
      continue;
    }
    pp.start = se->start.value();
    pp.end = se->end.value();
    uint64_t budget = total >= limit ? 0 : limit - total;
    if (offset < pp.start || offset > pp.end) {
      pp.error = Status::OutOfRange("offset " + std::to_string(offset) + " is outside " + topic + "-" +
                                    std::to_string(partition) + " [" + std::to_string(pp.start) + ", " +
                                    std::to_string(pp.end) + "]");
      *any_error = true;
    } else if (offset < pp.end && (budget > 0 || total == 0)) {
      auto r = broker->read(*name, PartitionId(partition), Offset(offset), budget);
      if (!r.ok()) {
        pp.error = r.status();
        *any_error = true;
      } else if (r->size > 0 && (total == 0 || r->size <= budget)) {
        pp.range = std::move(*r);
        total += pp.range.size;
      }
    }
  }
  return total;
}
}  // namespace

void Server::try_fetch(const std::shared_ptr<Fetch>& f, bool final) {
  if (f->done) return;
  auto conn = f->conn.lock();
  if (!conn || conn->closing) {
    finish_fetch(f);
    return;
  }
  for (uint64_t w : f->watches) broker_->unwatch(w);
  f->watches.clear();
  final = final || f->deferred;  // it was ready once: no more waiting for records

  if (!f->group.empty()) {
    std::vector<TopicPartition> tps;
    for (auto& [partition, offset] : f->parts) tps.push_back({f->topic, partition});
    Status s = broker_->groups().check_owns(f->group, f->member, f->generation, tps, broker_->now_ms());
    if (!s.ok()) {
      json err = error_json(s);
      if (s.code() == Code::kBusy) err["code"] = "rebalance_in_progress";
      finish_fetch(f);
      complete(conn, f->slot, frame_of(json{{"id", f->id}, {"error", err}}));
      return;
    }
  }

  // Sizes first, from the segment indexes: a long poll woken by an append
  // reads no records until it answers.
  std::vector<PartPlan> plan;
  bool any_error = false;
  uint64_t total = plan_fetch(broker_, f->topic, f->parts, f->max_bytes, &plan, &any_error);
  // An error is an answer: waiting would not mend it.
  if (!final && !shutting_down_ && !any_error && total < f->min_bytes) {
    if (!f->parked) {
      if (conn->parked >= kMaxParkedFetches) {
        finish_fetch(f);
        complete(conn, f->slot,
                 error_frame(f->id, Status::Busy("too many long-polling fetches on this connection: at most " +
                                                 std::to_string(kMaxParkedFetches) +
                                                 " may wait for records at once")));
        return;
      }
      set_parked(f.get(), conn.get(), true);
    }
    // Long poll: wake on the next append to any of the partitions.
    std::weak_ptr<Fetch> weak = f;
    auto topic = existing_topic_name(f->topic);  // valid: an unknown one is an error above
    for (auto& [partition, offset] : f->parts) {
      if (!topic.ok()) break;
      f->watches.push_back(broker_->watch(*topic, PartitionId(partition), [this, weak] {
        if (auto fp = weak.lock()) try_fetch(fp, false);
      }));
    }
    return;
  }
  bool records = true;
  if (total > 0) {
    // A connection's fetches are answered in order: one arriving behind
    // fetches waiting for memory waits too.
    uint64_t room = !f->deferred && conn->deferred > 0 ? 0 : answer_room(*conn);
    if (room == 0 && shutting_down_) {
      records = false;  // answer, without records, so the connection can finish
    } else if (room == 0) {
      defer(f, conn.get());
      return;
    } else if (total > room) {
      total = plan_fetch(broker_, f->topic, f->parts, room, &plan, &any_error);
    }
  }
  finish_fetch(f);

  // The records go out after the header in a second buffer (writev),
  // without being copied into the frame.
  Bytes payload;
  if (records && total > 0) payload.allocate(total);
  size_t at = 0;
  json parts = json::array();
  for (PartPlan& pp : plan) {
    json entry{{"partition", pp.partition}};
    if (pp.start >= 0) {
      entry["start"] = pp.start;
      entry["end"] = pp.end;
    }
    uint64_t got = 0;
    if (records && pp.error.ok() && pp.range.size > 0) {
      auto n = pp.range.file->read_at(pp.range.position, payload.data.get() + at, pp.range.size);
      if (!n.ok() || *n != pp.range.size) pp.error = n.ok() ? Status::IOError("short read") : n.status();
      else got = pp.range.size;
    }
    if (!pp.error.ok()) entry["error"] = error_json(pp.error);
    entry["bytes"] = got;
    at += got;
    parts.push_back(std::move(entry));
  }
  payload.size = at;
  std::string h = json{{"id", f->id}, {"partitions", parts}}.dump(-1, ' ', false, json::error_handler_t::replace);
  std::string frame(protocol::kFramePrefix, '\0');
  protocol::put_frame_prefix(frame.data(), h.size(), payload.size);
  frame += h;
  f->slot->tail = std::move(payload);
  complete(conn, f->slot, std::move(frame));
}

void Server::finish_fetch(const std::shared_ptr<Fetch>& f) {
  fetches_.erase(f);
  end_long_poll(broker_, f.get());
}

// --- shutdown ---------------------------------------------------------------------

void Server::begin_shutdown(std::function<void()> done) {
  if (shutting_down_) return;
  shutting_down_ = true;
  shutdown_done_ = std::move(done);
  close_listeners();
  // Kafka members waiting in a join or sync get their answer (an error)
  // so their connections can finish.
  broker_->kafka_groups().clear();
  // Long polls answer now with what they have; so do fetches that just
  // arrived or wait for memory.
  std::vector<std::shared_ptr<LongPoll>> starts;
  starts.swap(starting_);
  for (auto& p : starts) start_poll(p);
  std::vector<std::shared_ptr<Fetch>> pending(fetches_.begin(), fetches_.end());
  for (auto& f : pending) try_fetch(f, true);
  std::vector<std::shared_ptr<KafkaFetch>> kafka_pending(kafka_fetches_.begin(), kafka_fetches_.end());
  for (auto& f : kafka_pending) try_kafka_fetch(f, true);
  std::vector<std::shared_ptr<Conn>> conns(conns_.begin(), conns_.end());
  for (auto& c : conns) {
    c->close_after_flush = true;
    if (c->reading) {
      uv_read_stop(c->stream());
      c->reading = false;
    }
    flush_slots(c);
  }
  check_shutdown_done();
}

void Server::check_shutdown_done() {
  if (!shutting_down_ || !conns_.empty() || !shutdown_done_) return;
  if (idle_ != nullptr) {
    uv_close(reinterpret_cast<uv_handle_t*>(idle_), [](uv_handle_t* h) { delete reinterpret_cast<uv_idle_t*>(h); });
    idle_ = nullptr;
  }
  close_timers();
  deferred_.clear();
  auto done = std::move(shutdown_done_);
  shutdown_done_ = nullptr;
  done();
}

}  // namespace ks::server
