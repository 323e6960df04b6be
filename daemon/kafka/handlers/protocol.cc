#include "daemon/kafka/handlers/protocol.h"

#include "daemon/kafka/errors.h"
#include "daemon/kafka/handlers/handler.h"
#include "daemon/broker/logging.h"

namespace ks::kafka {

using server::log_error;
using server::log_warn;

// One Kafka request on one connection, as its handler sees it.
class Request final : public Context {
 public:
  Request(KafkaProtocol* p, const std::shared_ptr<net::Conn>& c, net::Slot* slot, const RequestHeader& h,
          std::string_view body, const ApiRange& range)
      : p_(p), conn_(c), slot_(slot), header_(h), body_(body), range_(range), since_(p->broker_->meta_mark()) {}

  const RequestHeader& header() const override { return header_; }
  std::string_view body() const override { return body_; }
  std::string_view peer() const override { return conn_->peer; }
  server::Broker& broker() override { return *p_->broker_; }
  const server::DaemonOptions& options() const override { return p_->options_; }
  const std::string& advertised_host() const override { return p_->host_; }
  int32_t advertised_port() const override { return p_->port_; }

  void reply_encoded(std::string out) override {
    // Told once the metadata the request may have changed is on disk; when
    // that fails the client must not hear success, so the connection closes.
    p_->broker_->when_meta_durable(
        [conns = p_->conns_, weak = std::weak_ptr<net::Conn>(conn_), slot = slot_, out = std::move(out)](Status durable) mutable {
          auto conn = weak.lock();
          if (!conn || conn->closing) return;
          if (durable.ok()) return conns->complete(conn, slot, std::move(out));
          log_error("kafka client %s: %s; closing the connection", conn->peer.c_str(), durable.to_string().c_str());
          slot->ready = slot->silent = true;
          conns->close_after_answers(conn);
        },
        since_);
  }
  std::function<void(std::string)> answer_later() override {
    return [conns = p_->conns_, weak = std::weak_ptr<net::Conn>(conn_), slot = slot_](std::string out) {
      auto conn = weak.lock();
      if (!conn || conn->closing) return;
      conns->complete(conn, slot, std::move(out));
    };
  }
  void bad_request(const char* why) override { p_->close(conn_, slot_, range_.name, header_.api_version, why); }
  void silent() override { slot_->silent = true; }
  void fetch(std::unique_ptr<net::FetchPlan> plan) override { p_->conns_->fetches().start(conn_, slot_, std::move(plan)); }

 private:
  KafkaProtocol* p_;
  const std::shared_ptr<net::Conn>& conn_;
  net::Slot* slot_;
  const RequestHeader& header_;
  std::string_view body_;
  const ApiRange& range_;
  uint64_t since_;
};

size_t KafkaProtocol::handle(const std::shared_ptr<net::Conn>& c, char* data, size_t n) {
  if (n < 4) return 0;
  const auto* p = reinterpret_cast<const uint8_t*>(data);
  int32_t size = static_cast<int32_t>(uint32_t{p[0]} << 24 | uint32_t{p[1]} << 16 | uint32_t{p[2]} << 8 | p[3]);
  if (size < 8 || size > options_.max_frame_bytes) {
    log_warn("kafka client %s: bad request size %d; closing the connection", c->peer.c_str(), size);
    conns_->close_after_answers(c);
    return 0;
  }
  if (n < 4 + static_cast<size_t>(size)) return 0;
  dispatch(c, data + 4, static_cast<size_t>(size));
  return 4 + static_cast<size_t>(size);
}

void KafkaProtocol::dispatch(const std::shared_ptr<net::Conn>& c, char* data, size_t size) {
  std::string_view frame(data, size);
  RequestHeader h;
  {
    Decoder peek(frame);
    peek.i16(h.api_key);
    peek.i16(h.api_version);
  }
  const Api* api = find_handler(h.api_key);
  bool known = api && h.api_version >= api->range.min && h.api_version <= api->range.max;
  Decoder d(frame, known && is_flexible(h.api_key, h.api_version));
  serde(d, h);
  if (!d.ok()) {
    log_warn("kafka client %s: malformed request header (%s); closing the connection", c->peer.c_str(), d.error());
    return conns_->close_after_answers(c);
  }
  net::Slot* slot = c->add_slot();
  if (!known) {
    if (h.api_key == kApiVersions) {
      // An ApiVersions version we do not know: the v0 layout with error 35
      // and our ranges, so the client retries with one we do (KIP-511).
      ApiVersionsResponse r;
      r.error_code = kUnsupportedVersion;
      add_api_ranges(&r.apis);
      std::string out;
      encode_response(&out, kApiVersions, 0, h.correlation_id, r);
      return conns_->complete(c, slot, std::move(out));
    }
    return close(c, slot, "an unsupported API " + std::to_string(h.api_key), h.api_version, "not implemented");
  }
  Request request(this, c, slot, h, std::string_view(d.position(), d.remaining()), api->range);
  api->handle(request);
}

void KafkaProtocol::close(const std::shared_ptr<net::Conn>& c, net::Slot* slot, const std::string& api,
                          int16_t version, const char* why) {
  log_warn("kafka client %s: malformed or unsupported request (%s v%d: %s); closing the connection",
           c->peer.c_str(), api.c_str(), version, why);
  slot->ready = true;
  slot->silent = true;
  conns_->close_after_answers(c);
}

}  // namespace ks::kafka
