#include "common/home.h"

#include <fcntl.h>
#include <pwd.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>

#include "common/layout.h"

namespace ks::home {
namespace {

std::string user_name(uid_t uid) {
  passwd pw{};
  passwd* found = nullptr;
  char buf[1024];
  std::string n = std::to_string(uid);
  if (::getpwuid_r(uid, &pw, buf, sizeof buf, &found) == 0 && found != nullptr)
    n += " (" + std::string(found->pw_name) + ")";
  return n;
}

std::string mode_text(mode_t m) {
  char b[8];
  std::snprintf(b, sizeof b, "%04o", static_cast<unsigned>(m & 07777));
  return b;
}

// What is wrong with `st` (of `path`, expected `kind`), or "".
std::string problem(const std::string& path, const struct stat& st, mode_t kind, bool is_home) {
  uid_t me = ::geteuid();
  if (S_ISLNK(st.st_mode))
    return path + " is a symbolic link; ks never follows links in its home (fix: remove it, or use a home "
                  "that is a plain directory)";
  if ((st.st_mode & S_IFMT) != kind)
    return path + " is not a " + (kind == S_IFDIR ? "directory" : kind == S_IFSOCK ? "socket" : "regular file") +
           " (fix: remove it)";
  if (st.st_uid != me)
    return path + " is owned by uid " + user_name(st.st_uid) + ", not by you (uid " + user_name(me) +
           "); ks trusts only a home that is yours (fix: remove it, or `chown -R " + std::to_string(me) + " " +
           path + "` if you trust its contents, or pick another --home)";
  mode_t open_to = is_home ? (st.st_mode & 0022) : (st.st_mode & 0002);
  if (open_to != 0)
    return path + " is writable by " + ((st.st_mode & 0002) ? "anyone" : "its group") + " (mode " +
           mode_text(st.st_mode) + "); anyone could replace what the daemon reads and writes there (fix: `chmod " +
           (is_home ? "700" : "600") + " " + path + "` if you trust its contents, or remove it)";
  return {};
}

Status make_dirs(const std::string& dir) {
  if (dir.empty()) return Status::InvalidArgument("the home directory is an empty path");
  struct stat st{};
  if (::stat(dir.c_str(), &st) == 0) return Status::OK();
  auto slash = dir.find_last_of('/');
  if (slash != std::string::npos && slash > 0) KS_RETURN_IF_ERROR(make_dirs(dir.substr(0, slash)));
  if (::mkdir(dir.c_str(), 0700) != 0 && errno != EEXIST) return Status::FromErrno("create " + dir, errno);
  return Status::OK();
}

}  // namespace

Status ensure_home(const std::string& dir) {
  struct stat st{};
  if (::lstat(dir.c_str(), &st) != 0) {
    if (errno != ENOENT) return Status::FromErrno("home " + dir, errno);
    KS_RETURN_IF_ERROR(make_dirs(dir));
  }
  return check_home(dir);
}

Status check_home(const std::string& dir) {
  struct stat st{};
  if (::lstat(dir.c_str(), &st) != 0) return Status::FromErrno("home " + dir, errno);
  if (S_ISLNK(st.st_mode)) {
    // A home that is a link of the user's own (a home moved to another
    // disk) is followed; one planted by someone else is not.
    if (st.st_uid != ::geteuid()) {
      return Status::InvalidArgument("refusing home " + dir + ": it is a symbolic link owned by uid " +
                                     user_name(st.st_uid) + ", not by you (fix: remove it, or pick another --home)");
    }
    if (::stat(dir.c_str(), &st) != 0) return Status::FromErrno("home " + dir, errno);
  }
  if (std::string why = problem(dir, st, S_IFDIR, true); !why.empty())
    return Status::InvalidArgument("refusing home " + dir + ": " + why);
  static const struct {
    const char* name;
    mode_t kind;
  } kEntries[] = {{layout::kMetaDb, S_IFREG},     {layout::kMetaDbWal, S_IFREG},
                  {layout::kMetaDbShm, S_IFREG},  {layout::kMetaDbJournal, S_IFREG},
                  {layout::kDaemonLog, S_IFREG},  {layout::kPid, S_IFREG},
                  {layout::kLock, S_IFREG},       {layout::kDaemonConf, S_IFREG},
                  {layout::kToken, S_IFREG},      {layout::kSocket, S_IFSOCK},
                  {layout::kDataDir, S_IFDIR}};
  // Written through temporaries, then renamed (write_file_atomic).
  static const char* const kAtomic[] = {layout::kPid, layout::kToken};
  auto check = [&](const std::string& name, mode_t kind) -> Status {
    std::string path = dir + "/" + name;
    if (::lstat(path.c_str(), &st) != 0) {
      if (errno == ENOENT) return Status::OK();
      return Status::FromErrno("home entry " + path, errno);
    }
    if (std::string why = problem(path, st, kind, false); !why.empty())
      return Status::InvalidArgument("refusing home " + dir + ": " + why);
    return Status::OK();
  };
  for (const auto& e : kEntries) KS_RETURN_IF_ERROR(check(e.name, e.kind));
  for (const char* name : kAtomic) KS_RETURN_IF_ERROR(check(std::string(name) + layout::kTmpSuffix, S_IFREG));
  return Status::OK();
}

int open_in_home(const std::string& path, int flags, int mode) {
  return ::open(path.c_str(), flags | O_NOFOLLOW | O_CLOEXEC, mode);
}

}  // namespace ks::home
