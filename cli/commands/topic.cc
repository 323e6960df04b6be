// Placeholder: replaced by the topic command's own change.
#include <CLI/CLI.hpp>

#include "cli/commands/commands.h"

namespace ks::cli {
void set_topic_command(CLI::App&, Runner*) {}
}  // namespace ks::cli
