// For the broker's unit tests: a throw-away home directory, removed with
// everything in it when the object goes, and an Executor that runs the
// work at once on the calling thread.
#pragma once

#include <doctest/doctest.h>
#include <stdlib.h>

#include <cstdlib>
#include <functional>
#include <string>

#include "common/status.h"
#include "daemon/broker/broker.h"

namespace ks::server {

struct TempHome {
  TempHome() {
    char tmpl[] = "/tmp/ks-broker-test-XXXXXX";
    REQUIRE(mkdtemp(tmpl) != nullptr);
    path = tmpl;
  }
  ~TempHome() { (void)std::system(("rm -rf '" + path + "'").c_str()); }
  TempHome(const TempHome&) = delete;
  TempHome& operator=(const TempHome&) = delete;
  std::string path;
};

class InlineExecutor final : public Executor {
 public:
  void run(std::function<Status()> work, std::function<void(Status)> done) override { done(work()); }
};

}  // namespace ks::server
