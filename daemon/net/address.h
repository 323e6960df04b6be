// Listen addresses and the TCP token, for the listeners.
#pragma once

#include <sys/socket.h>

#include <string>
#include <string_view>

#include "common/status.h"

namespace ks::net {

// "HOST:PORT" (HOST may be [v6]) parsed into `addr`; `loopback` says
// whether HOST is a loopback address. Port 0: any free port.
struct HostPort {
  std::string host;
  int port = 0;
  bool v6 = false;
  bool loopback = false;
  sockaddr_storage addr{};
};
Result<HostPort> parse_listen_address(const std::string& hostport);

// "HOST:PORT" told to Kafka clients (--kafka-advertise).
Result<std::pair<std::string, int32_t>> parse_advertise(const std::string& hostport);

// The "HOST" and port a socket is bound to (HOST in brackets for v6 when
// `bracket_v6`).
std::pair<std::string, int> bound_address(int fd, bool bracket_v6);

// Whether `given` is the token `want` (not empty), in time that depends on
// the length of `want` only, so the comparison leaks nothing of it.
bool token_matches(std::string_view given, std::string_view want);

}  // namespace ks::net
