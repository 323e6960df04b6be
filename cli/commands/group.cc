// Placeholder: replaced by the group command's own change.
#include <CLI/CLI.hpp>

#include "cli/commands/commands.h"

namespace ks::cli {
void set_group_command(CLI::App&, Runner*) {}
}  // namespace ks::cli
