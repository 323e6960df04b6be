// Native ops for orphaned partition directories (meta/orphans.h), kept out
// of server.cc's dispatch: adopt_topic {topic, configs} and
// remove_orphans {topic}; and their part of the status answer.
#pragma once

#include <nlohmann/json.hpp>

#include <string>
#include <vector>

#include "common/status.h"
#include "daemon/meta/orphans.h"

namespace ks::server {

class Broker;

bool is_orphan_op(const std::string& op);
// Runs one of the ops above. Throws nlohmann::json exceptions on a bad
// request, as the rest of the dispatch does.
Status run_orphan_op(Broker& broker, const std::string& op, const nlohmann::json& req);
// [{"dir", "topic", "partition", "bytes"}], for `ks daemon status`.
nlohmann::json orphans_json(const std::vector<meta::OrphanDir>& orphans);

}  // namespace ks::server
