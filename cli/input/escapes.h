// Backslash escapes in what users type on the command line: delimiters
// (`-D '\n'`, `-K '\t'`) and the literal parts of `-f` templates. A shell
// cannot easily pass a NUL or a tab, so these spell bytes instead.
#pragma once

#include <string>
#include <string_view>

#include "common/status.h"

namespace ks::cli {

// What parse_escapes accepts, for error messages and help text.
inline constexpr std::string_view kAcceptedEscapes =
    "\\n \\t \\r \\0 \\\\ and \\xNN (exactly two hex digits)";

// Turns \n \t \r \0 \\ and \xNN into the bytes they name; every other byte
// is copied as is. Any other backslash sequence, a lone trailing backslash
// or a \x without two hex digits is InvalidArgument naming the sequence.
Result<std::string> parse_escapes(std::string_view text);

// parse_escapes for a delimiter flag, which must name at least one byte.
// `flag_name` ("-D", "--key-delimiter") prefixes any error message.
Result<std::string> parse_delimiter(std::string_view flag_value, std::string_view flag_name);

}  // namespace ks::cli
