#include "api/openapi.h"

#include <algorithm>

#include "base/json_writer.h"

namespace twoline::api {
namespace {

struct Parameter {
  const char* name;
  const char* in;  // path | query
  const char* type;  // string | integer
  const char* description;
  bool required = false;  // path parameters always are
};

struct Route {
  const char* method;
  const char* path;
  const char* summary;
  std::vector<Parameter> parameters;
  const char* response_schema;  // a component schema name, "" for plain text, "stream" for events
  std::vector<int> errors;
  bool authenticated;
  const char* request_schema = "";  // "Commands", or a component schema name; "" for no body
  int success = 200;
};

void Ref(JsonWriter& w, const std::string& schema) {
  w.BeginObject().Key("$ref").String("#/components/schemas/" + schema).EndObject();
}

void CommandSchema(JsonWriter& w, const engine::CommandTypeInfo& type) {
  w.Key(std::string("command.") + type.name).BeginObject();
  w.Key("type").String("object").Key("additionalProperties").Bool(false);
  w.Key("required").BeginArray().String("id").String("zone").String("at").String("type");
  for (const auto& field : type.fields) {
    if (field.required) w.String(field.name);
  }
  w.EndArray();
  w.Key("properties").BeginObject();
  w.Key("id").BeginObject().Key("type").String("string").Key("pattern").String("^[A-Za-z0-9._:-]{1,128}$");
  w.Key("description").String("client-chosen idempotency key, scoped to the submitting principal "
                              "(a declarant's party; the zone's officers and admins together)").EndObject();
  w.Key("zone").BeginObject().Key("type").String("string").EndObject();
  w.Key("at").BeginObject().Key("type").String("string").Key("format").String("date-time").EndObject();
  w.Key("type").BeginObject().Key("type").String("string");
  w.Key("enum").BeginArray().String(type.name).EndArray().EndObject();
  for (const auto& field : type.fields) {
    w.Key(field.name).BeginObject().Key("description").String("see SPEC §2 and docs/api.md").EndObject();
  }
  w.EndObject().EndObject();
}

void Schemas(JsonWriter& w, const std::vector<engine::CommandTypeInfo>& commands,
             const OpenApiLimits& limits) {
  w.Key("schemas").BeginObject();
  for (const auto& type : commands) CommandSchema(w, type);
  w.Key("Command").BeginObject().Key("oneOf").BeginArray();
  for (const auto& type : commands) Ref(w, std::string("command.") + type.name);
  w.EndArray().Key("discriminator").BeginObject().Key("propertyName").String("type");
  w.Key("mapping").BeginObject();
  for (const auto& type : commands) {
    w.Key(type.name).String(std::string("#/components/schemas/command.") + type.name);
  }
  w.EndObject().EndObject();
  w.Key("description").String("at most " + std::to_string(limits.command_bytes_max) +
                              " bytes; at most " + std::to_string(limits.declaration_lines_max) +
                              " lines per declaration (413 beyond)");
  w.EndObject();
  w.Key("Decision").BeginObject().Key("type").String("object");
  w.Key("required").BeginArray().String("id").String("outcome").String("reasons").EndArray();
  w.Key("properties").BeginObject();
  w.Key("id").BeginObject().Key("type").String("string").EndObject();
  w.Key("outcome").BeginObject().Key("type").String("string").Key("enum").BeginArray();
  for (const char* outcome : {"accepted", "rejected", "held", "referred", "invalid"}) w.String(outcome);
  w.EndArray().EndObject();
  w.Key("reasons").BeginObject().Key("type").String("array").EndObject();
  w.Key("assessment").BeginObject().Key("type").String("object").EndObject();
  w.Key("seq").BeginObject().Key("type").String("integer").EndObject();
  w.Key("hash").BeginObject().Key("type").String("string").EndObject();
  w.EndObject().EndObject();
  w.Key("Decisions").BeginObject().Key("description")
      .String("one decision for a one-command body, an array of decisions in order for a batch");
  w.Key("oneOf").BeginArray();
  Ref(w, "Decision");
  w.BeginObject().Key("type").String("array").Key("items");
  Ref(w, "Decision");
  w.EndObject().EndArray().EndObject();
  w.Key("Error").BeginObject().Key("type").String("object");
  w.Key("required").BeginArray().String("error").String("message").EndArray();
  w.Key("properties").BeginObject();
  w.Key("error").BeginObject().Key("type").String("string").EndObject();
  w.Key("message").BeginObject().Key("type").String("string").EndObject();
  w.Key("path").BeginObject().Key("type").String("string").Key("description")
      .String("JSON path of the fault in the request body").EndObject();
  w.EndObject().EndObject();
  w.Key("Object").BeginObject().Key("type").String("object").EndObject();
  w.Key("Objects").BeginObject().Key("type").String("array").Key("items");
  Ref(w, "Object");
  w.EndObject();
  w.Key("Tokens").BeginObject().Key("type").String("array").Key("items");
  Ref(w, "Token");
  w.EndObject();
  auto object = [&](const char* name, std::initializer_list<const char*> required,
                    std::initializer_list<const char*> optional) {
    w.Key(name).BeginObject().Key("type").String("object").Key("required").BeginArray();
    for (const char* field : required) w.String(field);
    w.EndArray().Key("properties").BeginObject();
    for (const char* field : required) w.Key(field).BeginObject().Key("type").String(std::string_view(field) == "seq" ? "integer" : "string").EndObject();
    for (const char* field : optional) w.Key(field).BeginObject().Key("type").String(std::string_view(field) == "reasons" ? "array" : "string").Key("nullable").Bool(true).EndObject();
    w.EndObject().EndObject();
  };
  object("SessionRequest", {"token"}, {});
  object("Session", {"role", "token_id", "csrf", "expires_at"}, {"zone", "party"});
  object("TokenRequest", {"role"}, {"zone", "party"});
  object("Token", {"id", "role", "created_at"}, {"zone", "party", "revoked_at", "token"});
  object("DecisionEvent", {"seq", "id", "type", "outcome", "at"},
         {"reasons", "gate", "line", "direction", "person", "declaration"});
  w.EndObject();
}

// The success response's content.
void SuccessContent(JsonWriter& w, const Route& route) {
  w.Key("content").BeginObject();
  if (std::string_view(route.response_schema) == "stream") {
    w.Key("text/event-stream").BeginObject().Key("schema").BeginObject().Key("type").String("string");
    w.Key("description").String("event: decision, data: a DecisionEvent, one per journaled decision; "
                                "a comment line every 15 s");
    w.EndObject().EndObject();
  } else if (route.response_schema[0] == '\0') {
    w.Key("text/plain").BeginObject().Key("schema").BeginObject().Key("type").String("string");
    w.EndObject().EndObject();
  } else {
    w.Key("application/json").BeginObject().Key("schema");
    Ref(w, route.response_schema);
    w.EndObject();
  }
  w.EndObject();
}

void Responses(JsonWriter& w, const Route& route) {
  w.Key("responses").BeginObject();
  w.Key(std::to_string(route.success)).BeginObject().Key("description").String("OK");
  if (route.success != 204) SuccessContent(w, route);  // 204 has no content
  w.EndObject();
  for (int code : route.errors) {
    // A command whose id was decided with another body is answered 409 with its decision (invalid,
    // command.id-reused), not an error object.
    const bool decision = code == 409 && std::string_view(route.response_schema) == "Decisions";
    w.Key(std::to_string(code)).BeginObject().Key("description")
        .String(decision ? "the id was decided with another body: the decision, invalid (command.id-reused)"
                         : "see docs/api.md");
    w.Key("content").BeginObject().Key("application/json").BeginObject().Key("schema");
    Ref(w, decision ? "Decision" : "Error");
    w.EndObject().EndObject().EndObject();
  }
  w.EndObject();
}

void Operation(JsonWriter& w, const Route& route, const OpenApiLimits& limits) {
  w.Key(route.method).BeginObject().Key("summary").String(route.summary);
  if (!route.authenticated) w.Key("security").BeginArray().EndArray();
  w.Key("parameters").BeginArray();
  for (const Parameter& parameter : route.parameters) {
    w.BeginObject().Key("name").String(parameter.name).Key("in").String(parameter.in);
    w.Key("required").Bool(parameter.required || std::string_view(parameter.in) == "path");
    w.Key("description").String(parameter.description);
    w.Key("schema").BeginObject().Key("type").String(parameter.type).EndObject().EndObject();
  }
  w.EndArray();
  if (std::string_view(route.request_schema) == "Toml") {
    w.Key("requestBody").BeginObject().Key("required").Bool(true);
    w.Key("description").String("a draft profile's TOML text (docs/profiles.md)");
    w.Key("content").BeginObject().Key("text/plain").BeginObject().Key("schema").BeginObject();
    w.Key("type").String("string").EndObject().EndObject().EndObject().EndObject();
  } else if (std::string_view(route.request_schema) != "" &&
             std::string_view(route.request_schema) != "Commands") {
    w.Key("requestBody").BeginObject().Key("required").Bool(true);
    w.Key("content").BeginObject().Key("application/json").BeginObject().Key("schema");
    Ref(w, route.request_schema);
    w.EndObject().EndObject().EndObject();
  }
  if (std::string_view(route.request_schema) == "Commands") {
    w.Key("requestBody").BeginObject().Key("required").Bool(true);
    w.Key("description").String("one command, or an array of at most " +
                                 std::to_string(limits.batch_commands_max) + " (a batch); body at most " +
                                 std::to_string(limits.body_bytes_max) + " bytes");
    w.Key("content").BeginObject().Key("application/json").BeginObject().Key("schema");
    w.BeginObject().Key("oneOf").BeginArray();
    Ref(w, "Command");
    w.BeginObject().Key("type").String("array").Key("items");
    Ref(w, "Command");
    w.Key("maxItems").Int(static_cast<int64_t>(limits.batch_commands_max)).EndObject();
    w.EndArray().EndObject().EndObject().EndObject().EndObject();
  }
  Responses(w, route);
  w.EndObject();
}

}  // namespace

std::string OpenApiDocument(const std::vector<engine::CommandTypeInfo>& commands,
                            const OpenApiLimits& limits) {
  const std::string page = "at most " + std::to_string(limits.page_limit_max) + " (default 100)";
  const Parameter zone{"zone", "path", "string", "zone id, e.g. hengqin"};
  const std::vector<Route> routes = {
      {"post", "/v1/zones/{zone}/commands", "Submit one command or a batch; answers after fsync",
       {zone, {"receipt", "query", "integer",
               "1: each journaled decision carries \"receipt\": {seq, leaf_hash, tree_size} "
               "(docs/proofs.md); 0 or absent: none"}},
       "Decisions", {400, 401, 403, 404, 409, 411, 413, 415, 429, 503}, true, "Commands"},
      {"get", "/v1/zones", "Profiles of the zones served (an array, one per zone)", {}, "Objects", {401}, true},
      {"get", "/v1/zones/{zone}/presence", "Persons inside the zone",
       {zone, {"offset", "query", "integer", "persons to skip"}, {"limit", "query", "integer", page.c_str()}},
       "Object", {400, 401, 403, 404, 503}, true},
      {"get", "/v1/zones/{zone}/parties/{party}/balance", "Ledger balances of a party",
       {zone, {"party", "path", "string", "party id"}}, "Object", {401, 403, 404, 503}, true},
      {"get", "/v1/zones/{zone}/declarations/{declaration}",
       "A declaration with its decision, postings and trace",
       {zone, {"declaration", "path", "string", "declaration id, or ID@PARTY when several parties use the id"}},
       "Object", {401, 403, 404, 409, 429, 503}, true},
      {"get", "/v1/zones/{zone}/journal", "Journal entries in seq order",
       {zone, {"from", "query", "integer", "first seq (default 1)"}, {"limit", "query", "integer", page.c_str()}},
       "Object", {400, 401, 403, 404, 429, 503}, true},
      {"get", "/v1/zones/{zone}/reports/flows", "Flows by line, direction and day; duties collected",
       {zone, {"from", "query", "string", "first local date, YYYY-MM-DD", true},
        {"to", "query", "string", "last local date, YYYY-MM-DD", true}},
       "Object", {400, 401, 403, 404, 429, 503}, true},
      {"get", "/v1/zones/{zone}/declarations", "Declarations in id order (a declarant: its own)",
       {zone, {"state", "query", "string", "accepted, held, released, posted, cancelled or refused"},
        {"declarant", "query", "string", "a party id"}, {"offset", "query", "integer", "declarations to skip"},
        {"limit", "query", "integer", page.c_str()}},
       "Object", {400, 401, 403, 404, 429, 503}, true},
      {"get", "/v1/zones/{zone}/persons/{person}",
       "A registered person: documents, lists, presence and the newest crossings",
       {zone, {"person", "path", "string", "person id"}}, "Object", {401, 403, 404, 503}, true},
      {"get", "/v1/zones/{zone}/crossings", "Crossings, newest first",
       {zone, {"outcome", "query", "string", "accepted, rejected or referred"},
        {"person", "query", "string", "a person id"}, {"offset", "query", "integer", "crossings to skip"},
        {"limit", "query", "integer", page.c_str()}},
       "Object", {400, 401, 403, 404, 503}, true},
      {"get", "/v1/zones/{zone}/verify",
       "The zone's chain replayed from entry 1: {zone, ok, entries, head, state_hash} or {zone, ok: false, "
       "error} (auditors, admins)",
       {zone}, "Object", {401, 403, 404, 429, 503}, true},
      {"post", "/v1/zones/{zone}/whatif",
       "What-if: the zone's journal decided again under a draft profile; never writes (admins)",
       {zone, {"from", "query", "string", "first local date, YYYY-MM-DD"},
        {"to", "query", "string", "last local date, YYYY-MM-DD"}},
       "Object", {400, 401, 403, 404, 413, 429, 503}, true, "Toml"},
      {"get", "/v1/cluster", "The cluster's nodes and zones (admins, auditors; 404 unless a cluster node)", {},
       "Object", {401, 403, 404}, true},
      {"get", "/v1/zones/{zone}/checkpoint",
       "The zone's signed checkpoint (a C2SP signed note, docs/proofs.md): of the committed journal "
       "when the server has a signing key, else the latest kept (auditors, admins, declarants)",
       {zone}, "", {401, 403, 404, 429, 503}, true},
      {"get", "/v1/zones/{zone}/proofs/inclusion",
       "An entry's inclusion proof, as `twoline prove` prints it (auditors, admins; declarants for "
       "their own commands' entries)",
       {zone, {"seq", "query", "integer", "the entry's seq", true},
        {"size", "query", "integer", "tree size (default: the latest checkpoint's)"}},
       "Object", {400, 401, 403, 404, 429, 503}, true},
      {"get", "/v1/zones/{zone}/proofs/consistency",
       "A consistency proof between two tree sizes, as `twoline prove --consistency` prints it "
       "(auditors, admins, declarants)",
       {zone, {"from", "query", "integer", "the older tree size", true},
        {"to", "query", "integer", "the newer tree size (default: the latest checkpoint's)"}},
       "Object", {400, 401, 403, 404, 429, 503}, true},
      {"get", "/v1/zones/{zone}/stream",
       "Server-sent events: one `decision` event per journaled decision of the zone as it becomes durable "
       "(officers, auditors, admins)",
       {zone}, "stream", {401, 403, 404, 503}, true},
      {"post", "/v1/session",
       "Sign in: exchange a token for a session cookie (HttpOnly, SameSite=Strict) and a CSRF value; "
       "state-changing requests made with the cookie must send X-CSRF-Token",
       {}, "Session", {400, 401, 415, 503}, false, "SessionRequest"},
      {"get", "/v1/session", "The session of the cookie", {}, "Session", {401}, false},
      {"delete", "/v1/session", "Sign out (needs X-CSRF-Token)", {}, "Object", {401, 403}, false, "", 204},
      {"get", "/v1/tokens", "Every token, never a secret (admins)", {}, "Tokens", {401, 403}, true},
      {"post", "/v1/tokens", "Create a token; its secret is shown once in `token` (admins)", {}, "Token",
       {400, 401, 403, 429}, true, "TokenRequest", 201},
      {"delete", "/v1/tokens/{id}", "Revoke a token (admins); its sessions end with it",
       {{"id", "path", "string", "token id, tok_…"}}, "Object", {401, 403, 404}, true},
      {"get", "/healthz", "Liveness; 503 once writes have stopped", {}, "Object", {503}, false},
      {"get", "/metrics", "Prometheus text format", {}, "", {}, false},
      {"get", "/v1/openapi.json", "This document", {}, "Object", {}, false},
  };
  std::string out;
  JsonWriter w(&out);
  w.BeginObject().Key("openapi").String("3.0.3");
  w.Key("info").BeginObject().Key("title").String("twoline customs supervision API");
  w.Key("version").String("1").EndObject();
  w.Key("security").BeginArray().BeginObject().Key("bearer").BeginArray().EndArray().EndObject();
  w.BeginObject().Key("session").BeginArray().EndArray().EndObject().EndArray();
  w.Key("paths").BeginObject();
  std::vector<std::string_view> paths;  // in first-seen order, each with all its operations
  for (const Route& route : routes) {
    if (std::find(paths.begin(), paths.end(), route.path) == paths.end()) paths.push_back(route.path);
  }
  for (std::string_view path : paths) {
    w.Key(path).BeginObject();
    for (const Route& route : routes) {
      if (route.path == path) Operation(w, route, limits);
    }
    w.EndObject();
  }
  w.EndObject();
  w.Key("components").BeginObject();
  w.Key("securitySchemes").BeginObject().Key("bearer").BeginObject().Key("type").String("http");
  w.Key("scheme").String("bearer").EndObject();
  w.Key("session").BeginObject().Key("type").String("apiKey").Key("in").String("cookie");
  w.Key("name").String("twoline_session").EndObject().EndObject();
  Schemas(w, commands, limits);
  w.EndObject().EndObject();
  return out;
}

}  // namespace twoline::api
