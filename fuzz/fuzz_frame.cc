// libFuzzer target: the native protocol's framing and request headers, the
// path Server::process and Server::dispatch (daemon/server/server.cc) take
// for every byte a client sends: parse_frame over the connection buffer,
// frame after frame, then each header as a JSON object with its "id" and
// "op" (and, for responses, the "error" code the CLI maps back to a
// Status). The input is the connection's bytes as received.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "common/protocol.h"

namespace {

using nlohmann::json;

void check(bool ok) {
  if (!ok) std::abort();
}

// The header's fields every request reads before its op's own arguments.
void parse_header(std::string_view header) {
  json req = json::parse(header, nullptr, false);
  if (req.is_discarded() || !req.is_object()) return;
  uint64_t id = 0;
  try {
    if (req.contains("id") && req["id"].is_number_unsigned()) id = req["id"].get<uint64_t>();
    std::string op = req.value("op", "");
    (void)op;
    // A response's error, as the CLI reads it (Response::status).
    if (auto e = req.find("error"); e != req.end() && e->is_object() && e->contains("code") &&
                                    (*e)["code"].is_string()) {
      ks::Code code = ks::protocol::error_code_from_name((*e)["code"].get<std::string>());
      check(code != ks::Code::kOk);
      check(ks::protocol::error_code_from_name(ks::protocol::error_code_name(code)) == code);
    }
  } catch (const json::exception&) {
    // The daemon answers these with an error frame; not a crash.
  }
  (void)id;
  // What the daemon parsed it also writes back (frame_of): it must
  // serialize and read back to the same value.
  std::string again = req.dump();
  check(json::parse(again) == req);
}

// Walks `in` as the daemon walks a connection buffer, with `max_frame` as
// the daemon's --max-frame-bytes.
void walk(std::string_view in, size_t max_frame) {
  size_t pos = 0;
  while (pos < in.size()) {
    std::string_view rest = in.substr(pos);
    auto parsed = ks::protocol::parse_frame(rest, max_frame);
    if (!parsed.ok() || !parsed->has_value()) return;  // invalid: the connection closes; nullopt: needs more bytes
    const ks::protocol::Frame& f = **parsed;
    check(f.size >= ks::protocol::kFramePrefix && f.size <= rest.size());
    check(f.size == ks::protocol::kFramePrefix + f.header.size() + f.payload.size());
    check(f.header.data() == rest.data() + ks::protocol::kFramePrefix);
    check(f.payload.data() == f.header.data() + f.header.size());
    check(f.header.size() <= ks::protocol::kMaxHeaderSize && f.size - 4 <= max_frame);
    // Framing the parts again gives back the bytes they came from.
    std::string again;
    ks::protocol::append_frame(&again, f.header, f.payload);
    check(again == rest.substr(0, f.size));
    parse_header(f.header);
    pos += f.size;
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view in(reinterpret_cast<const char*>(data), size);
  walk(in, ks::protocol::kDefaultMaxFrameSize);
  // A small limit too, so frames over it are refused on every path.
  walk(in, 64);
  return 0;
}
