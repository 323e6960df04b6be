#include "cli/list_offsets.h"

#include <algorithm>

#include "cli/table.h"

namespace ks::cli {

Result<std::vector<ListedOffset>> list_offsets(Client& client, const std::string& topic, int64_t timestamp) {
  auto r = client.call({{"op", "list_offsets"}, {"topic", topic}, {"timestamp", timestamp}});
  if (!r.ok()) return r.status();
  const nlohmann::json parts = r->header.value("partitions", nlohmann::json::array());
  if (!parts.is_array()) return Status::IOError("list_offsets: the daemon's answer has no partitions array");
  std::vector<ListedOffset> out;
  for (const auto& p : parts) {
    out.push_back({PartitionId(static_cast<int32_t>(int_field(p, "partition"))), Offset(int_field(p, "offset", -1)),
                   {Offset(int_field(p, "start")), Offset(int_field(p, "end"))}});
  }
  std::sort(out.begin(), out.end(),
            [](const ListedOffset& a, const ListedOffset& b) { return a.partition < b.partition; });
  return out;
}

}  // namespace ks::cli
