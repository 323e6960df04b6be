// ApiVersions (18): the rows of the handler table.
#include "daemon/kafka/handlers/handler.h"

namespace ks::kafka {

void handle_api_versions(Context& cx) {
  ApiVersionsRequest req;
  if (!decode_request(cx, &req)) return;
  ApiVersionsResponse r;
  add_api_ranges(&r.apis);
  reply(cx, r);
}

}  // namespace ks::kafka
