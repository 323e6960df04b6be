#include "common/errors.h"

namespace ks {

std::optional<Code> code_from_wire_name(std::string_view name) {
  for (const ErrorInfo& e : kErrorTable)
    if (e.wire_name == name) return e.code;
  return std::nullopt;
}

}  // namespace ks
