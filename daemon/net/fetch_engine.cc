#include "daemon/net/fetch_engine.h"

#include <algorithm>

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

FetchEngine::~FetchEngine() {
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

// Reads the planned records into one buffer, on the loop thread: the
// pages are almost always cached (they were just written or are read in
// order), and the read is bounded by the answer budget. The records are
// then written after the head without another copy.
void FetchEngine::answer(const std::shared_ptr<Fetch>& f, const std::shared_ptr<Conn>& c, bool records) {
  auto& reads = f->plan->reads();
  Bytes tail;
  if (records) {
    uint64_t total = 0;
    for (const auto& r : reads) total += r.range.size;
    tail.allocate(total);
  }
  size_t at = 0;
  for (RecordRead& r : reads) {
    if (!records) continue;
    auto n = r.range.file->read_at(r.range.position, tail.data.get() + at, r.range.size);
    if (!n.ok() || *n != r.range.size) {
      r.status = n.ok() ? Status::IOError("short read") : n.status();
      continue;
    }
    r.read = true;
    r.tail_at = at;
    at += r.range.size;
  }
  tail.size = at;
  host_->complete(c, f->slot, f->plan->encode(std::move(tail)));
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
