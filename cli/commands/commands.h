// Every subcommand registers itself on the root CLI::App through a
// set_<name>_command() that captures an options struct; when its
// subcommand is chosen, the callback stores the code to run in `run`.
#pragma once

#include <functional>

namespace CLI {
class App;
}

namespace ks::server {
struct DaemonOptions;
}

namespace ks::cli {

// What main() calls after parsing; returns the exit code.
using Runner = std::function<int()>;

void set_log_command(CLI::App& app, Runner* run);
// `ks daemon run` calls `daemon_main`, which main() takes from the daemon
// library, so the CLI library itself does not link the daemon.
using DaemonMain = int (*)(const server::DaemonOptions&);
void set_daemon_command(CLI::App& app, Runner* run, DaemonMain daemon_main);
void set_produce_command(CLI::App& app, Runner* run);
void set_consume_command(CLI::App& app, Runner* run);
void set_tail_command(CLI::App& app, Runner* run);
void set_topic_command(CLI::App& app, Runner* run);
void set_offsets_command(CLI::App& app, Runner* run);
void set_group_command(CLI::App& app, Runner* run);
void set_bench_command(CLI::App& app, Runner* run);
void set_top_command(CLI::App& app, Runner* run);

}  // namespace ks::cli
