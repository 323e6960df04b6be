#include "daemon/storage/file.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>

#include "common/layout.h"

namespace ks::storage {
namespace {

std::atomic<FileOpHook> g_hook{nullptr};

void report(FileOp op, const std::string& path) {
  if (FileOpHook h = g_hook.load(std::memory_order_acquire)) h(op, path);
}

}  // namespace

void set_file_op_hook(FileOpHook hook) { g_hook.store(hook, std::memory_order_release); }

std::string parent_dir(const std::string& path) {
  auto slash = path.rfind('/');
  if (slash == std::string::npos) return ".";
  if (slash == 0) return "/";
  return path.substr(0, slash);
}

Result<std::shared_ptr<File>> File::Open(const std::string& path, Mode mode) {
  int flags = O_CLOEXEC;
  switch (mode) {
    case Mode::kRead: flags |= O_RDONLY; break;
    case Mode::kReadWrite: flags |= O_RDWR; break;
    case Mode::kCreate: flags |= O_RDWR | O_CREAT; break;
  }
  int fd = ::open(path.c_str(), flags, 0644);
  if (fd < 0) {
    int err = errno;
    if (err == ENOENT) return Status::NotFound(path + ": no such file");
    return Status::FromErrno("open " + path, err);
  }
  return std::shared_ptr<File>(new File(fd, path));
}

File::~File() {
  if (fd_ >= 0) ::close(fd_);
}

Result<uint64_t> File::size() const {
  struct stat st;
  if (::fstat(fd_, &st) != 0) return Status::FromErrno("stat " + path_, errno);
  return static_cast<uint64_t>(st.st_size);
}

Result<size_t> File::read_at(uint64_t pos, char* buf, size_t n) const {
  size_t done = 0;
  while (done < n) {
    ssize_t r = ::pread(fd_, buf + done, n - done, static_cast<off_t>(pos + done));
    if (r < 0) {
      if (errno == EINTR) continue;
      return Status::FromErrno("read " + path_, errno);
    }
    if (r == 0) break;
    done += static_cast<size_t>(r);
  }
  return done;
}

Status File::write_at(uint64_t pos, const char* buf, size_t n) {
  size_t done = 0;
  while (done < n) {
    ssize_t r = ::pwrite(fd_, buf + done, n - done, static_cast<off_t>(pos + done));
    if (r < 0) {
      if (errno == EINTR) continue;
      return Status::FromErrno("write " + path_, errno);
    }
    done += static_cast<size_t>(r);
  }
  return Status::OK();
}

Status File::truncate(uint64_t size) {
  if (::ftruncate(fd_, static_cast<off_t>(size)) != 0)
    return Status::FromErrno("truncate " + path_, errno);
  return Status::OK();
}

Status File::sync() {
  if (::fdatasync(fd_) != 0) return Status::FromErrno("fdatasync " + path_, errno);
  report(FileOp::kSync, path_);
  return Status::OK();
}

Status write_file_atomic(const std::string& path, std::string_view contents, bool durable) {
  std::string tmp = path + layout::kTmpSuffix;
  {
    auto f = File::Open(tmp, File::Mode::kCreate);
    if (!f.ok()) return f.status();
    KS_RETURN_IF_ERROR((*f)->truncate(0));
    KS_RETURN_IF_ERROR((*f)->write_at(0, contents.data(), contents.size()));
    if (durable) KS_RETURN_IF_ERROR((*f)->sync());
  }
  if (::rename(tmp.c_str(), path.c_str()) != 0) return Status::FromErrno("rename " + tmp, errno);
  report(FileOp::kRename, path);
  if (durable) return sync_dir(parent_dir(path));
  return Status::OK();
}

Result<std::shared_ptr<Dir>> Dir::Open(const std::string& path) {
  int fd = ::open(path.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return Status::FromErrno("open directory " + path, errno);
  return std::shared_ptr<Dir>(new Dir(fd, path));
}

Dir::~Dir() { ::close(fd_); }

Status Dir::write_file_atomic(const std::string& name, std::string_view contents) const {
  const std::string tmp = name + layout::kTmpSuffix;
  const std::string path = path_ + "/" + name;
  int fd = ::openat(fd_, tmp.c_str(), O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) return Status::FromErrno("open " + path_ + "/" + tmp, errno);
  File f(fd, path_ + "/" + tmp);
  KS_RETURN_IF_ERROR(f.write_at(0, contents.data(), contents.size()));
  KS_RETURN_IF_ERROR(f.sync());
  if (::renameat(fd_, tmp.c_str(), fd_, name.c_str()) != 0) return Status::FromErrno("rename " + f.path(), errno);
  report(FileOp::kRename, path);
  if (::fsync(fd_) != 0) return Status::FromErrno("fsync directory " + path_, errno);
  report(FileOp::kSyncDir, path_);
  return Status::OK();
}

Result<std::string> read_file(const std::string& path) {
  auto f = File::Open(path, File::Mode::kRead);
  if (!f.ok()) return f.status();
  auto size = (*f)->size();
  if (!size.ok()) return size.status();
  // The size is only a hint: files under /proc report 0 and still have
  // contents, so read until end of file.
  std::string s(std::max<uint64_t>(*size, 4096), '\0');
  size_t have = 0;
  for (;;) {
    auto n = (*f)->read_at(have, s.data() + have, s.size() - have);
    if (!n.ok()) return n.status();
    have += *n;
    if (have < s.size()) break;
    s.resize(s.size() * 2);
  }
  s.resize(have);
  return s;
}

Status sync_dir(const std::string& dir) {
  int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return Status::FromErrno("open directory " + dir, errno);
  int rc = ::fsync(fd);
  int err = errno;
  ::close(fd);
  if (rc != 0) return Status::FromErrno("fsync directory " + dir, err);
  report(FileOp::kSyncDir, dir);
  return Status::OK();
}

Status make_dir(const std::string& dir) {
  if (::mkdir(dir.c_str(), 0755) == 0) {
    report(FileOp::kMakeDir, dir);
  } else if (errno != EEXIST) {
    return Status::FromErrno("mkdir " + dir, errno);
  }
  return Status::OK();
}

Result<std::vector<std::string>> list_dir(const std::string& dir) {
  DIR* d = ::opendir(dir.c_str());
  if (d == nullptr) {
    if (errno == ENOENT) return Status::NotFound(dir + ": no such directory");
    return Status::FromErrno("open directory " + dir, errno);
  }
  std::vector<std::string> names;
  while (struct dirent* e = ::readdir(d)) {
    std::string_view n(e->d_name);
    if (n != "." && n != "..") names.emplace_back(n);
  }
  ::closedir(d);
  return names;
}

bool path_exists(const std::string& path) {
  struct stat st;
  return ::stat(path.c_str(), &st) == 0;
}

std::optional<uint64_t> file_size(const std::string& path) {
  struct stat st;
  if (::stat(path.c_str(), &st) != 0) return std::nullopt;
  return static_cast<uint64_t>(st.st_size);
}

Status remove_file(const std::string& path) {
  if (::unlink(path.c_str()) == 0) {
    report(FileOp::kRemove, path);
  } else if (errno != ENOENT) {
    return Status::FromErrno("remove " + path, errno);
  }
  return Status::OK();
}

Status rename_file(const std::string& from, const std::string& to) {
  if (::rename(from.c_str(), to.c_str()) != 0) return Status::FromErrno("rename " + from, errno);
  report(FileOp::kRename, to);
  return Status::OK();
}

Status remove_tree(const std::string& dir) {
  auto names = list_dir(dir);
  if (!names.ok()) return names.status().code() == Code::kNotFound ? Status::OK() : names.status();
  for (const auto& n : *names) KS_RETURN_IF_ERROR(remove_file(dir + "/" + n));
  if (::rmdir(dir.c_str()) != 0) {
    if (errno == ENOENT) return Status::OK();
    return Status::FromErrno("rmdir " + dir, errno);
  }
  report(FileOp::kRemoveDir, dir);
  // Until the parent is synced a power cut can bring the directory back,
  // with some of its files or all of them.
  return sync_dir(parent_dir(dir));
}

}  // namespace ks::storage
