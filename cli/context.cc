#include "cli/context.h"

#include "cli/output.h"

namespace ks::cli {

GlobalOptions& global_options() {
  static GlobalOptions g;
  return g;
}

ConnectOptions GlobalOptions::connect_options() const {
  ConnectOptions c;
  c.home = resolve_home(home);
  c.addr = addr;
  c.autostart = !no_autostart;
  apply_environment(&c);
  return c;
}

std::unique_ptr<Client> connect_or_report(Status* error) {
  auto c = Client::Connect(global_options().connect_options());
  if (!c.ok()) {
    *error = c.status();
    return nullptr;
  }
  return std::move(*c);
}

int report(const Status& s, std::string_view hint) {
  std::string h(hint);
  if (h.empty() && s.code() == Code::kUnavailable) {
    if (s.message().find("exited early") != std::string::npos ||
        s.message().find("did not start") != std::string::npos)
      h = "the daemon's log says why it could not start; `ks daemon run` shows it on the terminal";
    else
      h = "start one with `ks daemon start`, or leave out --no-autostart / KS_NO_AUTOSTART";
  }
  print_error(s.message(), h);
  return exit_code(exit_for(s));
}

}  // namespace ks::cli
