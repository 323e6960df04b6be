// DescribeCluster (60): one broker, node 1, which is also the controller.
#include "daemon/kafka/errors.h"
#include "daemon/kafka/handlers/handler.h"
#include "daemon/kafka/messages_admin.h"

namespace ks::kafka {
namespace {

constexpr int8_t kBrokerEndpoints = 1;
constexpr int16_t kUnsupportedEndpointType = 115;

// With no authorizer Kafka allows every operation the cluster resource has
// (AclOperation codes): CREATE 5, ALTER 7, DESCRIBE 8, CLUSTER_ACTION 9,
// DESCRIBE_CONFIGS 10, ALTER_CONFIGS 11, IDEMPOTENT_WRITE 12.
constexpr int32_t kClusterOperations = (1 << 5) | (1 << 7) | (1 << 8) | (1 << 9) | (1 << 10) | (1 << 11) | (1 << 12);

}  // namespace

void handle_describe_cluster(Context& cx) {
  DescribeClusterRequest req;
  if (!decode_request(cx, &req)) return;
  DescribeClusterResponse r;
  r.endpoint_type = req.endpoint_type;
  if (cx.version() >= 1 && req.endpoint_type != kBrokerEndpoints) {
    r.error_code = kUnsupportedEndpointType;
    r.error_message = "a broker describes its brokers only (endpoint type 1), not " + std::to_string(req.endpoint_type);
    return reply(cx, r);
  }
  auto cluster = cx.broker().cluster_id();
  if (!cluster.ok()) {
    r.error_code = default_error(cluster.status());
    r.error_message = cluster.status().message();
    return reply(cx, r);
  }
  r.cluster_id = *cluster;
  r.controller_id = kNodeId;
  r.brokers.push_back({kNodeId, cx.advertised_host(), cx.advertised_port(), std::nullopt});
  if (req.include_cluster_authorized_operations) r.cluster_authorized_operations = kClusterOperations;
  reply(cx, r);
}

}  // namespace ks::kafka
