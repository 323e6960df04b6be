// ListGroups (16): every group with its protocol type; from v4 its state
// and from v5 its type (classic or consumer), each filterable. Kafka
// compares filters without regard to case.
#include <algorithm>
#include <cctype>

#include "daemon/kafka/handlers/handler.h"

namespace ks::kafka {
namespace {

bool same_word(std::string_view a, std::string_view b) {
  return std::equal(a.begin(), a.end(), b.begin(), b.end(),
                    [](char x, char y) { return std::tolower(static_cast<unsigned char>(x)) ==
                                                std::tolower(static_cast<unsigned char>(y)); });
}

bool passes(const std::vector<std::string>& filter, std::string_view value) {
  return filter.empty() ||
         std::any_of(filter.begin(), filter.end(), [&](const std::string& f) { return same_word(f, value); });
}

}  // namespace

void handle_list_groups(Context& cx) {
  ListGroupsRequest req;
  if (!decode_request(cx, &req)) return;
  server::Broker& broker = cx.broker();
  ListGroupsResponse r;
  for (auto& [name, protocol_type] : broker.kafka_groups().list()) {
    ListGroupsResponse::Group g{name, protocol_type, "Empty", "classic"};
    auto consumer = broker.consumer_groups().describe(name);
    if (consumer && consumer->error == 0 && !broker.kafka_groups().has_members(name)) {
      g.state = consumer->state;
      g.type = "consumer";
    } else if (std::string state = broker.kafka_groups().describe(name).state; state != "Dead") {
      g.state = state;  // classic and native groups; a group known by its offsets alone is Empty
    }
    if (passes(req.states_filter, g.state) && passes(req.types_filter, g.type)) r.groups.push_back(std::move(g));
  }
  reply(cx, r);
}

}  // namespace ks::kafka
