#include "daemon/storage/group_commit.h"

#include <doctest/doctest.h>

#include "daemon/storage/test_util.h"

using namespace ks;
using namespace ks::storage;
using namespace ks::storage::testing;

TEST_CASE("requests made while a flush runs share the next flush") {
  TempDir tmp;
  ManualClock clock(1000);
  auto log = std::move(*Log::Open(tmp.log_dir(), LogConfig{}, &clock));
  GroupCommit gc(log.get());
  std::vector<int> done;
  auto r1 = append(*log, make_batch(0, 5, 1000));
  auto job = gc.request(r1.last_offset + 1, [&](const Status& s) { CHECK(s.ok()); done.push_back(1); });
  REQUIRE(job.has_value());
  CHECK(gc.in_flight());
  // While the first job "runs", three more appends ask for durability.
  for (int i = 0; i < 3; ++i) {
    auto r = append(*log, make_batch(5 + i * 5, 5, 1000));
    auto j = gc.request(r.last_offset + 1, [&, i](const Status& s) { CHECK(s.ok()); done.push_back(2 + i); });
    CHECK_FALSE(j.has_value());
  }
  CHECK(gc.waiting() == 4);
  auto next = gc.complete(*job, job->run());
  CHECK(done == std::vector<int>{1});
  CHECK(log->durable_offset() == Offset(5));
  REQUIRE(next.has_value());  // one flush for the three
  CHECK(next->upto == Offset(20));
  auto none = gc.complete(*next, next->run());
  CHECK_FALSE(none.has_value());
  CHECK(done == std::vector<int>{1, 2, 3, 4});
  CHECK(log->durable_offset() == Offset(20));
  CHECK_FALSE(gc.in_flight());
  // Already durable: answered at once, no job.
  bool called = false;
  CHECK_FALSE(gc.request(Offset(10), [&](const Status&) { called = true; }).has_value());
  CHECK(called);
}

TEST_CASE("a failed flush fails every waiter and the log refuses appends until reopened") {
  TempDir tmp;
  ManualClock clock(1000);
  auto log = std::move(*Log::Open(tmp.log_dir(), LogConfig{}, &clock));
  GroupCommit gc(log.get());
  auto r = append(*log, make_batch(0, 5, 1000));
  int failures = 0;
  auto job = gc.request(r.last_offset + 1, [&](const Status& s) { failures += !s.ok(); });
  auto r2 = append(*log, make_batch(5, 5, 1000));
  CHECK_FALSE(gc.request(r2.last_offset + 1, [&](const Status& s) { failures += !s.ok(); }).has_value());
  CHECK_FALSE(gc.complete(*job, Status::IOError("fdatasync: Input/output error")).has_value());
  CHECK(failures == 2);
  CHECK(log->durable_offset() == Offset(0));
  std::string b = make_batch(10, 1, 1000);
  auto refused = log->append(b.data(), b.size());
  REQUIRE_FALSE(refused.ok());
  CHECK(refused.status().message().find("fsync failed") != std::string::npos);
  log.reset();
  log = std::move(*Log::Open(tmp.log_dir(), LogConfig{}, &clock));
  CHECK(log->end_offset() == Offset(10));
  CHECK(log->append(b.data(), b.size()).ok());
}

TEST_CASE("a flush covers segments that rolled since the last one") {
  TempDir tmp;
  ManualClock clock(1000);
  LogConfig c;
  c.segment_bytes = 4096;
  auto log = std::move(*Log::Open(tmp.log_dir(), c, &clock));
  REQUIRE(log->flush().ok());
  for (int i = 0; i < 50; ++i) append(*log, make_batch(i * 5, 5, 1000, 50));
  CHECK(log->segment_count() > 3);
  FlushJob job = log->prepare_flush();
  CHECK(job.items.size() == log->segment_count());
  CHECK_FALSE(job.dir_to_sync.empty());
  REQUIRE(job.run().ok());
  log->flush_done(job, Status::OK());
  CHECK(log->durable_offset() == Offset(250));
  CHECK(log->prepare_flush().items.empty());
}
