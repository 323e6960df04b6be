// Who runs the process at the other end of a loopback TCP connection: the
// owner's `ks --addr tcp://127.0.0.1:PORT` hands the home's token only to a
// daemon of its own user, never to whatever else listens on that port.
#pragma once

namespace ks::cli {

// True when `fd` is a TCP connection to a loopback address whose listening
// end belongs to this process's effective uid (from /proc/net/tcp{,6}).
// False for any other peer, or when it cannot tell.
bool loopback_peer_is_mine(int fd);

}  // namespace ks::cli
