#include "daemon/native/protocol.h"

#include <nlohmann/json.hpp>

#include "common/protocol.h"
#include "daemon/native/fields.h"
#include "daemon/native/ops.h"
#include "daemon/net/address.h"

namespace ks::native {
namespace {

// Until it has sent the token, a TCP client gets no more than a hello
// needs: silent or hostile connections cannot each hold a 64 MiB frame.
constexpr size_t kUnauthedFrameBytes = 64 << 10;

}  // namespace

// One native request on one connection, as its op's handler sees it.
class Request final : public Session {
 public:
  Request(NativeProtocol* p, const std::shared_ptr<net::Conn>& c, net::Slot* slot, const json& req, char* payload,
          size_t payload_size)
      : p_(p), conn_(c), slot_(slot), req_(req), payload_(payload), payload_size_(payload_size),
        since_(p->broker_->meta_mark()) {
    if (req.contains("id") && req["id"].is_number_unsigned()) id_ = req["id"].get<uint64_t>();
  }

  const json& request() const override { return req_; }
  uint64_t id() const override { return id_; }
  char* payload() override { return payload_; }
  size_t payload_size() const override { return payload_size_; }
  uint64_t connection_id() const override { return conn_->id; }
  server::Broker& broker() override { return *p_->broker_; }
  const server::DaemonOptions& options() const override { return p_->options_; }

  void reply(const Status& s, json body = json::object(), std::string_view data = {}) override {
    if (!s.ok()) return p_->conns_->complete(conn_, slot_, error_frame(id_, s));
    body["id"] = id_;
    // Success is told once the metadata the op may have changed is on disk.
    p_->broker_->when_meta_durable(
        [conns = p_->conns_, weak = std::weak_ptr<net::Conn>(conn_), slot = slot_, id = id_,
         frame = frame_of(body, data)](Status durable) mutable {
          auto conn = weak.lock();
          if (!conn || conn->closing) return;
          conns->complete(conn, slot, durable.ok() ? std::move(frame) : error_frame(id, durable));
        },
        since_);
  }
  void answer_now(std::string frame) override { p_->conns_->complete(conn_, slot_, std::move(frame)); }
  std::function<void(std::string)> answer_later() override {
    return [conns = p_->conns_, weak = std::weak_ptr<net::Conn>(conn_), slot = slot_](std::string frame) {
      auto conn = weak.lock();
      if (!conn || conn->closing) return;
      conns->complete(conn, slot, std::move(frame));
    };
  }
  void silent() override { slot_->silent = true; }
  void close_after_answer() override { p_->conns_->close_after_answers(conn_); }
  void fetch(std::unique_ptr<net::FetchPlan> plan) override { p_->conns_->fetches().start(conn_, slot_, std::move(plan)); }
  bool authed() const override { return conn_->authed; }
  bool log_in(std::string_view token) override {
    if (!net::token_matches(token, p_->token_)) return false;
    p_->conns_->set_authed(conn_.get());
    return true;
  }
  json status() const override { return p_->hooks_.status ? p_->hooks_.status() : json::object(); }
  void request_shutdown() override {
    if (p_->hooks_.shutdown) p_->hooks_.shutdown();
  }

 private:
  NativeProtocol* p_;
  const std::shared_ptr<net::Conn>& conn_;
  net::Slot* slot_;
  const json& req_;
  char* payload_;
  size_t payload_size_;
  uint64_t id_ = 0;
  uint64_t since_;
};

size_t NativeProtocol::handle(const std::shared_ptr<net::Conn>& c, char* data, size_t n) {
  std::string_view rest(data, n);
  const size_t max_frame = c->authed ? static_cast<size_t>(options_.max_frame_bytes) : kUnauthedFrameBytes;
  auto f = protocol::parse_frame(rest, max_frame);
  if (!f.ok()) {
    conns_->complete(c, c->add_slot(), error_frame(0, f.status()));
    conns_->close_after_answers(c);
    return 0;
  }
  if (!f->has_value()) return 0;  // not a whole frame yet
  const protocol::Frame& frame = **f;
  dispatch(c, frame.header, data + (frame.payload.data() - rest.data()), frame.payload.size());
  return frame.size;
}

std::string NativeProtocol::refusal(const std::string& why) const {
  return frame_of(json{{"id", 0}, {"error", error_json(Status::Unavailable(why))}});
}

void NativeProtocol::dispatch(const std::shared_ptr<net::Conn>& c, std::string_view header, char* payload,
                              size_t payload_size) {
  net::Slot* slot = c->add_slot();
  json req = json::parse(header, nullptr, false);
  if (req.is_discarded() || !req.is_object()) {
    conns_->complete(c, slot, error_frame(0, Status::InvalidArgument("request header is not a JSON object")));
    return conns_->close_after_answers(c);
  }
  Request request(this, c, slot, req, payload, payload_size);
  try {
    if (c->over_limit) {
      request.reply(Status::Busy("too many connections: the daemon allows " + std::to_string(options_.max_connections) +
                                 " at once (ks daemon start --max-connections N)"));
      return request.close_after_answer();
    }
    const std::string op = req.value("op", "");
    if (!c->authed && op != "hello")
      return request.reply(Status::InvalidArgument("this listener needs a token: send hello with KS_TOKEN first"));
    const Op* row = find_op(op);
    if (row == nullptr) return request.reply(Status::InvalidArgument("unknown op '" + op + "'"));
    row->run(request);
  } catch (const BadField& e) {
    request.reply(Status::InvalidArgument(std::string("bad request: ") + e.what()));
  } catch (const json::exception& e) {
    request.reply(Status::InvalidArgument(std::string("bad request: ") + e.what()));
  }
}

}  // namespace ks::native
