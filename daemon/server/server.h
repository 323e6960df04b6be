// The daemon's server: wires the network layer (daemon/net: listeners,
// connections, the fetch engine) to the two protocols (the native op table
// in daemon/native, the Kafka handler table in daemon/kafka/handlers) and
// the broker, and shuts them down in order. One loop thread runs all of it.
#pragma once

#include <uv.h>

#include <nlohmann/json_fwd.hpp>

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "common/status.h"
#include "daemon/kafka/handlers/protocol.h"
#include "daemon/native/protocol.h"
#include "daemon/net/connections.h"
#include "daemon/net/listeners.h"
#include "daemon/net/uv_executor.h"
#include "daemon/broker/broker.h"
#include "daemon/server/options.h"

namespace ks::server {

using net::UvExecutor;

class Server {
 public:
  // `loop` and `broker` must outlive the server.
  Server(uv_loop_t* loop, Broker* broker, const DaemonOptions& options);
  ~Server();

  Status listen_unix(const std::string& path);
  // "HOST:PORT"; refuses a non-loopback host unless allow_remote. Every
  // TCP client, loopback or not, must send `token` (not empty) in its
  // hello: only the Unix socket (0600 in a 0700 home) is open without it.
  Status listen_tcp(const std::string& hostport, bool allow_remote, const std::string& token);
  // The Kafka wire protocol on "HOST:PORT" (port 0: any free port), telling
  // clients to connect to `advertise` ("HOST:PORT"; empty: the bound one).
  Status listen_kafka(const std::string& hostport, bool allow_remote, const std::string& advertise);

  // Stops accepting, answers what was received, closes connections once
  // their answers are written, then calls `done`.
  void begin_shutdown(std::function<void()> done);
  bool shutting_down() const { return conns_.shutting_down(); }
  // Set by a client's shutdown request; the daemon then stops.
  void set_shutdown_hook(std::function<void()> hook) { shutdown_hook_ = std::move(hook); }

  const std::vector<std::string>& listeners() const { return listener_names_; }
  size_t connection_count() const { return conns_.count(); }
  // Bytes of answers built and not yet written, all connections together
  // (bounded; see kAnswerBudget in daemon/net/conn.h).
  size_t held_bytes() const { return conns_.held_bytes(); }

 private:
  Result<int> bind_tcp(const std::string& hostport, bool allow_remote, net::ListenerKind kind,
                       net::Protocol* protocol);
  nlohmann::json status_json() const;

  uv_loop_t* loop_;
  Broker* broker_;
  DaemonOptions options_;
  net::Connections conns_;
  native::NativeProtocol native_;
  kafka::KafkaProtocol kafka_;
  net::Listeners listeners_;
  std::vector<std::string> listener_names_;
  std::function<void()> shutdown_hook_;
  uint64_t started_ms_;
};

}  // namespace ks::server
