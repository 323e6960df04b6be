// `ks top`: a live full-screen view of the daemon's topics (records/s in and
// out, size) and consumer groups (members, lag, trend), redrawn every
// --interval; `--once` prints one snapshot for scripts.
//
// Three parts: top_sample.h asks the daemon (status, topics, list_groups
// and describe_group per group, pipelined on one connection) and keeps the
// samples; top_render.h turns them into lines; top_screen.h owns the
// terminal. Rates are differences between two samples: IN/s from the
// partitions' end offsets, OUT/s from the groups' committed offsets, so
// OUT/s counts only consumption that groups commit.
#include <CLI/CLI.hpp>
#include <poll.h>
#include <signal.h>
#include <unistd.h>

#include <limits>
#include <memory>
#include <string>

#include "cli/commands/commands.h"
#include "cli/commands/top_render.h"
#include "cli/commands/top_sample.h"
#include "cli/commands/top_screen.h"
#include "cli/context.h"
#include "cli/exit_codes.h"
#include "cli/output.h"
#include "cli/table.h"

namespace ks::cli {
namespace {

using namespace top;

constexpr double kMinInterval = 0.2;
constexpr double kMaxInterval = 3600;

struct TopOptions {
  double interval = 1.0;
  bool once = false;
  std::string sort = "in";
  std::string output = "table";
};

int run_top(const TopOptions& opt) {
  if (!(opt.interval >= kMinInterval && opt.interval <= kMaxInterval)) {
    print_error("--interval takes seconds from 0.2 to 3600, e.g. --interval 0.5");
    return exit_code(Exit::kUsage);
  }
  if (opt.output == "json" && !opt.once) {
    print_error("-o json prints one snapshot: add --once", "ks top --once -o json");
    return exit_code(Exit::kUsage);
  }
  const bool terminal = ::isatty(STDOUT_FILENO) == 1;
  if (!opt.once && !terminal) {
    print_error("ks top needs a terminal (standard output is not one)",
                "for scripts: `ks top --once` prints one snapshot; `ks topic list` and `ks group list` too");
    return exit_code(Exit::kUsage);
  }

  // A monitor only looks: it never starts a daemon.
  ConnectOptions c = global_options().connect_options();
  c.autostart = false;
  auto client = Client::Connect(c);
  if (!client.ok()) return report(client.status(), "start one with `ks daemon start`");

  View v;
  v.sort = sort_key(opt.sort);
  v.utf8 = utf8_locale();
  v.terminal = terminal;
  Monitor m;
  Sample first;
  Status st = take_sample(client->get(), &first);
  if (!st.ok()) return report(st);
  m.add(std::move(first));

  if (opt.once) {
    // Two samples --interval apart, so the rates are real.
    ::poll(nullptr, 0, static_cast<int>(opt.interval * 1000));
    Sample second;
    st = take_sample(client->get(), &second);
    if (!st.ok()) return report(st);
    m.add(std::move(second));
    Stdout& out = Stdout::get();
    v.screen = false;
    if (opt.output == "json") {
      print_json(out, snapshot_json(m, v, opt.interval), terminal);
    } else if (terminal) {
      const bool colour = !no_color();
      for (const auto& l : frame(m, v, 0)) out.write(render(l, std::numeric_limits<size_t>::max(), colour) + "\n");
    } else {
      print_rows(out, m, v);
    }
    return 0;
  }

  int signal = 0;
  st = run_screen(client->get(), &m, v, opt.interval, &signal);
  if (signal != 0) return signal == SIGINT ? exit_code(Exit::kInterrupted) : 128 + signal;
  if (!st.ok()) {
    if (st.code() == Code::kUnavailable) {
      std::string why = st.message();
      if (why.rfind("lost the daemon: ", 0) == 0) why.erase(0, 17);
      return report(Status::Unavailable("the daemon went away: " + why),
                    "`ks daemon status` says whether one is running; `ks daemon start` starts one");
    }
    return report(st);
  }
  return 0;
}

}  // namespace

void set_top_command(CLI::App& app, Runner* run) {
  auto* top = app.add_subcommand("top", "A live full-screen view of topics (records/s in and out) and groups (lag)");
  auto opt = std::make_shared<TopOptions>();
  top->add_option("--interval", opt->interval, "Seconds between refreshes (default 1; fractions down to 0.2)")
      ->type_name("SECONDS");
  top->add_flag("--once", opt->once,
                "Print one snapshot and exit (rates over one --interval); works when piped");
  top->add_option("--sort", opt->sort, "Topic order: name, in, out, size or lag (default in); `s` cycles it")
      ->check(CLI::IsMember({"name", "in", "out", "size", "lag"}));
  top->add_option("-o,--output", opt->output, "With --once: table (default) or json")
      ->check(CLI::IsMember({"table", "json"}));
  top->footer(
      "Keys: q quit, s cycle the sort, p pause, ? help.\n"
      "Examples:\n  ks top\n  ks top --interval 0.5 --sort lag\n"
      "  ks top --once | awk -F'\\t' '$1 == \"topic\"'\n  ks top --once -o json | jq '.groups[] | {group, lag, trend}'");
  top->callback([opt, run] { *run = [opt] { return run_top(*opt); }; });
}

}  // namespace ks::cli
