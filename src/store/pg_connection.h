// PgConnection, PgParams and PgResult: a thin RAII layer over libpq that turns every failure into
// an Error naming the server, what was being done and PostgreSQL's own message with its SQLSTATE.
//
// Connecting. The conninfo is a libpq connection string or URI, passed as given (expand_dbname), so
// every libpq feature works: several hosts ("host=a,b port=5432,5433") with
// target_session_attrs=read-write pick the current primary, and Reconnect() walks the list again
// after a failover. Options twoline relies on are explicit (PgOptions): the connect timeout, TCP
// keepalives and tcp_user_timeout (a dead primary is noticed in seconds, not after the kernel's
// default of minutes), the application name, and, per session, synchronous_commit=on (a COMMIT
// returns only once the server — and a synchronous standby, when one is configured — has flushed
// it), UTF-8, and UTC. A conninfo may override the first four; the session settings are always set.
//
// Queries. Parameters are always sent out of line (PQexecParams / PQexecPrepared), never spliced
// into SQL text: text parameters as text, byte strings as binary (bytea), so any byte is safe.
// Prepared statements are registered by name with Prepare and re-prepared transparently after a
// reconnect. Results are read in text form; Bytes() decodes bytea's hex form.
//
// Errors. Every failure is an Error "postgres HOST:PORT/DB: what: message [SQLSTATE]"; the last
// failure's SQLSTATE and whether the connection was lost stay readable (last_sqlstate,
// connection_lost) so that callers can tell a serialization conflict or a lost primary from a bug.
// Thread-safety: none; a connection, its statements and results belong to one thread at a time.
#pragma once

#include <libpq-fe.h>

#include <cstdint>
#include <deque>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.h"

namespace twoline::store {

struct PgOptions {
  int connect_timeout_seconds = 5;
  int keepalives_idle_seconds = 5;      // first keepalive probe after this much silence
  int keepalives_interval_seconds = 2;  // between probes
  int keepalives_count = 3;             // unanswered probes before the connection is dead
  int tcp_user_timeout_ms = 10000;      // unacknowledged data for this long: the connection is dead
  std::string application_name = "twoline";
  int statement_timeout_ms = 0;  // 0: none; else every statement of the session is bounded
  // 0: none; else the server ends the session when it sits inside a transaction, waiting for this
  // client, for longer (its locks are released). A cluster node's fenced writer sets it: a node
  // paused in the middle of an append must not hold the lease row locked for the node taking over.
  int idle_in_transaction_timeout_ms = 0;
};

// Query parameters, in order ($1, $2, …). Values are copied, so temporaries are fine.
class PgParams {
 public:
  PgParams() = default;
  PgParams(const PgParams& other);       // re-points the copy at its own storage
  PgParams(PgParams&& other) = default;  // deque elements do not move: pointers stay valid
  PgParams& operator=(const PgParams&) = delete;
  PgParams& operator=(PgParams&&) = delete;

  PgParams& Text(std::string_view text);
  PgParams& Bytes(const void* data, size_t size);
  PgParams& Int(int64_t value);
  PgParams& Null();

  int size() const { return static_cast<int>(values_.size()); }
  const char* const* values() const { return values_.data(); }
  const int* lengths() const { return lengths_.data(); }
  const int* formats() const { return formats_.data(); }

 private:
  void Add(std::string value, int format);
  std::deque<std::string> storage_;  // stable addresses for values_
  std::vector<const char*> values_;
  std::vector<int> lengths_;
  std::vector<int> formats_;
};

// The rows of one statement's result (text format).
class PgResult {
 public:
  explicit PgResult(PGresult* result) : result_(result, &PQclear) {}
  int rows() const { return PQntuples(result_.get()); }
  bool IsNull(int row, int column) const { return PQgetisnull(result_.get(), row, column) != 0; }
  std::string_view Text(int row, int column) const;
  int64_t Int(int row, int column) const;
  // A bytea column, decoded from its "\x…" hex text form.
  std::string Bytes(int row, int column) const;
  bool Bool(int row, int column) const { return Text(row, column) == "t"; }
  // The number of rows an INSERT, UPDATE or DELETE changed.
  int64_t changed() const;

 private:
  std::unique_ptr<PGresult, void (*)(PGresult*)> result_;
};

class PgConnection {
 public:
  ~PgConnection();
  PgConnection(const PgConnection&) = delete;
  PgConnection& operator=(const PgConnection&) = delete;

  static Result<std::unique_ptr<PgConnection>> Connect(const std::string& conninfo,
                                                       const PgOptions& options);

  // Drops the connection and connects again (to whichever host of the conninfo now qualifies),
  // then re-prepares every registered statement.
  Status Reconnect();
  // False once libpq reports the connection broken.
  bool ok() const { return connection_ != nullptr && PQstatus(connection_) == CONNECTION_OK; }

  // Runs one or more statements without parameters (schema, BEGIN, COMMIT).
  Status Execute(std::string_view sql);
  // One statement with parameters.
  Result<PgResult> Query(std::string_view sql, const PgParams& params = PgParams());
  // Registers a prepared statement under `name` (prepared now and again after every reconnect).
  Status Prepare(const std::string& name, const std::string& sql);
  Result<PgResult> Run(const std::string& name, const PgParams& params);

  // BEGIN with an explicit isolation level, COMMIT, and a ROLLBACK that never fails the caller
  // (there is nothing to do when it cannot be sent: the server rolls back a lost session itself).
  Status Begin(std::string_view isolation = "READ COMMITTED");
  Status Commit();
  void Rollback();
  bool in_transaction() const;

  // "postgres HOST:PORT/DB: what: message [SQLSTATE]", and remembers the SQLSTATE.
  Error Fail(std::string_view what, const PGresult* result = nullptr);
  const std::string& last_sqlstate() const { return last_sqlstate_; }
  // True when the last failure was the connection, not the statement (class 08, 57P01-03, or a
  // broken connection): the caller may Reconnect and retry what was not committed.
  bool connection_lost() const { return connection_lost_; }
  // "HOST:PORT/DB" of the server currently connected (for messages and /v1/cluster).
  std::string server() const;

 private:
  PgConnection(std::string conninfo, PgOptions options)
      : conninfo_(std::move(conninfo)), options_(std::move(options)) {}
  Status Open();
  Result<PgResult> Check(PGresult* result, std::string_view what);

  const std::string conninfo_;
  const PgOptions options_;
  PGconn* connection_ = nullptr;
  std::map<std::string, std::string> prepared_;  // name -> SQL, re-prepared after a reconnect
  std::string last_sqlstate_;
  bool connection_lost_ = false;
};

// Runs `body` inside BEGIN … COMMIT, rolling back when it or the COMMIT fails.
template <typename Body>
Status InTransaction(PgConnection& connection, std::string_view isolation, Body&& body) {
  if (Status status = connection.Begin(isolation); !status) return status;
  Status status = body();
  if (status) status = connection.Commit();
  if (!status) connection.Rollback();
  return status;
}

}  // namespace twoline::store
