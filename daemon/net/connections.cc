#include "daemon/net/connections.h"

#include <unistd.h>

#include "daemon/broker/logging.h"

namespace ks::net {

using server::log_error;
using server::log_warn;

namespace {

// One write of one answer; owns the answer until the write's callback,
// which always fires.
struct WriteReq {
  uv_write_t req;
  Answer answer;
  size_t charged = 0;  // released from Conn::held and the held bytes when written
  Connections* owner = nullptr;
  std::weak_ptr<Conn> conn;
};

// The buffers of `a` in order: head pieces with the spliced records
// between them (see Answer).
std::vector<uv_buf_t> pieces(Answer& a) {
  std::vector<uv_buf_t> out;
  out.reserve(2 * a.splices.size() + 1);
  size_t from = 0;
  auto add = [&](char* p, size_t n) {
    if (n > 0) out.push_back(uv_buf_init(p, static_cast<unsigned>(n)));
  };
  for (const auto& sp : a.splices) {
    add(a.head.data() + from, sp.head_at - from);
    add(a.tail.data.get() + sp.tail_at, sp.size);
    from = sp.head_at;
  }
  add(a.head.data() + from, a.head.size() - from);
  return out;
}

}  // namespace

Connections::Connections(uv_loop_t* loop, const server::DaemonOptions& options)
    : loop_(loop), options_(options), fetches_(loop, this) {
  read_scratch_.reset(new char[kReadChunk]);
  init_limits();
  idle_ = new uv_idle_t;
  uv_idle_init(loop_, idle_);
  idle_->data = this;
  uv_unref(reinterpret_cast<uv_handle_t*>(idle_));  // never what keeps the loop running
}

Connections::~Connections() {
  close_timer();
  // Normally closed when the shutdown finished; the loop frees it.
  if (idle_ != nullptr && !uv_is_closing(reinterpret_cast<uv_handle_t*>(idle_)))
    uv_close(reinterpret_cast<uv_handle_t*>(idle_), [](uv_handle_t* h) { delete reinterpret_cast<uv_idle_t*>(h); });
}

void Connections::adopt(int fd, ListenerKind kind, Protocol* protocol) {
  auto c = std::make_shared<Conn>();
  c->owner = this;
  c->protocol = protocol;
  c->kafka = kind == ListenerKind::kKafka;
  c->id = next_id_++;
  c->tcp = kind != ListenerKind::kUnix;
  int rc;
  if (c->tcp) {
    uv_tcp_init(loop_, &c->h.tcp);
    rc = uv_tcp_open(&c->h.tcp, fd);
    if (rc == 0) uv_tcp_nodelay(&c->h.tcp, 1);
  } else {
    uv_pipe_init(loop_, &c->h.pipe, 0);
    rc = uv_pipe_open(&c->h.pipe, fd);
  }
  c->handle()->data = c.get();
  c->self = c;
  if (rc != 0) {
    log_warn("accepting a connection: %s", uv_strerror(rc));
    ::close(fd);
    close(c);
    return;
  }
  if (!admit(c)) return;
  if (c->kafka) {
    sockaddr_storage peer{};
    int len = sizeof peer;
    char name[64] = "";
    if (uv_tcp_getpeername(&c->h.tcp, reinterpret_cast<sockaddr*>(&peer), &len) == 0) {
      if (peer.ss_family == AF_INET6) uv_ip6_name(reinterpret_cast<sockaddr_in6*>(&peer), name, sizeof name);
      else uv_ip4_name(reinterpret_cast<sockaddr_in*>(&peer), name, sizeof name);
    }
    c->peer = std::string("/") + name;
  }
  start_reading(c.get());
}

// --- reading ------------------------------------------------------------------------

void Connections::start_reading(Conn* c) {
  c->reading = true;
  uv_read_start(
      c->stream(),
      [](uv_handle_t* h, size_t, uv_buf_t* buf) {
        auto* c = static_cast<Conn*>(h->data);
        // Requests usually arrive whole: read them into the shared buffer
        // and keep nothing per connection. Bytes already held (a partial
        // frame) are continued in place.
        buf->base = c->in.size() == 0 ? c->owner->read_scratch_.get() : c->in.reserve(kReadChunk);
        buf->len = kReadChunk;
      },
      [](uv_stream_t* s, ssize_t nread, const uv_buf_t* buf) {
        std::shared_ptr<Conn> c = static_cast<Conn*>(s->data)->shared_from_this();
        Connections* owner = c->owner;
        if (nread < 0) return owner->close(c);
        if (nread == 0) return;
        try {
          owner->on_read(c, buf, static_cast<size_t>(nread));
        } catch (const std::exception& e) {
          log_error("connection dropped: %s", e.what());
          owner->close(c);
        }
      });
}

void Connections::pause_reading(Conn* c) {
  if (!c->reading) return;
  uv_read_stop(c->stream());
  c->reading = false;
}

void Connections::on_read(const std::shared_ptr<Conn>& c, const uv_buf_t* buf, size_t n) {
  c->last_active_ms = uv_now(loop_);
  if (buf->base != read_scratch_.get()) {
    c->in.grow(n);
    return process(c);
  }
  size_t used = process_bytes(c, buf->base, n);
  // A partial frame, or requests left for when the connection is read
  // again, move to its own buffer.
  if (used < n && !c->closing && !c->close_after_flush) c->in.append(buf->base + used, n - used);
}

void Connections::process(const std::shared_ptr<Conn>& c) {
  c->in.consume(process_bytes(c, c->in.data(), c->in.size()));
  // A large frame was assembled here: do not keep its memory.
  if (c->in.size() == 0 && c->in.capacity() > 2 * kReadChunk) c->in.release();
}

bool Connections::should_pause(const Conn& c) const {
  return c.slots.size() >= kMaxSlots || c.held > kHighWater || c.deferred >= kMaxDeferredFetches ||
         (held_ >= kAnswerBudget && c.held >= kHoldsLittle);
}

bool Connections::may_resume(const Conn& c) const {
  return !c.reading && !c.closing && !c.close_after_flush && !shutting_down_ && c.slots.size() < kMaxSlots / 2 &&
         c.held < kLowWater && c.deferred < kMaxDeferredFetches && (held_ < kAnswerBudget || c.held < kHoldsLittle);
}

size_t Connections::process_bytes(const std::shared_ptr<Conn>& c, char* data, size_t n) {
  size_t pos = 0;
  while (!c->closing && !c->close_after_flush) {
    if (should_pause(*c)) {
      // Answers are piling up: stop reading until they drain.
      pause_reading(c.get());
      break;
    }
    size_t used = c->protocol->handle(c, data + pos, n - pos);
    if (used == 0 || c->closing || c->close_after_flush) break;
    pos += used;
  }
  if (c->close_after_flush || c->closing) {
    // Nothing more is answered: what is left, or arrives, is dropped.
    pause_reading(c.get());
    return n;
  }
  return pos;
}

// --- answering ----------------------------------------------------------------------

void Connections::complete(const std::shared_ptr<Conn>& c, Slot* slot, Answer answer) {
  slot->answer = std::move(answer);
  slot->ready = true;
  if (c->closing) return;
  if (!slot->silent) {
    // Topped up from what reserve() charged already.
    size_t size = slot->answer.head.size() + slot->answer.tail.size;
    if (size > slot->charged) {
      c->held += size - slot->charged;
      held_ += size - slot->charged;
      slot->charged = size;
    }
  }
  flush(c);
}

void Connections::reserve(const std::shared_ptr<Conn>& c, Slot* slot, size_t bytes) {
  if (c->closing || slot->silent) return;
  slot->charged += bytes;
  c->held += bytes;
  held_ += bytes;
}

void Connections::close_after_answers(const std::shared_ptr<Conn>& c) {
  c->close_after_flush = true;
  flush(c);
}

void Connections::release(Conn* c, size_t bytes) {
  if (bytes == 0) return;
  held_ -= bytes;
  if (c) c->held -= bytes;
  fetches_.memory_freed();
}

void Connections::flush(const std::shared_ptr<Conn>& c) {
  if (c->closing) return;
  while (!c->slots.empty() && c->slots.front()->ready) {
    std::unique_ptr<Slot> s = std::move(c->slots.front());
    c->slots.pop_front();
    if (s->silent) continue;
    auto* w = new WriteReq{{}, std::move(s->answer), s->charged, this, c};
    std::vector<uv_buf_t> bufs = pieces(w->answer);
    int rc = uv_write(&w->req, c->stream(), bufs.data(), static_cast<unsigned>(bufs.size()),
                      [](uv_write_t* req, int status) {
                        auto* w = reinterpret_cast<WriteReq*>(req);
                        Connections* owner = w->owner;
                        auto conn = w->conn.lock();
                        size_t charged = w->charged;
                        delete w;
                        owner->release(conn.get(), charged);
                        if (conn) owner->on_written(conn, status);
                      });
    if (rc != 0) {
      release(c.get(), w->charged);
      delete w;
      close(c);
      return;
    }
  }
  if (c->close_after_flush && c->slots.empty() && c->stream()->write_queue_size == 0) close(c);
  if (shutting_down_ && c->slots.empty() && c->stream()->write_queue_size == 0) close(c);
}

void Connections::on_written(const std::shared_ptr<Conn>& c, int status) {
  c->last_active_ms = uv_now(loop_);
  if (status < 0) return close(c);
  if (c->close_after_flush && c->slots.empty() && c->stream()->write_queue_size == 0) return close(c);
  if (may_resume(*c)) {
    start_reading(c.get());
    // Requests already buffered are processed now.
    process(c);
  }
}

void Connections::close(const std::shared_ptr<Conn>& c) {
  if (c->closing) return;
  c->closing = true;
  forget(c.get());  // a closing connection no longer counts against the limits
  uv_close(c->handle(), [](uv_handle_t* h) {
    auto* raw = static_cast<Conn*>(h->data);
    Connections* owner = raw->owner;
    std::shared_ptr<Conn> c = std::move(raw->self);
    // Answers that were never written (their writes were cancelled before
    // this callback) give their memory back.
    for (auto& slot : c->slots) {
      owner->release(c.get(), slot->charged);
      slot->charged = 0;
    }
    owner->forget(c.get());
    owner->conns_.erase(c);
    if (owner->close_hook_) owner->close_hook_(c->id);
    owner->check_shutdown_done();
  });
}

// --- memory for answers, and the idle phase --------------------------------------

uint64_t Connections::answer_room(const Conn& c) const {
  if (c.held >= kConnAnswerLimit) return 0;
  if (held_ < kAnswerBudget) return kAnswerBudget - held_;
  if (c.held < kHoldsLittle && held_ < kAnswerBudget + kAnswerReserve) return kReserveAnswer;
  return 0;
}

void Connections::schedule() {
  if (idle_ == nullptr || idle_active_) return;
  idle_active_ = true;
  uv_idle_start(idle_, [](uv_idle_t* h) { static_cast<Connections*>(h->data)->run_idle(); });
}

void Connections::run_idle() {
  bool more = fetches_.run_idle();
  std::vector<std::weak_ptr<Conn>> resume;
  resume.swap(resume_);
  for (auto& w : resume) {
    auto c = w.lock();
    if (!c || !may_resume(*c)) continue;
    start_reading(c.get());
    try {
      process(c);
    } catch (const std::exception& e) {
      log_error("connection dropped: %s", e.what());
      close(c);
    }
  }
  if (!more && resume_.empty() && idle_ != nullptr) {
    uv_idle_stop(idle_);
    idle_active_ = false;
  }
}

// --- shutdown -------------------------------------------------------------------------

void Connections::begin_shutdown(std::function<void()> done) {
  if (shutting_down_) return;
  shutting_down_ = true;
  shutdown_done_ = std::move(done);
  // Long polls answer now with what they have; so do fetches that just
  // arrived or wait for memory.
  fetches_.answer_all();
  std::vector<std::shared_ptr<Conn>> conns(conns_.begin(), conns_.end());
  for (auto& c : conns) {
    c->close_after_flush = true;
    pause_reading(c.get());
    flush(c);
  }
  check_shutdown_done();
}

void Connections::check_shutdown_done() {
  // Reads on the thread pool use segment files the broker closes next.
  if (!shutting_down_ || !conns_.empty() || !shutdown_done_ || fetches_.reads_in_flight() > 0) return;
  if (idle_ != nullptr) {
    uv_close(reinterpret_cast<uv_handle_t*>(idle_), [](uv_handle_t* h) { delete reinterpret_cast<uv_idle_t*>(h); });
    idle_ = nullptr;
  }
  close_timer();
  fetches_.clear();
  auto done = std::move(shutdown_done_);
  shutdown_done_ = nullptr;
  done();
}

}  // namespace ks::net
