#include "common/status.h"

#include <cstring>

#include "common/errors.h"

namespace ks {

std::string_view code_name(Code code) { return error_info(code).text; }

Status Status::FromErrno(std::string_view what, int err) {
  std::string msg(what);
  msg += ": ";
  msg += std::strerror(err);
  return Status(Code::kIOError, std::move(msg));
}

std::string Status::to_string() const {
  if (ok()) return "ok";
  std::string s(code_name(code_));
  s += ": ";
  s += message_;
  return s;
}

Status& Status::prepend(std::string_view context) {
  if (!ok()) message_ = std::string(context) + ": " + message_;
  return *this;
}

}  // namespace ks
