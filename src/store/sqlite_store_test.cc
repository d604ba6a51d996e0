// What SqliteStore does beyond the Store contract (store_conformance_test.cc): the migration of
// older databases — version 2, whose journal rows have no leaf hash, and version 3, whose read
// models lack the rows of documents, lots and days — to version 4.
#include "store/sqlite_store.h"

#include <sqlite3.h>

#include "journal/merkle_leaf.h"
#include "engine/goods_queries.h"
#include "store/goods_reads.h"
#include "service_test_util.h"

namespace twoline::store {
namespace {

using testing::TempDir;

void Execute(const std::string& path, const std::string& sql) {
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open_v2(path.c_str(), &db, SQLITE_OPEN_READWRITE, nullptr), SQLITE_OK);
  char* message = nullptr;
  EXPECT_EQ(sqlite3_exec(db, sql.c_str(), nullptr, nullptr, &message), SQLITE_OK)
      << (message ? message : "");
  sqlite3_free(message);
  sqlite3_close(db);
}

int64_t Count(const std::string& path, const std::string& sql) {
  sqlite3* db = nullptr;
  EXPECT_EQ(sqlite3_open_v2(path.c_str(), &db, SQLITE_OPEN_READONLY, nullptr), SQLITE_OK);
  sqlite3_stmt* statement = nullptr;
  EXPECT_EQ(sqlite3_prepare_v2(db, sql.c_str(), -1, &statement, nullptr), SQLITE_OK);
  int64_t count = sqlite3_step(statement) == SQLITE_ROW ? sqlite3_column_int64(statement, 0) : -1;
  sqlite3_finalize(statement);
  sqlite3_close(db);
  return count;
}

std::vector<Hash256> LeavesOfLines(Store& store, uint64_t entries) {
  std::vector<Hash256> leaves;
  Status scanned =
      store.ScanEntries("hengqin", 1, entries, [&](const EntryRecord& entry) -> Status {
        leaves.push_back(journal::LeafOfJournalLine(entry.line)->leaf_hash);
        return Status::Ok();
      });
  EXPECT_TRUE(scanned.ok()) << scanned.message();
  return leaves;
}

TEST(SqliteSchema, AVersion2DatabaseIsMigratedAndItsLeafHashesComputedFromTheLines) {
  TempDir directory;
  const std::string path = directory.File("old.db");
  uint64_t entries = 0;
  {
    auto store = SqliteStore::Open(path, SqliteOptions{});
    ASSERT_TRUE(store.ok());
    auto zones = ZoneSet::Load(**store, true, nullptr);
    ASSERT_TRUE(zones.ok());
    testing::PutInForce(**zones, **store, {"hengqin"});
    testing::DecideAll(**zones, **store, "hengqin", testing::SimulatedDay("hengqin", 40, 3));
    entries = (*zones)->Find("hengqin")->chain.entries();
  }
  // The database as version 2 wrote it: no leaf column, no checkpoints table.
  Execute(path,
          "ALTER TABLE journal DROP COLUMN leaf; DROP TABLE checkpoints; PRAGMA user_version = 2;");

  SqliteOptions read_only;
  read_only.read_only = true;
  auto refused = SqliteStore::Open(path, read_only);
  ASSERT_FALSE(refused.ok());
  EXPECT_NE(refused.error().message.find("schema version 2"), std::string::npos)
      << refused.error().message;

  auto store = SqliteStore::Open(path, SqliteOptions{});
  ASSERT_TRUE(store.ok()) << store.error().message;
  EXPECT_EQ(Count(path, "PRAGMA user_version"), 5);
  EXPECT_EQ(Count(path, "SELECT count(*) FROM journal WHERE leaf IS NULL"),
            static_cast<int64_t>(entries));
  std::vector<Hash256> expected = LeavesOfLines(**store, entries);
  auto leaves = (*store)->ReadLeafHashes("hengqin", 1, kLeafHashesMax);
  ASSERT_TRUE(leaves.ok()) << leaves.error().message;
  EXPECT_EQ(*leaves, expected);

  // It loads (replay checks the computed leaf hashes), and new entries store theirs.
  auto zones = ZoneSet::Load(**store, true, nullptr, LoadOptions{false, nullptr});
  ASSERT_TRUE(zones.ok()) << zones.error().message;
  EXPECT_EQ((*zones)->Find("hengqin")->chain.frontier().Root(),
            proof::MerkleLog::FromLeafHashes(expected).Root());
  testing::DecideAll(**zones, **store, "hengqin",
                     testing::SimulatedDay("hengqin", 10, 4, "later-"));
  const uint64_t now = (*zones)->Find("hengqin")->chain.entries();
  ASSERT_GT(now, entries);
  EXPECT_EQ(Count(path, "SELECT count(*) FROM journal WHERE leaf IS NULL"),
            static_cast<int64_t>(entries));
  auto all = (*store)->ReadLeafHashes("hengqin", 1, kLeafHashesMax);
  ASSERT_TRUE(all.ok());
  EXPECT_EQ(*all, LeavesOfLines(**store, now));
  EXPECT_TRUE((*store)->WriteCheckpoint(CheckpointRecord{"hengqin", now, "note", "t"}).ok());
}

// A database at `path` holding a simulated Hengqin day of 400 commands, closed.
void WriteASimulatedDay(const std::string& path) {
  auto store = SqliteStore::Open(path, SqliteOptions{});
  ASSERT_TRUE(store.ok());
  auto zones = ZoneSet::Load(**store, true, nullptr);
  ASSERT_TRUE(zones.ok());
  testing::PutInForce(**zones, **store, {"hengqin"});
  testing::DecideAll(**zones, **store, "hengqin", testing::SimulatedDay("hengqin", 400, 3));
}

TEST(SqliteSchema, AVersion3DatabaseGetsTheReadModelsOfDocumentsLotsAndDays) {
  TempDir directory;
  const std::string path = directory.File("v3.db");
  WriteASimulatedDay(path);
  // The database as version 3 wrote it: none of the rows version 4 added.
  const std::string added = "kind IN ('document', 'lot', 'open', 'refused', 'flow', 'movement', 'stocktake')";
  Execute(path, "DELETE FROM views WHERE " + added + "; PRAGMA user_version = 3;");
  ASSERT_EQ(Count(path, "SELECT count(*) FROM views WHERE " + added), 0);

  auto store = SqliteStore::Open(path, SqliteOptions{});
  ASSERT_TRUE(store.ok()) << store.error().message;
  EXPECT_EQ(Count(path, "PRAGMA user_version"), 5);
  EXPECT_EQ(Count(path, "SELECT max(read_model_seq) FROM zones"), 0) << "marked for a rebuild";
  std::vector<std::string> rebuilt;
  auto zones = ZoneSet::Load(**store, true, &rebuilt);
  ASSERT_TRUE(zones.ok()) << zones.error().message;
  EXPECT_EQ(rebuilt, std::vector<std::string>{"hengqin"});
  const engine::Engine& engine = (*zones)->Find("hengqin")->chain.engine();
  ASSERT_FALSE(engine.state().goods.declarations.empty());
  const std::string& id = engine.state().goods.declarations.begin()->first;
  auto declaration = ReadDeclaration(**store, "hengqin", id, "");
  ASSERT_TRUE(declaration.ok() && declaration->has_value()) << id;
  EXPECT_EQ(**declaration, engine::DeclarationJson(engine, id));
  const Date first = *ParseDate("2026-01-01"), last = *ParseDate("2026-12-31");
  auto report = ReadFlowsReport(**store, "hengqin", first, last);
  ASSERT_TRUE(report.ok());
  EXPECT_EQ(*report, engine::ReportJson(engine, first, last));
}

TEST(SqliteSchema, AVersion4DatabaseGetsItsBalancesRebuilt) {
  TempDir directory;
  const std::string path = directory.File("v4.db");
  WriteASimulatedDay(path);
  // Version 4 showed held goods as free: its balance rows are not what this build writes.
  ASSERT_GT(Count(path, "SELECT count(*) FROM balances"), 0);
  Execute(path, "UPDATE balances SET json = 'written by version 4'; PRAGMA user_version = 4;");

  auto store = SqliteStore::Open(path, SqliteOptions{});
  ASSERT_TRUE(store.ok()) << store.error().message;
  EXPECT_EQ(Count(path, "PRAGMA user_version"), 5);
  EXPECT_EQ(Count(path, "SELECT max(read_model_seq) FROM zones"), 0) << "marked for a rebuild";
  std::vector<std::string> rebuilt;
  auto zones = ZoneSet::Load(**store, true, &rebuilt);
  ASSERT_TRUE(zones.ok()) << zones.error().message;
  EXPECT_EQ(rebuilt, std::vector<std::string>{"hengqin"});
  EXPECT_EQ(Count(path, "SELECT count(*) FROM balances WHERE json = 'written by version 4'"), 0);
  const engine::Engine& engine = (*zones)->Find("hengqin")->chain.engine();
  const std::string& party = engine.state().parties.front().id;
  auto balance = (*store)->ReadBalance("hengqin", party);
  ASSERT_TRUE(balance.ok() && balance->has_value()) << party;
  EXPECT_EQ((*balance)->json, engine::BalanceJson(engine, party));
}

}  // namespace
}  // namespace twoline::store
