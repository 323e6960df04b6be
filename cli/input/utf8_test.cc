#include "cli/input/utf8.h"

#include <doctest/doctest.h>

#include <string>

using namespace ks::cli;

TEST_CASE("well-formed UTF-8 is accepted") {
  CHECK(is_valid_utf8(""));
  CHECK(is_valid_utf8("plain ascii, long enough to take the 8-byte fast path"));
  CHECK(is_valid_utf8(std::string("nul \0 inside", 12)));
  CHECK(is_valid_utf8("caf\xc3\xa9"));                 // é
  CHECK(is_valid_utf8("\xe2\x82\xac"));                // €
  CHECK(is_valid_utf8("\xf0\x9f\x8c\xb5"));            // 🌵
  CHECK(is_valid_utf8("\xc2\x80"));                    // U+0080, smallest 2-byte
  CHECK(is_valid_utf8("\xe0\xa0\x80"));                // U+0800, smallest 3-byte
  CHECK(is_valid_utf8("\xed\x9f\xbf"));                // U+D7FF, just below surrogates
  CHECK(is_valid_utf8("\xee\x80\x80"));                // U+E000, just above
  CHECK(is_valid_utf8("\xef\xbf\xbf"));                // U+FFFF
  CHECK(is_valid_utf8("\xf0\x90\x80\x80"));            // U+10000, smallest 4-byte
  CHECK(is_valid_utf8("\xf4\x8f\xbf\xbf"));            // U+10FFFF, the largest
  CHECK(is_valid_utf8("12345678\xc3\xa9" "12345678"));  // after and before fast runs
}

TEST_CASE("overlongs, surrogates, out-of-range and truncated sequences are rejected") {
  const char* kBad[] = {
      "\x80",              // lone continuation
      "\xbf",
      "\xc0\x80",          // overlong NUL
      "\xc1\xbf",          // overlong U+007F
      "\xe0\x80\x80",      // overlong 3-byte
      "\xe0\x9f\xbf",      // overlong U+07FF
      "\xf0\x80\x80\x80",  // overlong 4-byte
      "\xf0\x8f\xbf\xbf",  // overlong U+FFFF
      "\xed\xa0\x80",      // U+D800, high surrogate
      "\xed\xbf\xbf",      // U+DFFF, low surrogate
      "\xf4\x90\x80\x80",  // U+110000
      "\xf5\x80\x80\x80",  // lead byte beyond U+10FFFF
      "\xff",
      "\xfe",
      "\xc3",              // truncated 2-byte
      "\xe2\x82",          // truncated 3-byte
      "\xf0\x9f\x8c",      // truncated 4-byte
      "\xc3\x28",          // bad continuation
      "\xe2\x28\xa1",
      "\xf0\x9f\x8c\x28",
      "abcdefgh\xc3",      // truncated after a fast run
  };
  for (const char* bad : kBad) CHECK_FALSE_MESSAGE(is_valid_utf8(bad), bad);
}

TEST_CASE("every single byte is valid alone exactly when it is ASCII") {
  for (int b = 0; b < 256; ++b) {
    CHECK(is_valid_utf8(std::string(1, static_cast<char>(b))) == (b < 0x80));
  }
}

TEST_CASE("every code point encodes to bytes the validator accepts") {
  // Encode each scalar value by the textbook rules and check it passes;
  // surrogates, encoded the same way, must fail.
  auto encode = [](uint32_t cp) {
    std::string s;
    if (cp < 0x80) {
      s += static_cast<char>(cp);
    } else if (cp < 0x800) {
      s += static_cast<char>(0xc0 | cp >> 6);
      s += static_cast<char>(0x80 | (cp & 0x3f));
    } else if (cp < 0x10000) {
      s += static_cast<char>(0xe0 | cp >> 12);
      s += static_cast<char>(0x80 | ((cp >> 6) & 0x3f));
      s += static_cast<char>(0x80 | (cp & 0x3f));
    } else {
      s += static_cast<char>(0xf0 | cp >> 18);
      s += static_cast<char>(0x80 | ((cp >> 12) & 0x3f));
      s += static_cast<char>(0x80 | ((cp >> 6) & 0x3f));
      s += static_cast<char>(0x80 | (cp & 0x3f));
    }
    return s;
  };
  int wrong = 0;
  for (uint32_t cp = 0; cp <= 0x10ffff; ++cp) {
    bool surrogate = cp >= 0xd800 && cp <= 0xdfff;
    if (is_valid_utf8(encode(cp)) == surrogate) ++wrong;
  }
  CHECK(wrong == 0);
}
