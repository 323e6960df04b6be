// `ks consume -f` output templates, kcat style: "%p/%o %k=%v\n".
//
//   %k key        %v value        %o offset       %p partition
//   %t timestamp (epoch ms)       %T timestamp (RFC 3339, UTC, ms)
//   %h headers as k=v,k2=v2 (a null header value prints as just k)
//   %K key length %V value length (-1 when null, like kcat)
//   %s topic      %% a literal %
//
// Literal text takes the escapes of escapes.h (\n \t \r \0 \\ \xNN). A null
// key or value prints as nothing for %k / %v.
//
// A template is compiled once into tokens; rendering then only appends to
// the caller's buffer, so printing millions of records allocates nothing
// per record beyond that buffer's growth.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "common/record_batch.h"
#include "common/status.h"

namespace ks::cli {

inline constexpr std::string_view kFormatTokens = "%k %v %o %p %t %T %h %K %V %s %%";

class Format {
 public:
  // InvalidArgument for an unknown token, a lone trailing '%' or a bad
  // escape, naming it and listing what is valid.
  static Result<Format> Compile(std::string_view tmpl);

  // Appends one rendered record to *out.
  void render(std::string* out, std::string_view topic, int32_t partition,
              const ks::batch::Record& r) const;

  // Which record parts the template prints, so a caller can skip work (or
  // warn) for the parts nobody will see.
  bool uses_key() const { return uses_key_; }
  bool uses_value() const { return uses_value_; }
  bool uses_headers() const { return uses_headers_; }

 private:
  enum class Field : uint8_t {
    kLiteral, kKey, kValue, kOffset, kPartition, kTimestampMs, kTimestampText,
    kHeaders, kKeyLength, kValueLength, kTopic,
  };
  struct Token {
    Field field;
    // kLiteral: the bytes literals_[pos, pos + len).
    uint32_t pos = 0;
    uint32_t len = 0;
  };

  Format() = default;
  void add_literal(std::string_view bytes);

  std::vector<Token> tokens_;
  std::string literals_;  // every literal's bytes, escapes already decoded
  bool uses_key_ = false;
  bool uses_value_ = false;
  bool uses_headers_ = false;
};

}  // namespace ks::cli
