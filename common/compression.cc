#include "common/compression.h"

#include <lz4frame.h>
#include <snappy.h>
#include <zlib.h>
#include <zstd.h>

#include <algorithm>
#include <bit>
#include <climits>
#include <cstring>
#include <memory>

#include "common/coding.h"

namespace ks {
namespace {

std::string size_text(size_t n) { return std::to_string(n) + " bytes"; }

Status corrupt(Compression c, std::string_view why) {
  return Status::Corruption("corrupt " + std::string(compression_name(c)) + " data (" +
                            std::string(why) + ")");
}

Status truncated(Compression c) {
  return Status::Corruption("truncated " + std::string(compression_name(c)) + " data");
}

Status over_limit(Compression c, size_t max_size) {
  return Status::InvalidArgument(std::string(compression_name(c)) +
                                 " data decompresses to more than " + size_text(max_size));
}

// The output of a streaming decoder: appended to a string that grows
// geometrically but never past max_size + 1 bytes. The extra byte is how a
// decoder that runs over the limit is caught without trusting any size the
// input claims.
class BoundedOutput {
 public:
  // `expect` is a guess at the output size, used only for the first
  // allocation; it is capped so that a lying header cannot make it large.
  BoundedOutput(std::string* out, size_t max_size, size_t input_size, size_t expect)
      : out_(out), start_(out->size()), limit_(std::min(max_size, SIZE_MAX / 2)) {
    size_t cap = input_size > (SIZE_MAX / 2) / 64 ? SIZE_MAX / 2 : input_size * 64;
    first_ = std::min(std::max(std::min(expect, cap), kMinChunk), limit_ + 1);
  }

  // Room to write into, never empty; nullptr once more than max_size bytes
  // were written.
  char* space(size_t* n) {
    if (written_ > limit_) return nullptr;
    size_t have = out_->size() - start_;
    if (written_ == have) {
      size_t grow = have == 0 ? first_ : std::max(have, kMinChunk);
      out_->resize(start_ + have + std::min(grow, limit_ + 1 - have));
    }
    *n = out_->size() - start_ - written_;
    return out_->data() + start_ + written_;
  }
  void commit(size_t n) { written_ += n; }
  bool over() const { return written_ > limit_; }

  // Trims the string to what was written; on failure, to what it held.
  Status finish(Status s) {
    out_->resize(s.ok() ? start_ + written_ : start_);
    return s;
  }

 private:
  static constexpr size_t kMinChunk = 4 << 10;

  std::string* out_;
  size_t start_;
  size_t limit_;
  size_t first_;
  size_t written_ = 0;
};

// --- gzip -------------------------------------------------------------------

Status gzip_compress(std::string_view in, std::string* out) {
  z_stream zs{};
  // 15 + 16: a 32 KiB window with a gzip header and trailer.
  if (deflateInit2(&zs, Z_DEFAULT_COMPRESSION, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) != Z_OK)
    return Status::IOError("gzip: cannot initialize the compressor");
  std::unique_ptr<z_stream, int (*)(z_stream*)> guard(&zs, deflateEnd);
  size_t old = out->size();
  size_t bound = deflateBound(&zs, static_cast<uLong>(in.size()));
  out->resize(old + bound);
  zs.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(in.data()));
  zs.avail_in = static_cast<uInt>(in.size());
  zs.next_out = reinterpret_cast<Bytef*>(out->data() + old);
  zs.avail_out = static_cast<uInt>(bound);
  int rc = deflate(&zs, Z_FINISH);
  if (rc != Z_STREAM_END) {
    out->resize(old);
    return Status::IOError("gzip: compression failed (" + std::to_string(rc) + ")");
  }
  out->resize(old + zs.total_out);
  return Status::OK();
}

Status gzip_decompress(std::string_view in, size_t max_size, std::string* out) {
  constexpr auto kCodec = Compression::kGzip;
  if (in.empty()) return truncated(kCodec);
  z_stream zs{};
  // 15 + 32: any window size, and detect gzip or zlib from the header.
  if (inflateInit2(&zs, 15 + 32) != Z_OK) return Status::IOError("gzip: cannot initialize the decompressor");
  std::unique_ptr<z_stream, int (*)(z_stream*)> guard(&zs, inflateEnd);
  BoundedOutput sink(out, max_size, in.size(), in.size() * 4);
  const char* next = in.data();
  size_t left = in.size();
  for (;;) {
    if (zs.avail_in == 0 && left > 0) {
      size_t n = std::min<size_t>(left, UINT_MAX);
      zs.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(next));
      zs.avail_in = static_cast<uInt>(n);
      next += n;
      left -= n;
    }
    size_t room;
    char* dst = sink.space(&room);
    if (dst == nullptr) return sink.finish(over_limit(kCodec, max_size));
    room = std::min<size_t>(room, UINT_MAX);
    zs.next_out = reinterpret_cast<Bytef*>(dst);
    zs.avail_out = static_cast<uInt>(room);
    int rc = inflate(&zs, Z_NO_FLUSH);
    sink.commit(room - zs.avail_out);
    if (rc == Z_STREAM_END) {
      if (zs.avail_in == 0 && left == 0) break;
      // Another member follows; anything else fails on its header.
      if (inflateReset(&zs) != Z_OK) return sink.finish(corrupt(kCodec, "reset failed"));
      continue;
    }
    if (rc != Z_OK && rc != Z_BUF_ERROR)
      return sink.finish(corrupt(kCodec, zs.msg != nullptr ? zs.msg : "inflate error " + std::to_string(rc)));
    // Room left over with all input taken: the stream stops short.
    if (zs.avail_in == 0 && left == 0 && zs.avail_out > 0) return sink.finish(truncated(kCodec));
  }
  if (sink.over()) return sink.finish(over_limit(kCodec, max_size));
  return sink.finish(Status::OK());
}

// --- snappy -----------------------------------------------------------------

// A snappy element of n bytes expands to at most 64 bytes per 3 (a copy
// with a two-byte offset), so a claimed length past that is a lie, caught
// before anything is allocated for it.
constexpr size_t kSnappyMaxExpansion = 22;

// Decodes one raw snappy block, appending at most `room` bytes to *out.
Status snappy_raw(std::string_view in, size_t room, size_t max_size, std::string* out) {
  constexpr auto kCodec = Compression::kSnappy;
  size_t n = 0;
  if (!snappy::GetUncompressedLength(in.data(), in.size(), &n)) return corrupt(kCodec, "bad length preamble");
  if (n / kSnappyMaxExpansion > in.size())
    return corrupt(kCodec, "a " + size_text(in.size()) + " block claims " + size_text(n));
  if (n > room) return over_limit(kCodec, max_size);
  size_t old = out->size();
  out->resize(old + n);
  if (!snappy::RawUncompress(in.data(), in.size(), out->data() + old)) {
    out->resize(old);
    return corrupt(kCodec, "bad block");
  }
  return Status::OK();
}

Status snappy_compress(std::string_view in, std::string* out) {
  out->append(kXerialMagic);
  char v[8];
  put_be32(v, 1);      // version
  put_be32(v + 4, 1);  // compatible version
  out->append(v, sizeof v);
  for (size_t pos = 0; pos < in.size(); pos += kXerialBlockSize) {
    size_t n = std::min(kXerialBlockSize, in.size() - pos);
    size_t at = out->size();
    out->resize(at + 4 + snappy::MaxCompressedLength(n));
    size_t written = 0;
    snappy::RawCompress(in.data() + pos, n, out->data() + at + 4, &written);
    put_be32(out->data() + at, static_cast<uint32_t>(written));
    out->resize(at + 4 + written);
  }
  return Status::OK();
}

Status snappy_decompress(std::string_view in, size_t max_size, std::string* out) {
  constexpr auto kCodec = Compression::kSnappy;
  size_t start = out->size();
  if (in.substr(0, kXerialMagic.size()) != kXerialMagic) {
    if (in.empty()) return truncated(kCodec);
    return snappy_raw(in, max_size, max_size, out);
  }
  if (in.size() < kXerialHeaderSize) return truncated(kCodec);
  size_t pos = kXerialHeaderSize;
  while (pos < in.size()) {
    if (in.size() - pos < 4) {
      out->resize(start);
      return truncated(kCodec);
    }
    size_t n = get_be32(in.data() + pos);
    pos += 4;
    if (n > in.size() - pos) {
      out->resize(start);
      return truncated(kCodec);
    }
    size_t produced = out->size() - start;
    if (n > 0) {
      Status s = snappy_raw(in.substr(pos, n), max_size - produced, max_size, out);
      if (!s.ok()) {
        out->resize(start);
        return s;
      }
    }
    pos += n;
  }
  return Status::OK();
}

// --- lz4 --------------------------------------------------------------------

Status lz4_compress(std::string_view in, std::string* out) {
  LZ4F_preferences_t prefs;
  std::memset(&prefs, 0, sizeof prefs);
  prefs.frameInfo.blockSizeID = LZ4F_max64KB;
  prefs.frameInfo.blockMode = LZ4F_blockIndependent;
  size_t old = out->size();
  size_t bound = LZ4F_compressFrameBound(in.size(), &prefs);
  out->resize(old + bound);
  size_t n = LZ4F_compressFrame(out->data() + old, bound, in.data(), in.size(), &prefs);
  if (LZ4F_isError(n)) {
    out->resize(old);
    return Status::IOError(std::string("lz4: ") + LZ4F_getErrorName(n));
  }
  out->resize(old + n);
  return Status::OK();
}

Status lz4_decompress(std::string_view in, size_t max_size, std::string* out) {
  constexpr auto kCodec = Compression::kLz4;
  LZ4F_dctx* raw = nullptr;
  if (LZ4F_isError(LZ4F_createDecompressionContext(&raw, LZ4F_VERSION)))
    return Status::IOError("lz4: cannot initialize the decompressor");
  std::unique_ptr<LZ4F_dctx, LZ4F_errorCode_t (*)(LZ4F_dctx*)> dctx(raw, LZ4F_freeDecompressionContext);
  BoundedOutput sink(out, max_size, in.size(), in.size() * 4);
  const char* src = in.data();
  size_t left = in.size();
  size_t hint = 1;  // 0 once a frame is complete
  while (left > 0 || hint != 0) {
    size_t room;
    char* dst = sink.space(&room);
    if (dst == nullptr) return sink.finish(over_limit(kCodec, max_size));
    size_t src_size = left;
    hint = LZ4F_decompress(dctx.get(), dst, &room, src, &src_size, nullptr);
    if (LZ4F_isError(hint)) return sink.finish(corrupt(kCodec, LZ4F_getErrorName(hint)));
    sink.commit(room);
    src += src_size;
    left -= src_size;
    if (src_size == 0 && room == 0) return sink.finish(left == 0 ? truncated(kCodec) : corrupt(kCodec, "stuck"));
  }
  if (sink.over()) return sink.finish(over_limit(kCodec, max_size));
  return sink.finish(Status::OK());
}

// --- zstd -------------------------------------------------------------------

Status zstd_compress(std::string_view in, std::string* out) {
  size_t old = out->size();
  size_t bound = ZSTD_compressBound(in.size());
  out->resize(old + bound);
  size_t n = ZSTD_compress(out->data() + old, bound, in.data(), in.size(), ZSTD_CLEVEL_DEFAULT);
  if (ZSTD_isError(n)) {
    out->resize(old);
    return Status::IOError(std::string("zstd: ") + ZSTD_getErrorName(n));
  }
  out->resize(old + n);
  return Status::OK();
}

// zstd's own default cap (ZSTD_WINDOWLOG_LIMIT_DEFAULT, which zstd.h
// exposes only to static linking).
constexpr int kZstdDefaultWindowLogMax = 27;

Status zstd_decompress(std::string_view in, size_t max_size, std::string* out) {
  constexpr auto kCodec = Compression::kZstd;
  std::unique_ptr<ZSTD_DCtx, size_t (*)(ZSTD_DCtx*)> dctx(ZSTD_createDCtx(), ZSTD_freeDCtx);
  if (!dctx) return Status::IOError("zstd: cannot initialize the decompressor");
  // The window is allocated as the frame header asks: allow what any
  // producer level uses (8 MiB) and, above that, no more than the output
  // may hold (zstd's own default tops out at 128 MiB).
  int ceil_log2 = max_size > 1 ? static_cast<int>(std::bit_width(max_size - 1)) : 0;
  int window_log = std::clamp(ceil_log2, 23, kZstdDefaultWindowLogMax);
  ZSTD_DCtx_setParameter(dctx.get(), ZSTD_d_windowLogMax, window_log);
  unsigned long long content = ZSTD_getFrameContentSize(in.data(), in.size());
  size_t expect = content < (1ull << 40) ? static_cast<size_t>(content) : in.size() * 4;
  BoundedOutput sink(out, max_size, in.size(), expect);
  ZSTD_inBuffer src{in.data(), in.size(), 0};
  size_t hint = 1;  // 0 once a frame is complete and flushed
  while (src.pos < src.size || hint != 0) {
    size_t room;
    char* dst = sink.space(&room);
    if (dst == nullptr) return sink.finish(over_limit(kCodec, max_size));
    ZSTD_outBuffer o{dst, room, 0};
    size_t before = src.pos;
    hint = ZSTD_decompressStream(dctx.get(), &o, &src);
    if (ZSTD_isError(hint)) return sink.finish(corrupt(kCodec, ZSTD_getErrorName(hint)));
    sink.commit(o.pos);
    if (src.pos == before && o.pos == 0)
      return sink.finish(src.pos == src.size ? truncated(kCodec) : corrupt(kCodec, "stuck"));
  }
  if (sink.over()) return sink.finish(over_limit(kCodec, max_size));
  return sink.finish(Status::OK());
}

}  // namespace

std::string_view compression_name(Compression c) {
  switch (c) {
    case Compression::kNone: return "none";
    case Compression::kGzip: return "gzip";
    case Compression::kSnappy: return "snappy";
    case Compression::kLz4: return "lz4";
    case Compression::kZstd: return "zstd";
  }
  return "unknown";
}

std::optional<Compression> parse_compression(std::string_view name) {
  for (auto c : {Compression::kNone, Compression::kGzip, Compression::kSnappy, Compression::kLz4,
                 Compression::kZstd})
    if (name == compression_name(c)) return c;
  return std::nullopt;
}

Status compress(Compression codec, std::string_view input, std::string* out) {
  if (input.size() > kMaxCompressInput)
    return Status::InvalidArgument("cannot compress " + size_text(input.size()) + ": more than a batch holds");
  switch (codec) {
    case Compression::kNone: out->append(input); return Status::OK();
    case Compression::kGzip: return gzip_compress(input, out);
    case Compression::kSnappy: return snappy_compress(input, out);
    case Compression::kLz4: return lz4_compress(input, out);
    case Compression::kZstd: return zstd_compress(input, out);
  }
  return Status::InvalidArgument("unknown compression codec " + std::to_string(static_cast<int>(codec)));
}

Status decompress(Compression codec, std::string_view input, size_t max_size, std::string* out) {
  switch (codec) {
    case Compression::kNone:
      if (input.size() > max_size) return over_limit(codec, max_size);
      out->append(input);
      return Status::OK();
    case Compression::kGzip: return gzip_decompress(input, max_size, out);
    case Compression::kSnappy: return snappy_decompress(input, max_size, out);
    case Compression::kLz4: return lz4_decompress(input, max_size, out);
    case Compression::kZstd: return zstd_decompress(input, max_size, out);
  }
  return Status::InvalidArgument("unknown compression codec " + std::to_string(static_cast<int>(codec)));
}

}  // namespace ks
