#include "cli/commands/top_screen.h"

#include <poll.h>
#include <signal.h>
#include <sys/ioctl.h>
#include <termios.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstdlib>
#include <ctime>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "cli/clock.h"

namespace ks::cli::top {
namespace {

volatile int g_stop = 0;  // SIGINT, SIGTERM or SIGHUP: the signal number
volatile sig_atomic_t g_resized = 0;
volatile sig_atomic_t g_suspend = 0;

void on_stop(int sig) { g_stop = sig; }
void on_winch(int) { g_resized = 1; }
void on_tstp(int) { g_suspend = 1; }

void install_handlers() {
  struct sigaction sa {};
  sigemptyset(&sa.sa_mask);
  // No SA_RESTART: a blocking read of the daemon's answer returns at once.
  sa.sa_handler = on_stop;
  sigaction(SIGINT, &sa, nullptr);
  sigaction(SIGTERM, &sa, nullptr);
  sigaction(SIGHUP, &sa, nullptr);
  sa.sa_handler = on_tstp;
  sigaction(SIGTSTP, &sa, nullptr);
  sa.sa_flags = SA_RESTART;
  sa.sa_handler = on_winch;
  sigaction(SIGWINCH, &sa, nullptr);
  set_interrupt_flag(&g_stop);
}

void write_all(int fd, std::string_view s) {
  while (!s.empty()) {
    ssize_t n = ::write(fd, s.data(), s.size());
    if (n < 0) {
      if (errno == EINTR || errno == EAGAIN) continue;
      return;  // the terminal is gone; nothing left to show
    }
    s.remove_prefix(static_cast<size_t>(n));
  }
}

// The terminal while `ks top` owns it: the alternate screen, no cursor,
// keys read one at a time without echo. Left (and the saved mode put back)
// by leave() or the destructor, whichever comes first.
class Screen {
 public:
  Screen() = default;
  Screen(const Screen&) = delete;
  Screen& operator=(const Screen&) = delete;
  ~Screen() { leave(); }

  void enter() {
    if (active_) return;
    keys_ = ::isatty(STDIN_FILENO) == 1 && ::tcgetattr(STDIN_FILENO, &saved_) == 0;
    if (keys_) {
      termios raw = saved_;
      // Signals stay on: Ctrl-C and Ctrl-Z arrive as SIGINT and SIGTSTP.
      raw.c_lflag &= ~static_cast<tcflag_t>(ICANON | ECHO);
      raw.c_cc[VMIN] = 0;
      raw.c_cc[VTIME] = 0;
      ::tcsetattr(STDIN_FILENO, TCSADRAIN, &raw);
    }
    write_all(STDOUT_FILENO, "\x1b[?1049h\x1b[?25l\x1b[2J");
    active_ = true;
  }

  void leave() {
    if (!active_) return;
    write_all(STDOUT_FILENO, "\x1b[0m\x1b[2J\x1b[?25h\x1b[?1049l");
    if (keys_) ::tcsetattr(STDIN_FILENO, TCSADRAIN, &saved_);
    active_ = false;
  }

  bool keys() const { return keys_; }

  // Rows and columns; 24x80 when the terminal does not say.
  static std::pair<size_t, size_t> size() {
    winsize ws{};
    if (::ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_row > 0 && ws.ws_col > 0) return {ws.ws_row, ws.ws_col};
    return {24, 80};
  }

  void draw(const std::vector<Line>& lines, size_t cols, bool colour) {
    std::string out = "\x1b[H";
    for (size_t i = 0; i < lines.size(); ++i) {
      out += "\x1b[" + std::to_string(i + 1) + ";1H\x1b[2K";
      out += render(lines[i], cols, colour);
    }
    out += "\x1b[0m";
    write_all(STDOUT_FILENO, out);
  }

 private:
  bool active_ = false;
  bool keys_ = false;
  termios saved_{};
};

enum class Key { kNone, kQuit, kSort, kPause, kHelp, kRedraw };

// The keys in one read; an escape sequence (arrows, function keys) is
// skipped whole so its letters are not taken for commands.
std::vector<Key> read_keys(bool* eof) {
  char buf[64];
  ssize_t n = ::read(STDIN_FILENO, buf, sizeof buf);
  if (n == 0) *eof = true;
  std::vector<Key> keys;
  for (ssize_t i = 0; i < n; ++i) {
    switch (buf[i]) {
      case '\x1b': return keys;
      case 'q': case 'Q': keys.push_back(Key::kQuit); break;
      case 's': case 'S': keys.push_back(Key::kSort); break;
      case 'p': case 'P': case ' ': keys.push_back(Key::kPause); break;
      case '?': case 'h': case 'H': keys.push_back(Key::kHelp); break;
      case '\x0c': keys.push_back(Key::kRedraw); break;
      default: break;
    }
  }
  return keys;
}

// The local time of day the screen's header shows.
std::string clock_now() {
  std::time_t now = std::time(nullptr);
  std::tm tm{};
  localtime_r(&now, &tm);
  char clock[16];
  std::strftime(clock, sizeof clock, "%H:%M:%S", &tm);
  return clock;
}

}  // namespace

bool utf8_locale() {
  for (const char* var : {"LC_ALL", "LC_CTYPE", "LANG"}) {
    const char* v = std::getenv(var);
    if (v == nullptr || *v == '\0') continue;
    std::string s(v);
    for (auto& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return s.find("utf-8") != std::string::npos || s.find("utf8") != std::string::npos;
  }
  return false;
}

// https://no-color.org: present and not empty.
bool no_color() {
  const char* v = std::getenv("NO_COLOR");
  return v != nullptr && *v != '\0';
}


Status run_screen(Client* client, Monitor* m, View v, double interval, int* signal) {
  install_handlers();
  Screen screen;
  screen.enter();
  const bool colour = !no_color();
  const auto interval_ms = static_cast<int64_t>(interval * 1000);
  int64_t next = steady_ms() + interval_ms;
  bool stdin_open = screen.keys();
  bool dirty = true;
  for (;;) {
    if (g_stop) {
      *signal = g_stop;
      return Status::OK();
    }
    if (g_suspend) {
      // Ctrl-Z: give the terminal back while stopped, take it again on fg.
      g_suspend = 0;
      screen.leave();
      ::raise(SIGSTOP);
      screen.enter();
      dirty = true;
    }
    if (g_resized) {
      g_resized = 0;
      dirty = true;
    }
    if (!v.paused && steady_ms() >= next) {
      Sample s;
      Status st = take_sample(client, &s);
      if (!st.ok()) {
        if (g_stop) continue;
        return st;
      }
      m->add(std::move(s));
      next = steady_ms() + interval_ms;
      dirty = true;
    }
    if (dirty) {
      auto [rows, cols] = Screen::size();
      v.clock = clock_now();
      screen.draw(frame(*m, v, rows), cols, colour);
      dirty = false;
    }
    pollfd pfd{STDIN_FILENO, POLLIN, 0};
    int timeout = v.paused ? 1000 : static_cast<int>(std::clamp<int64_t>(next - steady_ms(), 0, 1000));
    int n = ::poll(&pfd, stdin_open ? 1 : 0, timeout);
    if (n <= 0) continue;  // the time to refresh, or a signal
    if (pfd.revents & (POLLHUP | POLLERR | POLLNVAL)) {
      stdin_open = false;
      continue;
    }
    bool eof = false;
    for (Key k : read_keys(&eof)) {
      switch (k) {
        case Key::kQuit: return Status::OK();
        case Key::kSort: v.sort = next_sort(v.sort); break;
        case Key::kPause:
          v.paused = !v.paused;
          if (!v.paused) next = steady_ms();
          break;
        case Key::kHelp: v.help = !v.help; break;
        case Key::kRedraw:
        case Key::kNone: break;
      }
      dirty = true;
    }
    if (eof) stdin_open = false;
  }
}

}  // namespace ks::cli::top
