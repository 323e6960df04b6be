#include "cli/context.h"

#include <vector>

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

namespace {

// "topic 'x' does not exist" / "group 'x' does not exist": asks the daemon
// (never starting one) for the names it has and suggests the closest.
std::string did_you_mean(const Status& s) {
  const std::string& m = s.message();
  std::string kind;
  for (const char* k : {"topic", "group"})
    if (m.rfind(std::string(k) + " '", 0) == 0) kind = k;
  size_t open = m.find('\''), close = m.find("' does not exist");
  if (kind.empty() || close == std::string::npos || close <= open) return {};
  std::string name = m.substr(open + 1, close - open - 1);
  ConnectOptions c = global_options().connect_options();
  c.autostart = false;
  auto client = Client::Connect(c);
  if (!client.ok()) return {};
  std::vector<std::string> names;
  if (kind == "topic") {
    auto r = (*client)->call({{"op", "topics"}});
    if (!r.ok()) return {};
    for (const auto& t : r->header.value("topics", nlohmann::json::array())) names.push_back(t.value("name", ""));
  } else {
    auto r = (*client)->call({{"op", "list_groups"}});
    if (!r.ok()) return {};
    for (const auto& g : r->header.value("groups", nlohmann::json::array())) names.push_back(g.value("group", ""));
  }
  std::string best = closest_name(name, names);
  if (best.empty()) return {};
  return "did you mean '" + best + "'? (`ks " + kind + " list` shows them all)";
}

}  // namespace

int report(const Status& s, std::string_view hint) {
  std::string h(hint);
  if (h.empty() && s.code() == Code::kNotFound) h = did_you_mean(s);
  if (h.empty() && s.code() == Code::kUnavailable) {
    if (s.message().find("exited early") != std::string::npos ||
        s.message().find("could not start") != std::string::npos ||
        s.message().find("did not start") != std::string::npos)
      h = "the daemon's log says why it could not start; `ks daemon run` shows it on the terminal";
    else if (s.message().rfind("no daemon is running", 0) == 0)
      h = "start one with `ks daemon start`, or leave out --no-autostart / KS_NO_AUTOSTART";
    else if (s.message().find("out of file descriptors") == std::string::npos &&
             s.message().find("cannot connect") == std::string::npos &&
             s.message().find("cannot resolve") == std::string::npos)
      // A daemon answered the connection and then closed it: it runs.
      h = "the daemon is running but closed the connection; its log (daemon.log in the home) says why";
  }
  print_error(s.message(), h);
  return exit_code(exit_for(s));
}

}  // namespace ks::cli
