// The command grammar's reader (command_parse.cc): fields are read by key whatever their order in
// the text and whichever object was checked last, and an object's faults are named by their path.
#include <gtest/gtest.h>

#include <cstring>
#include <string>

#include "engine/command.h"
#include "engine/flat_index.h"

namespace twoline::engine {
namespace {

Command Parse(const std::string& json) {
  Command command;
  ParseFailure failure;
  EXPECT_TRUE(ParseCommand(json, Limits{}, &command, &failure)) << failure.message << "\n" << json;
  return command;
}

std::string Refusal(const std::string& json) {
  Command command;
  ParseFailure failure;
  EXPECT_FALSE(ParseCommand(json, Limits{}, &command, &failure)) << json;
  return failure.message;
}

const char kLine[] =
    R"({"sku":"OIL","qty":"5","value":"100.00","currency":"CNY","origin":"FR","certificates":[]})";

TEST(CommandParse, FieldsOfAnObjectAreReadAfterItsNestedObjectsAndInAnyOrder) {
  // The declaration's own fields come after its lines in the text, and the envelope's after the
  // body: each is read from its own object, not from the one checked last.
  Command late =
      Parse(std::string(R"({"type":"declare","declaration":{"lines":[)") + kLine + "," + kLine +
            R"(],"kind":"transfer","purpose":"P-9","counterparty":"P-2",)"
            R"("declarant":"P-1","id":"D-1"},"at":"2026-03-01T08:00:00+08:00",)"
            R"("zone":"hengqin","id":"c-1"})");
  Command early =
      Parse(std::string(R"({"id":"c-1","zone":"hengqin","at":"2026-03-01T08:00:00+08:00",)"
                        R"("type":"declare","declaration":{"id":"D-1","kind":"transfer",)"
                        R"("declarant":"P-1","counterparty":"P-2","purpose":"P-9","lines":[)") +
            kLine + "," + kLine + "]}}");
  EXPECT_EQ(late.canonical, early.canonical);
  EXPECT_EQ(late.id, "c-1");
  EXPECT_EQ(late.zone, "hengqin");
  EXPECT_EQ(late.at_text, "2026-03-01T08:00:00+08:00");
  const auto& declaration = std::get<DeclareBody>(late.body);
  EXPECT_EQ(declaration.id, "D-1");
  EXPECT_EQ(declaration.declarant, "P-1");
  EXPECT_EQ(declaration.counterparty, "P-2");
  EXPECT_EQ(declaration.purpose, "P-9");
  EXPECT_EQ(declaration.kind, DeclarationKind::kTransfer);
  ASSERT_EQ(declaration.lines.size(), 2u);
  EXPECT_EQ(declaration.lines[1].origin, "FR");

  // Fields with the same names at two depths (a person's id and the command's id, a document's
  // type and the command's type) keep their own values.
  Command person = Parse(
      R"({"person":{"documents":[{"valid_until":"2030-01-01","valid_from":"2020-01-01",)"
      R"("number":"H1","type":"home_return_permit"}],"birth_date":"1980-01-01","resident_of":"MO",)"
      R"("nationality":"CN","name":"Chan","id":"P-7"},"type":"register_person","id":"r-7",)"
      R"("zone":"hengqin","at":"2026-03-01T08:00:00+08:00"})");
  EXPECT_EQ(person.id, "r-7");
  EXPECT_EQ(person.type, CommandType::kRegisterPerson);
  const auto& body = std::get<PersonBody>(person.body);
  EXPECT_EQ(body.id, "P-7");
  ASSERT_EQ(body.documents.size(), 1u);
  EXPECT_EQ(body.documents[0].type, "home_return_permit");
  EXPECT_EQ(body.documents[0].number, "H1");
  EXPECT_TRUE(body.affiliation.empty());
  EXPECT_TRUE(body.lists.empty());

  // An optional field absent from the object checked last and present in an outer one.
  Command release =
      Parse(R"({"id":"c-2","zone":"hengqin","at":"2026-03-01T08:00:00+08:00","type":"release",)"
            R"("vehicle":"V-1","gate":"HQ-L1-GDS-01","declarations":["D-1","D-2@P-1"]})");
  const auto& released = std::get<ReleaseBody>(release.body);
  EXPECT_EQ(released.vehicle, "V-1");
  EXPECT_EQ(released.gate, "HQ-L1-GDS-01");
  EXPECT_EQ(released.declarations, (std::vector<std::string>{"D-1", "D-2@P-1"}));
}

TEST(CommandParse, AnEscapedKeyIsTheKeyItSpells) {
  Command plain = Parse(R"({"id":"c-3","zone":"hengqin","at":"2026-03-01T08:00:00+08:00",)"
                        R"("type":"cross","person":"P-1","gate":"HQ-L1-GEN-01","direction":"in"})");
  Command escaped =
      Parse(R"({"i\u0064":"c-3","zone":"hengqin","at":"2026-03-01T08:00:00+08:00",)"
            R"("type":"cross","p\u0065rson":"P-1","gate":"HQ-L1-GEN-01","direction":"in"})");
  EXPECT_EQ(escaped.id, "c-3");
  EXPECT_EQ(std::get<CrossBody>(escaped.body).person, "P-1");
  EXPECT_EQ(escaped.canonical, plain.canonical);
}

TEST(CommandParse, FaultsAreNamedByTheirPathAtEveryDepth) {
  const std::string envelope = R"("id":"c-4","zone":"hengqin","at":"2026-03-01T08:00:00+08:00",)";
  EXPECT_EQ(Refusal("{" + envelope +
                    R"("type":"cross","person":"P-1","gate":"G","direction":"in","extra":1})"),
            "$: unknown field \"extra\"");
  EXPECT_EQ(Refusal("{" + envelope +
                    R"("type":"cross","person":"P-1","person":"P-2","gate":"G","direction":"in"})"),
            "$: duplicate field \"person\"");
  EXPECT_EQ(Refusal("{" + envelope + R"("type":"cross","person":"P-1","direction":"in"})"),
            "$: missing field \"gate\"");
  EXPECT_EQ(Refusal("{" + envelope +
                    R"("type":"declare","declaration":{"id":"D-1","kind":"consume",)"
                    R"("declarant":"P-1","lines":[)" +
                    kLine + R"(,{"sku":"OIL"}]}})"),
            "$.declaration.lines[1]: missing field \"qty\"");
  EXPECT_EQ(Refusal("{" + envelope +
                    R"("type":"declare","declaration":{"id":"D-1","kind":"consume",)"
                    R"("declarant":"P-1","declarant":"P-2","lines":[)" +
                    kLine + "]}}"),
            "$.declaration: duplicate field \"declarant\"");
  EXPECT_EQ(Refusal("{" + envelope + R"("type":"declare","declaration":"D-1"})"),
            "$.declaration: must be an object");
  EXPECT_EQ(Refusal("{" + envelope +
                    R"("type":"declare","declaration":{"id":"D-1","kind":"consume",)"
                    R"("declarant":"P-1","lines":[)" +
                    kLine + R"(],"purpose":7}})"),
            "$.declaration.purpose: must be a string");
}

// The idempotency digests a command carries are those of its fields as they are: after parsing,
// and after a stamp, which changes the id's scope for a declarant but not the body compared.
void ExpectDigestsOfItsFields(const Command& command) {
  ASSERT_TRUE(command.has_digests);
  uint8_t id_digest[16];
  DecidedIds::IdDigest(command.IdScope(), command.id, id_digest);
  EXPECT_EQ(std::string(reinterpret_cast<const char*>(id_digest), 16),
            std::string(reinterpret_cast<const char*>(command.id_digest), 16));
  EXPECT_EQ(command.body_digest, DecidedIds::BodyDigest(command.IdempotencyBody()));
}

TEST(CommandParse, TheIdempotencyDigestsAreTakenWithTheFieldsTheyDigest) {
  const std::string json = R"({"id":"c-1","zone":"hengqin","at":"2026-03-01T08:00:00+08:00",)"
                           R"("type":"register_party","party":{"id":"P-1","name":"One",)"
                           R"("kind":"enterprise","credit":"general","lists":[]}})";
  Command parsed = Parse(json);
  ExpectDigestsOfItsFields(parsed);

  for (const char* role : {"officer", "declarant", "admin"}) {
    SCOPED_TRACE(role);
    Command command = Parse(json);
    const uint64_t client_body = command.body_digest;
    Received stamp;
    stamp.at_text = "2026-03-01T08:00:01+08:00";
    stamp.role = role;
    stamp.token = "tok_1";
    if (std::string(role) == "declarant") stamp.party = "P-1";
    if (std::string(role) != "admin") stamp.nonce = std::string(32, 'a');
    std::string error;
    ASSERT_TRUE(StampCommand(&command, stamp, "", &error)) << error;
    ExpectDigestsOfItsFields(command);
    EXPECT_EQ(command.body_digest, client_body);  // the client's body, whatever the stamp
    // A declarant's id is its party's: another digest than the same id of the zone's officers.
    const bool scoped = std::string(role) == "declarant";
    EXPECT_EQ(std::memcmp(command.id_digest, parsed.id_digest, 16) != 0, scoped);

    // Replay parses the stamped command and finds the same digests.
    Command replayed = Parse(command.canonical);
    ExpectDigestsOfItsFields(replayed);
    EXPECT_EQ(replayed.body_digest, command.body_digest);
    EXPECT_EQ(std::memcmp(replayed.id_digest, command.id_digest, 16), 0);
  }
}

}  // namespace
}  // namespace twoline::engine
