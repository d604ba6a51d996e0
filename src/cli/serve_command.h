// `twoline serve` (the HTTP API on a database) and `twoline token create|list|revoke` (its bearer
// tokens).
//
// serve: opens (or creates) the database, verifies and loads every zone (refusing a journal that
// fails verification, naming the seq), puts in force the built-in profile of each zone named with
// --zone that the database does not hold yet — all five built-in zones when the database is new and
// none is named — starts the writer and the server, and prints "listening on http://HOST:PORT" as
// the first line on `out` once it accepts connections. SIGINT or SIGTERM stops it cleanly: no new
// connections, in-flight requests answered, queued commands committed, exit status 0. Structured
// logs go to `err`.
// token: create prints the token's id and scope, then the token alone on the last line (it is shown
// only once: only its SHA-256 is stored); list prints one line per token (never the secret); revoke
// marks a token revoked (a running server stops accepting it within a second).
// serve --postgres: the same, as one node of a cluster sharing the database (cluster/node.h): every
// node answers every request, relaying commands to the zone's owner; GET /v1/cluster shows who
// holds what. SIGINT or SIGTERM also releases the node's leases, so other nodes take over at once.
// Thread-safety: each call owns its state. Serve blocks SIGINT/SIGTERM in the calling process's
// threads and waits for them on a thread of its own.
#pragma once

#include <cstdint>
#include <iosfwd>
#include <string>
#include <vector>

namespace twoline::cli {

struct ServeOptions {
  std::string db_path;
  // Cluster mode (cluster/node.h, docs/operations.md): a PostgreSQL conninfo instead of db_path,
  // this node's id, the URL other nodes relay to (default http://LISTEN-HOST:BOUND-PORT) and the
  // zone lease. --zone then names the zones this node takes at start when they are free.
  std::string postgres;
  std::string node_id;
  std::string advertise;
  int64_t lease_ms = 2000;
  std::string listen = "127.0.0.1:8080";  // HOST:PORT; port 0 picks a free port
  std::vector<std::string> zones;         // --zone, repeatable
  size_t threads = 128;                   // worker threads for database reads
  size_t queue_commands_max = 100000;     // beyond: 503 with Retry-After
  size_t group_commit_max = 4096;         // commands per transaction
  bool access_log = false;                // log every request, not only failures
  uint64_t snapshot_every_entries = 100000;  // background snapshot after this many entries (0: off)
  int snapshot_every_seconds = 300;          // ... or after this long with new entries (0: off)
  // Signed checkpoints (store/checkpointer.h): with a private key file, each zone's tree head is
  // signed and kept every `checkpoint_every_seconds` with new entries or every
  // `checkpoint_every_entries` entries, whichever comes first (0: not by that measure; not both).
  std::string checkpoint_key_path;
  int checkpoint_every_seconds = 60;
  uint64_t checkpoint_every_entries = 10000;
};

int Serve(const ServeOptions& options, std::ostream& out, std::ostream& err);

struct TokenOptions {
  std::string action;  // create | list | revoke
  std::string db_path;
  std::string postgres;  // instead of db_path: a PostgreSQL conninfo
  std::string role;    // create: officer | declarant | auditor | admin
  std::string zone;    // create
  std::string party;   // create (declarant)
  std::string id;      // revoke
};

int Token(const TokenOptions& options, std::ostream& out, std::ostream& err);

}  // namespace twoline::cli
