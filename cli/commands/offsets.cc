// Placeholder: replaced by the offsets command's own change.
#include <CLI/CLI.hpp>

#include "cli/commands/commands.h"

namespace ks::cli {
void set_offsets_command(CLI::App&, Runner*) {}
}  // namespace ks::cli
