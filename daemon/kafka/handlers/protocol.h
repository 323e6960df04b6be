// The Kafka wire protocol on the connection layer: size-prefixed frames,
// request headers, and each request handed to its API's handler from the
// table (handler.h) through a Context. Requests on a connection are
// answered in order; malformed input closes the connection after the
// answers already owed, and never reaches the broker.
#pragma once

#include <string>

#include "daemon/net/connections.h"
#include "daemon/net/protocol.h"
#include "daemon/broker/broker.h"
#include "daemon/server/options.h"

namespace ks::kafka {

class KafkaProtocol final : public net::Protocol {
 public:
  // `conns` and `broker` must outlive this object.
  KafkaProtocol(net::Connections* conns, server::Broker* broker, const server::DaemonOptions& options)
      : conns_(conns), broker_(broker), options_(options) {}

  // Where clients are told to connect (Metadata, FindCoordinator).
  void advertise(std::string host, int32_t port) {
    host_ = std::move(host);
    port_ = port;
  }

  size_t handle(const std::shared_ptr<net::Conn>& c, char* data, size_t n) override;

 private:
  friend class Request;
  void dispatch(const std::shared_ptr<net::Conn>& c, char* data, size_t size);
  // Answers nothing more on this connection: it closes once the answers
  // owed before this request are written.
  void close(const std::shared_ptr<net::Conn>& c, net::Slot* slot, const std::string& api, int16_t version,
             const char* why);

  net::Connections* conns_;
  server::Broker* broker_;
  const server::DaemonOptions& options_;
  std::string host_;
  int32_t port_ = 0;
};

}  // namespace ks::kafka
