// The native protocol against a real Server on a real loop: the loop runs
// on the test's thread, each client (blocking sockets) on another.
#include "daemon/server/server.h"
#include "daemon/broker/test_names.h"

#include <csignal>
#include <doctest/doctest.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <nlohmann/json.hpp>
#include <fcntl.h>

#include <filesystem>
#include <thread>

#include "common/protocol.h"
#include "common/record_batch.h"
#include "daemon/net/conn.h"

using namespace ks;
using namespace ks::server;
using namespace ks::net;
using json = nlohmann::json;

namespace {

struct Home {
  Home() {
    char tmpl[] = "/tmp/ks-server-test-XXXXXX";
    REQUIRE(mkdtemp(tmpl) != nullptr);
    path = tmpl;
  }
  ~Home() { (void)std::system(("rm -rf '" + path + "'").c_str()); }
  std::string path;
};

// A daemon without the process around it: broker, server, Unix socket.
struct Daemon {
  Daemon() {
    // As `ks daemon` does (daemon.cc): a write to a client that went away is
    // an error to handle, not a signal that ends the process.
    ::signal(SIGPIPE, SIG_IGN);
    uv_loop_init(&loop);
    executor = std::make_unique<UvExecutor>(&loop);
    BrokerOptions bo;
    bo.home = home.path;
    auto b = Broker::Open(bo, executor.get());
    REQUIRE_MESSAGE(b.ok(), b.status().to_string());
    broker = std::move(*b);
    DaemonOptions o;
    o.home = home.path;
    server = std::make_unique<Server>(&loop, broker.get(), o);
    sock = home.path + "/ks.sock";
    REQUIRE(server->listen_unix(sock).ok());
  }

  ~Daemon() {
    bool stopped = false;
    server->begin_shutdown([&] { stopped = true; });
    for (int i = 0; i < 10000 && !stopped; ++i) uv_run(&loop, UV_RUN_NOWAIT);
    CHECK(stopped);
    CHECK(server->held_bytes() == 0);
    server.reset();
    CHECK(broker->close().ok());
    uv_walk(&loop, [](uv_handle_t* h, void*) { if (!uv_is_closing(h)) uv_close(h, nullptr); }, nullptr);
    uv_run(&loop, UV_RUN_DEFAULT);
    CHECK(uv_loop_close(&loop) == 0);
  }

  // Runs the loop until `client`, on another thread, returns; `every_ms`
  // (if set) runs on the loop meanwhile.
  void run(const std::function<void()>& client, const std::function<void()>& every_ms = nullptr) {
    uv_async_t done;
    uv_async_init(&loop, &done, [](uv_async_t* a) { uv_stop(a->loop); });
    uv_timer_t tick;
    uv_timer_init(&loop, &tick);
    tick.data = const_cast<std::function<void()>*>(&every_ms);
    if (every_ms) {
      uv_timer_start(&tick, [](uv_timer_t* t) { (*static_cast<std::function<void()>*>(t->data))(); }, 1, 1);
    }
    std::thread t([&] {
      client();
      uv_async_send(&done);
    });
    uv_run(&loop, UV_RUN_DEFAULT);
    t.join();
    uv_close(reinterpret_cast<uv_handle_t*>(&done), nullptr);
    uv_close(reinterpret_cast<uv_handle_t*>(&tick), nullptr);
    uv_run(&loop, UV_RUN_NOWAIT);
  }

  // Appends `batches` batches of `records` records of `size` bytes to topic-0.
  void fill(const std::string& topic, int batches, int records, size_t size) {
    std::string value(size, 'v');
    for (int i = 0; i < batches; ++i) {
      batch::BatchBuilder b;
      for (int r = 0; r < records; ++r) b.add(std::nullopt, std::string_view(value), 1000 + r);
      std::string data = b.take();
      bool ok = false;
      broker->produce(tn(topic), PartitionId(0), Acks::kLeader, true, data.data(), data.size(),
                      [&](Result<storage::AppendResult> r) { ok = r.ok(); });
      REQUIRE(ok);
    }
  }

  Home home;
  uv_loop_t loop;
  std::unique_ptr<UvExecutor> executor;
  std::unique_ptr<Broker> broker;
  std::unique_ptr<Server> server;
  std::string sock;
};

// A blocking client connection (used on the client thread only).
class Client {
 public:
  explicit Client(const std::string& path) {
    fd_ = ::socket(AF_UNIX, SOCK_STREAM, 0);
    sockaddr_un a{};
    a.sun_family = AF_UNIX;
    std::snprintf(a.sun_path, sizeof a.sun_path, "%s", path.c_str());
    ok_ = ::connect(fd_, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0;
  }
  ~Client() { close(); }
  void close() {
    if (fd_ >= 0) ::close(fd_);
    fd_ = -1;
  }
  bool ok() const { return ok_; }

  bool send(const std::string& header, std::string_view payload = {}) {
    std::string frame;
    protocol::append_frame(&frame, header, payload);
    size_t at = 0;
    while (at < frame.size()) {
      ssize_t n = ::write(fd_, frame.data() + at, frame.size() - at);
      if (n <= 0) return false;
      at += static_cast<size_t>(n);
    }
    return true;
  }
  bool send(const json& header) { return send(header.dump()); }

  // The next answer's header, and the size of its payload; null when the
  // connection closed.
  json receive(size_t* payload_size = nullptr, std::string* payload = nullptr) {
    char prefix[protocol::kFramePrefix];
    if (!read_exact(prefix, sizeof prefix)) return nullptr;
    auto be32 = [](const char* p) {
      const auto* u = reinterpret_cast<const unsigned char*>(p);
      return uint32_t{u[0]} << 24 | uint32_t{u[1]} << 16 | uint32_t{u[2]} << 8 | u[3];
    };
    uint32_t length = be32(prefix), header = be32(prefix + 4);
    std::string rest(length - 4, '\0');
    if (!read_exact(rest.data(), rest.size())) return nullptr;
    if (payload_size) *payload_size = rest.size() - header;
    if (payload) *payload = rest.substr(header);
    return json::parse(rest.substr(0, header));
  }

  json call(const json& header) {
    if (!send(header)) return nullptr;
    return receive();
  }

 private:
  bool read_exact(char* p, size_t n) {
    while (n > 0) {
      ssize_t got = ::read(fd_, p, n);
      if (got <= 0) return false;
      p += got;
      n -= static_cast<size_t>(got);
    }
    return true;
  }

  int fd_ = -1;
  bool ok_ = false;
};

std::string error_code(const json& r) {
  return r.is_object() && r.contains("error") ? r["error"].value("code", "") : "";
}
std::string error_message(const json& r) {
  return r.is_object() && r.contains("error") ? r["error"].value("message", "") : "";
}

int64_t elapsed_ms(std::chrono::steady_clock::time_point since) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - since).count();
}

}  // namespace

TEST_CASE("integers out of a field's range are refused, naming the field, never wrapped") {
  Daemon d;
  REQUIRE(d.broker->create_topic(tn("t"), 1, {}).ok());
  std::vector<std::tuple<std::string, std::string, std::string>> cases = {
      // request, field, range
      {R"({"op": "create_topic", "topic": "pbig", "partitions": 4294967297})", "partitions", "[1, 2147483647]"},
      {R"({"op": "create_topic", "topic": "pneg", "partitions": -5})", "partitions", "[1, 2147483647]"},
      {R"({"op": "create_topic", "topic": "pfloat", "partitions": 2.5})", "partitions", "[1, 2147483647]"},
      {R"({"op": "alter_topic", "topic": "t", "partitions": 4294967298})", "partitions", "[1, 2147483647]"},
      {R"({"op": "produce", "topic": "t", "partition": 4294967296, "acks": 1})", "partition", "[0, 2147483647]"},
      {R"({"op": "produce", "topic": "t", "partition": 0, "acks": 4294967297})", "acks", "[-1, 1]"},
      {R"({"op": "fetch", "topic": "t", "partitions": [{"partition": 4294967296, "offset": 0}]})", "partition",
       "[0, 2147483647]"},
      {R"({"op": "fetch", "topic": "t", "partitions": [{"partition": 0, "offset": 18446744073709551615}]})",
       "offset", "[0, 9223372036854775807]"},
      {R"({"op": "fetch", "topic": "t", "partitions": [], "max_bytes": -1})", "max_bytes",
       "[0, 9223372036854775807]"},
      {R"({"op": "fetch", "topic": "t", "partitions": [], "max_wait_ms": -1})", "max_wait_ms",
       "[0, 9223372036854775807]"},
      {R"({"op": "fetch", "topic": "t", "partitions": [], "min_bytes": 18446744073709551615})", "min_bytes",
       "[0, 9223372036854775807]"},
      {R"({"op": "heartbeat", "group": "g", "member_id": "m", "generation": 2147483648})", "generation",
       "[-2147483648, 2147483647]"},
      {R"({"op": "commit_offsets", "group": "g", "offsets": [{"topic": "t", "partition": -1, "offset": 1}]})",
       "partition", "[0, 2147483647]"},
      {R"({"op": "list_offsets", "topic": "t", "timestamp": 18446744073709551615})", "timestamp",
       "[-2, 9223372036854775807]"},
  };
  std::vector<json> answers;
  d.run([&] {
    Client c(d.sock);
    REQUIRE(c.ok());
    int id = 1;
    for (const auto& [request, field, range] : cases) {
      json r = json::parse(request);
      r["id"] = id++;
      answers.push_back(c.call(r));
    }
  });
  REQUIRE(answers.size() == cases.size());
  for (size_t i = 0; i < cases.size(); ++i) {
    const auto& [request, field, range] = cases[i];
    INFO(request, " -> ", answers[i].dump());
    CHECK(error_code(answers[i]) == "invalid_argument");
    CHECK(error_message(answers[i]).find(field + " must be an integer in " + range) != std::string::npos);
  }
  CHECK(d.broker->topic_count() == 1);  // no topic came out of a wrapped count
  CHECK(d.broker->partition_count(tn("t"), false).value() == 1);
}

TEST_CASE("a long-polling fetch whose partition has an error is answered at once") {
  Daemon d;
  REQUIRE(d.broker->create_topic(tn("t"), 1, {}).ok());
  d.fill("t", 1, 3, 10);
  json missing, out_of_range, later_ok;
  int64_t missing_ms = 0, out_of_range_ms = 0;
  d.run([&] {
    Client c(d.sock);
    auto t0 = std::chrono::steady_clock::now();
    // A 2 min long poll against a 1 min bound: "at once" for a sanitizer
    // build on a loaded machine, and still far from a fetch held to its end.
    missing = c.call({{"op", "fetch"}, {"id", 1}, {"topic", "t"}, {"partitions", {{{"partition", 5}, {"offset", 0}}}},
                      {"max_wait_ms", 120000}, {"min_bytes", 1}});
    missing_ms = elapsed_ms(t0);
    t0 = std::chrono::steady_clock::now();
    out_of_range = c.call({{"op", "fetch"}, {"id", 2}, {"topic", "t"},
                           {"partitions", {{{"partition", 0}, {"offset", 99}}}}, {"max_wait_ms", 120000}});
    out_of_range_ms = elapsed_ms(t0);
    later_ok = c.call({{"op", "status"}, {"id", 3}});
  });
  CHECK(missing_ms < 60000);
  CHECK(out_of_range_ms < 60000);
  REQUIRE(missing.is_object());
  CHECK(missing["partitions"][0]["error"]["code"] == "not_found");
  REQUIRE(out_of_range.is_object());
  CHECK(out_of_range["partitions"][0]["error"]["code"] == "out_of_range");
  CHECK(later_ok.value("id", 0) == 3);
}

TEST_CASE("a connection may park a few long polls, more are answered at once, empty, as on Kafka") {
  Daemon d;
  REQUIRE(d.broker->create_topic(tn("t"), 1, {}).ok());
  std::vector<json> answers;
  d.run([&] {
    Client c(d.sock);
    for (int i = 1; i <= kMaxParkedFetches + 2; ++i)
      REQUIRE(c.send(json{{"op", "fetch"}, {"id", i}, {"topic", "t"}, {"partitions", {{{"partition", 0}, {"offset", 0}}}},
                          {"max_wait_ms", 300}, {"min_bytes", 1}}));
    for (int i = 1; i <= kMaxParkedFetches + 2; ++i) answers.push_back(c.receive());
  });
  REQUIRE(answers.size() == static_cast<size_t>(kMaxParkedFetches + 2));
  for (int i = 0; i < kMaxParkedFetches + 2; ++i) {
    CHECK(answers[i].value("id", 0) == i + 1);
    CHECK(error_code(answers[i]) == "");
    CHECK(answers[i]["partitions"][0].value("bytes", -1) == 0);
  }
}

TEST_CASE("consumers that never read hold a bounded amount of memory, one that reads is still served") {
  Daemon d;
  REQUIRE(d.broker->create_topic(tn("big"), 1, {}).ok());
  d.fill("big", 40, 50, 10000);  // ~20 MB in ~500 KB batches
  size_t peak = 0;
  std::atomic<size_t> peak_seen{0};  // `peak`, for the client thread
  constexpr int kStuck = 12;
  json answer;
  size_t payload = 0;
  d.run(
      [&] {
        std::vector<std::unique_ptr<Client>> stuck;
        for (int i = 0; i < kStuck; ++i) {
          auto c = std::make_unique<Client>(d.sock);
          for (int f = 1; f <= 20; ++f)
            REQUIRE(c->send(json{{"op", "fetch"}, {"id", f}, {"topic", "big"},
                                 {"partitions", {{{"partition", 0}, {"offset", 0}}}}, {"max_bytes", 64 << 20}}));
          stuck.push_back(std::move(c));
        }
        // The reader comes once the stuck answers fill the budget (or after
        // a minute, and the peak check below fails): an event, not a sleep.
        for (int i = 0; i < 60000 && peak_seen.load() < kAnswerBudget; ++i)
          std::this_thread::sleep_for(std::chrono::milliseconds(1));
        Client reader(d.sock);
        answer = reader.send(json{{"op", "fetch"}, {"id", 1}, {"topic", "big"},
                                  {"partitions", {{{"partition", 0}, {"offset", 0}}}}, {"max_bytes", 4 << 20}})
                     ? reader.receive(&payload)
                     : json();
      },
      [&] {
        peak = std::max(peak, d.server->held_bytes());
        peak_seen = peak;
      });
  INFO("peak held bytes: ", peak);
  // The budget, its reserve, and at most one batch over each.
  CHECK(peak <= kAnswerBudget + kAnswerReserve + (2 << 20));
  CHECK(peak >= kAnswerBudget);  // they did fill it
  REQUIRE(answer.is_object());
  CHECK(error_code(answer) == "");
  CHECK(payload > 0);
}

TEST_CASE("records no longer in the page cache are read off the loop and answered as from the cache") {
  Daemon d;
  REQUIRE(d.broker->create_topic(tn("cold"), 1, {}).ok());
  d.fill("cold", 20, 50, 1000);  // ~1 MB
  json fetch{{"op", "fetch"}, {"id", 1}, {"topic", "cold"}, {"partitions", {{{"partition", 0}, {"offset", 0}}}},
             {"max_bytes", 4 << 20}};
  json warm, cold;
  std::string warm_records, cold_records;
  d.run([&] {
    Client c(d.sock);
    REQUIRE(c.send(fetch));
    warm = c.receive(nullptr, &warm_records);
  });
  // Written back and dropped from the cache: the next read of them blocks.
  for (const auto& e : std::filesystem::recursive_directory_iterator(d.home.path + "/data")) {
    if (!e.is_regular_file()) continue;
    int fd = ::open(e.path().c_str(), O_RDONLY);
    REQUIRE(fd >= 0);
    ::fsync(fd);
    ::posix_fadvise(fd, 0, 0, POSIX_FADV_DONTNEED);
    ::close(fd);
  }
  d.run([&] {
    Client c(d.sock);
    REQUIRE(c.send(fetch));
    cold = c.receive(nullptr, &cold_records);
  });
  REQUIRE(warm.is_object());
  REQUIRE(cold.is_object());
  CHECK(error_code(cold) == "");
  CHECK(cold["partitions"] == warm["partitions"]);
  CHECK(warm_records.size() > 500000);
  CHECK(cold_records == warm_records);
  CHECK(d.server->held_bytes() == 0);
}

namespace {

std::string batch_of(int records) {
  batch::BatchBuilder b;
  for (int r = 0; r < records; ++r) b.add(std::nullopt, std::string_view("value"), 1000 + r);
  return b.take();
}

}  // namespace

TEST_CASE("produce_many appends each partition's batches with one answer, an entry fails alone") {
  Daemon d;
  REQUIRE(d.broker->create_topic(tn("m"), 3, {}).ok());
  const std::string a = batch_of(2), b = batch_of(3), c = batch_of(1), bad = batch_of(1);
  json answer, parked, short_payload, after;
  d.run([&] {
    Client reader(d.sock), writer(d.sock);
    // A long poll parked on partition 1 is woken by the request.
    REQUIRE(reader.send(json{{"op", "fetch"}, {"id", 1}, {"topic", "m"},
                             {"partitions", {{{"partition", 1}, {"offset", 0}}}}, {"max_wait_ms", 120000},
                             {"min_bytes", 1}}));
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    json req{{"op", "produce_many"}, {"id", 7}, {"topic", "m"}, {"acks", 1},
             {"batches", {{0, a.size()}, {1, b.size()}, {0, c.size()}, {7, bad.size()}}}};
    REQUIRE(writer.send(req.dump(), a + b + c + bad));
    answer = writer.receive();
    parked = reader.receive();
    // Entries that name more bytes than the payload holds: refused whole.
    json wrong{{"op", "produce_many"}, {"id", 8}, {"topic", "m"}, {"acks", 1},
               {"batches", {{2, a.size()}, {2, b.size() + 1}}}};
    REQUIRE(writer.send(wrong.dump(), a + b));
    short_payload = writer.receive();
    after = writer.call({{"op", "topics"}, {"id", 9}, {"topics", {"m"}}, {"detail", true}});
  });
  REQUIRE(answer.is_object());
  CHECK(answer.value("id", 0) == 7);
  CHECK(answer["offsets"] == json::parse("[[0, 1], [0, 2], [2, 2], [-1, -1]]"));
  REQUIRE(answer["errors"].size() == 1);
  CHECK(answer["errors"][0]["index"] == 3);
  CHECK(answer["errors"][0]["partition"] == 7);
  CHECK(answer["errors"][0]["code"] == "not_found");
  REQUIRE(parked.is_object());
  CHECK(parked["partitions"][0].value("bytes", 0) == static_cast<int64_t>(b.size()));
  CHECK(error_code(short_payload) == "invalid_argument");
  CHECK(error_message(short_payload).find("payload") != std::string::npos);
  REQUIRE(after.is_object());
  const json& parts = after["topics"][0]["partition_info"];
  REQUIRE(parts.size() == 3);
  CHECK(parts[0]["end"] == 3);
  CHECK(parts[1]["end"] == 3);
  CHECK(parts[2]["end"] == 0);  // nothing of the refused request was appended
}
