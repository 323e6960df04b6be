// Writes the generated seeds of the fuzz corpus (make_corpus.sh runs it):
//
//   make_fuzz_corpus OUT_DIR CAPTURES_DIR
//
// OUT_DIR/fuzz_record_batch/: mode byte + batches built with BatchBuilder
// for every codec, edge cases (no records, two batches, a torn tail, a bad
// CRC), and the batches real clients sent in the Produce requests under
// CAPTURES_DIR (tests/kafka/captures). OUT_DIR/fuzz_frame/: native protocol
// frames as `ks` sends them.
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <string_view>
#include <vector>

#include "common/protocol.h"
#include "common/record_batch.h"
#include "daemon/kafka/messages.h"

namespace {

namespace fs = std::filesystem;
namespace batch = ks::batch;

void write(const fs::path& dir, const std::string& name, std::string_view bytes) {
  fs::create_directories(dir);
  std::ofstream(dir / name, std::ios::binary).write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
}

std::string read(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), {}};
}

std::string sample_batch(batch::Compression codec, int records) {
  batch::BatchBuilder b(codec);
  const batch::Header headers[] = {{"trace", "abc"}, {"empty", std::nullopt}};
  for (int i = 0; i < records; ++i) {
    std::string value = "value " + std::to_string(i) + " " + std::string(40, 'x');
    std::optional<std::string_view> key;
    if (i % 3 != 0) key = i % 3 == 1 ? "k1" : "k2";
    if (i == 2) {
      b.add(key, std::nullopt, 1'700'000'000'000 + i);  // a tombstone
    } else {
      b.add(key, value, 1'700'000'000'000 + i * 7, i % 2 ? std::span(headers) : std::span<const batch::Header>());
    }
  }
  return b.take();
}

void record_batches(const fs::path& out, const fs::path& captures) {
  const fs::path dir = out / "fuzz_record_batch";
  for (auto codec : {batch::Compression::kNone, batch::Compression::kGzip, batch::Compression::kSnappy,
                     batch::Compression::kLz4, batch::Compression::kZstd}) {
    std::string name(batch::compression_name(codec));
    std::string b = sample_batch(codec, 6);
    write(dir, name + "-6.bin", '\0' + b);
    write(dir, name + "-6-stamp.bin", '\1' + b);
    if (codec == batch::Compression::kNone) {
      write(dir, "none-0.bin", '\0' + sample_batch(codec, 0));
      write(dir, "none-1.bin", '\0' + sample_batch(codec, 1));
      write(dir, "none-two-batches.bin", '\0' + b + sample_batch(codec, 2));
      write(dir, "none-torn-tail.bin", '\0' + b + b.substr(0, b.size() / 2));
      std::string bad = b;
      bad[bad.size() - 1] ^= 1;
      write(dir, "none-bad-crc.bin", '\0' + bad);
    }
  }
  // Client batches: librdkafka's raw snappy, kafka-python's gzip, ...
  for (const auto& client : fs::directory_iterator(captures)) {
    if (!client.is_directory()) continue;
    for (const auto& file : fs::directory_iterator(client.path())) {
      std::string fname = file.path().filename().string();
      if (!fname.starts_with("0-Produce-")) continue;
      std::string frame = read(file.path());
      ks::kafka::Decoder d(frame);
      ks::kafka::RequestHeader h;
      serde(d, h);
      ks::kafka::ProduceRequest req;
      const char* why = "";
      std::string_view body(d.position(), d.remaining());
      if (!d.ok() || !decode(body, ks::kafka::kProduce, h.api_version, &req, &why)) {
        std::fprintf(stderr, "make_fuzz_corpus: %s: %s\n", file.path().c_str(), why);
        continue;
      }
      int n = 0;
      for (const auto& t : req.topics)
        for (const auto& p : t.partitions)
          write(dir, client.path().filename().string() + "-" + fname.substr(0, fname.size() - 4) + "-" +
                         std::to_string(n++) + ".bin", '\0' + std::string(p.records));
    }
  }
}

std::string frame(std::string_view header, std::string_view payload = {}) {
  std::string out;
  ks::protocol::append_frame(&out, header, payload);
  return out;
}

void frames(const fs::path& out) {
  const fs::path dir = out / "fuzz_frame";
  write(dir, "hello.bin", frame(R"({"op":"hello","id":1,"client":"ks 0.1.0","token":"t0k"})"));
  write(dir, "produce.bin", frame(R"({"op":"produce","id":2,"topic":"t","partition":0,"acks":1})",
                                  sample_batch(batch::Compression::kNone, 3)));
  write(dir, "fetch.bin", frame(R"({"op":"fetch","id":3,"topic":"t","partitions":[{"partition":0,"offset":0}],)"
                                R"("max_wait_ms":500,"min_bytes":1,"max_bytes":1048576})"));
  write(dir, "topics.bin", frame(R"({"op":"topics","id":4,"topics":["a","b"],"detail":true})"));
  write(dir, "join-group.bin", frame(R"({"op":"join_group","id":5,"group":"g","topics":["t"],)"
                                     R"("session_timeout_ms":10000,"client_pid":123})"));
  write(dir, "commit.bin", frame(R"({"op":"commit_offsets","id":6,"group":"g","offsets":)"
                                 R"([{"topic":"t","partition":0,"offset":17}]})"));
  write(dir, "pipelined.bin", frame(R"({"op":"status","id":7})") + frame(R"({"op":"list_groups","id":8})") +
                                  frame(R"({"op":"shutdown","id":9})"));
  write(dir, "unicode-floats.bin", frame(R"({"op":"x","id":1e3,"s":"\u00e9\ud83d\ude00","n":[-0.0,1.5e300,null,true]})"));
  write(dir, "error-responses.bin",
        frame(R"({"id":3,"error":{"code":"not_found","message":"topic 't' does not exist"}})") +
            frame(R"({"id":4,"error":{"code":"rebalance_in_progress","message":"generation 3 is stale"}})"));
  write(dir, "not-object.bin", frame(R"(["op","hello"])"));
  write(dir, "partial.bin", frame(R"({"op":"status","id":10})").substr(0, 12));
  std::string bad(8, '\0');
  ks::protocol::put_frame_prefix(bad.data(), 100, 0);  // header longer than the frame says
  bad[3] = 2;
  write(dir, "bad-lengths.bin", bad);
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 3) {
    std::fprintf(stderr, "usage: make_fuzz_corpus OUT_DIR CAPTURES_DIR\n");
    return 2;
  }
  record_batches(argv[1], argv[2]);
  frames(argv[1]);
  return 0;
}
