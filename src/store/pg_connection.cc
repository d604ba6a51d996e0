#include "store/pg_connection.h"

#include <charconv>
#include <cstring>

namespace twoline::store {
namespace {

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// SQLSTATEs that mean the session is gone rather than the statement wrong: connection exceptions
// (class 08) and the administrator or a crash shutting the server down (57P01..57P03).
bool IsConnectionState(std::string_view state) {
  return state.substr(0, 2) == "08" || state == "57P01" || state == "57P02" || state == "57P03";
}

}  // namespace

void PgParams::Add(std::string value, int format) {
  storage_.push_back(std::move(value));
  values_.push_back(storage_.back().data());
  lengths_.push_back(static_cast<int>(storage_.back().size()));
  formats_.push_back(format);
}

PgParams::PgParams(const PgParams& other) {
  for (size_t i = 0; i < other.values_.size(); ++i) {
    if (other.values_[i] == nullptr) {
      Null();
    } else {
      Add(other.storage_[i], other.formats_[i]);
    }
  }
}

PgParams& PgParams::Text(std::string_view text) {
  Add(std::string(text), 0);
  return *this;
}

PgParams& PgParams::Bytes(const void* data, size_t size) {
  Add(std::string(static_cast<const char*>(data), size), 1);
  return *this;
}

PgParams& PgParams::Int(int64_t value) {
  Add(std::to_string(value), 0);
  return *this;
}

PgParams& PgParams::Null() {
  storage_.emplace_back();
  values_.push_back(nullptr);
  lengths_.push_back(0);
  formats_.push_back(0);
  return *this;
}

std::string_view PgResult::Text(int row, int column) const {
  return std::string_view(PQgetvalue(result_.get(), row, column),
                          static_cast<size_t>(PQgetlength(result_.get(), row, column)));
}

int64_t PgResult::Int(int row, int column) const {
  std::string_view text = Text(row, column);
  int64_t value = 0;
  auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
  CHECK(error == std::errc() && end == text.data() + text.size());  // the column is an integer
  return value;
}

std::string PgResult::Bytes(int row, int column) const {
  std::string_view text = Text(row, column);
  CHECK(text.size() >= 2 && text[0] == '\\' && text[1] == 'x' &&
        text.size() % 2 == 0);  // bytea hex
  std::string bytes;
  bytes.reserve((text.size() - 2) / 2);
  for (size_t i = 2; i < text.size(); i += 2) {
    int high = HexValue(text[i]), low = HexValue(text[i + 1]);
    CHECK(high >= 0 && low >= 0);
    bytes.push_back(static_cast<char>(high * 16 + low));
  }
  return bytes;
}

int64_t PgResult::changed() const {
  const char* tuples = PQcmdTuples(result_.get());
  return tuples[0] == '\0' ? 0 : std::stoll(tuples);
}

PgConnection::~PgConnection() {
  if (connection_ != nullptr) PQfinish(connection_);
}

Result<std::unique_ptr<PgConnection>> PgConnection::Connect(const std::string& conninfo,
                                                            const PgOptions& options) {
  std::unique_ptr<PgConnection> connection(new PgConnection(conninfo, options));
  if (Status status = connection->Open(); !status) return Error{status.message()};
  return connection;
}

Status PgConnection::Open() {
  if (connection_ != nullptr) PQfinish(connection_);
  connection_ = nullptr;
  const std::string timeout = std::to_string(options_.connect_timeout_seconds);
  const std::string idle = std::to_string(options_.keepalives_idle_seconds);
  const std::string interval = std::to_string(options_.keepalives_interval_seconds);
  const std::string count = std::to_string(options_.keepalives_count);
  const std::string user_timeout = std::to_string(options_.tcp_user_timeout_ms);
  // Defaults first, then the caller's conninfo expanded in place of dbname: what it names wins.
  const char* keywords[] = {"connect_timeout",     "keepalives",       "keepalives_idle",
                            "keepalives_interval", "keepalives_count", "tcp_user_timeout",
                            "application_name",    "dbname",           nullptr};
  const char* values[] = {timeout.c_str(),
                          "1",
                          idle.c_str(),
                          interval.c_str(),
                          count.c_str(),
                          user_timeout.c_str(),
                          options_.application_name.c_str(),
                          conninfo_.c_str(),
                          nullptr};
  connection_ = PQconnectdbParams(keywords, values, /*expand_dbname=*/1);
  if (connection_ == nullptr) return Error{"postgres: out of memory connecting"};
  if (PQstatus(connection_) != CONNECTION_OK) {
    connection_lost_ = true;
    last_sqlstate_.clear();
    std::string message = PQerrorMessage(connection_);
    while (!message.empty() && (message.back() == '\n' || message.back() == ' '))
      message.pop_back();
    return Error{"postgres: cannot connect: " + message};
  }
  std::string session =
      "SET synchronous_commit = on; SET client_encoding = 'UTF8'; SET TimeZone = 'UTC'; "
      "SET client_min_messages = warning; "
      "SET statement_timeout = " +
      std::to_string(options_.statement_timeout_ms) + "; " +
      "SET idle_in_transaction_session_timeout = " +
      std::to_string(options_.idle_in_transaction_timeout_ms) + ";";
  if (Status status = Execute(session); !status) return status;
  for (const auto& [name, sql] : prepared_) {
    PGresult* result = PQprepare(connection_, name.c_str(), sql.c_str(), 0, nullptr);
    if (auto checked = Check(result, "prepare " + name); !checked) return checked.error();
  }
  return Status::Ok();
}

Status PgConnection::Reconnect() { return Open(); }

std::string PgConnection::server() const {
  if (connection_ == nullptr) return "?";
  const char* host = PQhost(connection_);
  const char* port = PQport(connection_);
  const char* db = PQdb(connection_);
  return std::string(host ? host : "?") + ":" + (port ? port : "?") + "/" + (db ? db : "?");
}

Error PgConnection::Fail(std::string_view what, const PGresult* result) {
  const char* state = result ? PQresultErrorField(result, PG_DIAG_SQLSTATE) : nullptr;
  last_sqlstate_ = state ? state : "";
  connection_lost_ = connection_ == nullptr || PQstatus(connection_) != CONNECTION_OK ||
                     IsConnectionState(last_sqlstate_);
  std::string message = result ? PQresultErrorMessage(result) : "";
  if (message.empty() && connection_ != nullptr) message = PQerrorMessage(connection_);
  while (!message.empty() && (message.back() == '\n' || message.back() == ' ')) message.pop_back();
  if (message.empty()) message = "no answer from the server";
  std::string text = "postgres " + server() + ": " + std::string(what) + ": " + message;
  if (!last_sqlstate_.empty()) text += " [" + last_sqlstate_ + "]";
  return Error{text};
}

Result<PgResult> PgConnection::Check(PGresult* raw, std::string_view what) {
  PgResult result(raw);
  ExecStatusType status = raw ? PQresultStatus(raw) : PGRES_FATAL_ERROR;
  if (status == PGRES_COMMAND_OK || status == PGRES_TUPLES_OK) {
    last_sqlstate_.clear();
    connection_lost_ = false;
    return result;
  }
  return Fail(what, raw);
}

Status PgConnection::Execute(std::string_view sql) {
  if (connection_ == nullptr) return Error{"postgres: not connected"};
  std::string text(sql);
  auto result = Check(PQexec(connection_, text.c_str()), text.substr(0, 60));
  if (!result) return result.error();
  return Status::Ok();
}

Result<PgResult> PgConnection::Query(std::string_view sql, const PgParams& params) {
  if (connection_ == nullptr) return Error{"postgres: not connected"};
  std::string text(sql);
  PGresult* result =
      PQexecParams(connection_, text.c_str(), params.size(), nullptr, params.values(),
                   params.lengths(), params.formats(), /*resultFormat=*/0);
  return Check(result, text.substr(0, 60));
}

Status PgConnection::Prepare(const std::string& name, const std::string& sql) {
  CHECK(prepared_.count(name) == 0);  // each name is registered once
  prepared_[name] = sql;
  if (connection_ == nullptr) return Error{"postgres: not connected"};
  auto result =
      Check(PQprepare(connection_, name.c_str(), sql.c_str(), 0, nullptr), "prepare " + name);
  if (!result) return result.error();
  return Status::Ok();
}

Result<PgResult> PgConnection::Run(const std::string& name, const PgParams& params) {
  CHECK(prepared_.count(name) == 1);  // registered with Prepare
  if (connection_ == nullptr) return Error{"postgres: not connected"};
  PGresult* result = PQexecPrepared(connection_, name.c_str(), params.size(), params.values(),
                                    params.lengths(), params.formats(), /*resultFormat=*/0);
  return Check(result, name);
}

Status PgConnection::Begin(std::string_view isolation) {
  return Execute("BEGIN ISOLATION LEVEL " + std::string(isolation));
}

Status PgConnection::Commit() { return Execute("COMMIT"); }

void PgConnection::Rollback() {
  if (connection_ != nullptr && PQstatus(connection_) == CONNECTION_OK && in_transaction()) {
    PQclear(PQexec(connection_, "ROLLBACK"));
  }
}

bool PgConnection::in_transaction() const {
  if (connection_ == nullptr) return false;
  PGTransactionStatusType status = PQtransactionStatus(connection_);
  return status == PQTRANS_INTRANS || status == PQTRANS_INERROR || status == PQTRANS_ACTIVE;
}

}  // namespace twoline::store
