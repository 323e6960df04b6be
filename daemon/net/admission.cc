// Who may stay connected, and for how long: the connection limits (a share
// kept for the Unix socket, a smaller limit for TCP connections that have
// not sent the token) and the login and idle deadlines.
#include <algorithm>

#include "daemon/net/connections.h"
#include "daemon/broker/logging.h"

namespace ks::net {

using server::log_info;
using server::log_warn;

void Connections::init_limits() {
  // The Unix socket (the owner's door) keeps a quarter of the connections,
  // at most 256, that TCP and Kafka clients cannot take; connections that
  // have not sent the token get a sixteenth, between 4 and 64.
  auto max = static_cast<size_t>(std::max<int64_t>(options_.max_connections, 0));
  unix_reserve_ = std::min<size_t>(max / 4, 256);
  unauthed_limit_ = max == 0 ? 64 : std::clamp<size_t>(max / 16, 4, 64);
  log_info("connections: %zu of %lld kept for the Unix socket; at most %zu TCP connections waiting to send the "
           "token, for %lld ms; Kafka connections idle for %lld ms are closed",
           unix_reserve_, static_cast<long long>(options_.max_connections), unauthed_limit_,
           static_cast<long long>(options_.login_timeout_ms), static_cast<long long>(options_.kafka_idle_timeout_ms));
  deadline_timer_ = new uv_timer_t;
  uv_timer_init(loop_, deadline_timer_);
  deadline_timer_->data = this;
  uv_unref(reinterpret_cast<uv_handle_t*>(deadline_timer_));  // never what keeps the loop running
  int64_t shortest = 1000;
  if (options_.login_timeout_ms > 0) shortest = std::min(shortest, options_.login_timeout_ms / 4);
  if (options_.kafka_idle_timeout_ms > 0) shortest = std::min(shortest, options_.kafka_idle_timeout_ms / 4);
  auto every = static_cast<uint64_t>(std::max<int64_t>(shortest, 20));
  uv_timer_start(deadline_timer_, [](uv_timer_t* t) { static_cast<Connections*>(t->data)->check_deadlines(); },
                 every, every);
}

void Connections::close_timer() {
  if (deadline_timer_ == nullptr) return;
  uv_close(reinterpret_cast<uv_handle_t*>(deadline_timer_), [](uv_handle_t* h) { delete reinterpret_cast<uv_timer_t*>(h); });
  deadline_timer_ = nullptr;
}

bool Connections::admit(const std::shared_ptr<Conn>& c) {
  conns_.insert(c);
  c->accepted_ms = c->last_active_ms = uv_now(loop_);
  if (shutting_down_) {
    close(c);
    return false;
  }
  if (c->tcp) {
    c->counted_remote = true;
    ++remote_;
  }
  auto max = static_cast<size_t>(std::max<int64_t>(options_.max_connections, 0));
  // TCP and Kafka clients share what the Unix socket's reserve leaves.
  bool over = max > 0 && (c->tcp ? remote_ > max - unix_reserve_ : conns_.size() > max);
  if (over) {
    auto now = static_cast<int64_t>(uv_now(loop_));
    if (now - last_limit_warning_ms_ >= 1000) {
      last_limit_warning_ms_ = now;
      log_warn("refusing connections: %zu open (%zu TCP/Kafka), --max-connections is %lld with %zu kept for the "
               "Unix socket",
               conns_.size() - 1, remote_ - (c->tcp ? 1 : 0), static_cast<long long>(options_.max_connections),
               unix_reserve_);
    }
    // A native client reads why with its first answer; a Kafka client
    // (which has no way to hear it before its first request) sees the close.
    if (c->kafka) {
      close(c);
      return false;
    }
    c->over_limit = true;
  }
  if (c->tcp && !c->kafka) {
    c->authed = false;  // every native TCP client sends the token first
    c->counted_unauthed = true;
    ++unauthed_;
    unauthed_queue_.push_back(c);
    if (unauthed_ > unauthed_limit_) evict_unauthed(c);
  }
  return true;
}

// The oldest connection that has not logged in makes room: a flood of
// silent connections cannot keep the token holder out.
void Connections::evict_unauthed(const std::shared_ptr<Conn>& c) {
  while (!unauthed_queue_.empty()) {
    auto old = unauthed_queue_.front().lock();
    // Never the one just accepted (the caller starts reading it). A grace
    // period for young ones would let a flood of fresh silent connections
    // keep the token holder out, so there is none.
    if (old == c) break;
    unauthed_queue_.pop_front();
    if (!old || old->closing || old->authed) continue;
    close(old);
    break;
  }
  auto now = static_cast<int64_t>(uv_now(loop_));
  if (now - last_unauthed_warning_ms_ >= 1000) {
    last_unauthed_warning_ms_ = now;
    log_warn("more than %zu TCP connections have not sent the token: closing the oldest", unauthed_limit_);
  }
}

void Connections::set_authed(Conn* c) {
  c->authed = true;
  if (c->counted_unauthed) {
    c->counted_unauthed = false;
    --unauthed_;
  }
}

void Connections::forget(Conn* c) {
  if (c->counted_unauthed) {
    c->counted_unauthed = false;
    --unauthed_;
  }
  if (c->counted_remote) {
    c->counted_remote = false;
    --remote_;
  }
}

void Connections::check_deadlines() {
  uint64_t now = uv_now(loop_);
  auto login = static_cast<uint64_t>(std::max<int64_t>(options_.login_timeout_ms, 0));
  auto idle = static_cast<uint64_t>(std::max<int64_t>(options_.kafka_idle_timeout_ms, 0));
  std::vector<std::shared_ptr<Conn>> late, idle_conns;
  for (const auto& c : conns_) {
    if (c->closing) continue;
    if (!c->authed && login > 0 && now - c->accepted_ms >= login) {
      late.push_back(c);
    } else if (c->kafka && idle > 0 && c->slots.empty() && c->parked == 0 && c->deferred == 0 &&
               c->stream()->write_queue_size == 0 && now - c->last_active_ms >= idle) {
      idle_conns.push_back(c);
    }
  }
  if (!late.empty())
    log_info("closed %zu TCP connection(s) that sent no token within %lld ms", late.size(),
             static_cast<long long>(login));
  for (auto& c : late) close(c);
  for (auto& c : idle_conns) {
    log_info("kafka client %s: idle for %lld ms; closing the connection", c->peer.c_str(),
             static_cast<long long>(idle));
    close(c);
  }
  std::erase_if(unauthed_queue_, [](const std::weak_ptr<Conn>& w) {
    auto c = w.lock();
    return !c || c->closing || c->authed;
  });
  if (tick_hook_) tick_hook_(now);
}

}  // namespace ks::net
