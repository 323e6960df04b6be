#include "common/protocol.h"

#include "common/coding.h"
#include "common/errors.h"

namespace ks::protocol {

void put_frame_prefix(char* p, size_t header_size, size_t payload_size) {
  put_be32(p, static_cast<uint32_t>(4 + header_size + payload_size));
  put_be32(p + 4, static_cast<uint32_t>(header_size));
}

void append_frame(std::string* out, std::string_view header, std::string_view payload) {
  size_t at = out->size();
  out->resize(at + kFramePrefix);
  put_frame_prefix(out->data() + at, header.size(), payload.size());
  out->append(header);
  out->append(payload);
}

Result<std::optional<Frame>> parse_frame(std::string_view buf, size_t max_frame) {
  if (buf.size() < kFramePrefix) return std::optional<Frame>();
  uint32_t length = get_be32(buf.data());
  uint32_t header = get_be32(buf.data() + 4);
  if (length < 4 || header > length - 4)
    return Status::InvalidArgument("malformed frame: length " + std::to_string(length) +
                                   ", header length " + std::to_string(header));
  if (length > max_frame)
    return Status::InvalidArgument("frame of " + std::to_string(length) + " bytes is over the " +
                                   std::to_string(max_frame) + "-byte limit");
  if (header > kMaxHeaderSize)
    return Status::InvalidArgument("frame header of " + std::to_string(header) +
                                   " bytes is over the limit");
  if (buf.size() < kLengthSize + length) return std::optional<Frame>();
  Frame frame;
  frame.header = buf.substr(kFramePrefix, header);
  frame.payload = buf.substr(kFramePrefix + header, length - 4 - header);
  frame.size = kLengthSize + length;
  return std::optional<Frame>(frame);
}

std::string_view error_code_name(Code code) { return error_info(code).wire_name; }

Code error_code_from_name(std::string_view name) {
  std::optional<Code> code = code_from_wire_name(name);
  // "ok" under "error" is a peer's bug, not a success.
  return code && *code != Code::kOk ? *code : Code::kIOError;
}

}  // namespace ks::protocol
