#include "daemon/storage/verify.h"

#include <algorithm>
#include <iterator>
#include <map>
#include <optional>

#include "common/record_batch.h"
#include "daemon/storage/file.h"
#include "daemon/storage/format.h"
#include "daemon/storage/index.h"
#include "daemon/storage/index_seal.h"
#include "daemon/storage/scanner.h"

namespace ks::storage {
namespace {

struct BatchSpan {
  int64_t base;
  int64_t last;
  int64_t max_ts;
  uint32_t crc;
};

using Batches = std::map<uint64_t, BatchSpan>;  // by position in the .log

// What a correct seal says about a segment, from its batches.
IndexSeal expected_seal(uint64_t log_size, int64_t base, const Batches& batches) {
  IndexSeal s;
  s.log_size = log_size;
  s.next_offset = batches.empty() ? base : batches.rbegin()->second.last + 1;
  if (!batches.empty()) s.last_batch_crc = batches.rbegin()->second.crc;
  for (const auto& [pos, b] : batches) {
    if (b.max_ts > s.max_timestamp) {
      s.max_timestamp = b.max_ts;
      s.max_timestamp_offset = b.last;
    }
  }
  return s;
}

// True when `seal` describes an earlier prefix of this log, ending at a
// batch boundary: what an unclean stop leaves after the log grew past the
// last sealed index (the daemon rebuilds it at open; nothing is damaged).
bool seals_a_prefix(const IndexSeal& seal, const IndexSeal& want, int64_t base, const Batches& batches) {
  if (seal.log_size >= want.log_size) return false;
  if (seal.log_size == 0) return seal.next_offset == base && seal.max_timestamp == INT64_MIN;
  auto next = batches.find(seal.log_size);
  if (next == batches.end() || next == batches.begin()) return false;
  const BatchSpan& last = std::prev(next)->second;
  return last.crc == seal.last_batch_crc && last.last + 1 == seal.next_offset;
}

// Reads and unseals an index file; reports a missing file or one sealed for
// an earlier prefix of the log (warnings: rebuilt on open), or a bad seal
// and its disagreements with the log. nullopt: unusable.
std::optional<std::string> sealed_entries(const std::string& file, IndexKind kind, const IndexSeal& want,
                                          int64_t base, const Batches& batches, VerifyReport* report) {
  auto bytes = read_file(file);
  if (!bytes.ok()) {
    report->problems.push_back({file, 0, "missing (rebuilt when the log opens)", false});
    return std::nullopt;
  }
  IndexSeal seal;
  auto entries = unseal_index(kind, *bytes, &seal);
  const uint64_t at = bytes->size() < kIndexSealSize ? 0 : bytes->size() - kIndexSealSize;
  if (!entries.ok()) {
    report->problems.push_back({file, at, entries.status().message() + "; the daemon rebuilds it from the log"});
    return std::nullopt;
  }
  if (seals_a_prefix(seal, want, base, batches)) {
    report->problems.push_back({file, at,
                                "stale: sealed when the log was " + std::to_string(seal.log_size) + " of its " +
                                    std::to_string(want.log_size) + " bytes (an unclean stop; rebuilt when the log opens)",
                                false});
    return std::nullopt;
  }
  auto say = [&](const std::string& what, const std::string& has, const std::string& log) {
    report->problems.push_back({file, at, "the seal's " + what + " is " + has + ", the log's is " + log +
                                              " (an index of another version of the segment; rebuilt on open)"});
  };
  if (seal.log_size != want.log_size) say("log size", std::to_string(seal.log_size), std::to_string(want.log_size));
  if (seal.next_offset != want.next_offset)
    say("next offset", std::to_string(seal.next_offset), std::to_string(want.next_offset));
  else if (seal.last_batch_crc != want.last_batch_crc)
    say("last batch CRC", std::to_string(seal.last_batch_crc), std::to_string(want.last_batch_crc));
  if (seal.max_timestamp != want.max_timestamp)
    say("largest timestamp", std::to_string(seal.max_timestamp), std::to_string(want.max_timestamp));
  return std::string(*entries);
}

// `want` is what a correct seal says (from the segment's readable batches).
void check_indexes(const std::string& dir, int64_t base, const IndexSeal& want, const Batches& batches,
                   VerifyReport* report) {
  const std::string stem = dir + "/" + segment_name(base);
  const int64_t next = want.next_offset;
  auto problem = [&](const std::string& file, uint64_t pos, std::string msg) {
    report->problems.push_back({file, pos, std::move(msg), true});
  };
  if (auto bytes = sealed_entries(stem + kIndexSuffix, IndexKind::kOffset, want, base, batches, report)) {
    if (auto idx = OffsetIndex::Decode(*bytes, want.log_size); !idx.ok()) {
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
  }
  auto bytes = sealed_entries(stem + kTimeIndexSuffix, IndexKind::kTime, want, base, batches, report);
  if (!bytes) return;
  auto tidx = TimeIndex::Decode(*bytes);
  if (!tidx.ok()) {
    problem(stem + kTimeIndexSuffix, 0, tidx.status().message());
    return;
  }
  const auto& te = tidx->entries();
  if (!te.empty() && base + te.back().rel_offset >= std::max(next, base + 1)) {
    problem(stem + kTimeIndexSuffix, (te.size() - 1) * kTimeEntrySize,
            "last entry (offset " + std::to_string(base + te.back().rel_offset) +
                ") points beyond the end of the log (its last offset is " +
                (next > base ? std::to_string(next - 1) : std::string("none: it holds no batch")) + ")");
  } else if (!batches.empty() && (te.empty() || te.back().timestamp != want.max_timestamp)) {
    // Retention goes by the segment's largest timestamp.
    problem(stem + kTimeIndexSuffix, te.empty() ? 0 : (te.size() - 1) * kTimeEntrySize,
            "the largest timestamp is " + (te.empty() ? std::string("missing") : std::to_string(te.back().timestamp)) +
                " but the log's largest record timestamp is " + std::to_string(want.max_timestamp));
  }
  // Each entry claims: no record at or before its offset is newer.
  int64_t running_max = INT64_MIN;
  auto b = batches.begin();
  for (size_t i = 0; i < te.size(); ++i) {
    const auto& e = te[i];
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
    Batches batches;
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
      batches.emplace(b.position, BatchSpan{b.header.base_offset, b.header.last_offset(),
                                            info->max_timestamp, b.header.crc});
    }
    check_indexes(dir, base, expected_seal(*size, base, batches), batches, &report);
    prev_path = path;
    prev_size = *size;
  }
  report.end_offset = next;
  return report;
}

}  // namespace ks::storage
