// The one table of native ops: a row per op and its handler (op_*.cc).
#include "daemon/native/ops.h"

namespace ks::native {

void op_hello(Session&);
void op_produce(Session&);
void op_produce_many(Session&);
void op_fetch(Session&);
void op_topics(Session&);
void op_create_topic(Session&);
void op_delete_topic(Session&);
void op_alter_topic(Session&);
void op_list_offsets(Session&);
void op_join_group(Session&);
void op_heartbeat(Session&);
void op_commit_offsets(Session&);
void op_leave_group(Session&);
void op_reset_offsets(Session&);
void op_delete_group(Session&);
void op_describe_group(Session&);
void op_list_groups(Session&);
void op_adopt_topic(Session&);
void op_remove_orphans(Session&);
void op_status(Session&);
void op_shutdown(Session&);

namespace {

constexpr Op kOps[] = {
    {"hello", op_hello},
    {"produce", op_produce},
    {"produce_many", op_produce_many},
    {"fetch", op_fetch},
    {"topics", op_topics},
    {"create_topic", op_create_topic},
    {"delete_topic", op_delete_topic},
    {"alter_topic", op_alter_topic},
    {"list_offsets", op_list_offsets},
    {"join_group", op_join_group},
    {"heartbeat", op_heartbeat},
    {"commit_offsets", op_commit_offsets},
    {"leave_group", op_leave_group},
    {"reset_offsets", op_reset_offsets},
    {"delete_group", op_delete_group},
    {"describe_group", op_describe_group},
    {"list_groups", op_list_groups},
    {"adopt_topic", op_adopt_topic},
    {"remove_orphans", op_remove_orphans},
    {"status", op_status},
    {"shutdown", op_shutdown},
};

}  // namespace

const Op* find_op(std::string_view name) {
  for (const auto& op : kOps)
    if (op.name == name) return &op;
  return nullptr;
}

}  // namespace ks::native
