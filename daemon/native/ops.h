// The native protocol's ops: a table (ops_table.cc) of name -> handler,
// each handler a short function in an op_*.cc file. Adding an op is a new
// file and a new row. A handler reads its request with the field readers
// of fields.h (a BadField or json::exception is answered as a bad
// request by the dispatcher) and answers through its Session, which the
// server (daemon/server/server.cc) implements for one request on one
// connection.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

#include "common/status.h"
#include "daemon/net/fetch_engine.h"
#include "daemon/broker/broker.h"
#include "daemon/server/options.h"

namespace ks::native {

class Session {
 public:
  virtual ~Session() = default;
  virtual const nlohmann::json& request() const = 0;  // the frame's header
  virtual uint64_t id() const = 0;                     // the request's id, echoed in its answer
  // The frame's payload (produce: record batches, stamped in place).
  virtual char* payload() = 0;
  virtual size_t payload_size() const = 0;
  virtual uint64_t connection_id() const = 0;
  virtual server::Broker& broker() = 0;
  virtual const server::DaemonOptions& options() const = 0;

  // Answers `s` (an error) or `body` (+ `data` after it) once the metadata
  // the op may have changed is on disk.
  virtual void reply(const Status& s, nlohmann::json body = nlohmann::json::object(), std::string_view data = {}) = 0;
  // Answers a frame at once (no metadata to wait for).
  virtual void answer_now(std::string frame) = 0;
  // A callable answering later (once) with a frame; safe after the
  // connection closed.
  virtual std::function<void(std::string)> answer_later() = 0;
  // acks=0: no answer is sent.
  virtual void silent() = 0;
  // Nothing more is answered on this connection after this request.
  virtual void close_after_answer() = 0;
  virtual void fetch(std::unique_ptr<net::FetchPlan> plan) = 0;

  // hello: whether the connection is logged in, and logging in with a token.
  virtual bool authed() const = 0;
  virtual bool log_in(std::string_view token) = 0;
  virtual nlohmann::json status() const = 0;
  virtual void request_shutdown() = 0;
};

using OpHandler = void (*)(Session&);

struct Op {
  std::string_view name;
  OpHandler run;
};

// The row of op `name`, or null.
const Op* find_op(std::string_view name);

}  // namespace ks::native
