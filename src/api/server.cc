#include "api/server.h"

#include <httplib.h>
#include <sys/socket.h>

#include <algorithm>
#include <atomic>
#include <charconv>
#include <thread>

#include "api/auth.h"
#include "api/log.h"
#include "api/openapi.h"
#include "base/json_writer.h"
#include "store/read_models.h"

namespace twoline::api {
namespace {

using Clock = std::chrono::steady_clock;

struct Reply {
  int status = 200;
  std::string body;
  std::string content_type = "application/json";
  int retry_after_seconds = 0;
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

// What the logger and the metrics need to know about the request a connection thread is serving.
// Set when routing starts, consumed (and cleared) when the response is logged.
struct RequestInfo {
  Clock::time_point started{};
  std::string route = "other";
  std::string zone;
  std::string token_id;
  size_t commands = 0;
};
thread_local RequestInfo current_request;

std::vector<std::string_view> SplitPath(std::string_view path) {
  std::vector<std::string_view> segments;
  while (!path.empty()) {
    if (path.front() == '/') {
      path.remove_prefix(1);
      continue;
    }
    size_t end = path.find('/');
    segments.push_back(path.substr(0, end));
    if (end == std::string_view::npos) break;
    path.remove_prefix(end);
  }
  return segments;
}

// The route template of a path, for logs and metrics labels (never the path itself: ids stay out).
std::string RouteTemplate(std::string_view method, std::string_view path) {
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
  else if (is({"v1", "zones"})) route = "/v1/zones";
  else if (is({"v1", "cluster"})) route = "/v1/cluster";
  else if (is({"v1", "zones", "{zone}", "commands"})) route = "/v1/zones/{zone}/commands";
  else if (is({"v1", "zones", "{zone}", "presence"})) route = "/v1/zones/{zone}/presence";
  else if (is({"v1", "zones", "{zone}", "parties", "{party}", "balance"})) route = "/v1/zones/{zone}/parties/{party}/balance";
  else if (is({"v1", "zones", "{zone}", "declarations", "{declaration}"})) route = "/v1/zones/{zone}/declarations/{declaration}";
  else if (is({"v1", "zones", "{zone}", "journal"})) route = "/v1/zones/{zone}/journal";
  else if (is({"v1", "zones", "{zone}", "reports", "flows"})) route = "/v1/zones/{zone}/reports/flows";
  return std::string(method) + " " + route;
}

// A query parameter as a count in [minimum, maximum]; `fallback` when absent.
Result<size_t> CountParameter(const httplib::Request& request, const char* name, size_t fallback,
                              size_t minimum, size_t maximum) {
  if (!request.has_param(name)) return fallback;
  std::string text = request.get_param_value(name);
  size_t value = 0;
  auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (error != std::errc() || end != text.data() + text.size() || value < minimum || value > maximum) {
    return Error{"query parameter \"" + std::string(name) + "\" must be an integer from " +
                 std::to_string(minimum) + " to " + std::to_string(maximum)};
  }
  return value;
}

const char* GenericErrorCode(int status) {
  switch (status) {
    case 400: return "bad_request";
    case 401: return "unauthorized";
    case 403: return "forbidden";
    case 404: return "not_found";
    case 405: return "method_not_allowed";
    case 409: return "conflict";
    case 411: return "length_required";
    case 413: return "too_large";
    case 414: return "uri_too_long";
    case 501: return "not_implemented";
    case 503: return "unavailable";
    default: return status >= 500 ? "internal" : "error";
  }
}

}  // namespace

struct Server::Impl {
  Impl(store::Store& store_, store::Writer* writer_, cluster::ClusterHook* cluster_,
       const ServerOptions& options_)
      : store(store_), writer(writer_), cluster(cluster_), options(options_), tokens(store_, options_.token_refresh),
        log(options_.log) {
    OpenApiLimits limits{options.body.body_bytes_max, options.body.batch_commands_max,
                         options.body.command.command_bytes_max,
                         options.body.command.declaration_lines_max, options.page_limit_max};
    openapi = OpenApiDocument(engine::CommandTable(), limits);
  }

  void Install();
  void Send(const Reply& reply, httplib::Response& response);
  void AfterResponse(const httplib::Request& request, const httplib::Response& response);
  std::optional<Principal> Authenticate(const httplib::Request& request, Reply* refusal);
  bool Serves(std::string_view zone) const;

  Reply Get(const httplib::Request& request);
  Reply GetZoneResource(const httplib::Request& request, const std::vector<std::string_view>& path);
  Reply PostCommands(const httplib::Request& request, const std::string& zone);
  Reply SubmitAndWait(const Principal& principal, const std::string& zone, ParsedBody body,
                      store::Writer& zone_writer);
  // The writer for `zone`: this server's, or in cluster mode the node's (null: `relayed` is set).
  std::shared_ptr<store::Writer> WriterFor(const std::string& zone, const httplib::Request& request,
                                           Reply* relayed);
  Reply Cluster(const httplib::Request& request);
  Reply Presence(const httplib::Request& request, const std::string& zone);
  Reply Balance(const Principal& principal, const std::string& zone, const std::string& party);
  Reply Declaration(const Principal& principal, const std::string& zone, const std::string& id,
                    store::Writer& zone_writer);
  Reply Journal(const httplib::Request& request, const std::string& zone);
  Reply Flows(const httplib::Request& request, const std::string& zone);
  Reply Health();

  store::Store& store;
  store::Writer* writer;           // null in cluster mode
  cluster::ClusterHook* cluster;   // null unless in cluster mode
  store::WriterStats no_writer_stats;  // /metrics in cluster mode (zone writers come and go)
  const ServerOptions options;
  TokenCache tokens;
  HttpStats stats;
  Log log;
  std::string openapi;
  httplib::Server http;
  std::atomic<bool> running{false};
  std::atomic<bool> stop_requested{false};
  std::atomic<int> listen_socket{-1};
};

void Server::Impl::Send(const Reply& reply, httplib::Response& response) {
  response.status = reply.status;
  if (reply.retry_after_seconds > 0) {
    response.set_header("Retry-After", std::to_string(reply.retry_after_seconds));
  }
  response.set_content(reply.body, reply.content_type.c_str());
}

void Server::Impl::AfterResponse(const httplib::Request& request, const httplib::Response& response) {
  RequestInfo info = std::move(current_request);
  current_request = RequestInfo{};
  if (info.started == Clock::time_point{}) info.route = RouteTemplate(request.method, request.path);
  double seconds = info.started == Clock::time_point{}
                       ? 0.0
                       : std::chrono::duration<double>(Clock::now() - info.started).count();
  stats.Count(info.route, response.status, seconds);
  if (!options.access_log && response.status < 400) return;
  LogLine line(response.status >= 500 ? "error" : response.status >= 400 ? "warn" : "info", "request");
  line.Add("route", info.route).Add("status", static_cast<int64_t>(response.status));
  line.Add("duration_ms", seconds * 1000.0);
  if (!info.zone.empty()) line.Add("zone", info.zone);
  if (!info.token_id.empty()) line.Add("token", info.token_id);
  if (info.commands > 0) line.Add("commands", static_cast<int64_t>(info.commands));
  log.Write(line);
}

std::optional<Principal> Server::Impl::Authenticate(const httplib::Request& request, Reply* refusal) {
  if (!request.has_header("Authorization")) {
    *refusal = ErrorReply(401, "unauthorized", "an Authorization: Bearer <token> header is required");
    return std::nullopt;
  }
  std::optional<Principal> principal = tokens.Authenticate(request.get_header_value("Authorization"));
  if (!principal) *refusal = ErrorReply(401, "unauthorized", "unknown, malformed or revoked token");
  if (principal) current_request.token_id = principal->token_id;
  return principal;
}

bool Server::Impl::Serves(std::string_view zone) const {
  if (cluster != nullptr) return cluster->Serves(std::string(zone));
  const auto& ids = writer->zone_ids();
  return std::binary_search(ids.begin(), ids.end(), zone);
}

void Server::Impl::Install() {
  http.new_task_queue = [threads = options.threads] { return new httplib::ThreadPool(threads); };
  http.set_payload_max_length(options.body.body_bytes_max);
  http.set_read_timeout(options.read_timeout_seconds, 0);
  http.set_write_timeout(options.write_timeout_seconds, 0);
  http.set_keep_alive_timeout(options.keep_alive_timeout_seconds);
  http.set_keep_alive_max_count(options.keep_alive_requests_max);
  http.set_tcp_nodelay(true);
  // cpp-httplib 0.11 listens with a backlog of 5, compiled in: a burst of new connections beyond it
  // waits a second for a SYN retransmission. Remember the listening socket to deepen it after bind.
  http.set_socket_options([this](socket_t socket) {
    httplib::default_socket_options(socket);
    int none = -1;
    listen_socket.compare_exchange_strong(none, socket);
  });
  // GET requests are routed here, without regular expressions; everything else falls through to
  // cpp-httplib's routing (the one POST route) after its body has been read within the limit.
  http.set_pre_routing_handler([this](const httplib::Request& request, httplib::Response& response) {
    current_request = RequestInfo{};
    current_request.started = Clock::now();
    current_request.route = RouteTemplate(request.method, request.path);
    if (request.method == "POST" && request.get_header_value("Transfer-Encoding") == "chunked") {
      // cpp-httplib 0.11 does not bound chunked bodies; refuse them rather than buffer without limit.
      Send(ErrorReply(411, "length_required", "send the body with a Content-Length"), response);
      response.set_header("Connection", "close");
      return httplib::Server::HandlerResponse::Handled;
    }
    if (request.method != "GET") return httplib::Server::HandlerResponse::Unhandled;
    Send(Get(request), response);
    return httplib::Server::HandlerResponse::Handled;
  });
  http.Post(R"(/v1/zones/([^/]+)/commands)",
            [this](const httplib::Request& request, httplib::Response& response) {
              Send(PostCommands(request, request.matches[1].str()), response);
            });
  http.set_error_handler([this](const httplib::Request&, httplib::Response& response) {
    if (!response.body.empty()) return;  // our own error replies already have a body
    Send(ErrorReply(response.status, GenericErrorCode(response.status),
                    "HTTP " + std::to_string(response.status)),
         response);
  });
  http.set_exception_handler(
      [this](const httplib::Request&, httplib::Response& response, std::exception_ptr) {
        Send(ErrorReply(500, "internal", "internal error"), response);
      });
  http.set_logger([this](const httplib::Request& request, const httplib::Response& response) {
    AfterResponse(request, response);
  });
}

Reply Server::Impl::Get(const httplib::Request& request) {
  std::vector<std::string_view> path = SplitPath(request.path);
  if (path.size() == 1 && path[0] == "healthz") return Health();
  if (path.size() == 1 && path[0] == "metrics") {
    Reply reply;
    reply.body = RenderMetrics(writer != nullptr ? writer->stats() : no_writer_stats, stats);
    reply.content_type = "text/plain; version=0.0.4";
    return reply;
  }
  if (path.size() == 2 && path[0] == "v1" && path[1] == "openapi.json") return Reply{200, openapi};
  if (path.size() == 2 && path[0] == "v1" && path[1] == "cluster") return Cluster(request);
  if (path.size() < 2 || path[0] != "v1" || path[1] != "zones") {
    return ErrorReply(404, "not_found", "no such route");
  }
  if (path.size() == 2) {
    Reply refusal;
    if (!Authenticate(request, &refusal)) return refusal;
    return Reply{200, options.zones_json};
  }
  return GetZoneResource(request, path);
}

Reply Server::Impl::GetZoneResource(const httplib::Request& request,
                                    const std::vector<std::string_view>& path) {
  const std::string zone(path[2]);
  const std::string_view kind = path.size() > 3 ? path[3] : std::string_view();
  bool known = (path.size() == 4 && (kind == "presence" || kind == "journal")) ||
               (path.size() == 5 && kind == "declarations") ||
               (path.size() == 5 && kind == "reports" && path[4] == "flows") ||
               (path.size() == 6 && kind == "parties" && path[5] == "balance");
  if (!known) return ErrorReply(404, "not_found", "no such route");
  Reply refusal;
  std::optional<Principal> principal = Authenticate(request, &refusal);
  if (!principal) return refusal;
  current_request.zone = zone;
  if (!Serves(zone)) return ErrorReply(404, "not_found", "this server does not serve zone " + zone);
  if (kind == "parties") return Balance(*principal, zone, std::string(path[4]));
  if (kind == "declarations") {
    Reply relayed;
    std::shared_ptr<store::Writer> zone_writer = WriterFor(zone, request, &relayed);
    if (!zone_writer) return relayed;
    return Declaration(*principal, zone, std::string(path[4]), *zone_writer);
  }
  const ReadKind read = kind == "presence" ? ReadKind::kPresence
                        : kind == "journal" ? ReadKind::kJournal
                                            : ReadKind::kReport;
  if (Status allowed = AllowRead(*principal, read, zone, ""); !allowed) {
    return ErrorReply(403, "forbidden", allowed.message());
  }
  if (read == ReadKind::kPresence) return Presence(request, zone);
  if (read == ReadKind::kJournal) return Journal(request, zone);
  return Flows(request, zone);
}

Reply Server::Impl::PostCommands(const httplib::Request& request, const std::string& zone) {
  Reply refusal;
  std::optional<Principal> principal = Authenticate(request, &refusal);
  if (!principal) return refusal;
  current_request.zone = zone;
  if (!Serves(zone)) return ErrorReply(404, "not_found", "this server does not serve zone " + zone);
  if (Status allowed = AllowSubmit(*principal, zone); !allowed) {
    return ErrorReply(403, "forbidden", allowed.message());
  }
  Reply relayed;
  std::shared_ptr<store::Writer> zone_writer = WriterFor(zone, request, &relayed);
  if (!zone_writer) return relayed;
  auto parsed = ParseCommandsBody(request.body, options.body);
  if (const auto* error = std::get_if<BodyError>(&parsed)) {
    return ErrorReply(error->status, error->code, error->message, error->path);
  }
  return SubmitAndWait(*principal, zone, std::move(std::get<ParsedBody>(parsed)), *zone_writer);
}

std::shared_ptr<store::Writer> Server::Impl::WriterFor(const std::string& zone,
                                                       const httplib::Request& request,
                                                       Reply* relayed) {
  if (cluster == nullptr) return std::shared_ptr<store::Writer>(writer, [](store::Writer*) {});
  cluster::RelayRequest relay{request.method, request.target, request.get_header_value("Authorization"),
                              request.get_header_value("Content-Type"), request.body,
                              request.get_header_value(cluster::kForwardedByHeader)};
  cluster::Route route = cluster->RouteZone(zone, relay);
  if (route.writer) return route.writer;
  relayed->status = route.reply->status;
  relayed->body = std::move(route.reply->body);
  if (!route.reply->content_type.empty()) relayed->content_type = route.reply->content_type;
  relayed->retry_after_seconds = route.reply->retry_after_seconds;
  return nullptr;
}

Reply Server::Impl::Cluster(const httplib::Request& request) {
  if (cluster == nullptr) return ErrorReply(404, "not_found", "this server is not a cluster node");
  Reply refusal;
  std::optional<Principal> principal = Authenticate(request, &refusal);
  if (!principal) return refusal;
  if (principal->role != Role::kAdmin && principal->role != Role::kAuditor) {
    return ErrorReply(403, "forbidden", "the cluster view is for admins and auditors");
  }
  return Reply{200, cluster->StatusJson()};
}

Reply Server::Impl::SubmitAndWait(const Principal& principal, const std::string& zone,
                                  ParsedBody body, store::Writer& zone_writer) {
  current_request.commands = body.commands.size();
  store::SubmitRequest submit;
  submit.zone = zone;
  submit.commands = std::move(body.commands);
  if (principal.role == Role::kDeclarant) {
    submit.authorize = [principal](const engine::Command& command, const store::Zone& zone_state) {
      return AuthorizeCommand(principal, command, zone_state);
    };
  }
  store::SubmitResult result = zone_writer.Submit(std::move(submit)).get();
  switch (result.status) {
    case store::SubmitStatus::kDecided:
      break;
    case store::SubmitStatus::kForbidden:
      return ErrorReply(403, "forbidden", result.message);
    case store::SubmitStatus::kUnknownZone:
      return ErrorReply(404, "not_found", result.message);
    case store::SubmitStatus::kOverloaded: {
      Reply reply = ErrorReply(503, "overloaded", result.message);
      reply.retry_after_seconds = options.retry_after_seconds;
      return reply;
    }
    case store::SubmitStatus::kUnavailable: {
      Reply reply = ErrorReply(503, "unavailable", result.message);
      // A cluster node stops writing a zone it lost: another node writes it within a lease.
      reply.retry_after_seconds = cluster != nullptr ? 1 : 30;
      return reply;
    }
  }
  Reply reply;
  if (!body.batch) {
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

Reply Server::Impl::Presence(const httplib::Request& request, const std::string& zone) {
  auto offset = CountParameter(request, "offset", 0, 0, 1'000'000'000);
  auto limit = CountParameter(request, "limit", options.page_limit_default, 1, options.page_limit_max);
  if (!offset) return ErrorReply(400, "bad_request", offset.error().message);
  if (!limit) return ErrorReply(400, "bad_request", limit.error().message);
  auto page = store.ReadPresence(zone, *offset, *limit);
  if (!page) return ErrorReply(503, "unavailable", page.error().message);
  return Reply{200, store::PresencePageJson(zone, *page, *offset)};
}

Reply Server::Impl::Balance(const Principal& principal, const std::string& zone,
                            const std::string& party) {
  if (Status allowed = AllowRead(principal, ReadKind::kBalance, zone, party); !allowed) {
    return ErrorReply(403, "forbidden", allowed.message());
  }
  auto balance = store.ReadBalance(zone, party);
  if (!balance) return ErrorReply(503, "unavailable", balance.error().message);
  if (!*balance) return ErrorReply(404, "not_found", "no such party in zone " + zone);
  return Reply{200, (*balance)->json};
}

// Declarations are read from the engine on the writer thread (their trace shows live lot balances;
// see store/read_models.h), where the zone also knows who declared each one.
Reply Server::Impl::Declaration(const Principal& principal, const std::string& zone,
                                const std::string& id, store::Writer& zone_writer) {
  Reply reply;
  auto json = zone_writer
                  .Read(zone,
                        [&](const store::Zone& state) -> Result<std::string> {
                          std::string declarant = state.tracker.DeclarantOf(id);
                          if (declarant.empty()) declarant = principal.party;  // unknown: not found
                          Status allowed = AllowRead(principal, ReadKind::kDeclaration, zone, declarant);
                          if (!allowed) {
                            reply = ErrorReply(403, "forbidden", allowed.message());
                            return Error{allowed.message()};
                          }
                          std::optional<std::string> view = store::DeclarationView(state.chain.engine(), id);
                          if (!view) {
                            reply = ErrorReply(404, "not_found", "no such declaration in zone " + zone);
                            return Error{"not found"};
                          }
                          return std::move(*view);
                        })
                  .get();  // waits here, so the references captured above stay valid
  if (json) return Reply{200, std::move(*json)};
  if (reply.status == 200) return ErrorReply(503, "unavailable", json.error().message);
  return reply;
}

Reply Server::Impl::Journal(const httplib::Request& request, const std::string& zone) {
  auto from = CountParameter(request, "from", 1, 1, UINT32_MAX);
  auto limit = CountParameter(request, "limit", options.page_limit_default, 1, options.page_limit_max);
  if (!from) return ErrorReply(400, "bad_request", from.error().message);
  if (!limit) return ErrorReply(400, "bad_request", limit.error().message);
  auto entries = store.ReadEntries(zone, *from, *limit);
  if (!entries) return ErrorReply(503, "unavailable", entries.error().message);
  Reply reply;
  JsonWriter w(&reply.body);
  w.BeginObject().Key("zone").String(zone).Key("from").Int(static_cast<int64_t>(*from));
  w.Key("entries").BeginArray();
  for (const store::EntryRecord& entry : *entries) w.Raw(entry.line);
  w.EndArray().Key("next");
  if (entries->size() == *limit) {
    w.Int(static_cast<int64_t>(entries->back().seq + 1));
  } else {
    w.Null();
  }
  w.EndObject();
  return reply;
}

Reply Server::Impl::Flows(const httplib::Request& request, const std::string& zone) {
  auto from = ParseDate(request.get_param_value("from"));
  auto to = ParseDate(request.get_param_value("to"));
  if (!from || !to || *to < *from) {
    return ErrorReply(400, "bad_request", "query parameters \"from\" and \"to\" must be dates "
                                          "YYYY-MM-DD with from <= to");
  }
  Reply relayed;
  std::shared_ptr<store::Writer> zone_writer = WriterFor(zone, request, &relayed);
  if (!zone_writer) return relayed;
  auto report = zone_writer
                    ->Read(zone,
                          [from = *from, to = *to](const store::Zone& state) {
                            return store::ReportView(state.chain.engine(), from, to);
                          })
                    .get();
  if (!report) return ErrorReply(503, "unavailable", report.error().message);
  return Reply{200, *report};
}

Reply Server::Impl::Health() {
  if (writer != nullptr && writer->writes_stopped()) {
    return ErrorReply(503, "writes_stopped", "a commit failed; writes are stopped until restart");
  }
  Reply reply;
  JsonWriter w(&reply.body);
  w.BeginObject().Key("status").String("ok");
  w.Key("zones").Int(static_cast<int64_t>(writer != nullptr ? writer->zone_ids().size() : 0));
  w.EndObject();
  return reply;
}

Server::Server(store::Store& store, store::Writer& writer, const ServerOptions& options)
    : impl_(std::make_unique<Impl>(store, &writer, nullptr, options)) {
  impl_->Install();
}

Server::Server(store::Store& store, cluster::ClusterHook& cluster, const ServerOptions& options)
    : impl_(std::make_unique<Impl>(store, nullptr, &cluster, options)) {
  impl_->Install();
}

Server::~Server() { Stop(); }

Result<int> Server::Bind() {
  const ServerOptions& options = impl_->options;
  int port = options.port;
  if (port == 0) {
    port = impl_->http.bind_to_any_port(options.host);
    if (port <= 0) return Error{"cannot listen on " + options.host};
  } else if (!impl_->http.bind_to_port(options.host, port)) {
    return Error{"cannot listen on " + options.host + ":" + std::to_string(port)};
  }
  // Listening again on a listening socket only changes its backlog (Linux).
  if (impl_->listen_socket >= 0) ::listen(impl_->listen_socket, options.listen_backlog);
  return port;
}

void Server::Run() {
  impl_->running = true;
  if (!impl_->stop_requested) impl_->http.listen_after_bind();
  impl_->running = false;
}

void Server::Stop() {
  impl_->stop_requested = true;
  // cpp-httplib's stop() does nothing until the server listens; a Run that is about to listen is
  // waited for, so that a stop (a signal) arriving during start-up is never lost.
  while (impl_->running && !impl_->http.is_running()) {
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  impl_->http.stop();
}

HttpStats& Server::http_stats() { return impl_->stats; }

}  // namespace twoline::api
