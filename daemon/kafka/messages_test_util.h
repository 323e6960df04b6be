// Helpers the message layout tests share: encoding a body, and the round
// trip every layout must survive at a version.
#pragma once

#include <doctest/doctest.h>

#include <string>
#include <string_view>

#include "daemon/kafka/messages.h"

namespace ks::kafka::test {

template <class T>
std::string encode_body(T& m, int16_t key, int16_t v) {
  std::string out;
  Encoder e(&out, is_flexible(key, v));
  serde(e, m, v);
  return out;
}

template <class T>
T layout_of(const T& m) {
  T fresh;
  if constexpr (requires { fresh.incremental; }) fresh.incremental = m.incremental;
  return fresh;
}

// Encode → decode → encode gives the same bytes, and no strict prefix of
// the bytes decodes cleanly (the decoder never reads past its input).
// A field that chooses the layout but is not on the wire (AlterConfigs'
// `incremental`) is copied from `m` before decoding. Returns what was
// decoded.
template <class T>
T round_trip(T m, int16_t key, int16_t v) {
  CAPTURE(key);
  CAPTURE(v);
  std::string bytes = encode_body(m, key, v);
  T back = layout_of(m);
  const char* why = nullptr;
  REQUIRE(decode(bytes, key, v, &back, &why));
  CHECK(encode_body(back, key, v) == bytes);
  for (size_t cut = 0; cut < bytes.size(); ++cut) {
    T partial = layout_of(m);
    Decoder d(std::string_view(bytes.data(), cut), is_flexible(key, v));
    serde(d, partial, v);
    CHECK_FALSE((d.ok() && d.remaining() == 0));
  }
  return back;
}

// round_trip at every version kApiRanges serves for `key`.
template <class T>
void round_trip_all(const T& m, int16_t key) {
  const ApiRange* r = find_api(key);
  REQUIRE(r != nullptr);
  REQUIRE(r->max >= r->min);
  for (int16_t v = r->min; v <= r->max; ++v) round_trip(m, key, v);
}

}  // namespace ks::kafka::test
