#include "cli/peer_owner.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstdint>
#include <cstdio>
#include <cstring>
#include <strings.h>
#include <fstream>
#include <sstream>
#include <string>

namespace ks::cli {
namespace {

// An address as /proc/net/tcp{,6} prints it: the address's 32-bit words as
// stored in memory, each printed %08X, then ':' and the port %04X.
std::string proc_form(const sockaddr_storage& a) {
  char out[64];
  if (a.ss_family == AF_INET) {
    const auto& in = reinterpret_cast<const sockaddr_in&>(a);
    std::snprintf(out, sizeof out, "%08X:%04X", in.sin_addr.s_addr, ntohs(in.sin_port));
    return out;
  }
  const auto& in6 = reinterpret_cast<const sockaddr_in6&>(a);
  uint32_t w[4];
  std::memcpy(w, &in6.sin6_addr, sizeof w);
  std::snprintf(out, sizeof out, "%08X%08X%08X%08X:%04X", w[0], w[1], w[2], w[3], ntohs(in6.sin6_port));
  return out;
}

bool is_loopback(const sockaddr_storage& a) {
  if (a.ss_family == AF_INET)
    return (ntohl(reinterpret_cast<const sockaddr_in&>(a).sin_addr.s_addr) >> 24) == 127;
  if (a.ss_family == AF_INET6) {
    const in6_addr& x = reinterpret_cast<const sockaddr_in6&>(a).sin6_addr;
    if (IN6_IS_ADDR_LOOPBACK(&x)) return true;
    return IN6_IS_ADDR_V4MAPPED(&x) && x.s6_addr[12] == 127;
  }
  return false;
}

}  // namespace

bool loopback_peer_is_mine(int fd) {
  sockaddr_storage self{}, peer{};
  socklen_t ls = sizeof self, lp = sizeof peer;
  if (::getsockname(fd, reinterpret_cast<sockaddr*>(&self), &ls) != 0 ||
      ::getpeername(fd, reinterpret_cast<sockaddr*>(&peer), &lp) != 0)
    return false;
  if (!is_loopback(peer)) return false;
  // The daemon's end of this connection: local = our peer, remote = us.
  const std::string local = proc_form(peer), remote = proc_form(self);
  const char* table = peer.ss_family == AF_INET ? "/proc/net/tcp" : "/proc/net/tcp6";
  std::ifstream in(table);
  std::string line;
  std::getline(in, line);  // header
  while (std::getline(in, line)) {
    std::istringstream f(line);
    std::string sl, loc, rem, st, queues, timer, retr;
    unsigned long uid = 0;
    if (!(f >> sl >> loc >> rem >> st >> queues >> timer >> retr >> uid)) continue;
    if (strcasecmp(loc.c_str(), local.c_str()) == 0 && strcasecmp(rem.c_str(), remote.c_str()) == 0)
      return uid == static_cast<unsigned long>(::geteuid());
  }
  return false;
}

}  // namespace ks::cli
