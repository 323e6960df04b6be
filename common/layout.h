// The home directory's layout: every entry the daemon and the CLI keep in
// a home (`--home`, KS_HOME, ~/.local/share/ks), named once here, with who
// writes it and who reads it. common/home.cc checks each of them (kind,
// owner, no link) before either side trusts the home.
#pragma once

#include <string>

namespace ks::layout {

// The daemon's Unix socket: bound by the daemon at start, unlinked at a
// clean stop; the CLI connects to it.
inline constexpr const char* kSocket = "ks.sock";
// flock'd by the running daemon for its whole life, so one daemon serves a
// home; the CLI only tests it, to tell a starting daemon from none.
inline constexpr const char* kLock = "daemon.lock";
// The running daemon's pid, written by it once it holds the lock and
// removed at exit; `ks daemon status/stop` read it.
inline constexpr const char* kPid = "daemon.pid";
// The secret a native client sends in its hello: made by the daemon at its
// first start (0600), read by the CLI.
inline constexpr const char* kToken = "token";
// SQLite metadata (topics, configs, groups, committed offsets), owned by
// the daemon; `ks log verify` reads it offline. SQLite keeps its journal
// beside it, in one of the next three.
inline constexpr const char* kMetaDb = "meta.db";
inline constexpr const char* kMetaDbWal = "meta.db-wal";
inline constexpr const char* kMetaDbShm = "meta.db-shm";
inline constexpr const char* kMetaDbJournal = "meta.db-journal";
// The partition logs, one directory per partition, data/<topic>-<partition>/
// (layout in daemon/storage/format.h); written by the daemon only.
inline constexpr const char* kDataDir = "data";
// The daemon's stderr when the CLI starts it in the background (opened by
// the CLI, appended by the daemon); the CLI quotes its errors from it.
inline constexpr const char* kDaemonLog = "daemon.log";
// Options for daemons the CLI starts: `key = value` lines, read by
// cli/commands/daemon.cc; written only by the user.
inline constexpr const char* kDaemonConf = "daemon.conf";
// What storage::write_file_atomic() appends to a file's name while it
// writes it, before renaming it into place (daemon.pid and token in the
// home; index files in a partition directory).
inline constexpr const char* kTmpSuffix = ".tmp";

// `name` (one of the above) in `home`.
inline std::string in_home(const std::string& home, const char* name) { return home + "/" + name; }

}  // namespace ks::layout
