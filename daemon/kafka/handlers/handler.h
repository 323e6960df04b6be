// The Kafka APIs ks serves: one file per API (api_*.cc), each a handler
// registered with its version range in one table (table.cc). Adding an API
// is a new file and a new row; ApiVersions answers from the table.
//
// A handler decodes its request, works on the broker and answers through
// its Context, which the Kafka listener (daemon/server/kafka_server.cc)
// implements for one request on one connection.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <span>
#include <string>
#include <string_view>

#include "daemon/kafka/messages.h"
#include "daemon/net/fetch_engine.h"
#include "daemon/broker/broker.h"
#include "daemon/server/options.h"

namespace ks::kafka {

constexpr int32_t kNodeId = 1;  // ks is one broker: node 1, controller and coordinator

class Context {
 public:
  virtual ~Context() = default;
  virtual const RequestHeader& header() const = 0;
  virtual std::string_view body() const = 0;  // the request after its header
  virtual std::string_view peer() const = 0;  // "/ADDRESS" of the client
  virtual server::Broker& broker() = 0;
  virtual const server::DaemonOptions& options() const = 0;
  // Where clients are told to connect.
  virtual const std::string& advertised_host() const = 0;
  virtual int32_t advertised_port() const = 0;

  // Answers with an encoded response once the metadata the request may
  // have changed is on disk.
  virtual void reply_encoded(std::string response) = 0;
  // A callable answering later (once) with an encoded response; safe to
  // call after the connection closed.
  virtual std::function<void(std::string)> answer_later() = 0;
  // The request is malformed: nothing more is answered on the connection.
  virtual void bad_request(const char* why) = 0;
  // acks=0: no answer is sent.
  virtual void silent() = 0;
  virtual void fetch(std::unique_ptr<net::FetchPlan> plan) = 0;

  int16_t key() const { return header().api_key; }
  int16_t version() const { return header().api_version; }
};

using Handler = void (*)(Context&);

struct Api {
  ApiRange range;  // key, versions served, name
  Handler handle;
};

// Every API served, in key order.
std::span<const Api> apis();
// The row of `key`, or null.
const Api* find_handler(int16_t key);

// Decodes the request body into `req`; false (after closing the
// connection) when it is malformed.
template <class Req>
bool decode_request(Context& cx, Req* req) {
  const char* why = "";
  if (decode(cx.body(), cx.key(), cx.version(), req, &why)) return true;
  cx.bad_request(why);
  return false;
}

template <class Resp>
std::string encode(const Context& cx, Resp& response) {
  std::string out;
  encode_response(&out, cx.header().api_key, cx.header().api_version, cx.header().correlation_id, response);
  return out;
}

template <class Resp>
void reply(Context& cx, Resp& response) {
  cx.reply_encoded(encode(cx, response));
}

// A callable that answers `response` later (group joins and syncs).
template <class Resp>
std::function<void(Resp&)> later(Context& cx) {
  return [answer = cx.answer_later(), key = cx.key(), v = cx.version(),
          corr = cx.header().correlation_id](Resp& response) {
    std::string out;
    encode_response(&out, key, v, corr, response);
    answer(std::move(out));
  };
}

// The ApiVersions answer: every row of the table.
void add_api_ranges(std::vector<ApiVersionsResponse::Api>* out);

}  // namespace ks::kafka
