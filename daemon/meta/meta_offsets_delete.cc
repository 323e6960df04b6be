// Kafka's OffsetDelete on meta.db: a group's committed offsets of some
// partitions go, the group's row stays (Kafka keeps the group until it
// expires).
#include "daemon/meta/meta_store.h"
#include "daemon/meta/sqlite.h"

namespace ks::meta {

Status MetaStore::delete_offsets(const std::string& group,
                                 const std::vector<std::pair<std::string, int32_t>>& partitions) {
  Transaction tx(*db_);
  Status s = tx.begin();
  for (const auto& [topic, partition] : partitions) {
    if (!s.ok()) break;
    s = db_->query("DELETE FROM group_offsets WHERE group_name = ? AND topic = ? AND partition = ?")
            .bind(group)
            .bind(topic)
            .bind(static_cast<int64_t>(partition))
            .run();
  }
  if (s.ok()) s = tx.commit();
  if (!s.ok()) return s.prepend("deleting offsets of group '" + group + "'");
  return s;
}

}  // namespace ks::meta
