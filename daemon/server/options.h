// Settings of one daemon process: what `ks daemon run|start` accepts. A
// plain struct so the CLI can fill it without linking the daemon.
#pragma once

#include <cstdint>
#include <string>

namespace ks::server {

struct DaemonOptions {
  std::string home;
  std::string listen;          // tcp://HOST:PORT for the native protocol; empty: Unix socket only
  bool allow_remote = false;   // let `listen` and `kafka` bind a non-loopback address
  std::string kafka;           // HOST:PORT for the Kafka wire protocol; empty: none
  std::string kafka_advertise; // HOST:PORT told to Kafka clients; empty: the bound address
  bool auto_create = true;     // produce to a missing topic creates it
  int32_t default_partitions = 1;
  int64_t max_frame_bytes = 64 << 20;
  int64_t max_connections = 4096;  // open client connections at once; 0: no limit
  int64_t max_partitions = 0;      // partitions of all topics (one open file each); 0: from `ulimit -n`
  int64_t retention_check_ms = 60 * 1000;
  // A TCP connection that has not sent the token within this is closed
  // (KS_LOGIN_TIMEOUT_MS); 0: never.
  int64_t login_timeout_ms = 10 * 1000;
  // A Kafka connection with no request in flight and nothing read or
  // written for this long is closed, as Kafka's connections.max.idle.ms
  // (KS_KAFKA_IDLE_TIMEOUT_MS); 0: never.
  int64_t kafka_idle_timeout_ms = 10 * 60 * 1000;
  int64_t fd_limit = 0;        // `ulimit -n` of the daemon, named in the error when descriptors run out
};

// Runs the daemon in the foreground until SIGTERM/SIGINT or a shutdown
// request; returns the process exit code.
int run_daemon(const DaemonOptions& options);

}  // namespace ks::server
