// The log start offset DeleteRecords moves (Kafka's logStartOffset): kept
// in the partition's directory, next to the segments it describes, so the
// log alone knows where it starts and the offline `ks log` tools see the
// same start as the daemon.
#include <charconv>

#include "daemon/storage/file.h"
#include "daemon/storage/format.h"
#include "daemon/storage/log.h"

namespace ks::storage {

Status Log::load_start() {
  const std::string path = dir_ + "/" + kLogStartFile;
  if (!path_exists(path)) return Status::OK();
  auto text = read_file(path);
  if (!text.ok()) return text.status();
  int64_t v = -1;
  const char* end = text->data() + text->size();
  auto [p, ec] = std::from_chars(text->data(), end, v);
  if (ec != std::errc() || v < 0 || (p != end && *p != '\n'))
    return Status::Corruption(path + ": not an offset (" + std::to_string(text->size()) +
                              " bytes); it is written atomically, so something else changed it");
  start_ = v;
  return Status::OK();
}

Status Log::advance_start(Offset to) {
  if (to > end_offset())
    return Status::OutOfRange("offset " + std::to_string(to.value()) + " is past the end of the log (" +
                              std::to_string(end_offset().value()) + ")");
  if (to <= start_offset()) return Status::OK();
  // The start is on disk before any segment goes: a power cut in between
  // leaves segments below the start, which open() ignores for reads and
  // the next advance or retention deletes.
  KS_RETURN_IF_ERROR(write_file_atomic(dir_ + "/" + kLogStartFile, std::to_string(to.value()) + "\n", true));
  start_ = to.value();
  while (segments_.size() > 1 && segments_[1]->base_offset() <= start_) KS_RETURN_IF_ERROR(drop_oldest());
  return Status::OK();
}

}  // namespace ks::storage
