// The ks executable: one binary, every subcommand. `ks daemon run` is the
// daemon; everything else is a client.
#include <CLI/CLI.hpp>
#include <signal.h>

#include <cstdio>
#include <string>
#include <vector>

#include "cli/commands/commands.h"
#include "cli/context.h"
#include "cli/exit_codes.h"
#include "cli/output.h"
#include "daemon/server/options.h"

#ifndef KS_VERSION
#define KS_VERSION "0.0.0"
#endif

namespace {

// A parse error in words a user can act on: the command it happened in,
// an unknown command or flag named with the closest real one, and the
// --help to read.
void usage_hint(CLI::App& app, std::string* message, std::string* hint) {
  using ks::cli::closest_name;
  CLI::App* cur = &app;
  std::string path = "ks";
  for (;;) {
    auto subs = cur->get_subcommands();
    if (subs.empty()) break;
    cur = subs.front();
    path += " " + cur->get_name();
  }
  *hint = "see `" + path + " --help`";
  std::vector<std::string> extra = cur->remaining();
  if (extra.empty() && cur != &app) extra = app.remaining();
  if (extra.empty()) return;
  const std::string& word = extra.front();
  if (word.size() > 1 && word[0] == '-') {
    std::vector<std::string> flags;
    for (const CLI::App* a : {static_cast<const CLI::App*>(cur), static_cast<const CLI::App*>(&app)})
      for (const CLI::Option* o : a->get_options()) {
        for (const auto& l : o->get_lnames()) flags.push_back("--" + l);
        for (const auto& sn : o->get_snames()) flags.push_back("-" + sn);
      }
    std::string best = closest_name(word.substr(0, word.find('=')), flags);
    *message = "unknown flag '" + word + "' for `" + path + "`";
    if (!best.empty()) *message += "; did you mean " + best + "?";
    return;
  }
  std::vector<std::string> names;
  for (const CLI::App* sc : cur->get_subcommands({})) names.push_back(sc->get_name());
  if (names.empty()) {
    *message = "unexpected argument '" + word + "' for `" + path + "`";
    return;
  }
  std::string best = closest_name(word, names);
  *message = "unknown command '" + word + "' for `" + path + "`";
  if (!best.empty()) *message += "; did you mean `" + path + " " + best + "`?";
}

}  // namespace

int main(int argc, char** argv) {
  using namespace ks::cli;
  // A closed stdout shows up as EPIPE on write, handled as a quiet exit.
  ::signal(SIGPIPE, SIG_IGN);

  CLI::App app{"ks: a Kafka-style event-streaming toolkit for the terminal", "ks"};
  app.set_version_flag("-V,--version", "ks " KS_VERSION);
  app.require_subcommand(1);
  // --home, --addr and --no-autostart also work after the subcommand.
  app.fallthrough();
  app.footer("Exit codes: 0 ok, 1 error, 2 usage, 3 daemon unreachable, 4 not found, 5 partial delivery.\n"
             "See ks(1) and `ks <command> --help`.");
  GlobalOptions& g = global_options();
  app.add_option("--home", g.home, "Home directory (default: $KS_HOME, else $XDG_DATA_HOME/ks or ~/.local/share/ks)")
      ->envname("KS_HOME");
  app.add_option("--addr", g.addr, "Reach the daemon over TCP: tcp://HOST:PORT (default: $KS_ADDR, else the home's socket)");
  app.add_flag("--no-autostart", g.no_autostart, "Do not start a daemon when none is running (also KS_NO_AUTOSTART=1)");
  Runner run;
  set_produce_command(app, &run);
  set_consume_command(app, &run);
  set_tail_command(app, &run);
  set_topic_command(app, &run);
  set_offsets_command(app, &run);
  set_group_command(app, &run);
  set_top_command(app, &run);
  set_daemon_command(app, &run, &ks::server::run_daemon);
  set_log_command(app, &run);
  set_bench_command(app, &run);

  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForAllHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForVersion& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    std::string message = e.what(), hint;
    usage_hint(app, &message, &hint);
    print_error(message, hint);
    return exit_code(Exit::kUsage);
  }
  try {
    int code = run ? run() : 0;
    Stdout::get().flush();
    return code;
  } catch (const StdoutClosed&) {
    return 0;
  } catch (const Interrupted& i) {
    return 128 + i.signal;
  } catch (const std::exception& e) {
    print_error(e.what());
    return exit_code(Exit::kError);
  }
}
