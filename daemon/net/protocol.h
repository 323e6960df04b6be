// What a wire protocol plugs into the connection layer: how to take one
// request off the front of a connection's bytes. The native protocol
// (daemon/native/protocol.h) and the Kafka one (daemon/kafka/handlers/
// protocol.h) implement it; the connection layer owns reading, pausing,
// answering in order and closing, for both.
#pragma once

#include <cstddef>
#include <memory>
#include <string>

#include "daemon/net/conn.h"

namespace ks::net {

class Protocol {
 public:
  virtual ~Protocol() = default;
  // Handles the request at the start of data[0, n): returns the bytes of
  // its frame, or 0 when the frame is not complete yet. A malformed frame
  // marks the connection to close after the answers owed
  // (Connections::close_after_answers); its return value is then ignored.
  virtual size_t handle(const std::shared_ptr<Conn>& c, char* data, size_t n) = 0;
  // Bytes sent to a client refused at accept (no descriptor for it), so it
  // learns why; empty: it just sees the close.
  virtual std::string refusal(const std::string& why) const { (void)why; return {}; }
};

}  // namespace ks::net
