// The daemon's log: one line per event on stderr (daemon.log when started
// in the background), with a UTC timestamp and a level.
#pragma once

namespace ks::server {

void log_info(const char* fmt, ...) __attribute__((format(printf, 1, 2)));
void log_warn(const char* fmt, ...) __attribute__((format(printf, 1, 2)));
void log_error(const char* fmt, ...) __attribute__((format(printf, 1, 2)));

}  // namespace ks::server
