#include "common/protocol.h"

#include "common/coding.h"

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

Status parse_frame(std::string_view buf, size_t max_frame, Frame* frame) {
  if (buf.size() < kFramePrefix) return Status::Busy("need more bytes");
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
  if (buf.size() < kLengthSize + length) return Status::Busy("need more bytes");
  frame->header = buf.substr(kFramePrefix, header);
  frame->payload = buf.substr(kFramePrefix + header, length - 4 - header);
  frame->size = kLengthSize + length;
  return Status::OK();
}

std::string_view error_code_name(Code code) {
  switch (code) {
    case Code::kOk: return "ok";
    case Code::kNotFound: return "not_found";
    case Code::kAlreadyExists: return "already_exists";
    case Code::kInvalidArgument: return "invalid_argument";
    case Code::kCorruption: return "corruption";
    case Code::kIOError: return "io_error";
    case Code::kBusy: return "busy";
    case Code::kUnavailable: return "unavailable";
    case Code::kOutOfRange: return "out_of_range";
  }
  return "io_error";
}

Code error_code_from_name(std::string_view name) {
  for (Code c : {Code::kNotFound, Code::kAlreadyExists, Code::kInvalidArgument, Code::kCorruption,
                 Code::kIOError, Code::kBusy, Code::kUnavailable, Code::kOutOfRange}) {
    if (error_code_name(c) == name) return c;
  }
  // A group member's stale generation: busy, with a name of its own.
  if (name == "rebalance_in_progress") return Code::kBusy;
  return Code::kIOError;
}

}  // namespace ks::protocol
