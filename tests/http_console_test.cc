// The routes the browser console uses (docs/api.md): sessions with their cookie and CSRF rule, the
// decision stream, token administration, static files; plus per-token rate limits, the token
// table failing closed, and the health reason code.
#include <simdjson.h>

#include "http_service.h"

namespace twoline {
namespace {

using testing::RawConnection;
using testing::Service;
using testing::StringAt;
using testing::ServiceOptions;

const std::string kCommands = "/v1/zones/hengqin/commands";

// Registered at the server's time, so that officers' sessions may send it too.
std::string Party(const std::string& id, const std::string& party) {
  return R"({"id":")" + id + R"(","zone":"hengqin","at":")" + testing::NowAt() +
         R"(","type":"register_party","party":{"id":")" + party +
         R"(","name":"Firm","kind":"enterprise","credit":"general","lists":[]}})";
}

// An item OIL (kg), registered by `token` at the server's time.
std::string OilItem(const std::string& id) {
  return R"({"id":")" + id + R"(","zone":"hengqin","at":")" + testing::NowAt() +
         R"(","type":"register_item","item":{"sku":"OIL","hs_code":"3301.29","description":"Oil","unit":"kg","tags":[]}})";
}

// A declaration of `kind` by `party` of `lines` one-kilo lines of OIL, at the server's time.
std::string OilDeclaration(const std::string& id, const std::string& kind, const std::string& party,
                           int lines, const std::string& qty = "1") {
  std::string body = R"({"id":")" + id + R"(","zone":"hengqin","at":")" + testing::NowAt() +
                     R"(","type":"declare","declaration":{"id":"D-)" + id + R"(","kind":")" + kind +
                     R"(","declarant":")" + party + R"(","lines":[)";
  for (int i = 0; i < lines; ++i) {
    body += std::string(i ? "," : "") + R"({"sku":"OIL","qty":")" + qty +
            R"(","value":"10.00","currency":"CNY","origin":"FR","certificates":[]})";
  }
  return body + "]}}";
}

bool IsNullAt(const std::string& json, const char* pointer) {
  simdjson::dom::parser parser;
  simdjson::dom::element root, value;
  return !parser.parse(json).get(root) && !root.at_pointer(pointer).get(value) && value.is_null();
}

// A browser: a session cookie and its CSRF value.
struct Browser {
  std::string cookie;
  std::string csrf;
  httplib::Headers Headers(bool with_csrf = true) const {
    httplib::Headers headers = {{"Cookie", "twoline_session=" + cookie}};
    if (with_csrf) headers.emplace("X-CSRF-Token", csrf);
    return headers;
  }
};

Browser SignIn(Service& service, const std::string& token_name,
               httplib::Response* answer = nullptr) {
  auto result = service.Client().Post(
      "/v1/session", {}, R"({"token":")" + service.Secret(token_name) + "\"}", "application/json");
  Browser browser;
  if (!result || result->status != 200) {
    ADD_FAILURE() << "sign-in failed";
    return browser;
  }
  std::string set_cookie = result->get_header_value("Set-Cookie");
  size_t start = set_cookie.find('=') + 1;
  browser.cookie = set_cookie.substr(start, set_cookie.find(';') - start);
  browser.csrf = StringAt(result->body, "/csrf");
  if (answer != nullptr) *answer = *result;
  return browser;
}

TEST(SessionTest, ACookieAuthenticatesLikeItsTokenAndWritesNeedTheCsrfValue) {
  ServiceOptions options;
  Service service(options);
  httplib::Response answer;
  Browser browser = SignIn(service, "officer", &answer);
  EXPECT_EQ(StringAt(answer.body, "/role"), "officer");
  EXPECT_EQ(StringAt(answer.body, "/zone"), "hengqin");
  EXPECT_TRUE(IsNullAt(answer.body, "/party"));
  EXPECT_EQ(StringAt(answer.body, "/token_id"), service.TokenId("officer"));
  EXPECT_EQ(browser.csrf.size(), 64u);
  EXPECT_FALSE(StringAt(answer.body, "/expires_at").empty());
  std::string set_cookie = answer.get_header_value("Set-Cookie");
  for (const char* attribute : {"; HttpOnly", "; SameSite=Strict", "; Path=/"}) {
    EXPECT_NE(set_cookie.find(attribute), std::string::npos) << set_cookie;
  }
  EXPECT_EQ(set_cookie.find("Secure"), std::string::npos);
  EXPECT_EQ(answer.body.find(service.Secret("officer")), std::string::npos)
      << "the token is never echoed";

  httplib::Client client = service.Client();
  auto session = client.Get("/v1/session", browser.Headers(false));
  ASSERT_TRUE(session);
  EXPECT_EQ(session->status, 200);
  EXPECT_EQ(StringAt(session->body, "/csrf"), browser.csrf);
  EXPECT_EQ(client.Get("/v1/zones/hengqin/presence", browser.Headers(false))->status, 200);
  EXPECT_EQ(client.Get("/v1/zones/hetao-sz/presence", browser.Headers(false))->status, 403)
      << "the token's scope";

  auto no_csrf = client.Post(kCommands.c_str(), browser.Headers(false), Party("s1", "P-S1"),
                             "application/json");
  EXPECT_EQ(no_csrf->status, 403);
  EXPECT_EQ(StringAt(no_csrf->body, "/error"), "csrf");
  httplib::Headers wrong = browser.Headers(false);
  wrong.emplace("X-CSRF-Token", std::string(64, '0'));
  EXPECT_EQ(client.Post(kCommands.c_str(), wrong, Party("s1", "P-S1"), "application/json")->status,
            403);
  EXPECT_EQ(
      client.Post(kCommands.c_str(), browser.Headers(), Party("s1", "P-S1"), "application/json")
          ->status,
      200);
  EXPECT_EQ(service.Post(kCommands, Party("s2", "P-S2"), "officer")->status, 200)
      << "bearer tokens need no CSRF";
}

TEST(SessionTest, SigningOutOrRevokingTheTokenEndsTheSession) {
  ServiceOptions options;
  Service service(options);
  Browser browser = SignIn(service, "officer");
  httplib::Client client = service.Client();
  EXPECT_EQ(client.Delete("/v1/session", browser.Headers(false))->status, 403)
      << "signing out needs the CSRF value";
  auto out = client.Delete("/v1/session", browser.Headers());
  ASSERT_TRUE(out);
  EXPECT_EQ(out->status, 204);
  EXPECT_NE(out->get_header_value("Set-Cookie").find("Max-Age=0"), std::string::npos);
  EXPECT_EQ(client.Get("/v1/session", browser.Headers(false))->status, 401);
  EXPECT_EQ(client.Get("/v1/zones", browser.Headers(false))->status, 401);

  Browser again = SignIn(service, "auditor");
  EXPECT_EQ(client.Get("/v1/zones/hengqin/journal", again.Headers(false))->status, 200);
  ASSERT_TRUE(*service.store().RevokeToken(service.TokenId("auditor"), "2026-03-01T00:00:00Z"));
  EXPECT_EQ(client.Get("/v1/zones/hengqin/journal", again.Headers(false))->status, 401);
  EXPECT_EQ(client.Get("/v1/session", again.Headers(false))->status, 401);
}

TEST(SessionTest, SignInNeedsAValidTokenAsJson) {
  ServiceOptions options;
  Service service(options);
  httplib::Client client = service.Client();
  EXPECT_EQ(client.Post("/v1/session", R"({"token":"twl_nope"})", "application/json")->status, 401);
  EXPECT_EQ(
      client.Post("/v1/session", R"({"token":")" + service.Secret("admin") + "\"}", "text/plain")
          ->status,
      415);
  EXPECT_EQ(client.Post("/v1/session", R"(["x"])", "application/json")->status, 400);
  auto not_json = client.Post("/v1/session", "token=x", "application/json");
  ASSERT_TRUE(not_json);
  EXPECT_EQ(not_json->status, 400);
  EXPECT_NE(not_json->body.find("\"error\":\"malformed_json\""), std::string::npos) << not_json->body;
  EXPECT_EQ(client.Post("/v1/session", R"({"token":"x","extra":1})", "application/json")->status,
            400);
  EXPECT_EQ(client.Get("/v1/session")->status, 401);
  EXPECT_EQ(
      client.Get("/v1/session", {{"Cookie", "twoline_session=" + std::string(64, 'a')}})->status,
      401);
}

TEST(SessionTest, AnIdleSessionExpiresAndSecureCookiesAreAnOption) {
  ServiceOptions options;
  options.server.sessions.idle = std::chrono::seconds(0);
  options.server.sessions.secure_cookie = true;
  Service service(options);
  httplib::Response answer;
  Browser browser = SignIn(service, "officer", &answer);
  EXPECT_NE(answer.get_header_value("Set-Cookie").find("; Secure"), std::string::npos);
  EXPECT_EQ(service.Client().Get("/v1/session", browser.Headers(false))->status, 401);
}

// One token signing in in a loop recycles its own sessions; it cannot fill the table and lock other
// users out, and the sessions of a revoked token give their places up when the table is full.
TEST(SessionTest, OneTokenCannotFillTheSessionTable) {
  ServiceOptions options;
  options.server.sessions.sessions_max = 6;
  options.server.sessions.sessions_per_token_max = 3;
  options.tokens["declarant-a"] = {api::Role::kDeclarant, "hengqin", "P-A"};
  Service service(options);
  httplib::Client client = service.Client();
  std::vector<Browser> declarant;
  for (int i = 0; i < 8; ++i) declarant.push_back(SignIn(service, "declarant-a"));
  // Its three most recent sessions live; the older ones were ended by its later sign-ins.
  for (int i = 0; i < 8; ++i) {
    EXPECT_EQ(client.Get("/v1/session", declarant[i].Headers(false))->status, i < 5 ? 401 : 200)
        << "session " << i;
  }
  Browser officer = SignIn(service, "officer");
  Browser auditor = SignIn(service, "auditor");
  EXPECT_EQ(client.Get("/v1/session", officer.Headers(false))->status, 200);
  EXPECT_EQ(client.Get("/v1/session", auditor.Headers(false))->status, 200);
  // The table is full (3 + 1 + 1 + this one): another token is refused while all of them live...
  SignIn(service, "admin");
  auto full = client.Post("/v1/session", {}, R"({"token":")" + service.Secret("officer-sz") + "\"}",
                          "application/json");
  ASSERT_TRUE(full);
  EXPECT_EQ(full->status, 503) << full->body;
  // ...and once the declarant's token is revoked, its sessions make room.
  ASSERT_TRUE(*service.store().RevokeToken(service.TokenId("declarant-a"), "2026-03-01T00:00:00Z"));
  bool signed_in = false;
  for (int attempt = 0; attempt < 100 && !signed_in; ++attempt) {  // the token cache reloads
    auto result = client.Post("/v1/session", {}, R"({"token":")" + service.Secret("officer-sz") + "\"}",
                              "application/json");
    signed_in = result && result->status == 200;
    if (!signed_in) std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  EXPECT_TRUE(signed_in);
  EXPECT_EQ(client.Get("/v1/session", officer.Headers(false))->status, 200) << "others' sessions stay";
}

TEST(TokenRoutesTest, AnAdminCreatesListsAndRevokesTokens) {
  ServiceOptions options;
  Service service(options);
  httplib::Client client = service.Client();
  EXPECT_EQ(client.Get("/v1/tokens", service.Auth("officer"))->status, 403);
  auto head = client.Head("/v1/tokens", service.Auth("admin"));
  ASSERT_TRUE(head);
  EXPECT_EQ(head->status, 200) << "HEAD answers as GET does";
  EXPECT_TRUE(head->body.empty());
  EXPECT_EQ(
      client.Post("/v1/tokens", service.Auth("officer"), R"({"role":"admin"})", "application/json")
          ->status,
      403);
  auto created =
      client.Post("/v1/tokens", service.Auth("admin"),
                  R"({"role":"declarant","zone":"hengqin","party":"P-NEW"})", "application/json");
  ASSERT_TRUE(created);
  ASSERT_EQ(created->status, 201) << created->body;
  const std::string secret = StringAt(created->body, "/token");
  const std::string id = StringAt(created->body, "/id");
  EXPECT_EQ(secret.substr(0, 4), "twl_");
  EXPECT_EQ(client.Get("/v1/zones", {{"Authorization", "Bearer " + secret}})->status, 200)
      << "usable at once";
  auto listed = client.Get("/v1/tokens", service.Auth("admin"));
  ASSERT_TRUE(listed);
  EXPECT_EQ(listed->status, 200);
  EXPECT_NE(listed->body.find(id), std::string::npos);
  EXPECT_EQ(listed->body.find("twl_"), std::string::npos) << "never a secret";
  EXPECT_EQ(
      client.Post("/v1/tokens", service.Auth("admin"), R"({"role":"king"})", "application/json")
          ->status,
      400);
  EXPECT_EQ(
      client.Post("/v1/tokens", service.Auth("admin"), R"({"role":"officer"})", "application/json")
          ->status,
      400)
      << "an officer needs a zone";
  EXPECT_EQ(client
                .Post("/v1/tokens", service.Auth("admin"),
                      R"({"role":"officer","zone":"atlantis"})", "application/json")
                ->status,
            400);
  auto revoked = client.Delete(("/v1/tokens/" + id).c_str(), service.Auth("admin"));
  ASSERT_TRUE(revoked);
  EXPECT_EQ(revoked->status, 200);
  EXPECT_EQ(client.Get("/v1/zones", {{"Authorization", "Bearer " + secret}})->status, 401)
      << "refused at once";
  EXPECT_EQ(client.Delete(("/v1/tokens/" + id).c_str(), service.Auth("admin"))->status, 404);
}

// Reads one server-sent event stream from a raw connection.
class EventReader {
 public:
  EventReader(int port, const std::string& secret, const std::string& zone = "hengqin")
      : connection_(port) {
    connection_.Send("GET /v1/zones/" + zone +
                     "/stream HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer " + secret +
                     "\r\n\r\n");
  }
  // Reads until `marker` appears; returns everything read so far.
  std::string Until(const std::string& marker) {
    char buffer[4096];
    while (text_.find(marker) == std::string::npos) {
      ssize_t got = connection_.ReceiveSome(buffer, sizeof buffer);
      if (got <= 0) break;
      text_.append(buffer, static_cast<size_t>(got));
    }
    return text_;
  }
  // Reads until the server closes the stream: true when it did, false when the read timed out.
  bool UntilClosed() {
    char buffer[4096];
    for (;;) {
      ssize_t got = connection_.ReceiveSome(buffer, sizeof buffer);
      if (got == 0) return true;
      if (got < 0) return false;
      text_.append(buffer, static_cast<size_t>(got));
    }
  }
  const std::string& text() const { return text_; }

 private:
  RawConnection connection_;
  std::string text_;
};

TEST(DecisionStreamTest, EveryJournaledDecisionOfTheZoneIsAnEvent) {
  ServiceOptions options;
  options.heartbeat = std::chrono::milliseconds(100);
  Service service(options);
  EventReader events(service.port(), service.Secret("officer"));
  std::string head = events.Until(": decisions of zone hengqin");
  EXPECT_EQ(RawConnection::Status(head), 200) << head;
  EXPECT_NE(head.find("Content-Type: text/event-stream"), std::string::npos);
  std::string person =
      R"({"id":"e1","zone":"hengqin","at":"2026-03-02T08:00:00+08:00","type":"register_person","person":{"id":"MO-1","name":"Chan Tai Man","nationality":"CN","resident_of":"MO","birth_date":"1979-05-03","documents":[{"type":"home_return_permit","number":"H12345678","valid_from":"2019-01-01","valid_until":"2029-01-01"}],"lists":[]}})";
  std::string cross =
      R"({"id":"e2","zone":"hengqin","at":"2026-03-02T09:00:00+08:00","type":"cross","person":"MO-1","gate":"HQ-L1-GEN-01","direction":"in"})";
  ASSERT_EQ(service.Post(kCommands, "[" + person + "," + cross + "]")->status, 200);
  std::string text = events.Until("\"id\":\"e2\"");
  text = events.Until("\n\n" + std::string(": heartbeat"));
  size_t at = text.find("event: decision\ndata: {\"seq\":3,\"id\":\"e2\"");
  ASSERT_NE(at, std::string::npos) << text;
  std::string data = text.substr(text.find("data: ", at) + 6);
  data = data.substr(0, data.find('\n'));
  EXPECT_EQ(StringAt(data, "/type"), "cross");
  EXPECT_EQ(StringAt(data, "/gate"), "HQ-L1-GEN-01");
  EXPECT_EQ(StringAt(data, "/line"), "first");
  EXPECT_EQ(StringAt(data, "/direction"), "in");
  EXPECT_EQ(StringAt(data, "/person"), "MO-1");
  EXPECT_EQ(StringAt(data, "/at"), "2026-03-02T09:00:00+08:00");
  EXPECT_FALSE(StringAt(data, "/outcome").empty());
  EXPECT_NE(text.find("\"id\":\"e1\""), std::string::npos);
  // A repeat is not journaled again, so it is no event.
  ASSERT_EQ(service.Post(kCommands, cross)->status, 200);
  ASSERT_EQ(service.Post(kCommands, Party("e3", "P-E3"))->status, 200);
  text = events.Until("\"id\":\"e3\"");
  EXPECT_EQ(text.find("\"id\":\"e2\"", text.find("\n\n", at)), std::string::npos) << text;
}

TEST(DecisionStreamTest, OnlyOfficersAuditorsAndAdminsOfTheZoneMayWatch) {
  ServiceOptions options;
  options.tokens["declarant"] = {api::Role::kDeclarant, "hengqin", "P-A"};
  Service service(options);
  auto status = [&](const std::string& token, const std::string& zone) {
    RawConnection connection(service.port());
    connection.Send("GET /v1/zones/" + zone +
                    "/stream HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer " +
                    service.Secret(token) + "\r\n\r\n");
    char buffer[512];
    ssize_t got = connection.ReceiveSome(buffer, sizeof buffer);
    return got > 0 ? RawConnection::Status(std::string(buffer, static_cast<size_t>(got))) : 0;
  };
  EXPECT_EQ(status("declarant", "hengqin"), 403);
  EXPECT_EQ(status("officer-sz", "hengqin"), 403);
  EXPECT_EQ(status("auditor", "hengqin"), 200);
  EXPECT_EQ(status("admin", "hetao-sz"), 200);
  EXPECT_EQ(status("admin", "atlantis"), 404);
}

// Watchers cannot hold the connection table: a token has a few streams (its newest wins), the
// server a bounded number (503 beyond, with Retry-After), and gate work goes on meanwhile.
TEST(DecisionStreamTest, StreamsAreBoundedPerTokenAndForTheServer) {
  ServiceOptions options;
  options.feed.streams_per_token_max = 3;
  options.feed.streams_max = 5;
  Service service(options);
  std::vector<std::unique_ptr<EventReader>> officer;
  for (int i = 0; i < 3; ++i) {
    officer.push_back(std::make_unique<EventReader>(service.port(), service.Secret("officer")));
    ASSERT_EQ(RawConnection::Status(officer.back()->Until(": decisions of zone hengqin")), 200);
  }
  // A fourth of the same token: its oldest is closed, the new one is served.
  officer.push_back(std::make_unique<EventReader>(service.port(), service.Secret("officer")));
  ASSERT_EQ(RawConnection::Status(officer.back()->Until(": decisions of zone hengqin")), 200);
  EXPECT_TRUE(officer[0]->UntilClosed()) << "the token's oldest stream gives way";
  EXPECT_EQ(service.feed().streams(), 3u);
  // Another token fills the server's table.
  std::vector<std::unique_ptr<EventReader>> auditor;
  for (int i = 0; i < 2; ++i) {
    auditor.push_back(std::make_unique<EventReader>(service.port(), service.Secret("auditor")));
    ASSERT_EQ(RawConnection::Status(auditor.back()->Until(": decisions of zone hengqin")), 200);
  }
  EXPECT_EQ(service.feed().streams(), 5u);
  EventReader refused(service.port(), service.Secret("admin"));
  refused.Until("}");  // an ordinary answer: the connection stays for its next request
  EXPECT_EQ(RawConnection::Status(refused.text()), 503) << refused.text();
  EXPECT_NE(refused.text().find("Retry-After: "), std::string::npos);
  EXPECT_NE(refused.text().find("\"overloaded\""), std::string::npos);
  // A token at its own limit may still reopen (its oldest gives way), the server stays at 5.
  officer.push_back(std::make_unique<EventReader>(service.port(), service.Secret("officer")));
  ASSERT_EQ(RawConnection::Status(officer.back()->Until(": decisions of zone hengqin")), 200);
  EXPECT_TRUE(officer[1]->UntilClosed());
  EXPECT_EQ(service.feed().streams(), 5u);
  // Gate work and health are not concerned; the open streams still get every decision.
  EXPECT_EQ(service.Post(kCommands, Party("s1", "P-S1"), "officer")->status, 200);
  EXPECT_NE(auditor[0]->Until("\"id\":\"s1\"").find("\"id\":\"s1\""), std::string::npos);
  EXPECT_NE(officer.back()->Until("\"id\":\"s1\"").find("\"id\":\"s1\""), std::string::npos);
  auto health = service.Client().Get("/healthz");
  ASSERT_TRUE(health);
  EXPECT_EQ(health->status, 200);
  auto metrics = service.Client().Get("/metrics");
  ASSERT_TRUE(metrics);
  EXPECT_NE(metrics->body.find("twoline_streams_open 5"), std::string::npos) << metrics->body;
  EXPECT_NE(metrics->body.find("twoline_streams_refused_total 1"), std::string::npos);
  EXPECT_NE(metrics->body.find("twoline_streams_shed_total 2"), std::string::npos);
}

// A stream ends after its lifetime, telling the client when to reconnect; the client is then
// authenticated again, so a revoked token watches no longer than one lifetime.
TEST(DecisionStreamTest, AStreamEndsAfterItsLifetimeAndARevokedTokenCannotReopen) {
  ServiceOptions options;
  options.heartbeat = std::chrono::milliseconds(50);
  options.feed.lifetime = std::chrono::milliseconds(300);
  Service service(options);
  EventReader events(service.port(), service.Secret("auditor"));
  EXPECT_NE(events.Until("retry: ").find("retry: 2000\n"), std::string::npos) << events.text();
  ASSERT_TRUE(events.UntilClosed()) << "closed at the end of its lifetime";
  EXPECT_NE(events.text().find(": heartbeat"), std::string::npos);
  EXPECT_EQ(service.feed().streams(), 0u);
  EXPECT_EQ(service.feed().stats().expired, 1u);
  auto revoked = service.Client().Delete(("/v1/tokens/" + service.TokenId("auditor")).c_str(),
                                         service.Auth("admin"));
  ASSERT_TRUE(revoked);
  ASSERT_EQ(revoked->status, 200);
  EventReader again(service.port(), service.Secret("auditor"));
  again.Until("}");
  EXPECT_EQ(RawConnection::Status(again.text()), 401) << again.text();
}

TEST(RateLimitTest, ATokenOverItsLimitGets429WithRetryAfter) {
  ServiceOptions options;
  // Per command and per line alone: the writer time is charged too, and a sanitizer build's is
  // long enough to move these small buckets (ACommandThatWalksManyLotsCostsWhatItTookOfTheWriter).
  options.server.rate_limits.charge_decide_time = false;
  options.server.rate_limits.writes = {0.01, 3};  // 3 commands, then one per 100 s
  options.server.rate_limits.reads = {0.01, 2};
  Service service(options);
  EXPECT_EQ(
      service.Post(kCommands, "[" + Party("r1", "P-R1") + "," + Party("r2", "P-R2") + "]")->status,
      200);
  EXPECT_EQ(service.Post(kCommands, Party("r3", "P-R3"))->status, 200);
  auto limited = service.Post(kCommands, Party("r4", "P-R4"));
  ASSERT_TRUE(limited);
  EXPECT_EQ(limited->status, 429);
  EXPECT_EQ(StringAt(limited->body, "/error"), "rate_limited");
  EXPECT_GE(std::stoi(limited->get_header_value("Retry-After")), 1);
  EXPECT_EQ(service.Post(kCommands, Party("r4", "P-R4"), "officer")->status, 200)
      << "limits are per token";
  EXPECT_EQ(service.Get("/v1/zones/hengqin/journal")->status, 200);
  EXPECT_EQ(service.Get("/v1/zones/hengqin/reports/flows?from=2026-03-01&to=2026-03-02")->status,
            200);
  EXPECT_EQ(service.Get("/v1/zones/hengqin/declarations/D-X")->status, 429) << "expensive reads";
  EXPECT_EQ(service.Get("/v1/zones/hengqin/parties/P-R1/balance")->status, 429)
      << "a balance lists every lot of the party: an expensive read";
  EXPECT_EQ(service.Get("/v1/zones/hengqin/presence")->status, 200)
      << "cheap reads are not limited";
  auto metrics = service.Get("/metrics", "");
  EXPECT_NE(metrics->body.find("twoline_rate_limited_total{kind=\"write\"} 1"), std::string::npos);
  EXPECT_NE(metrics->body.find("twoline_rate_limited_total{kind=\"read\"} 2"), std::string::npos);
}

// Paged lists (presence, crossings, a person's page) have a bucket of their own, apart from the
// expensive reads': a token reading pages in a loop is refused once it is empty, another token and
// the token's other reads are not.
TEST(RateLimitTest, PagedListsHaveALimitOfTheirOwn) {
  ServiceOptions options;
  options.server.rate_limits.paged = {0.01, 3};  // 3 pages, then one per 100 s
  Service service(options);
  ASSERT_EQ(service.Post(kCommands, Party("p1", "P-P1"), "officer")->status, 200);
  EXPECT_EQ(service.Get("/v1/zones/hengqin/presence", "officer")->status, 200);
  EXPECT_EQ(service.Get("/v1/zones/hengqin/crossings?limit=5", "officer")->status, 200);
  EXPECT_EQ(service.Get("/v1/zones/hengqin/presence?offset=0&limit=10", "officer")->status, 200);
  for (const char* path : {"/v1/zones/hengqin/presence", "/v1/zones/hengqin/crossings",
                           "/v1/zones/hengqin/persons/NOBODY"}) {
    auto limited = service.Get(path, "officer");
    ASSERT_TRUE(limited);
    EXPECT_EQ(limited->status, 429) << path;
    EXPECT_EQ(StringAt(limited->body, "/error"), "rate_limited") << path;
    EXPECT_GE(std::stoi(limited->get_header_value("Retry-After")), 1) << path;
  }
  EXPECT_EQ(service.Get("/v1/zones/hengqin/presence", "auditor")->status, 200) << "limits are per token";
  EXPECT_EQ(service.Get("/v1/zones/hengqin/parties/P-P1/balance", "officer")->status, 200)
      << "the expensive reads' bucket is another";
  auto metrics = service.Get("/metrics", "");
  EXPECT_NE(metrics->body.find("twoline_rate_limited_total{kind=\"paged\"} 3"), std::string::npos)
      << metrics->body;
}

// A command costs one unit per line it carries: few huge declarations take as much of the bucket as
// as many small commands, so a token cannot hold the writer with them.
TEST(RateLimitTest, ACommandCostsOneUnitPerLineItCarries) {
  ServiceOptions options;
  options.server.rate_limits.charge_decide_time = false;  // per line alone, as above
  options.server.rate_limits.writes = {0.01, 12};  // 12 units, then one per 100 s
  Service service(options);
  ASSERT_EQ(service.Post(kCommands, Party("w1", "P-W1"))->status, 200);  // 1 unit
  auto item = service.Post(kCommands, R"({"id":"w2","zone":"hengqin","at":")" + testing::NowAt() +
                                          R"(","type":"register_item","item":{"sku":"OIL","hs_code":"3301.29","description":"Oil","unit":"kg","tags":[]}})");
  ASSERT_EQ(item->status, 200) << item->body;  // 2 units
  auto declare = [&](const std::string& id, int lines) {
    std::string body = R"({"id":")" + id + R"(","zone":"hengqin","at":")" + testing::NowAt() +
                       R"(","type":"declare","declaration":{"id":"D-)" + id +
                       R"(","kind":"first_line_in","declarant":"P-W1","lines":[)";
    for (int i = 0; i < lines; ++i) {
      body += std::string(i ? "," : "") +
              R"({"sku":"OIL","qty":"1","value":"10.00","currency":"CNY","origin":"FR","certificates":[]})";
    }
    return service.Post(kCommands, body + "]}}");
  };
  auto eight = declare("w3", 8);  // 10 units
  ASSERT_EQ(eight->status, 200) << eight->body;
  auto three = declare("w4", 3);  // 13: over the 12
  ASSERT_TRUE(three);
  EXPECT_EQ(three->status, 429) << three->body;
  EXPECT_EQ(declare("w5", 2)->status, 200) << "two lines still fit";

  std::vector<engine::Command> commands(2);
  commands[0].body = engine::DeclareBody{};
  std::get<engine::DeclareBody>(commands[0].body).lines.resize(580);
  commands[1].body = engine::CrossBody{};
  EXPECT_EQ(api::WriteCost(commands), 581.0);
}

// An expensive read costs by the bytes it answers (one unit per 16 KiB beyond the first): a large
// declaration re-read in a loop runs out of a declarant's or officer's bucket in a few reads, not
// after `burst` of them. Auditors, whose work is reading, pay per request.
TEST(RateLimitTest, ALargeReadCostsByItsSize) {
  EXPECT_EQ(api::ReadSizeCost(0), 0.0);
  EXPECT_EQ(api::ReadSizeCost(16384), 0.0);
  EXPECT_EQ(api::ReadSizeCost(16385), 1.0);
  EXPECT_EQ(api::ReadSizeCost(257000), 15.0);
  ServiceOptions options;
  options.server.rate_limits.reads = {0.01, 20};  // 20 units, then one per 100 s
  Service service(options);
  ASSERT_EQ(service.Post(kCommands, Party("z1", "P-Z1"), "officer")->status, 200);
  ASSERT_EQ(service.Post(kCommands, OilItem("z2"), "officer")->status, 200);
  // 600 lines: within a command's 64 KiB.
  ASSERT_EQ(service.Post(kCommands, OilDeclaration("BIG", "first_line_in", "P-Z1", 600), "officer")->status, 200);
  auto first = service.Get("/v1/zones/hengqin/declarations/D-BIG", "officer");
  ASSERT_TRUE(first);
  ASSERT_EQ(first->status, 200);
  const double extra = api::ReadSizeCost(first->body.size());
  ASSERT_GE(extra, 9.0) << first->body.size() << " bytes: too small to tell";
  // The bucket, as the server keeps it: 20 units, each read one before and `extra` after.
  double units = 20 - 1 - extra;
  int allowed = 1;
  while (units >= 1) {
    units -= 1 + extra;
    ++allowed;
  }
  int answered = 1;
  for (int i = 0; i < 20; ++i) {
    auto again = service.Get("/v1/zones/hengqin/declarations/D-BIG", "officer");
    ASSERT_TRUE(again);
    if (again->status == 429) {
      EXPECT_GE(std::stoi(again->get_header_value("Retry-After")), 1);
      break;
    }
    ASSERT_EQ(again->status, 200);
    ++answered;
  }
  EXPECT_EQ(answered, allowed);
  EXPECT_LT(answered, 20) << "charged per request only";
  for (int i = 0; i < 10; ++i) {
    EXPECT_EQ(service.Get("/v1/zones/hengqin/declarations/D-BIG", "auditor")->status, 200) << i;
  }
}

// A command is charged by what deciding it took of the writer too: a declaration that walks
// thousands of a party's lots costs far more than its one line, so one token cannot keep the writer
// busy with few such commands (its next one waits).
TEST(RateLimitTest, ACommandThatWalksManyLotsCostsWhatItTookOfTheWriter) {
  EXPECT_EQ(api::DecideTimeCost(5'000), 0.0);
  EXPECT_EQ(api::DecideTimeCost(100'000), 0.0);
  EXPECT_EQ(api::DecideTimeCost(120'000), 1.0);
  EXPECT_EQ(api::DecideTimeCost(25'000'000), 1245.0);
  ServiceOptions options;
  options.tokens["declarant"] = {api::Role::kDeclarant, "hengqin", "P-Z1"};
  for (int d = 0; d < 16; ++d) {
    options.tokens["loader-" + std::to_string(d)] = {api::Role::kAdmin, "", ""};
    options.tokens["fixer-" + std::to_string(d)] = {api::Role::kAdmin, "", ""};
  }
  // Each set-up command by a token of its own: a fresh bucket lets one command through whatever its
  // decision costs, so the set-up does not depend on how fast this build decides.
  options.tokens["party"] = {api::Role::kAdmin, "", ""};
  options.tokens["item"] = {api::Role::kAdmin, "", ""};
  options.server.rate_limits.writes = {0.01, 50};  // 50 units, then one per 100 s
  options.server.rate_limits.declarant_writes = {0.01, 50};
  Service service(options);
  ASSERT_EQ(service.Post(kCommands, Party("z1", "P-Z1"), "party")->status, 200);
  ASSERT_EQ(service.Post(kCommands, OilItem("z2"), "item")->status, 200);
  // 9,600 lots of one kilo, each batch by a token of its own (a 600-line declaration takes a
  // whole bucket of 50): declared and released, or inspected first when sampling holds it.
  for (int d = 0; d < 16; ++d) {
    const std::string n = std::to_string(d);
    const std::string id = "D-IN-" + n;
    const std::string declare = OilDeclaration("IN-" + n, "first_line_in", "P-Z1", 600);
    auto release = [&](const std::string& release_id) {
      return R"({"id":")" + release_id + R"(","zone":"hengqin","at":")" + testing::NowAt() +
             R"(","type":"release","gate":"HQ-L1-GDS-01","declarations":[")" + id + R"("]})";
    };
    auto admitted = service.Post(kCommands, "[" + declare + "," + release("rel" + n) + "]", "loader-" + n);
    ASSERT_EQ(admitted->status, 200) << admitted->body;
    if (StringAt(admitted->body, "/1/outcome") != "accepted") {
      auto passed = service.Post(kCommands, "[" + testing::PassInspection(id, testing::NowAt()) + "," +
                                                release("rel2-" + n) + "]",
                                 "fixer-" + n);
      ASSERT_EQ(passed->status, 200);
      ASSERT_EQ(StringAt(passed->body, "/1/outcome"), "accepted") << passed->body;
    }
  }
  // The party's whole stock used up: one line (one unit), 9,600 lots walked and posted.
  auto consume = [&](const std::string& id, const std::string& qty) {
    return service.Post(kCommands, R"({"id":")" + id + R"(","zone":"hengqin","at":")" + testing::NowAt() +
                                       R"(","type":"declare","declaration":{"id":"D-)" + id +
                                       R"(","kind":"consume","declarant":"P-Z1","lines":[{"sku":"OIL","qty":")" +
                                       qty + R"(","value":"1.00","currency":"CNY","origin":"FR","certificates":[]}]}})",
                        "declarant");
  };
  auto first = consume("w1", "9600");
  ASSERT_EQ(first->status, 200) << first->body;
  EXPECT_EQ(StringAt(first->body, "/outcome"), "accepted") << first->body;
  auto second = consume("w2", "1");
  ASSERT_TRUE(second);
  EXPECT_EQ(second->status, 429) << "charged one unit per line only: " << second->body;
  EXPECT_GE(std::stoi(("0" + second->get_header_value("Retry-After"))), 1);
}

// A large body is parsed on a worker, not on an event loop, and decided as any other.
TEST(RateLimitTest, ALargeBatchIsParsedOffTheEventLoopAndDecidedInOrder) {
  ServiceOptions options;
  Service service(options);
  std::string body = "[";
  for (int i = 0; i < 600; ++i) body += (i ? "," : "") + Party("big" + std::to_string(i), "P-BIG" + std::to_string(i));
  body += "]";
  ASSERT_GT(body.size(), 64u * 1024) << "larger than what is parsed on the loop";
  auto result = service.Post(kCommands, body, "admin");
  ASSERT_TRUE(result);
  ASSERT_EQ(result->status, 200) << result->body.substr(0, 300);
  EXPECT_EQ(StringAt(result->body, "/0/id"), "big0");
  EXPECT_EQ(StringAt(result->body, "/599/id"), "big599");
  EXPECT_EQ(StringAt(result->body, "/599/outcome"), "accepted");
}

// Parsing a large body is charged as deciding is, whatever its outcome: a batch that fails at its
// last command cost the server its parse, and its token pays for it (before, such 400s were free,
// and 32 connections sending them held the event loops for seconds).
TEST(RateLimitTest, ParsingALargeBodyIsChargedEvenWhenItIsRefused) {
  ServiceOptions options;
  options.tokens["declarant"] = {api::Role::kDeclarant, "hengqin", "P-L1"};
  options.server.rate_limits.declarant_writes = {0.01, 5};  // 5 units, then one per 100 s
  Service service(options);
  ASSERT_EQ(service.Post(kCommands, Party("l1", "P-L1"), "admin")->status, 200);
  ASSERT_EQ(service.Post(kCommands, OilItem("l2"), "admin")->status, 200);
  // About 1 MiB of declarations, the last command missing its type: parsing it all takes far longer
  // than the 100 µs a command may take for free.
  std::string body = "[";
  for (int i = 0; i < 990; ++i) {
    body += OilDeclaration("L-" + std::to_string(i), "first_line_in", "P-L1", 11) + ",";
  }
  body += R"({"id":"last","zone":"hengqin"}])";
  ASSERT_GT(body.size(), 1u << 20);
  auto refused = service.Post(kCommands, body, "declarant");
  ASSERT_TRUE(refused);
  EXPECT_EQ(refused->status, 400) << refused->body.substr(0, 300);
  auto next = service.Post(kCommands, OilDeclaration("L-next", "first_line_in", "P-L1", 1), "declarant");
  ASSERT_TRUE(next);
  EXPECT_EQ(next->status, 429) << "the refused body's parsing was charged: " << next->body;
}

// A declarant's commands have a limit of their own, far below a gate device's: an enterprise
// declares far less, and its rejected declarations are journaled too.
TEST(RateLimitTest, ADeclarantHasALowerWriteLimitThanAGateDevice) {
  ServiceOptions options;
  options.tokens["declarant"] = {api::Role::kDeclarant, "hengqin", "P-Q1"};
  options.server.rate_limits.charge_decide_time = false;
  options.server.rate_limits.writes = {0.01, 100};
  options.server.rate_limits.declarant_writes = {0.01, 3};
  Service service(options);
  ASSERT_EQ(service.Post(kCommands, Party("q1", "P-Q1"), "officer")->status, 200);
  ASSERT_EQ(service.Post(kCommands, OilItem("q2"), "officer")->status, 200);
  auto declare = [&](const std::string& id) {
    return service.Post(kCommands, OilDeclaration(id, "first_line_in", "P-Q1", 1), "declarant");
  };
  for (const char* id : {"q3", "q4", "q5"}) EXPECT_EQ(declare(id)->status, 200) << id;
  auto limited = declare("q6");
  ASSERT_TRUE(limited);
  EXPECT_EQ(limited->status, 429);
  // A request larger than the declarant's whole burst never passes (a gate device's may, on a full
  // bucket): it is refused for its size, not for the moment.
  auto large = service.Post(kCommands, OilDeclaration("q7", "first_line_in", "P-Q1", 4), "declarant");
  ASSERT_TRUE(large);
  EXPECT_EQ(large->status, 413) << large->body;
  for (int i = 0; i < 10; ++i) {
    EXPECT_EQ(service.Post(kCommands, Party("q-o" + std::to_string(i), "P-O" + std::to_string(i)), "officer")->status, 200);
  }
}

// Requests being served at once are counted per token and kind: a declarant's requests in the
// writer, a token's expensive reads being built (docs/security.md).
TEST(RateLimitTest, RequestsInFlightAreBoundedPerTokenAndKind) {
  api::RateLimiter limiter(api::RateLimits{});
  for (int i = 0; i < 4; ++i) EXPECT_TRUE(limiter.Enter("tok_a", api::RateKind::kWrite, 4)) << i;
  EXPECT_FALSE(limiter.Enter("tok_a", api::RateKind::kWrite, 4));
  EXPECT_TRUE(limiter.Enter("tok_a", api::RateKind::kRead, 4)) << "per kind";
  EXPECT_TRUE(limiter.Enter("tok_b", api::RateKind::kWrite, 4)) << "per token";
  limiter.Leave("tok_a", api::RateKind::kWrite);
  EXPECT_TRUE(limiter.Enter("tok_a", api::RateKind::kWrite, 4));
  EXPECT_FALSE(limiter.Enter("tok_a", api::RateKind::kWrite, 4));
  EXPECT_EQ(limiter.refused(api::RateKind::kWrite), 2u);
}

// A bucket a request larger than the burst left deep in debt stays as deep: the writer time charged
// after it never raises it to the ten-burst floor.
TEST(RateLimitTest, ADebtDeeperThanTheFloorIsKept) {
  api::RateLimits limits;
  limits.writes = {1, 10};
  api::RateLimiter limiter(limits);
  EXPECT_EQ(limiter.Take("tok_gate", api::RateKind::kWrite, 1000), 0) << "a full bucket lets it through";
  limiter.Charge("tok_gate", api::RateKind::kWrite, 5);
  EXPECT_GE(limiter.Take("tok_gate", api::RateKind::kWrite, 1), 900) << "about 995 s of debt";
  api::RateLimiter shallow(limits);
  ASSERT_EQ(shallow.Take("tok_b", api::RateKind::kWrite, 10), 0);
  shallow.Charge("tok_b", api::RateKind::kWrite, 1000);  // floored at ten bursts
  const int wait = shallow.Take("tok_b", api::RateKind::kWrite, 1);
  EXPECT_GE(wait, 100);
  EXPECT_LE(wait, 102);
}

TEST(RateLimitTest, TheDefaultsLetAGateDeviceThrough) {
  api::RateLimiter limiter(api::RateLimits{});
  for (int i = 0; i < 5000; ++i)
    ASSERT_EQ(limiter.Take("tok_gate", api::RateKind::kWrite, 1), 0) << i;
  EXPECT_EQ(limiter.Take("tok_gate", api::RateKind::kWrite, 1000), 0)
      << "a full batch fits the burst";
}

TEST(StaticFilesTest, ConsoleFilesAreServedWithStrictHeaders) {
  ServiceOptions options;
  options.server.static_files = [](std::string_view path) -> std::optional<api::StaticFile> {
    if (path == "/index.html")
      return api::StaticFile{"text/html; charset=utf-8", "<html>console</html>", false};
    if (path == "/assets/app.1234.js") return api::StaticFile{"text/javascript", "app()", true};
    return std::nullopt;
  };
  Service service(options);
  auto index = service.Get("/", "");
  ASSERT_TRUE(index);
  EXPECT_EQ(index->status, 200);
  EXPECT_EQ(index->body, "<html>console</html>");
  EXPECT_EQ(index->get_header_value("Content-Security-Policy").rfind("default-src 'self'", 0), 0u);
  EXPECT_EQ(index->get_header_value("X-Content-Type-Options"), "nosniff");
  EXPECT_EQ(index->get_header_value("Referrer-Policy"), "no-referrer");
  EXPECT_EQ(index->get_header_value("X-Frame-Options"), "DENY");
  EXPECT_EQ(index->get_header_value("Cache-Control"), "no-cache");
  auto script = service.Get("/assets/app.1234.js", "");
  EXPECT_EQ(script->body, "app()");
  EXPECT_NE(script->get_header_value("Cache-Control").find("immutable"), std::string::npos);
  EXPECT_EQ(service.Get("/zones/hengqin/gates", "")->body, "<html>console</html>")
      << "the console's own routes";
  EXPECT_EQ(service.Get("/v1/nothing", "")->status, 404);
  EXPECT_EQ(service.Get("/healthz", "")->status, 200);
}

TEST(HealthTest, StoppedWritesAreReportedWithAReasonCode) {
  ServiceOptions options;
  options.memory_store = true;
  Service service(options);
  service.memory()->InjectAppendFailures(1);
  EXPECT_EQ(service.Post(kCommands, Party("h1", "P-H1"))->status, 503);
  auto health = service.Get("/healthz", "");
  EXPECT_EQ(health->status, 503);
  EXPECT_EQ(StringAt(health->body, "/error"), "writes_stopped");
  EXPECT_EQ(StringAt(health->body, "/reason"), "io_error");
}

}  // namespace
}  // namespace twoline
