#include "cli/commands/produce_outcome.h"

#include <string>

#include "cli/exit_codes.h"
#include "cli/output.h"

namespace ks::cli {
namespace {

std::string records(int64_t n) { return std::to_string(n) + (n == 1 ? " record" : " records"); }

}  // namespace

int report_lost_connection(const Status& why, const ProduceTally& t) {
  const int64_t open = t.seen - t.acked - t.refused;
  std::string msg = why.message() + ": ";
  if (t.acks == 0) {
    // Nothing is answered with --acks 0: written is all that is known.
    msg += records(t.acked) + " sent (--acks 0: not acknowledged; the daemon may have stored fewer), " +
           std::to_string(open) + " not sent";
  } else {
    msg += records(t.acked) + " acknowledged, " + std::to_string(open) +
           " not acknowledged (the daemon may have stored some of them)";
  }
  if (t.refused > 0) msg += ", " + std::to_string(t.refused) + " refused";
  if (t.input_left) msg += "; the rest of the input was not read";
  print_error(msg);
  return exit_code(Exit::kPartial);
}

int report_input_error(const Status& why, int64_t delivered) {
  print_error(why.message(), delivered > 0 ? std::to_string(delivered) + " records before it were delivered" : "");
  return exit_code(Exit::kError);
}

Status raw_too_large(int64_t limit, uint64_t read) {
  return Status::InvalidArgument("the input (one record with --raw) is over the topic's max.message.bytes (" +
                                 std::to_string(limit) + "): stopped reading after " + std::to_string(read) +
                                 " bytes; nothing was sent");
}

}  // namespace ks::cli
