// For unit tests: topic names and partitions from literals, which are
// valid by construction (TopicName has no unchecked constructor).
#pragma once

#include <string_view>

#include "common/types.h"

namespace ks::server {

inline TopicName tn(std::string_view name) { return TopicName::Parse(name).value(); }

}  // namespace ks::server
