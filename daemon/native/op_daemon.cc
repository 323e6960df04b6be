// The ops about the connection and the daemon itself: hello (the token
// of a TCP client), status, shutdown.
#include <unistd.h>

#include "daemon/native/fields.h"
#include "daemon/native/ops.h"

#ifndef KS_VERSION
#define KS_VERSION "0.0.0"
#endif

namespace ks::native {

void op_hello(Session& s) {
  if (!s.authed() && !s.log_in(s.request().value("token", ""))) {
    s.reply(Status::InvalidArgument("wrong or missing token (set KS_TOKEN to the contents of the home's token file)"));
    return s.close_after_answer();
  }
  s.reply(Status::OK(), json{{"server", "ks " KS_VERSION}, {"pid", ::getpid()}});
}

void op_status(Session& s) { s.reply(Status::OK(), s.status()); }

void op_shutdown(Session& s) {
  s.reply(Status::OK());
  s.request_shutdown();
}

}  // namespace ks::native
