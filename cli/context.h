// What every client subcommand shares: the global flags, connecting to the
// daemon, and turning a Status into a message and an exit code.
#pragma once

#include <memory>
#include <string>

#include "cli/client.h"
#include "cli/exit_codes.h"
#include "common/status.h"

namespace ks::cli {

struct GlobalOptions {
  std::string home;  // raw --home value; resolve with resolve_home()
  std::string addr;  // --addr
  bool no_autostart = false;

  ConnectOptions connect_options() const;
};

// The one instance main() fills from the root command's flags.
GlobalOptions& global_options();

// Connects with the global options; on failure prints the error (with a
// hint on how to start a daemon) and returns nullptr.
std::unique_ptr<Client> connect_or_report(Status* error);

// Prints `s` as "ks: error: ..." with a hint where one helps and returns the
// exit code for it.
int report(const Status& s, std::string_view hint = {});

}  // namespace ks::cli
