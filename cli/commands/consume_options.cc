#include "cli/commands/consume_options.h"

#include <limits>

#include "cli/clock.h"
#include "cli/input/position.h"
#include "cli/list_offsets.h"

namespace ks::cli {

Offset Until::stop(PartitionId partition, Offset from, Offset end_at_start) const {
  constexpr int64_t kMax = std::numeric_limits<int64_t>::max();
  switch (kind) {
    case Kind::kFollow: return Offset(kMax);
    case Kind::kEnd: return end_at_start;
    case Kind::kCount: return from.value() > kMax - count ? Offset(kMax) : from + count;
    case Kind::kOffsets: {
      auto it = offsets.find(partition);
      return it == offsets.end() ? end_at_start : it->second;
    }
  }
  return Offset(kMax);
}

batch::Fields record_fields(const ConsumeOptions& o, const Printer& printer) {
  if (printer.prints_headers() || !o.exec.empty() || !o.dead_letter.empty()) return batch::Fields::kAll;
  return batch::Fields::kNoHeaders;
}

Result<Until> parse_until(const ConsumeOptions& o, Client* client) {
  Until u;
  if (o.exit_at_end || o.until == "end") {
    u.kind = Until::Kind::kEnd;
    if (o.until.empty() || o.until == "end") return u;
  }
  if (o.until.empty()) return u;
  if (o.until.size() > 1 && o.until[0] == '+') {
    auto p = parse_position(o.until, 0);
    if (!p.ok() || p->kind != Position::Kind::kFromStart)
      return Status::InvalidArgument("bad --until '" + o.until + "': expected end, +N or @TIME");
    u.kind = Until::Kind::kCount;
    u.count = p->value;
    return u;
  }
  auto p = parse_position(o.until, wall_ms());
  if (!p.ok() || p->kind != Position::Kind::kTimestamp)
    return Status::InvalidArgument("bad --until '" + o.until +
                                   "': expected end, +N or @TIME (RFC 3339, epoch ms, @-1h)");
  auto r = list_offsets(*client, o.topic, p->value);
  if (!r.ok()) return r.status();
  u.kind = Until::Kind::kOffsets;
  for (const auto& e : *r) u.offsets[e.partition] = e.offset;
  return u;
}

}  // namespace ks::cli
