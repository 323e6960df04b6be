// CLI11 validators shared by several commands: a bad argument is refused
// before anything is sent, with the same words the daemon would use.
#pragma once

#include <CLI/CLI.hpp>

#include <string>

#include "common/types.h"

namespace ks::cli {

// A consumer group id as Kafka takes it (see ks::validate_group_id).
inline CLI::Validator group_id_validator() {
  return CLI::Validator(
      [](std::string& id) -> std::string {
        Status s = validate_group_id(id);
        return s.ok() ? std::string() : s.message();
      },
      "GROUP");
}

}  // namespace ks::cli
