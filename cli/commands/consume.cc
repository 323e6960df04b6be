#include <CLI/CLI.hpp>

#include "cli/commands/commands.h"

namespace ks::cli {
void set_consume_command(CLI::App&, Runner*) {}
void set_tail_command(CLI::App&, Runner*) {}
}  // namespace ks::cli
