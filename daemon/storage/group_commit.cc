#include "daemon/storage/group_commit.h"

namespace ks::storage {

std::optional<FlushJob> GroupCommit::request(Offset upto, Callback done) {
  if (upto <= log_->durable_offset()) {
    done(Status::OK());
    return std::nullopt;
  }
  waiters_.emplace_back(upto, std::move(done));
  if (in_flight_) return std::nullopt;
  in_flight_ = true;
  return log_->prepare_flush();
}

std::optional<FlushJob> GroupCommit::flush_now() {
  if (in_flight_) return std::nullopt;
  in_flight_ = true;
  return log_->prepare_flush();
}

std::optional<FlushJob> GroupCommit::complete(const FlushJob& job, const Status& status) {
  log_->flush_done(job, status);
  in_flight_ = false;
  std::vector<Callback> ready;
  std::vector<std::pair<Offset, Callback>> still;
  for (auto& [upto, cb] : waiters_) {
    if (!status.ok() || upto <= log_->durable_offset()) ready.push_back(std::move(cb));
    else still.emplace_back(upto, std::move(cb));
  }
  waiters_ = std::move(still);
  std::optional<FlushJob> next;
  if (!waiters_.empty()) {
    in_flight_ = true;
    next = log_->prepare_flush();
  }
  // Callbacks last: one may call request() again, which must see the state
  // above.
  for (auto& cb : ready) cb(status);
  return next;
}

}  // namespace ks::storage
