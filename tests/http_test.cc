// HTTP end-to-end tests (SPEC §6): the server on an ephemeral 127.0.0.1 port, every route, every
// error code, every role rule, exercised with a real HTTP client.
#include <simdjson.h>

#include "engine/command_table.h"
#include "http_service.h"

namespace twoline {
namespace {

using testing::NowAt;
using testing::Service;
using testing::StringAt;
using testing::ServiceOptions;

// A hengqin command with the standard envelope.
std::string Command(const std::string& id, const std::string& type, const std::string& members,
                    const std::string& at = "2026-03-02T08:00:00+08:00") {
  return R"({"id":")" + id + R"(","zone":"hengqin","at":")" + at + R"(","type":")" + type + "\"," +
         members + "}";
}
std::string Party(const std::string& id, const std::string& party,
                  const std::string& at = "2026-03-02T08:00:00+08:00") {
  return Command(id, "register_party",
                 R"("party":{"id":")" + party + R"(","name":"Firm","kind":"enterprise","credit":"general","lists":[]})",
                 at);
}
std::string Item(const std::string& id) {
  return Command(id, "register_item",
                 R"("item":{"sku":"OIL","hs_code":"3301.29","description":"Lavender oil","unit":"kg","tags":[]})");
}
std::string Declare(const std::string& id, const std::string& declaration, const std::string& party,
                    int lines = 1, const std::string& at = "2026-03-02T08:00:00+08:00") {
  std::string body = R"("declaration":{"id":")" + declaration +
                     R"(","kind":"first_line_in","declarant":")" + party + R"(","lines":[)";
  for (int i = 0; i < lines; ++i) {
    if (i > 0) body += ",";
    body += R"({"sku":"OIL","qty":"10","value":"1000.00","currency":"CNY","origin":"FR","certificates":[]})";
  }
  return Command(id, "declare", body + "]}", at);
}
std::string Person(const std::string& id, const std::string& person) {
  return Command(id, "register_person",
                 R"("person":{"id":")" + person +
                     R"(","name":"Chan Tai Man","nationality":"CN","resident_of":"MO","birth_date":"1979-05-03","documents":[{"type":"home_return_permit","number":"H12345678","valid_from":"2019-01-01","valid_until":"2029-01-01"}],"lists":[]})");
}
std::string Cross(const std::string& id, const std::string& person,
                  const std::string& at = "2026-03-02T09:00:00+08:00") {
  return Command(id, "cross", R"("person":")" + person + R"(","gate":"HQ-L1-GEN-01","direction":"in")",
                 at);
}

simdjson::dom::element Json(simdjson::dom::parser& parser, const std::string& text) {
  simdjson::dom::element element;
  EXPECT_FALSE(parser.parse(text).get(element)) << text;
  return element;
}

class HttpTest : public ::testing::Test {
 protected:
  static ServiceOptions Options() {
    ServiceOptions options;
    options.server.body.body_bytes_max = 1 << 20;
    options.server.body.batch_commands_max = 50;
    options.server.body.command.declaration_lines_max = 5;
    options.server.page_limit_max = 100;
    options.tokens["declarant-a"] = {api::Role::kDeclarant, "hengqin", "P-A"};
    options.tokens["declarant-b"] = {api::Role::kDeclarant, "hengqin", "P-B"};
    options.tokens["revoked"] = {api::Role::kAdmin, "", ""};
    return options;
  }
  void SetUp() override {
    service_ = std::make_unique<Service>(Options());
    // A small zone: two parties, an item, a declaration each, two persons of whom one is inside.
    std::string batch = "[" + Party("s1", "P-A") + "," + Party("s2", "P-B") + "," + Item("s3") + "," +
                        Declare("s4", "D-A", "P-A") + "," + Declare("s5", "D-B", "P-B") + "," +
                        Person("s6", "MO-1") + "," + Person("s7", "MO-2") + "," + Cross("s8", "MO-1") + "]";
    auto result = service_->Post("/v1/zones/hengqin/commands", batch);
    ASSERT_TRUE(result);
    ASSERT_EQ(result->status, 200) << result->body;
  }
  const std::string kCommands = "/v1/zones/hengqin/commands";
  std::unique_ptr<Service> service_;
};

// --- routes -----------------------------------------------------------------------------------

TEST_F(HttpTest, HealthzAnswersWithoutAToken) {
  auto result = service_->Get("/healthz", "");
  ASSERT_TRUE(result);
  EXPECT_EQ(result->status, 200);
  EXPECT_EQ(StringAt(result->body, "/status"), "ok");
}

TEST_F(HttpTest, MetricsCountDecisionsByZoneAndOutcome) {
  // A request is counted once its response is written, which its client may see first.
  const std::string counted = "twoline_http_requests_total{route=\"POST /v1/zones/{zone}/commands\",code=\"200\"} 1";
  auto result = service_->Get("/metrics", "");
  for (int attempt = 0; attempt < 100 && result && result->body.find(counted) == std::string::npos; ++attempt) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
    result = service_->Get("/metrics", "");
  }
  ASSERT_TRUE(result);
  EXPECT_EQ(result->status, 200);
  EXPECT_NE(result->get_header_value("Content-Type").find("text/plain"), std::string::npos);
  const std::string& text = result->body;
  EXPECT_NE(text.find("twoline_decisions_total{zone=\"hengqin\",outcome=\"accepted\"} "), std::string::npos);
  EXPECT_NE(text.find("twoline_decision_latency_seconds_bucket{le=\"+Inf\"} 8"), std::string::npos) << text;
  EXPECT_NE(text.find("twoline_batch_commands_count"), std::string::npos);
  EXPECT_NE(text.find("twoline_queue_commands 0"), std::string::npos);
  EXPECT_NE(text.find("twoline_journal_entries{zone=\"hengqin\"} 9"), std::string::npos);
  EXPECT_NE(text.find(counted), std::string::npos);
  EXPECT_NE(text.find("\ntwoline_wal_checkpoints_total "), std::string::npos);
  EXPECT_NE(text.find("\ntwoline_sqlite_writebacks_total "), std::string::npos);
  EXPECT_NE(text.find("\ntwoline_wal_checkpoint_failures_total 0\n"), std::string::npos);
  // This service's writer asks for no priority (`serve` asks for store::kServerNice).
  EXPECT_NE(text.find("\ntwoline_writer_priority_raised 0\n"), std::string::npos);
}

TEST_F(HttpTest, OpenApiDocumentIsGeneratedFromTheCommandTable) {
  auto result = service_->Get("/v1/openapi.json", "");
  ASSERT_TRUE(result);
  ASSERT_EQ(result->status, 200);
  simdjson::dom::parser parser;
  simdjson::dom::element document = Json(parser, result->body);
  std::string_view version;
  ASSERT_FALSE(document["openapi"].get(version));
  EXPECT_EQ(version, "3.0.3");
  for (const char* path : {"/v1/zones/{zone}/commands", "/v1/zones", "/v1/zones/{zone}/presence",
                           "/v1/zones/{zone}/parties/{party}/balance",
                           "/v1/zones/{zone}/declarations/{declaration}", "/v1/zones/{zone}/journal",
                           "/v1/zones/{zone}/reports/flows", "/healthz", "/metrics",
                           // Every other route the server answers (docs/api.md), too.
                           "/v1/zones/{zone}/declarations", "/v1/zones/{zone}/persons/{person}",
                           "/v1/zones/{zone}/crossings", "/v1/zones/{zone}/verify", "/v1/zones/{zone}/whatif",
                           "/v1/zones/{zone}/stream", "/v1/zones/{zone}/checkpoint",
                           "/v1/zones/{zone}/proofs/inclusion", "/v1/zones/{zone}/proofs/consistency",
                           "/v1/session", "/v1/tokens", "/v1/tokens/{id}", "/v1/cluster", "/v1/openapi.json"}) {
    simdjson::dom::element ignored;
    EXPECT_FALSE(document["paths"][path].get(ignored)) << path;
  }
  std::string_view answer;
  ASSERT_FALSE(document["paths"]["/v1/zones/{zone}/commands"]["post"]["responses"]["200"]["content"]
                   ["application/json"]["schema"]["$ref"]
                       .get(answer));
  EXPECT_EQ(answer, "#/components/schemas/Decisions");
  // What the server sends: a reused id's 409 is the decision; the zones and the tokens are arrays;
  // the flows report's dates are required.
  ASSERT_FALSE(document["paths"]["/v1/zones/{zone}/commands"]["post"]["responses"]["409"]["content"]
                   ["application/json"]["schema"]["$ref"]
                       .get(answer));
  EXPECT_EQ(answer, "#/components/schemas/Decision");
  ASSERT_FALSE(document["paths"]["/v1/zones"]["get"]["responses"]["200"]["content"]["application/json"]
                   ["schema"]["$ref"]
                       .get(answer));
  EXPECT_EQ(answer, "#/components/schemas/Objects");
  ASSERT_FALSE(document["components"]["schemas"]["Objects"]["type"].get(answer));
  EXPECT_EQ(answer, "array");
  ASSERT_FALSE(document["paths"]["/v1/tokens"]["get"]["responses"]["200"]["content"]["application/json"]
                   ["schema"]["$ref"]
                       .get(answer));
  EXPECT_EQ(answer, "#/components/schemas/Tokens");
  for (simdjson::dom::element parameter :
       document["paths"]["/v1/zones/{zone}/reports/flows"]["get"]["parameters"].get_array()) {
    bool required = false;
    ASSERT_FALSE(parameter["required"].get(required));
    EXPECT_TRUE(required);
  }
  // Every reference names a schema the document has.
  const std::string& text = result->body;
  const std::string prefix = "\"#/components/schemas/";
  for (size_t at = text.find(prefix); at != std::string::npos; at = text.find(prefix, at + 1)) {
    const size_t from = at + prefix.size();
    const std::string name = text.substr(from, text.find('"', from) - from);
    simdjson::dom::element ignored;
    EXPECT_FALSE(document["components"]["schemas"][name].get(ignored)) << name;
  }
  for (const engine::CommandTypeInfo& type : engine::CommandTable()) {
    simdjson::dom::element schema;
    ASSERT_FALSE(document["components"]["schemas"][std::string("command.") + type.name].get(schema))
        << type.name;
    for (const auto& field : type.fields) {
      simdjson::dom::element ignored;
      EXPECT_FALSE(schema["properties"][field.name].get(ignored)) << type.name << "." << field.name;
    }
  }
  EXPECT_EQ(engine::CommandTable().size(), 11u) << "every command type of SPEC §2";
}

TEST_F(HttpTest, ZonesListsTheServedProfiles) {
  auto result = service_->Get("/v1/zones", "officer");
  ASSERT_TRUE(result);
  ASSERT_EQ(result->status, 200);
  EXPECT_EQ(StringAt(result->body, "/0/id"), "hengqin");
  EXPECT_EQ(StringAt(result->body, "/1/id"), "hetao-sz");
  EXPECT_EQ(StringAt(result->body, "/0/gates/0/line"), "first");
}

TEST_F(HttpTest, ACommandIsAnsweredWithItsDurableSeqAndHash) {
  auto result = service_->Post(kCommands, Party("c1", "P-C"));
  ASSERT_TRUE(result);
  ASSERT_EQ(result->status, 200) << result->body;
  EXPECT_EQ(StringAt(result->body, "/outcome"), "accepted");
  auto journal = service_->Get("/v1/zones/hengqin/journal?from=10&limit=1", "auditor");
  ASSERT_TRUE(journal);
  EXPECT_EQ(StringAt(journal->body, "/entries/0/hash"), StringAt(result->body, "/hash"));
  EXPECT_EQ(StringAt(journal->body, "/entries/0/command/id"), "c1");
}

TEST_F(HttpTest, ABatchIsAnsweredInOrder) {
  auto result = service_->Post(kCommands, "[" + Party("b1", "P-D") + "," + Party("b2", "P-E") + "]");
  ASSERT_TRUE(result);
  ASSERT_EQ(result->status, 200);
  EXPECT_EQ(StringAt(result->body, "/0/id"), "b1");
  EXPECT_EQ(StringAt(result->body, "/1/id"), "b2");
}

TEST_F(HttpTest, ARetryGetsTheOriginalDecision) {
  auto first = service_->Post(kCommands, Party("r1", "P-F"));
  auto retry = service_->Post(kCommands, Party("r1", "P-F"));
  ASSERT_TRUE(first && retry);
  EXPECT_EQ(retry->status, 200);
  EXPECT_EQ(retry->body, first->body);
  auto journal = service_->Get("/v1/zones/hengqin/journal?from=11", "auditor");
  ASSERT_TRUE(journal);
  EXPECT_EQ(StringAt(journal->body, "/entries/0/command/id"), "");  // nothing journaled twice
}

TEST_F(HttpTest, AnIdReusedWithAnotherBodyIsAConflict) {
  ASSERT_EQ(service_->Post(kCommands, Party("x1", "P-G"))->status, 200);
  auto result = service_->Post(kCommands, Party("x1", "P-H"));
  ASSERT_TRUE(result);
  EXPECT_EQ(result->status, 409);
  EXPECT_NE(result->body.find("command.id-reused"), std::string::npos);
}

TEST_F(HttpTest, PresencePagesThroughPersonsInside) {
  ASSERT_EQ(service_->Post(kCommands, "[" + Cross("p1", "MO-2") + "]")->status, 200);
  auto all = service_->Get("/v1/zones/hengqin/presence", "officer");
  ASSERT_TRUE(all);
  ASSERT_EQ(all->status, 200);
  simdjson::dom::parser parser;
  int64_t count = 0;
  ASSERT_FALSE(Json(parser, all->body)["count"].get(count));
  EXPECT_EQ(count, 2);
  auto page = service_->Get("/v1/zones/hengqin/presence?offset=1&limit=1", "officer");
  ASSERT_TRUE(page);
  EXPECT_EQ(StringAt(page->body, "/persons/0/person"), "MO-2");
  EXPECT_EQ(StringAt(page->body, "/persons/1/person"), "");
  EXPECT_EQ(service_->Get("/v1/zones/hengqin/presence?limit=0", "officer")->status, 400);
  EXPECT_EQ(service_->Get("/v1/zones/hengqin/presence?limit=101", "officer")->status, 400);
  EXPECT_EQ(service_->Get("/v1/zones/hengqin/presence?offset=x", "officer")->status, 400);
}

TEST_F(HttpTest, BalanceOfAPartyAndNotFound) {
  auto balance = service_->Get("/v1/zones/hengqin/parties/P-A/balance", "officer");
  ASSERT_TRUE(balance);
  EXPECT_EQ(balance->status, 200);
  EXPECT_EQ(StringAt(balance->body, "/party"), "P-A");
  EXPECT_EQ(service_->Get("/v1/zones/hengqin/parties/P-NONE/balance", "officer")->status, 404);
}

TEST_F(HttpTest, DeclarationWithItsDecisionAndNotFound) {
  auto declaration = service_->Get("/v1/zones/hengqin/declarations/D-A", "officer");
  ASSERT_TRUE(declaration);
  ASSERT_EQ(declaration->status, 200) << declaration->body;
  EXPECT_EQ(StringAt(declaration->body, "/declaration/id"), "D-A");
  EXPECT_EQ(StringAt(declaration->body, "/decision/command"), "s4");
  EXPECT_EQ(service_->Get("/v1/zones/hengqin/declarations/D-NONE", "officer")->status, 404);
}

TEST_F(HttpTest, JournalPagesFromASeq) {
  auto first = service_->Get("/v1/zones/hengqin/journal?limit=3", "auditor");
  ASSERT_TRUE(first);
  ASSERT_EQ(first->status, 200);
  EXPECT_EQ(StringAt(first->body, "/entries/0/kind"), "profile");
  simdjson::dom::parser parser;
  int64_t next = 0;
  ASSERT_FALSE(Json(parser, first->body)["next"].get(next));
  EXPECT_EQ(next, 4);
  auto last = service_->Get("/v1/zones/hengqin/journal?from=8&limit=100", "auditor-all");
  ASSERT_TRUE(last);
  EXPECT_NE(last->body.find("\"next\":null"), std::string::npos);
  // A last page exactly `limit` long says so too: no `next` past the end.
  auto whole = service_->Get("/v1/zones/hengqin/journal?limit=100", "auditor");
  ASSERT_TRUE(whole);
  simdjson::dom::array all;
  ASSERT_FALSE(Json(parser, whole->body)["entries"].get(all));
  const size_t entries = all.size();
  ASSERT_GE(entries, 2u);
  auto exact = service_->Get("/v1/zones/hengqin/journal?from=" + std::to_string(entries - 1) + "&limit=2",
                             "auditor");
  ASSERT_TRUE(exact);
  EXPECT_NE(exact->body.find("\"next\":null"), std::string::npos) << exact->body;
  EXPECT_NE(exact->body.find("\"seq\":" + std::to_string(entries)), std::string::npos) << exact->body;
  EXPECT_EQ(service_->Get("/v1/zones/hengqin/journal?from=0", "auditor")->status, 400);
}

TEST_F(HttpTest, FlowsReportForADateRange) {
  auto report = service_->Get("/v1/zones/hengqin/reports/flows?from=2026-03-01&to=2026-03-31", "officer");
  ASSERT_TRUE(report);
  ASSERT_EQ(report->status, 200) << report->body;
  EXPECT_EQ(StringAt(report->body, "/zone"), "hengqin");
  EXPECT_EQ(service_->Get("/v1/zones/hengqin/reports/flows?from=2026-03-31&to=2026-03-01", "officer")->status, 400);
  EXPECT_EQ(service_->Get("/v1/zones/hengqin/reports/flows", "officer")->status, 400);
}

// --- errors -----------------------------------------------------------------------------------

TEST_F(HttpTest, UnknownRoutesAndZonesAreNotFound) {
  EXPECT_EQ(service_->Get("/v2/zones")->status, 404);
  EXPECT_EQ(service_->Get("/v1/zones/hengqin/nothing")->status, 404);
  EXPECT_EQ(service_->Get("/v1/zones/atlantis/presence")->status, 404);
  EXPECT_EQ(service_->Post("/v1/zones/atlantis/commands", Party("z1", "P-Z"))->status, 404);
  EXPECT_EQ(service_->Post("/v1/zones/hengqin/other", Party("z1", "P-Z"))->status, 404);
  auto result = service_->Get("/v1/zones/hengqin/nothing");
  EXPECT_EQ(StringAt(result->body, "/error"), "not_found");
}

TEST_F(HttpTest, MalformedJsonIsABadRequest) {
  auto result = service_->Post(kCommands, R"({"id":"m1",)");
  ASSERT_TRUE(result);
  EXPECT_EQ(result->status, 400);
  EXPECT_EQ(StringAt(result->body, "/error"), "malformed_json");
  EXPECT_EQ(StringAt(result->body, "/path"), "$") << "a 400 names the JSON path (SPEC §6)";
  for (const char* empty : {"", " \n"}) {
    auto none = service_->Post(kCommands, empty);
    ASSERT_TRUE(none);
    EXPECT_EQ(none->status, 400);
    EXPECT_EQ(StringAt(none->body, "/error"), "malformed_json") << none->body;
    EXPECT_EQ(StringAt(none->body, "/path"), "$") << none->body;
  }
  EXPECT_EQ(service_->Post(kCommands, "[1,]")->status, 400);
  auto batch = service_->Post(kCommands, R"([{"id":"x"},{"id":"y","person":{"name": tru}}])");
  EXPECT_EQ(batch->status, 400);
  EXPECT_EQ(StringAt(batch->body, "/error"), "malformed_json");
  EXPECT_EQ(StringAt(batch->body, "/path"), "$");
}

TEST_F(HttpTest, AMalformedAmountIsABadRequestNotALimit) {
  // "more than 2 decimals" is a malformed value (400), not a limit exceeded (413).
  for (const auto& [from, to] : {std::pair<std::string, std::string>{"\"1000.00\"", "\"10.001\""},
                                 {"\"10\"", "\"1.0001\""}, {"\"1000.00\"", "\"1.0.0\""}}) {
    std::string bad = Declare("m9", "D-M9", "P-A", 1, NowAt());
    bad.replace(bad.find(from), from.size(), to);
    auto result = service_->Post(kCommands, bad);
    ASSERT_TRUE(result);
    EXPECT_EQ(result->status, 400) << result->body;
    EXPECT_EQ(StringAt(result->body, "/error"), "invalid_command");
    EXPECT_EQ(StringAt(result->body, "/path").rfind("$.declaration.lines[0].", 0), 0u) << result->body;
  }
}

TEST_F(HttpTest, AFaultyCommandIsNamedByItsJsonPath) {
  std::string bad = Person("m2", "MO-9");
  bad.replace(bad.find("\"valid_until\":\"2029-01-01\""), 26, "\"valid_until\":\"2029-13-01\"");
  auto result = service_->Post(kCommands, bad);
  ASSERT_TRUE(result);
  EXPECT_EQ(result->status, 400);
  EXPECT_EQ(StringAt(result->body, "/error"), "invalid_command");
  EXPECT_EQ(StringAt(result->body, "/path"), "$.person.documents[0].valid_until");
  auto in_batch = service_->Post(kCommands, "[" + Party("m3", "P-M") + "," + bad + "]");
  ASSERT_TRUE(in_batch);
  EXPECT_EQ(in_batch->status, 400);
  EXPECT_EQ(StringAt(in_batch->body, "/path"), "$[1].person.documents[0].valid_until");
  EXPECT_EQ(service_->Get("/v1/zones/hengqin/parties/P-M/balance")->status, 404)
      << "nothing of a refused batch is decided";
}

TEST_F(HttpTest, LimitsAreTooLarge) {
  std::string batch = "[";
  for (int i = 0; i < 51; ++i) batch += (i ? "," : "") + Party("l" + std::to_string(i), "P-L");
  auto too_many = service_->Post(kCommands, batch + "]");
  ASSERT_TRUE(too_many);
  EXPECT_EQ(too_many->status, 413);
  auto lines = service_->Post(kCommands, Declare("l99", "D-L", "P-A", 6));
  ASSERT_TRUE(lines);
  EXPECT_EQ(lines->status, 413);
  EXPECT_EQ(StringAt(lines->body, "/path"), "$.declaration.lines");
  std::string huge(2 << 20, ' ');
  auto body = service_->Post(kCommands, huge + Party("l98", "P-L"));
  ASSERT_TRUE(body);
  EXPECT_EQ(body->status, 413);
  std::string long_command = Party("l97", "P-L");
  long_command.insert(long_command.size() - 1, std::string(70000, ' '));
  EXPECT_EQ(service_->Post(kCommands, long_command)->status, 413);
}

TEST_F(HttpTest, AChunkedBodyIsDecodedWithinTheBodyLimit) {
  // Any case of "chunked"; a small body reaches the JSON parser, a large one is refused as it streams.
  testing::RawConnection small(service_->port());
  ASSERT_TRUE(small.Send("POST " + kCommands + " HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer " +
                         service_->Secret("admin") +
                         "\r\nTransfer-Encoding: Chunked\r\n\r\n1\r\n{\r\n0\r\n\r\n"));
  std::string response = small.Receive();
  EXPECT_EQ(testing::RawConnection::Status(response), 400) << response;
  EXPECT_NE(response.find("malformed_json"), std::string::npos) << response;
  testing::RawConnection large(service_->port());
  ASSERT_TRUE(large.Send("POST " + kCommands + " HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer " +
                         service_->Secret("admin") + "\r\nTransfer-Encoding: chunked\r\n\r\n"));
  const std::string chunk = "10000\r\n" + std::string(0x10000, ' ') + "\r\n";
  for (int i = 0; i < 17 && large.Send(chunk); ++i) {
  }
  response = large.Receive();
  EXPECT_EQ(testing::RawConnection::Status(response), 413) << response;
}

// Credentials are checked when the head is complete, before a byte of the body is read (and without
// a 100 Continue): a client without them cannot hold the shared body budget with large uploads.
TEST_F(HttpTest, ABodyWithoutCredentialsIsRefusedBeforeItIsRead) {
  const std::string head = "POST " + kCommands + " HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n";
  for (const std::string& credentials :
       {std::string(), "Authorization: Bearer twl_" + std::string(64, '0') + "\r\n",
        std::string("Cookie: twoline_session=") + std::string(64, 'a') + "\r\n",
        std::string("Expect: 100-continue\r\n")}) {
    testing::RawConnection connection(service_->port());
    // Only the head of an 8 MiB body: the answer comes without the body.
    ASSERT_TRUE(connection.Send(head + credentials + "Content-Length: 8388608\r\n\r\n"));
    std::string response = connection.Receive();
    EXPECT_EQ(testing::RawConnection::Status(response), 401) << credentials << "\n" << response;
    EXPECT_EQ(response.find("100 Continue"), std::string::npos) << response;
    EXPECT_NE(response.find("WWW-Authenticate: Bearer"), std::string::npos) << response;
  }
  // A token that may not submit there (an auditor; an officer of another zone) is refused before
  // the body as well.
  for (const char* token : {"auditor", "officer-sz"}) {
    testing::RawConnection connection(service_->port());
    ASSERT_TRUE(connection.Send(head + "Authorization: Bearer " + service_->Secret(token) +
                                "\r\nExpect: 100-continue\r\nContent-Length: 8388608\r\n\r\n"));
    std::string response = connection.Receive();
    EXPECT_EQ(testing::RawConnection::Status(response), 403) << token << "\n" << response;
    EXPECT_EQ(response.find("100 Continue"), std::string::npos) << response;
  }
  // The admins' routes that take a body refuse any other role before it.
  for (const char* target : {"/v1/tokens", "/v1/zones/hengqin/whatif"}) {
    testing::RawConnection connection(service_->port());
    ASSERT_TRUE(connection.Send(std::string("POST ") + target + " HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer " +
                                service_->Secret("officer") + "\r\nExpect: 100-continue\r\nContent-Length: 1048576\r\n\r\n"));
    std::string response = connection.Receive();
    EXPECT_EQ(testing::RawConnection::Status(response), 403) << target << "\n" << response;
    EXPECT_EQ(response.find("100 Continue"), std::string::npos) << response;
  }
  // Sign-in carries its token in the body, and a valid token's upload is read as before.
  testing::RawConnection sign_in(service_->port());
  const std::string body = R"({"token":")" + service_->Secret("officer") + "\"}";
  ASSERT_TRUE(sign_in.Send("POST /v1/session HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
                           "Content-Length: " + std::to_string(body.size()) + "\r\n\r\n" + body));
  EXPECT_EQ(testing::RawConnection::Status(sign_in.Receive()), 200);
  testing::RawConnection valid(service_->port());
  ASSERT_TRUE(valid.Send(head + "Authorization: Bearer " + service_->Secret("admin") +
                         "\r\nContent-Length: 1\r\n\r\n{"));
  std::string response = valid.Receive();
  EXPECT_EQ(testing::RawConnection::Status(response), 400) << response;
  EXPECT_NE(response.find("malformed_json"), std::string::npos) << response;
}

TEST_F(HttpTest, AMethodARouteDoesNotTakeIsNotAllowedWithOrWithoutABody) {
  const std::string auth = "Authorization: Bearer " + service_->Secret("admin") + "\r\n";
  struct Case {
    std::string request;
    int status;
    const char* error;
  };
  for (const Case& c : {Case{"POST /v1/zones HTTP/1.1\r\nHost: 127.0.0.1\r\n" + auth +
                                 "Content-Length: 2\r\n\r\n{}",
                             405, "method_not_allowed"},
                        Case{"PUT /v1/zones HTTP/1.1\r\nHost: 127.0.0.1\r\n" + auth + "\r\n", 405,
                             "method_not_allowed"},
                        Case{"DELETE /v1/zones/hengqin/journal HTTP/1.1\r\nHost: 127.0.0.1\r\n" + auth +
                                 "Content-Length: 2\r\n\r\n{}",
                             405, "method_not_allowed"},
                        // A GET with a body is refused as such (never left to be read as a request).
                        Case{"GET /v1/zones HTTP/1.1\r\nHost: 127.0.0.1\r\n" + auth +
                                 "Content-Length: 2\r\n\r\n{}",
                             400, "body_not_allowed"},
                        // GET on a route that only takes POST, with a body or without.
                        Case{"GET /v1/zones/hengqin/commands HTTP/1.1\r\nHost: 127.0.0.1\r\n" + auth +
                                 "Content-Length: 2\r\n\r\n{}",
                             405, "method_not_allowed"},
                        Case{"GET /v1/zones/hengqin/commands HTTP/1.1\r\nHost: 127.0.0.1\r\n" + auth + "\r\n",
                             405, "method_not_allowed"},
                        Case{"GET /v1/zones/hengqin/whatif HTTP/1.1\r\nHost: 127.0.0.1\r\n" + auth + "\r\n",
                             405, "method_not_allowed"},
                        Case{"GET /v1/tokens/tok_x HTTP/1.1\r\nHost: 127.0.0.1\r\n" + auth + "\r\n", 405,
                             "method_not_allowed"},
                        Case{"DELETE /v1/tokens HTTP/1.1\r\nHost: 127.0.0.1\r\n" + auth + "\r\n", 405,
                             "method_not_allowed"},
                        // (A HEAD's answer has no body to wait for: the server closes after it.)
                        Case{"HEAD /v1/zones/hengqin/commands HTTP/1.1\r\nHost: 127.0.0.1\r\n" + auth +
                                 "Connection: close\r\n\r\n",
                             405, ""},
                        Case{"POST /v1/nowhere HTTP/1.1\r\nHost: 127.0.0.1\r\n" + auth +
                                 "Content-Length: 2\r\n\r\n{}",
                             404, "not_found"}}) {
    testing::RawConnection connection(service_->port());
    ASSERT_TRUE(connection.Send(c.request));
    std::string response = connection.Receive();
    EXPECT_EQ(testing::RawConnection::Status(response), c.status) << c.request << "\n" << response;
    EXPECT_NE(response.find(c.error), std::string::npos) << response;
    // RFC 9110 §15.5.6: a 405 lists the methods the route takes.
    if (c.status == 405) {
      EXPECT_NE(response.find("\r\nAllow: "), std::string::npos) << response;
    }
  }
  {
    testing::RawConnection connection(service_->port());
    ASSERT_TRUE(connection.Send("GET /v1/zones/hengqin/commands HTTP/1.1\r\nHost: 127.0.0.1\r\n" + auth + "\r\n"));
    EXPECT_NE(connection.Receive().find("\r\nAllow: POST\r\n"), std::string::npos);
  }
  // The scheme of the Authorization header is case-insensitive.
  httplib::Client client = service_->Client();
  auto lower = client.Get("/v1/zones", {{"Authorization", "bearer " + service_->Secret("admin")}});
  ASSERT_TRUE(lower);
  EXPECT_EQ(lower->status, 200);
}

TEST_F(HttpTest, AHeadRequestGetsTheHeadOfItsGetWithoutTheBody) {
  const std::string auth = "Authorization: Bearer " + service_->Secret("admin") + "\r\n";
  auto get = service_->Get("/v1/zones", "admin");
  ASSERT_TRUE(get);
  ASSERT_EQ(get->status, 200);
  // Two HEADs and a GET on one keep-alive connection: no body is sent after a HEAD's head, so the
  // next response starts right after it.
  testing::RawConnection connection(service_->port());
  const std::string head = "HEAD /v1/zones HTTP/1.1\r\nHost: 127.0.0.1\r\n" + auth + "\r\n";
  ASSERT_TRUE(connection.Send(head + "HEAD /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n" +
                              "GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n"));
  std::string all;
  for (std::string part; !(part = connection.Receive()).empty();) all += part;
  size_t first = all.find("\r\n\r\n");
  ASSERT_NE(first, std::string::npos) << all;
  EXPECT_EQ(testing::RawConnection::Status(all), 200) << all;
  EXPECT_NE(all.substr(0, first).find("Content-Length: " + std::to_string(get->body.size())), std::string::npos)
      << all;
  EXPECT_EQ(all.compare(first + 4, 9, "HTTP/1.1 "), 0) << all;
  size_t second = all.find("\r\n\r\n", first + 4);
  ASSERT_NE(second, std::string::npos) << all;
  EXPECT_EQ(all.compare(second + 4, 13, "HTTP/1.1 200 "), 0) << all;
  EXPECT_NE(all.find("\"status\"", second), std::string::npos) << "the GET has its body: " << all;
  EXPECT_EQ(all.rfind("\"status\"", second), std::string::npos) << "no HEAD has a body: " << all;
}

TEST_F(HttpTest, AnEscapedSlashInThePathIsRefused) {
  for (const char* path : {"/v1/zones/hengqin/parties/P-A/balance%2F", "/v1/zones/hengqin/declarations/a%2fb",
                           "/v1/zones/hengqin/declarations/a%00b"}) {
    auto response = service_->Get(path, "admin");
    ASSERT_TRUE(response) << path;
    EXPECT_EQ(response->status, 400) << path << " " << response->body;
    EXPECT_EQ(StringAt(response->body, "/error"), "bad_request") << response->body;
  }
  EXPECT_EQ(service_->Get("/v1/zones/hengqin/parties/P%2DA/balance", "admin")->status, 200)
      << "other escapes are decoded";
}

TEST_F(HttpTest, MissingUnknownOrRevokedTokensAreUnauthorized) {
  auto missing = service_->Get("/v1/zones", "");
  ASSERT_TRUE(missing);
  EXPECT_EQ(missing->status, 401);
  EXPECT_EQ(missing->get_header_value("WWW-Authenticate"), "Bearer realm=\"twoline\"");
  EXPECT_EQ(service_->Post(kCommands, Party("u1", "P-U"), "")->status, 401);
  httplib::Client client = service_->Client();
  EXPECT_EQ(client.Get("/v1/zones", {{"Authorization", "Bearer twl_nope"}})->status, 401);
  EXPECT_EQ(client.Get("/v1/zones", {{"Authorization", "Basic abc"}})->status, 401);
  std::string forged = "twl_" + std::string(64, 'a');
  EXPECT_EQ(client.Get("/v1/zones", {{"Authorization", "Bearer " + forged}})->status, 401);
  // Two Authorization headers: which one a proxy checked is unknown, so neither is taken.
  auto two = client.Get("/v1/zones", {{"Authorization", "Bearer " + service_->Secret("admin")},
                                      {"Authorization", "Bearer " + service_->Secret("officer")}});
  ASSERT_TRUE(two);
  EXPECT_EQ(two->status, 400) << two->body;
  EXPECT_EQ(service_->Get("/v1/zones", "revoked")->status, 200);
  ASSERT_TRUE(*service_->store().RevokeToken(service_->TokenId("revoked"), "2026-03-01T00:00:00Z"));
  EXPECT_EQ(service_->Get("/v1/zones", "revoked")->status, 401);
}

// --- roles ------------------------------------------------------------------------------------

TEST_F(HttpTest, AnOfficerWorksOnlyInItsZone) {
  EXPECT_EQ(service_->Post(kCommands, Party("o1", "P-O", NowAt()), "officer")->status, 200);
  EXPECT_EQ(service_->Post(kCommands, Party("o2", "P-O2", NowAt()), "officer-sz")->status, 403);
  EXPECT_EQ(service_->Get("/v1/zones/hengqin/presence", "officer-sz")->status, 403);
  EXPECT_EQ(service_->Get("/v1/zones/hengqin/journal", "officer")->status, 403)
      << "the raw journal is for auditors";
  EXPECT_EQ(service_->Get("/v1/zones/hetao-sz/presence", "officer-sz")->status, 200);
}

TEST_F(HttpTest, AnAuditorReadsButNeverWrites) {
  EXPECT_EQ(service_->Post(kCommands, Party("a1", "P-AU"), "auditor")->status, 403);
  EXPECT_EQ(service_->Post(kCommands, Party("a2", "P-AU"), "auditor-all")->status, 403);
  for (const char* path : {"/v1/zones/hengqin/presence", "/v1/zones/hengqin/journal",
                           "/v1/zones/hengqin/parties/P-A/balance", "/v1/zones/hengqin/declarations/D-B"}) {
    EXPECT_EQ(service_->Get(path, "auditor")->status, 200) << path;
  }
  EXPECT_EQ(service_->Get("/v1/zones/hetao-sz/journal", "auditor")->status, 403) << "bound to hengqin";
  EXPECT_EQ(service_->Get("/v1/zones/hetao-sz/journal", "auditor-all")->status, 200);
}

TEST_F(HttpTest, ADeclarantDeclaresOnlyForItsParty) {
  EXPECT_EQ(service_->Post(kCommands, Declare("d1", "D-A2", "P-A", 1, NowAt()), "declarant-a")->status, 200);
  auto other = service_->Post(kCommands, Declare("d2", "D-B2", "P-B", 1, NowAt()), "declarant-a");
  ASSERT_TRUE(other);
  EXPECT_EQ(other->status, 403);
  EXPECT_EQ(StringAt(other->body, "/error"), "forbidden");
  // One faulty member refuses the whole batch.
  std::string mixed = "[" + Declare("d3", "D-A3", "P-A", 1, NowAt()) + "," + Declare("d4", "D-B3", "P-B", 1, NowAt()) + "]";
  EXPECT_EQ(service_->Post(kCommands, mixed, "declarant-a")->status, 403);
  EXPECT_EQ(service_->Get("/v1/zones/hengqin/declarations/D-A3")->status, 404);
}

TEST_F(HttpTest, ADeclarantMaySubmitOnlyItsOwnGoodsCommands) {
  EXPECT_EQ(service_->Post(kCommands, Party("d5", "P-X", NowAt()), "declarant-a")->status, 403);
  EXPECT_EQ(service_->Post(kCommands, Cross("d6", "MO-2", NowAt()), "declarant-a")->status, 403);
  // Another party's declaration is answered as a declaration that does not exist, word for word:
  // the answer tells a declarant nothing it could not learn by naming an id nobody used.
  auto cancel_other = service_->Post(kCommands, Command("d7", "cancel", R"("declaration":"D-B")", NowAt()), "declarant-a");
  auto cancel_none = service_->Post(kCommands, Command("d7", "cancel", R"("declaration":"D-NONE")", NowAt()), "declarant-a");
  ASSERT_TRUE(cancel_other && cancel_none);
  EXPECT_EQ(cancel_other->status, cancel_none->status);
  EXPECT_NE(cancel_other->status, 403);
  std::string other_body = cancel_other->body, none_body = cancel_none->body;
  other_body.replace(other_body.find("D-B"), 3, "D-NONE");
  EXPECT_EQ(other_body, none_body);
  EXPECT_EQ(StringAt(cancel_other->body, "/outcome"), "invalid") << cancel_other->body;
  auto still = service_->Get("/v1/zones/hengqin/declarations/D-B");
  ASSERT_TRUE(still);
  EXPECT_EQ(still->status, 200);
  EXPECT_EQ(still->body.find("\"cancelled\""), std::string::npos) << still->body;
  std::string cancel_own = Command("d8", "cancel", R"("declaration":"D-A")", NowAt());
  EXPECT_EQ(service_->Post(kCommands, cancel_own, "declarant-a")->status, 200);
  std::string stocktake_other = Command("d9", "stocktake", R"("party":"P-B","counts":[])", NowAt());
  EXPECT_EQ(service_->Post(kCommands, stocktake_other, "declarant-a")->status, 403);
  // Nor its own: a count the party makes could write goods off untaxed and book them back.
  std::string stocktake_own = Command("d10", "stocktake", R"("party":"P-A","counts":[])", NowAt());
  auto own = service_->Post(kCommands, stocktake_own, "declarant-a");
  EXPECT_EQ(own->status, 403);
  EXPECT_NE(own->body.find("customs' count"), std::string::npos) << own->body;
  EXPECT_EQ(service_->Post(kCommands, stocktake_own, "officer")->status, 200);
}

// One resource, one spelling: doubled and trailing slashes name no route (a proxy that allows or
// blocks paths by pattern cannot be walked around).
TEST_F(HttpTest, DoubledAndTrailingSlashesNameNoRoute) {
  EXPECT_EQ(service_->Get("/v1/zones/hengqin/journal", "admin")->status, 200);
  for (const char* path : {"//v1/zones/hengqin/journal", "/v1//zones/hengqin/journal",
                           "/v1/zones//hengqin/journal", "/v1/zones/hengqin/journal/",
                           "/v1/zones/hengqin/presence/"}) {
    auto answer = service_->Get(path, "admin");
    ASSERT_TRUE(answer) << path;
    EXPECT_EQ(answer->status, 404) << path;
  }
}

// Whether a server is a cluster node is told to admins and auditors only, and only with a token.
TEST_F(HttpTest, TheClusterViewChecksTheTokenBeforeAnythingElse) {
  EXPECT_EQ(service_->Get("/v1/cluster", "")->status, 401);
  EXPECT_EQ(service_->Get("/v1/cluster", "declarant-a")->status, 403);
  EXPECT_EQ(service_->Get("/v1/cluster", "officer")->status, 403);
  EXPECT_EQ(service_->Get("/v1/cluster", "admin")->status, 404) << "not a cluster node";
}

TEST_F(HttpTest, ADeclarantReadsOnlyItsOwnLedgerAndDeclarations) {
  EXPECT_EQ(service_->Get("/v1/zones/hengqin/parties/P-A/balance", "declarant-a")->status, 200);
  EXPECT_EQ(service_->Get("/v1/zones/hengqin/parties/P-B/balance", "declarant-a")->status, 403);
  EXPECT_EQ(service_->Get("/v1/zones/hengqin/declarations/D-A", "declarant-a")->status, 200);
  EXPECT_EQ(service_->Get("/v1/zones/hengqin/declarations/D-B", "declarant-a")->status, 404)
      << "as an unknown one: ids cannot be probed";
  EXPECT_EQ(service_->Get("/v1/zones/hengqin/presence", "declarant-a")->status, 403);
  EXPECT_EQ(service_->Get("/v1/zones/hengqin/journal", "declarant-a")->status, 403);
  EXPECT_EQ(service_->Get("/v1/zones/hengqin/reports/flows?from=2026-03-01&to=2026-03-02", "declarant-a")->status, 403);
  EXPECT_EQ(service_->Get("/v1/zones", "declarant-a")->status, 200);
}

TEST_F(HttpTest, AnAdminDoesEverything) {
  EXPECT_EQ(service_->Post("/v1/zones/hetao-sz/commands",
                           R"({"id":"h1","zone":"hetao-sz","at":"2026-03-02T08:00:00+08:00","type":"register_party","party":{"id":"P-H","name":"Lab","kind":"research_institution","credit":"general","lists":[]}})")
                ->status,
            200);
  EXPECT_EQ(service_->Get("/v1/zones/hetao-sz/journal")->status, 200);
  EXPECT_EQ(service_->Get("/v1/zones/hengqin/declarations/D-B")->status, 200);
}

// A person's page says whether they are inside, and since when and through which gate, from
// presence; their registration from their row; and their crossings, newest first.
TEST_F(HttpTest, APersonsPageShowsWhetherTheyAreInside) {
  const std::string registration =
      R"({"id":"MO-1","name":"Chan Tai Man","nationality":"CN","resident_of":"MO","birth_date":"1979-05-03",)"
      R"("affiliation":"","documents":[{"type":"home_return_permit","number":"H12345678",)"
      R"("valid_from":"2019-01-01","valid_until":"2029-01-01"}],"lists":[])";
  auto inside = service_->Get("/v1/zones/hengqin/persons/MO-1", "officer");
  ASSERT_TRUE(inside);
  ASSERT_EQ(inside->status, 200) << inside->body;
  EXPECT_EQ(inside->body.rfind(registration + R"(,"inside":true,"entered_at":"2026-03-02T09:00:00+08:00",)"
                                              R"("entered_gate":"HQ-L1-GEN-01","recent_crossings":[{"seq":)", 0),
            0u)
      << inside->body;
  EXPECT_EQ(StringAt(inside->body, "/recent_crossings/0/direction"), "in");

  auto outside = service_->Get("/v1/zones/hengqin/persons/MO-2", "auditor");
  ASSERT_TRUE(outside);
  ASSERT_EQ(outside->status, 200) << outside->body;
  EXPECT_NE(outside->body.find(R"("lists":[],"inside":false,"recent_crossings":[]})"), std::string::npos)
      << outside->body;

  // Out again: no longer inside, and the crossing out first.
  auto out = service_->Post(kCommands, Command("s9", "cross", R"("person":"MO-1","gate":"HQ-L1-GEN-01","direction":"out")",
                                               "2026-03-02T18:00:00+08:00"));
  ASSERT_TRUE(out);
  ASSERT_EQ(out->status, 200) << out->body;
  EXPECT_EQ(StringAt(out->body, "/outcome"), "accepted") << out->body;
  auto left = service_->Get("/v1/zones/hengqin/persons/MO-1", "officer");
  ASSERT_TRUE(left);
  ASSERT_EQ(left->status, 200) << left->body;
  EXPECT_EQ(left->body.rfind(registration + R"(,"inside":false,"recent_crossings":[{"seq":)", 0), 0u)
      << left->body;
  EXPECT_EQ(StringAt(left->body, "/recent_crossings/0/direction"), "out");
  EXPECT_EQ(StringAt(left->body, "/recent_crossings/1/direction"), "in");

  auto unknown = service_->Get("/v1/zones/hengqin/persons/NOBODY", "officer");
  ASSERT_TRUE(unknown);
  EXPECT_EQ(unknown->status, 404);
}

// --- time and ids belong to the server (SPEC §2) -------------------------------------------------

// The journal entry of the command with `id` (the last one, when several share it).
std::string EntryOf(Service& service, const std::string& id) {
  auto page = service.Get("/v1/zones/hengqin/journal?limit=100");
  simdjson::dom::parser parser;
  simdjson::dom::element root;
  std::string found;
  if (!page || parser.parse(page->body).get(root)) return found;
  for (simdjson::dom::element entry : root["entries"].get_array()) {
    std::string_view command_id;
    if (!entry.at_pointer("/command/id").get(command_id) && command_id == id) {
      found = simdjson::minify(entry);
    }
  }
  return found;
}

TEST_F(HttpTest, ADeclarantsCommandIsDecidedAtTheServersTime) {
  const std::string sent_at = NowAt();
  auto answer = service_->Post(kCommands, Declare("t1", "D-T1", "P-A", 1, sent_at), "declarant-a");
  ASSERT_EQ(answer->status, 200) << answer->body;
  std::string entry = EntryOf(*service_, "t1");
  EXPECT_EQ(StringAt(entry, "/command/received/role"), "declarant") << entry;
  EXPECT_EQ(StringAt(entry, "/command/received/party"), "P-A");
  EXPECT_EQ(StringAt(entry, "/command/received/token"), service_->TokenId("declarant-a"));
  EXPECT_EQ(StringAt(entry, "/command/received/client_at"), sent_at);
  EXPECT_EQ(StringAt(entry, "/command/at"), StringAt(entry, "/command/received/at"))
      << "decided at the time of receipt";
  EXPECT_EQ(StringAt(entry, "/command/received/nonce").size(), 32u);
  // A retry of the same bytes is the same command, whatever the time it arrives.
  auto retry = service_->Post(kCommands, Declare("t1", "D-T1", "P-A", 1, sent_at), "declarant-a");
  EXPECT_EQ(retry->status, 200);
  EXPECT_EQ(retry->body, answer->body);

  // Beyond the zone's allowed skew (5 minutes by default) a declarant's time is refused, whole.
  for (const std::string& at : {std::string("2023-05-01T09:00:00+08:00"),
                                FormatRfc3339(static_cast<int64_t>(::time(nullptr)) + 3600, 480)}) {
    std::string batch = "[" + Declare("t2", "D-T2", "P-A", 1, NowAt()) + "," +
                        Declare("t3", "D-T3", "P-A", 1, at) + "]";
    auto refused = service_->Post(kCommands, batch, "declarant-a");
    ASSERT_EQ(refused->status, 400) << refused->body;
    EXPECT_EQ(StringAt(refused->body, "/path"), "$[1].at");
    EXPECT_NE(StringAt(refused->body, "/message").find("allowed skew"), std::string::npos);
    EXPECT_TRUE(EntryOf(*service_, "t2").empty()) << "nothing of a refused batch is decided";
  }
}

TEST_F(HttpTest, AnOfficerSendsTheDevicesTimeWithinTheSkewAndAnAdminImportsOnlyThePast) {
  const std::string device_at = FormatRfc3339(static_cast<int64_t>(::time(nullptr)) - 120, 480);
  ASSERT_EQ(service_->Post(kCommands, Party("t4", "P-T4", device_at), "officer")->status, 200);
  std::string entry = EntryOf(*service_, "t4");
  EXPECT_EQ(StringAt(entry, "/command/at"), device_at) << "the device's time is kept";
  EXPECT_EQ(StringAt(entry, "/command/received/role"), "officer");
  EXPECT_EQ(StringAt(entry, "/command/received/client_at"), "");
  auto stale = service_->Post(kCommands, Party("t5", "P-T5", "2026-03-02T08:00:00+08:00"), "officer");
  EXPECT_EQ(stale->status, 400);
  EXPECT_EQ(StringAt(stale->body, "/path"), "$.at");
  // The admin's import keeps its past time, and is stamped without a nonce.
  ASSERT_EQ(service_->Post(kCommands, Party("t6", "P-T6", "2024-01-02T08:00:00+08:00"))->status, 200);
  entry = EntryOf(*service_, "t6");
  EXPECT_EQ(StringAt(entry, "/command/at"), "2024-01-02T08:00:00+08:00");
  EXPECT_EQ(StringAt(entry, "/command/received/role"), "admin");
  EXPECT_EQ(StringAt(entry, "/command/received/nonce"), "");
  // An import is of past events: an admin's `at` further ahead than the skew is refused too, and
  // one within it is kept.
  const std::string future_at = FormatRfc3339(static_cast<int64_t>(::time(nullptr)) + 86400, 480);
  auto future = service_->Post(kCommands, Party("t7", "P-T7", future_at));
  ASSERT_EQ(future->status, 400) << future->body;
  EXPECT_EQ(StringAt(future->body, "/path"), "$.at");
  EXPECT_NE(StringAt(future->body, "/message").find("ahead of the server's time"), std::string::npos)
      << future->body;
  EXPECT_TRUE(EntryOf(*service_, "t7").empty());
  const std::string soon_at = FormatRfc3339(static_cast<int64_t>(::time(nullptr)) + 60, 480);
  ASSERT_EQ(service_->Post(kCommands, Party("t8", "P-T8", soon_at))->status, 200);
  EXPECT_EQ(StringAt(EntryOf(*service_, "t8"), "/command/at"), soon_at);
}

TEST_F(HttpTest, ARetryKeepsItsDecisionAfterTheSkewHasPassed) {
  // Sent within the allowed skew (300 s), retried once the server's clock has moved beyond it: a
  // repeat of a decided command is answered with the original decision (SPEC §2, `id`), a new
  // command with that time is still refused, and nothing of a refused body is decided.
  const std::string old_at = FormatRfc3339(static_cast<int64_t>(::time(nullptr)) - 296, 480);
  auto declared = service_->Post(kCommands, Declare("late-1", "D-LATE-1", "P-A", 1, old_at), "declarant-a");
  ASSERT_EQ(declared->status, 200) << declared->body;
  auto registered = service_->Post(kCommands, Party("late-2", "P-LATE-2", old_at), "officer");
  ASSERT_EQ(registered->status, 200) << registered->body;
  ::sleep(6);
  auto retried = service_->Post(kCommands, Declare("late-1", "D-LATE-1", "P-A", 1, old_at), "declarant-a");
  EXPECT_EQ(retried->status, 200) << retried->body;
  EXPECT_EQ(retried->body, declared->body);
  auto officer_retry = service_->Post(kCommands, Party("late-2", "P-LATE-2", old_at), "officer");
  EXPECT_EQ(officer_retry->status, 200) << officer_retry->body;
  EXPECT_EQ(officer_retry->body, registered->body);
  // The same id with another body is still a reused id, not a new decision.
  auto changed = service_->Post(kCommands, Declare("late-1", "D-LATE-1", "P-A", 2, old_at), "declarant-a");
  EXPECT_EQ(changed->status, 409) << changed->body;
  // A new id at that time is refused, and so is a batch holding one, whole.
  std::string batch = "[" + Declare("late-3", "D-LATE-3", "P-A", 1, NowAt()) + "," +
                      Declare("late-1", "D-LATE-1", "P-A", 1, old_at) + "," +
                      Declare("late-4", "D-LATE-4", "P-A", 1, old_at) + "]";
  auto refused = service_->Post(kCommands, batch, "declarant-a");
  ASSERT_EQ(refused->status, 400) << refused->body;
  EXPECT_EQ(StringAt(refused->body, "/path"), "$[2].at");
  EXPECT_NE(StringAt(refused->body, "/message").find("allowed skew"), std::string::npos);
  EXPECT_TRUE(EntryOf(*service_, "late-3").empty()) << "nothing of a refused batch is decided";
  EXPECT_TRUE(EntryOf(*service_, "late-4").empty());
  auto fresh = service_->Post(kCommands, Party("late-5", "P-LATE-5", old_at), "officer");
  EXPECT_EQ(fresh->status, 400) << fresh->body;
  EXPECT_EQ(StringAt(fresh->body, "/path"), "$.at");
}

TEST_F(HttpTest, AClientCannotSendItsOwnStamp) {
  std::string forged = Party("t7", "P-T7", NowAt());
  forged.insert(forged.size() - 1,
                R"(,"received":{"at":"2026-01-01T00:00:00+08:00","role":"admin","token":"tok_000000000000"})");
  for (const char* token : {"admin", "officer"}) {
    auto refused = service_->Post(kCommands, forged, token);
    EXPECT_EQ(refused->status, 400) << refused->body;
    EXPECT_EQ(StringAt(refused->body, "/path"), "$.received");
  }
  EXPECT_TRUE(EntryOf(*service_, "t7").empty());
}

TEST_F(HttpTest, CommandIdsAreScopedPerPrincipal) {
  // A declarant takes an id the officers will use: neither blocks nor sees the other.
  auto declared = service_->Post(kCommands, Declare("gate-0001", "D-G1", "P-A", 1, NowAt()), "declarant-a");
  ASSERT_EQ(declared->status, 200) << declared->body;
  auto officer = service_->Post(kCommands, Party("gate-0001", "P-G", NowAt()), "officer");
  ASSERT_EQ(officer->status, 200) << officer->body;
  EXPECT_EQ(StringAt(officer->body, "/outcome"), "accepted");
  EXPECT_NE(StringAt(officer->body, "/hash"), StringAt(declared->body, "/hash"));
  auto other = service_->Post(kCommands, Declare("gate-0001", "D-G2", "P-B", 1, NowAt()), "declarant-b");
  ASSERT_EQ(other->status, 200) << other->body;
  // Reusing one's own id with another body is a conflict that names only one's own command.
  auto conflict = service_->Post(kCommands, Declare("gate-0001", "D-G3", "P-B", 1, NowAt()), "declarant-b");
  ASSERT_EQ(conflict->status, 409);
  for (const std::string& foreign : {std::string("D-G1"), std::string("P-G"), StringAt(declared->body, "/hash")}) {
    EXPECT_EQ(conflict->body.find(foreign), std::string::npos) << conflict->body;
  }
}

TEST_F(HttpTest, DeclarationIdsAreScopedPerParty) {
  // P-B declares under the id of P-A's declaration D-A, with the command id the import used for
  // it: it is neither blocked nor told that the id is in use (SPEC §2, `id`).
  auto theirs = service_->Post(kCommands, Declare("s4", "D-A", "P-B", 1, NowAt()), "declarant-b");
  ASSERT_EQ(theirs->status, 200) << theirs->body;
  const std::string outcome = StringAt(theirs->body, "/outcome");
  ASSERT_TRUE(outcome == "accepted" || outcome == "held") << theirs->body;
  if (outcome == "held") {  // drawn for inspection (SPEC §4.11): the officer clears it, by its full name
    auto inspected = service_->Post(kCommands, Command("o0", "inspect", R"("declaration":"D-A@P-B","result":"pass")", NowAt()), "officer");
    ASSERT_EQ(StringAt(inspected->body, "/outcome"), "accepted") << inspected->body;
  }
  auto again = service_->Post(kCommands, Declare("b2", "D-A", "P-B", 1, NowAt()), "declarant-b");
  EXPECT_EQ(StringAt(again->body, "/outcome"), "invalid") << "its own id, used twice";
  // Each declarant reads its own D-A, and nothing of the other's.
  for (const auto& [token, party, other] : {std::tuple{"declarant-a", "P-A", "P-B"},
                                            std::tuple{"declarant-b", "P-B", "P-A"}}) {
    auto read = service_->Get("/v1/zones/hengqin/declarations/D-A", token);
    ASSERT_EQ(read->status, 200) << read->body;
    EXPECT_EQ(StringAt(read->body, "/declaration/declarant"), party);
    EXPECT_EQ(StringAt(read->body, "/declaration/id"), "D-A");
    EXPECT_EQ(read->body.find(other), std::string::npos) << read->body;
    EXPECT_EQ(read->body.find('@'), std::string::npos) << read->body;
    auto list = service_->Get("/v1/zones/hengqin/declarations", token);
    ASSERT_EQ(list->status, 200);
    EXPECT_EQ(list->body.find(other), std::string::npos) << list->body;
    EXPECT_EQ(list->body.find('@'), std::string::npos) << list->body;
  }
  // An officer's D-A is ambiguous: 409, naming the parties; with the party it is one document.
  auto ambiguous = service_->Get("/v1/zones/hengqin/declarations/D-A", "officer");
  EXPECT_EQ(ambiguous->status, 409) << ambiguous->body;
  EXPECT_NE(ambiguous->body.find("P-A, P-B"), std::string::npos) << ambiguous->body;
  auto named = service_->Get("/v1/zones/hengqin/declarations/D-A@P-B", "officer");
  ASSERT_EQ(named->status, 200) << named->body;
  EXPECT_EQ(StringAt(named->body, "/declaration/declarant"), "P-B");
  EXPECT_EQ(service_->Get("/v1/zones/hengqin/declarations/D-A@P-B", "declarant-a")->status, 404);
  // The officer's release of the bare id is refused; with the party it releases that one only.
  auto bare = service_->Post(kCommands, Command("o1", "release", R"("gate":"HQ-L1-GDS-01","declarations":["D-A"])", NowAt()), "officer");
  EXPECT_EQ(StringAt(bare->body, "/outcome"), "invalid") << bare->body;
  auto release = service_->Post(kCommands, Command("o2", "release", R"("gate":"HQ-L1-GDS-01","declarations":["D-A@P-B"])", NowAt()), "officer");
  ASSERT_EQ(release->status, 200) << release->body;
  EXPECT_EQ(StringAt(release->body, "/outcome"), "accepted") << release->body;
  auto a_now = service_->Get("/v1/zones/hengqin/declarations/D-A", "declarant-a");
  EXPECT_EQ(StringAt(a_now->body, "/declaration/state"), "accepted") << a_now->body;
  auto b_now = service_->Get("/v1/zones/hengqin/declarations/D-A", "declarant-b");
  EXPECT_EQ(StringAt(b_now->body, "/declaration/state"), "released") << b_now->body;
  // P-A cancels its own D-A; P-B's, released, is untouched.
  auto cancel = service_->Post(kCommands, Command("a1", "cancel", R"("declaration":"D-A")", NowAt()), "declarant-a");
  EXPECT_EQ(StringAt(cancel->body, "/outcome"), "accepted") << cancel->body;
  EXPECT_EQ(StringAt(service_->Get("/v1/zones/hengqin/declarations/D-A@P-A", "officer")->body,
                     "/declaration/state"),
            "cancelled");
  EXPECT_EQ(StringAt(service_->Get("/v1/zones/hengqin/declarations/D-A", "declarant-b")->body,
                     "/declaration/state"),
            "released");
}

// --- overload and failure -----------------------------------------------------------------------

TEST(HttpOverloadTest, AFullQueueIsServiceUnavailableWithRetryAfter) {
  ServiceOptions options;
  options.writer.queue_commands_max = 1;
  options.memory_store = true;
  Service service(options);
  // Hold the writer so that the queue fills.
  std::promise<void> release, entered;
  std::shared_future<void> released = release.get_future().share();
  std::future<void> inside = entered.get_future();
  auto held = service.writer().Read("hengqin", [released, &entered](const store::Zone&) -> Result<std::string> {
    entered.set_value();
    released.wait();
    return std::string();
  });
  // Only once the writer is inside the read does a command stay queued (otherwise the writer may
  // take the command and the read together, and the queue is never seen non-empty).
  inside.wait();
  auto queued = std::async(std::launch::async, [&] { return service.Post("/v1/zones/hengqin/commands", Party("q1", "P-Q")); });
  while (service.writer().stats().queue_commands.load() == 0) std::this_thread::sleep_for(std::chrono::milliseconds(1));
  auto refused = service.Post("/v1/zones/hengqin/commands", Party("q2", "P-Q2"));
  ASSERT_TRUE(refused);
  EXPECT_EQ(refused->status, 503);
  EXPECT_EQ(refused->get_header_value("Retry-After"), "1");
  EXPECT_EQ(StringAt(refused->body, "/error"), "overloaded");
  release.set_value();
  EXPECT_EQ(queued.get()->status, 200);
  EXPECT_TRUE(held.get().ok());
}

TEST(HttpFailureTest, AFailedCommitStopsWritesButReadsGoOn) {
  ServiceOptions options;
  options.memory_store = true;
  Service service(options);
  ASSERT_EQ(service.Post("/v1/zones/hengqin/commands", Party("f1", "P-F1"))->status, 200);
  service.memory()->InjectAppendFailures(1);
  auto failed = service.Post("/v1/zones/hengqin/commands", Party("f2", "P-F2"));
  ASSERT_TRUE(failed);
  EXPECT_EQ(failed->status, 503);
  EXPECT_FALSE(failed->get_header_value("Retry-After").empty());
  EXPECT_EQ(service.Post("/v1/zones/hengqin/commands", Party("f3", "P-F3"))->status, 503);
  EXPECT_EQ(service.Get("/healthz", "")->status, 503);
  EXPECT_EQ(service.Get("/v1/zones/hengqin/parties/P-F1/balance")->status, 200);
  EXPECT_EQ(service.Get("/v1/zones/hengqin/parties/P-F2/balance")->status, 404);
  EXPECT_EQ(service.Get("/v1/zones/hengqin/journal")->status, 200);
  EXPECT_EQ(service.Get("/v1/zones/hengqin/reports/flows?from=2026-03-01&to=2026-03-02")->status, 200);
  auto metrics = service.Get("/metrics", "");
  EXPECT_NE(metrics->body.find("twoline_writes_stopped 1"), std::string::npos);
}

}  // namespace
}  // namespace twoline
