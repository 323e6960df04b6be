// The compression codecs of Kafka record batches, in the byte formats
// Kafka clients put on the wire. A compressed batch holds its records as
// one block in one of these formats:
//
//   gzip    RFC 1952 gzip (deflate inside). Decoding also takes a zlib
//           stream (zlib's windowBits 15+32) and concatenated members.
//   snappy  snappy-java's "xerial" framing, which the Java client writes:
//             8  magic  0x82 'S' 'N' 'A' 'P' 'P' 'Y' 0x00
//             4  version             int32, big-endian (1)
//             4  compatible version  int32, big-endian (1)
//           then blocks of: int32 big-endian length, one raw snappy block
//           of that many bytes (the writer cuts the input every 32 KiB).
//           Decoding also takes one plain raw snappy block, which
//           librdkafka may send instead.
//   lz4     the LZ4 frame format (magic 0x184D2204). Written with
//           independent 64 KiB blocks and no checksums, which is what the
//           Java client's decoder reads.
//   zstd    zstd frames; decoded with the streaming decoder, so frames
//           without a content size work.
//
// Decoding is bounded: every decoder takes the largest output it may
// produce and stops with an error when the input would go past it, so a
// zip bomb costs at most that much memory. Malformed or truncated input is
// an error, never a crash or an over-read.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "common/status.h"

namespace ks {

// Bits 0-2 of a batch's attributes.
enum class Compression : uint8_t { kNone = 0, kGzip = 1, kSnappy = 2, kLz4 = 3, kZstd = 4 };

// "none", "gzip", "snappy", "lz4", "zstd".
std::string_view compression_name(Compression c);
// The codec named `name` (as compression_name spells it), or nullopt.
std::optional<Compression> parse_compression(std::string_view name);

// The snappy-java framing header, shared by encoder, decoder and tests.
inline constexpr std::string_view kXerialMagic{"\x82SNAPPY\0", 8};
inline constexpr size_t kXerialHeaderSize = 16;  // magic, version, compatible version
inline constexpr size_t kXerialBlockSize = 32 << 10;
static_assert(kXerialMagic.size() + 8 == kXerialHeaderSize);

// Largest input compress() takes; a batch can never be larger.
inline constexpr size_t kMaxCompressInput = 0x7fffffff;

// Appends `input`, compressed with `codec`, to *out (kNone appends it as
// is). Fails only on input over kMaxCompressInput or a library failure.
Status compress(Compression codec, std::string_view input, std::string* out);

// Appends the decompressed form of `input` to *out. Corruption when
// `input` is not valid `codec` data (garbage, truncated, trailing bytes);
// InvalidArgument when it would decompress to more than `max_size` bytes.
// On error *out is left as it was.
Status decompress(Compression codec, std::string_view input, size_t max_size, std::string* out);

}  // namespace ks
