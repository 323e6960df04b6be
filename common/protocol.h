// The native protocol between `ks` and the daemon, over a Unix socket or
// TCP. Every message is one frame:
//
//    0  frame length   uint32 BE  bytes after this field (4 + H + P)
//    4  header length  uint32 BE  H
//    8  header         H bytes    a JSON object (UTF-8)
//  8+H  payload        P bytes    record batches (produce requests, fetch
//                                 responses); empty otherwise
//
// Requests carry {"op": "...", "id": N, ...arguments}; the response to a
// request carries the same "id" and either the op's results or
// "error": {"code": "<code>", "message": "..."}. Codes are the wire names
// of the error table (common/errors.h): not_found, already_exists,
// invalid_argument, corruption, io_error, busy (a connection or
// long-poll limit), unavailable, out_of_range, rebalance_in_progress,
// group_in_use, retry_later (interrupted never crosses the wire). A client
// that meets a name it does not know
// treats it as io_error.
// Requests may be pipelined; responses come back in request order. A frame
// over the size limit or a header that is not a JSON object gets an error
// response (id 0 when unknown) and the connection is closed.
//
// Ops (arguments → results):
//   hello          {client, token?}                         → {server, pid}
//   topics         {topics?: [name], detail?: bool, auto_create?: bool}
//                                                           → {topics: [TopicInfo]}
//                  TopicInfo = {name, partitions, created_ms, configs: {k: v},
//                   partition_info?: [{partition, start, end, size, segments}]}
//                  (detail adds partition_info; a named topic that does not
//                  exist is a not_found error unless auto_create is set and
//                  the daemon auto-creates topics)
//   create_topic   {topic, partitions?, configs?: {k: v}}   → {}
//   delete_topic   {topic}                                  → {}
//   alter_topic    {topic, set?: {k: v}, unset?: [k], partitions?} → {}
//   produce        {topic, partition, acks: 0|1|-1, auto_create?: bool}
//                  + payload of one or more RecordBatch v2  → {base_offset, last_offset}
//                  acks 0 gets no response at all; -1 ("all") is answered
//                  once the records are fsynced.
//   produce_many   {topic, acks, auto_create?, batches: [[partition, bytes], ...]}
//                  + payload: the first entry's bytes of record batches, then
//                  the next entry's, ...                    → {offsets: [[base, last], ...],
//                   errors?: [{index, partition, code, message}]}
//                  (one entry per request entry, in order; [-1, -1] for one that
//                  failed, which fails alone. Entries that do not add up to the
//                  payload refuse the whole request.)
//   fetch          {topic, partitions: [{partition, offset}], max_wait_ms,
//                   min_bytes, max_bytes}                   → {partitions: [{partition,
//                   start, end, bytes, error?}]} + payload: each partition's
//                  `bytes` of whole batches, in order. Waits up to max_wait_ms
//                  until min_bytes are available (long poll), at most 4
//                  waiting per connection (more: busy); a partition error
//                  answers at once. max_bytes is capped at 8 MiB, and
//                  answers wait while the daemon's answer memory is spent.
//   list_offsets   {topic, timestamp: ms | -1 latest | -2 earliest}
//                                                           → {partitions: [{partition, offset,
//                                                              start, end}]}
//
// Consumer groups (the daemon assigns partitions; see daemon/broker/groups.h):
//   join_group     {group, topics: [name], member_id?, session_timeout_ms?,
//                   client_host?, client_pid?}               → {member_id, generation,
//                   assignment: [{topic, partition, committed}]}
//                  (committed: the group's committed offset, -1 when none).
//                  The assignment holds the partitions this member owns now;
//                  partitions moving to it from another member arrive in a
//                  later generation, once that member has committed and let go.
//   fetch          + {group, member_id, generation}: a group member's fetch;
//                  answered at once with error code "rebalance_in_progress"
//                  when the member's generation is stale (commit, then join
//                  again with the same member_id).
//   heartbeat      {group, member_id, generation}           → {} or rebalance_in_progress
//   commit_offsets {group, member_id?, generation?, offsets: [{topic, partition, offset}]}
//                                                           → {}  (offset = next to read;
//                  without member_id only while the group has no members)
//   leave_group    {group, member_id, offsets?: [...]}      → {}  (commits, then leaves)
//   list_groups    {}                                       → {groups: [{group, state, members,
//                                                              topics, lag}]}
//   describe_group {group}                                  → {group, state, generation,
//                   members: [{member_id, host, pid, topics, assignment: [{topic, partition}]}],
//                   offsets: [{topic, partition, committed, end, lag, owner}]}
//                  (committed -1 when none; lag counts from the start offset then)
//   reset_offsets  {group, offsets: [{topic, partition, offset}]} → {} (group_in_use while
//                                                              members live)
//   delete_group   {group}                                  → {} (group_in_use while members live)
//
//   status         {}                                       → {pid, version, home, uptime_ms,
//                                                              listeners, topics, partitions, bytes}
//   shutdown       {}                                       → {} then a graceful stop
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "common/status.h"

namespace ks::protocol {

inline constexpr size_t kLengthSize = 4;
inline constexpr size_t kFramePrefix = 8;  // frame length + header length
inline constexpr size_t kMaxHeaderSize = 1 << 20;
inline constexpr size_t kDefaultMaxFrameSize = 64 << 20;

// Appends a frame with `header` (a serialized JSON object) and `payload`.
void append_frame(std::string* out, std::string_view header, std::string_view payload);
// Writes the 8-byte prefix for a frame whose header and payload follow.
void put_frame_prefix(char* p, size_t header_size, size_t payload_size);

struct Frame {
  std::string_view header;
  std::string_view payload;
  size_t size = 0;  // bytes the whole frame took, prefix included
};

// Frames the bytes at the start of `buf`: the frame when a whole one is
// there; nullopt when it is not yet (not an error: read more bytes);
// kInvalidArgument when the lengths are impossible or over `max_frame`.
Result<std::optional<Frame>> parse_frame(std::string_view buf, size_t max_frame);

// The wire name of a status code ("not_found") and back, from the error
// table; an error named "ok" or with a name this build does not know is
// kIOError.
std::string_view error_code_name(Code code);
Code error_code_from_name(std::string_view name);

}  // namespace ks::protocol
