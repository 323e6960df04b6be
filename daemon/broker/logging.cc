#include "daemon/broker/logging.h"

#include <sys/time.h>

#include <cstdarg>
#include <cstdio>
#include <ctime>

namespace ks::server {
namespace {

void vlog(const char* level, const char* fmt, va_list ap) {
  timeval tv;
  gettimeofday(&tv, nullptr);
  tm t;
  gmtime_r(&tv.tv_sec, &t);
  char line[4096];
  int n = std::snprintf(line, sizeof line, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ %s ", t.tm_year + 1900,
                        t.tm_mon + 1, t.tm_mday, t.tm_hour, t.tm_min, t.tm_sec,
                        static_cast<int>(tv.tv_usec / 1000), level);
  if (n > 0 && n < static_cast<int>(sizeof line))
    std::vsnprintf(line + n, sizeof line - static_cast<size_t>(n), fmt, ap);
  std::fprintf(stderr, "%s\n", line);
}

}  // namespace

void log_info(const char* fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  vlog("INFO", fmt, ap);
  va_end(ap);
}
void log_warn(const char* fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  vlog("WARN", fmt, ap);
  va_end(ap);
}
void log_error(const char* fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  vlog("ERROR", fmt, ap);
  va_end(ap);
}

}  // namespace ks::server
