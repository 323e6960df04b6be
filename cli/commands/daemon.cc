// `ks daemon run|start|stop|status`: explicit control of the daemon for a
// home. `run` stays in the foreground; `start` detaches and returns once
// the daemon accepts connections.
#include <CLI/CLI.hpp>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/file.h>
#include <unistd.h>
#include <sys/socket.h>

#include <memory>
#include <string>

#include "cli/commands/commands.h"
#include "cli/context.h"
#include "cli/output.h"
#include "cli/table.h"
#include "common/layout.h"
#include "daemon/server/options.h"
#include "daemon/storage/file.h"

namespace ks::cli {
namespace {

struct DaemonCliOptions {
  server::DaemonOptions daemon;
  std::string auto_create = "true";
  std::string output = "text";
};

// Flags `ks daemon start` passes on to the `daemon run` it spawns.
std::string run_args(const DaemonCliOptions& o) {
  auto q = [](const std::string& s) {
    std::string r = "'";
    for (char c : s) r += c == '\'' ? std::string("'\\''") : std::string(1, c);
    return r + "'";
  };
  std::string a;
  if (!o.daemon.listen.empty()) a += " --listen " + q(o.daemon.listen);
  if (o.daemon.allow_remote) a += " --allow-remote";
  if (!o.daemon.kafka.empty()) a += " --kafka " + q(o.daemon.kafka);
  if (!o.daemon.kafka_advertise.empty()) a += " --kafka-advertise " + q(o.daemon.kafka_advertise);
  a += " --auto-create " + q(o.auto_create);
  a += " --default-partitions " + std::to_string(o.daemon.default_partitions);
  a += " --max-connections " + std::to_string(o.daemon.max_connections);
  if (o.daemon.max_partitions > 0) a += " --max-partitions " + std::to_string(o.daemon.max_partitions);
  return a;
}

bool parse_bool(const std::string& s, bool* out) {
  if (s == "true" || s == "1" || s == "yes" || s == "on") return *out = true, true;
  if (s == "false" || s == "0" || s == "no" || s == "off") return *out = false, true;
  return false;
}

void add_run_flags(CLI::App* cmd, DaemonCliOptions* o) {
  cmd->add_option("--listen", o->daemon.listen, "Also serve the native protocol on TCP: tcp://HOST:PORT (loopback unless --allow-remote); clients send the home's token");
  cmd->add_flag("--allow-remote", o->daemon.allow_remote, "Allow a non-loopback --listen or --kafka address (--listen clients always need the home's token, KS_TOKEN; --kafka has no authentication)");
  cmd->add_option("--kafka", o->daemon.kafka, "Also serve the Kafka wire protocol on HOST:PORT (loopback unless --allow-remote; port 0 picks one). It has no authentication yet (no SASL): any local user can read and write through it");
  cmd->add_option("--kafka-advertise", o->daemon.kafka_advertise, "The HOST:PORT Kafka clients are told to connect to (default: the --kafka address)");
  cmd->add_option("--auto-create", o->auto_create, "Create missing topics on produce: true or false")
      ->check(CLI::IsMember({"true", "false", "1", "0", "yes", "no", "on", "off"}));
  cmd->add_option("--default-partitions", o->daemon.default_partitions, "Partitions of auto-created topics")
      ->check(CLI::Range(1, 10000));
  cmd->add_option("--max-connections", o->daemon.max_connections,
                  "Client connections open at once; more are refused with an error (default 4096; 0: no limit)")
      ->check(CLI::Range(int64_t{0}, int64_t{1} << 20));
  cmd->add_option("--max-partitions", o->daemon.max_partitions,
                  "Partitions of all topics together (default: what `ulimit -n` leaves after the connections)")
      ->check(CLI::Range(int64_t{0}, int64_t{1} << 24));
}

// HOME/daemon.conf: `key = value` lines (# comments) with the long names
// of the run flags; a flag given on the command line wins.
Status apply_settings(const std::string& home, CLI::App* cmd, DaemonCliOptions* o) {
  const std::string conf = layout::in_home(home, layout::kDaemonConf);
  auto text = ks::storage::read_file(conf);
  if (!text.ok()) return text.status().code() == Code::kNotFound ? Status::OK() : text.status();
  size_t line_no = 0;
  size_t pos = 0;
  while (pos < text->size()) {
    size_t nl = text->find('\n', pos);
    if (nl == std::string::npos) nl = text->size();
    std::string line = text->substr(pos, nl - pos);
    pos = nl + 1;
    ++line_no;
    auto trim = [](std::string v) {
      size_t a = v.find_first_not_of(" \t\r");
      size_t b = v.find_last_not_of(" \t\r");
      return a == std::string::npos ? std::string() : v.substr(a, b - a + 1);
    };
    line = trim(line.substr(0, line.find('#')));
    if (line.empty()) continue;
    auto where = [&] { return conf + ":" + std::to_string(line_no) + ": "; };
    auto eq = line.find('=');
    if (eq == std::string::npos) return Status::InvalidArgument(where() + "expected key = value");
    std::string key = trim(line.substr(0, eq)), value = trim(line.substr(eq + 1));
    CLI::Option* opt = nullptr;
    try {
      opt = cmd->get_option("--" + key);
    } catch (const CLI::Error&) {
    }
    if (!opt || key == "help")
      return Status::InvalidArgument(where() + "unknown setting '" + key +
                                     "' (listen, allow-remote, kafka, kafka-advertise, auto-create, default-partitions, "
                                     "max-connections, max-partitions)");
    if (opt->count() > 0) continue;  // the command line wins
    if (key == "listen") o->daemon.listen = value;
    else if (key == "kafka") o->daemon.kafka = value;
    else if (key == "kafka-advertise") o->daemon.kafka_advertise = value;
    else if (key == "auto-create") o->auto_create = value;
    else if (key == "allow-remote") {
      if (!parse_bool(value, &o->daemon.allow_remote)) return Status::InvalidArgument(where() + "allow-remote takes true or false");
    } else if (key == "default-partitions") {
      char* end = nullptr;
      long n = std::strtol(value.c_str(), &end, 10);
      if (value.empty() || *end || n < 1 || n > 10000) return Status::InvalidArgument(where() + "default-partitions takes 1 to 10000");
      o->daemon.default_partitions = static_cast<int32_t>(n);
    } else if (key == "max-connections" || key == "max-partitions") {
      char* end = nullptr;
      long long n = std::strtoll(value.c_str(), &end, 10);
      long long most = key == "max-connections" ? (1LL << 20) : (1LL << 24);
      if (value.empty() || *end || n < 0 || n > most)
        return Status::InvalidArgument(where() + key + " takes 0 to " + std::to_string(most));
      (key == "max-connections" ? o->daemon.max_connections : o->daemon.max_partitions) = n;
    }
  }
  return Status::OK();
}

int run_start(const DaemonCliOptions& o) {
  ConnectOptions c = global_options().connect_options();
  c.autostart = false;
  c.addr.clear();
  if (Client::Connect(c).ok()) {
    print_warning("a daemon is already running for " + c.home);
    return 0;
  }
  if (o.daemon.allow_remote && !o.daemon.kafka.empty())
    print_warning("the Kafka listener has NO AUTHENTICATION (no SASL yet) and --allow-remote is set: anyone who "
                  "can reach " + o.daemon.kafka + " can read, write and delete every topic");
  Status s = start_daemon(c.home, run_args(o));
  if (!s.ok()) return report(s);
  return 0;
}

// True while `pid` runs (a zombie waiting for its parent has exited).
bool running(pid_t pid) {
  if (pid <= 0 || ::kill(pid, 0) != 0) return false;
  auto stat = ks::storage::read_file("/proc/" + std::to_string(pid) + "/stat");
  if (!stat.ok()) return true;
  auto paren = stat->rfind(')');
  return !(paren != std::string::npos && paren + 2 < stat->size() && (*stat)[paren + 2] == 'Z');
}

int run_stop() {
  ConnectOptions c = global_options().connect_options();
  c.autostart = false;
  auto client = Client::Connect(c);
  if (!client.ok() && c.addr.empty() && home_locked(c.home)) {
    // Still opening its partitions (after a crash that can take a while):
    // stop it once it listens.
    print_warning("the daemon is still starting; it is stopped once it answers (see " +
                  layout::in_home(c.home, layout::kDaemonLog) + ")");
    for (int i = 0; i < 6000 && !client.ok() && home_locked(c.home); ++i) {
      ::poll(nullptr, 0, 100);
      client = Client::Connect(c);
    }
  }
  if (!client.ok()) return report(client.status(), "nothing to stop");
  auto st = (*client)->call({{"op", "status"}});
  pid_t pid = st.ok() ? st->header.value("pid", 0) : 0;
  auto r = (*client)->call({{"op", "shutdown"}});
  if (!r.ok()) return report(r.status());
  // The daemon closes the connection once it has answered everything,
  // then flushes and closes its logs; it has exited when the home's lock
  // is free.
  char byte;
  while (::recv((*client)->fd(), &byte, 1, 0) > 0) {
  }
  int fd = ::open(layout::in_home(c.home, layout::kLock).c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return 0;
  for (int i = 0; i < 3000; ++i) {
    // The lock is released just before the process ends; wait for the
    // process too, so a caller never sees it still running.
    if (::flock(fd, LOCK_SH | LOCK_NB) == 0 && (!c.addr.empty() || !running(pid))) {
      ::close(fd);
      return 0;
    }
    ::poll(nullptr, 0, 10);
  }
  ::close(fd);
  return report(Status::IOError("the daemon did not exit within 30 s"));
}


int run_status(const DaemonCliOptions& o) {
  ConnectOptions c = global_options().connect_options();
  c.autostart = false;
  auto client = Client::Connect(c);
  if (!client.ok() && c.addr.empty() && home_locked(c.home)) {
    auto pid = ks::storage::read_file(layout::in_home(c.home, layout::kPid));
    std::string p = pid.ok() ? *pid : "?";
    while (!p.empty() && p.back() == '\n') p.pop_back();
    return report(Status::Unavailable("the daemon (pid " + p + ") is still starting: opening its partitions"),
                  "see " + layout::in_home(c.home, layout::kDaemonLog) + "; it answers once they are open");
  }
  if (!client.ok()) return report(client.status(), "start one with `ks daemon start`");
  auto r = (*client)->call({{"op", "status"}});
  if (!r.ok()) return report(r.status());
  nlohmann::json j = r->header;
  j.erase("id");
  Stdout& out = Stdout::get();
  if (o.output == "json") {
    out.write(j.dump(out.is_terminal() ? 2 : -1) + "\n");
    return 0;
  }
  std::string listeners;
  for (const auto& l : j["listeners"]) listeners += (listeners.empty() ? "" : " ") + l.get<std::string>();
  out.write("pid          " + std::to_string(j["pid"].get<int64_t>()) + "\n" +
            "version      " + j["version"].get<std::string>() + "\n" +
            "home         " + j["home"].get<std::string>() + "\n" +
            "uptime       " + human_duration(j["uptime_ms"].get<int64_t>()) + "\n" +
            "listeners    " + listeners + "\n" +
            "connections  " + std::to_string(j["connections"].get<int64_t>()) + "\n" +
            "topics       " + std::to_string(j["topics"].get<int64_t>()) + "\n" +
            "partitions   " + std::to_string(j["partitions"].get<int64_t>()) + "\n" +
            "bytes        " + std::to_string(j["bytes"].get<uint64_t>()) + "\n");
  // Partition directories no topic owns (left by a lost metadata change):
  // named here until adopted or removed.
  if (auto it = j.find("orphans"); it != j.end() && it->is_array() && !it->empty()) {
    std::string dirs;
    for (const auto& d : *it) dirs += (dirs.empty() ? "" : " ") + d.value("dir", std::string("?"));
    out.write("orphans      " + dirs + "\n");
    print_warning(std::to_string(it->size()) + " partition director" + (it->size() == 1 ? "y" : "ies") +
                  " in data/ belong to no topic; adopt them with `ks topic adopt NAME` or remove them with "
                  "`ks topic delete NAME --orphan`");
  }
  return 0;
}

}  // namespace

void set_daemon_command(CLI::App& app, Runner* run, DaemonMain daemon_main) {
  auto* cmd = app.add_subcommand("daemon", "Run, start, stop or inspect the daemon for the home");
  cmd->require_subcommand(1);
  auto o = std::make_shared<DaemonCliOptions>();

  auto* r = cmd->add_subcommand("run", "Run the daemon in the foreground, logging to stderr");
  add_run_flags(r, o.get());
  r->callback([o, r, run, daemon_main] {
    *run = [o, r, daemon_main] {
      std::string home = resolve_home(global_options().home);
      Status settings = apply_settings(home, r, o.get());
      if (!settings.ok()) return report(settings);
      server::DaemonOptions d = o->daemon;
      d.home = home;
      if (!parse_bool(o->auto_create, &d.auto_create)) return report(Status::InvalidArgument("--auto-create takes true or false"));
      return daemon_main(d);
    };
  });

  auto* s = cmd->add_subcommand("start", "Start the daemon in the background (log in HOME/daemon.log)");
  add_run_flags(s, o.get());
  s->callback([o, run] { *run = [o] { return run_start(*o); }; });

  auto* st = cmd->add_subcommand("stop", "Stop the daemon gracefully: finish requests, flush, close");
  st->callback([run] { *run = [] { return run_stop(); }; });

  auto* status = cmd->add_subcommand("status", "Show pid, uptime, listeners, topics and bytes on disk");
  status->add_option("-o,--output", o->output, "Output format")->check(CLI::IsMember({"text", "json"}));
  status->callback([o, run] { *run = [o] { return run_status(*o); }; });
  r->footer("Examples:\n  ks daemon run                                  # foreground, Ctrl-C stops it\n"
            "  ks daemon run --kafka 127.0.0.1:9092           # also for Kafka clients\n"
            "  ks --home /tmp/ks-test daemon run --max-connections 100");
  s->footer("Examples:\n  ks daemon start\n  ks daemon start --listen tcp://127.0.0.1:9000 --kafka 127.0.0.1:9092\n"
            "  echo 'kafka = 127.0.0.1:9092' >> ~/.local/share/ks/daemon.conf   # for autostarted daemons too");
  st->footer("Examples:\n  ks daemon stop\n  ks --home /tmp/ks-test daemon stop");
  status->footer("Examples:\n  ks daemon status\n  ks daemon status -o json | jq .connections");
  cmd->footer("Examples:\n  ks daemon start --listen tcp://127.0.0.1:9000\n  ks daemon status -o json\n  ks daemon stop");
}

}  // namespace ks::cli
