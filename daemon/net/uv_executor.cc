#include "daemon/net/uv_executor.h"

#include <exception>

#include "daemon/broker/logging.h"

namespace ks::net {

using server::log_error;

namespace {
struct Work {
  uv_work_t req;
  std::function<Status()> work;
  std::function<void(Status)> done;
  Status result;
  UvExecutor* owner;
  int* counter;
};
}  // namespace

void UvExecutor::run(std::function<Status()> work, std::function<void(Status)> done) {
  auto* w = new Work{{}, std::move(work), std::move(done), Status(), this, &in_flight_};
  w->req.data = w;
  ++in_flight_;
  int rc = uv_queue_work(
      loop_, &w->req, [](uv_work_t* r) {
        auto* w = static_cast<Work*>(r->data);
        w->result = w->work();
      },
      [](uv_work_t* r, int status) {
        auto* w = static_cast<Work*>(r->data);
        --*w->counter;
        Status s = status == 0 ? w->result : Status::Unavailable("work cancelled");
        try {
          w->done(s);
        } catch (const std::exception& e) {
          log_error("work completion threw: %s", e.what());
        }
        delete w;
      });
  if (rc != 0) {
    --in_flight_;
    Status s = Status::IOError(std::string("uv_queue_work: ") + uv_strerror(rc));
    auto done_fn = std::move(w->done);
    delete w;
    done_fn(s);
  }
}


}  // namespace ks::net
