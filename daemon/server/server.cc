#include "daemon/server/server.h"

#include <unistd.h>

#include <chrono>
#include <nlohmann/json.hpp>

#include "common/layout.h"
#include "daemon/net/address.h"
#include "daemon/native/op_orphans.h"

#ifndef KS_VERSION
#define KS_VERSION "0.0.0"
#endif

namespace ks::server {

using json = nlohmann::json;

namespace {

int64_t now_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

}  // namespace

Server::Server(uv_loop_t* loop, Broker* broker, const DaemonOptions& options)
    : loop_(loop),
      broker_(broker),
      options_(options),
      conns_(loop, options_),
      native_(&conns_, broker, options_,
              {[this] { return status_json(); },
               [this] {
                 if (shutdown_hook_) shutdown_hook_();
               }}),
      kafka_(&conns_, broker, options_),
      listeners_(loop, &conns_, options_.fd_limit,
                 "the daemon is out of file descriptors (ulimit -n " + std::to_string(options_.fd_limit) + "); see " +
                     layout::in_home(options_.home, layout::kDaemonLog)),
      started_ms_(now_ms()) {
  // A group whose generation moved: its members' long polls answer now
  // (with rebalance_in_progress), so they commit and join again promptly.
  broker_->groups().set_rebalance_hook([this](const std::string& group) { conns_.fetches().rebalance(group); });
  // Members that joined through a connection leave when it closes.
  conns_.set_close_hook([this](uint64_t id) { broker_->groups().connection_closed(id, broker_->now_ms()); });
  conns_.set_tick_hook([this](uint64_t now) { listeners_.log_refused(now); });
}

Server::~Server() {
  broker_->groups().set_rebalance_hook(nullptr);
  listeners_.close();
}

Status Server::listen_unix(const std::string& path) {
  Status s = listeners_.listen_unix(path, &native_);
  if (s.ok()) listener_names_.push_back("unix:" + path);
  return s;
}

Result<int> Server::bind_tcp(const std::string& hostport, bool allow_remote, net::ListenerKind kind,
                             net::Protocol* protocol) {
  auto hp = net::parse_listen_address(hostport);
  if (!hp.ok()) return hp.status();
  if (!hp->loopback && !allow_remote)
    return Status::InvalidArgument("refusing to listen on non-loopback address " + hp->host + " without --allow-remote");
  return listeners_.listen_tcp(*hp, hostport, kind, protocol);
}

Status Server::listen_tcp(const std::string& hostport, bool allow_remote, const std::string& token) {
  if (token.empty()) return Status::InvalidArgument("a TCP listener needs a token, and none could be made");
  auto fd = bind_tcp(hostport, allow_remote, net::ListenerKind::kNative, &native_);
  if (!fd.ok()) return fd.status();
  native_.set_token(token);
  listener_names_.push_back("tcp://" + hostport);
  return Status::OK();
}

Status Server::listen_kafka(const std::string& hostport, bool allow_remote, const std::string& advertise) {
  auto fd = bind_tcp(hostport, allow_remote, net::ListenerKind::kKafka, &kafka_);
  if (!fd.ok()) return fd.status();
  auto [name, port] = net::bound_address(*fd, false);
  std::string host = name;
  if (host == "0.0.0.0" || host == "::") {
    char hn[256] = "";
    size_t hn_len = sizeof hn;
    host = uv_os_gethostname(hn, &hn_len) == 0 ? hn : "localhost";
  }
  int32_t advertised_port = port;
  if (!advertise.empty()) {
    auto a = net::parse_advertise(advertise);
    if (!a.ok()) return a.status();
    std::tie(host, advertised_port) = *a;
  }
  kafka_.advertise(host, advertised_port);
  std::string shown = name.find(':') != std::string::npos ? "[" + name + "]" : name;
  listener_names_.push_back("kafka://" + shown + ":" + std::to_string(port));
  return Status::OK();
}

json Server::status_json() const {
  return json{{"pid", ::getpid()},
              {"version", KS_VERSION},
              {"home", options_.home},
              {"uptime_ms", now_ms() - started_ms_},
              {"listeners", listener_names_},
              {"connections", conns_.count()},
              {"topics", broker_->topic_count()},
              {"partitions", broker_->partition_total()},
              {"bytes", broker_->total_bytes()},
              {"orphans", native::orphans_json(broker_->orphans())}};
}

void Server::begin_shutdown(std::function<void()> done) {
  if (conns_.shutting_down()) return;
  listeners_.close();
  // Kafka members waiting in a join or sync get their answer (an error)
  // so their connections can finish.
  broker_->kafka_groups().clear();
  conns_.begin_shutdown(std::move(done));
}

}  // namespace ks::server
