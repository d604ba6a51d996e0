// The server's stamp on commands (SPEC §2 `at` and `id`, §4.11): what it changes in the journal,
// in idempotency, in the scope of ids and in the inspection draw, and that replay reproduces it.
#include <gtest/gtest.h>

#include <memory>
#include <set>

#include "engine/command.h"
#include "engine/goods_rules.h"
#include "journal/chain.h"
#include "policy/profile_loader.h"

namespace twoline::journal {
namespace {

engine::Command Parse(const std::string& json) {
  engine::Command command;
  engine::ParseFailure failure;
  EXPECT_TRUE(engine::ParseCommand(json, engine::Limits{}, &command, &failure))
      << failure.message << "\n" << json;
  return command;
}

engine::Received Stamp(const std::string& role, const std::string& party = "",
                       const std::string& nonce = "") {
  engine::Received stamp;
  stamp.at_text = "2026-12-01T10:00:07+08:00";
  stamp.role = role;
  stamp.token = "tok_0123456789ab";
  stamp.party = party;
  stamp.nonce = nonce;
  return stamp;
}

engine::Command Stamped(const engine::Command& client, engine::Received stamp,
                        const std::string& at = "") {
  if (!at.empty()) stamp.client_at = client.at_text;
  engine::Command stamped = client;
  std::string error;
  EXPECT_TRUE(engine::StampCommand(&stamped, stamp, at, &error)) << error;
  // What replay will parse from the journal is exactly the stamped command.
  engine::Command replayed = Parse(stamped.canonical);
  EXPECT_EQ(replayed.canonical, stamped.canonical);
  EXPECT_EQ(replayed.IdempotencyBody(), stamped.IdempotencyBody());
  EXPECT_EQ(replayed.at_text, stamped.at_text);
  EXPECT_EQ(replayed.at.unix_seconds, stamped.at.unix_seconds);
  EXPECT_TRUE(replayed.received.has_value());
  return stamped;
}

const std::string kParty =
    R"({"id":"reg-P1","zone":"qianhai","at":"2026-12-01T09:00:00+08:00","type":"register_party","party":{"id":"P1","name":"P1","kind":"enterprise","credit":"dishonest","lists":[]}})";
const std::string kItem =
    R"({"id":"reg-TOY","zone":"qianhai","at":"2026-12-01T09:00:00+08:00","type":"register_item","item":{"sku":"TOY","hs_code":"9503.00","description":"toy","unit":"unit"}})";

std::string Declare(const std::string& id, const std::string& declaration,
                    const std::string& at = "2026-12-01T10:00:00+08:00") {
  return R"({"id":")" + id + R"(","zone":"qianhai","at":")" + at +
         R"(","type":"declare","declaration":{"id":")" + declaration +
         R"(","kind":"first_line_in","declarant":"P1","lines":[{"sku":"TOY","qty":"1","value":"10.00","currency":"CNY","origin":"CN","certificates":[]}]}})";
}

class StampTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto profile = policy::LoadBuiltinProfile("qianhai");
    ASSERT_TRUE(profile.ok());
    entries_.push_back(chain_.PutProfileInForce(std::make_shared<policy::Profile>(*profile)));
    for (const std::string& json : {kParty, kItem}) {
      Chain::Submitted submitted = chain_.Submit(Parse(json));
      ASSERT_TRUE(submitted.entry);
      entries_.push_back(*submitted.entry);
    }
  }
  Chain chain_;
  std::vector<Entry> entries_;
};

TEST(StampCommandTest, TheStampIsPartOfTheCanonicalCommandButNotOfItsIdempotencyBody) {
  engine::Command client = Parse(Declare("c1", "D1", "2026-12-01T09:59:00+08:00"));
  engine::Command stamped = Stamped(client, Stamp("declarant", "P1", std::string(32, 'a')),
                                    "2026-12-01T10:00:07+08:00");
  ASSERT_TRUE(stamped.received);
  EXPECT_EQ(stamped.at_text, "2026-12-01T10:00:07+08:00") << "decided at the server's time";
  EXPECT_EQ(stamped.received->client_at, "2026-12-01T09:59:00+08:00");
  EXPECT_NE(stamped.canonical.find(R"("received":{"at":"2026-12-01T10:00:07+08:00")"),
            std::string::npos)
      << stamped.canonical;
  EXPECT_EQ(stamped.IdempotencyBody(), client.canonical)
      << "a retry of the same client command is the same command";
  EXPECT_EQ(stamped.IdScope(), "P1");

  // The stored form parses back to the same command (what replay sees).
  engine::Command replayed = Parse(stamped.canonical);
  EXPECT_EQ(replayed.canonical, stamped.canonical);
  EXPECT_EQ(replayed.IdempotencyBody(), client.canonical);

  // The stamp takes its sorted place among any keys: before "remove", after "add" and "at".
  engine::Command list = Parse(
      R"({"id":"l1","zone":"qianhai","at":"2026-12-01T10:00:00+08:00","type":"list","list":"watch","add":["P1"],"remove":["P2"]})");
  engine::Command stamped_list = Stamped(list, Stamp("officer", "", std::string(32, 'b')));
  EXPECT_LT(stamped_list.canonical.find("\"received\""), stamped_list.canonical.find("\"remove\""));

  // An officer's stamp keeps the device's time and scopes ids with the zone's.
  engine::Command officer = Stamped(client, Stamp("officer", "", std::string(32, 'b')));
  EXPECT_EQ(officer.at_text, client.at_text);
  EXPECT_EQ(officer.IdScope(), "");
}

TEST(StampCommandTest, MalformedStampsAreRefused) {
  const std::string head =
      R"({"id":"c1","zone":"qianhai","at":"2026-12-01T10:00:00+08:00","type":"cancel","declaration":"D1","received":)";
  engine::Command command;
  engine::ParseFailure failure;
  for (const std::string& bad :
       {std::string(R"({"at":"2026-12-01T10:00:00+08:00","role":"auditor","token":"tok_1"})"),
        std::string(R"({"at":"2026-12-01T10:00:00+08:00","role":"declarant","token":"tok_1"})"),
        std::string(R"({"at":"2026-12-01T10:00:00+08:00","role":"officer","token":"tok_1","party":"P1"})"),
        std::string(R"({"at":"yesterday","role":"officer","token":"tok_1"})"),
        std::string(R"({"at":"2026-12-01T10:00:00+08:00","role":"officer","token":"tok_1","nonce":"xyz"})"),
        std::string(R"({"at":"2026-12-01T10:00:00+08:00","role":"officer","token":"tok_1","extra":1})"),
        std::string(R"("officer")")}) {
    EXPECT_FALSE(engine::ParseCommand(head + bad + "}", engine::Limits{}, &command, &failure)) << bad;
    EXPECT_EQ(failure.path.rfind("$.received", 0), 0u) << failure.message;
  }
}

TEST_F(StampTest, IdsAreScopedPerPrincipal) {
  engine::Command client = Parse(Declare("gate-0001", "D-A"));
  // A declarant takes the id first ...
  Chain::Submitted first = chain_.Submit(Stamped(client, Stamp("declarant", "P1"), client.at_text));
  ASSERT_TRUE(first.entry);
  // ... which neither blocks nor reveals the officer's command of the same id.
  engine::Command officer = Parse(
      R"({"id":"gate-0001","zone":"qianhai","at":"2026-12-01T10:00:00+08:00","type":"register_party","party":{"id":"P2","name":"P2","kind":"enterprise","credit":"general","lists":[]}})");
  Chain::Submitted second = chain_.Submit(Stamped(officer, Stamp("officer")));
  ASSERT_TRUE(second.entry) << second.wire;
  EXPECT_EQ(second.decision.outcome, engine::Outcome::kAccepted);
  // An unstamped import shares the officers' scope: it is a repeat of the officer's command.
  Chain::Submitted import = chain_.Submit(officer);
  EXPECT_EQ(import.decision.duplicate_of, second.entry->seq);
  // Another party's declarant has its own scope too.
  engine::Command other = Parse(Declare("gate-0001", "D-B"));
  Chain::Submitted third = chain_.Submit(Stamped(other, Stamp("declarant", "P9"), other.at_text));
  EXPECT_FALSE(third.decision.duplicate_of) << "P9's id is its own";
  // The first declarant's retry is answered with its own original decision; the same id with
  // another body is refused naming only its own command.
  Chain::Submitted retry = chain_.Submit(Stamped(client, Stamp("declarant", "P1"), client.at_text));
  EXPECT_EQ(retry.decision.duplicate_of, first.entry->seq);
  engine::Command changed = Parse(Declare("gate-0001", "D-C"));
  Chain::Submitted reused = chain_.Submit(Stamped(changed, Stamp("declarant", "P1"), changed.at_text));
  ASSERT_EQ(reused.decision.outcome, engine::Outcome::kInvalid);
  EXPECT_EQ(reused.decision.reasons.front().rule, "command.id-reused");
  EXPECT_NE(reused.wire.find("seq " + std::to_string(first.entry->seq)), std::string::npos);
}

TEST_F(StampTest, TheDrawOfAStampedCommandDependsOnTheNonceAndThePreviousEntry) {
  const Hash256 previous = chain_.head();
  Hash256 other = previous;
  other[0] ^= 1;
  int differs_by_previous = 0, differs_by_nonce = 0, differs_from_import = 0;
  for (int i = 0; i < 200; ++i) {
    engine::Command command =
        Stamped(Parse(Declare("d-" + std::to_string(i), "D" + std::to_string(i))),
                Stamp("officer", "", std::string(32, 'c')));
    const int64_t draw = engine::SamplingDraw("qianhai", command, previous);
    differs_by_previous += draw != engine::SamplingDraw("qianhai", command, other);
    engine::Command renonced =
        Stamped(Parse(Declare("d-" + std::to_string(i), "D" + std::to_string(i))),
                Stamp("officer", "", std::string(32, 'd')));
    differs_by_nonce += draw != engine::SamplingDraw("qianhai", renonced, previous);
    differs_from_import += draw != engine::SamplingDraw("qianhai", command.id);
  }
  // Distinct SHA-256 inputs give equal draws one time in a million: all 200 differ.
  EXPECT_EQ(differs_by_previous, 200);
  EXPECT_EQ(differs_by_nonce, 200);
  EXPECT_EQ(differs_from_import, 200);
}

TEST_F(StampTest, ReplaySelectsTheSameStampedDeclarations) {
  // A dishonest party's declarations are sampled at 20%: among 100, some are held and some not,
  // and replaying the journal decides each of them the same way again.
  std::set<engine::Outcome> outcomes;
  for (int i = 0; i < 100; ++i) {
    engine::Received stamp = Stamp("declarant", "P1");
    stamp.nonce = std::string(31, 'e') + "0123456789abcdef"[i % 16];
    engine::Command client = Parse(Declare("s-" + std::to_string(i), "DS" + std::to_string(i)));
    Chain::Submitted submitted = chain_.Submit(Stamped(client, stamp, client.at_text));
    ASSERT_TRUE(submitted.entry);
    entries_.push_back(*submitted.entry);
    outcomes.insert(submitted.decision.outcome);
  }
  EXPECT_EQ(outcomes, (std::set<engine::Outcome>{engine::Outcome::kAccepted, engine::Outcome::kHeld}));
  Chain replayed;
  for (const Entry& entry : entries_) {
    Status status = replayed.Replay(entry);
    ASSERT_TRUE(status.ok()) << status.message();
  }
  EXPECT_EQ(replayed.head(), chain_.head());
  EXPECT_EQ(replayed.engine().StateHash(), chain_.engine().StateHash());
}

}  // namespace
}  // namespace twoline::journal

namespace twoline::journal {
namespace {

// Replay takes a command entry's fields from their places in the line (EntryForReplay) instead of
// parsing it twice. It must still refuse every line that is not byte for byte the one written.
TEST_F(StampTest, ReplayFromTheLinesFramingRefusesEveryChangedByte) {
  engine::Command client = Parse(Declare("f-1", "DF1"));
  engine::Received stamp = Stamp("declarant", "P1", std::string(32, 'f'));
  Chain::Submitted last = chain_.Submit(Stamped(client, stamp, client.at_text));
  ASSERT_TRUE(last.entry);
  std::string line = EntryToJsonLine(*last.entry);
  line.pop_back();

  Chain prefix;
  for (const Entry& entry : entries_) ASSERT_TRUE(prefix.Replay(entry).ok());
  {
    Chain whole = prefix;
    auto sliced = EntryForReplay(line);
    ASSERT_TRUE(sliced.ok()) << sliced.error().message;
    auto parsed = EntryFromJsonLine(line);
    ASSERT_TRUE(parsed.ok());
    EXPECT_EQ(sliced->command, parsed->command);
    EXPECT_EQ(sliced->decision, parsed->decision);
    EXPECT_EQ(sliced->hash, parsed->hash);
    EXPECT_EQ(sliced->prev, parsed->prev);
    EXPECT_EQ(sliced->zone, parsed->zone);
    EXPECT_EQ(sliced->seq, parsed->seq);
    EXPECT_TRUE(whole.Replay(*sliced).ok());
  }
  size_t accepted = 0;
  for (size_t i = 0; i < line.size(); ++i) {
    for (char replacement : {static_cast<char>(line[i] ^ 1), ' ', 'A', '0', '"'}) {
      if (replacement == line[i]) continue;
      std::string changed = line;
      changed[i] = replacement;
      Chain trial = prefix;
      auto entry = EntryForReplay(changed);
      if (entry.ok() && trial.Replay(*entry).ok()) ++accepted;
    }
  }
  EXPECT_EQ(accepted, 0u) << "a changed byte was replayed as if it were the written line";
  // Bytes added or removed at the framing's seams are refused too.
  for (const std::string& changed :
       {" " + line, line + " ", line.substr(0, line.size() - 1), "{\"seq\":0" + line.substr(7)}) {
    Chain trial = prefix;
    auto entry = EntryForReplay(changed);
    EXPECT_FALSE(entry.ok() && trial.Replay(*entry).ok()) << changed;
  }
}

}  // namespace
}  // namespace twoline::journal
