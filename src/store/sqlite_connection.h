// SqliteConnection and SqliteStatement: a thin RAII layer over the SQLite C API that turns every
// result code into a Status carrying the SQL text and SQLite's own message.
//
// Connections are opened with explicit flags (sqlite3_open_v2, never a URI or a default), with the
// per-connection mutex off (SQLITE_OPEN_NOMUTEX): the owner guarantees that one thread at a time uses
// a connection and its statements. Statements are prepared once and reused (Reset between uses).
// SQLITE_BUSY (another connection or process holds the lock beyond the busy timeout) is retried with
// backoff (1 ms doubling to 250 ms, on top of each busy timeout) for as long as it lasts, wherever a
// retry is safe: a statement outside an explicit transaction, BEGIN, or COMMIT. So a lock held by
// another process delays writes (the writer's queue fills and clients get 503 with Retry-After) but
// never fails them, and a failed write is always a real I/O error. Inside an explicit transaction
// BUSY is returned as an error, as SQLite requires the transaction to be rolled back.
// Thread-safety: none; a connection and its statements belong to one thread at a time (busy_retries
// is safe from any thread).
#pragma once

#include <sqlite3.h>

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "base/result.h"

namespace twoline::store {

class SqliteStatement;

class SqliteConnection {
 public:
  ~SqliteConnection();
  SqliteConnection(const SqliteConnection&) = delete;
  SqliteConnection& operator=(const SqliteConnection&) = delete;

  // `flags` are passed to sqlite3_open_v2 as given (plus SQLITE_OPEN_NOMUTEX); busy_timeout_ms is how
  // long a statement waits for another connection's lock before failing with SQLITE_BUSY.
  static Result<std::unique_ptr<SqliteConnection>> Open(const std::string& path, int flags,
                                                       int busy_timeout_ms);

  // Runs one or more statements without results (schema, PRAGMAs that return nothing, BEGIN).
  Status Execute(std::string_view sql);
  // Runs a PRAGMA (or any statement) returning a single text value.
  Result<std::string> QueryText(std::string_view sql);
  Result<std::unique_ptr<SqliteStatement>> Prepare(std::string_view sql);

  // "path: what failed: sqlite message (code)".
  Error Fail(std::string_view what, int code) const;
  int changes() const { return sqlite3_changes(db_); }
  // SQLITE_BUSY answers retried so far, by every connection of the process.
  static uint64_t busy_retries();
  sqlite3* handle() { return db_; }
  const std::string& path() const { return path_; }

 private:
  SqliteConnection(sqlite3* db, std::string path) : db_(db), path_(std::move(path)) {}
  sqlite3* db_;
  std::string path_;
};

class SqliteStatement {
 public:
  ~SqliteStatement();
  SqliteStatement(const SqliteStatement&) = delete;
  SqliteStatement& operator=(const SqliteStatement&) = delete;

  // Binding is 1-based, as in SQLite. Text and blobs are copied (SQLITE_TRANSIENT) only when the
  // caller's buffer might not outlive the step; here every bind is followed by Step before the
  // buffer changes, so SQLITE_STATIC is used.
  SqliteStatement& Bind(int index, std::string_view text);
  SqliteStatement& BindBlob(int index, const void* data, size_t size);
  SqliteStatement& Bind(int index, int64_t value);
  SqliteStatement& BindNull(int index);

  // Steps once: true when a row is available, false when done; an Error otherwise.
  Result<bool> Step();
  // Steps to completion, expecting no rows.
  Status Run();
  void Reset();

  int64_t ColumnInt(int index) const { return sqlite3_column_int64(statement_, index); }
  std::string_view ColumnText(int index) const;
  std::string_view ColumnBlob(int index) const;
  bool ColumnIsNull(int index) const { return sqlite3_column_type(statement_, index) == SQLITE_NULL; }

 private:
  friend class SqliteConnection;
  SqliteStatement(SqliteConnection* connection, sqlite3_stmt* statement)
      : connection_(connection), statement_(statement) {}
  SqliteConnection* connection_;
  sqlite3_stmt* statement_;
};

// Resets a statement when leaving a scope, so that a reused statement never holds a read
// transaction open (which would pin the WAL and block checkpoints).
class StatementScope {
 public:
  explicit StatementScope(SqliteStatement& statement) : statement_(statement) {}
  ~StatementScope() { statement_.Reset(); }
  StatementScope(const StatementScope&) = delete;
  StatementScope& operator=(const StatementScope&) = delete;

 private:
  SqliteStatement& statement_;
};

}  // namespace twoline::store
