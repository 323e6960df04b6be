#include "daemon/storage/index_seal.h"

#include <cstdio>
#include <cstring>

#include "common/coding.h"
#include "common/crc32c.h"
#include "daemon/storage/format.h"

namespace ks::storage {
namespace {

const char* magic_of(IndexKind kind) {
  return kind == IndexKind::kOffset ? kOffsetIndexMagic : kTimeIndexMagic;
}

}  // namespace

std::string seal_index(IndexKind kind, std::string entries, const IndexSeal& seal) {
  const size_t at = entries.size();
  entries.resize(at + kIndexSealSize);
  char* p = entries.data() + at;
  std::memcpy(p, magic_of(kind), 4);
  put_be64(p + 4, seal.log_size);
  put_be64(p + 12, static_cast<uint64_t>(seal.next_offset));
  put_be32(p + 20, seal.last_batch_crc);
  put_be64(p + 24, static_cast<uint64_t>(seal.max_timestamp));
  put_be64(p + 32, static_cast<uint64_t>(seal.max_timestamp_offset));
  put_be32(p + 40, crc32c::value(entries.data(), at + 40));
  return entries;
}

Result<std::string_view> unseal_index(IndexKind kind, std::string_view file, IndexSeal* seal) {
  if (file.size() < kIndexSealSize)
    return Status::Corruption("no seal: " + std::to_string(file.size()) +
                              " bytes, too short (a torn write, or an older format)");
  const size_t at = file.size() - kIndexSealSize;
  const char* p = file.data() + at;
  if (std::memcmp(p, magic_of(kind), 4) != 0)
    return Status::Corruption(std::memcmp(p, magic_of(kind == IndexKind::kOffset ? IndexKind::kTime
                                                                                 : IndexKind::kOffset),
                                          4) == 0
                                  ? "the seal is another kind of index's"
                                  : "no seal (zeroed or torn by a crash, or an older format)");
  const uint32_t stored = get_be32(p + 40);
  const uint32_t computed = crc32c::value(file.data(), at + 40);
  if (stored != computed) {
    char buf[96];
    std::snprintf(buf, sizeof buf, "seal CRC mismatch: stored %08x, computed %08x", stored, computed);
    return Status::Corruption(buf);
  }
  seal->log_size = get_be64(p + 4);
  seal->next_offset = static_cast<int64_t>(get_be64(p + 12));
  seal->last_batch_crc = get_be32(p + 20);
  seal->max_timestamp = static_cast<int64_t>(get_be64(p + 24));
  seal->max_timestamp_offset = static_cast<int64_t>(get_be64(p + 32));
  return file.substr(0, at);
}

}  // namespace ks::storage
