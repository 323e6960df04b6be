// Connection internals shared by the native (server.cc) and Kafka
// (kafka_server.cc) sides of Server. Not for use outside the server.
#pragma once

#include <uv.h>

#include <algorithm>
#include <cstring>
#include <deque>
#include <functional>
#include <vector>
#include <memory>
#include <string>

#include "daemon/server/server.h"

namespace ks::server {

using namespace ks::net;  // the connection limits and types (daemon/net/conn.h)

// A listening socket, accepted by hand (conn_accept.cc) rather than by
// uv_listen: libuv drops connections silently when descriptors run out,
// and the daemon must log that and tell the client why.
struct Server::Listener {
  enum class Kind { kUnix, kNative, kKafka };
  uv_poll_t poll;
  int fd = -1;
  Kind kind = Kind::kUnix;
  Server* server = nullptr;
  bool polling = false;
};

// Whether `given` is the token `want` (not empty), in time that depends on
// the length of `want` only, so the comparison leaks nothing of it.
bool token_matches(std::string_view given, std::string_view want);

}  // namespace ks::server
