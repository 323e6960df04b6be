#include "daemon/storage/verify.h"

#include <algorithm>
#include <iterator>
#include <map>
#include <optional>

#include "common/record_batch.h"
#include "daemon/storage/file.h"
#include "daemon/storage/format.h"
#include "daemon/storage/index.h"
#include "daemon/storage/index_check.h"
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

// What a correct seal says about a segment, from its readable batches.
LogFacts facts_of(uint64_t log_size, int64_t base, const Batches& batches) {
  LogFacts f(log_size);
  f.next_offset = batches.empty() ? base : batches.rbegin()->second.last + 1;
  f.last_batch_crc = batches.empty() ? 0 : batches.rbegin()->second.crc;
  f.max_timestamp = INT64_MIN;
  for (const auto& [pos, b] : batches) f.max_timestamp = std::max(*f.max_timestamp, b.max_ts);
  return f;
}

// True when `seal` describes an earlier prefix of this log, ending at a
// batch boundary: what an unclean stop leaves after the log grew past the
// last sealed index (the daemon rebuilds it at open; nothing is damaged).
bool seals_a_prefix(const IndexSeal& seal, const LogFacts& want, int64_t base, const Batches& batches) {
  if (seal.log_size >= want.size) return false;
  if (seal.log_size == 0) return seal.next_offset == base && seal.max_timestamp == INT64_MIN;
  auto next = batches.find(seal.log_size);
  if (next == batches.end() || next == batches.begin()) return false;
  const BatchSpan& last = std::prev(next)->second;
  return last.crc == seal.last_batch_crc && last.last + 1 == seal.next_offset;
}

// Reads and unseals an index file; reports a missing file or one sealed for
// an earlier prefix of the log (warnings: rebuilt on open), or a bad seal
// and its disagreements with the log. nullopt: unusable.
std::optional<std::string> sealed_entries(const std::string& file, IndexKind kind, const LogFacts& want,
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
                                    std::to_string(want.size) + " bytes (an unclean stop; rebuilt when the log opens)",
                                false});
    return std::nullopt;
  }
  for (const std::string& wrong : seal_mismatches(seal, want))
    report->problems.push_back(
        {file, at, wrong + " (an index of another version of the segment; rebuilt on open)"});
  return std::string(*entries);
}

void problem(VerifyReport* report, const std::string& file, uint64_t pos, std::string msg) {
  report->problems.push_back({file, pos, std::move(msg), true});
}

// `want` is what a correct seal says (from the segment's readable batches).
void check_offset_index(const std::string& file, int64_t base, const LogFacts& want, const Batches& batches,
                        VerifyReport* report) {
  auto bytes = sealed_entries(file, IndexKind::kOffset, want, base, batches, report);
  if (!bytes) return;
  auto idx = OffsetIndex::Decode(*bytes, want.size);
  if (!idx.ok()) return problem(report, file, 0, idx.status().message());
  for (size_t i = 0; i < idx->entries().size(); ++i) {
    const auto& e = idx->entries()[i];
    auto it = batches.find(e.position);
    if (it == batches.end() || it->second.base != base + e.rel_offset)
      problem(report, file, i * kOffsetEntrySize,
              "entry (offset " + std::to_string(base + e.rel_offset) + ", byte " +
                  std::to_string(e.position) + ") does not point at that batch");
  }
}

void check_time_index(const std::string& file, int64_t base, const LogFacts& want, const Batches& batches,
                      VerifyReport* report) {
  auto bytes = sealed_entries(file, IndexKind::kTime, want, base, batches, report);
  if (!bytes) return;
  auto tidx = TimeIndex::Decode(*bytes);
  if (!tidx.ok()) return problem(report, file, 0, tidx.status().message());
  // Retention goes by the segment's largest timestamp.
  if (auto bad = check_time_index_end(*tidx, base, *want.next_offset, *want.max_timestamp))
    problem(report, file, bad->entry * kTimeEntrySize, bad->message);
  // Each entry claims: no record at or before its offset is newer.
  const auto& te = tidx->entries();
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
      problem(report, file, i * kTimeEntrySize,
              "entry (timestamp " + std::to_string(e.timestamp) + ", offset " +
                  std::to_string(upto) + ") is older than a record before it");
  }
}

}  // namespace

namespace {

// The base offsets of the segments in `dir`, in order.
Result<std::vector<int64_t>> segment_bases(const std::string& dir) {
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
  return bases;
}

// Reads every batch of one segment through the scanner's checking walk
// (the one recovery uses, so both call the same bytes torn or damaged),
// reporting what it cannot read and offsets that do not go up from
// `*next`, which it advances. The valid batches, by position.
Result<Batches> read_batches(const File& file, const std::string& path, int64_t base, uint64_t size,
                             int64_t* next, VerifyReport* report) {
  Batches batches;
  SegmentVisitor visit;
  visit.batch = [&](const ScannedBatch& b, const batch::BatchInfo& info) -> Status {
    if (batches.empty() && b.header.base_offset != base)
      problem(report, path, b.position, "first batch starts at offset " + std::to_string(b.header.base_offset) +
                                            ", not the segment's " + std::to_string(base));
    if (b.header.base_offset < *next)
      problem(report, path, b.position, "offset " + std::to_string(b.header.base_offset) +
                                            " goes backwards (expected at least " + std::to_string(*next) + ")");
    *next = std::max(*next, b.header.next_offset());
    ++report->batches;
    report->records += b.header.records_count;
    batches.emplace(b.position, BatchSpan{b.header.base_offset, b.header.last_offset(), info.max_timestamp,
                                          b.header.crc});
    return Status::OK();
  };
  visit.fault = [&](const ScanFault& f) -> Status {
    if (f.kind == ScanFault::Kind::kTornTail) {
      problem(report, path, f.position, f.why + ": recovery truncates the last " +
                                            std::to_string(size - f.position) + " bytes");
    } else {
      problem(report, path, f.position,
              f.why + (f.resume ? "; reads resume at byte " + std::to_string(*f.resume)
                                : std::string("; nothing valid follows in this file")));
    }
    return Status::OK();
  };
  KS_RETURN_IF_ERROR(walk_segment(file, size, visit));
  return batches;
}

}  // namespace

Result<VerifyReport> verify_partition(const std::string& dir) {
  auto bases = segment_bases(dir);
  if (!bases.ok()) return bases.status();
  VerifyReport report;
  report.start_offset = bases->front();
  int64_t next = bases->front();
  std::string prev_path;
  uint64_t prev_size = 0;
  for (int64_t base : *bases) {
    const std::string stem = dir + "/" + segment_name(base);
    const std::string path = stem + kLogSuffix;
    ++report.segments;
    auto file = File::Open(path, File::Mode::kRead);
    if (!file.ok()) return file.status();
    auto size = (*file)->size();
    if (!size.ok()) return size.status();
    report.bytes += *size;
    if (base < next)
      problem(&report, path, 0, "segment base offset " + std::to_string(base) +
                                    " overlaps the previous segment (ends at " + std::to_string(next) + ")");
    if (base > next && !prev_path.empty())
      problem(&report, prev_path, prev_size,
              "offsets " + std::to_string(next) + ".." + std::to_string(base - 1) + " are missing: " +
                  prev_path + " ends at offset " + std::to_string(next) + " but the next segment, " + path +
                  ", starts at " + std::to_string(base));
    auto batches = read_batches(**file, path, base, *size, &next, &report);
    if (!batches.ok()) return batches.status();
    const LogFacts want = facts_of(*size, base, *batches);
    check_offset_index(stem + kIndexSuffix, base, want, *batches, &report);
    check_time_index(stem + kTimeIndexSuffix, base, want, *batches, &report);
    prev_path = path;
    prev_size = *size;
  }
  report.end_offset = next;
  return report;
}

}  // namespace ks::storage
