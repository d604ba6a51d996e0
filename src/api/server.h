// Server: the HTTP API of SPEC §6 on the project's own HTTP layer (http/server.h; docs/api.md has
// every route, error and role rule, docs/security.md every limit).
//
// The HTTP layer's event loops parse requests within their limits and call this server, which must
// not block them: cheap routes (health, metrics, the OpenAPI document, zones, sessions, event
// streams) are answered on the loop; a command request is parsed and validated there (simdjson) and
// handed to the single Writer, and its answer is sent by a waiter thread once the group commit is
// durable; reads that query the database or the engine run on a pool of worker threads (`threads`).
// Every limit is an option: body bytes, commands per batch, the per-command limits, page sizes,
// the HTTP layer's connection, header and time limits, per-token rate limits, sessions.
//
// Errors have one shape: {"error": code, "message": text, "path": JSON path (body faults only)}.
// Logs (api/log.h) record one line per failed request (every request with access_log), with the
// route template, status, duration, zone and token id; never bodies, paths, tokens or personal data.
// Cluster mode (cluster/cluster_hook.h): commands and engine reads ask the hook, on a worker
// thread, for this node's writer of the zone or the reply to send (the owner's, relayed).
// Thread-safety: Bind, Run and Stop may be called from different threads; Run blocks until Stop.
#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <ostream>
#include <string>
#include <string_view>

#include "api/decision_feed.h"
#include "api/metrics.h"
#include "api/rate_limit.h"
#include "api/request_body.h"
#include "api/sessions.h"
#include "base/result.h"
#include "cluster/cluster_hook.h"
#include "http/server.h"
#include "proof/note.h"
#include "store/store.h"
#include "store/writer.h"

namespace twoline::api {

// A file of the browser console, served for GET paths outside the API.
struct StaticFile {
  std::string content_type;
  std::string body;
  bool immutable = false;  // content-addressed: cacheable for a year; otherwise revalidated
};
using StaticFiles = std::function<std::optional<StaticFile>(std::string_view path)>;

struct ServerOptions {
  std::string host = "127.0.0.1";
  int port = 8080;              // 0: any free port (Bind returns it)
  size_t threads = 128;         // worker threads for reads of the database and the engine
  int listen_backlog = 1024;    // connections waiting to be accepted
  BodyLimits body;              // body bytes, commands per batch, per-command limits
  size_t page_limit_default = 100;
  size_t page_limit_max = 1000;
  int read_timeout_seconds = 5;   // silence inside a request before it is answered 408
  int write_timeout_seconds = 5;  // a response that makes no progress this long is abandoned
  int keep_alive_timeout_seconds = 5;
  size_t keep_alive_requests_max = 100000;
  // The other limits of the HTTP layer: event loops, connections in total and per address, the
  // reserve for /healthz and /metrics, header limits, head and request deadlines, stream buffers.
  // host, port, listen_backlog and the four settings above override its fields of the same meaning.
  http::ServerOptions http;
  std::chrono::milliseconds token_refresh{1000};  // how soon a revoked token stops working
  int retry_after_seconds = 1;  // told to clients refused for overload
  // The writer time one request of a declarant or an officer may take (store::SubmitRequest::
  // decide_budget); admins, who import past events in bulk, are not bounded.
  std::chrono::milliseconds request_decide_budget{250};
  bool access_log = false;      // log every request, not only failures
  std::ostream* log = nullptr;  // structured log lines; null: no logs
  std::string zones_json;       // body of GET /v1/zones: the served zones' profiles (JSON array)
  RateLimits rate_limits;
  SessionOptions sessions;
  // Source of GET /v1/zones/{zone}/stream (wired to store::WriterOptions::on_committed by the
  // owner); null: the route answers 503.
  DecisionFeed* decision_feed = nullptr;
  // GET /v1/zones/{zone}/checkpoint signs a checkpoint of the committed journal with this key when
  // the latest kept one is older (api/proof_routes.h); null: the latest kept one is served.
  std::shared_ptr<const proof::NoteSigner> checkpoint_signer;
  // Files for GET paths outside /v1, /healthz and /metrics ("/" and unknown paths get
  // "/index.html"); empty: such paths are 404.
  StaticFiles static_files;
};

class Server {
 public:
  // `store` and `writer` must outlive the Server.
  Server(store::Store& store, store::Writer& writer, const ServerOptions& options);
  // A cluster node (cluster/cluster_hook.h): zone writers and relays to other nodes come from
  // `cluster`, which must outlive the Server; GET /v1/cluster is served.
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
