// Orphaned partition directories (meta/orphans.h) as the native protocol
// shows them: their part of the status answer.
#pragma once

#include <nlohmann/json.hpp>

#include <vector>

#include "daemon/meta/orphans.h"

namespace ks::native {

// [{"dir", "topic", "partition", "bytes"}], for `ks daemon status`.
nlohmann::json orphans_json(const std::vector<meta::OrphanDir>& orphans);

}  // namespace ks::native
