#include <CLI/CLI.hpp>

#include "cli/commands/commands.h"

namespace ks::cli {
void set_produce_command(CLI::App&, Runner*) {}
}  // namespace ks::cli
