// The native fetch op's plan for the fetch engine (daemon/net): which
// partitions at which offsets, and the JSON answer whose records follow
// its header in one piece.
#pragma once

#include <memory>
#include <nlohmann/json.hpp>

#include "daemon/net/fetch_engine.h"
#include "daemon/broker/broker.h"

namespace ks::native {

// The plan of fetch request `req` (id `id`). Throws BadField or a
// json::exception on a bad request. `broker` must outlive the plan;
// `max_frame_bytes` bounds the answer.
std::unique_ptr<net::FetchPlan> make_fetch_plan(server::Broker* broker, const nlohmann::json& req, uint64_t id,
                                                int64_t max_frame_bytes);

}  // namespace ks::native
