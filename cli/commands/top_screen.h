// `ks top`'s terminal: the live screen (alternate screen, cursor
// addressing, SGR; no curses), keys read one at a time, and the signals
// that stop, suspend and resize it. Every line is positioned and erased,
// then written, in one write per frame; the terminal's mode and screen are
// restored on every way out. Frames come from top_render.h.
#pragma once

#include "cli/client.h"
#include "cli/commands/top_render.h"
#include "cli/commands/top_sample.h"
#include "common/status.h"

namespace ks::cli::top {

// Whether the locale's character set is UTF-8, from the environment as
// setlocale(LC_CTYPE, "") would pick it, without changing ks's locale.
bool utf8_locale();

// https://no-color.org: present and not empty.
bool no_color();

// The live screen until q, a signal or an error, sampling over `client`
// every `interval` seconds into `m` (both borrowed); the terminal is
// restored before this returns. *signal gets the stopping signal, if any.
Status run_screen(Client* client, Monitor* m, View v, double interval, int* signal);

}  // namespace ks::cli::top
