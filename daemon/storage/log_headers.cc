// Walking the log's batch headers without their records: what rebuilding
// a partition's idempotent-producer state after a restart needs.
#include "daemon/storage/log.h"
#include "daemon/storage/scanner.h"

namespace ks::storage {

Status Log::for_each_header(Offset from, const std::function<void(const batch::BatchHeader&)>& fn) const {
  const int64_t f = std::max(from.value(), start_offset().value());
  for (size_t i = segment_for(f); i < segments_.size(); ++i) {
    const Segment& seg = *segments_[i];
    // The batch holding `f` (or the first after it); read() plans it from
    // the index, so the walk starts near `f` rather than at byte 0.
    auto first = seg.read(f, 1);
    if (!first.ok()) {
      if (first.status().code() == Code::kIOError) return first.status();
      continue;  // damage right at `f`: nothing of this segment can be read
    }
    if (!*first) continue;
    BatchScanner scan(seg.file().get(), (*first)->position, seg.size(), /*read_bodies=*/false);
    ScannedBatch b;
    for (;;) {
      auto step = scan.next(&b);
      if (step == BatchScanner::Step::kIOError) return scan.status();
      if (step != BatchScanner::Step::kBatch) break;  // the end, or damage read() would stop at too
      if (b.header.last_offset() >= f) fn(b.header);
    }
  }
  return Status::OK();
}

}  // namespace ks::storage
