// Opening a partition's log: what a crash can leave in its directory
// (interrupted atomic writes, indexes of deleted segments, a torn last
// segment, damage) is cleaned up, recovered or reported here, before the
// log takes appends (log.cc). Segment-level recovery is in
// segment_recovery.cc.
#include <algorithm>

#include "common/layout.h"
#include "daemon/storage/format.h"
#include "daemon/storage/log.h"

namespace ks::storage {

Status Log::load() {
  KS_RETURN_IF_ERROR(make_dir(dir_));
  auto bases = list_segments();
  if (!bases.ok()) return bases.status();
  KS_RETURN_IF_ERROR(load_start());
  const std::string marker = dir_ + "/" + kCleanShutdownFile;
  const bool clean = path_exists(marker);
  KS_RETURN_IF_ERROR(load_segments(*bases, clean));
  report_offset_gaps();
  if (!clean) KS_RETURN_IF_ERROR(drop_empty_tail_past_gap());
  if (!segments_.empty() && active()->damaged_to_end()) KS_RETURN_IF_ERROR(roll_past_damage());
  if (segments_.empty()) {
    auto seg = Segment::Create(dir_, start_, config_.index_interval_bytes);
    if (!seg.ok()) return seg.status();
    segments_.push_back(std::move(*seg));
    dir_dirty_ = true;
  }
  if (start_ > end_offset().value()) {
    // The records up to the start were lost (a power cut took the tail of
    // an acks=1 log) after it had moved: new records go past it, so no
    // offset below the start is ever given out again.
    report_.messages.push_back(dir_ + ": log start offset " + std::to_string(start_) + " is past the end " +
                               std::to_string(end_offset().value()) + "; rolling a segment at the start");
    KS_RETURN_IF_ERROR(roll(start_));
  }
  rp_written_ms_ = clock_->now_ms();
  if (clean) return consume_clean_marker(marker);
  if (rp_) return mark_unsynced_past_recovery_point();
  // What survived in the page cache is on its way to disk; make it so
  // before anything new is acknowledged on top of it.
  for (auto& s : segments_) s->set_synced_size(0);
  dir_dirty_ = true;
  KS_RETURN_IF_ERROR(flush());
  // A new directory (no marker yet), or one a crash may have caught just
  // after its mkdir: its entry in the parent must be on disk before a
  // record in it is acknowledged.
  return sync_dir(parent_dir(dir_));
}

// From here on a crash must lead to recovery, even after power loss: the
// marker goes, durably, before the log answers. A marker holding a
// recovery point (close() writes the end into it) becomes the recovery
// point with the same rename; an empty one (older versions) is removed.
Status Log::consume_clean_marker(const std::string& marker) {
  auto text = read_file(marker);
  std::optional<RecoveryPoint> rp = text.ok() ? RecoveryPoint::Parse(*text) : std::nullopt;
  if (rp && rp->offset == end_offset().value()) {
    KS_RETURN_IF_ERROR(rename_file(marker, dir_ + "/" + kRecoveryPointFile));
    rp_ = rp;
  } else {
    KS_RETURN_IF_ERROR(remove_file(marker));
  }
  KS_RETURN_IF_ERROR(sync_dir(dir_));
  durable_ = end_offset();
  return Status::OK();
}

Status Log::load_segments(const std::vector<int64_t>& bases, bool clean) {
  std::string why;
  rp_ = read_recovery_point(dir_, &why);
  if (!why.empty()) report_.messages.push_back(why + "; ignored");
  if (!clean && !bases.empty())
    report_.messages.push_back(
        dir_ + ": no clean-shutdown marker; " +
        (rp_ ? "recovering what lies past the recovery point (offset " + std::to_string(rp_->offset) + ")"
             : std::string("validating the last segment")));
  for (size_t i = 0; i < bases.size(); ++i) {
    const int64_t base = bases[i];
    auto mode = Segment::Open::kTrustIndexes;
    // The last segment may end in a torn write, unless all of it was
    // synced when the recovery point was taken.
    bool covered = false;
    if (!clean && i + 1 == bases.size()) {
      covered = rp_ && base == rp_->segment_base &&
                file_size(dir_ + "/" + segment_name(base) + kLogSuffix) == rp_->position;
      if (!covered) mode = Segment::Open::kRecover;
    }
    auto seg = Segment::Load(dir_, base, config_.index_interval_bytes, mode, &report_);
    if (seg.ok() && covered && (*seg)->next_offset() != rp_->offset) {
      report_.messages.push_back((*seg)->log_path() + ": ends at offset " + std::to_string((*seg)->next_offset()) +
                                 ", not at the recovery point; validating it");
      seg = Segment::Load(dir_, base, config_.index_interval_bytes, Segment::Open::kRecover, &report_);
    }
    if (!seg.ok()) return seg.status();
    segments_.push_back(std::move(*seg));
  }
  return Status::OK();
}

// Segments below the recovery point's were synced whole, its own up to
// the position it names; everything else may hold bytes that only the
// page cache had. They are left for the first flush, which the owner asks
// for at once; until it completes durable_offset() stays at the point.
Status Log::mark_unsynced_past_recovery_point() {
  const RecoveryPoint rp = *rp_;
  if (rp.offset > end_offset().value()) {
    // The disk lost bytes the point says were synced (or the files were
    // changed by hand): it is not to be believed again.
    report_.messages.push_back(dir_ + ": the recovery point (offset " + std::to_string(rp.offset) +
                               ") is past the end of the log (" + std::to_string(end_offset().value()) +
                               "); syncing the whole log");
    KS_RETURN_IF_ERROR(remove_file(dir_ + "/" + kRecoveryPointFile));
    rp_.reset();
    for (auto& s : segments_) s->set_synced_size(0);
    dir_dirty_ = true;
    KS_RETURN_IF_ERROR(flush());
    return sync_dir(parent_dir(dir_));
  }
  for (auto& s : segments_) {
    if (s->base_offset() > rp.segment_base) s->set_synced_size(0);
    else if (s->base_offset() == rp.segment_base) s->set_synced_size(std::min<uint64_t>(rp.position, s->size()));
  }
  // Segments made past the point, truncations, removed empty segments.
  dir_dirty_ = true;
  durable_ = Offset(rp.offset);
  return Status::OK();
}

Result<std::vector<int64_t>> Log::list_segments() {
  auto names = list_dir(dir_);
  if (!names.ok()) return names.status();
  std::vector<int64_t> bases;
  std::vector<std::string> index_files;
  for (const std::string& name : *names) {
    int64_t base;
    std::string suffix;
    if (name.ends_with(layout::kTmpSuffix)) {
      // An interrupted atomic write.
      KS_RETURN_IF_ERROR(remove_file(dir_ + "/" + name));
      continue;
    }
    if (!parse_segment_file_name(name, &base, &suffix)) continue;
    if (suffix == kLogSuffix) bases.push_back(base);
    else if (suffix == kIndexSuffix || suffix == kTimeIndexSuffix) index_files.push_back(name);
  }
  std::sort(bases.begin(), bases.end());
  // Index files whose .log is gone (a crash during segment deletion).
  for (const std::string& name : index_files) {
    int64_t base;
    std::string suffix;
    parse_segment_file_name(name, &base, &suffix);
    if (!std::binary_search(bases.begin(), bases.end(), base)) {
      report_.messages.push_back(dir_ + "/" + name + ": removing index of a missing segment");
      KS_RETURN_IF_ERROR(remove_file(dir_ + "/" + name));
    }
  }
  return bases;
}

void Log::report_offset_gaps() {
  for (size_t i = 1; i < segments_.size(); ++i) {
    const Segment& prev = *segments_[i - 1];
    const Segment& seg = *segments_[i];
    if (prev.next_offset() < seg.base_offset()) {
      report_.messages.push_back(
          prev.log_path() + ": offsets " + std::to_string(prev.next_offset()) + ".." +
          std::to_string(seg.base_offset() - 1) +
          (prev.damaged_to_end() ? " are in its damaged bytes or missing"
                                 : " are missing: the segment ends at offset " +
                                       std::to_string(prev.next_offset())) +
          " and the next one, " + seg.log_path() + ", starts at " +
          std::to_string(seg.base_offset()));
    } else if (prev.next_offset() > seg.base_offset()) {
      report_.messages.push_back(prev.log_path() + ": runs to offset " +
                                 std::to_string(prev.next_offset() - 1) + ", past the start of " +
                                 seg.log_path() + " (offset " + std::to_string(seg.base_offset()) +
                                 "); reads of the overlap come from the later segment");
    }
  }
}

// A power cut can keep the file a roll created while losing the unsynced
// tail of the segment before it (nothing acknowledged: an acks=all answer
// waits for every segment's fsync). The empty segment would put the log's
// end past offsets that no longer exist, and a reader there would wait for
// ever. Kafka deletes the segments after one its recovery truncates; ks
// drops such empty ones, so the end is the last record that survived.
Status Log::drop_empty_tail_past_gap() {
  while (segments_.size() > 1 && active()->empty() &&
         segments_[segments_.size() - 2]->next_offset() < active()->base_offset()) {
    const Segment& prev = *segments_[segments_.size() - 2];
    report_.messages.push_back(active()->log_path() + ": empty, past offsets " +
                               std::to_string(prev.next_offset()) + ".." +
                               std::to_string(active()->base_offset() - 1) +
                               " that a power cut took from " + prev.log_path() + "; removed");
    KS_RETURN_IF_ERROR(segments_.back()->remove_files());
    segments_.pop_back();
    dir_dirty_ = true;
  }
  return Status::OK();
}

Status Log::roll_past_damage() {
  // Which offsets the damaged bytes held is unknown, but each takes at
  // least one byte: continue past all of them in a new segment.
  const Segment& bad = *active();
  int64_t next = bad.next_offset() + static_cast<int64_t>(bad.size() - bad.damage().back().position);
  report_.messages.push_back(bad.log_path() + ": the last segment is damaged up to its end; new "
                             "records go to a new segment starting at offset " +
                             std::to_string(next));
  return roll(next);
}

}  // namespace ks::storage
