// Storage benchmark: append pre-built batches of 100-byte records (16 KiB to
// 1 MiB batches) without fsync and with group-commit fsync, then read the
// log back sequentially. Prints figures (median of runs); asserts nothing.
//
//   storage_bench [DIR] [TOTAL_MB]
#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <cstdlib>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "common/record_batch.h"
#include "daemon/storage/group_commit.h"
#include "daemon/storage/log.h"

using namespace ks;
using namespace ks::storage;
using Steady = std::chrono::steady_clock;

namespace {

std::string make_batch(size_t batch_bytes) {
  batch::BatchBuilder b;
  std::string value(100, 'x');
  for (size_t i = 0; i < value.size(); ++i) value[i] = static_cast<char>('a' + i % 26);
  while (b.size() + 120 <= batch_bytes) b.add(std::nullopt, std::string_view(value), 1700000000000);
  return b.take();
}

double seconds_since(Steady::time_point t) {
  return std::chrono::duration<double>(Steady::now() - t).count();
}

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v[v.size() / 2];
}

double last_sync_kib = 0;

struct Figures {
  double mb_s;
  double records_s;
};

// Appends `total` bytes of copies of `tmpl`. With `fsync`, a flusher thread
// runs group-commit jobs while the appender keeps going; the run ends when
// the last append is durable.
Figures append_run(const std::string& dir, const std::string& tmpl, uint64_t total, bool fsync,
                   int max_in_flight = 0) {
  std::system(("rm -rf '" + dir + "'").c_str());
  SystemClock clock;
  LogConfig cfg;
  auto log = std::move(*Log::Open(dir, cfg, &clock));
  int32_t per_batch = batch::read_header(tmpl)->records_count;
  uint64_t batches = total / tmpl.size();
  std::string buf = tmpl;

  std::mutex mu;
  std::condition_variable cv;
  GroupCommit gc(log.get());
  std::vector<FlushJob> queue;
  bool stop = false;
  uint64_t fsyncs = 0;
  std::thread flusher;
  if (fsync) {
    flusher = std::thread([&] {
      std::unique_lock<std::mutex> lock(mu);
      for (;;) {
        cv.wait(lock, [&] { return stop || !queue.empty(); });
        if (queue.empty()) return;
        FlushJob job = std::move(queue.back());
        queue.pop_back();
        lock.unlock();
        Status s = job.run();
        lock.lock();
        ++fsyncs;
        if (auto next = gc.complete(job, s)) queue.push_back(std::move(*next));
        cv.notify_all();
      }
    });
  }
  auto start = Steady::now();
  for (uint64_t i = 0; i < batches; ++i) {
    std::unique_lock<std::mutex> lock(mu);  // the "loop thread" owns the log
    if (max_in_flight > 0) {
      // Producers that wait for their acks: at most this many batches
      // appended but not yet durable.
      cv.wait(lock, [&] {
        return log->end_offset() - log->durable_offset() < int64_t{max_in_flight} * per_batch;
      });
    }
    auto r = log->append(buf.data(), buf.size());
    if (!r.ok()) {
      std::fprintf(stderr, "append: %s\n", r.status().to_string().c_str());
      std::exit(1);
    }
    if (fsync) {
      if (auto job = gc.request(r->last_offset + 1, [](const Status&) {})) {
        queue.push_back(std::move(*job));
        cv.notify_all();
      }
    }
  }
  if (fsync) {
    std::unique_lock<std::mutex> lock(mu);
    cv.wait(lock, [&] { return log->durable_offset() == log->end_offset(); });
    stop = true;
    cv.notify_all();
    lock.unlock();
    flusher.join();
  }
  double s = seconds_since(start);
  last_sync_kib = batches * tmpl.size() / 1024.0 / std::max<uint64_t>(fsyncs, 1);
  (void)log->close();
  return {batches * tmpl.size() / s / 1e6, batches * per_batch / s};
}

Figures read_run(const std::string& dir) {
  SystemClock clock;
  auto log = std::move(*Log::Open(dir, LogConfig{}, &clock));
  std::string buf(1 << 20, '\0');
  uint64_t bytes = 0;
  int64_t records = 0;
  auto start = Steady::now();
  Offset next = log->start_offset();
  while (next < log->end_offset()) {
    auto r = log->read(next, buf.size());
    if (!r.ok() || r->size == 0) break;
    if (r->size > buf.size()) buf.resize(r->size);
    (void)r->file->read_at(r->position, buf.data(), r->size);
    // Walk headers to find the next offset, as a fetch loop would.
    batch::BatchCursor cur(std::string_view(buf.data(), r->size));
    std::string_view b;
    while (cur.next(&b)) {
      auto h = batch::read_header(b);
      next = Offset(h->next_offset());
      records += h->records_count;
    }
    bytes += r->size;
  }
  double s = seconds_since(start);
  (void)log->close();
  return {bytes / s / 1e6, records / s};
}

}  // namespace

int main(int argc, char** argv) {
  std::string dir = argc > 1 ? argv[1] : "/tmp/ks-storage-bench";
  uint64_t total = (argc > 2 ? std::stoull(argv[2]) : 512) << 20;
  const int kRuns = 3;
  std::printf("storage_bench: %llu MiB per run into %s, 100-byte records, median of %d runs\n",
              (unsigned long long)(total >> 20), dir.c_str(), kRuns);
  for (size_t batch_bytes : {16u << 10, 64u << 10, 256u << 10, 1u << 20}) {
    std::string tmpl = make_batch(batch_bytes);
    for (bool fsync : {false, true}) {
      std::vector<double> mb, rec;
      for (int i = 0; i < kRuns; ++i) {
        Figures f = append_run(dir, tmpl, fsync ? total / 4 : total, fsync);
        mb.push_back(f.mb_s);
        rec.push_back(f.records_s);
      }
      std::printf("  append %4zu KiB batches %-24s %8.0f MB/s  %6.2f M records/s", batch_bytes >> 10,
                  fsync ? "group-commit fsync" : "no fsync", median(mb), median(rec) / 1e6);
      if (fsync) std::printf("  (last run: %.0f KiB per fdatasync)", last_sync_kib);
      std::printf("\n");
    }
  }
  for (int in_flight : {1, 4, 16}) {
    std::string tmpl = make_batch(64 << 10);
    std::vector<double> mb, rec;
    for (int i = 0; i < kRuns; ++i) {
      Figures f = append_run(dir, tmpl, total / 8, true, in_flight);
      mb.push_back(f.mb_s);
      rec.push_back(f.records_s);
    }
    std::printf("  append   64 KiB batches, acks=all, %2d in flight %5.0f MB/s  %6.2f M records/s  (%.0f KiB per fdatasync)\n",
                in_flight, median(mb), median(rec) / 1e6, last_sync_kib);
  }
  std::vector<double> mb, rec;
  std::string tmpl = make_batch(64 << 10);
  append_run(dir, tmpl, total, false);
  for (int i = 0; i < kRuns; ++i) {
    Figures f = read_run(dir);
    mb.push_back(f.mb_s);
    rec.push_back(f.records_s);
  }
  std::printf("  sequential read, 1 MiB reads          %8.0f MB/s  %6.2f M records/s\n", median(mb),
              median(rec) / 1e6);
  std::system(("rm -rf '" + dir + "'").c_str());
  return 0;
}
