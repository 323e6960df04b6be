// The native protocol on the connection layer: frames of a JSON header and
// a payload (common/protocol.h), each request answered by its op from the
// table (ops.h) through a Session.
#pragma once

#include <functional>
#include <nlohmann/json_fwd.hpp>
#include <string>

#include "daemon/net/connections.h"
#include "daemon/net/protocol.h"
#include "daemon/broker/broker.h"
#include "daemon/server/options.h"

namespace ks::native {

class NativeProtocol final : public net::Protocol {
 public:
  // What an op may ask of the daemon around it.
  struct Hooks {
    std::function<nlohmann::json()> status;  // the status op's answer
    std::function<void()> shutdown;          // a client asked the daemon to stop
  };
  // `conns` and `broker` must outlive this object.
  NativeProtocol(net::Connections* conns, server::Broker* broker, const server::DaemonOptions& options, Hooks hooks)
      : conns_(conns), broker_(broker), options_(options), hooks_(std::move(hooks)) {}

  // The token TCP clients must send in their hello.
  void set_token(std::string token) { token_ = std::move(token); }

  size_t handle(const std::shared_ptr<net::Conn>& c, char* data, size_t n) override;
  std::string refusal(const std::string& why) const override;

 private:
  friend class Request;
  void dispatch(const std::shared_ptr<net::Conn>& c, std::string_view header, char* payload, size_t payload_size);

  net::Connections* conns_;
  server::Broker* broker_;
  const server::DaemonOptions& options_;
  Hooks hooks_;
  std::string token_;
};

}  // namespace ks::native
