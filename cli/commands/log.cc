// `ks log dump PATH` and `ks log verify DIR`: offline tools that read
// segment files directly, no daemon involved.
#include <CLI/CLI.hpp>
#include <sys/stat.h>

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cstdio>
#include <memory>
#include <string>
#include <vector>

#include "cli/commands/commands.h"
#include "cli/exit_codes.h"
#include "cli/input/envelope.h"
#include "cli/output.h"
#include "common/layout.h"
#include "common/record_batch.h"
#include "daemon/meta/orphans.h"
#include "daemon/storage/file.h"
#include "daemon/storage/format.h"
#include "daemon/storage/scanner.h"
#include "daemon/storage/verify.h"

namespace ks::cli {
namespace {

struct LogOptions {
  std::string path;
  std::string output = "text";
  bool headers_only = false;
};

bool is_dir(const std::string& p) {
  struct stat st;
  return ::stat(p.c_str(), &st) == 0 && S_ISDIR(st.st_mode);
}

// The .log files of a partition directory, oldest first.
Result<std::vector<std::string>> segment_files(const std::string& dir) {
  auto names = storage::list_dir(dir);
  if (!names.ok()) return names.status();
  std::vector<std::pair<int64_t, std::string>> found;
  for (const auto& n : *names) {
    int64_t base;
    std::string suffix;
    if (storage::parse_segment_file_name(n, &base, &suffix) && suffix == storage::kLogSuffix)
      found.emplace_back(base, dir + "/" + n);
  }
  std::sort(found.begin(), found.end());
  std::vector<std::string> out;
  for (auto& f : found) out.push_back(std::move(f.second));
  return out;
}

// "<topic>-<partition>" directory name → topic and partition, for the
// envelope; anything else dumps as topic "" partition -1.
void topic_of(const std::string& log_file, std::string* topic, int32_t* partition) {
  std::string dir = log_file.substr(0, log_file.rfind('/'));
  std::string name = dir.substr(dir.rfind('/') + 1);
  auto dash = name.rfind('-');
  *topic = "";
  *partition = -1;
  if (dash == std::string::npos || dash + 1 == name.size()) return;
  try {
    *partition = std::stoi(name.substr(dash + 1));
    *topic = name.substr(0, dash);
  } catch (...) {
  }
}

// A JSON string for diagnostics (paths, messages); bytes that are not
// UTF-8 are replaced.
std::string json_str(std::string_view s) {
  return nlohmann::json(std::string(s)).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

// Human form of a key or value: printable ASCII as is, the rest as \xNN.
std::string printable(std::optional<std::string_view> b) {
  if (!b) return "null";
  std::string s = "\"";
  for (unsigned char c : *b) {
    if (c == '"' || c == '\\') {
      s += '\\';
      s += static_cast<char>(c);
    } else if (c >= 0x20 && c < 0x7f) {
      s += static_cast<char>(c);
    } else {
      char buf[8];
      std::snprintf(buf, sizeof buf, "\\x%02x", c);
      s += buf;
    }
  }
  return s + "\"";
}

// Dumps one segment file; returns false when it found damage.
bool dump_file(const std::string& path, const LogOptions& opt, Stdout& out) {
  auto file = storage::File::Open(path, storage::File::Mode::kRead);
  if (!file.ok()) {
    print_error(file.status().message());
    return false;
  }
  auto size = (*file)->size();
  if (!size.ok()) {
    print_error(size.status().message());
    return false;
  }
  std::string topic;
  int32_t partition;
  topic_of(path, &topic, &partition);
  const bool json = opt.output == "json";
  if (!json) out.write("segment " + path + " (" + std::to_string(*size) + " bytes)\n");
  storage::BatchScanner scan(file->get(), 0, *size, true);
  storage::ScannedBatch b;
  bool ok = true;
  std::string& buf = out.buffer();
  for (;;) {
    auto step = scan.next(&b);
    if (step == storage::BatchScanner::Step::kEnd) break;
    if (step != storage::BatchScanner::Step::kBatch) {
      std::string why = step == storage::BatchScanner::Step::kTruncated
                            ? "incomplete batch (torn write), " + std::to_string(*size - scan.position()) + " bytes"
                            : scan.status().message();
      print_error(path + " at byte " + std::to_string(scan.position()) + ": " + why);
      ok = false;
      break;
    }
    const auto& h = b.header;
    auto info = batch::validate(b.bytes);
    char crc[16];
    std::snprintf(crc, sizeof crc, "%08x", h.crc);
    if (json) {
      buf += "{\"file\":" + json_str(path) + ",\"position\":" + std::to_string(b.position) +
             ",\"size\":" + std::to_string(h.size()) + ",\"base_offset\":" + std::to_string(h.base_offset) +
             ",\"last_offset\":" + std::to_string(h.last_offset()) +
             ",\"records_count\":" + std::to_string(h.records_count) + ",\"crc\":\"" + crc +
             "\",\"compression\":\"" + std::string(batch::compression_name(h.compression())) +
             "\",\"base_timestamp\":" + std::to_string(h.base_timestamp) +
             ",\"max_timestamp\":" + std::to_string(h.max_timestamp) +
             ",\"producer_id\":" + std::to_string(h.producer_id) + ",\"valid\":" +
             (info.ok() ? "true" : "false");
      if (!info.ok()) buf += ",\"error\":" + json_str(info.status().message());
    } else {
      buf += "batch offsets " + std::to_string(h.base_offset) + ".." + std::to_string(h.last_offset()) +
             " at byte " + std::to_string(b.position) + ", " + std::to_string(h.size()) + " bytes, " +
             std::to_string(h.records_count) + " records, crc " + crc + ", " +
             std::string(batch::compression_name(h.compression())) + ", max timestamp " +
             std::to_string(h.max_timestamp) + (info.ok() ? "" : ", INVALID: " + info.status().message()) +
             "\n";
    }
    if (!info.ok()) {
      print_error(path + " at byte " + std::to_string(b.position) + ": " + info.status().message());
      ok = false;
    }
    bool records = !opt.headers_only && info.ok();
    if (json) buf += records ? ",\"records\":[" : "";
    if (records) {
      batch::RecordReader reader(b.bytes);
      batch::Record r;
      bool first = true;
      while (reader.next(&r)) {
        if (json) {
          if (!first) buf += ',';
          write_envelope(&buf, topic, partition, r);
          buf.pop_back();  // the envelope's newline
        } else {
          buf += "  offset " + std::to_string(r.offset) + " timestamp " + std::to_string(r.timestamp) +
                 " key " + printable(r.key) + " value " + printable(r.value);
          for (const auto& hd : r.headers) buf += " header " + printable(hd.key) + "=" + printable(hd.value);
          buf += '\n';
        }
        first = false;
        out.maybe_flush();
      }
    }
    if (json) buf += records ? "]}\n" : "}\n";
    out.maybe_flush();
  }
  return ok;
}

int run_dump(const LogOptions& opt) {
  std::vector<std::string> files;
  if (is_dir(opt.path)) {
    auto segs = segment_files(opt.path);
    if (!segs.ok()) {
      print_error(segs.status().message());
      return exit_code(exit_for(segs.status()));
    }
    files = std::move(*segs);
    if (files.empty()) {
      print_error(opt.path + ": no segment files (*.log) here", "give a partition directory such as data/orders-0, or a .log file");
      return exit_code(Exit::kNotFound);
    }
  } else if (storage::path_exists(opt.path)) {
    files.push_back(opt.path);
  } else {
    print_error(opt.path + ": no such file or directory");
    return exit_code(Exit::kNotFound);
  }
  Stdout& out = Stdout::get();
  bool ok = true;
  for (const auto& f : files) ok = dump_file(f, opt, out) && ok;
  out.flush();
  return ok ? 0 : exit_code(Exit::kError);
}

// Partition directories under `path`: itself when it holds segments, else
// its subdirectories that do (a whole data/ directory).
std::vector<std::string> partitions_under(const std::string& path) {
  auto segs = segment_files(path);
  if (segs.ok() && !segs->empty()) return {path};
  std::vector<std::string> dirs;
  auto names = storage::list_dir(path);
  if (!names.ok()) return dirs;
  std::sort(names->begin(), names->end());
  for (const auto& n : *names) {
    std::string sub = path + "/" + n;
    if (!is_dir(sub)) continue;
    auto s = segment_files(sub);
    if (s.ok() && !s->empty()) dirs.push_back(sub);
  }
  return dirs;
}

std::string parent_of(const std::string& path) {
  std::string p = path;
  while (p.size() > 1 && p.back() == '/') p.pop_back();
  auto slash = p.rfind('/');
  if (slash == std::string::npos) return ".";
  return slash == 0 ? "/" : p.substr(0, slash);
}

std::string base_of(const std::string& path) {
  std::string p = path;
  while (p.size() > 1 && p.back() == '/') p.pop_back();
  return p.substr(p.rfind('/') + 1);
}

// Partition directories under a home's data/ that its meta.db (beside
// data/, read-only) gives to no topic: the records of a create or a
// partition change lost to a crash, which the daemon would not serve. Only
// checked when `path` is a data directory or a partition directory in one
// with a meta.db beside it. Returns false when it found orphans.
bool check_orphans(const std::string& path, bool single_partition, bool json, Stdout& out) {
  const std::string data = single_partition ? parent_of(path) : path;
  const std::string meta_path = layout::in_home(parent_of(data), layout::kMetaDb);
  if (!storage::path_exists(meta_path)) return true;
  auto counts = meta::read_partition_counts(meta_path);
  if (!counts.ok()) {
    print_warning("cannot check which partitions " + meta_path + " owns: " + counts.status().message());
    return true;
  }
  auto found = meta::find_orphans(data, *counts);
  if (!found.ok()) {
    print_warning(found.status().message());
    return true;
  }
  std::vector<meta::OrphanDir> orphans;
  for (const auto& o : *found)
    if (!single_partition || o.name == base_of(path)) orphans.push_back(o);
  for (const auto& o : orphans) {
    std::string dir = data + "/" + o.name;
    std::string why = o.partition < 0  ? "not a partition directory (<topic>-<partition>)"
                      : o.topic_exists ? "partition " + std::to_string(o.partition) + " is beyond the partition count of topic '" + o.topic + "' in " + meta_path
                                       : "topic '" + o.topic + "' is not in " + meta_path;
    if (json) {
      out.write("{\"dir\":" + json_str(dir) + ",\"clean\":false,\"orphan\":true,\"bytes\":" +
                std::to_string(o.log_bytes) + ",\"problems\":[{\"file\":" + json_str(dir) +
                ",\"position\":0,\"message\":" + json_str(why) + ",\"fatal\":true}]}\n");
    } else {
      out.write("ORPHAN " + dir + ": " + why + ", " + std::to_string(o.log_bytes) + " bytes of segments\n");
    }
  }
  if (orphans.empty()) return true;
  out.flush();
  print_error(std::to_string(orphans.size()) + " partition director" + (orphans.size() == 1 ? "y" : "ies") +
                  " belong to no topic: " + meta::describe_orphans(orphans),
              "with the daemon running: `ks topic adopt NAME` keeps the records, `ks topic delete NAME --orphan` removes them");
  return false;
}

int run_verify(const LogOptions& opt) {
  if (!is_dir(opt.path)) {
    print_error(opt.path + ": not a directory", "give a partition directory (data/orders-0) or a data directory");
    return exit_code(Exit::kNotFound);
  }
  auto dirs = partitions_under(opt.path);
  if (dirs.empty()) {
    print_error(opt.path + ": no partition directories with segment files");
    return exit_code(Exit::kNotFound);
  }
  Stdout& out = Stdout::get();
  const bool json = opt.output == "json";
  bool clean = true;
  for (const auto& dir : dirs) {
    auto r = storage::verify_partition(dir);
    if (!r.ok()) {
      print_error(r.status().message());
      clean = false;
      continue;
    }
    clean = clean && r->clean();
    if (json) {
      std::string s = "{\"dir\":" + json_str(dir) + ",\"clean\":" + (r->clean() ? "true" : "false") +
                      ",\"segments\":" + std::to_string(r->segments) +
                      ",\"batches\":" + std::to_string(r->batches) +
                      ",\"records\":" + std::to_string(r->records) +
                      ",\"bytes\":" + std::to_string(r->bytes) +
                      ",\"start_offset\":" + std::to_string(r->start_offset) +
                      ",\"end_offset\":" + std::to_string(r->end_offset) + ",\"problems\":[";
      for (size_t i = 0; i < r->problems.size(); ++i) {
        const auto& p = r->problems[i];
        if (i) s += ',';
        s += "{\"file\":" + json_str(p.file) + ",\"position\":" + std::to_string(p.position) +
             ",\"message\":" + json_str(p.message) + ",\"fatal\":" + (p.fatal ? "true" : "false") + "}";
      }
      out.write(s + "]}\n");
    } else {
      for (const auto& p : r->problems)
        out.write(std::string(p.fatal ? "DAMAGED " : "warning ") + p.file + " at byte " +
                  std::to_string(p.position) + ": " + p.message + "\n");
      out.write(std::string(r->clean() ? "ok " : "DAMAGED ") + dir + ": " + std::to_string(r->segments) +
                " segments, " + std::to_string(r->batches) + " batches, " + std::to_string(r->records) +
                " records, offsets " + std::to_string(r->start_offset) + ".." +
                std::to_string(r->end_offset) + ", " + std::to_string(r->bytes) + " bytes\n");
    }
  }
  const bool single = dirs.size() == 1 && dirs[0] == opt.path;
  clean = check_orphans(opt.path, single, json, out) && clean;
  out.flush();
  return clean ? 0 : exit_code(Exit::kError);
}

}  // namespace

void set_log_command(CLI::App& app, Runner* run) {
  auto* log = app.add_subcommand("log", "Inspect segment files offline (no daemon needed)");
  log->require_subcommand(1);
  auto opt = std::make_shared<LogOptions>();

  auto* dump = log->add_subcommand("dump", "Print the batches and records of a segment file or partition directory");
  dump->add_option("path", opt->path, "A .log segment file or a partition directory")->required();
  dump->add_option("-o,--output", opt->output, "Output format")->check(CLI::IsMember({"text", "json"}));
  dump->add_flag("--headers-only", opt->headers_only, "Print batch headers, not records");
  dump->footer("Examples:\n  ks log dump ~/.local/share/ks/data/orders-0\n  ks log dump 00000000000000000000.log -o json | jq .records_count");
  dump->callback([opt, run] { *run = [opt] { return run_dump(*opt); }; });

  auto* verify = log->add_subcommand(
      "verify", "Check CRCs, offsets, indexes and orphaned partitions; exit 0 when clean, 1 when damaged");
  verify->add_option("dir", opt->path, "A partition directory, or a data directory of partitions")->required();
  verify->add_option("-o,--output", opt->output, "Output format")->check(CLI::IsMember({"text", "json"}));
  verify->footer("Examples:\n  ks log verify ~/.local/share/ks/data\n  ks log verify data/orders-0 -o json");
  verify->callback([opt, run] { *run = [opt] { return run_verify(*opt); }; });
}

}  // namespace ks::cli
