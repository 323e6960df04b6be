// Broker: the dynamic broker configs (dynamic_configs.h), kept in meta.db
// and laid under every topic's overrides.
#include "daemon/broker/broker.h"
#include "daemon/broker/logging.h"

namespace ks::server {

Status Broker::load_dynamic_configs() {
  dynamic_ = initial_dynamic_configs();
  for (auto [key, layer] : {std::pair{kClusterConfigsKey, &dynamic_.cluster}, {kNodeConfigsKey, &dynamic_.node}}) {
    auto stored = meta_->get_setting(key);
    if (!stored.ok()) return stored.status();
    if (!*stored) continue;
    auto parsed = layer_from_json(**stored);
    if (!parsed.ok()) return parsed.status();
    // A name or value this version no longer takes is dropped with a
    // warning rather than keeping the daemon from starting.
    for (auto it = parsed->begin(); it != parsed->end();) {
      Status s = validate_dynamic({{it->first, it->second}});
      if (s.ok()) {
        ++it;
        continue;
      }
      log_warn("ignoring broker config %s=%s kept in meta.db: %s", it->first.c_str(), it->second.c_str(),
               s.message().c_str());
      it = parsed->erase(it);
    }
    *layer = std::move(*parsed);
  }
  topic_defaults_ = topic_defaults(dynamic_);
  return Status::OK();
}

Status Broker::set_dynamic_configs(bool node, const ConfigMap& layer, bool validate_only) {
  KS_RETURN_IF_ERROR(validate_dynamic(layer));
  if (validate_only) return Status::OK();
  KS_RETURN_IF_ERROR(meta_->put_setting(node ? kNodeConfigsKey : kClusterConfigsKey, layer_to_json(layer)));
  (node ? dynamic_.node : dynamic_.cluster) = layer;
  topic_defaults_ = topic_defaults(dynamic_);
  for (auto& [name, t] : topics_) {
    t.policy = policy_for(ConfigMap(t.meta.configs.begin(), t.meta.configs.end()), topic_defaults_);
    for (auto& p : t.partitions)
      if (p->log) p->log->set_config(t.policy.log);  // else opened with the policy
  }
  std::string list;
  for (const auto& [k, v] : layer) {
    if (!list.empty()) list += ", ";
    list += k;
    list += '=';
    list += v;
  }
  log_info("broker configs (%s) now: %s", node ? "node 1" : "cluster default", list.empty() ? "none" : list.c_str());
  return Status::OK();
}

}  // namespace ks::server
