// Thin RAII over the SQLite C API, just what MetaStore needs: a connection
// that caches its prepared statements, a cursor over one statement, and an
// immediate transaction. Nothing here throws; SQLite's result codes become
// Status with sqlite3_errmsg in the message.
//
// Not thread-safe: a Connection and everything borrowed from it belong to one
// thread (the daemon's loop thread).
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <string_view>

#include "common/status.h"

struct sqlite3;
struct sqlite3_stmt;

namespace ks::meta {

// Maps a SQLite result code to a Status code: a file that is not a database
// or is malformed is corruption, a lock held elsewhere (past the busy
// timeout) is retry-later, a violated
// constraint is an invalid argument, everything else is I/O.
Code sqlite_code(int rc);

class Connection;

// One execution of a cached statement: bind, step, read columns. Resets the
// statement and clears its bindings when it goes out of scope, so the cache
// can hand it out again. A failed prepare or bind is remembered and returned
// by the next step(), which keeps call sites to one error check.
class Query {
 public:
  Query(Query&& other) noexcept;
  Query& operator=(Query&&) = delete;
  ~Query();

  // Binds the next positional parameter. Text is copied.
  Query& bind(int64_t value);
  Query& bind(std::string_view text);

  // true: a row is ready to read; false: the statement is done.
  Result<bool> step();
  // Steps to completion, for statements that return no rows.
  Status run();
  // Steps once: the first column of the first row, kNotFound if no row.
  Result<int64_t> first_int();

  int64_t int64(int column) const;
  std::string text(int column) const;  // NULL reads as ""

 private:
  friend class Connection;
  Query(Connection* conn, sqlite3_stmt* stmt, Status error);
  Status fail(int rc);

  Connection* conn_;    // not owned; outlives the query
  sqlite3_stmt* stmt_;  // owned by conn_'s cache; null if prepare failed
  Status error_;
  int next_param_ = 1;
};

class Connection {
 public:
  // Opens (creating if absent) the database file. Does not read it yet:
  // SQLite only notices a file that is not a database at the first query.
  static Result<std::unique_ptr<Connection>> Open(const std::string& path);
  ~Connection();
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;

  // A query over `sql`, prepared once per connection and cached by its text.
  // The statement must not be in use by another live Query.
  Query query(std::string_view sql);
  // Runs one or more statements without caching (schema, pragmas).
  Status exec(const std::string& sql);
  // Rows inserted, updated or deleted by the last statement.
  int64_t changes() const;
  // Rows changed since the connection opened; only grows.
  int64_t total_changes() const;

  const std::string& path() const { return path_; }
  sqlite3* handle() const { return db_; }
  // "<sqlite3_errmsg>" as a Status of the matching code.
  Status error(int rc) const;

 private:
  struct Finalize {
    void operator()(sqlite3_stmt* stmt) const;
  };
  Connection(sqlite3* db, std::string path) : db_(db), path_(std::move(path)) {}

  sqlite3* db_;  // owned; closed after every cached statement is finalized
  std::string path_;
  std::map<std::string, std::unique_ptr<sqlite3_stmt, Finalize>, std::less<>> cache_;
};

// BEGIN IMMEDIATE on begin(), so a writer takes the write lock up front
// instead of failing halfway with SQLITE_BUSY; ROLLBACK on destruction
// unless commit() succeeded.
class Transaction {
 public:
  explicit Transaction(Connection& conn) : conn_(conn) {}
  ~Transaction();
  Transaction(const Transaction&) = delete;
  Transaction& operator=(const Transaction&) = delete;

  Status begin();
  Status commit();

 private:
  Connection& conn_;  // not owned; outlives the transaction
  bool open_ = false;
};

}  // namespace ks::meta
