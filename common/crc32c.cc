#include "common/crc32c.h"

#include <array>
#include <cstring>

namespace ks::crc32c {
namespace {

constexpr uint32_t kPoly = 0x82F63B78;  // reflected Castagnoli polynomial

// slicing-by-8 tables: kTables[0] is the classic byte table; kTables[k][b]
// is the CRC contribution of byte b followed by k zero bytes.
struct Tables {
  uint32_t t[8][256];
};

constexpr Tables make_tables() {
  Tables tab{};
  for (uint32_t i = 0; i < 256; ++i) {
    uint32_t c = i;
    for (int k = 0; k < 8; ++k) c = (c & 1) ? (c >> 1) ^ kPoly : c >> 1;
    tab.t[0][i] = c;
  }
  for (uint32_t i = 0; i < 256; ++i) {
    for (int k = 1; k < 8; ++k) tab.t[k][i] = (tab.t[k - 1][i] >> 8) ^ tab.t[0][tab.t[k - 1][i] & 0xff];
  }
  return tab;
}

constexpr Tables kTables = make_tables();

// CRC register update without the pre/post inversion of the standard CRC.
uint32_t raw_portable(uint32_t c, const unsigned char* p, size_t n) {
  while (n > 0 && (reinterpret_cast<uintptr_t>(p) & 7) != 0) {
    c = kTables.t[0][(c ^ *p++) & 0xff] ^ (c >> 8);
    --n;
  }
  while (n >= 8) {
    uint64_t w;
    std::memcpy(&w, p, 8);  // little-endian machine assumed (x86_64)
    w ^= c;
    c = kTables.t[7][w & 0xff] ^ kTables.t[6][(w >> 8) & 0xff] ^ kTables.t[5][(w >> 16) & 0xff] ^
        kTables.t[4][(w >> 24) & 0xff] ^ kTables.t[3][(w >> 32) & 0xff] ^
        kTables.t[2][(w >> 40) & 0xff] ^ kTables.t[1][(w >> 48) & 0xff] ^ kTables.t[0][w >> 56];
    p += 8;
    n -= 8;
  }
  while (n-- > 0) c = kTables.t[0][(c ^ *p++) & 0xff] ^ (c >> 8);
  return c;
}

#if defined(__x86_64__)

// The hardware path runs three independent crc32 streams over adjacent
// blocks (the instruction has a latency of three cycles and a throughput of
// one), then merges them. Merging needs "advance this register over N zero
// bytes", which is linear in the register: a table per register byte.
constexpr size_t kLongBlock = 8192;
constexpr size_t kShortBlock = 256;

struct ShiftTable {
  uint32_t t[4][256];
};

// Advancing over zero bytes is linear in the register, so the 1024 entries
// are XORs of the 32 single-bit images: 32 CRC runs instead of 1024 (the
// tables are built when the first long buffer is checksummed, in every
// short-lived `ks` process that checksums one).
ShiftTable make_shift_table(size_t zero_bytes) {
  static const unsigned char kZeros[kLongBlock] = {};
  uint32_t bit[32];
  for (int i = 0; i < 32; ++i) bit[i] = raw_portable(1u << i, kZeros, zero_bytes);
  ShiftTable s{};
  for (int k = 0; k < 4; ++k) {
    for (uint32_t b = 0; b < 256; ++b) {
      uint32_t v = 0;
      for (int j = 0; j < 8; ++j)
        if (b >> j & 1) v ^= bit[8 * k + j];
      s.t[k][b] = v;
    }
  }
  return s;
}

inline uint32_t shift(const ShiftTable& s, uint32_t c) {
  return s.t[0][c & 0xff] ^ s.t[1][(c >> 8) & 0xff] ^ s.t[2][(c >> 16) & 0xff] ^ s.t[3][c >> 24];
}

const ShiftTable& long_shift() {
  static const ShiftTable s = make_shift_table(kLongBlock);
  return s;
}
const ShiftTable& short_shift() {
  static const ShiftTable s = make_shift_table(kShortBlock);
  return s;
}

// Inlined into the loops below, which carry the same target: a lambda
// without it made this a call per 8 bytes (callgrind counted about 8
// instructions per 8 bytes checked).
__attribute__((target("sse4.2"), always_inline)) inline uint64_t crc_u64(uint64_t c, const unsigned char* p) {
  uint64_t w;
  std::memcpy(&w, p, 8);
  return __builtin_ia32_crc32di(c, w);
}

// Three streams over adjacent blocks of kBlock bytes, while 3 * kBlock
// bytes remain; advances *p and *n past what it checked.
template <size_t kBlock>
__attribute__((target("sse4.2"))) uint32_t three_way(uint32_t c, const unsigned char** p, size_t* n,
                                                     const ShiftTable& table) {
  const unsigned char* q = *p;
  size_t left = *n;
  while (left >= 3 * kBlock) {
    uint64_t c0 = c, c1 = 0, c2 = 0;
    for (size_t i = 0; i < kBlock; i += 8) {
      c0 = crc_u64(c0, q + i);
      c1 = crc_u64(c1, q + kBlock + i);
      c2 = crc_u64(c2, q + 2 * kBlock + i);
    }
    c = shift(table, static_cast<uint32_t>(c0)) ^ static_cast<uint32_t>(c1);
    c = shift(table, c) ^ static_cast<uint32_t>(c2);
    q += 3 * kBlock;
    left -= 3 * kBlock;
  }
  *p = q;
  *n = left;
  return c;
}

__attribute__((target("sse4.2"))) uint32_t raw_hardware(uint32_t c, const unsigned char* p,
                                                        size_t n) {
  while (n > 0 && (reinterpret_cast<uintptr_t>(p) & 7) != 0) {
    c = __builtin_ia32_crc32qi(c, *p++);
    --n;
  }
  if (n >= 3 * kLongBlock) c = three_way<kLongBlock>(c, &p, &n, long_shift());
  if (n >= 3 * kShortBlock) c = three_way<kShortBlock>(c, &p, &n, short_shift());
  uint64_t c64 = c;
  while (n >= 8) {
    c64 = crc_u64(c64, p);
    p += 8;
    n -= 8;
  }
  c = static_cast<uint32_t>(c64);
  while (n-- > 0) c = __builtin_ia32_crc32qi(c, *p++);
  return c;
}

#endif

bool detect_hardware() {
#if defined(__x86_64__)
  __builtin_cpu_init();  // may run before libgcc's own constructor
  return __builtin_cpu_supports("sse4.2");
#else
  return false;
#endif
}

const bool kHaveHardware = detect_hardware();

}  // namespace

bool hardware_available() { return kHaveHardware; }

uint32_t extend_portable(uint32_t crc, const void* data, size_t n) {
  return ~raw_portable(~crc, static_cast<const unsigned char*>(data), n);
}

uint32_t extend_hardware(uint32_t crc, const void* data, size_t n) {
#if defined(__x86_64__)
  return ~raw_hardware(~crc, static_cast<const unsigned char*>(data), n);
#else
  return extend_portable(crc, data, n);
#endif
}

uint32_t extend(uint32_t crc, const void* data, size_t n) {
  return kHaveHardware ? extend_hardware(crc, data, n) : extend_portable(crc, data, n);
}

}  // namespace ks::crc32c
