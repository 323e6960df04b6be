// The Kafka handler table against the message layouts.
#include <doctest/doctest.h>

#include <set>

#include "daemon/kafka/handlers/handler.h"

using namespace ks::kafka;

TEST_CASE("every Kafka API row serves versions its message layouts describe, once") {
  std::set<int16_t> keys;
  for (const Api& a : apis()) {
    INFO(a.range.name);
    CHECK(keys.insert(a.range.key).second);
    const ApiRange* layout = find_api(a.range.key);
    REQUIRE(layout != nullptr);
    CHECK(a.range.min >= layout->min);
    CHECK(a.range.max <= layout->max);
    CHECK(a.range.min <= a.range.max);
    CHECK((a.handle != nullptr));
    CHECK(find_handler(a.range.key) == &a);
  }
  CHECK(find_handler(4) == nullptr);
}

TEST_CASE("ApiVersions answers from the handler table") {
  std::vector<ApiVersionsResponse::Api> ranges;
  add_api_ranges(&ranges);
  REQUIRE(ranges.size() == apis().size());
  for (size_t i = 0; i < ranges.size(); ++i) {
    CHECK(ranges[i].key == apis()[i].range.key);
    CHECK(ranges[i].min == apis()[i].range.min);
    CHECK(ranges[i].max == apis()[i].range.max);
  }
}
