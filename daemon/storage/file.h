// Thin RAII wrappers over POSIX file calls, each reporting failure as a
// Status that names the file. No buffering: the log decides what to write
// and when to sync.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"

namespace ks::storage {

// An open file descriptor. Shared (std::shared_ptr<File>) between a segment
// and the reads it handed out, so a read in flight keeps the file open even
// after retention unlinks it.
class Dir;

class File {
 public:
  enum class Mode { kRead, kReadWrite, kCreate };

  static Result<std::shared_ptr<File>> Open(const std::string& path, Mode mode);
  ~File();
  File(const File&) = delete;
  File& operator=(const File&) = delete;

  int fd() const { return fd_; }
  const std::string& path() const { return path_; }

  Result<uint64_t> size() const;
  // Reads up to n bytes at pos; fewer only at end of file.
  Result<size_t> read_at(uint64_t pos, char* buf, size_t n) const;
  // Writes all n bytes at pos or returns an error; a partial write is left
  // for the caller to truncate.
  Status write_at(uint64_t pos, const char* buf, size_t n);
  Status truncate(uint64_t size);
  // Data (and the size, when it changed) reaches the disk.
  Status sync();

 private:
  friend class Dir;
  File(int fd, std::string path) : fd_(fd), path_(std::move(path)) {}
  int fd_;
  std::string path_;
};

// An open directory. A file written through it lands in that directory
// even if the directory is renamed meanwhile (a topic deleted while a
// write for it was queued on the thread pool), never in a new directory
// that took its name.
class Dir {
 public:
  static Result<std::shared_ptr<Dir>> Open(const std::string& path);
  ~Dir();
  Dir(const Dir&) = delete;
  Dir& operator=(const Dir&) = delete;
  const std::string& path() const { return path_; }
  // write_file_atomic(path/name, contents, durable=true) through the fd.
  Status write_file_atomic(const std::string& name, std::string_view contents) const;

 private:
  Dir(int fd, std::string path) : fd_(fd), path_(std::move(path)) {}
  int fd_;
  std::string path_;
};

// Writes `contents` to `path` through a temporary file and a rename, so a
// reader sees the old or the new contents, never a mix. `durable` adds
// fsyncs of the file and the directory.
Status write_file_atomic(const std::string& path, std::string_view contents, bool durable);
Result<std::string> read_file(const std::string& path);

Status sync_dir(const std::string& dir);
Status make_dir(const std::string& dir);  // one level; fine if it exists
Result<std::vector<std::string>> list_dir(const std::string& dir);  // names, unsorted
bool path_exists(const std::string& path);
std::optional<uint64_t> file_size(const std::string& path);  // nullopt: cannot stat it
Status remove_file(const std::string& path);  // fine if it does not exist
Status rename_file(const std::string& from, const std::string& to);  // not durable: sync the directory
// The directory and its files; the removal is durable (the parent
// directory is fsynced) when it returns OK.
Status remove_tree(const std::string& dir);
// The directory holding `path` ("." when it names none).
std::string parent_dir(const std::string& path);

// Test seam: every file-system operation above that decides what survives
// a power cut, reported in the order it completed, so tests can check
// that a sync comes before the answer that depends on it. Null (the
// default) in the daemon. The hook may be called from any thread.
enum class FileOp { kSync, kSyncDir, kRename, kRemove, kRemoveDir, kMakeDir };
using FileOpHook = void (*)(FileOp op, const std::string& path);
void set_file_op_hook(FileOpHook hook);

}  // namespace ks::storage
