#include "api/server.h"

#include <simdjson.h>

#include <algorithm>
#include <atomic>
#include <charconv>
#include <condition_variable>
#include <ctime>
#include <deque>
#include <future>
#include <variant>
#include <thread>

#include "api/auth.h"
#include "api/log.h"
#include "api/openapi.h"
#include "api/stamp.h"
#include "api/proof_routes.h"
#include "base/json_writer.h"
#include "base/time.h"
#include "base/wake_batch.h"
#include "http/worker_pool.h"
#include "store/goods_reads.h"
#include "store/paced_vfs.h"
#include "store/read_models.h"
#include "store/zone_set.h"
#include "whatif/whatif.h"
#include "store/sqlite_connection.h"
#include "store/sqlite_store.h"

namespace twoline::api {
namespace {

using Clock = std::chrono::steady_clock;

constexpr std::string_view kSessionCookie = "twoline_session";
constexpr size_t kSmallBodyBytesMax = 16 * 1024;  // session and token bodies
constexpr size_t kProfileBodyBytesMax = 1 << 20;  // a what-if draft profile (TOML text)
constexpr size_t kWorkQueueMax = 4096;
constexpr size_t kParseOnLoopMax = 64 * 1024;  // larger command bodies are parsed on a worker

struct Reply {
  Reply() = default;
  Reply(int status_, std::string body_) : status(status_), body(std::move(body_)) {}
  int status = 200;
  std::string body;
  std::string content_type = "application/json";
  int retry_after_seconds = 0;
  std::vector<http::Header> headers;
};

Reply ErrorReply(int status, std::string_view code, std::string_view message,
                 std::string_view path = {}) {
  Reply reply;
  reply.status = status;
  JsonWriter w(&reply.body);
  w.BeginObject().Key("error").String(code).Key("message").String(message);
  if (!path.empty()) w.Key("path").String(path);
  w.EndObject();
  return reply;
}

Reply RetryLater(int status, std::string_view code, std::string_view message, int seconds) {
  Reply reply = ErrorReply(status, code, message);
  reply.retry_after_seconds = seconds;
  return reply;
}

// Reads that may be large or costly, limited per token (RateKind::kRead). A balance is not paged (it
// lists every lot the party holds): an expensive read like these.
bool ExpensiveRead(std::string_view kind) {
  return kind == "declarations" || kind == "journal" || kind == "reports" || kind == "verify" ||
         kind == "checkpoint" || kind == "proofs" || kind == "parties";
}

// Paged lists (RateKind::kPaged): cheap a page, but a page holds up to 1,000 rows.
bool PagedRead(std::string_view kind) {
  return kind == "presence" || kind == "crossings" || kind == "persons";
}

// What the logger and the metrics need to know about a request, filled in as it is served.
struct RequestInfo {
  Clock::time_point started{};
  std::string route = "other";
  std::string zone;
  std::string token_id;
  std::optional<Role> role;  // once authenticated
  size_t commands = 0;
};

// One request being served: it moves from the event loop to a worker or the waiter and back.
struct Call {
  http::Request request;
  http::Exchange exchange;
  RequestInfo info;
};
using CallPtr = std::shared_ptr<Call>;

// The segments of a path, empty ones included: "/v1//zones" and "/v1/zones/" name no route, so that
// one resource has one spelling (a proxy in front that allows or blocks paths by pattern cannot be
// walked around with doubled or trailing slashes). "/" has no segments.
std::vector<std::string_view> SplitPath(std::string_view path) {
  std::vector<std::string_view> segments;
  if (!path.empty() && path.front() == '/') path.remove_prefix(1);
  if (path.empty()) return segments;
  // Sized once: a request's path is split four times, and growing the vector segment by segment
  // was a sixth of the server's allocations (docs/architecture.md §5).
  segments.reserve(static_cast<size_t>(std::count(path.begin(), path.end(), '/')) + 1);
  for (;;) {
    size_t end = path.find('/');
    segments.push_back(path.substr(0, end));
    if (end == std::string_view::npos) break;
    path.remove_prefix(end + 1);
  }
  return segments;
}

bool IsApiPath(const std::vector<std::string_view>& s) {
  return !s.empty() && (s[0] == "v1" || s[0] == "healthz" || s[0] == "metrics");
}

// The route template of a path, for logs and metrics labels (never the path itself: ids stay out).
std::string RouteTemplate(std::string_view method, std::string_view path, bool static_files) {
  std::vector<std::string_view> s = SplitPath(path);
  auto is = [&](std::initializer_list<const char*> pattern) {
    if (s.size() != pattern.size()) return false;
    size_t i = 0;
    for (const char* part : pattern) {
      if (part[0] != '{' && s[i] != part) return false;
      ++i;
    }
    return true;
  };
  const char* route = "other";
  if (is({"healthz"})) route = "/healthz";
  else if (is({"metrics"})) route = "/metrics";
  else if (is({"v1", "openapi.json"})) route = "/v1/openapi.json";
  else if (is({"v1", "session"})) route = "/v1/session";
  else if (is({"v1", "tokens"})) route = "/v1/tokens";
  else if (is({"v1", "tokens", "{id}"})) route = "/v1/tokens/{id}";
  else if (is({"v1", "zones"})) route = "/v1/zones";
  else if (is({"v1", "cluster"})) route = "/v1/cluster";
  else if (is({"v1", "zones", "{zone}", "commands"})) route = "/v1/zones/{zone}/commands";
  else if (is({"v1", "zones", "{zone}", "stream"})) route = "/v1/zones/{zone}/stream";
  else if (is({"v1", "zones", "{zone}", "presence"})) route = "/v1/zones/{zone}/presence";
  else if (is({"v1", "zones", "{zone}", "parties", "{party}", "balance"})) route = "/v1/zones/{zone}/parties/{party}/balance";
  else if (is({"v1", "zones", "{zone}", "declarations", "{declaration}"})) route = "/v1/zones/{zone}/declarations/{declaration}";
  else if (is({"v1", "zones", "{zone}", "declarations"})) route = "/v1/zones/{zone}/declarations";
  else if (is({"v1", "zones", "{zone}", "persons", "{person}"})) route = "/v1/zones/{zone}/persons/{person}";
  else if (is({"v1", "zones", "{zone}", "crossings"})) route = "/v1/zones/{zone}/crossings";
  else if (is({"v1", "zones", "{zone}", "verify"})) route = "/v1/zones/{zone}/verify";
  else if (is({"v1", "zones", "{zone}", "whatif"})) route = "/v1/zones/{zone}/whatif";
  else if (is({"v1", "zones", "{zone}", "journal"})) route = "/v1/zones/{zone}/journal";
  else if (is({"v1", "zones", "{zone}", "reports", "flows"})) route = "/v1/zones/{zone}/reports/flows";
  else if (is({"v1", "zones", "{zone}", "checkpoint"})) route = "/v1/zones/{zone}/checkpoint";
  else if (is({"v1", "zones", "{zone}", "proofs", "inclusion"})) route = "/v1/zones/{zone}/proofs/inclusion";
  else if (is({"v1", "zones", "{zone}", "proofs", "consistency"})) route = "/v1/zones/{zone}/proofs/consistency";
  else if (static_files && method == "GET" && !IsApiPath(s)) route = "/{static}";
  if (method.empty()) return route;
  return std::string(method) + " " + route;
}

bool KnownRoute(const std::string& route) { return route.size() < 5 || route.substr(route.size() - 5) != "other"; }

// The methods a known route (a template without its method) answers, as the Allow header lists them.
// Every route that answers GET answers HEAD (its head, no body), but the event stream.
const char* AllowedMethods(const std::string& route) {
  if (route == "/v1/zones/{zone}/commands" || route == "/v1/zones/{zone}/whatif") return "POST";
  if (route == "/v1/session") return "GET, HEAD, POST, DELETE";
  if (route == "/v1/tokens") return "GET, HEAD, POST";
  if (route == "/v1/tokens/{id}") return "DELETE";
  if (route == "/v1/zones/{zone}/stream") return "GET";
  return "GET, HEAD";
}

// Whether a known route answers `method` at all (Route's dispatch, Refuse's 405).
bool Allows(const std::string& route, std::string_view method) {
  std::string_view methods = AllowedMethods(route);
  for (size_t start = 0; start < methods.size();) {
    size_t end = methods.find(", ", start);
    if (methods.substr(start, end - start) == method) return true;
    if (end == std::string_view::npos) break;
    start = end + 2;
  }
  return false;
}

Reply MethodNotAllowed(const std::string& route, std::string_view method) {
  Reply reply = ErrorReply(405, "method_not_allowed", "this route does not take " + std::string(method));
  reply.headers.push_back(http::Header{"Allow", AllowedMethods(route)});
  return reply;
}

Reply Unauthorized(std::string_view message) {
  Reply reply = ErrorReply(401, "unauthorized", message);
  reply.headers.push_back(http::Header{"WWW-Authenticate", "Bearer realm=\"twoline\""});
  return reply;
}
// A query parameter as a count in [minimum, maximum]; `fallback` when absent.
Result<size_t> CountParameter(const http::Request& request, const char* name, size_t fallback,
                              size_t minimum, size_t maximum) {
  std::optional<std::string> text = request.Param(name);
  if (!text) return fallback;
  size_t value = 0;
  auto [end, error] = std::from_chars(text->data(), text->data() + text->size(), value);
  if (error != std::errc() || end != text->data() + text->size() || value < minimum || value > maximum) {
    return Error{"query parameter \"" + std::string(name) + "\" must be an integer from " +
                 std::to_string(minimum) + " to " + std::to_string(maximum)};
  }
  return value;
}

bool ChangesState(const std::string& method) {
  return method == "POST" || method == "PUT" || method == "DELETE" || method == "PATCH";
}

std::string NowUtc() { return FormatRfc3339(std::time(nullptr), 0); }

void NullableString(JsonWriter& w, const char* key, const std::string& value) {
  w.Key(key);
  if (value.empty()) {
    w.Null();
  } else {
    w.String(value);
  }
}

// Answers command requests on a thread of its own once the writer has them durable: the committer
// hands each result over (store::Writer::Submit's `done`, which must not block) and this thread
// formats and sends the answer, so that formatting never delays the next group commit.
class AnswerWaiter {
 public:
  using Done = std::function<void(store::SubmitResult)>;
  AnswerWaiter() : thread_([this] { Run(); }) {}
  ~AnswerWaiter() { Stop(); }
  // Before a request is submitted: Stop then waits for its result.
  void Expect() {
    std::lock_guard<std::mutex> lock(mutex_);
    ++expected_;
  }
  // Called from the writer's threads (or a loop's, for a request refused at once), once for each
  // Expect.
  void Ready(store::SubmitResult result, Done done) {
    bool wake, deferred = false;
    {
      std::lock_guard<std::mutex> lock(mutex_);
      --expected_;
      wake = ready_list_.empty() || stopping_;
      ready_list_.emplace_back(std::move(result), std::move(done));
      // The committer gives a batch's answers in one burst (store::Writer::GiveAnswers): one
      // wake-up, at its end, which Stop waits for.
      bool added = false;
      if (wake) deferred = WakeBatch::Defer(this, &AnswerWaiter::Wake, &added);
      if (added) ++wakes_deferred_;
    }
    if (wake && !deferred) ready_.notify_one();
  }
  // Answers every request expected (the writer answers every request it accepted), then ends.
  void Stop() {
    {
      std::lock_guard<std::mutex> lock(mutex_);
      stopping_ = true;
    }
    ready_.notify_one();
    if (thread_.joinable()) thread_.join();
  }

 private:
  static void Wake(void* receiver) {
    AnswerWaiter& waiter = *static_cast<AnswerWaiter*>(receiver);
    std::lock_guard<std::mutex> lock(waiter.mutex_);  // the waiter ends only after this
    --waiter.wakes_deferred_;
    waiter.ready_.notify_one();
  }
  void Run() {
    for (;;) {
      std::deque<std::pair<store::SubmitResult, Done>> answers;
      {
        std::unique_lock<std::mutex> lock(mutex_);
        ready_.wait(lock, [this] {
          return !ready_list_.empty() || (stopping_ && expected_ == 0 && wakes_deferred_ == 0);
        });
        if (ready_list_.empty()) return;
        answers.swap(ready_list_);
      }
      for (auto& [result, done] : answers) done(std::move(result));
    }
  }
  std::mutex mutex_;
  std::condition_variable ready_;
  std::deque<std::pair<store::SubmitResult, Done>> ready_list_;
  size_t expected_ = 0;
  size_t wakes_deferred_ = 0;  // wake-ups deferred to the end of a burst, not yet given
  bool stopping_ = false;
  std::thread thread_;
};

http::ServerOptions LayerOptions(const ServerOptions& options) {
  http::ServerOptions layer = options.http;
  layer.host = options.host;
  layer.port = options.port;
  layer.listen_backlog = options.listen_backlog;
  layer.read_idle_timeout = std::chrono::seconds(options.read_timeout_seconds);
  layer.write_timeout = std::chrono::seconds(options.write_timeout_seconds);
  layer.keep_alive_timeout = std::chrono::seconds(options.keep_alive_timeout_seconds);
  layer.keep_alive_requests_max = options.keep_alive_requests_max;
  return layer;
}

}  // namespace

struct Server::Impl : http::Handler {
  Impl(store::Store& store_, store::Writer* writer_, cluster::ClusterHook* cluster_,
       const ServerOptions& options_)
      : store(store_), writer(writer_), cluster(cluster_), options(options_), tokens(store_, options_.token_refresh),
        limiter(options_.rate_limits), sessions(options_.sessions), log(options_.log),
        proofs(store_, options_.checkpoint_signer),
        pool(options_.threads, kWorkQueueMax), http(*this, LayerOptions(options_)) {
    OpenApiLimits limits{options.body.body_bytes_max, options.body.batch_commands_max,
                         options.body.command.command_bytes_max,
                         options.body.command.declaration_lines_max, options.page_limit_max};
    openapi = OpenApiDocument(engine::CommandTable(), limits);
  }
  ~Impl() override {
    http.Stop();
    pool.Stop();
    waiter.Stop();
  }

  // http::Handler
  size_t BodyLimit(const http::Request& head) override;
  bool Reserved(const http::Request& head) override;
  void Handle(http::Request request, http::Exchange exchange) override;
  http::Response Refuse(const http::Request& head, const http::ParseError& error) override;
  std::optional<http::ParseError> Screen(const http::Request& head, std::string* owner) override;
  // The commands a loop's turn submits wake the writer once, at the turn's end.
  void TurnStarted() override { store::Writer::DeferWakes(); }
  void TurnEnded() override { store::Writer::WakeDeferred(); }

  void Finish(Call& call, Reply reply);
  void Count(const RequestInfo& info, int status);
  // Runs `work` on a worker thread and answers with its reply (503 when the queue is full).
  void Offload(CallPtr call, std::function<Reply(Call&)> work);
  // False (and `work` dropped, nothing answered) when the workers' queue is full.
  bool TryOffload(const CallPtr& call, std::function<Reply(Call&)> work);
  std::optional<Principal> Authenticate(Call& call, Reply* refusal);
  // The credentials of `request` (a bearer token, or a session cookie with its CSRF value on a
  // state-changing request): the principal, or the refusal as status, code and message. Sets
  // `token_id` once the token is known. The one check behind Authenticate and Screen.
  std::variant<Principal, http::ParseError> Credentials(const http::Request& request, std::string* token_id);
  std::optional<Reply> RateLimited(const Principal& principal, RateKind kind, double cost);
  bool Serves(std::string_view zone) const;

  void Route(CallPtr call);
  void RouteGet(CallPtr call, const std::vector<std::string_view>& path);
  Reply GetZoneResource(Call& call, const std::vector<std::string_view>& path);
  void PostCommands(CallPtr call, const std::string& zone);
  // Parses, rate-limits and submits a command request: the immediate reply, or the writer's answer
  // to wait for (with whether the body was a batch).
  // A request's commands parsed, rate-limited and stamped, ready for the writer; `batch` when the
  // body was an array.
  struct Prepared {
    store::SubmitRequest submit;
    bool batch = false;
    bool in_writer = false;  // counted in the limiter's declarant requests in the writer
  };
  // On a worker: prepares the request, submits it and waits for its answer; `parsing` (when given)
  // is cleared once the body is parsed.
  Reply SubmitAndWait(Call& call, const std::string& zone, const Principal& principal,
                      store::Writer& zone_writer, bool receipt, std::atomic<bool>* parsing);
  std::variant<Reply, Prepared> Prepare(Call& call, const std::string& zone, const Principal& principal,
                                        store::Writer& zone_writer);
  // The writer for `zone`: this server's, or in cluster mode the node's (null: `relayed` holds the
  // reply to send). Blocks in cluster mode (a relay, or taking the zone): worker threads only.
  std::shared_ptr<store::Writer> WriterFor(const std::string& zone, const http::Request& request,
                                           Reply* relayed);
  Reply ClusterView(Call& call);
  // `receipt`: each journaled decision carries its receipt (?receipt=1).
  Reply AnswerOf(store::SubmitResult result, bool batch, bool receipt);
  // Charges the token's write limit by what deciding its commands took of the writer, and ends
  // its count of requests in the writer when it was counted.
  void Done(const Principal& principal, bool in_writer, const store::SubmitResult& result);
  const RateLimit* WriteLimitOf(const Principal& principal) const {
    return principal.role == Role::kDeclarant ? &options.rate_limits.declarant_writes : nullptr;
  }
  void OpenStream(CallPtr call, const std::string& zone);
  // `offset` (default 0) and `limit` (default and bound from the options) of a paged read.
  Result<std::pair<size_t, size_t>> PageOf(const http::Request& request) const;
  Reply Presence(const http::Request& request, const std::string& zone);
  Reply Balance(const Principal& principal, const std::string& zone, const std::string& party);
  Reply Declaration(const Principal& principal, const std::string& zone, const std::string& id);
  Reply Journal(const http::Request& request, const std::string& zone);
  Reply DeclarationList(const http::Request& request, const Principal& principal,
                        const std::string& zone);
  Reply Person(const std::string& zone, const std::string& id);
  Reply Crossings(const http::Request& request, const std::string& zone);
  Reply VerifyZone(const std::string& zone);
  // POST /v1/zones/{zone}/whatif (admins): the body is a draft profile's TOML text; ?from=&to= bound
  // the period. Re-decides recorded commands off the writer; never writes (whatif/whatif.h).
  void WhatIf(CallPtr call, const std::string& zone);
  Reply Flows(const http::Request& request, const std::string& zone);
  Reply Health();
  Reply Metrics();
  Reply Static(const std::string& path);
  // Sessions (docs/api.md "Sessions").
  Reply CreateSession(Call& call);
  Reply ReadSession(Call& call);
  Reply EndSession(Call& call);
  Reply SessionReply(const Principal& principal, const Session& session);
  // Token administration.
  void TokenRoute(CallPtr call, const std::vector<std::string_view>& path);
  Reply ListTokens();
  Reply CreateToken(const std::string& body);
  Reply RevokeToken(const std::string& id);

  store::Store& store;
  store::Writer* writer;               // null in cluster mode
  cluster::ClusterHook* cluster;       // null unless in cluster mode
  store::WriterStats no_writer_stats;  // /metrics in cluster mode (zone writers come and go)
  const ServerOptions options;
  TokenCache tokens;
  RateLimiter limiter;
  std::atomic<bool> verifying{false};  // a GET .../verify is being answered
  // A command body larger than kParseOnLoopMax is being parsed (on a worker): one at a time, so
  // that parsing never takes both cores from the gates.
  std::atomic<bool> parsing_large_body{false};
  SessionStore sessions;
  HttpStats stats;
  Log log;
  ProofRoutes proofs;
  std::string openapi;
  http::WorkerPool pool;
  AnswerWaiter waiter;
  http::Server http;  // last: its loops call the members above
};

// --- the HTTP layer's questions --------------------------------------------------------------------

size_t Server::Impl::BodyLimit(const http::Request& head) {
  if (head.method != "POST") return 0;
  std::vector<std::string_view> s = SplitPath(head.path);
  if (s.size() == 4 && s[0] == "v1" && s[1] == "zones" && s[3] == "commands") return options.body.body_bytes_max;
  if (s.size() == 4 && s[0] == "v1" && s[1] == "zones" && s[3] == "whatif") return kProfileBodyBytesMax;
  if (s.size() == 2 && s[0] == "v1" && (s[1] == "session" || s[1] == "tokens")) return kSmallBodyBytesMax;
  return 0;
}

bool Server::Impl::Reserved(const http::Request& head) {
  return (head.method == "GET" || head.method == "HEAD") && (head.path == "/healthz" || head.path == "/metrics");
}

std::optional<http::ParseError> Server::Impl::Screen(const http::Request& head, std::string* owner) {
  // Sign-in sends its token in the body; every other route that takes a body needs credentials,
  // checked here before the body is read (and by the handler again after). A token table that
  // cannot be read is left to the handler to answer. A sign-in's body is counted under its
  // client's address, any other under its token.
  const std::string route = RouteTemplate("", head.path, static_cast<bool>(options.static_files));
  if (route == "/v1/session") return std::nullopt;
  std::string token_id;
  auto checked = Credentials(head, &token_id);
  const http::ParseError* error = std::get_if<http::ParseError>(&checked);
  if (error != nullptr) {
    if (error->status == 503) return std::nullopt;
    return *error;
  }
  const Principal& principal = std::get<Principal>(checked);
  // A token that may not submit to the zone of a commands route is refused before its body too
  // (an auditor's upload would otherwise hold the shared body budget for nothing), and so is any
  // but an admin's on the admins' routes (tokens, what-if).
  if ((route == "/v1/tokens" || route == "/v1/zones/{zone}/whatif") && principal.role != Role::kAdmin) {
    return http::ParseError{403, "forbidden", "this route is for admins"};
  }
  if (route == "/v1/zones/{zone}/commands") {
    const std::vector<std::string_view> path = SplitPath(head.path);
    if (Status allowed = AllowSubmit(principal, std::string(path[2])); !allowed) {
      return http::ParseError{403, "forbidden", allowed.message()};
    }
    // Large bodies are parsed one at a time (Commands): while one is, another is refused before
    // it is read, so that reading it costs the event loop nothing either.
    if (head.declared_length.value_or(0) > kParseOnLoopMax && parsing_large_body.load()) {
      return http::ParseError{503, "overloaded", "another large command body is being parsed; send it again"};
    }
  }
  *owner = "token:" + principal.token_id;
  return std::nullopt;
}

http::Response Server::Impl::Refuse(const http::Request& head, const http::ParseError& error) {
  RequestInfo info;
  info.started = Clock::now();
  info.route = RouteTemplate(head.method, head.path, static_cast<bool>(options.static_files));
  Reply reply;
  const std::string route = RouteTemplate("", head.path, static_cast<bool>(options.static_files));
  if (error.code == "body_not_allowed" && !KnownRoute(info.route)) {
    reply = ErrorReply(404, "not_found", "no such route");
  } else if (error.code == "body_not_allowed" && !Allows(route, head.method)) {
    // The method is wrong for the route, body or not: say that, as without a body.
    reply = MethodNotAllowed(route, head.method);
  } else if (error.status == 503 || error.status == 429) {
    reply = RetryLater(error.status, error.code, error.message, options.retry_after_seconds);
  } else if (error.status == 401) {
    reply = Unauthorized(error.message);
  } else {
    reply = ErrorReply(error.status, error.code, error.message);
  }
  Count(info, reply.status);
  http::Response response;
  response.status = reply.status;
  response.body = std::move(reply.body);
  response.headers = std::move(reply.headers);
  if (reply.retry_after_seconds > 0) response.SetHeader("Retry-After", std::to_string(reply.retry_after_seconds));
  response.close = true;
  return response;
}

void Server::Impl::Handle(http::Request request, http::Exchange exchange) {
  auto call = std::make_shared<Call>();
  call->info.started = Clock::now();
  call->info.route = RouteTemplate(request.method, request.path, static_cast<bool>(options.static_files));
  call->request = std::move(request);
  call->exchange = std::move(exchange);
  Route(std::move(call));
}

// --- answering -------------------------------------------------------------------------------------

void Server::Impl::Count(const RequestInfo& info, int status) {
  double seconds = std::chrono::duration<double>(Clock::now() - info.started).count();
  stats.Count(info.route, status, seconds);
  if (!options.access_log && status < 400) return;
  LogLine line(status >= 500 ? "error" : status >= 400 ? "warn" : "info", "request");
  line.Add("route", info.route).Add("status", static_cast<int64_t>(status));
  line.Add("duration_ms", seconds * 1000.0);
  if (!info.zone.empty()) line.Add("zone", info.zone);
  if (!info.token_id.empty()) line.Add("token", info.token_id);
  if (info.commands > 0) line.Add("commands", static_cast<int64_t>(info.commands));
  log.Write(line);
}

void Server::Impl::Finish(Call& call, Reply reply) {
  Count(call.info, reply.status);
  http::Response response;
  response.status = reply.status;
  response.content_type = std::move(reply.content_type);
  response.body = std::move(reply.body);
  response.headers = std::move(reply.headers);
  if (reply.retry_after_seconds > 0) {
    response.SetHeader("Retry-After", std::to_string(reply.retry_after_seconds));
  }
  response.SetHeader("X-Content-Type-Options", "nosniff");
  call.exchange.Respond(std::move(response));
}

void Server::Impl::Offload(CallPtr call, std::function<Reply(Call&)> work) {
  if (!TryOffload(call, std::move(work))) {
    Finish(*call, RetryLater(503, "overloaded", "too many reads are waiting", options.retry_after_seconds));
  }
}

bool Server::Impl::TryOffload(const CallPtr& call, std::function<Reply(Call&)> work) {
  return pool.Submit([this, call, work = std::move(work)] { Finish(*call, work(*call)); });
}

std::variant<Principal, http::ParseError> Server::Impl::Credentials(const http::Request& request,
                                                                   std::string* token_id) {
  Principal principal;
  TokenCheck check;
  size_t authorizations = 0;
  for (const http::Header& header : request.headers) {
    if (http::EqualsIgnoreCase(header.name, "Authorization")) ++authorizations;
  }
  if (authorizations > 1) {
    // Which one a proxy in front checked is anyone's guess: take none.
    return http::ParseError{400, "bad_request", "more than one Authorization header"};
  }
  if (const std::string* authorization = request.FindHeader("Authorization")) {
    check = tokens.Authenticate(*authorization, &principal);
    if (check == TokenCheck::kInvalid) {
      return http::ParseError{401, "unauthorized", "unknown, malformed or revoked token"};
    }
  } else {
    std::optional<std::string> cookie = request.Cookie(kSessionCookie);
    if (!cookie) {
      return http::ParseError{401, "unauthorized", "an Authorization: Bearer <token> header is required"};
    }
    std::optional<Session> session = sessions.Find(*cookie);
    if (!session) return http::ParseError{401, "unauthorized", "the session has expired or was signed out"};
    check = tokens.AuthenticateHash(session->token_hash, &principal);
    if (check == TokenCheck::kInvalid) {
      sessions.Remove(*cookie);  // its token was revoked: the session ends with it
      return http::ParseError{401, "unauthorized", "the session's token was revoked"};
    }
    if (check == TokenCheck::kValid && ChangesState(request.method) &&
        !SessionStore::CsrfMatches(*session, request.HeaderValue("X-CSRF-Token"))) {
      *token_id = principal.token_id;
      return http::ParseError{403, "csrf", "a request made with the session cookie needs its X-CSRF-Token header"};
    }
  }
  if (check == TokenCheck::kUnavailable) {
    return http::ParseError{503, "unavailable", "the token table cannot be read; no token is accepted until it can"};
  }
  *token_id = principal.token_id;
  return principal;
}

std::optional<Principal> Server::Impl::Authenticate(Call& call, Reply* refusal) {
  auto checked = Credentials(call.request, &call.info.token_id);
  if (Principal* principal = std::get_if<Principal>(&checked)) {
    call.info.role = principal->role;
    return *principal;
  }
  const http::ParseError& error = std::get<http::ParseError>(checked);
  *refusal = error.status == 401   ? Unauthorized(error.message)
             : error.status == 503 ? RetryLater(503, error.code, error.message, options.retry_after_seconds)
                                   : ErrorReply(error.status, error.code, error.message);
  return std::nullopt;
}

std::optional<Reply> Server::Impl::RateLimited(const Principal& principal, RateKind kind, double cost) {
  // A declarant's request larger than its whole burst is never let through (a gate device's is,
  // on a full bucket, and leaves it in debt): it would journal that much at once.
  const RateLimit* declarant = kind == RateKind::kWrite ? WriteLimitOf(principal) : nullptr;
  if (declarant != nullptr && declarant->per_second > 0 && cost > declarant->burst) {
    return ErrorReply(413, "too_large",
                      "this request costs " + std::to_string(static_cast<int64_t>(cost)) +
                          " units, more than this token's whole burst of " +
                          std::to_string(static_cast<int64_t>(declarant->burst)) + ": send it in parts");
  }
  int wait = limiter.Take(principal.token_id, kind, cost,
                         kind == RateKind::kWrite ? WriteLimitOf(principal) : nullptr);
  if (wait == 0) return std::nullopt;
  return RetryLater(429, "rate_limited",
                    kind == RateKind::kWrite ? "this token sends commands faster than its limit"
                                             : "this token reads faster than its limit",
                    wait);
}

bool Server::Impl::Serves(std::string_view zone) const {
  if (cluster != nullptr) return cluster->Serves(std::string(zone));
  const auto& ids = writer->zone_ids();
  return std::binary_search(ids.begin(), ids.end(), zone);
}

// --- routing ---------------------------------------------------------------------------------------

void Server::Impl::Route(CallPtr call) {
  const std::string& method = call->request.method;
  std::vector<std::string_view> path = SplitPath(call->request.path);
  const bool v1 = path.size() >= 2 && path[0] == "v1";
  const std::string route = RouteTemplate("", call->request.path, false);
  if (KnownRoute(route) && !Allows(route, method)) return Finish(*call, MethodNotAllowed(route, method));
  if (method == "GET" || method == "HEAD") return RouteGet(std::move(call), path);
  if (v1 && path[1] == "session" && path.size() == 2 && (method == "POST" || method == "DELETE")) {
    return Finish(*call, method == "POST" ? CreateSession(*call) : EndSession(*call));
  }
  if (v1 && path[1] == "tokens" && (method == "POST" || method == "DELETE")) return TokenRoute(std::move(call), path);
  if (method == "POST" && path.size() == 4 && v1 && path[1] == "zones" && path[3] == "commands") {
    return PostCommands(std::move(call), std::string(path[2]));
  }
  if (method == "POST" && path.size() == 4 && v1 && path[1] == "zones" && path[3] == "whatif") {
    return WhatIf(std::move(call), std::string(path[2]));
  }
  if (KnownRoute(route)) return Finish(*call, MethodNotAllowed(route, method));
  Finish(*call, ErrorReply(404, "not_found", "no such route"));
}

void Server::Impl::RouteGet(CallPtr call, const std::vector<std::string_view>& path) {
  if (path.size() == 1 && path[0] == "healthz") return Finish(*call, Health());
  if (path.size() == 1 && path[0] == "metrics") return Finish(*call, Metrics());
  if (!IsApiPath(path) && options.static_files) return Finish(*call, Static(call->request.path));
  if (path.size() == 2 && path[0] == "v1" && path[1] == "openapi.json") return Finish(*call, Reply{200, openapi});
  if (path.size() == 2 && path[0] == "v1" && path[1] == "session") return Finish(*call, ReadSession(*call));
  if (path.size() == 2 && path[0] == "v1" && path[1] == "tokens") return TokenRoute(std::move(call), path);
  if (path.size() == 2 && path[0] == "v1" && path[1] == "cluster") {
    return Offload(std::move(call), [this](Call& c) { return ClusterView(c); });
  }
  if (path.size() < 2 || path[0] != "v1" || path[1] != "zones") {
    return Finish(*call, ErrorReply(404, "not_found", "no such route"));
  }
  if (path.size() == 2) {
    Reply refusal;
    if (!Authenticate(*call, &refusal)) return Finish(*call, std::move(refusal));
    return Finish(*call, Reply{200, options.zones_json});
  }
  if (path.size() == 4 && path[3] == "stream") return OpenStream(std::move(call), std::string(path[2]));
  // The path's views point into call->request, which the call keeps alive.
  Offload(std::move(call), [this, path](Call& c) {
    Reply reply = GetZoneResource(c, path);
    // An expensive read is charged by what it answered too, once it is known: re-reading a large
    // declaration or balance in a loop costs the token in proportion to the bytes, not per request.
    // Auditors and admins, whose work is reading the journal, are charged per request only.
    const bool by_size = c.info.role == Role::kDeclarant || c.info.role == Role::kOfficer;
    if (reply.status == 200 && by_size && !c.info.token_id.empty()) {
      if (ExpensiveRead(path[3])) {
        limiter.Charge(c.info.token_id, RateKind::kRead, ReadSizeCost(reply.body.size()));
      } else if (PagedRead(path[3])) {
        limiter.Charge(c.info.token_id, RateKind::kPaged, ReadSizeCost(reply.body.size()));
      }
    }
    return reply;
  });
}

Reply Server::Impl::GetZoneResource(Call& call, const std::vector<std::string_view>& path) {
  const http::Request& request = call.request;
  const std::string zone(path[2]);
  const std::string_view kind = path.size() > 3 ? path[3] : std::string_view();
  bool known = (path.size() == 4 && (kind == "presence" || kind == "journal" ||
                                     kind == "declarations" || kind == "crossings" ||
                                     kind == "verify" || kind == "checkpoint")) ||
               (path.size() == 5 && (kind == "declarations" || kind == "persons")) ||
               (path.size() == 5 && kind == "proofs" &&
                (path[4] == "inclusion" || path[4] == "consistency")) ||
               (path.size() == 5 && kind == "reports" && path[4] == "flows") ||
               (path.size() == 6 && kind == "parties" && path[5] == "balance");
  if (!known) return ErrorReply(404, "not_found", "no such route");
  Reply refusal;
  std::optional<Principal> principal = Authenticate(call, &refusal);
  if (!principal) return refusal;
  call.info.zone = zone;
  if (!Serves(zone)) return ErrorReply(404, "not_found", "this server does not serve zone " + zone);
  // Ends the token's count of expensive reads in flight, whichever way the read returns.
  struct InFlight {
    RateLimiter* limiter = nullptr;
    std::string token;
    ~InFlight() {
      if (limiter != nullptr) limiter->Leave(token, RateKind::kRead);
    }
  } in_flight;
  if (PagedRead(kind)) {
    if (auto limited = RateLimited(*principal, RateKind::kPaged, 1)) return std::move(*limited);
  }
  if (ExpensiveRead(kind)) {
    // A checkpoint may be signed and kept on the way: it costs more than a read.
    const double cost = kind == "verify" ? 50 : kind == "checkpoint" ? 10 : 1;
    if (auto limited = RateLimited(*principal, RateKind::kRead, cost)) return std::move(*limited);
    // Each answer is built in memory before it is sent: a token has only a few at once.
    if (principal->role != Role::kAdmin) {
      const size_t max = options.rate_limits.expensive_reads_in_flight_max;
      if (!limiter.Enter(principal->token_id, RateKind::kRead, max)) {
        return RetryLater(429, "rate_limited",
                          "this token has " + std::to_string(max) + " expensive reads being answered already", 1);
      }
      in_flight.limiter = &limiter;
      in_flight.token = principal->token_id;
    }
  }
  if (kind == "parties") return Balance(*principal, zone, std::string(path[4]));
  if (kind == "checkpoint" || kind == "proofs") {
    ProofReply answer = kind == "checkpoint" ? proofs.Checkpoint(*principal, zone)
                        : path[4] == "inclusion"
                            ? proofs.Inclusion(*principal, zone, request.Param("seq"), request.Param("size"))
                            : proofs.Consistency(*principal, zone, request.Param("from"), request.Param("to"));
    if (answer.status != 200) return ErrorReply(answer.status, answer.error, answer.body);
    Reply reply{200, std::move(answer.body)};
    reply.content_type = std::move(answer.content_type);
    reply.headers.push_back({"Cache-Control", "no-store"});
    return reply;
  }
  if (kind == "declarations" && path.size() == 5) {
    return Declaration(*principal, zone, std::string(path[4]));
  }
  if (kind == "reports") {
    if (Status allowed = AllowRead(*principal, ReadKind::kReport, zone, ""); !allowed) {
      return ErrorReply(403, "forbidden", allowed.message());
    }
    return Flows(request, zone);
  }
  if (kind == "declarations") return DeclarationList(request, *principal, zone);
  if (kind == "persons" || kind == "crossings") {
    if (principal->role == Role::kDeclarant) {
      return ErrorReply(403, "forbidden", "persons and crossings are for officers, auditors and admins");
    }
    if (Status allowed = AllowRead(*principal, ReadKind::kPresence, zone, ""); !allowed) {
      return ErrorReply(403, "forbidden", allowed.message());
    }
    if (kind == "persons") return Person(zone, std::string(path[4]));
    return Crossings(request, zone);
  }
  if (kind == "verify") {
    if (Status allowed = AllowRead(*principal, ReadKind::kJournal, zone, ""); !allowed) {
      return ErrorReply(403, "forbidden", allowed.message());
    }
    // A verification replays the zone's whole journal: one at a time on this server.
    if (verifying.exchange(true)) {
      return RetryLater(503, "overloaded", "a verification is running; one runs at a time", 5);
    }
    Reply verified = VerifyZone(zone);
    verifying = false;
    return verified;
  }
  const ReadKind read = kind == "presence" ? ReadKind::kPresence
                        : kind == "journal" ? ReadKind::kJournal
                                            : ReadKind::kReport;
  if (Status allowed = AllowRead(*principal, read, zone, ""); !allowed) {
    return ErrorReply(403, "forbidden", allowed.message());
  }
  if (read == ReadKind::kPresence) return Presence(request, zone);
  return Journal(request, zone);
}

// --- commands --------------------------------------------------------------------------------------

void Server::Impl::PostCommands(CallPtr call, const std::string& zone) {
  Reply refusal;
  std::optional<Principal> principal = Authenticate(*call, &refusal);
  if (!principal) return Finish(*call, std::move(refusal));
  call->info.zone = zone;
  if (!Serves(zone)) return Finish(*call, ErrorReply(404, "not_found", "this server does not serve zone " + zone));
  if (Status allowed = AllowSubmit(*principal, zone); !allowed) {
    return Finish(*call, ErrorReply(403, "forbidden", allowed.message()));
  }
  const std::optional<std::string> receipt_param = call->request.Param("receipt");
  if (receipt_param && *receipt_param != "0" && *receipt_param != "1") {
    return Finish(*call, ErrorReply(400, "bad_request", "query parameter \"receipt\" must be 0 or 1"));
  }
  const bool receipt = receipt_param == "1";
  if (cluster != nullptr) {
    // Taking the zone (a load) or relaying to its owner blocks: on a worker thread, which then
    // waits for the answer too.
    return Offload(std::move(call), [this, zone, principal = *principal, receipt](Call& c) -> Reply {
      Reply relayed;
      std::shared_ptr<store::Writer> zone_writer = WriterFor(zone, c.request, &relayed);
      if (!zone_writer) return relayed;
      return SubmitAndWait(c, zone, principal, *zone_writer, receipt, nullptr);
    });
  }
  if (call->request.body.size() > kParseOnLoopMax) {
    // A large body is parsed on a worker, not on the event loop that serves every other
    // connection, and one at a time: 32 connections posting 8 MiB batches whose last command is
    // invalid had held the loops and both cores (officers' crossings and /healthz from about 1 ms
    // to about a second). Another large body meanwhile is answered 503 with Retry-After, before
    // any of it is parsed. The worker then waits for the answer.
    if (parsing_large_body.exchange(true)) {
      return Finish(*call, RetryLater(503, "overloaded",
                                      "another large command body is being parsed; send it again",
                                      options.retry_after_seconds));
    }
    const bool queued = TryOffload(call, [this, zone, principal = *principal, receipt](Call& c) -> Reply {
      return SubmitAndWait(c, zone, principal, *writer, receipt, &parsing_large_body);
    });
    if (!queued) {
      parsing_large_body = false;
      Finish(*call, RetryLater(503, "overloaded", "too many requests are waiting", options.retry_after_seconds));
    }
    return;
  }
  auto prepared = Prepare(*call, zone, *principal, *writer);
  if (Reply* reply = std::get_if<Reply>(&prepared)) return Finish(*call, std::move(*reply));
  Prepared& ready = std::get<Prepared>(prepared);
  const bool batch = ready.batch;
  const bool in_writer = ready.in_writer;
  waiter.Expect();
  writer->Submit(std::move(ready.submit), [this, call, batch, receipt, in_writer,
                                           principal = *principal](store::SubmitResult result) {
    waiter.Ready(std::move(result), [this, call, batch, receipt, in_writer,
                                     principal](store::SubmitResult result) {
      Done(principal, in_writer, result);
      Finish(*call, AnswerOf(std::move(result), batch, receipt));
    });
  });
}

Reply Server::Impl::SubmitAndWait(Call& call, const std::string& zone, const Principal& principal,
                                  store::Writer& zone_writer, bool receipt,
                                  std::atomic<bool>* parsing) {
  auto prepared = Prepare(call, zone, principal, zone_writer);
  if (parsing != nullptr) *parsing = false;
  if (Reply* reply = std::get_if<Reply>(&prepared)) return std::move(*reply);
  Prepared& ready = std::get<Prepared>(prepared);
  const bool in_writer = ready.in_writer;
  store::SubmitResult result = zone_writer.Submit(std::move(ready.submit)).get();
  Done(principal, in_writer, result);
  return AnswerOf(std::move(result), ready.batch, receipt);
}

std::variant<Reply, Server::Impl::Prepared> Server::Impl::Prepare(Call& call, const std::string& zone,
                                                                  const Principal& principal,
                                                                  store::Writer& zone_writer) {
  const auto parse_started = std::chrono::steady_clock::now();
  auto parsed = ParseCommandsBody(call.request.body, options.body);
  if (call.request.body.size() > kParseOnLoopMax && options.rate_limits.charge_decide_time) {
    // Parsing a large body is charged as deciding is (DecideTimeCost), whatever its outcome: a
    // body that fails at its last command has cost the server as much as one that does not.
    const auto parse_ns = std::chrono::duration_cast<std::chrono::nanoseconds>(
                              std::chrono::steady_clock::now() - parse_started).count();
    const double cost = DecideTimeCost(static_cast<uint64_t>(parse_ns));
    if (cost > 0) limiter.Charge(principal.token_id, RateKind::kWrite, cost, WriteLimitOf(principal));
  }
  if (const auto* error = std::get_if<BodyError>(&parsed)) {
    return ErrorReply(error->status, error->code, error->message, error->path);
  }
  ParsedBody body = std::move(std::get<ParsedBody>(parsed));
  if (auto limited = RateLimited(principal, RateKind::kWrite, WriteCost(body.commands))) {
    return std::move(*limited);
  }
  const store::Writer::ZoneClock* clock = zone_writer.clock_of(zone);
  if (clock == nullptr) return ErrorReply(404, "not_found", "zone " + zone + " is not served here");
  ZoneTime time;
  time.now_unix_seconds = std::chrono::duration_cast<std::chrono::seconds>(
                              std::chrono::system_clock::now().time_since_epoch())
                              .count();
  time.utc_offset_minutes = clock->utc_offset_minutes;
  time.allowed_skew_seconds = clock->allowed_skew_seconds;
  std::vector<LateCommand> late;
  if (auto refused = StampCommands(principal, time, body.batch, &body.commands, &late)) {
    return ErrorReply(refused->status, refused->code, refused->message, refused->path);
  }
  call.info.commands = body.commands.size();
  call.request.body.clear();
  call.request.body.shrink_to_fit();
  store::SubmitRequest submit;
  submit.zone = zone;
  submit.commands = std::move(body.commands);
  for (LateCommand& command : late) {
    submit.repeat_only.push_back(store::RepeatOnly{command.index, std::move(command.refusal.message),
                                                   std::move(command.refusal.path)});
  }
  if (principal.role == Role::kDeclarant || principal.role == Role::kOfficer) {
    submit.decide_budget = options.request_decide_budget;
  }
  if (principal.role == Role::kDeclarant) {
    submit.authorize = [principal](const engine::Command& command) {
      return AuthorizeCommand(principal, command);
    };
  }
  // A declarant's requests waiting for or in the writer are few at once: each may take 250 ms of
  // it, and its writer time is charged only once decided.
  bool in_writer = false;
  if (principal.role == Role::kDeclarant) {
    const size_t max = options.rate_limits.declarant_requests_in_writer_max;
    if (!limiter.Enter(principal.token_id, RateKind::kWrite, max)) {
      return RetryLater(429, "rate_limited",
                        "this token has " + std::to_string(max) +
                            " requests waiting for the writer already",
                        1);
    }
    in_writer = true;
  }
  return Prepared{std::move(submit), body.batch, in_writer};
}

std::shared_ptr<store::Writer> Server::Impl::WriterFor(const std::string& zone,
                                                       const http::Request& request,
                                                       Reply* relayed) {
  if (cluster == nullptr) return std::shared_ptr<store::Writer>(writer, [](store::Writer*) {});
  cluster::RelayRequest relay{request.method, request.target, request.HeaderValue("Authorization"),
                              request.HeaderValue("Content-Type"), request.body,
                              request.HeaderValue(cluster::kForwardedByHeader)};
  cluster::Route route = cluster->RouteZone(zone, relay);
  if (route.writer) return route.writer;
  relayed->status = route.reply->status;
  relayed->body = std::move(route.reply->body);
  if (!route.reply->content_type.empty()) relayed->content_type = route.reply->content_type;
  relayed->retry_after_seconds = route.reply->retry_after_seconds;
  return nullptr;
}

Reply Server::Impl::ClusterView(Call& call) {
  // Credentials and role first: whether this server is a cluster node is for admins and auditors.
  Reply refusal;
  std::optional<Principal> principal = Authenticate(call, &refusal);
  if (!principal) return refusal;
  if (principal->role != Role::kAdmin && principal->role != Role::kAuditor) {
    return ErrorReply(403, "forbidden", "the cluster view is for admins and auditors");
  }
  if (cluster == nullptr) return ErrorReply(404, "not_found", "this server is not a cluster node");
  return Reply{200, cluster->StatusJson()};
}

void Server::Impl::Done(const Principal& principal, bool in_writer, const store::SubmitResult& result) {
  if (in_writer) limiter.Leave(principal.token_id, RateKind::kWrite);
  if (!options.rate_limits.charge_decide_time) return;
  double cost = 0;
  for (const store::Answer& answer : result.answers) cost += DecideTimeCost(answer.decide_ns);
  if (cost > 0) limiter.Charge(principal.token_id, RateKind::kWrite, cost, WriteLimitOf(principal));
}

Reply Server::Impl::AnswerOf(store::SubmitResult result, bool batch, bool receipt) {
  switch (result.status) {
    case store::SubmitStatus::kDecided:
      break;
    case store::SubmitStatus::kForbidden:
      return ErrorReply(403, "forbidden", result.message);
    case store::SubmitStatus::kRefused:
      return ErrorReply(400, "invalid_command", result.message, result.path);
    case store::SubmitStatus::kUnknownZone:
      return ErrorReply(404, "not_found", result.message);
    case store::SubmitStatus::kOverloaded:
      return RetryLater(503, "overloaded", result.message, options.retry_after_seconds);
    case store::SubmitStatus::kUnavailable:
      // A cluster node stops writing a zone it lost: another node writes it within a lease.
      return RetryLater(503, "unavailable", result.message, cluster != nullptr ? 1 : 30);
  }
  if (receipt) {
    for (store::Answer& answer : result.answers) {
      if (answer.seq == 0) continue;  // invalid: nothing was journaled
      answer.json = WithReceipt(std::move(answer.json), answer.seq, answer.leaf_hash, result.journal_entries);
    }
  }
  Reply reply;
  if (!batch) {
    reply.status = result.answers[0].id_reused ? 409 : 200;
    reply.body = std::move(result.answers[0].json);
    return reply;
  }
  reply.body = "[";
  for (size_t i = 0; i < result.answers.size(); ++i) {
    if (i > 0) reply.body += ',';
    reply.body += result.answers[i].json;
  }
  reply.body += ']';
  return reply;
}

// --- reads -----------------------------------------------------------------------------------------

Result<std::pair<size_t, size_t>> Server::Impl::PageOf(const http::Request& request) const {
  auto offset = CountParameter(request, "offset", 0, 0, 1'000'000'000);
  if (!offset) return offset.error();
  auto limit = CountParameter(request, "limit", options.page_limit_default, 1, options.page_limit_max);
  if (!limit) return limit.error();
  return std::make_pair(*offset, *limit);
}

Reply Server::Impl::Presence(const http::Request& request, const std::string& zone) {
  auto paging = PageOf(request);
  if (!paging) return ErrorReply(400, "bad_request", paging.error().message);
  auto [offset, limit] = *paging;
  auto page = store.ReadPresence(zone, offset, limit);
  if (!page) return ErrorReply(503, "unavailable", page.error().message);
  return Reply{200, store::PresencePageJson(zone, *page, offset)};
}

// A page of read-model rows as {"count","offset",<key>:[row json, ...]}.
std::string ViewPageJson(const store::ViewPage& page, size_t offset, const char* key) {
  std::string out = "{\"count\":" + std::to_string(page.count) + ",\"offset\":" +
                    std::to_string(offset) + ",\"" + key + "\":[";
  for (size_t i = 0; i < page.rows.size(); ++i) {
    if (i > 0) out += ',';
    out += page.rows[i].json;
  }
  out += "]}";
  return out;
}

// Declarations from the "declaration" read model (store/read_models.h), newest id last; a declarant
// sees only its own, whatever filter it asks for.
Reply Server::Impl::DeclarationList(const http::Request& request, const Principal& principal,
                                    const std::string& zone) {
  auto paging = PageOf(request);
  if (!paging) return ErrorReply(400, "bad_request", paging.error().message);
  auto [offset, limit] = *paging;
  store::ViewFilter filter;
  filter.state = request.Param("state").value_or("");
  filter.owner = request.Param("declarant").value_or("");
  static const char* const kStates[] = {"", "accepted", "held", "released", "posted", "cancelled", "refused"};
  if (std::find(std::begin(kStates), std::end(kStates), filter.state) == std::end(kStates)) {
    return ErrorReply(400, "bad_request", "state: one of accepted, held, released, posted, cancelled, refused");
  }
  if (principal.role == Role::kDeclarant) {
    // Its own zone first: party ids are per zone, so another zone's party of the same id is
    // another enterprise.
    if (Status allowed = AllowRead(principal, ReadKind::kDeclaration, zone, principal.party); !allowed) {
      return ErrorReply(403, "forbidden", allowed.message());
    }
    if (!filter.owner.empty() && filter.owner != principal.party) {
      return ErrorReply(403, "forbidden", "a declarant reads only its own declarations");
    }
    filter.owner = principal.party;
  } else if (Status allowed = AllowRead(principal, ReadKind::kPresence, zone, ""); !allowed) {
    return ErrorReply(403, "forbidden", allowed.message());
  }
  auto page = store.ListViews(zone, "declaration", filter, offset, limit);
  if (!page) return ErrorReply(503, "unavailable", page.error().message);
  return Reply{200, ViewPageJson(*page, offset, "declarations")};
}

Reply Server::Impl::Person(const std::string& zone, const std::string& id) {
  auto row = store.ReadView(zone, "person", id);
  if (!row) return ErrorReply(503, "unavailable", row.error().message);
  if (!*row) return ErrorReply(404, "not_found", "no such person in zone " + zone);
  auto presence = store.ReadPresenceOf(zone, id);
  if (!presence) return ErrorReply(503, "unavailable", presence.error().message);
  store::ViewFilter filter;
  filter.owner = id;
  filter.descending = true;
  auto crossings = store.ListViews(zone, "crossing", filter, 0, 20);
  if (!crossings) return ErrorReply(503, "unavailable", crossings.error().message);
  std::string body = store::PersonJson((*row)->json, *presence);
  body.pop_back();  // the person object's closing brace
  body += ",\"recent_crossings\":[";
  for (size_t i = 0; i < crossings->rows.size(); ++i) {
    if (i > 0) body += ',';
    body += crossings->rows[i].json;
  }
  body += "]}";
  return Reply{200, std::move(body)};
}

// Crossings, newest first, optionally of one outcome (the officers' queue of referred ones).
Reply Server::Impl::Crossings(const http::Request& request, const std::string& zone) {
  auto paging = PageOf(request);
  if (!paging) return ErrorReply(400, "bad_request", paging.error().message);
  auto [offset, limit] = *paging;
  store::ViewFilter filter;
  filter.state = request.Param("outcome").value_or("");
  filter.owner = request.Param("person").value_or("");
  filter.descending = true;
  if (!filter.state.empty() && filter.state != "accepted" && filter.state != "rejected" &&
      filter.state != "referred") {
    return ErrorReply(400, "bad_request", "outcome: one of accepted, rejected, referred");
  }
  auto page = store.ListViews(zone, "crossing", filter, offset, limit);
  if (!page) return ErrorReply(503, "unavailable", page.error().message);
  return Reply{200, ViewPageJson(*page, offset, "crossings")};
}

void Server::Impl::WhatIf(CallPtr call, const std::string& zone) {
  Reply refusal;
  std::optional<Principal> principal = Authenticate(*call, &refusal);
  if (!principal) return Finish(*call, std::move(refusal));
  call->info.zone = zone;
  if (principal->role != Role::kAdmin) {
    return Finish(*call, ErrorReply(403, "forbidden", "what-if replay is for admins"));
  }
  if (!Serves(zone)) return Finish(*call, ErrorReply(404, "not_found", "this server does not serve zone " + zone));
  if (auto limited = RateLimited(*principal, RateKind::kRead, 50)) return Finish(*call, std::move(*limited));
  Offload(std::move(call), [this, zone](Call& c) -> Reply {
    auto report = whatif::WhatIfJson(store, zone, c.request.body, c.request.Param("from").value_or(""),
                                     c.request.Param("to").value_or(""));
    if (!report) return ErrorReply(400, "bad_request", report.error().message);
    return Reply{200, std::move(*report)};
  });
}

// The whole chain of the zone replayed from its first entry, from committed data, off the writer.
Reply Server::Impl::VerifyZone(const std::string& zone) {
  auto zones = store.Zones();
  if (!zones) return ErrorReply(503, "unavailable", zones.error().message);
  for (const store::ZoneRecord& record : *zones) {
    if (record.zone != zone) continue;
    store::Zone replayed;
    Status status = store::ReplayZone(store, record, &replayed);
    std::string out;
    JsonWriter w(&out);
    w.BeginObject().Key("zone").String(zone).Key("ok").Bool(status.ok());
    if (status.ok()) {
      w.Key("entries").Int(static_cast<int64_t>(replayed.chain.entries()));
      w.Key("head").String(ToHex(replayed.chain.head()));
      w.Key("state_hash").String(ToHex(replayed.chain.engine().StateHash()));
    } else {
      w.Key("error").String(status.message());
    }
    w.EndObject();
    return Reply{200, std::move(out)};
  }
  return ErrorReply(404, "not_found", "zone " + zone + " has no journal");
}

Reply Server::Impl::Balance(const Principal& principal, const std::string& zone,
                            const std::string& party) {
  if (Status allowed = AllowRead(principal, ReadKind::kBalance, zone, party); !allowed) {
    return ErrorReply(403, "forbidden", allowed.message());
  }
  auto balance = store::ReadBalance(store, zone, party);
  if (!balance) return ErrorReply(503, "unavailable", balance.error().message);
  if (!*balance) return ErrorReply(404, "not_found", "no such party in zone " + zone);
  if (principal.role != Role::kDeclarant) return Reply{200, std::move(**balance)};
  // A declarant's own lots, less who sent it those it received (store/goods_reads.h).
  auto own = store::BalanceForParty(**balance, principal.party);
  if (!own) return ErrorReply(503, "unavailable", own.error().message);
  return Reply{200, std::move(*own)};
}

// A declaration with its decision, postings and trace, from the read models (store/goods_reads.h):
// answered on this worker thread from committed state, never on the writer's. A declarant reads
// its own documents only, with what it may know of the goods it received; another party's
// declaration is "not found", as an unknown one is, so that a declarant cannot probe ids.
Reply Server::Impl::Declaration(const Principal& principal, const std::string& zone,
                                const std::string& id) {
  const std::string party = principal.role == Role::kDeclarant ? principal.party : "";
  if (Status allowed = AllowRead(principal, ReadKind::kDeclaration, zone, party); !allowed) {
    return ErrorReply(403, "forbidden", allowed.message());
  }
  std::string ambiguous;
  auto json = store::ReadDeclaration(store, zone, id, party, &ambiguous);
  if (!json) return ErrorReply(503, "unavailable", json.error().message);
  if (!ambiguous.empty()) return ErrorReply(409, "ambiguous", ambiguous);
  if (!*json) return ErrorReply(404, "not_found", "no such declaration in zone " + zone);
  return Reply{200, std::move(**json)};
}

Reply Server::Impl::Journal(const http::Request& request, const std::string& zone) {
  auto from = CountParameter(request, "from", 1, 1, UINT32_MAX);
  auto limit = CountParameter(request, "limit", options.page_limit_default, 1, options.page_limit_max);
  if (!from) return ErrorReply(400, "bad_request", from.error().message);
  if (!limit) return ErrorReply(400, "bad_request", limit.error().message);
  // One entry more than the page, to tell a last page that is exactly `limit` long (next: null)
  // from one with entries after it.
  auto entries = store.ReadEntries(zone, *from, *limit + 1);
  if (!entries) return ErrorReply(503, "unavailable", entries.error().message);
  const bool more = entries->size() > *limit;
  if (more) entries->resize(*limit);
  Reply reply;
  JsonWriter w(&reply.body);
  w.BeginObject().Key("zone").String(zone).Key("from").Int(static_cast<int64_t>(*from));
  w.Key("entries").BeginArray();
  for (const store::EntryRecord& entry : *entries) w.Raw(entry.line);
  w.EndArray().Key("next");
  if (more) {
    w.Int(static_cast<int64_t>(entries->back().seq + 1));
  } else {
    w.Null();
  }
  w.EndObject();
  return reply;
}

// The flows report from the read models' day totals (store/goods_reads.h), off the writer.
Reply Server::Impl::Flows(const http::Request& request, const std::string& zone) {
  auto from = ParseDate(request.ParamValue("from"));
  auto to = ParseDate(request.ParamValue("to"));
  if (!from || !to || *to < *from) {
    return ErrorReply(400, "bad_request", "query parameters \"from\" and \"to\" must be dates "
                                          "YYYY-MM-DD from 1900-01-01 to 2999-12-31, with from <= to");
  }
  auto report = store::ReadFlowsReport(store, zone, *from, *to);
  if (!report) return ErrorReply(503, "unavailable", report.error().message);
  return Reply{200, std::move(*report)};
}

Reply Server::Impl::Health() {
  if (writer != nullptr && writer->writes_stopped()) {
    // The writer stops only for a failed write or read of the database (SQLITE_BUSY is retried
    // below it): the operator's log has the error; clients get the reason code.
    Reply reply;
    reply.status = 503;
    JsonWriter w(&reply.body);
    w.BeginObject().Key("error").String("writes_stopped");
    w.Key("message").String("a commit failed; writes are stopped until restart");
    w.Key("reason").String("io_error").EndObject();
    reply.retry_after_seconds = 30;
    return reply;
  }
  Reply reply;
  JsonWriter w(&reply.body);
  w.BeginObject().Key("status").String("ok");
  w.Key("zones").Int(static_cast<int64_t>(writer != nullptr ? writer->zone_ids().size() : 0));
  w.EndObject();
  return reply;
}

Reply Server::Impl::Metrics() {
  Reply reply;
  reply.body = RenderMetrics(writer != nullptr ? writer->stats() : no_writer_stats, stats);
  const http::ServerStats& layer = http.stats();
  std::string& out = reply.body;
  AppendMetric(&out, "twoline_http_connections_open", "gauge", "Open HTTP connections.",
               static_cast<double>(layer.connections_open.load()));
  AppendMetric(&out, "twoline_http_connections_shed_total", "counter",
               "Quiet connections closed to admit newer ones at a connection limit.",
               static_cast<double>(layer.connections_shed.load()));
  AppendMetric(&out, "twoline_http_connections_refused_total", "counter",
               "Connections answered 503 at once: every limit and the reserve were full.",
               static_cast<double>(layer.connections_refused.load()));
  AppendMetric(&out, "twoline_http_connections_reserve_total", "counter",
               "Connections accepted into the reserve for /healthz and /metrics.",
               static_cast<double>(layer.connections_reserve.load()));
  AppendMetric(&out, "twoline_http_timeouts_total", "counter",
               "Requests not received, or responses not taken, in time.",
               static_cast<double>(layer.timeouts.load()));
  AppendMetric(&out, "twoline_http_streams_overflowed_total", "counter",
               "Event streams closed because their client did not keep up.",
               static_cast<double>(layer.streams_overflowed.load()));
  if (options.decision_feed != nullptr) {
    const DecisionFeedStats feed = options.decision_feed->stats();
    AppendMetric(&out, "twoline_streams_open", "gauge", "Open decision streams.",
                 static_cast<double>(options.decision_feed->streams()));
    AppendMetric(&out, "twoline_streams_refused_total", "counter",
                 "Decision streams refused 503: the server held as many as it serves.",
                 static_cast<double>(feed.refused));
    AppendMetric(&out, "twoline_streams_shed_total", "counter",
                 "Decision streams closed for a newer one of the same token (over its limit).",
                 static_cast<double>(feed.shed_for_token));
    AppendMetric(&out, "twoline_streams_expired_total", "counter",
                 "Decision streams closed at the end of their lifetime (clients reconnect).",
                 static_cast<double>(feed.expired));
  }
  AppendMetric(&out, "twoline_http_responses_shed_total", "counter",
               "Connections closed because their unsent answer would have taken the answers "
               "buffered for all clients beyond the budget.",
               static_cast<double>(layer.responses_shed.load()));
  AppendMetric(&out, "twoline_rate_limited_total", "counter", "Requests refused 429, by kind.",
               static_cast<double>(limiter.refused(RateKind::kWrite)), "kind=\"write\"");
  AppendMetric(&out, "twoline_rate_limited_total", "", "",
               static_cast<double>(limiter.refused(RateKind::kRead)), "kind=\"read\"");
  AppendMetric(&out, "twoline_rate_limited_total", "", "",
               static_cast<double>(limiter.refused(RateKind::kPaged)), "kind=\"paged\"");
  AppendMetric(&out, "twoline_sessions", "gauge", "Open browser sessions.",
               static_cast<double>(sessions.size()));
  AppendMetric(&out, "twoline_token_reload_failures_total", "counter",
               "Failed reads of the token table (tokens are refused until one succeeds).",
               static_cast<double>(tokens.reload_failures()));
  AppendMetric(&out, "twoline_sqlite_busy_retries_total", "counter",
               "SQLITE_BUSY answers retried (another process held the database's lock).",
               static_cast<double>(store::SqliteConnection::busy_retries()));
  AppendMetric(&out, "twoline_wal_checkpoints_total", "counter",
               "WAL checkpoints of the database done by its checkpoint thread.",
               static_cast<double>(store::SqliteStore::wal_checkpoints_total()));
  AppendMetric(&out, "twoline_wal_checkpoint_failures_total", "counter",
               "WAL checkpoints that failed (each tried again; commits do not depend on them).",
               static_cast<double>(store::SqliteStore::wal_checkpoint_failures_total()));
  AppendMetric(&out, "twoline_sqlite_writebacks_total", "counter",
               "Ranges of the database's files handed to the disk between syncs (store/paced_vfs.h).",
               static_cast<double>(store::PacedWritebacks()));
  reply.content_type = "text/plain; version=0.0.4";
  return reply;
}

// --- event streams ---------------------------------------------------------------------------------

void Server::Impl::OpenStream(CallPtr call, const std::string& zone) {
  Reply refusal;
  std::optional<Principal> principal = Authenticate(*call, &refusal);
  if (!principal) return Finish(*call, std::move(refusal));
  call->info.zone = zone;
  if (!Serves(zone)) return Finish(*call, ErrorReply(404, "not_found", "this server does not serve zone " + zone));
  if (Status allowed = AllowRead(*principal, ReadKind::kStream, zone, ""); !allowed) {
    return Finish(*call, ErrorReply(403, "forbidden", allowed.message()));
  }
  if (options.decision_feed == nullptr) {
    return Finish(*call, ErrorReply(503, "unavailable", "this server has no decision stream"));
  }
  DecisionFeed& feed = *options.decision_feed;
  const std::string hello = ": decisions of zone " + zone + "\nretry: " +
                            std::to_string(feed.options().reconnect_after.count()) + "\n\n";
  const bool opened = feed.Open(zone, principal->token_id, [&] {
    Count(call->info, 200);
    http::Response head;
    head.content_type = "text/event-stream";
    head.SetHeader("Cache-Control", "no-store");
    head.SetHeader("X-Content-Type-Options", "nosniff");
    http::Stream stream = call->exchange.StartStream(std::move(head));
    stream.Send(hello);
    return stream;
  });
  if (!opened) {
    return Finish(*call, RetryLater(503, "overloaded",
                                    "the server holds as many event streams as it serves",
                                    options.retry_after_seconds));
  }
}

// --- static files ----------------------------------------------------------------------------------

Reply Server::Impl::Static(const std::string& path) {
  if (path.find("/..") != std::string::npos) return ErrorReply(404, "not_found", "no such file");
  std::optional<StaticFile> file = options.static_files(path == "/" ? "/index.html" : path);
  if (!file) file = options.static_files("/index.html");  // a route of the console's own
  if (!file) return ErrorReply(404, "not_found", "no such file");
  Reply reply;
  reply.content_type = std::move(file->content_type);
  reply.body = std::move(file->body);
  reply.headers = {
      {"Content-Security-Policy", "default-src 'self'; img-src 'self' data:; frame-ancestors 'none'; base-uri 'self'; form-action 'self'"},
      {"Referrer-Policy", "no-referrer"},
      {"X-Frame-Options", "DENY"},
      {"Cache-Control", file->immutable ? "public, max-age=31536000, immutable" : "no-cache"},
  };
  return reply;
}

// --- sessions --------------------------------------------------------------------------------------

Reply Server::Impl::SessionReply(const Principal& principal, const Session& session) {
  Reply reply;
  JsonWriter w(&reply.body);
  w.BeginObject().Key("role").String(RoleName(principal.role));
  NullableString(w, "zone", principal.zone);
  NullableString(w, "party", principal.party);
  w.Key("token_id").String(principal.token_id).Key("csrf").String(session.csrf);
  w.Key("expires_at").String(FormatRfc3339(session.expires_at_unix, 0)).EndObject();
  reply.headers.push_back({"Cache-Control", "no-store"});
  return reply;
}

Reply Server::Impl::CreateSession(Call& call) {
  const http::Request& request = call.request;
  if (request.HeaderValue("Content-Type").rfind("application/json", 0) != 0) {
    return ErrorReply(415, "unsupported_media_type", "send {\"token\": …} as application/json");
  }
  simdjson::dom::parser parser;
  simdjson::dom::element root;
  simdjson::dom::object object;
  std::string_view secret;
  if (parser.parse(request.body).get(root)) {
    return ErrorReply(400, "malformed_json", "the body is not JSON: send {\"token\": \"twl_…\"}", "$");
  }
  if (root.get(object) || object.size() != 1 || object["token"].get(secret)) {
    return ErrorReply(400, "bad_request", "the body must be {\"token\": \"twl_…\"}");
  }
  Principal principal;
  Hash256 hash{};
  TokenCheck check = tokens.AuthenticateSecret(secret, &principal, &hash);
  if (check == TokenCheck::kUnavailable) {
    return RetryLater(503, "unavailable", "the token table cannot be read", options.retry_after_seconds);
  }
  if (check == TokenCheck::kInvalid) return Unauthorized("unknown, malformed or revoked token");
  call.info.token_id = principal.token_id;
  // Each sign-in costs a SHA-256 and CSPRNG bytes: it is rate-limited as an expensive read.
  if (auto limited = RateLimited(principal, RateKind::kRead, 1)) return std::move(*limited);
  auto session = sessions.Create(hash, [this](const Hash256& token_hash) {
    Principal holder;
    return tokens.AuthenticateHash(token_hash, &holder) != TokenCheck::kInvalid;
  });
  if (!session) return RetryLater(503, "unavailable", session.error().message, options.retry_after_seconds);
  Reply reply = SessionReply(principal, *session);
  std::string cookie = std::string(kSessionCookie) + "=" + session->id + "; HttpOnly; SameSite=Strict; Path=/";
  if (options.sessions.secure_cookie) cookie += "; Secure";
  reply.headers.push_back({"Set-Cookie", std::move(cookie)});
  return reply;
}

Reply Server::Impl::ReadSession(Call& call) {
  std::optional<std::string> cookie = call.request.Cookie(kSessionCookie);
  std::optional<Session> session = cookie ? sessions.Find(*cookie) : std::nullopt;
  if (!session) return Unauthorized("no session: sign in with POST /v1/session");
  Reply refusal;
  std::optional<Principal> principal = Authenticate(call, &refusal);
  if (!principal) return refusal;
  return SessionReply(*principal, *session);
}

Reply Server::Impl::EndSession(Call& call) {
  std::optional<std::string> cookie = call.request.Cookie(kSessionCookie);
  if (!cookie || !sessions.Find(*cookie)) return Unauthorized("no session");
  Reply refusal;
  if (!Authenticate(call, &refusal) && refusal.status != 401) return refusal;  // csrf, unavailable
  sessions.Remove(*cookie);
  Reply reply;
  reply.status = 204;
  reply.content_type.clear();
  std::string clear = std::string(kSessionCookie) + "=; HttpOnly; SameSite=Strict; Path=/; Max-Age=0";
  if (options.sessions.secure_cookie) clear += "; Secure";
  reply.headers.push_back({"Set-Cookie", std::move(clear)});
  return reply;
}

// --- tokens ----------------------------------------------------------------------------------------

void Server::Impl::TokenRoute(CallPtr call, const std::vector<std::string_view>& path) {
  const std::string method = call->request.method;
  bool list = (method == "GET" || method == "HEAD") && path.size() == 2;
  bool create = method == "POST" && path.size() == 2;
  bool revoke = method == "DELETE" && path.size() == 3;
  if (!list && !create && !revoke) return Finish(*call, ErrorReply(404, "not_found", "no such route"));
  std::string id = revoke ? std::string(path[2]) : std::string();
  Offload(std::move(call), [this, list, create, id](Call& c) {
    Reply refusal;
    std::optional<Principal> principal = Authenticate(c, &refusal);
    if (!principal) return refusal;
    if (principal->role != Role::kAdmin) return ErrorReply(403, "forbidden", "tokens are managed by admins");
    if (list) return ListTokens();
    if (auto limited = RateLimited(*principal, RateKind::kWrite, 1)) return std::move(*limited);
    return create ? CreateToken(c.request.body) : RevokeToken(id);
  });
}

Reply Server::Impl::ListTokens() {
  auto tokens_read = store.ListTokens();
  if (!tokens_read) return ErrorReply(503, "unavailable", tokens_read.error().message);
  Reply reply;
  JsonWriter w(&reply.body);
  w.BeginArray();
  for (const store::TokenRecord& token : *tokens_read) {
    w.BeginObject().Key("id").String(token.id).Key("role").String(token.role);
    NullableString(w, "zone", token.zone);
    NullableString(w, "party", token.party);
    w.Key("created_at").String(token.created_at);
    NullableString(w, "revoked_at", token.revoked_at);
    w.EndObject();
  }
  w.EndArray();
  reply.headers.push_back({"Cache-Control", "no-store"});
  return reply;
}

Reply Server::Impl::CreateToken(const std::string& body) {
  simdjson::dom::parser parser;
  simdjson::dom::object object;
  if (parser.parse(body).get(object)) return ErrorReply(400, "bad_request", "the body must be a JSON object");
  std::string fields[3];
  const char* names[3] = {"role", "zone", "party"};
  for (auto field : object) {
    auto* name = std::find(std::begin(names), std::end(names), field.key);
    std::string_view value;
    if (name == std::end(names) || field.value.get(value)) {
      return ErrorReply(400, "bad_request", "the body takes \"role\", \"zone\" and \"party\" strings only");
    }
    fields[name - std::begin(names)] = std::string(value);
  }
  std::optional<Role> role = ParseRole(fields[0]);
  if (!role) return ErrorReply(400, "bad_request", "role must be officer, declarant, auditor or admin");
  if (!fields[1].empty() && !Serves(fields[1])) {
    return ErrorReply(400, "bad_request", "this server does not serve zone " + fields[1]);
  }
  auto token = GenerateToken(*role, fields[1], fields[2], NowUtc());
  if (!token) return ErrorReply(400, "bad_request", token.error().message);
  if (Status created = store.CreateToken(token->record); !created) {
    return ErrorReply(503, "unavailable", created.message());
  }
  tokens.Invalidate();
  Reply reply;
  reply.status = 201;
  JsonWriter w(&reply.body);
  w.BeginObject().Key("id").String(token->record.id).Key("role").String(token->record.role);
  NullableString(w, "zone", token->record.zone);
  NullableString(w, "party", token->record.party);
  w.Key("created_at").String(token->record.created_at).Key("token").String(token->secret).EndObject();
  reply.headers.push_back({"Cache-Control", "no-store"});
  return reply;
}

Reply Server::Impl::RevokeToken(const std::string& id) {
  std::string now = NowUtc();
  auto revoked = store.RevokeToken(id, now);
  if (!revoked) return ErrorReply(503, "unavailable", revoked.error().message);
  if (!*revoked) return ErrorReply(404, "not_found", "no active token with this id");
  tokens.Invalidate();
  Reply reply;
  JsonWriter w(&reply.body);
  w.BeginObject().Key("id").String(id).Key("revoked_at").String(now).EndObject();
  return reply;
}

// --- Server ----------------------------------------------------------------------------------------

Server::Server(store::Store& store, store::Writer& writer, const ServerOptions& options)
    : impl_(std::make_unique<Impl>(store, &writer, nullptr, options)) {}

Server::Server(store::Store& store, cluster::ClusterHook& cluster, const ServerOptions& options)
    : impl_(std::make_unique<Impl>(store, nullptr, &cluster, options)) {}

Server::~Server() = default;

Result<int> Server::Bind() { return impl_->http.Bind(); }

void Server::Run() { impl_->http.Run(); }

void Server::Stop() { impl_->http.Stop(); }

HttpStats& Server::http_stats() { return impl_->stats; }

}  // namespace twoline::api
