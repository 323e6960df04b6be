// UTF-8 validation, so the envelope can tell text (a JSON string) from
// bytes (base64). JSON and nlohmann::json both insist on well-formed UTF-8.
#pragma once

#include <string_view>

namespace ks::cli {

// True for well-formed UTF-8 per RFC 3629: no overlong forms, no UTF-16
// surrogates (U+D800..U+DFFF), nothing above U+10FFFF, no truncated
// sequences. The empty string is valid.
bool is_valid_utf8(std::string_view s);

}  // namespace ks::cli
