// Server: the HTTP API of SPEC §6 on cpp-httplib (docs/api.md has every route, error and role rule;
// it also says why cpp-httplib).
//
// Requests are served by a fixed pool of connection threads (one thread per open connection, as
// cpp-httplib works). Reads go straight to the store's read models (concurrent SQLite readers);
// commands go to the single Writer and the thread waits for the durable answer. The flows report
// is computed on the writer thread (Writer::Read). Every limit is an option: body bytes, commands per
// batch, the per-command limits, page sizes, timeouts for slow clients, connection threads.
//
// Errors have one shape: {"error": code, "message": text, "path": JSON path (body faults only)}.
// Logs (api/log.h) record one line per failed request (every request with access_log), with the
// route template, status, duration, zone and token id; never bodies, paths or personal data.
// Cluster mode (cluster/cluster_hook.h): requests needing a zone's writer ask the hook, which gives
// this node's writer for the zone or the reply to send (the owner's, relayed).
// Thread-safety: Bind, Run and Stop may be called from different threads; Run blocks until Stop.
#pragma once

#include <chrono>
#include <memory>
#include <ostream>
#include <string>

#include "api/metrics.h"
#include "api/request_body.h"
#include "base/result.h"
#include "cluster/cluster_hook.h"
#include "store/store.h"
#include "store/writer.h"

namespace twoline::api {

struct ServerOptions {
  std::string host = "127.0.0.1";
  int port = 8080;              // 0: any free port (Bind returns it)
  size_t threads = 128;         // connection threads: the most connections served at once
  int listen_backlog = 1024;    // connections waiting to be accepted
  BodyLimits body;              // body bytes, commands per batch, per-command limits
  size_t page_limit_default = 100;
  size_t page_limit_max = 1000;
  int read_timeout_seconds = 5;   // a client slower than this between bytes is dropped
  int write_timeout_seconds = 5;
  int keep_alive_timeout_seconds = 5;
  size_t keep_alive_requests_max = 100000;
  std::chrono::milliseconds token_refresh{1000};  // how soon a revoked token stops working
  int retry_after_seconds = 1;  // told to clients refused for overload
  bool access_log = false;      // log every request, not only failures
  std::ostream* log = nullptr;  // structured log lines; null: no logs
  std::string zones_json;       // body of GET /v1/zones: the served zones' profiles (JSON array)
};

class Server {
 public:
  // `store` and `writer` must outlive the Server.
  Server(store::Store& store, store::Writer& writer, const ServerOptions& options);
  // A cluster node (cluster/cluster_hook.h): zone writers and relays come from `cluster`, which
  // must outlive the Server; GET /v1/cluster is served.
  Server(store::Store& store, cluster::ClusterHook& cluster, const ServerOptions& options);
  ~Server();
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;

  // Binds the listening socket; returns the port.
  Result<int> Bind();
  // Serves until Stop; returns after in-flight requests have been answered.
  void Run();
  void Stop();

  HttpStats& http_stats();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace twoline::api
