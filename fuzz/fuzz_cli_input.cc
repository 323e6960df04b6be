// libFuzzer target: the parsers for what users type and pipe into `ks`
// (cli/input): escapes and delimiters, the JSON envelope of
// `ks produce --json`, the position grammar, -f format templates, and
// RFC 3339 times and durations. The first byte modulo 5 picks the parser
// (the seeds use 'A' to 'E'); the rest is its text. Where a parser has an inverse (to_string, write_envelope,
// format_rfc3339_ms), what parses must print and parse back the same.
//
// Not covered: the record splitter of `ks produce` (Splitter in
// cli/commands/produce.cc) is private to that file and reads a file
// descriptor, so there is no function to call.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "cli/input/envelope.h"
#include "cli/input/escapes.h"
#include "cli/input/format.h"
#include "cli/input/position.h"
#include "cli/input/timestamp.h"

namespace {

using namespace ks::cli;
namespace batch = ks::batch;

// A fixed clock: the target must be deterministic.
constexpr int64_t kNowMs = 1'700'000'000'000;

void check(bool ok) {
  if (!ok) std::abort();
}

std::optional<std::string_view> view(const std::optional<std::string>& s) {
  return s ? std::optional<std::string_view>(*s) : std::nullopt;
}

void escapes(std::string_view text) {
  auto bytes = parse_escapes(text);
  auto delim = parse_delimiter(text, "-D");
  if (delim.ok()) {
    check(bytes.ok() && *delim == *bytes && !delim->empty());
  }
  // Decoding only shortens: every escape is two or more bytes for one.
  if (bytes.ok()) check(bytes->size() <= text.size());
}

void envelope(std::string_view line) {
  auto rec = parse_envelope(line);
  if (!rec.ok()) return;
  batch::Record r;
  r.timestamp = rec->timestamp.value_or(0);
  r.key = view(rec->key);
  r.value = view(rec->value);
  for (const auto& [k, v] : rec->headers) r.headers.push_back({k, view(v)});
  std::string out;
  write_envelope(&out, "topic", rec->partition.value_or(0), r);
  auto again = parse_envelope(out);
  check(again.ok());
  EnvelopeRecord want = *rec;
  want.timestamp = r.timestamp;
  want.partition = rec->partition.value_or(0);
  check(*again == want);
}

void position(std::string_view text) {
  auto p = parse_position(text, kNowMs);
  if (!p.ok()) return;
  check(p->value >= 0);
  auto again = parse_position(to_string(*p), kNowMs);
  check(again.ok() && *again == *p);
}

void format(std::string_view in) {
  // The last 8 bytes, when there are more than 8, are the record's
  // timestamp, so %T sees any int64.
  int64_t ts = kNowMs;
  if (in.size() > 8) {
    std::memcpy(&ts, in.data() + in.size() - 8, 8);
    in.remove_suffix(8);
  }
  auto f = Format::Compile(in);
  if (!f.ok()) return;
  batch::Record r;
  r.offset = 42;
  r.timestamp = ts;
  r.key = "key";
  r.value = std::nullopt;
  r.headers = {{"h", "x"}, {"n", std::nullopt}};
  std::string out;
  f->render(&out, "topic", 3, r);
}

void times(std::string_view text) {
  // Printing then parsing holds for the years parse_rfc3339_ms reads,
  // 0000-9999; a zone offset or a leap second can step just outside them.
  constexpr int64_t kYear0Ms = -62'167'219'200'000;
  constexpr int64_t kYear10000Ms = 253'402'300'800'000;
  auto ms = parse_rfc3339_ms(text);
  if (ms.ok() && *ms >= kYear0Ms && *ms < kYear10000Ms) {
    auto again = parse_rfc3339_ms(format_rfc3339_ms(*ms));
    check(again.ok() && *again == *ms);
  }
  auto d = parse_duration_ms(text);
  if (d.ok()) check(*d >= 0);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  std::string_view text(reinterpret_cast<const char*>(data) + 1, size - 1);
  switch (data[0] % 5) {
    case 0: escapes(text); break;
    case 1: envelope(text); break;
    case 2: position(text); break;
    case 3: format(text); break;
    case 4: times(text); break;
  }
  return 0;
}
