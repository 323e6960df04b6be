#include <CLI/CLI.hpp>

#include "cli/commands/commands.h"

namespace ks::cli {
void set_daemon_command(CLI::App&, Runner*) {}
}  // namespace ks::cli
