#include "cli/input/format.h"

#include <doctest/doctest.h>

#include <string>

using namespace ks;
using namespace ks::cli;

namespace {

batch::Record sample() {
  batch::Record r;
  r.offset = 42;
  r.timestamp = 1767225600123;
  r.key = "user-1";
  r.value = "hello";
  r.headers = {{"trace", std::string_view("abc")}, {"flag", std::nullopt}};
  return r;
}

std::string render(std::string_view tmpl, const batch::Record& r, int32_t partition = 3) {
  Result<Format> f = Format::Compile(tmpl);
  REQUIRE_MESSAGE(f.ok(), f.status().to_string());
  std::string out;
  f->render(&out, "orders", partition, r);
  return out;
}

std::string error_of(std::string_view tmpl) {
  Result<Format> f = Format::Compile(tmpl);
  REQUIRE_MESSAGE(!f.ok(), tmpl);
  CHECK(f.status().code() == Code::kInvalidArgument);
  return f.status().message();
}

}  // namespace

TEST_CASE("every token renders its part of the record") {
  batch::Record r = sample();
  CHECK(render("%k", r) == "user-1");
  CHECK(render("%v", r) == "hello");
  CHECK(render("%o", r) == "42");
  CHECK(render("%p", r) == "3");
  CHECK(render("%t", r) == "1767225600123");
  CHECK(render("%T", r) == "2026-01-01T00:00:00.123Z");
  CHECK(render("%h", r) == "trace=abc,flag");
  CHECK(render("%K", r) == "6");
  CHECK(render("%V", r) == "5");
  CHECK(render("%s", r) == "orders");
  CHECK(render("%%", r) == "%");
  CHECK(render("%p/%o %k=%v\\n", r) == "3/42 user-1=hello\n");
  CHECK(render("[%s:%p@%o] %%%k%%\\t%v\\r\\n", r) == "[orders:3@42] %user-1%\thello\r\n");
}

TEST_CASE("null key and value render empty, with length -1 like kcat") {
  batch::Record r = sample();
  r.key.reset();
  r.value.reset();
  r.headers.clear();
  CHECK(render("<%k|%v|%K|%V|%h>", r) == "<||-1|-1|>");
  r.key = "";
  r.value = "";
  CHECK(render("<%k|%v|%K|%V>", r) == "<||0|0>");
}

TEST_CASE("binary keys and values are written byte for byte") {
  batch::Record r = sample();
  std::string bytes(256, '\0');
  for (int i = 0; i < 256; ++i) bytes[i] = static_cast<char>(i);
  r.key = bytes;
  r.value = bytes;
  CHECK(render("%k%v", r) == bytes + bytes);
  CHECK(render("%K", r) == "256");
}

TEST_CASE("negative and extreme numbers render in full") {
  batch::Record r = sample();
  r.offset = 9223372036854775807;
  r.timestamp = -1;
  CHECK(render("%o %t %p", r, 2147483647) == "9223372036854775807 -1 2147483647");
}

TEST_CASE("literal text takes escapes, and \\x25 stays a literal percent") {
  batch::Record r = sample();
  CHECK(render("a\\tb\\0c\\\\d", r) == std::string("a\tb\0c\\d", 7));
  CHECK(render("\\x25k", r) == "%k");
  CHECK(render("plain", r) == "plain");
  CHECK(render("", r) == "");
}

TEST_CASE("rendering appends to what the buffer already holds") {
  Result<Format> f = Format::Compile("%o\\n");
  REQUIRE(f.ok());
  batch::Record r = sample();
  std::string out = "head:";
  f->render(&out, "t", 0, r);
  r.offset = 43;
  f->render(&out, "t", 0, r);
  CHECK(out == "head:42\n43\n");
}

TEST_CASE("an unknown token is a usage error naming it and the valid ones") {
  std::string msg = error_of("%p %x");
  CHECK(msg.find("'%x'") != std::string::npos);
  CHECK(msg.find("%k %v %o %p %t %T %h %K %V %s %%") != std::string::npos);
  CHECK(error_of("%é").find("'%é'") != std::string::npos);
  error_of("%K%");
  CHECK(error_of("100%").find("lone '%'") != std::string::npos);
  CHECK(error_of("\\%k").find("%%") != std::string::npos);
  CHECK(error_of("%k\\q").find("'\\q'") != std::string::npos);
  CHECK(error_of("%v\\").find("lone backslash") != std::string::npos);
  // An escaped backslash before a token is fine.
  CHECK(render("\\\\%o", sample()) == "\\42");
}

TEST_CASE("uses_key and friends report which parts are printed") {
  Result<Format> v = Format::Compile("%v\\n");
  REQUIRE(v.ok());
  CHECK_FALSE(v->uses_key());
  CHECK(v->uses_value());
  CHECK_FALSE(v->uses_headers());
  Result<Format> k = Format::Compile("%K %h");
  REQUIRE(k.ok());
  CHECK(k->uses_key());
  CHECK_FALSE(k->uses_value());
  CHECK(k->uses_headers());
  Result<Format> lit = Format::Compile("%%k");
  REQUIRE(lit.ok());
  CHECK_FALSE(lit->uses_key());
}
