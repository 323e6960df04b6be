// The home directory is trusted with the daemon's data, its token and its
// log: it must belong to the user running ks and be writable by no one
// else, and nothing in it may be a link planted to redirect a write. Both
// the daemon and the client (before it starts one) check it here.
#pragma once

#include <string>

#include "common/status.h"

namespace ks::home {

// Creates `dir` (0700) and any missing parents (0700, less the umask, as
// `mkdir -p -m 700` would), then checks it with check_home().
Status ensure_home(const std::string& dir);

// OK when `dir` is a directory owned by the effective user and not
// writable by group or others, and each of the home's own entries that
// exists (meta.db and its journal, daemon.log, daemon.pid, daemon.lock,
// daemon.conf, token, ks.sock, data/, and the temporary files daemon.pid
// and token are written through) is of the expected kind, not a
// symbolic link, owned by the user and not writable by others.
// kInvalidArgument otherwise, with a message naming the path, its owner
// and mode, and the fix.
Status check_home(const std::string& dir);

// open(2) of a file in the home that never follows a symbolic link in its
// last component (O_NOFOLLOW | O_CLOEXEC); -1 with errno set on failure
// (ELOOP: it is a link).
int open_in_home(const std::string& path, int flags, int mode = 0600);

}  // namespace ks::home
