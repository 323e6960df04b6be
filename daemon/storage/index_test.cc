#include "daemon/storage/index.h"

#include <doctest/doctest.h>

#include "daemon/storage/format.h"

using namespace ks::storage;

TEST_CASE("segment names are 20 digits and parse back") {
  CHECK(segment_name(0) == "00000000000000000000");
  CHECK(segment_name(42) == "00000000000000000042");
  int64_t base;
  std::string suffix;
  REQUIRE(parse_segment_file_name("00000000000000000042.log", &base, &suffix));
  CHECK(base == 42);
  CHECK(suffix == ".log");
  CHECK_FALSE(parse_segment_file_name("0000000000000000004.log", &base, &suffix));
  CHECK_FALSE(parse_segment_file_name("0000000000000000004x.log", &base, &suffix));
  CHECK_FALSE(parse_segment_file_name("99999999999999999999.log", &base, &suffix));
}

TEST_CASE("offset index lookups find the last entry at or below the target") {
  OffsetIndex idx;
  idx.append(10, 4096);
  idx.append(20, 8200);
  CHECK(idx.lookup(0) == 0);
  CHECK(idx.lookup(9) == 0);
  CHECK(idx.lookup(10) == 4096);
  CHECK(idx.lookup(19) == 4096);
  CHECK(idx.lookup(1000) == 8200);
  CHECK(idx.floor_position(4095) == 0);
  CHECK(idx.floor_position(8199) == 4096);
  CHECK(idx.floor_position(9000) == 8200);
  auto back = OffsetIndex::Decode(idx.encode(), 10000);
  REQUIRE(back.ok());
  CHECK(back->entries().size() == 2);
  CHECK(back->lookup(15) == 4096);
}

TEST_CASE("offset index decoding refuses partial entries, disorder and positions past the log") {
  OffsetIndex idx;
  idx.append(10, 4096);
  idx.append(20, 8200);
  std::string bytes = idx.encode();
  CHECK_FALSE(OffsetIndex::Decode(bytes.substr(0, 12), 10000).ok());
  CHECK_FALSE(OffsetIndex::Decode(bytes, 8200).ok());
  std::string swapped = bytes.substr(8) + bytes.substr(0, 8);
  CHECK_FALSE(OffsetIndex::Decode(swapped, 10000).ok());
}

TEST_CASE("time index finds the last entry older than a timestamp") {
  TimeIndex t;
  t.maybe_append(100, 5);
  t.maybe_append(90, 6);  // not larger: ignored
  t.maybe_append(200, 9);
  CHECK(t.entries().size() == 2);
  CHECK_FALSE(t.last_older_than(100).has_value());
  CHECK(t.last_older_than(101) == 5u);
  CHECK(t.last_older_than(200) == 5u);
  CHECK(t.last_older_than(201) == 9u);
  auto back = TimeIndex::Decode(t.encode());
  REQUIRE(back.ok());
  CHECK(back->max_timestamp() == 200);
  CHECK_FALSE(TimeIndex::Decode(t.encode().substr(1)).ok());
}
