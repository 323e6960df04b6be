// The broker's Executor (daemon/broker/broker.h) on libuv's thread pool:
// blocking work (fsyncs) runs there, its completion on the loop thread.
#pragma once

#include <uv.h>

#include <functional>

#include "common/status.h"
#include "daemon/broker/broker.h"

namespace ks::net {

class UvExecutor final : public server::Executor {
 public:
  // `loop` must outlive this object.
  explicit UvExecutor(uv_loop_t* loop) : loop_(loop) {}
  void run(std::function<Status()> work, std::function<void(Status)> done) override;
  int in_flight() const { return in_flight_; }

 private:
  uv_loop_t* loop_;
  int in_flight_ = 0;
};

}  // namespace ks::net
