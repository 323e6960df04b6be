// Makes metadata changes durable before a client is told they happened,
// without an fsync per change on the loop thread.
//
// Why this and not `PRAGMA synchronous = FULL`: FULL fdatasyncs the WAL
// inside every COMMIT, on the thread that runs SQLite, which is the daemon's
// one loop thread; every offset commit of every consumer would stall every
// other client for a disk flush. Here SQLite keeps synchronous = NORMAL (it
// writes the WAL at COMMIT and syncs only around checkpoints), and the
// daemon, before answering, waits for one fdatasync of meta.db-wal run on
// the thread pool. Changes made while a sync is in flight share the next
// one, so N concurrent commits cost two syncs, not N. fdatasync covers the
// file, not the descriptor, so syncing the WAL through our own descriptor
// makes every frame SQLite wrote before the call durable, including the
// new WAL header after a checkpoint restarted the log.
//
// Durability promise: when_durable(done) calls done(OK) only once every
// change the connection made before the call (counted by `changes`), and
// every directory passed to add_dir before the call, is on disk. A failed
// sync is sticky: after an fsync error the kernel may have dropped the
// dirty pages, so no later sync can vouch for them; every later
// when_durable for a request that wrote something fails until the daemon
// restarts (SQLite then rereads what really is on disk). A sync that could
// not start (the WAL or a directory could not be opened, e.g. out of
// descriptors) fails only its own waiters: nothing was lost, and the next
// sync covers the same changes.
//
// Threading: everything but the work handed to `run` is on one thread.
#pragma once

#include <cstdint>
#include <deque>
#include <functional>
#include <string>
#include <utility>
#include <vector>

#include "common/status.h"

namespace ks::meta {

// fdatasync(path); a missing file is fine (SQLite deletes the WAL only
// after checkpointing it into the database on close).
Status sync_file_data(const std::string& path);
// fsync of a directory, so the entries made in it are durable.
Status sync_directory(const std::string& dir);

class MetaSync {
 public:
  // Runs `work` off the calling thread and `done` back on it.
  using Run = std::function<void(std::function<Status()> work, std::function<void(Status)> done)>;

  // `wal_path`: the file to fdatasync. `changes`: a count that grows with
  // every write the connection makes (sqlite3_total_changes64).
  MetaSync(std::string wal_path, Run run, std::function<uint64_t()> changes);

  // `dir` gets an fsync in the next sync (a directory whose new entries a
  // metadata change depends on, such as data/ after a partition's mkdir).
  void add_dir(std::string dir);
  // `done` runs once what was written so far is durable, at once when it
  // already is. `since`: mark() when the request began; when nothing was
  // written since, the answer promises nothing new and goes at once, even
  // after a failed sync (so hello, status and reads keep working).
  void when_durable(std::function<void(Status)> done, uint64_t since = UINT64_MAX);

  // Grows with every change and directory a sync must cover.
  uint64_t mark() const { return changes_() + dirs_added_; }

  bool in_flight() const { return in_flight_; }
  uint64_t syncs() const { return syncs_; }  // completed, for tests and figures

 private:
  void start();
  void finish(uint64_t upto, Status s);

  std::string wal_path_;
  Run run_;
  std::function<uint64_t()> changes_;
  uint64_t dirs_added_ = 0;
  uint64_t durable_ = 0;  // mark() covered by the last successful sync
  std::vector<std::string> dirs_;
  std::deque<std::pair<uint64_t, std::function<void(Status)>>> waiters_;
  bool in_flight_ = false;
  Status failed_;
  uint64_t syncs_ = 0;
};

}  // namespace ks::meta
