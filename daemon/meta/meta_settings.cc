// MetaStore's settings table: small named values (the cluster id, the
// producer id counter, the dynamic broker configs).
#include "daemon/meta/meta_annotate.h"
#include "daemon/meta/meta_store.h"
#include "daemon/meta/sqlite.h"

namespace ks::meta {

Result<std::optional<std::string>> MetaStore::get_setting(const std::string& key) {
  return annotate("reading setting", key, [&]() -> Result<std::optional<std::string>> {
    Query q = db_->query("SELECT value FROM settings WHERE key = ?");
    q.bind(key);
    Result<bool> row = q.step();
    if (!row.ok()) return row.take_status();
    if (!*row) return std::optional<std::string>();
    return std::optional<std::string>(q.text(0));
  });
}

Status MetaStore::put_setting(const std::string& key, const std::string& value) {
  return annotate("writing setting", key, [&]() -> Status {
    return db_
        ->query("INSERT INTO settings(key, value) VALUES (?, ?) "
                "ON CONFLICT(key) DO UPDATE SET value = excluded.value")
        .bind(key)
        .bind(value)
        .run();
  });
}

}  // namespace ks::meta
