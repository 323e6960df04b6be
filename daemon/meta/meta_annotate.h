// Error context for meta.db operations, shared by the MetaStore files:
// a failed operation says what could not be done ("writing setting 'x':
// database or disk is full").
#pragma once

#include <string>
#include <string_view>
#include <utility>

#include "common/status.h"

namespace ks::meta {

inline Status error_of(Status s) { return s; }
template <typename T>
Status error_of(Result<T>&& r) {
  return r.take_status();
}

// Runs `body` and, if it fails, puts the operation in front of the message,
// so "database or disk is full" says what could not be done.
template <typename Body>
auto annotate(std::string_view op, Body&& body) -> decltype(body()) {
  auto r = body();
  if (r.ok()) return r;
  return error_of(std::move(r)).prepend(op);
}

// As above, naming the object: "<op> '<name>': <message>".
template <typename Body>
auto annotate(std::string_view op, std::string_view name, Body&& body) -> decltype(body()) {
  auto r = body();
  if (r.ok()) return r;
  return error_of(std::move(r)).prepend(std::string(op) + " '" + std::string(name) + "'");
}

}  // namespace ks::meta
