// HTTP reads (SPEC §6; docs/security.md "Need to know"): what each role can read of goods another
// party sent, read from every route a declarant can reach; and reads answered from committed state
// while the writer is busy.
#include <simdjson.h>

#include <ctime>
#include <future>
#include <set>

#include "http_service.h"

namespace twoline {
namespace {

using testing::Service;
using testing::ServiceOptions;

// Now, as the envelope's `at`: a declarant's command is decided at the server's time.
std::string Now() {
  std::time_t now = std::time(nullptr);
  char text[32];
  std::strftime(text, sizeof text, "%Y-%m-%dT%H:%M:%S+00:00", std::gmtime(&now));
  return text;
}

// Every integer under `key` anywhere in a JSON value (and every integer of an array under it).
void IntegersUnder(simdjson::dom::element value, std::string_view key, bool under,
                   std::set<int64_t>* out) {
  if (simdjson::dom::object object; !value.get(object)) {
    for (auto field : object) IntegersUnder(field.value, key, field.key == key, out);
  } else if (simdjson::dom::array array; !value.get(array)) {
    for (simdjson::dom::element item : array) IntegersUnder(item, key, under, out);
  } else if (int64_t number = 0; under && !value.get(number)) {
    out->insert(number);
  }
}

ServiceOptions WithDeclarants() {
  ServiceOptions options;
  options.tokens["declarant-a"] = {api::Role::kDeclarant, "hengqin", "P-A"};
  options.tokens["declarant-b"] = {api::Role::kDeclarant, "hengqin", "P-B"};
  return options;
}

// Submits testing::TransferScenario, each command with its submitter's token (an officer passes
// what sampling holds, so that the goods move as written). Returns the answers to `who`.
std::vector<std::pair<std::string, std::string>> Transfer(Service& service,
                                                          const std::string& who_answers) {
  std::vector<std::pair<std::string, std::string>> answers;
  const std::string at = Now();
  for (const auto& [who, command] : testing::TransferScenario(at)) {
    auto answer = service.Post("/v1/zones/hengqin/commands", command, who);
    if (!answer || answer->status != 200) {
      ADD_FAILURE() << command << " -> " << (answer ? answer->body : "no answer");
      return answers;
    }
    if (who == who_answers) answers.emplace_back("POST " + command, answer->body);
    std::string held = testing::HeldDeclaration(command, answer->body);
    if (held.empty()) continue;
    auto passed =
        service.Post("/v1/zones/hengqin/commands", testing::PassInspection(held, at), "officer");
    if (!passed || passed->status != 200) ADD_FAILURE() << "inspecting " << held;
  }
  return answers;
}

class HttpNeedToKnowTest : public ::testing::Test {
 protected:
  void SetUp() override {
    service_ = std::make_unique<Service>(WithDeclarants());
    b_answers_ = Transfer(*service_, "declarant-b");
    ASSERT_FALSE(b_answers_.empty());
    // The sender's lots, as the zone sees them.
    auto admission = service_->Get("/v1/zones/hengqin/declarations/D-A-IN", "officer");
    ASSERT_TRUE(admission);
    ASSERT_EQ(admission->status, 200) << admission->body;
    simdjson::dom::parser parser;
    simdjson::dom::element root;
    ASSERT_FALSE(parser.parse(admission->body).get(root));
    IntegersUnder(root, "lot", false, &a_lots_);
    ASSERT_FALSE(a_lots_.empty());
  }

  // Every route, as `token` reads it: {the request, the body of its answer}, whatever the status.
  std::vector<std::pair<std::string, std::string>> EveryRead(const std::string& token) {
    std::vector<std::pair<std::string, std::string>> bodies;
    for (const char* path : {"/v1/zones",
                             "/v1/openapi.json",
                             "/v1/session",
                             "/v1/tokens",
                             "/v1/cluster",
                             "/v1/zones/hengqin/presence",
                             "/v1/zones/hengqin/parties/P-B/balance",
                             "/v1/zones/hengqin/parties/P-A/balance",
                             "/v1/zones/hengqin/declarations",
                             "/v1/zones/hengqin/declarations?declarant=P-A",
                             "/v1/zones/hengqin/declarations?state=posted",
                             "/v1/zones/hengqin/declarations/D-B-USE",
                             "/v1/zones/hengqin/declarations/T-AB",
                             "/v1/zones/hengqin/declarations/D-A-IN",
                             "/v1/zones/hengqin/persons/MO-1",
                             "/v1/zones/hengqin/crossings",
                             "/v1/zones/hengqin/journal",
                             "/v1/zones/hengqin/verify",
                             "/v1/zones/hengqin/reports/flows?from=2020-01-01&to=2030-12-31",
                             "/v1/zones/hengqin/stream",
                             "/healthz",
                             "/metrics"}) {
      auto answer = service_->Get(path, token);
      if (!answer) {
        ADD_FAILURE() << path << ": no answer";
        continue;
      }
      bodies.emplace_back(std::string("GET ") + path + " (" + std::to_string(answer->status) + ")",
                          answer->body);
    }
    return bodies;
  }

  const std::string kCommands = "/v1/zones/hengqin/commands";
  std::unique_ptr<Service> service_;
  std::vector<std::pair<std::string, std::string>> b_answers_;  // to the receiver's own commands
  std::set<int64_t> a_lots_;
};

TEST_F(HttpNeedToKnowTest, TheReceiverOfATransferLearnsNothingOfTheSendersLedger) {
  std::vector<std::pair<std::string, std::string>> bodies = EveryRead("declarant-b");
  bodies.insert(bodies.end(), b_answers_.begin(), b_answers_.end());
  for (const auto& [request, body] : bodies) {
    // The sender's declaration ids, and its balance: 97 admitted (9,700.00), 66 kept (6,600.00).
    for (const char* theirs :
         {"D-A-IN", "T-AB", "\"97\"", "\"9700.00\"", "\"66\"", "\"6600.00\""}) {
      EXPECT_EQ(body.find(theirs), std::string::npos)
          << theirs << " in " << request << ": " << body;
    }
    // The sender's lot ids, wherever a lot is named.
    simdjson::dom::parser parser;
    simdjson::dom::element root;
    if (parser.parse(body).get(root)) continue;  // not JSON (metrics)
    std::set<int64_t> lots;
    for (const char* key : {"lot", "from_lot", "to_lot", "start"})
      IntegersUnder(root, key, false, &lots);
    for (int64_t lot : a_lots_) {
      EXPECT_EQ(lots.count(lot), 0u) << "lot " << lot << " in " << request << ": " << body;
    }
  }
  EXPECT_GT(bodies.size(), 20u);
}

TEST_F(HttpNeedToKnowTest, TheReceiverSeesItsOwnLotsFullyWithWhatTheTransferDeclared) {
  auto balance = service_->Get("/v1/zones/hengqin/parties/P-B/balance", "declarant-b");
  ASSERT_TRUE(balance);
  ASSERT_EQ(balance->status, 200) << balance->body;
  // Its lot: what the transfer said (oil, 31 kg, French) and what it holds now (26 kg, 2,600.00).
  EXPECT_NE(balance->body.find(
                "\"sku\":\"OIL\",\"status\":\"bonded\",\"quantity\":\"31\",\"on_hand\":\"26\","
                "\"reserved\":\"0\",\"value\":\"2600.00\""),
            std::string::npos)
      << balance->body;
  EXPECT_NE(balance->body.find("\"origin\":\"FR\""), std::string::npos);
  EXPECT_NE(balance->body.find("\"created_by\":\"\",\"source\":\"transfer\""), std::string::npos);
  auto consumed = service_->Get("/v1/zones/hengqin/declarations/D-B-USE", "declarant-b");
  ASSERT_TRUE(consumed);
  ASSERT_EQ(consumed->status, 200) << consumed->body;
  simdjson::dom::parser parser;
  simdjson::dom::element root;
  ASSERT_FALSE(parser.parse(consumed->body).get(root));
  simdjson::dom::array lots, start;
  ASSERT_FALSE(root.at_pointer("/trace/lots").get(lots));
  ASSERT_FALSE(root.at_pointer("/trace/start").get(start));
  ASSERT_EQ(lots.size(), 1u) << consumed->body;
  EXPECT_EQ(start.size(), 1u);
  simdjson::dom::element lot = lots.at(0).value();
  std::string_view sku, quantity, origin, on_hand;
  ASSERT_FALSE(lot["sku"].get(sku) || lot["quantity"].get(quantity) || lot["origin"].get(origin) ||
               lot["on_hand"].get(on_hand));
  EXPECT_EQ(sku, "OIL");
  EXPECT_EQ(quantity, "31");
  EXPECT_EQ(origin, "FR");
  EXPECT_EQ(on_hand, "26");
  EXPECT_NE(consumed->body.find("\"posted\""), std::string::npos) << "its own posting is shown";
  std::string_view party;
  ASSERT_FALSE(root.at_pointer("/postings/0/from/party").get(party));
  EXPECT_EQ(party, "P-B");
  int64_t from_lot = 0;
  ASSERT_FALSE(root.at_pointer("/postings/0/from_lot").get(from_lot));
  EXPECT_GT(from_lot, 0) << "its own lot is named";
}

TEST_F(HttpNeedToKnowTest, AnotherPartysDeclarationIsNotFoundAsAnUnknownOneIs) {
  for (const char* id : {"T-AB", "D-A-IN", "NO-SUCH"}) {
    auto read = service_->Get(std::string("/v1/zones/hengqin/declarations/") + id, "declarant-b");
    ASSERT_TRUE(read);
    EXPECT_EQ(read->status, 404) << id;
  }
  EXPECT_EQ(service_->Get("/v1/zones/hengqin/declarations/D-B-USE", "declarant-a")->status, 404);
}

// Party ids are per zone: a declarant of one zone reads nothing of another zone, its list of
// declarations included (another zone's party of the same id is another enterprise).
TEST_F(HttpNeedToKnowTest, ADeclarantReadsNothingOfAnotherZone) {
  for (const char* path : {"/v1/zones/hetao-sz/declarations", "/v1/zones/hetao-sz/declarations?declarant=P-A",
                           "/v1/zones/hetao-sz/declarations/D-A-IN", "/v1/zones/hetao-sz/parties/P-A/balance"}) {
    auto answer = service_->Get(path, "declarant-a");
    ASSERT_TRUE(answer) << path;
    EXPECT_EQ(answer->status, 403) << path << " " << answer->body;
  }
  EXPECT_EQ(service_->Get("/v1/zones/hengqin/declarations", "declarant-a")->status, 200);
}

TEST_F(HttpNeedToKnowTest, TheSenderSeesItsTransferButNotTheReceiversLot) {
  auto sent = service_->Get("/v1/zones/hengqin/declarations/T-AB", "declarant-a");
  ASSERT_TRUE(sent);
  ASSERT_EQ(sent->status, 200) << sent->body;
  auto whole = service_->Get("/v1/zones/hengqin/declarations/T-AB", "officer");
  ASSERT_TRUE(whole);
  simdjson::dom::parser parser;
  simdjson::dom::element root;
  ASSERT_FALSE(parser.parse(whole->body).get(root));
  int64_t receiver_lot = 0;
  ASSERT_FALSE(root.at_pointer("/postings/0/to_lot").get(receiver_lot));
  ASSERT_GT(receiver_lot, 0) << "the zone sees where the goods went";
  std::set<int64_t> named;
  simdjson::dom::element own;
  ASSERT_FALSE(parser.parse(sent->body).get(own));
  for (const char* key : {"lot", "from_lot", "to_lot", "start"})
    IntegersUnder(own, key, false, &named);
  EXPECT_EQ(named.count(receiver_lot), 0u) << sent->body;
  EXPECT_NE(sent->body.find("\"to\":{\"party\":\"P-B\""), std::string::npos)
      << "its own declaration names P-B";
  EXPECT_NE(sent->body.find("\"on_hand\":\"66\""), std::string::npos) << "its own lot, live";
}

TEST_F(HttpNeedToKnowTest, ZoneRolesSeeTheWholeTrace) {
  for (const char* token : {"officer", "auditor", "admin"}) {
    auto whole = service_->Get("/v1/zones/hengqin/declarations/D-B-USE", token);
    ASSERT_TRUE(whole);
    ASSERT_EQ(whole->status, 200) << token;
    EXPECT_NE(whole->body.find("\"admissions\":[{\"lot\":" + std::to_string(*a_lots_.begin()) +
                               ",\"declaration\":\"D-A-IN\""),
              std::string::npos)
        << token << ": " << whole->body;
    EXPECT_NE(whole->body.find("\"created_by\":\"T-AB\""), std::string::npos) << token;
    auto balance = service_->Get("/v1/zones/hengqin/parties/P-B/balance", token);
    EXPECT_NE(balance->body.find("\"created_by\":\"T-AB\""), std::string::npos) << token;
  }
}

// Declarations and reports are read from committed state: the writer, held inside a read of its
// own, answers nothing meanwhile, yet they are answered.
TEST(HttpReadsTest, DeclarationsAndReportsAreAnsweredWhileTheWriterIsBusy) {
  Service service(WithDeclarants());
  ASSERT_FALSE(Transfer(service, "declarant-b").empty());
  std::promise<void> release, entered;
  std::shared_future<void> released = release.get_future().share();
  std::future<void> inside = entered.get_future();
  auto held = service.writer().Read(
      "hengqin", [released, &entered](const store::Zone&) -> Result<std::string> {
        entered.set_value();
        released.wait();
        return std::string();
      });
  inside.wait();
  const std::string party =
      R"({"id":"busy-1","zone":"hengqin","at":")" + Now() +
      R"(","type":"register_party","party":{"id":"P-C","name":"Firm","kind":"enterprise","credit":"general","lists":[]}})";
  auto command = std::async(std::launch::async, [&] {
    return service.Post("/v1/zones/hengqin/commands", party, "officer");
  });
  for (const auto& [path, token] : std::vector<std::pair<std::string, std::string>>{
           {"/v1/zones/hengqin/declarations/D-B-USE", "declarant-b"},
           {"/v1/zones/hengqin/declarations/D-A-IN", "officer"},
           {"/v1/zones/hengqin/reports/flows?from=2020-01-01&to=2030-12-31", "officer"}}) {
    auto read = service.Get(path, token);
    ASSERT_TRUE(read) << path;
    EXPECT_EQ(read->status, 200) << path << ": " << read->body;
  }
  EXPECT_EQ(command.wait_for(std::chrono::seconds(0)), std::future_status::timeout)
      << "the writer was busy all along";
  release.set_value();
  EXPECT_TRUE(held.get().ok());
  EXPECT_EQ(command.get()->status, 200);
}

}  // namespace
}  // namespace twoline
