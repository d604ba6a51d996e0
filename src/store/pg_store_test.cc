// What PgStore does beyond the Store contract (which store_conformance_test.cc checks): fenced
// appends, refusal of unfenced writers on a leased zone, bulk statements with awkward text, views
// and snapshots, and carrying on after the server dropped its connections.
#include "store/pg_store.h"

#include <unistd.h>

#include <thread>

#include "journal/entry.h"
#include "journal/merkle_leaf.h"
#include "engine/goods_queries.h"
#include "pg_test_cluster.h"
#include "service_test_util.h"
#include "store/goods_reads.h"
#include "store/pg_lease.h"

namespace twoline::store {
namespace {

using testing::PgTestCluster;

EntryRecord Entry(const std::string& zone, uint64_t seq, const std::string& line) {
  EntryRecord entry;
  entry.zone = zone;
  entry.seq = seq;
  entry.command_id = seq % 2 == 0 ? "" : "c-" + std::to_string(seq);  // profile-like: no id
  entry.hash = Sha256(zone + line + std::to_string(seq));
  entry.line = line;
  return entry;
}

class PgStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    PgTestCluster* cluster = PgTestCluster::Shared();
    ASSERT_NE(cluster, nullptr);
    conninfo_ = cluster->NewDatabase();
  }
  std::unique_ptr<PgStore> Open(std::optional<Fence> fence = std::nullopt) {
    PgStoreOptions options;
    options.fence = std::move(fence);
    auto store = PgStore::Open(conninfo_, options);
    EXPECT_TRUE(store.ok()) << (store.ok() ? "" : store.error().message);
    return store.ok() ? std::move(*store) : nullptr;
  }
  std::unique_ptr<PgLeases> Leases() {
    auto leases = PgLeases::Open(conninfo_, PgOptions{});
    EXPECT_TRUE(leases.ok());
    return leases.ok() ? std::move(*leases) : nullptr;
  }
  static AppendBatch One(const std::string& zone, uint64_t seq, const std::string& line = "{}") {
    AppendBatch batch;
    batch.entries.push_back(Entry(zone, seq, line));
    return batch;
  }
  std::string conninfo_;
};

TEST_F(PgStoreTest, AwkwardTextSurvivesTheBulkStatements) {
  auto store = Open();
  ASSERT_TRUE(store);
  const std::vector<std::string> lines = {
      R"({"q":"a \"quoted\" \\ back,slash {brace} NULL"})", "NULL", "", "横琴 ✓", "a\tb\nc", ","};
  AppendBatch batch;
  for (size_t i = 0; i < lines.size(); ++i)
    batch.entries.push_back(Entry("hengqin", i + 1, lines[i]));
  ReadModelChanges changes;
  changes.zone = "hengqin";
  changes.through_seq = lines.size();
  changes.inside = {{"P,1", "2026-03-02T08:00:00+08:00", "G\"1"}, {"NULL", "t", "g"}};
  changes.views = {{"declaration", "D{1}", "party \\ 1", "held", R"({"id":"D{1}"})", false},
                   {"balance", "party \\ 1", "party \\ 1", "", R"({"x":"}"})", false},
                   {"balance_lot", "party \\ 1 S 2", "party \\ 1", "bonded", R"({"l":"]2"})", false},
                   {"balance_lot", "party \\ 1 S 1", "party \\ 1", "bonded", R"({"l":"]1"})", false}};
  batch.read_models.push_back(changes);
  ASSERT_TRUE(store->Append(batch).ok()) << store->failure();
  auto entries = store->ReadEntries("hengqin", 1, 100);
  ASSERT_TRUE(entries.ok());
  ASSERT_EQ(entries->size(), lines.size());
  for (size_t i = 0; i < lines.size(); ++i) {
    EXPECT_EQ((*entries)[i].line, lines[i]);
    EXPECT_EQ((*entries)[i].command_id, batch.entries[i].command_id);
    EXPECT_EQ((*entries)[i].hash, batch.entries[i].hash);
  }
  auto presence = store->ReadPresence("hengqin", 0, 10);
  ASSERT_TRUE(presence.ok());
  ASSERT_EQ(presence->count, 2);
  EXPECT_EQ(presence->rows[0].person, "NULL");  // byte order: 'N' < 'P'
  EXPECT_EQ(presence->rows[1].gate, "G\"1");
  auto balance = ReadBalance(*store, "hengqin", "party \\ 1");
  ASSERT_TRUE(balance.ok() && *balance);
  EXPECT_EQ(**balance, R"({"x":"}","lots":[{"l":"]1"},{"l":"]2"}]})" "\n");
  auto view = store->ReadView("hengqin", "declaration", "D{1}");
  ASSERT_TRUE(view.ok() && *view);
  EXPECT_EQ((*view)->owner, "party \\ 1");
}

TEST_F(PgStoreTest, ViewsListByOwnerAndStateInKeyOrder) {
  auto store = Open();
  ASSERT_TRUE(store);
  AppendBatch batch = One("hengqin", 1);
  ReadModelChanges changes;
  changes.zone = "hengqin";
  changes.through_seq = 1;
  for (int i = 0; i < 6; ++i) {
    changes.views.push_back({"lot", "L" + std::to_string(i), i % 2 ? "p1" : "p2",
                             i < 3 ? "open" : "closed", "{}", false});
  }
  changes.views.push_back({"lot", "L5", "", "", "", true});                  // erased again
  changes.views.push_back({"lot", "L0", "p2", "open", "{\"v\":2}", false});  // the last change wins
  batch.read_models.push_back(changes);
  ASSERT_TRUE(store->Append(batch).ok()) << store->failure();
  auto all = store->ListViews("hengqin", "lot", ViewFilter{}, 0, 100);
  ASSERT_TRUE(all.ok()) << all.error().message;
  EXPECT_EQ(all->count, 5);
  ASSERT_EQ(all->rows.size(), 5u);
  EXPECT_EQ(all->rows[0].json, "{\"v\":2}");
  auto p1 = store->ListViews("hengqin", "lot", ViewFilter{"p1", "", true, "", ""}, 0, 100);
  ASSERT_TRUE(p1.ok());
  ASSERT_EQ(p1->count, 2);  // L1, L3 (L5 erased)
  EXPECT_EQ(p1->rows[0].key, "L3");
  auto open_p2 = store->ListViews("hengqin", "lot", ViewFilter{"p2", "open", false, "", ""}, 1, 1);
  ASSERT_TRUE(open_p2.ok());
  EXPECT_EQ(open_p2->count, 2);  // L0, L2
  ASSERT_EQ(open_p2->rows.size(), 1u);
  EXPECT_EQ(open_p2->rows[0].key, "L2");
}

TEST_F(PgStoreTest, SnapshotsAreKeptListedAndDeleted) {
  auto store = Open();
  ASSERT_TRUE(store);
  std::string bytes;
  for (int i = 0; i < 100000; ++i) bytes.push_back(static_cast<char>(i * 7));
  ASSERT_TRUE(store->WriteSnapshot("hengqin", 10, bytes).ok());
  ASSERT_TRUE(store->WriteSnapshot("hengqin", 20, "x").ok());
  auto listed = store->ListSnapshots("hengqin");
  ASSERT_TRUE(listed.ok());
  ASSERT_EQ(listed->size(), 2u);
  EXPECT_EQ((*listed)[0].seq, 20u);  // newest first
  EXPECT_EQ((*listed)[1].bytes, bytes.size());
  auto read = store->ReadSnapshot("hengqin", 10);
  ASSERT_TRUE(read.ok());
  EXPECT_EQ(*read, bytes);
  ASSERT_TRUE(store->DeleteSnapshot("hengqin", 10).ok());
  EXPECT_FALSE(store->ReadSnapshot("hengqin", 10).ok());
}

TEST_F(PgStoreTest, AFencedStoreStopsAppendingOnceTheLeaseMoved) {
  auto bootstrap = Open();  // creates the schema
  auto leases = Leases();
  ASSERT_TRUE(leases && bootstrap);
  auto lease = leases->Acquire("hengqin", "n1", 60000);
  ASSERT_TRUE(lease.ok() && lease->acquired);
  auto owner = Open(lease->fence);
  ASSERT_TRUE(owner);
  ASSERT_TRUE(owner->Append(One("hengqin", 1)).ok()) << owner->failure();
  EXPECT_FALSE(owner->Append(One("qianhai", 1)).ok()) << "a fenced store writes its zone only";

  auto second_owner = Open(lease->fence);
  ASSERT_TRUE(leases->Release(lease->fence).ok());
  auto takeover = leases->Acquire("hengqin", "n2", 60000);
  ASSERT_TRUE(takeover.ok() && takeover->acquired);
  Status fenced = second_owner->Append(One("hengqin", 2));
  ASSERT_FALSE(fenced.ok());
  EXPECT_TRUE(IsFenceError(fenced.message())) << fenced.message();
  EXPECT_TRUE(second_owner->failed());
  auto entries = bootstrap->ReadEntries("hengqin", 1, 10);
  ASSERT_TRUE(entries.ok());
  EXPECT_EQ(entries->size(), 1u) << "nothing of the fenced append is visible";

  auto new_owner = Open(takeover->fence);
  ASSERT_TRUE(new_owner->Append(One("hengqin", 2)).ok()) << new_owner->failure();
}

TEST_F(PgStoreTest, AnUnfencedStoreCannotWriteALeasedZone) {
  auto store = Open();
  auto leases = Leases();
  ASSERT_TRUE(store && leases);
  ASSERT_TRUE(store->Append(One("hengqin", 1)).ok());
  auto lease = leases->Acquire("hengqin", "n1", 60000);
  ASSERT_TRUE(lease.ok() && lease->acquired);
  auto unfenced = Open();
  Status refused = unfenced->Append(One("hengqin", 2));
  ASSERT_FALSE(refused.ok());
  EXPECT_TRUE(IsFenceError(refused.message())) << refused.message();
  auto other_zone = Open();
  EXPECT_TRUE(other_zone->Append(One("qianhai", 1)).ok()) << "other zones are not leased";
}

TEST_F(PgStoreTest, AppendsAndReadsGoOnAfterTheServerDroppedTheConnections) {
  // A name of its own, so that only this store's sessions are dropped (other test processes may
  // share the server).
  PgStoreOptions options;
  options.connection.application_name = "twoline-dropped-" + std::to_string(getpid());
  auto opened = PgStore::Open(conninfo_, options);
  ASSERT_TRUE(opened.ok()) << opened.error().message;
  std::unique_ptr<PgStore> store = std::move(*opened);
  ASSERT_TRUE(store->Append(One("hengqin", 1)).ok());
  ASSERT_TRUE(store->Zones().ok());  // opens a read connection
  auto admin = PgConnection::Connect(conninfo_, PgOptions{});
  ASSERT_TRUE(admin.ok());
  // Every other session of this database goes away, as on a server restart or failover.
  auto killed = (*admin)->Query(
      "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
      "WHERE application_name = $1",
      PgParams().Text(options.connection.application_name));
  ASSERT_TRUE(killed.ok()) << killed.error().message;
  EXPECT_GE(killed->Int(0, 0), 2);
  ASSERT_TRUE(store->Append(One("hengqin", 2)).ok()) << store->failure();
  auto zones = store->Zones();
  ASSERT_TRUE(zones.ok()) << zones.error().message;
  EXPECT_EQ((*zones)[0].entries, 2u);
}

TEST_F(PgStoreTest, AReadOnlyOpenNeedsTheSchema) {
  PgStoreOptions read_only;
  read_only.read_only = true;
  auto refused = PgStore::Open(conninfo_, read_only);
  ASSERT_FALSE(refused.ok());
  EXPECT_NE(refused.error().message.find("not a twoline database"), std::string::npos);
  ASSERT_TRUE(Open());
  auto opened = PgStore::Open(conninfo_, read_only);
  ASSERT_TRUE(opened.ok());
  EXPECT_FALSE((*opened)->Append(One("hengqin", 1)).ok());
}

TEST(PgTextArrayTest, QuotesEveryElement) {
  std::vector<bool> null = {false, true, false};
  EXPECT_EQ(PgTextArray({"a\"b", "x", "c\\d"}, &null), R"({"a\"b",NULL,"c\\d"})");
  EXPECT_EQ(PgTextArray({}), "{}");
}

// A database of schema version 1 has no leaf column: migrating adds it (and the checkpoints table),
// and the leaf hashes of the rows stored before are computed from their lines.
TEST_F(PgStoreTest, AVersion1DatabaseIsMigratedAndItsLeafHashesComputedFromTheLines) {
  std::vector<Hash256> expected;
  AppendBatch batch;
  for (uint64_t seq = 1; seq <= 30; ++seq) {
    journal::Entry line;
    line.seq = seq;
    line.zone = "hengqin";
    line.command = "{\"id\":\"c-" + std::to_string(seq) + "\"}";
    line.decision = "{\"id\":\"c-" + std::to_string(seq) + "\",\"outcome\":\"accepted\",\"reasons\":[]}";
    line.hash = journal::ComputeEntryHash(line);
    EntryRecord record{"hengqin", seq, "c-" + std::to_string(seq), line.hash,
                       journal::EntryToJsonLine(line), journal::LeafHash(line)};
    record.line.pop_back();
    batch.entries.push_back(record);
    expected.push_back(record.leaf_hash);
  }
  {
    auto store = Open();
    ASSERT_TRUE(store);
    ASSERT_TRUE(store->Append(batch).ok()) << store->failure();
  }
  {
    auto connection = PgConnection::Connect(conninfo_, PgOptions{});
    ASSERT_TRUE(connection.ok());
    ASSERT_TRUE((*connection)
                    ->Execute("ALTER TABLE journal DROP COLUMN leaf; DROP TABLE checkpoints; "
                              "DELETE FROM twoline_schema WHERE version >= 2")
                    .ok());
  }
  PgStoreOptions read_only;
  read_only.read_only = true;
  auto refused = PgStore::Open(conninfo_, read_only);
  ASSERT_FALSE(refused.ok());
  EXPECT_NE(refused.error().message.find("schema version 1"), std::string::npos) << refused.error().message;
  auto store = Open();
  ASSERT_TRUE(store);
  auto leaves = store->ReadLeafHashes("hengqin", 1, kLeafHashesMax);
  ASSERT_TRUE(leaves.ok()) << leaves.error().message;
  EXPECT_EQ(*leaves, expected);
  auto entries = store->ReadEntries("hengqin", 3, 1);
  ASSERT_TRUE(entries.ok());
  EXPECT_EQ(entries->front().leaf_hash, expected[2]);
  EXPECT_TRUE(store->WriteCheckpoint(CheckpointRecord{"hengqin", 30, "note", "t"}).ok());
  auto latest = store->LatestCheckpoint("hengqin");
  ASSERT_TRUE(latest.ok());
  ASSERT_TRUE(latest->has_value());
  EXPECT_EQ((*latest)->size, 30u);
}

// A database of schema version 2 lacks the read-model rows of documents, lots and days: migrating
// marks every zone's read models lagging, and loading the zone rebuilds them.
TEST_F(PgStoreTest, AVersion2DatabaseGetsTheReadModelsOfDocumentsLotsAndDays) {
  {
    auto store = Open();
    ASSERT_TRUE(store);
    auto zones = ZoneSet::Load(*store, true, nullptr);
    ASSERT_TRUE(zones.ok());
    testing::PutInForce(**zones, *store, {"hengqin"});
    testing::DecideAll(**zones, *store, "hengqin", testing::SimulatedDay("hengqin", 200, 3));
  }
  {
    auto connection = PgConnection::Connect(conninfo_, PgOptions{});
    ASSERT_TRUE(connection.ok());
    ASSERT_TRUE((*connection)
                    ->Execute("DELETE FROM views WHERE kind IN ('document', 'lot', 'open', 'refused', "
                              "'flow', 'movement', 'stocktake'); "
                              "DELETE FROM twoline_schema WHERE version >= 3")
                    .ok());
  }
  auto store = Open();
  ASSERT_TRUE(store);
  auto records = store->Zones();
  ASSERT_TRUE(records.ok() && records->size() == 1);
  EXPECT_EQ(records->front().read_model_seq, 0u) << "marked for a rebuild";
  std::vector<std::string> rebuilt;
  auto zones = ZoneSet::Load(*store, true, &rebuilt);
  ASSERT_TRUE(zones.ok()) << zones.error().message;
  EXPECT_EQ(rebuilt, std::vector<std::string>{"hengqin"});
  const engine::Engine& engine = (*zones)->Find("hengqin")->chain.engine();
  ASSERT_FALSE(engine.state().goods.declarations.empty());
  std::string id;
  engine.state().goods.declarations.ForEachKey([&](const std::string& key) {
    if (id.empty()) id = key;
  });
  auto declaration = ReadDeclaration(*store, "hengqin", id, "");
  ASSERT_TRUE(declaration.ok() && declaration->has_value()) << id;
  EXPECT_EQ(**declaration, engine::DeclarationJson(engine, id));
}

}  // namespace
}  // namespace twoline::store
