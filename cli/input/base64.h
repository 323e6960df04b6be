// Standard base64 (RFC 4648 section 4: A-Z a-z 0-9 + /, '=' padding), for
// bytes that cannot travel as JSON strings in the NDJSON envelope.
#pragma once

#include <string>
#include <string_view>

#include "common/status.h"

namespace ks::cli {

void append_base64(std::string* out, std::string_view bytes);
std::string base64_encode(std::string_view bytes);

// Strict: the length must be a multiple of 4, padding only at the end, no
// whitespace or URL-safe characters. Bits left over in the last group are
// ignored, as most decoders do.
Result<std::string> base64_decode(std::string_view text);

}  // namespace ks::cli
