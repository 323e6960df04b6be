#include "daemon/storage/verify.h"

#include <algorithm>
#include <map>

#include "common/record_batch.h"
#include "daemon/storage/file.h"
#include "daemon/storage/format.h"
#include "daemon/storage/index.h"
#include "daemon/storage/scanner.h"

namespace ks::storage {
namespace {

struct BatchSpan {
  int64_t base;
  int64_t last;
  int64_t max_ts;
};

// `next` is the offset after the segment's last readable batch.
void check_indexes(const std::string& dir, int64_t base, uint64_t log_size, int64_t next,
                   const std::map<uint64_t, BatchSpan>& batches, VerifyReport* report) {
  const std::string stem = dir + "/" + segment_name(base);
  auto problem = [&](const std::string& file, uint64_t pos, std::string msg, bool fatal = true) {
    report->problems.push_back({file, pos, std::move(msg), fatal});
  };
  auto idx_bytes = read_file(stem + kIndexSuffix);
  if (!idx_bytes.ok()) {
    problem(stem + kIndexSuffix, 0, "missing (rebuilt when the log opens)", false);
  } else if (auto idx = OffsetIndex::Decode(*idx_bytes, log_size); !idx.ok()) {
    problem(stem + kIndexSuffix, 0, idx.status().message());
  } else {
    for (size_t i = 0; i < idx->entries().size(); ++i) {
      const auto& e = idx->entries()[i];
      auto it = batches.find(e.position);
      if (it == batches.end() || it->second.base != base + e.rel_offset)
        problem(stem + kIndexSuffix, i * kOffsetEntrySize,
                "entry (offset " + std::to_string(base + e.rel_offset) + ", byte " +
                    std::to_string(e.position) + ") does not point at that batch");
    }
  }
  auto time_bytes = read_file(stem + kTimeIndexSuffix);
  if (!time_bytes.ok()) {
    problem(stem + kTimeIndexSuffix, 0, "missing (rebuilt when the log opens)", false);
    return;
  }
  auto tidx = TimeIndex::Decode(*time_bytes);
  if (!tidx.ok()) {
    problem(stem + kTimeIndexSuffix, 0, tidx.status().message());
    return;
  }
  if (!tidx->entries().empty() && base + tidx->entries().back().rel_offset >= std::max(next, base + 1)) {
    const size_t i = tidx->entries().size() - 1;
    problem(stem + kTimeIndexSuffix, i * kTimeEntrySize,
            "last entry (offset " + std::to_string(base + tidx->entries().back().rel_offset) +
                ") points beyond the end of the log (its last offset is " +
                (next > base ? std::to_string(next - 1) : std::string("none: it holds no batch")) + ")");
  }
  // Each entry claims: no record at or before its offset is newer.
  int64_t running_max = INT64_MIN;
  auto b = batches.begin();
  for (size_t i = 0; i < tidx->entries().size(); ++i) {
    const auto& e = tidx->entries()[i];
    int64_t upto = base + e.rel_offset;
    while (b != batches.end() && b->second.last <= upto) {
      running_max = std::max(running_max, b->second.max_ts);
      ++b;
    }
    if (running_max > e.timestamp)
      problem(stem + kTimeIndexSuffix, i * kTimeEntrySize,
              "entry (timestamp " + std::to_string(e.timestamp) + ", offset " +
                  std::to_string(upto) + ") is older than a record before it");
  }
}

}  // namespace

Result<VerifyReport> verify_partition(const std::string& dir) {
  auto names = list_dir(dir);
  if (!names.ok()) return names.status();
  std::vector<int64_t> bases;
  for (const auto& n : *names) {
    int64_t base;
    std::string suffix;
    if (parse_segment_file_name(n, &base, &suffix) && suffix == kLogSuffix) bases.push_back(base);
  }
  if (bases.empty()) return Status::NotFound(dir + ": no segment files");
  std::sort(bases.begin(), bases.end());

  VerifyReport report;
  report.start_offset = bases.front();
  int64_t next = bases.front();
  std::string prev_path;
  uint64_t prev_size = 0;
  for (int64_t base : bases) {
    const std::string path = dir + "/" + segment_name(base) + kLogSuffix;
    ++report.segments;
    auto file = File::Open(path, File::Mode::kRead);
    if (!file.ok()) return file.status();
    auto size = (*file)->size();
    if (!size.ok()) return size.status();
    report.bytes += *size;
    if (base < next)
      report.problems.push_back({path, 0, "segment base offset " + std::to_string(base) +
                                              " overlaps the previous segment (ends at " +
                                              std::to_string(next) + ")"});
    if (base > next && !prev_path.empty())
      report.problems.push_back({prev_path, prev_size,
                                 "offsets " + std::to_string(next) + ".." + std::to_string(base - 1) +
                                     " are missing: " + prev_path + " ends at offset " +
                                     std::to_string(next) + " but the next segment, " + path +
                                     ", starts at " + std::to_string(base)});
    std::map<uint64_t, BatchSpan> batches;
    BatchScanner scan(file->get(), 0, *size, true);
    ScannedBatch b;
    bool first = true;
    for (;;) {
      auto step = scan.next(&b);
      if (step == BatchScanner::Step::kEnd) break;
      if (step == BatchScanner::Step::kIOError) return scan.status();
      if (step == BatchScanner::Step::kTruncated) {
        report.problems.push_back({path, scan.position(),
                                   "incomplete batch: the last " +
                                       std::to_string(*size - scan.position()) +
                                       " bytes are a torn write (recovery truncates them)"});
        break;
      }
      if (step == BatchScanner::Step::kBadHeader) {
        report.problems.push_back({path, scan.position(), scan.status().message() +
                                                              "; the rest of the file cannot be framed"});
        break;
      }
      auto info = batch::validate(b.bytes);
      if (!info.ok()) {
        report.problems.push_back({path, b.position, info.status().message()});
        continue;
      }
      if (first && b.header.base_offset != base)
        report.problems.push_back({path, b.position, "first batch starts at offset " +
                                                         std::to_string(b.header.base_offset) +
                                                         ", not the segment's " + std::to_string(base)});
      if (b.header.base_offset < next)
        report.problems.push_back({path, b.position, "offset " + std::to_string(b.header.base_offset) +
                                                         " goes backwards (expected at least " +
                                                         std::to_string(next) + ")"});
      first = false;
      next = std::max(next, b.header.next_offset());
      ++report.batches;
      report.records += b.header.records_count;
      batches.emplace(b.position, BatchSpan{b.header.base_offset, b.header.last_offset(), info->max_timestamp});
    }
    int64_t seg_next = batches.empty() ? base : batches.rbegin()->second.last + 1;
    check_indexes(dir, base, *size, seg_next, batches, &report);
    prev_path = path;
    prev_size = *size;
  }
  report.end_offset = next;
  return report;
}

}  // namespace ks::storage
