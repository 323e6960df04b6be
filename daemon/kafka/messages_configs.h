// Layouts of the config APIs: DescribeConfigs (32, v0-4, flexible from 4),
// AlterConfigs (33, v0-2, flexible from 2) and IncrementalAlterConfigs
// (44, v0-1, flexible from 1). Schemas in
// shared/reference/kafka-protocol/messages/*Configs*.json.
#pragma once

#include "daemon/kafka/messages.h"

namespace ks::kafka {

// ConfigResource.Type numbers.
enum ConfigResourceType : int8_t {
  kResourceUnknown = 0,
  kResourceTopic = 2,
  kResourceBroker = 4,
  kResourceBrokerLogger = 8,
  kResourceClientMetrics = 16,
  kResourceGroup = 32,
};

// DescribeConfigsResponse.ConfigSource numbers.
enum ConfigSource : int8_t {
  kSourceUnknown = 0,
  kSourceTopic = 1,  // DYNAMIC_TOPIC_CONFIG
  kSourceDynamicBroker = 2,
  kSourceDynamicDefaultBroker = 3,
  kSourceStaticBroker = 4,
  kSourceDefault = 5,
};

// IncrementalAlterConfigs operations.
enum ConfigOperation : int8_t { kOpSet = 0, kOpDelete = 1, kOpAppend = 2, kOpSubtract = 3 };

struct DescribeConfigsRequest {
  struct Resource {
    int8_t type = 0;
    std::string name;
    std::vector<std::string> keys;
    bool all_keys = false;  // keys was null: every config
  };
  std::vector<Resource> resources;
  bool include_synonyms = false;
  bool include_documentation = false;
};
template <class IO>
void serde(IO& io, DescribeConfigsRequest& m, int16_t v) {
  io.array(m.resources, [&](DescribeConfigsRequest::Resource& r) {
    io.i8(r.type);
    io.str(r.name);
    io.array(r.keys, [&](std::string& k) { io.str(k); }, &r.all_keys);
    io.tags();
  });
  if (v >= 1) io.boolean(m.include_synonyms);
  if (v >= 3) io.boolean(m.include_documentation);
  io.tags();
}

struct DescribeConfigsResponse {
  struct Synonym {
    std::string name;
    std::optional<std::string> value;
    int8_t source = 0;
  };
  struct Config {
    std::string name;
    std::optional<std::string> value;
    bool read_only = false;
    bool is_default = false;  // v0 only
    int8_t source = -1;       // v1+
    bool sensitive = false;
    std::vector<Synonym> synonyms;  // v1+
    int8_t type = 0;                // v3+
    std::optional<std::string> documentation;  // v3+
  };
  struct Result {
    int16_t error_code = 0;
    std::optional<std::string> error_message;
    int8_t type = 0;
    std::string name;
    std::vector<Config> configs;
  };
  int32_t throttle_time_ms = 0;
  std::vector<Result> results;
};
template <class IO>
void serde(IO& io, DescribeConfigsResponse& m, int16_t v) {
  io.i32(m.throttle_time_ms);
  io.array(m.results, [&](DescribeConfigsResponse::Result& r) {
    io.i16(r.error_code);
    io.nstr(r.error_message);
    io.i8(r.type);
    io.str(r.name);
    io.array(r.configs, [&](DescribeConfigsResponse::Config& c) {
      io.str(c.name);
      io.nstr(c.value);
      io.boolean(c.read_only);
      if (v == 0) io.boolean(c.is_default);
      if (v >= 1) io.i8(c.source);
      io.boolean(c.sensitive);
      if (v >= 1)
        io.array(c.synonyms, [&](DescribeConfigsResponse::Synonym& s) {
          io.str(s.name);
          io.nstr(s.value);
          io.i8(s.source);
          io.tags();
        });
      if (v >= 3) {
        io.i8(c.type);
        io.nstr(c.documentation);
      }
      io.tags();
    });
    io.tags();
  });
  io.tags();
}

// AlterConfigs and IncrementalAlterConfigs share one request layout; the
// operation is on the wire only in IncrementalAlterConfigs.
struct AlterConfigsRequest {
  struct Config {
    std::string name;
    int8_t op = kOpSet;
    std::optional<std::string> value;
  };
  struct Resource {
    int8_t type = 0;
    std::string name;
    std::vector<Config> configs;
  };
  std::vector<Resource> resources;
  bool validate_only = false;
  bool incremental = false;  // not on the wire: which API it is
};
template <class IO>
void serde(IO& io, AlterConfigsRequest& m, int16_t) {
  io.array(m.resources, [&](AlterConfigsRequest::Resource& r) {
    io.i8(r.type);
    io.str(r.name);
    io.array(r.configs, [&](AlterConfigsRequest::Config& c) {
      io.str(c.name);
      if (m.incremental) io.i8(c.op);
      io.nstr(c.value);
      io.tags();
    });
    io.tags();
  });
  io.boolean(m.validate_only);
  io.tags();
}

struct AlterConfigsResponse {
  struct Result {
    int16_t error_code = 0;
    std::optional<std::string> error_message;
    int8_t type = 0;
    std::string name;
  };
  int32_t throttle_time_ms = 0;
  std::vector<Result> results;
};
template <class IO>
void serde(IO& io, AlterConfigsResponse& m, int16_t) {
  io.i32(m.throttle_time_ms);
  io.array(m.results, [&](AlterConfigsResponse::Result& r) {
    io.i16(r.error_code);
    io.nstr(r.error_message);
    io.i8(r.type);
    io.str(r.name);
    io.tags();
  });
  io.tags();
}

}  // namespace ks::kafka
