// The Kafka listener's side of Server: size-prefixed frames, request
// headers, and each request handed to its API's handler from the table in
// daemon/kafka/handlers/ through a KafkaRequest context. Requests on a
// connection are answered in order (the slots of server.cc); malformed
// input closes the connection after the answers already owed, and never
// reaches the broker.
#include <sys/socket.h>

#include <algorithm>
#include <deque>
#include <map>

#include "common/types.h"
#include "daemon/kafka/errors.h"
#include "daemon/kafka/handlers/handler.h"
#include "daemon/kafka/messages.h"
#include "daemon/server/logging.h"
#include "daemon/server/server_internal.h"

namespace ks::server {

using namespace ks::kafka;

Status Server::listen_kafka(const std::string& hostport, bool allow_remote, const std::string& advertise) {
  bool loopback = true;
  auto l = bind_tcp(hostport, allow_remote, true, &loopback);
  if (!l.ok()) return l.status();
  sockaddr_storage bound{};
  socklen_t len = sizeof bound;
  char name[64] = "";
  int port = 0;
  if (::getsockname((*l)->fd, reinterpret_cast<sockaddr*>(&bound), &len) == 0) {
    if (bound.ss_family == AF_INET6) {
      uv_ip6_name(reinterpret_cast<sockaddr_in6*>(&bound), name, sizeof name);
      port = ntohs(reinterpret_cast<sockaddr_in6*>(&bound)->sin6_port);
    } else {
      uv_ip4_name(reinterpret_cast<sockaddr_in*>(&bound), name, sizeof name);
      port = ntohs(reinterpret_cast<sockaddr_in*>(&bound)->sin_port);
    }
  }
  std::string host = name;
  if (host == "0.0.0.0" || host == "::") {
    char hn[256] = "";
    size_t hn_len = sizeof hn;
    host = uv_os_gethostname(hn, &hn_len) == 0 ? hn : "localhost";
  }
  kafka_host_ = host;
  kafka_port_ = port;
  if (!advertise.empty()) {
    auto colon = advertise.rfind(':');
    char* end = nullptr;
    long p = colon == std::string::npos ? -1 : std::strtol(advertise.c_str() + colon + 1, &end, 10);
    if (colon == std::string::npos || colon == 0 || *end || p <= 0 || p > 65535)
      return Status::InvalidArgument("bad --kafka-advertise '" + advertise + "': expected HOST:PORT");
    kafka_host_ = advertise.substr(0, colon);
    if (kafka_host_.size() > 2 && kafka_host_.front() == '[') kafka_host_ = kafka_host_.substr(1, kafka_host_.size() - 2);
    kafka_port_ = static_cast<int32_t>(p);
  }
  std::string shown = std::string(name).find(':') != std::string::npos ? "[" + std::string(name) + "]" : name;
  listener_names_.push_back("kafka://" + shown + ":" + std::to_string(port));
  return Status::OK();
}

size_t Server::process_kafka(const std::shared_ptr<Conn>& c, char* data, size_t n) {
  size_t pos = 0;
  while (!c->closing && !c->close_after_flush) {
    if (should_pause(*c)) {
      pause_reading(c.get());
      break;
    }
    size_t avail = n - pos;
    if (avail < 4) break;
    const auto* p = reinterpret_cast<const uint8_t*>(data + pos);
    int32_t size = static_cast<int32_t>(uint32_t{p[0]} << 24 | uint32_t{p[1]} << 16 | uint32_t{p[2]} << 8 | p[3]);
    if (size < 8 || size > options_.max_frame_bytes) {
      log_warn("kafka client %s: bad request size %d; closing the connection", c->peer.c_str(), size);
      c->close_after_flush = true;
      flush_slots(c);
      break;
    }
    if (avail < 4 + static_cast<size_t>(size)) break;
    dispatch_kafka(c, data + pos + 4, static_cast<size_t>(size));
    pos += 4 + static_cast<size_t>(size);
  }
  if (c->close_after_flush || c->closing) {
    pause_reading(c.get());
    return n;
  }
  return pos;
}

// One Kafka request on one connection, as its handler sees it.
class KafkaRequest final : public kafka::Context {
 public:
  KafkaRequest(Server* server, const std::shared_ptr<Conn>& c, Slot* slot, const RequestHeader& h,
               std::string_view body, const ApiRange& range)
      : server_(server), conn_(c), slot_(slot), header_(h), body_(body), range_(range),
        since_(server->broker_->meta_mark()) {}

  const RequestHeader& header() const override { return header_; }
  std::string_view body() const override { return body_; }
  std::string_view peer() const override { return conn_->peer; }
  Broker& broker() override { return *server_->broker_; }
  const DaemonOptions& options() const override { return server_->options_; }
  const std::string& advertised_host() const override { return server_->kafka_host_; }
  int32_t advertised_port() const override { return server_->kafka_port_; }

  void reply_encoded(std::string out) override {
    // Told once the metadata the request may have changed is on disk; when
    // that fails the client must not hear success, so the connection closes.
    server_->broker_->when_meta_durable(
        [server = server_, weak = std::weak_ptr<Conn>(conn_), slot = slot_, out = std::move(out)](Status durable) mutable {
          auto conn = weak.lock();
          if (!conn || conn->closing) return;
          if (durable.ok()) return server->complete(conn, slot, std::move(out));
          log_error("kafka client %s: %s; closing the connection", conn->peer.c_str(), durable.to_string().c_str());
          slot->ready = slot->silent = conn->close_after_flush = true;
          server->flush_slots(conn);
        },
        since_);
  }
  std::function<void(std::string)> answer_later() override {
    return [server = server_, weak = std::weak_ptr<Conn>(conn_), slot = slot_](std::string out) {
      auto conn = weak.lock();
      if (!conn || conn->closing) return;
      server->complete(conn, slot, std::move(out));
    };
  }
  void bad_request(const char* why) override {
    server_->close_kafka(conn_, slot_, range_.name, header_.api_version, why);
  }
  void silent() override { slot_->silent = true; }
  void fetch(std::unique_ptr<net::FetchPlan> plan) override { server_->fetches_.start(conn_, slot_, std::move(plan)); }

 private:
  Server* server_;
  const std::shared_ptr<Conn>& conn_;
  Slot* slot_;
  const RequestHeader& header_;
  std::string_view body_;
  const ApiRange& range_;
  uint64_t since_;
};

void Server::dispatch_kafka(const std::shared_ptr<Conn>& c, char* data, size_t size) {
  std::string_view frame(data, size);
  RequestHeader h;
  {
    Decoder peek(frame);
    peek.i16(h.api_key);
    peek.i16(h.api_version);
  }
  const kafka::Api* api = kafka::find_handler(h.api_key);
  bool known = api && h.api_version >= api->range.min && h.api_version <= api->range.max;
  Decoder d(frame, known && is_flexible(h.api_key, h.api_version));
  serde(d, h);
  if (!d.ok()) {
    log_warn("kafka client %s: malformed request header (%s); closing the connection", c->peer.c_str(), d.error());
    c->close_after_flush = true;
    flush_slots(c);
    return;
  }
  Slot* slot = c->add_slot();
  if (!known) {
    if (h.api_key == kApiVersions) {
      // An ApiVersions version we do not know: the v0 layout with error 35
      // and our ranges, so the client retries with one we do (KIP-511).
      ApiVersionsResponse r;
      r.error_code = kUnsupportedVersion;
      kafka::add_api_ranges(&r.apis);
      std::string out;
      encode_response(&out, kApiVersions, 0, h.correlation_id, r);
      return complete(c, slot, std::move(out));
    }
    return close_kafka(c, slot, "an unsupported API " + std::to_string(h.api_key), h.api_version, "not implemented");
  }
  KafkaRequest request(this, c, slot, h, std::string_view(d.position(), d.remaining()), api->range);
  api->handle(request);
}

void Server::close_kafka(const std::shared_ptr<Conn>& c, Slot* slot, const std::string& api, int16_t version,
                         const char* why) {
  log_warn("kafka client %s: malformed or unsupported request (%s v%d: %s); closing the connection",
           c->peer.c_str(), api.c_str(), version, why);
  slot->ready = true;
  slot->silent = true;
  c->close_after_flush = true;
  flush_slots(c);
}

}  // namespace ks::server
