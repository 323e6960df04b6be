#include "daemon/net/fetch_engine.h"

#include <sys/uio.h>

#include <algorithm>
#include <cerrno>

namespace ks::net {

// One fetch while it is not answered: its plan, its wake-ups on
// partitions and a one-shot timer for its wait.
struct FetchEngine::Fetch {
  FetchEngine* engine = nullptr;
  std::weak_ptr<Conn> conn;
  Slot* slot = nullptr;  // owned by the connection; valid while it is open
  std::unique_ptr<FetchPlan> plan;
  uv_timer_t timer;
  bool timer_started = false;
  bool done = false;
  bool parked = false;    // counted in Conn::parked
  bool deferred = false;  // counted in Conn::deferred, queued in deferred_
  std::vector<uint64_t> watches;
  std::shared_ptr<Fetch> self;  // while the timer handle is open
};

// A read of records the page cache did not hold, on libuv's thread pool.
struct FetchEngine::ColdRead {
  uv_work_t req;
  FetchEngine* engine;
  std::shared_ptr<Fetch> fetch;  // its plan's reads are this work's until it completes
  std::weak_ptr<Conn> conn;
  Bytes tail;
  std::vector<size_t> done;  // bytes of each read already in the tail
};

FetchEngine::~FetchEngine() {
  // Reads still on the thread pool complete into nothing.
  for (ColdRead* w : cold_) w->engine = nullptr;
  // Normally every fetch was answered at shutdown; close what is left.
  std::vector<std::shared_ptr<Fetch>> left(fetches_.begin(), fetches_.end());
  for (auto& f : left) finish(f);
}

void FetchEngine::start(const std::shared_ptr<Conn>& c, Slot* slot, std::unique_ptr<FetchPlan> plan) {
  auto f = std::make_shared<Fetch>();
  f->engine = this;
  f->conn = c;
  f->slot = slot;
  f->plan = std::move(plan);
  fetches_.insert(f);
  if (host_->shutting_down()) return begin(f);
  starting_.push_back(f);
  host_->schedule();
}

void FetchEngine::begin(const std::shared_ptr<Fetch>& f) {
  if (f->done) return;
  int64_t wait = f->plan->wait_ms();
  attempt(f, wait == 0 || host_->shutting_down());
  if (f->done || wait <= 0 || f->timer_started) return;
  uv_timer_init(loop_, &f->timer);
  f->timer.data = f.get();
  f->self = f;
  f->timer_started = true;
  uv_timer_start(&f->timer, [](uv_timer_t* t) {
    std::shared_ptr<Fetch> keep = static_cast<Fetch*>(t->data)->self;
    keep->engine->attempt(keep, true);
  }, static_cast<uint64_t>(wait), 0);
}

void FetchEngine::memory_freed() {
  if (deferred_.empty()) return;
  retry_due_ = true;
  host_->schedule();
}

bool FetchEngine::run_idle() {
  // Deferred fetches first, oldest first: a connection's later fetches
  // wait behind its earlier ones (see attempt()).
  if (retry_due_) {
    retry_due_ = false;
    std::vector<std::shared_ptr<Fetch>> waiting;
    waiting.swap(deferred_);
    for (auto& f : waiting) {
      if (f->done || !f->deferred) continue;
      auto c = f->conn.lock();
      bool gone = !c || c->closing;
      if (!gone && !host_->shutting_down() && host_->answer_room(*c) == 0) {
        deferred_.push_back(f);
        continue;
      }
      attempt(f, true);
      if (!f->done && f->deferred) deferred_.push_back(f);
      if (!gone) host_->resume_later(c);
    }
  }
  std::vector<std::shared_ptr<Fetch>> starts;
  starts.swap(starting_);
  for (auto& f : starts) begin(f);
  return !starting_.empty() || retry_due_;
}

void FetchEngine::rebalance(std::string_view group) {
  std::vector<std::shared_ptr<Fetch>> hit;
  for (const auto& f : fetches_)
    if (f->plan->in_group(group)) hit.push_back(f);
  for (auto& f : hit) attempt(f, false);
}

void FetchEngine::answer_all() {
  std::vector<std::shared_ptr<Fetch>> starts;
  starts.swap(starting_);
  for (auto& f : starts) begin(f);
  std::vector<std::shared_ptr<Fetch>> pending(fetches_.begin(), fetches_.end());
  for (auto& f : pending) attempt(f, true);
}

void FetchEngine::attempt(const std::shared_ptr<Fetch>& f, bool final) {
  if (f->done) return;
  auto conn = f->conn.lock();
  if (!conn || conn->closing) return finish(f);
  for (uint64_t w : f->watches) f->plan->unwatch(w);
  f->watches.clear();
  final = final || f->deferred;  // it was ready once: no more waiting for records

  if (auto refused = f->plan->check()) {
    finish(f);
    return host_->complete(conn, f->slot, std::move(*refused));
  }
  // Sizes first, from the segment indexes: a long poll woken by an append
  // reads no records until it answers.
  const bool stopping = host_->shutting_down();
  FetchPlan::Planned planned = f->plan->plan(f->plan->max_bytes());
  if (!final && !stopping && !planned.any_error && planned.total < std::max<uint64_t>(f->plan->min_bytes(), 1) &&
      park(f, conn.get())) {
    std::weak_ptr<Fetch> weak = f;
    f->watches = f->plan->watch([weak] {
      if (auto fp = weak.lock()) fp->engine->attempt(fp, false);
    });
    return;
  }
  bool records = true;
  if (planned.total > 0) {
    // A connection's fetches are answered in order: one arriving behind
    // fetches waiting for memory waits too.
    uint64_t room = !f->deferred && conn->deferred > 0 ? 0 : host_->answer_room(*conn);
    if (room == 0 && stopping) {
      records = false;  // answer, without records, so the connection can finish
    } else if (room == 0) {
      return defer(f, conn.get());
    } else if (planned.total > room) {
      f->plan->plan(std::min(room, f->plan->max_bytes()));
    }
  }
  finish(f);
  answer(f, conn, records);
}

bool FetchEngine::park(const std::shared_ptr<Fetch>& f, Conn* c) {
  if (f->parked) return true;
  if (c->parked >= kMaxParkedFetches) return false;
  set_parked(f.get(), c, true);
  return true;
}

void FetchEngine::defer(const std::shared_ptr<Fetch>& f, Conn* c) {
  set_parked(f.get(), c, false);
  if (f->deferred) return;  // a retry that found no room: run_idle() keeps it queued
  set_deferred(f.get(), c, true);
  deferred_.push_back(f);
}

namespace {

// Reads what the page cache holds of `r` without blocking (RWF_NOWAIT);
// returns the bytes read, or -1 on an error other than "not cached".
ssize_t read_cached(const RecordRead& r, char* to) {
  iovec iov{to, r.range.size};
  ssize_t n = ::preadv2(r.range.file->fd(), &iov, 1, static_cast<off_t>(r.range.position), RWF_NOWAIT);
  if (n >= 0) return n;
  return errno == EAGAIN || errno == EOPNOTSUPP ? 0 : -1;
}

// Reads the rest of `r` (from `done` bytes), blocking.
void read_rest(RecordRead& r, char* tail, size_t done) {
  if (done < r.range.size) {
    auto n = r.range.file->read_at(r.range.position + done, tail + r.tail_at + done, r.range.size - done);
    if (!n.ok() || *n != r.range.size - done) {
      r.status = n.ok() ? Status::IOError("short read") : n.status();
      return;
    }
  }
  r.read = true;
}

}  // namespace

// The planned records go into one buffer, and are spliced into the answer
// after the head without another copy. Records in the page cache (the
// common case: consumers read what was just written) are read on the loop
// thread without blocking; the rest are read on the thread pool, so a cold
// read (19 ms median for 4 MiB on this machine's disk) never stalls the
// loop. The answer's memory is charged before that read starts.
void FetchEngine::answer(const std::shared_ptr<Fetch>& f, const std::shared_ptr<Conn>& c, bool records) {
  auto& reads = f->plan->reads();
  Bytes tail;
  std::vector<size_t> done(reads.size(), 0);
  bool cold = false;
  if (records) {
    uint64_t total = 0;
    for (auto& r : reads) {
      r.tail_at = total;
      total += r.range.size;
    }
    tail.allocate(total);
    for (size_t i = 0; i < reads.size(); ++i) {
      RecordRead& r = reads[i];
      ssize_t n = read_cached(r, tail.data.get() + r.tail_at);
      if (n < 0) {
        r.status = Status::FromErrno("read " + r.range.file->path(), errno);
      } else if (static_cast<size_t>(n) == r.range.size) {
        r.read = true;
      } else {
        done[i] = static_cast<size_t>(n);
        cold = true;
      }
    }
  }
  if (!cold) return host_->complete(c, f->slot, f->plan->encode(std::move(tail)));
  host_->reserve(c, f->slot, tail.size);
  auto* w = new ColdRead{{}, this, f, c, std::move(tail), std::move(done)};
  w->req.data = w;
  cold_.insert(w);
  int rc = uv_queue_work(
      loop_, &w->req,
      [](uv_work_t* req) {
        auto* w = static_cast<ColdRead*>(req->data);
        auto& reads = w->fetch->plan->reads();
        for (size_t i = 0; i < reads.size(); ++i)
          if (!reads[i].read && reads[i].status.ok()) read_rest(reads[i], w->tail.data.get(), w->done[i]);
      },
      [](uv_work_t* req, int) {
        std::unique_ptr<ColdRead> w(static_cast<ColdRead*>(req->data));
        FetchEngine* engine = w->engine;
        if (engine == nullptr) return;
        engine->cold_.erase(w.get());
        auto conn = w->conn.lock();
        if (conn && !conn->closing)
          engine->host_->complete(conn, w->fetch->slot, w->fetch->plan->encode(std::move(w->tail)));
        if (engine->cold_.empty()) engine->host_->reads_drained();
      });
  if (rc != 0) {
    // No thread pool: read here, as a last resort.
    cold_.erase(w);
    std::unique_ptr<ColdRead> owned(w);
    for (size_t i = 0; i < reads.size(); ++i)
      if (!reads[i].read && reads[i].status.ok()) read_rest(reads[i], owned->tail.data.get(), owned->done[i]);
    host_->complete(c, f->slot, f->plan->encode(std::move(owned->tail)));
  }
}

void FetchEngine::finish(const std::shared_ptr<Fetch>& f) {
  fetches_.erase(f);
  f->done = true;
  std::shared_ptr<Conn> c = f->conn.lock();
  set_parked(f.get(), c.get(), false);
  set_deferred(f.get(), c.get(), false);
  for (uint64_t w : f->watches) f->plan->unwatch(w);
  f->watches.clear();
  if (f->timer_started) {
    f->timer_started = false;
    uv_timer_stop(&f->timer);
    uv_close(reinterpret_cast<uv_handle_t*>(&f->timer), [](uv_handle_t* h) {
      static_cast<Fetch*>(h->data)->self.reset();  // may free it
    });
  }
}

void FetchEngine::set_parked(Fetch* f, Conn* c, bool parked) {
  if (f->parked == parked) return;
  f->parked = parked;
  if (c) c->parked += parked ? 1 : -1;
}

void FetchEngine::set_deferred(Fetch* f, Conn* c, bool deferred) {
  if (f->deferred == deferred) return;
  f->deferred = deferred;
  if (c) c->deferred += deferred ? 1 : -1;
}

}  // namespace ks::net
