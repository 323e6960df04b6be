#include "daemon/meta/orphans.h"

#include <dirent.h>
#include <sqlite3.h>
#include <sys/stat.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <memory>

#include "common/types.h"

namespace ks::meta {
namespace {

bool ends_with(const std::string& s, const std::string& tail) {
  return s.size() >= tail.size() && s.compare(s.size() - tail.size(), tail.size(), tail) == 0;
}

// "<topic>-<digits>" with a valid topic name; the topic may itself hold '-'.
bool parse_partition_dir(const std::string& name, std::string* topic, int32_t* partition) {
  auto dash = name.rfind('-');
  if (dash == std::string::npos || dash == 0 || dash + 1 == name.size() || name.size() - dash > 10) return false;
  int64_t p = 0;
  for (size_t i = dash + 1; i < name.size(); ++i) {
    if (name[i] < '0' || name[i] > '9') return false;
    p = p * 10 + (name[i] - '0');
  }
  if (p > INT32_MAX || !TopicName::Parse(name.substr(0, dash)).ok()) return false;
  *topic = name.substr(0, dash);
  *partition = static_cast<int32_t>(p);
  return true;
}

struct DirCloser {
  void operator()(DIR* d) const { ::closedir(d); }
};

Result<std::vector<std::string>> subdirectories(const std::string& dir) {
  std::unique_ptr<DIR, DirCloser> d(::opendir(dir.c_str()));
  if (!d) {
    if (errno == ENOENT) return std::vector<std::string>();
    return Status::IOError("listing " + dir + ": " + std::strerror(errno));
  }
  std::vector<std::string> out;
  while (dirent* e = ::readdir(d.get())) {
    std::string n = e->d_name;
    if (n == "." || n == "..") continue;
    struct stat st {};
    if (::lstat((dir + "/" + n).c_str(), &st) == 0 && S_ISDIR(st.st_mode)) out.push_back(n);
  }
  return out;
}

uint64_t log_bytes_in(const std::string& dir) {
  std::unique_ptr<DIR, DirCloser> d(::opendir(dir.c_str()));
  if (!d) return 0;
  uint64_t total = 0;
  while (dirent* e = ::readdir(d.get())) {
    std::string n = e->d_name;
    struct stat st {};
    if (ends_with(n, ".log") && ::lstat((dir + "/" + n).c_str(), &st) == 0 && S_ISREG(st.st_mode))
      total += static_cast<uint64_t>(st.st_size);
  }
  return total;
}

std::string bytes_text(uint64_t n) {
  if (n < 1024) return std::to_string(n) + " bytes";
  if (n < 1024 * 1024) return std::to_string(n / 1024) + " KiB";
  return std::to_string(n / (1024 * 1024)) + " MiB";
}

}  // namespace

Result<std::vector<OrphanDir>> find_orphans(const std::string& data_dir,
                                            const std::map<std::string, int32_t>& counts) {
  auto names = subdirectories(data_dir);
  if (!names.ok()) return names.take_status();
  std::vector<OrphanDir> out;
  for (const auto& n : *names) {
    if (ends_with(n, ".deleted")) continue;
    OrphanDir o;
    o.name = n;
    if (parse_partition_dir(n, &o.topic, &o.partition)) {
      auto it = counts.find(o.topic);
      if (it != counts.end() && o.partition < it->second) continue;  // owned
      o.topic_exists = it != counts.end();
    } else {
      o.topic.clear();
      o.partition = -1;
    }
    o.log_bytes = log_bytes_in(data_dir + "/" + n);
    out.push_back(std::move(o));
  }
  std::sort(out.begin(), out.end(), [](const OrphanDir& a, const OrphanDir& b) {
    return a.topic != b.topic ? a.topic < b.topic
           : a.partition != b.partition ? a.partition < b.partition
                                        : a.name < b.name;
  });
  return out;
}

std::string describe_orphans(const std::vector<OrphanDir>& orphans, size_t max_names) {
  std::string s;
  uint64_t bytes = 0;
  for (size_t i = 0; i < orphans.size(); ++i) {
    bytes += orphans[i].log_bytes;
    if (i < max_names) s += (i ? ", " : "") + orphans[i].name;
  }
  if (orphans.size() > max_names) s += ", ...";
  s += " (" + std::to_string(orphans.size()) + (orphans.size() == 1 ? " directory, " : " directories, ") +
       bytes_text(bytes) + " of segments)";
  return s;
}

Result<std::map<std::string, int32_t>> read_partition_counts(const std::string& path) {
  sqlite3* db = nullptr;
  int rc = sqlite3_open_v2(path.c_str(), &db, SQLITE_OPEN_READONLY | SQLITE_OPEN_NOMUTEX, nullptr);
  std::unique_ptr<sqlite3, int (*)(sqlite3*)> hold(db, sqlite3_close);
  auto fail = [&](int code) {
    return Status::IOError("reading " + path + ": " + (db ? sqlite3_errmsg(db) : sqlite3_errstr(code)));
  };
  if (rc != SQLITE_OK) return fail(rc);
  sqlite3_busy_timeout(db, 2000);
  sqlite3_stmt* raw = nullptr;
  rc = sqlite3_prepare_v2(db, "SELECT name, partitions FROM topics", -1, &raw, nullptr);
  std::unique_ptr<sqlite3_stmt, int (*)(sqlite3_stmt*)> stmt(raw, sqlite3_finalize);
  if (rc != SQLITE_OK) return fail(rc);
  std::map<std::string, int32_t> counts;
  while ((rc = sqlite3_step(raw)) == SQLITE_ROW) {
    const auto* name = reinterpret_cast<const char*>(sqlite3_column_text(raw, 0));
    counts[name ? name : ""] = static_cast<int32_t>(sqlite3_column_int64(raw, 1));
  }
  if (rc != SQLITE_DONE) return fail(rc);
  return counts;
}

}  // namespace ks::meta
