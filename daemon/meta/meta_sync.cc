#include "daemon/meta/meta_sync.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace ks::meta {
namespace {

Status sync_path(const std::string& path, int flags, bool data_only, bool missing_ok) {
  int fd = ::open(path.c_str(), flags | O_CLOEXEC | O_NOFOLLOW);
  if (fd < 0) {
    if (errno == ENOENT && missing_ok) return Status::OK();
    // Not a lost write: the changes stay dirty and the next sync covers them.
    return Status::Unavailable("opening " + path + " to sync it: " + std::strerror(errno));
  }
  int rc = data_only ? ::fdatasync(fd) : ::fsync(fd);
  int err = errno;
  ::close(fd);
  if (rc != 0) return Status::IOError("syncing " + path + ": " + std::strerror(err));
  return Status::OK();
}

}  // namespace

Status sync_file_data(const std::string& path) { return sync_path(path, O_RDONLY, true, true); }

Status sync_directory(const std::string& dir) {
  return sync_path(dir, O_RDONLY | O_DIRECTORY, false, false);
}

MetaSync::MetaSync(std::string wal_path, Run run, std::function<uint64_t()> changes)
    : wal_path_(std::move(wal_path)), run_(std::move(run)), changes_(std::move(changes)) {
  durable_ = mark();  // what was written before (at open) is made durable by Open
}

void MetaSync::add_dir(std::string dir) {
  for (const auto& d : dirs_)
    if (d == dir) {
      ++dirs_added_;  // still a new entry the next sync must cover
      return;
    }
  dirs_.push_back(std::move(dir));
  ++dirs_added_;
}

void MetaSync::when_durable(std::function<void(Status)> done, uint64_t since) {
  uint64_t want = mark();
  if (want == since) return done(Status::OK());
  if (!failed_.ok()) return done(failed_);
  if (want <= durable_ && waiters_.empty()) return done(Status::OK());
  waiters_.emplace_back(want, std::move(done));
  if (!in_flight_) start();
}

void MetaSync::start() {
  in_flight_ = true;
  uint64_t upto = mark();
  std::vector<std::string> dirs = std::move(dirs_);
  dirs_.clear();
  std::string wal = wal_path_;
  // Directories first: their entries (data/<topic>-<p>/) are what the rows
  // in the WAL point at.
  run_(
      [dirs, wal]() -> Status {
        for (const auto& d : dirs) KS_RETURN_IF_ERROR(sync_directory(d));
        return sync_file_data(wal);
      },
      [this, upto](Status s) { finish(upto, std::move(s)); });
}

void MetaSync::finish(uint64_t upto, Status s) {
  in_flight_ = false;
  ++syncs_;
  if (!s.ok() && s.code() == Code::kUnavailable && failed_.ok()) {
    auto waiters = std::move(waiters_);
    waiters_.clear();
    Status why = Status::Unavailable("metadata not yet durable: " + s.message());
    for (auto& [want, done] : waiters) done(why);
    return;
  }
  if (!s.ok() && failed_.ok()) {
    failed_ = Status::IOError("metadata could not be made durable (" + s.message() +
                              "); restart the daemon once the disk is fixed");
  }
  if (!failed_.ok()) {
    auto waiters = std::move(waiters_);
    waiters_.clear();
    for (auto& [want, done] : waiters) done(failed_);
    return;
  }
  if (upto > durable_) durable_ = upto;
  // Callbacks may add waiters (a reply that answers and starts the next
  // request); take the ready ones first.
  std::vector<std::function<void(Status)>> ready;
  while (!waiters_.empty() && waiters_.front().first <= durable_) {
    ready.push_back(std::move(waiters_.front().second));
    waiters_.pop_front();
  }
  if (!waiters_.empty() && !in_flight_) start();
  for (auto& done : ready) done(Status::OK());
}

}  // namespace ks::meta
