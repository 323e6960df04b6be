// DescribeLogDirs (35): one log directory, the home's data/, holding every
// partition; sizes are the partitions' segment files, total and usable
// bytes the file system's (statvfs).
#include <sys/statvfs.h>

#include <set>

#include "common/layout.h"
#include "daemon/kafka/errors.h"
#include "daemon/kafka/handlers/handler.h"
#include "daemon/kafka/messages_admin.h"

namespace ks::kafka {
namespace {

// The partitions asked for that exist (Kafka leaves unknown ones out).
std::vector<DescribeLogDirsResponse::Topic> describe_topics(Context& cx, const DescribeLogDirsRequest& req) {
  std::vector<DescribeLogDirsResponse::Topic> out;
  auto all = cx.broker().topics({}, true);
  if (!all.ok()) return out;
  std::map<std::string, std::set<int32_t>> wanted;
  for (const auto& t : req.topics) wanted[t.name].insert(t.partitions.begin(), t.partitions.end());
  for (const auto& info : *all) {
    auto w = wanted.find(info.name.str());
    if (!req.all && w == wanted.end()) continue;
    DescribeLogDirsResponse::Topic t;
    t.name = info.name.str();
    for (const auto& p : info.partition_info) {
      if (!req.all && !w->second.count(p.partition.value())) continue;
      t.partitions.push_back({p.partition.value(), static_cast<int64_t>(p.size), 0, false});
    }
    if (!t.partitions.empty()) out.push_back(std::move(t));
  }
  return out;
}

}  // namespace

void handle_describe_log_dirs(Context& cx) {
  DescribeLogDirsRequest req;
  if (!decode_request(cx, &req)) return;
  DescribeLogDirsResponse r;
  DescribeLogDirsResponse::Dir dir;
  dir.log_dir = layout::in_home(cx.options().home, layout::kDataDir);
  struct statvfs fs {};
  if (::statvfs(dir.log_dir.c_str(), &fs) == 0) {
    dir.total_bytes = static_cast<int64_t>(fs.f_blocks) * static_cast<int64_t>(fs.f_frsize);
    dir.usable_bytes = static_cast<int64_t>(fs.f_bavail) * static_cast<int64_t>(fs.f_frsize);
  } else {
    dir.error_code = kKafkaStorageError;
  }
  dir.topics = describe_topics(cx, req);
  r.results.push_back(std::move(dir));
  reply(cx, r);
}

}  // namespace ks::kafka
