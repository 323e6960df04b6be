#include "cli/input/envelope.h"

#include <charconv>
#include <limits>
#include <nlohmann/json.hpp>

#include "cli/input/base64.h"
#include "cli/input/utf8.h"

namespace ks::cli {
namespace {

// ordered_json keeps an object's members in input order: Kafka headers are an
// ordered list, so {"b":"1","a":"2"} must not come out sorted.
using json = nlohmann::ordered_json;

void append_int(std::string* out, int64_t v) {
  char buf[24];
  char* end = std::to_chars(buf, buf + sizeof buf, v).ptr;  // 24 bytes hold any int64
  out->append(buf, end);
}

// A JSON string of bytes already known to be valid UTF-8: only '"', '\\'
// and control characters need escaping; everything else is copied in runs.
void append_json_string(std::string* out, std::string_view s) {
  static constexpr char kHex[] = "0123456789abcdef";
  out->push_back('"');
  size_t run = 0;
  for (size_t i = 0; i < s.size(); ++i) {
    unsigned char c = static_cast<unsigned char>(s[i]);
    if (c >= 0x20 && c != '"' && c != '\\') continue;
    out->append(s, run, i - run);
    run = i + 1;
    switch (c) {
      case '"': out->append("\\\""); break;
      case '\\': out->append("\\\\"); break;
      case '\n': out->append("\\n"); break;
      case '\r': out->append("\\r"); break;
      case '\t': out->append("\\t"); break;
      case '\b': out->append("\\b"); break;
      case '\f': out->append("\\f"); break;
      default:
        out->append("\\u00");
        out->push_back(kHex[c >> 4]);
        out->push_back(kHex[c & 15]);
    }
  }
  out->append(s, run, s.size() - run);
  out->push_back('"');
}

// A string when the bytes are UTF-8 text, {"base64":...} otherwise.
void append_bytes(std::string* out, std::string_view bytes) {
  if (is_valid_utf8(bytes)) {
    append_json_string(out, bytes);
  } else {
    out->append("{\"base64\":\"");
    append_base64(out, bytes);
    out->append("\"}");
  }
}

void append_nullable(std::string* out, const std::optional<std::string_view>& bytes) {
  if (bytes) {
    append_bytes(out, *bytes);
  } else {
    out->append("null");
  }
}

Status envelope_error(std::string_view reason) {
  return Status::InvalidArgument("bad JSON envelope: " + std::string(reason));
}

// `field` is a string, null or {"base64": "..."}; `what` names it in errors.
Result<std::optional<std::string>> decode_bytes(const json& field, std::string_view what) {
  if (field.is_null()) return std::optional<std::string>();
  if (field.is_string()) return std::optional<std::string>(field.get<std::string>());
  if (field.is_object() && field.size() == 1 && field.contains("base64") &&
      field["base64"].is_string()) {
    Result<std::string> bytes = base64_decode(field["base64"].get_ref<const std::string&>());
    if (!bytes.ok()) return envelope_error(std::string(what) + ": " + bytes.status().message());
    return std::optional<std::string>(std::move(*bytes));
  }
  return envelope_error(std::string(what) +
                        " must be a string, null or {\"base64\": \"...\"}");
}

Status decode_headers(const json& headers, EnvelopeRecord* rec) {
  if (headers.is_null()) return Status::OK();
  if (headers.is_object()) {
    for (const auto& [k, v] : headers.items()) {
      Result<std::optional<std::string>> value = decode_bytes(v, "header '" + k + "'");
      if (!value.ok()) return value.take_status();
      rec->headers.emplace_back(k, std::move(*value));
    }
    return Status::OK();
  }
  if (!headers.is_array()) {
    return envelope_error("headers must be an array of {\"key\", \"value\"} or an object");
  }
  for (const json& h : headers) {
    if (!h.is_object() || !h.contains("key")) {
      return envelope_error("each header must be an object with a \"key\"");
    }
    Result<std::optional<std::string>> key = decode_bytes(h["key"], "header key");
    if (!key.ok()) return key.take_status();
    if (!*key) return envelope_error("a header key cannot be null");
    std::optional<std::string> value;
    if (auto it = h.find("value"); it != h.end()) {
      Result<std::optional<std::string>> v = decode_bytes(*it, "header value");
      if (!v.ok()) return v.take_status();
      value = std::move(*v);
    }
    rec->headers.emplace_back(std::move(**key), std::move(value));
  }
  return Status::OK();
}

// An integer in [lo, hi]; a float or an out-of-range number is an error.
Result<int64_t> decode_int(const json& field, std::string_view what, int64_t lo, int64_t hi) {
  bool fits = field.is_number_integer() &&
              !(field.is_number_unsigned() &&
                field.get<uint64_t>() > static_cast<uint64_t>(std::numeric_limits<int64_t>::max()));
  if (fits) {
    int64_t v = field.get<int64_t>();
    if (v >= lo && v <= hi) return v;
  }
  return envelope_error(std::string(what) + " must be an integer from " + std::to_string(lo) +
                        " to " + std::to_string(hi));
}

}  // namespace

void write_envelope(std::string* out, std::string_view topic, int32_t partition,
                    const ks::batch::Record& r) {
  out->append("{\"topic\":");
  append_bytes(out, topic);
  out->append(",\"partition\":");
  append_int(out, partition);
  out->append(",\"offset\":");
  append_int(out, r.offset);
  out->append(",\"timestamp\":");
  append_int(out, r.timestamp);
  out->append(",\"key\":");
  append_nullable(out, r.key);
  out->append(",\"value\":");
  append_nullable(out, r.value);
  out->append(",\"headers\":[");
  for (size_t i = 0; i < r.headers.size(); ++i) {
    if (i > 0) out->push_back(',');
    out->append("{\"key\":");
    append_bytes(out, r.headers[i].key);
    out->append(",\"value\":");
    append_nullable(out, r.headers[i].value);
    out->push_back('}');
  }
  out->append("]}\n");
}

Result<EnvelopeRecord> parse_envelope(std::string_view line) {
  // JSON decoding is one of the edges where exceptions are allowed; they stop
  // here. Without exceptions nlohmann could not say what was wrong.
  json j;
  try {
    j = json::parse(line);
  } catch (const json::exception& e) {
    std::string_view what = e.what();
    // Drop nlohmann's "[json.exception.parse_error.101] " prefix.
    if (size_t close = what.find("] "); close != std::string_view::npos) {
      what.remove_prefix(close + 2);
    }
    return envelope_error(what);
  }
  if (!j.is_object()) return envelope_error("each line must be a JSON object");

  EnvelopeRecord rec;
  if (auto it = j.find("key"); it != j.end()) {
    Result<std::optional<std::string>> key = decode_bytes(*it, "key");
    if (!key.ok()) return key.take_status();
    rec.key = std::move(*key);
  }
  if (auto it = j.find("value"); it != j.end()) {
    Result<std::optional<std::string>> value = decode_bytes(*it, "value");
    if (!value.ok()) return value.take_status();
    rec.value = std::move(*value);
  }
  if (auto it = j.find("headers"); it != j.end()) {
    KS_RETURN_IF_ERROR(decode_headers(*it, &rec));
  }
  if (auto it = j.find("timestamp"); it != j.end() && !it->is_null()) {
    Result<int64_t> ts = decode_int(*it, "timestamp", std::numeric_limits<int64_t>::min(),
                                    std::numeric_limits<int64_t>::max());
    if (!ts.ok()) return ts.take_status();
    rec.timestamp = *ts;
  }
  if (auto it = j.find("partition"); it != j.end() && !it->is_null()) {
    Result<int64_t> p = decode_int(*it, "partition", 0, std::numeric_limits<int32_t>::max());
    if (!p.ok()) return p.take_status();
    rec.partition = static_cast<int32_t>(*p);
  }
  return rec;
}

}  // namespace ks::cli
