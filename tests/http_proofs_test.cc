// The proof routes and receipts over HTTP (docs/api.md "Routes" and "Roles", docs/proofs.md "Over
// HTTP"): a checkpoint, inclusion and consistency proofs that check against it, the 400/403/404
// answers, and receipts present only when asked for, whose leaf hash is the proof's.
#include <simdjson.h>

#include "http_service.h"
#include "journal/merkle_leaf.h"
#include "proof/checkpoint.h"
#include "proof/proof_file.h"

namespace twoline {
namespace {

using testing::Service;
using testing::StringAt;
using testing::ServiceOptions;

std::string Person(const std::string& id, const std::string& person,
                   const std::string& zone = "hengqin") {
  return R"({"id":")" + id + R"(","zone":")" + zone +
         R"(","at":"2026-03-02T08:00:00+08:00","type":"register_person","person":{"id":")" +
         person +
         R"(","name":"Chan Tai Man","nationality":"CN","resident_of":"MO","birth_date":"1979-05-03","documents":[{"type":"home_return_permit","number":"H12345678","valid_from":"2019-01-01","valid_until":"2029-01-01"}],"lists":[]}})";
}

std::string GoodsCommand(const std::string& id, const std::string& type, const std::string& members,
                         const std::string& at) {
  return R"({"id":")" + id + R"(","zone":"hengqin","at":")" + at + R"(","type":")" + type + "\"," +
         members + "}";
}

std::string Declare(const std::string& id, const std::string& declaration, const std::string& party) {
  return GoodsCommand(id, "declare",
                      R"("declaration":{"id":")" + declaration +
                          R"(","kind":"first_line_in","declarant":")" + party +
                          R"(","lines":[{"sku":"OIL","qty":"10","value":"1000.00","currency":"CNY","origin":"FR","certificates":[]}]})",
                      testing::NowAt());
}

uint64_t UintAt(const std::string& json, const char* pointer) {
  simdjson::dom::parser parser;
  simdjson::dom::element root;
  uint64_t value = 0;
  if (parser.parse(json).get(root) || root.at_pointer(pointer).get(value)) return 0;
  return value;
}

class HttpProofs : public ::testing::Test {
 protected:
  void SetUp() override {
    ServiceOptions options;
    signer_ =
        std::make_shared<proof::NoteSigner>(*proof::GenerateNoteSigner("customs.example/hengqin"));
    verifiers_.push_back(proof::VerifierOf(*signer_));
    options.server.checkpoint_signer = signer_;
    options.tokens["declarant-a"] = {api::Role::kDeclarant, "hengqin", "P-A"};
    options.tokens["declarant-b"] = {api::Role::kDeclarant, "hengqin", "P-B"};
    service_ = std::make_unique<Service>(options);
    std::string batch =
        "[" + Person("p1", "MO-1") + "," + Person("p2", "MO-2") + "," + Person("p3", "MO-3") + "]";
    auto result = service_->Post(kCommands, batch);
    ASSERT_TRUE(result);
    ASSERT_EQ(result->status, 200) << result->body;
  }
  uint64_t Entries() {
    auto zones = service_->store().Zones();
    for (const auto& zone : *zones) {
      if (zone.zone == "hengqin") return zone.entries;
    }
    return 0;
  }
  // GET checkpoint as `token`, opened with the server's key.
  proof::Checkpoint OpenedCheckpoint(const std::string& token = "auditor") {
    auto result = service_->Get("/v1/zones/hengqin/checkpoint", token);
    EXPECT_TRUE(result);
    EXPECT_EQ(result->status, 200) << result->body;
    EXPECT_EQ(result->get_header_value("Content-Type"), "text/plain; charset=utf-8");
    auto opened = proof::OpenCheckpoint(result->body, verifiers_, "twoline/hengqin");
    EXPECT_TRUE(opened.ok()) << (opened.ok() ? "" : opened.error().message);
    return opened.ok() ? opened->checkpoint : proof::Checkpoint{};
  }
  proof::InclusionProofFile Inclusion(const std::string& query) {
    auto result = service_->Get("/v1/zones/hengqin/proofs/inclusion?" + query, "auditor");
    EXPECT_TRUE(result);
    EXPECT_EQ(result->status, 200) << result->body;
    auto parsed = proof::ParseProofFile(result->body);
    EXPECT_TRUE(parsed.ok()) << result->body;
    return parsed.ok() ? std::get<proof::InclusionProofFile>(*parsed) : proof::InclusionProofFile{};
  }
  static Status Check(const proof::InclusionProofFile& proof, const proof::Checkpoint& checkpoint) {
    auto leaf = journal::LeafOfJournalLine(proof.entry);
    if (!leaf) return Error{leaf.error().message};
    return proof::CheckInclusionProof(
        proof, proof::ProvenEntry{leaf->entry.seq, leaf->entry.zone, leaf->leaf_hash}, checkpoint);
  }
  int StatusOf(const std::string& path, const std::string& token = "auditor") {
    auto result = service_->Get(path, token);
    return result ? result->status : 0;
  }

  const std::string kCommands = "/v1/zones/hengqin/commands";
  std::shared_ptr<const proof::NoteSigner> signer_;
  std::vector<proof::NoteVerifier> verifiers_;
  std::unique_ptr<Service> service_;
};

TEST_F(HttpProofs, ProofsCheckAgainstTheServedCheckpoint) {
  proof::Checkpoint checkpoint = OpenedCheckpoint();
  ASSERT_EQ(checkpoint.size, Entries());
  for (uint64_t seq = 1; seq <= checkpoint.size; ++seq) {
    proof::InclusionProofFile proof =
        Inclusion("seq=" + std::to_string(seq) + "&size=" + std::to_string(checkpoint.size));
    EXPECT_EQ(proof.seq, seq);
    Status checked = Check(proof, checkpoint);
    EXPECT_TRUE(checked.ok()) << "seq " << seq << ": " << checked.message();
  }
  // The size defaults to the latest checkpoint's, which the GET above kept.
  EXPECT_EQ(Inclusion("seq=2").tree_size, checkpoint.size);

  // More entries, a newer checkpoint, and the consistency proof between the two.
  ASSERT_EQ(service_->Post(kCommands, Person("p4", "MO-4"))->status, 200);
  proof::Checkpoint newer = OpenedCheckpoint("declarant-a");
  ASSERT_EQ(newer.size, checkpoint.size + 1);
  auto result =
      service_->Get("/v1/zones/hengqin/proofs/consistency?from=" + std::to_string(checkpoint.size) +
                        "&to=" + std::to_string(newer.size),
                    "declarant-a");
  ASSERT_TRUE(result);
  ASSERT_EQ(result->status, 200) << result->body;
  auto parsed = proof::ParseProofFile(result->body);
  ASSERT_TRUE(parsed.ok());
  EXPECT_TRUE(proof::CheckConsistencyProof(std::get<proof::ConsistencyProofFile>(*parsed),
                                           checkpoint, newer)
                  .ok());
}

TEST_F(HttpProofs, BadParametersAre400) {
  const std::string inclusion = "/v1/zones/hengqin/proofs/inclusion";
  const std::string consistency = "/v1/zones/hengqin/proofs/consistency";
  const uint64_t size = Entries();
  for (const std::string& query :
       {std::string(""), std::string("?size=2"), std::string("?seq=abc"), std::string("?seq=0"),
        std::string("?seq=1&size=") + std::to_string(size + 1), std::string("?seq=3&size=2"),
        std::string("?seq=-1")}) {
    auto result = service_->Get(inclusion + query, "auditor");
    ASSERT_TRUE(result);
    EXPECT_EQ(result->status, 400) << query << ": " << result->body;
    EXPECT_EQ(StringAt(result->body, "/error"), "bad_request");
  }
  for (const std::string& query :
       {std::string(""), std::string("?to=2"), std::string("?from=x&to=2"),
        std::string("?from=3&to=2"), std::string("?from=1&to=") + std::to_string(size + 1)}) {
    EXPECT_EQ(StatusOf(consistency + query), 400) << query;
  }
}

TEST_F(HttpProofs, RolesAndZones) {
  const std::string inclusion = "/v1/zones/hengqin/proofs/inclusion?seq=2";
  for (const std::string& path : {std::string("/v1/zones/hengqin/checkpoint"), inclusion,
                                  std::string("/v1/zones/hengqin/proofs/consistency?from=1")}) {
    EXPECT_EQ(StatusOf(path, "officer"), 403) << path;
    EXPECT_EQ(StatusOf(path, "admin"), 200) << path;
    EXPECT_EQ(StatusOf(path, ""), 401) << path;
  }
  // These entries were not submitted by P-A (no server stamp names it): refused, exactly as a seq
  // with no entry is.
  auto other = service_->Get(inclusion, "declarant-a");
  auto missing = service_->Get("/v1/zones/hengqin/proofs/inclusion?seq=99999", "declarant-a");
  ASSERT_TRUE(other && missing);
  EXPECT_EQ(other->status, 403);
  EXPECT_EQ(missing->status, 403);
  EXPECT_EQ(other->body, missing->body);
  EXPECT_EQ(StatusOf("/v1/zones/hengqin/checkpoint", "declarant-a"), 200);
  EXPECT_EQ(StatusOf("/v1/zones/hetao-sz/checkpoint", "auditor"), 403) << "a hengqin auditor";
  EXPECT_EQ(StatusOf("/v1/zones/nowhere/checkpoint", "admin"), 404);
}

TEST_F(HttpProofs, AReceiptOnlyWhenAskedAndItsLeafIsTheProofs) {
  auto plain = service_->Post(kCommands, Person("r1", "MO-9"));
  ASSERT_TRUE(plain);
  ASSERT_EQ(plain->status, 200);
  EXPECT_EQ(plain->body.find("receipt"), std::string::npos);
  // The same command again: the original decision, byte for byte, and with ?receipt=1 the same
  // bytes with the original entry's receipt appended.
  EXPECT_EQ(service_->Post(kCommands, Person("r1", "MO-9"))->body, plain->body);
  auto repeated = service_->Post(kCommands + "?receipt=1", Person("r1", "MO-9"));
  ASSERT_EQ(repeated->status, 200);
  std::string prefix = plain->body.substr(0, plain->body.size() - 1) + ",\"receipt\":{";
  EXPECT_EQ(repeated->body.compare(0, prefix.size(), prefix), 0) << repeated->body;
  EXPECT_EQ(UintAt(repeated->body, "/receipt/seq"), UintAt(plain->body, "/seq"));

  auto answered = service_->Post(kCommands + "?receipt=1", Person("r2", "MO-10"));
  ASSERT_EQ(answered->status, 200) << answered->body;
  const uint64_t seq = UintAt(answered->body, "/receipt/seq");
  const uint64_t tree_size = UintAt(answered->body, "/receipt/tree_size");
  EXPECT_EQ(seq, UintAt(answered->body, "/seq"));
  EXPECT_EQ(tree_size, Entries());
  proof::Checkpoint checkpoint = OpenedCheckpoint();
  ASSERT_EQ(checkpoint.size, tree_size);
  proof::InclusionProofFile proof =
      Inclusion("seq=" + std::to_string(seq) + "&size=" + std::to_string(tree_size));
  EXPECT_EQ(ToHex(proof.leaf_hash), StringAt(answered->body, "/receipt/leaf_hash"));
  EXPECT_TRUE(Check(proof, checkpoint).ok());

  // A batch: the journaled decision has a receipt, the invalid one (another zone's) none.
  auto batch =
      service_->Post(kCommands + "?receipt=1",
                     "[" + Person("r3", "MO-11") + "," + Person("r4", "MO-12", "hetao-sz") + "]");
  ASSERT_EQ(batch->status, 200) << batch->body;
  EXPECT_NE(UintAt(batch->body, "/0/receipt/seq"), 0u);
  EXPECT_EQ(StringAt(batch->body, "/1/outcome"), "invalid");
  simdjson::dom::parser parser;
  simdjson::dom::element invalid;
  ASSERT_FALSE(parser.parse(batch->body).at_pointer("/1").get(invalid));
  EXPECT_TRUE(invalid.at_key("receipt").error()) << batch->body;
}

// The server stamps what a declarant submits ("received": role and party), and the stamp decides
// whose entry it is: P-A gets the proof of its declaration, not P-B's, and P-B not P-A's.
TEST_F(HttpProofs, ADeclarantGetsTheProofOfItsOwnCommandsEntriesOnly) {
  const std::string at = "2026-03-02T08:00:00+08:00";
  const std::string setup =
      "[" +
      GoodsCommand("g1", "register_party",
                   R"("party":{"id":"P-A","name":"Firm","kind":"enterprise","credit":"general","lists":[]})", at) +
      "," +
      GoodsCommand("g2", "register_party",
                   R"("party":{"id":"P-B","name":"Firm","kind":"enterprise","credit":"general","lists":[]})", at) +
      "," +
      GoodsCommand("g3", "register_item",
                   R"("item":{"sku":"OIL","hs_code":"3301.29","description":"Lavender oil","unit":"kg","tags":[]})", at) +
      "]";
  ASSERT_EQ(service_->Post(kCommands, setup)->status, 200);
  auto own = service_->Post(kCommands + "?receipt=1", Declare("a1", "D-A", "P-A"), "declarant-a");
  ASSERT_EQ(own->status, 200) << own->body;
  auto theirs = service_->Post(kCommands + "?receipt=1", Declare("b1", "D-B", "P-B"), "declarant-b");
  ASSERT_EQ(theirs->status, 200) << theirs->body;
  const uint64_t own_seq = UintAt(own->body, "/receipt/seq");
  const uint64_t their_seq = UintAt(theirs->body, "/receipt/seq");
  ASSERT_NE(own_seq, 0u);
  ASSERT_NE(their_seq, 0u);

  proof::Checkpoint checkpoint = OpenedCheckpoint("declarant-a");
  auto result = service_->Get("/v1/zones/hengqin/proofs/inclusion?seq=" + std::to_string(own_seq) +
                                  "&size=" + std::to_string(checkpoint.size),
                              "declarant-a");
  ASSERT_TRUE(result);
  ASSERT_EQ(result->status, 200) << result->body;
  auto parsed = proof::ParseProofFile(result->body);
  ASSERT_TRUE(parsed.ok());
  const auto& proof = std::get<proof::InclusionProofFile>(*parsed);
  EXPECT_EQ(ToHex(proof.leaf_hash), StringAt(own->body, "/receipt/leaf_hash"));
  EXPECT_TRUE(Check(proof, checkpoint).ok());
  auto entry = journal::EntryFromJsonLine(proof.entry);
  ASSERT_TRUE(entry.ok());
  EXPECT_TRUE(api::EntrySubmittedByParty(entry->command, "P-A")) << entry->command;

  const std::string theirs_path = "/v1/zones/hengqin/proofs/inclusion?seq=" + std::to_string(their_seq);
  auto refused = service_->Get(theirs_path, "declarant-a");
  auto missing = service_->Get("/v1/zones/hengqin/proofs/inclusion?seq=99999", "declarant-a");
  EXPECT_EQ(refused->status, 403);
  EXPECT_EQ(refused->body, missing->body) << "another party's entry looks like no entry";
  EXPECT_EQ(StatusOf(theirs_path, "declarant-b"), 200);
  EXPECT_EQ(StatusOf("/v1/zones/hengqin/proofs/inclusion?seq=" + std::to_string(own_seq), "declarant-b"), 403);
}

TEST_F(HttpProofs, AMalformedReceiptParameterIsRefusedAndDecidesNothing) {
  const uint64_t before = Entries();
  auto refused = service_->Post(kCommands + "?receipt=yes", Person("x1", "MO-20"));
  ASSERT_TRUE(refused);
  EXPECT_EQ(refused->status, 400);
  EXPECT_EQ(Entries(), before);
}

TEST(HttpProofsWithoutKey, TheCheckpointIsTheLatestKeptOr404) {
  ServiceOptions options;
  Service service(options);
  auto none = service.Get("/v1/zones/hengqin/checkpoint", "auditor");
  ASSERT_TRUE(none);
  EXPECT_EQ(none->status, 404);
  EXPECT_NE(StringAt(none->body, "/message").find("--checkpoint-key"), std::string::npos)
      << none->body;
  ASSERT_TRUE(
      service.store().WriteCheckpoint(store::CheckpointRecord{"hengqin", 1, "kept\n", "t"}).ok());
  auto kept = service.Get("/v1/zones/hengqin/checkpoint", "auditor");
  EXPECT_EQ(kept->status, 200);
  EXPECT_EQ(kept->body, "kept\n");
}

}  // namespace
}  // namespace twoline
