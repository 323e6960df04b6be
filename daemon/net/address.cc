#include "daemon/net/address.h"

#include <netinet/in.h>
#include <uv.h>

#include <cstdlib>

namespace ks::net {

Result<HostPort> parse_listen_address(const std::string& hostport) {
  auto colon = hostport.rfind(':');
  if (colon == std::string::npos)
    return Status::InvalidArgument("bad listen address '" + hostport + "': expected HOST:PORT");
  HostPort hp;
  hp.host = hostport.substr(0, colon);
  if (hp.host.size() > 2 && hp.host.front() == '[') hp.host = hp.host.substr(1, hp.host.size() - 2);
  const char* port_text = hostport.c_str() + colon + 1;
  char* end = nullptr;
  long port = std::strtol(port_text, &end, 10);
  if (!*port_text || *end || port < 0 || port > 65535)
    return Status::InvalidArgument("bad listen address '" + hostport + "': the port must be 0 to 65535");
  hp.port = static_cast<int>(port);
  hp.v6 = hp.host.find(':') != std::string::npos;
  int rc = hp.v6 ? uv_ip6_addr(hp.host.c_str(), hp.port, reinterpret_cast<sockaddr_in6*>(&hp.addr))
                 : uv_ip4_addr(hp.host.c_str(), hp.port, reinterpret_cast<sockaddr_in*>(&hp.addr));
  if (rc != 0) return Status::InvalidArgument("bad listen address '" + hostport + "': " + uv_strerror(rc));
  hp.loopback = hp.v6 ? hp.host == "::1" : hp.host.rfind("127.", 0) == 0;
  return hp;
}

Result<std::pair<std::string, int32_t>> parse_advertise(const std::string& advertise) {
  auto colon = advertise.rfind(':');
  char* end = nullptr;
  long p = colon == std::string::npos ? -1 : std::strtol(advertise.c_str() + colon + 1, &end, 10);
  if (colon == std::string::npos || colon == 0 || *end || p <= 0 || p > 65535)
    return Status::InvalidArgument("bad --kafka-advertise '" + advertise + "': expected HOST:PORT");
  std::string host = advertise.substr(0, colon);
  if (host.size() > 2 && host.front() == '[') host = host.substr(1, host.size() - 2);
  return std::make_pair(host, static_cast<int32_t>(p));
}

std::pair<std::string, int> bound_address(int fd, bool bracket_v6) {
  sockaddr_storage bound{};
  socklen_t len = sizeof bound;
  char name[64] = "";
  int port = 0;
  if (::getsockname(fd, reinterpret_cast<sockaddr*>(&bound), &len) == 0) {
    if (bound.ss_family == AF_INET6) {
      uv_ip6_name(reinterpret_cast<sockaddr_in6*>(&bound), name, sizeof name);
      port = ntohs(reinterpret_cast<sockaddr_in6*>(&bound)->sin6_port);
    } else {
      uv_ip4_name(reinterpret_cast<sockaddr_in*>(&bound), name, sizeof name);
      port = ntohs(reinterpret_cast<sockaddr_in*>(&bound)->sin_port);
    }
  }
  std::string host = name;
  if (bracket_v6 && host.find(':') != std::string::npos) host = "[" + host + "]";
  return {host, port};
}

bool token_matches(std::string_view given, std::string_view want) {
  if (want.empty()) return false;
  size_t diff = given.size() ^ want.size();
  for (size_t i = 0; i < want.size(); ++i)
    diff |= static_cast<unsigned char>(want[i]) ^ static_cast<unsigned char>(i < given.size() ? given[i] : 0);
  return diff == 0;
}

}  // namespace ks::net
