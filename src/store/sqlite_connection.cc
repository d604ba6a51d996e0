#include "store/sqlite_connection.h"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <thread>

#include "store/paced_vfs.h"

namespace twoline::store {
namespace {

std::atomic<uint64_t> busy_retries_total{0};

bool IsBusy(int code) { return (code & 0xFF) == SQLITE_BUSY; }

// Waits before retrying a busy statement (after SQLite's own busy timeout already ran out).
void Backoff(int attempt) {
  busy_retries_total.fetch_add(1, std::memory_order_relaxed);
  auto wait = std::chrono::milliseconds(1) * (1 << std::min(attempt, 8));
  std::this_thread::sleep_for(std::min<std::chrono::milliseconds>(wait, std::chrono::milliseconds(250)));
}

}  // namespace

uint64_t SqliteConnection::busy_retries() { return busy_retries_total.load(); }

SqliteConnection::~SqliteConnection() {
  // Statements are owned by callers and finalized before the connection; sqlite3_close_v2 defers
  // the close until the last one is gone should a caller get that order wrong.
  sqlite3_close_v2(db_);
}

Result<std::unique_ptr<SqliteConnection>> SqliteConnection::Open(const std::string& path,
                                                                 int flags, int busy_timeout_ms) {
  sqlite3* db = nullptr;
  int code = sqlite3_open_v2(path.c_str(), &db, flags | SQLITE_OPEN_NOMUTEX, PacedVfsName());
  if (code != SQLITE_OK) {
    std::string message = db != nullptr ? sqlite3_errmsg(db) : sqlite3_errstr(code);
    sqlite3_close_v2(db);
    return Error{path + ": cannot open database: " + message};
  }
  sqlite3_extended_result_codes(db, 1);
  sqlite3_busy_timeout(db, busy_timeout_ms);
  return std::unique_ptr<SqliteConnection>(new SqliteConnection(db, path));
}

Error SqliteConnection::Fail(std::string_view what, int code) const {
  return Error{path_ + ": " + std::string(what) + ": " + sqlite3_errmsg(db_) + " (" +
               std::to_string(code) + ")"};
}

Status SqliteConnection::Execute(std::string_view sql) {
  char* message = nullptr;
  std::string text(sql);
  int code = SQLITE_OK;
  for (int attempt = 0;; ++attempt) {
    const bool outside = sqlite3_get_autocommit(db_) != 0;
    code = sqlite3_exec(db_, text.c_str(), nullptr, nullptr, &message);
    // Safe to run again: nothing began (still outside a transaction), or a COMMIT that may be retried.
    bool retry = IsBusy(code) && ((outside && sqlite3_get_autocommit(db_) != 0) || text == "COMMIT");
    if (!retry) break;
    sqlite3_free(message);
    message = nullptr;
    Backoff(attempt);
  }
  if (code != SQLITE_OK) {
    std::string detail = message != nullptr ? message : sqlite3_errstr(code);
    sqlite3_free(message);
    return Error{path_ + ": " + text.substr(0, 60) + ": " + detail + " (" + std::to_string(code) +
                 ")"};
  }
  return Status::Ok();
}

Result<std::string> SqliteConnection::QueryText(std::string_view sql) {
  auto statement = Prepare(sql);
  if (!statement) return statement.error();
  auto row = (*statement)->Step();
  if (!row) return row.error();
  if (!*row) return Error{path_ + ": " + std::string(sql) + ": no result"};
  return std::string((*statement)->ColumnText(0));
}

Result<std::unique_ptr<SqliteStatement>> SqliteConnection::Prepare(std::string_view sql) {
  sqlite3_stmt* statement = nullptr;
  int code = sqlite3_prepare_v3(db_, sql.data(), static_cast<int>(sql.size()),
                                SQLITE_PREPARE_PERSISTENT, &statement, nullptr);
  if (code != SQLITE_OK) return Fail("prepare \"" + std::string(sql.substr(0, 60)) + "\"", code);
  return std::unique_ptr<SqliteStatement>(new SqliteStatement(this, statement));
}

SqliteStatement::~SqliteStatement() { sqlite3_finalize(statement_); }

SqliteStatement& SqliteStatement::Bind(int index, std::string_view text) {
  sqlite3_bind_text64(statement_, index, text.data(), text.size(), SQLITE_STATIC, SQLITE_UTF8);
  return *this;
}

SqliteStatement& SqliteStatement::BindBlob(int index, const void* data, size_t size) {
  sqlite3_bind_blob64(statement_, index, data, size, SQLITE_STATIC);
  return *this;
}

SqliteStatement& SqliteStatement::Bind(int index, int64_t value) {
  sqlite3_bind_int64(statement_, index, value);
  return *this;
}

SqliteStatement& SqliteStatement::BindNull(int index) {
  sqlite3_bind_null(statement_, index);
  return *this;
}

Result<bool> SqliteStatement::Step() {
  // A statement that has not returned a row yet, outside a transaction, may simply start over.
  const bool first = sqlite3_stmt_busy(statement_) == 0;
  int code = sqlite3_step(statement_);
  for (int attempt = 0; first && IsBusy(code) && sqlite3_get_autocommit(sqlite3_db_handle(statement_)) != 0;
       ++attempt) {
    sqlite3_reset(statement_);
    Backoff(attempt);
    code = sqlite3_step(statement_);
  }
  if (code == SQLITE_ROW) return true;
  if (code == SQLITE_DONE) return false;
  Error error = connection_->Fail(std::string("step \"") +
                                      std::string(sqlite3_sql(statement_)).substr(0, 60) + "\"",
                                  code);
  sqlite3_reset(statement_);
  return error;
}

Status SqliteStatement::Run() {
  auto row = Step();
  Reset();
  if (!row) return row.error();
  return Status::Ok();
}

void SqliteStatement::Reset() {
  sqlite3_reset(statement_);
  sqlite3_clear_bindings(statement_);
}

std::string_view SqliteStatement::ColumnText(int index) const {
  const unsigned char* text = sqlite3_column_text(statement_, index);
  if (text == nullptr) return {};
  return std::string_view(reinterpret_cast<const char*>(text),
                          static_cast<size_t>(sqlite3_column_bytes(statement_, index)));
}

std::string_view SqliteStatement::ColumnBlob(int index) const {
  const void* data = sqlite3_column_blob(statement_, index);
  if (data == nullptr) return {};
  return std::string_view(static_cast<const char*>(data),
                          static_cast<size_t>(sqlite3_column_bytes(statement_, index)));
}

}  // namespace twoline::store
