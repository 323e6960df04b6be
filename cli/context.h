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

// A connection for one admin command: a failed connect or call is reported
// and leaves its exit code in `code`.
struct Session {
  std::unique_ptr<Client> client;
  int code = 0;

  bool open() {
    Status s;
    client = connect_or_report(&s);
    if (!client) code = report(s);
    return client != nullptr;
  }
  // `in_use_hint` is shown when live members hold the group (group_in_use).
  bool call(nlohmann::json request, Response* response, std::string_view in_use_hint = {}) {
    auto r = client->call(std::move(request));
    if (!r.ok()) {
      code = report(r.status(), r.status().code() == Code::kGroupInUse ? in_use_hint : std::string_view());
      return false;
    }
    *response = std::move(*r);
    return true;
  }
};

}  // namespace ks::cli
