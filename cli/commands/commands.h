// Every subcommand registers itself on the root CLI::App through a
// set_<name>_command() that captures an options struct; when its
// subcommand is chosen, the callback stores the code to run in `run`.
#pragma once

#include <functional>

namespace CLI {
class App;
}

namespace ks::cli {

// What main() calls after parsing; returns the exit code.
using Runner = std::function<int()>;

void set_log_command(CLI::App& app, Runner* run);

}  // namespace ks::cli
