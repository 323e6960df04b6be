#include "daemon/meta/sqlite.h"

#include <sqlite3.h>

#include <cassert>

namespace ks::meta {

Code sqlite_code(int rc) {
  switch (rc & 0xff) {  // primary code; extended codes are enabled
    case SQLITE_OK:
    case SQLITE_ROW:
    case SQLITE_DONE: return Code::kOk;
    case SQLITE_CORRUPT:
    case SQLITE_NOTADB: return Code::kCorruption;
    case SQLITE_BUSY:
    case SQLITE_LOCKED: return Code::kRetryLater;  // held past busy_timeout
    case SQLITE_CONSTRAINT:
    case SQLITE_MISMATCH:
    case SQLITE_TOOBIG:
    case SQLITE_RANGE: return Code::kInvalidArgument;
    default: return Code::kIOError;
  }
}

namespace {

Status make_status(Code code, std::string msg) {
  switch (code) {
    case Code::kCorruption:
    case Code::kRetryLater:
    case Code::kInvalidArgument: return Status::Error(code, std::move(msg));
    default: return Status::IOError(std::move(msg));  // kOk here is a SQLite result that is no error
  }
}

}  // namespace

// ---- Connection

Result<std::unique_ptr<Connection>> Connection::Open(const std::string& path) {
  sqlite3* db = nullptr;
  // NOMUTEX: the connection is confined to one thread, so SQLite's own
  // per-connection mutex would only cost time.
  int rc = sqlite3_open_v2(path.c_str(), &db,
                           SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX,
                           nullptr);
  if (rc != SQLITE_OK) {
    std::string msg = "cannot open metadata database " + path + ": " +
                      (db ? sqlite3_errmsg(db) : sqlite3_errstr(rc));
    sqlite3_close(db);  // a handle is returned even on failure; null is fine
    return make_status(sqlite_code(rc) == Code::kOk ? Code::kIOError : sqlite_code(rc),
                       std::move(msg));
  }
  sqlite3_extended_result_codes(db, 1);
  return std::unique_ptr<Connection>(new Connection(db, path));
}

Connection::~Connection() {
  cache_.clear();  // sqlite3_close refuses while statements are unfinalized
  sqlite3_close(db_);
}

void Connection::Finalize::operator()(sqlite3_stmt* stmt) const { sqlite3_finalize(stmt); }

Query Connection::query(std::string_view sql) {
  auto it = cache_.find(sql);
  if (it == cache_.end()) {
    sqlite3_stmt* stmt = nullptr;
    int rc = sqlite3_prepare_v3(db_, sql.data(), static_cast<int>(sql.size()),
                                SQLITE_PREPARE_PERSISTENT, &stmt, nullptr);
    if (rc != SQLITE_OK) return Query(this, nullptr, error(rc));
    if (stmt == nullptr) {  // only whitespace or comments: a bug in the caller
      return Query(this, nullptr, Status::InvalidArgument("empty SQL statement"));
    }
    it = cache_.emplace(std::string(sql), stmt).first;
  }
  // A statement still mid-iteration would be reset under its first user.
  assert(!sqlite3_stmt_busy(it->second.get()) && "cached statement used by two live queries");
  return Query(this, it->second.get(), Status::OK());
}

Status Connection::exec(const std::string& sql) {
  int rc = sqlite3_exec(db_, sql.c_str(), nullptr, nullptr, nullptr);
  return rc == SQLITE_OK ? Status::OK() : error(rc);
}

int64_t Connection::changes() const { return sqlite3_changes64(db_); }
int64_t Connection::total_changes() const { return sqlite3_total_changes64(db_); }

Status Connection::error(int rc) const { return make_status(sqlite_code(rc), sqlite3_errmsg(db_)); }

// ---- Query

Query::Query(Connection* conn, sqlite3_stmt* stmt, Status error)
    : conn_(conn), stmt_(stmt), error_(std::move(error)) {}

Query::Query(Query&& other) noexcept
    : conn_(other.conn_), stmt_(other.stmt_), error_(std::move(other.error_)),
      next_param_(other.next_param_) {
  other.stmt_ = nullptr;
}

Query::~Query() {
  if (stmt_ == nullptr) return;
  sqlite3_reset(stmt_);
  sqlite3_clear_bindings(stmt_);
}

Status Query::fail(int rc) {
  if (error_.ok()) error_ = conn_->error(rc);
  return error_;
}

Query& Query::bind(int64_t value) {
  if (stmt_ != nullptr && error_.ok()) {
    int rc = sqlite3_bind_int64(stmt_, next_param_, value);
    if (rc != SQLITE_OK) (void)fail(rc);
  }
  ++next_param_;
  return *this;
}

Query& Query::bind(std::string_view text) {
  if (stmt_ != nullptr && error_.ok()) {
    int rc = sqlite3_bind_text64(stmt_, next_param_, text.data(), text.size(),
                                 SQLITE_TRANSIENT, SQLITE_UTF8);
    if (rc != SQLITE_OK) (void)fail(rc);
  }
  ++next_param_;
  return *this;
}

Result<bool> Query::step() {
  if (!error_.ok()) return error_;
  int rc = sqlite3_step(stmt_);
  if (rc == SQLITE_ROW) return true;
  if (rc == SQLITE_DONE) return false;
  return fail(rc);
}

Status Query::run() {
  for (;;) {
    Result<bool> row = step();
    if (!row.ok()) return row.status();
    if (!*row) return Status::OK();
  }
}

Result<int64_t> Query::first_int() {
  Result<bool> row = step();
  if (!row.ok()) return row.take_status();
  if (!*row) return Status::NotFound("no row");
  return int64(0);
}

int64_t Query::int64(int column) const { return sqlite3_column_int64(stmt_, column); }

std::string Query::text(int column) const {
  // column_text before column_bytes: the documented order for a stable length.
  const auto* p = reinterpret_cast<const char*>(sqlite3_column_text(stmt_, column));
  if (p == nullptr) return {};
  return std::string(p, static_cast<size_t>(sqlite3_column_bytes(stmt_, column)));
}

// ---- Transaction

Status Transaction::begin() {
  assert(!open_);
  KS_RETURN_IF_ERROR(conn_.query("BEGIN IMMEDIATE").run());
  open_ = true;
  return Status::OK();
}

Status Transaction::commit() {
  assert(open_);
  KS_RETURN_IF_ERROR(conn_.query("COMMIT").run());
  open_ = false;
  return Status::OK();
}

Transaction::~Transaction() {
  // A failed COMMIT may already have rolled back on its own (e.g. on I/O
  // errors), in which case there is nothing left to undo.
  if (open_ && !sqlite3_get_autocommit(conn_.handle())) (void)conn_.query("ROLLBACK").run();
}

}  // namespace ks::meta
