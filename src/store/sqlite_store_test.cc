// What SqliteStore does beyond the Store contract (store_conformance_test.cc): the migration of
// older databases — version 2, whose journal rows have no leaf hash, and version 3, whose read
// models lack the rows of documents, lots and days — to version 4.
#include "store/sqlite_store.h"

#include <sched.h>
#include <sqlite3.h>

#include <sys/stat.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <fstream>
#include <mutex>
#include <thread>

#include "base/thread_priority.h"
#include "journal/entry.h"
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
  EXPECT_EQ(Count(path, "PRAGMA user_version"), 6);
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

// Loads the zones of `store`, whose read models are marked for a rebuild, and checks that Hengqin's
// were rebuilt; null (the failure reported) when the load fails.
std::unique_ptr<ZoneSet> LoadRebuildingHengqin(Store& store, const LoadOptions& options = {}) {
  std::vector<std::string> rebuilt;
  auto zones = ZoneSet::Load(store, true, &rebuilt, options);
  EXPECT_TRUE(zones.ok()) << zones.error().message;
  if (!zones.ok()) return nullptr;
  EXPECT_EQ(rebuilt, std::vector<std::string>{"hengqin"});
  return std::move(*zones);
}

// The database at `path` opened read only, its zones showing no read models; null (the failure
// reported) when it cannot be opened.
std::unique_ptr<SqliteStore> OpenReadOnlyWithoutReadModels(const std::string& path) {
  SqliteOptions read_only;
  read_only.read_only = true;
  auto store = SqliteStore::Open(path, read_only);
  EXPECT_TRUE(store.ok()) << store.error().message;
  if (!store.ok()) return nullptr;
  auto zones = (*store)->Zones();
  EXPECT_TRUE(zones.ok()) << zones.error().message;
  if (zones.ok()) {
    EXPECT_EQ(zones->front().read_model_seq, 0u);
  }
  return std::move(*store);
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
  Execute(path + ".views", "DELETE FROM views WHERE " + added);
  Execute(path, "PRAGMA user_version = 3;");
  ASSERT_EQ(Count(path + ".views", "SELECT count(*) FROM views WHERE " + added), 0);

  auto store = SqliteStore::Open(path, SqliteOptions{});
  ASSERT_TRUE(store.ok()) << store.error().message;
  EXPECT_EQ(Count(path, "PRAGMA user_version"), 6);
  EXPECT_EQ(Count(path + ".views", "SELECT count(*) FROM view_zones"), 0) << "marked for a rebuild";
  auto zones = LoadRebuildingHengqin(**store);
  ASSERT_NE(zones, nullptr);
  const engine::Engine& engine = zones->Find("hengqin")->chain.engine();
  ASSERT_FALSE(engine.state().goods.declarations.empty());
  std::string id;
  engine.state().goods.declarations.ForEachKey([&](const std::string& key) {
    if (id.empty()) id = key;
  });
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
  ASSERT_GT(Count(path + ".views", "SELECT count(*) FROM views WHERE kind = 'balance'"), 0);
  Execute(path + ".views", "UPDATE views SET json = 'written by version 4' WHERE kind = 'balance'");
  Execute(path, "PRAGMA user_version = 4;");

  auto store = SqliteStore::Open(path, SqliteOptions{});
  ASSERT_TRUE(store.ok()) << store.error().message;
  EXPECT_EQ(Count(path, "PRAGMA user_version"), 6);
  EXPECT_EQ(Count(path + ".views", "SELECT count(*) FROM view_zones"), 0) << "marked for a rebuild";
  auto zones = LoadRebuildingHengqin(**store);
  ASSERT_NE(zones, nullptr);
  EXPECT_EQ(Count(path + ".views", "SELECT count(*) FROM views WHERE json = 'written by version 4'"), 0);
  const engine::Engine& engine = zones->Find("hengqin")->chain.engine();
  const std::string& party = engine.state().parties.front().id;
  auto balance = ReadBalance(**store, "hengqin", party);
  ASSERT_TRUE(balance.ok() && balance->has_value()) << party;
  EXPECT_EQ(**balance, engine::BalanceJson(engine, party));
}

// The presence and the person views a store shows.
std::string PresenceOf(Store& store) {
  auto page = store.ReadPresence("hengqin", 0, kReadRowsMax);
  EXPECT_TRUE(page.ok());
  std::string out = page.ok() ? PresencePageJson("hengqin", *page, 0) : std::string();
  auto persons = store.ListViews("hengqin", "person", {}, 0, kReadRowsMax);
  EXPECT_TRUE(persons.ok());
  if (persons.ok()) {
    for (const ViewRow& row : persons->rows) out += "\n" + row.key + " " + row.state + " " + row.json;
  }
  return out;
}

// Version 5 kept the read models in the database file; version 6 keeps them in `<database>.views`.
// Opened for writing, a version 5 database loses its read-model tables and gets them rebuilt there.
TEST(SqliteSchema, AVersion5DatabaseGetsItsReadModelsMovedToTheirOwnFile) {
  TempDir directory;
  const std::string path = directory.File("v5.db");
  WriteASimulatedDay(path);
  std::string expected;
  {
    auto store = SqliteStore::Open(path, SqliteOptions{});
    ASSERT_TRUE(store.ok());
    expected = PresenceOf(**store);
  }
  ASSERT_NE(expected.find("\n"), std::string::npos) << "person views: " << expected;
  // The database as version 5 left it: the read models in the file, none beside it.
  Execute(path,
          "CREATE TABLE presence (zone TEXT NOT NULL, person TEXT NOT NULL, entered_at TEXT NOT NULL, "
          "gate TEXT NOT NULL, PRIMARY KEY (zone, person)) WITHOUT ROWID; "
          "INSERT INTO presence VALUES ('hengqin', 'stale', '2020-01-01T00:00:00Z', 'G'); "
          "CREATE TABLE balances (zone TEXT NOT NULL, party TEXT NOT NULL, json TEXT NOT NULL, "
          "PRIMARY KEY (zone, party)); "
          "CREATE TABLE views (zone TEXT NOT NULL, kind TEXT NOT NULL, key TEXT NOT NULL, "
          "owner TEXT NOT NULL, state TEXT NOT NULL, json TEXT NOT NULL, PRIMARY KEY (zone, kind, key)) "
          "WITHOUT ROWID; UPDATE zones SET read_model_seq = entries; PRAGMA user_version = 5;");
  ASSERT_EQ(std::remove((path + ".views").c_str()), 0);

  auto store = SqliteStore::Open(path, SqliteOptions{});
  ASSERT_TRUE(store.ok()) << store.error().message;
  EXPECT_EQ(Count(path, "PRAGMA user_version"), 6);
  EXPECT_EQ(Count(path, "SELECT count(*) FROM sqlite_schema WHERE name IN ('presence', 'balances', 'views')"), 0);
  ASSERT_NE(LoadRebuildingHengqin(**store), nullptr);
  EXPECT_EQ(PresenceOf(**store), expected);
}

// The read models' file is derived: lost or deleted, it is rebuilt from the journal by the next
// start that may write; a reader of the database alone sees no read models, and the journal whole.
TEST(SqliteSchema, ALostReadModelFileIsRebuiltFromTheJournal) {
  TempDir directory;
  const std::string path = directory.File("lost.db");
  WriteASimulatedDay(path);
  std::string expected;
  uint64_t entries = 0;
  {
    auto store = SqliteStore::Open(path, SqliteOptions{});
    ASSERT_TRUE(store.ok());
    expected = PresenceOf(**store);
    auto zones = (*store)->Zones();
    ASSERT_TRUE(zones.ok());
    entries = zones->front().entries;
    EXPECT_EQ(zones->front().read_model_seq, entries);
  }
  for (const char* suffix : {".views", ".views-wal", ".views-shm"}) std::remove((path + suffix).c_str());
  {
    auto store = OpenReadOnlyWithoutReadModels(path);
    ASSERT_NE(store, nullptr);
    auto zones = store->Zones();
    ASSERT_TRUE(zones.ok()) << zones.error().message;
    EXPECT_EQ(zones->front().entries, entries);
    auto presence = store->ReadPresence("hengqin", 0, kReadRowsMax);
    ASSERT_TRUE(presence.ok()) << presence.error().message;
    EXPECT_EQ(presence->count, 0);
  }
  auto store = SqliteStore::Open(path, SqliteOptions{});
  ASSERT_TRUE(store.ok()) << store.error().message;
  ASSERT_NE(LoadRebuildingHengqin(**store), nullptr);
  EXPECT_EQ(PresenceOf(**store), expected);
}

AppendBatch PersonInside(const std::string& person, bool await) {
  AppendBatch batch;
  ReadModelChanges changes;
  changes.zone = "hengqin";
  changes.inside.push_back(PresenceRow{person, "2026-03-02T08:00:00+08:00", "G1"});
  batch.read_models.push_back(std::move(changes));
  batch.await_read_models = await;
  return batch;
}

long ViewsThreadPolicy() {
  std::vector<testing::ThreadScheduling> views = testing::ThreadsNamed("tl-views");
  return views.size() == 1 ? views[0].policy : -1;
}

// The read models' thread yields the cores to every other thread (SCHED_IDLE): read models may
// trail, decisions should not wait for them. Without the right to lift it out again, nice 10.
TEST(SqliteViews, TheViewsThreadRunsAtIdlePriority) {
  TempDir directory;
  auto store = SqliteStore::Open(directory.File("idle.db"), SqliteOptions{});
  ASSERT_TRUE(store.ok());
  std::vector<testing::ThreadScheduling> views = testing::ThreadsNamed("tl-views");
  ASSERT_EQ(views.size(), 1u);
  if (MayRaisePriority()) {
    EXPECT_EQ(views[0].policy, SCHED_IDLE);
  } else {
    EXPECT_EQ(views[0].policy, SCHED_OTHER);
    EXPECT_EQ(views[0].nice, 10);
  }
  // And it still writes: a batch that awaits its read models returns once they are readable.
  ASSERT_TRUE((*store)->Append(PersonInside("P-1", true)).ok());
  auto page = (*store)->ReadPresence("hengqin", 0, kReadRowsMax);
  ASSERT_TRUE(page.ok());
  EXPECT_EQ(page->count, 1);
}

// A thread waiting for read models (here the committer, for a batch that awaits its own) lifts the
// views thread out of SCHED_IDLE until they are written: a waiter at normal priority must not wait
// behind every other thread of the machine. The views thread is held in its write by another
// connection's lock on the read models' file.
TEST(SqliteViews, AWaiterLiftsTheViewsThreadUntilTheRowsAreWritten) {
  if (!MayRaisePriority()) GTEST_SKIP() << "needs CAP_SYS_NICE or RLIMIT_NICE: the thread stays at nice 10";
  TempDir directory;
  const std::string path = directory.File("lift.db");
  SqliteOptions options;
  options.busy_timeout_ms = 60000;
  auto store = SqliteStore::Open(path, options);
  ASSERT_TRUE(store.ok());
  ASSERT_TRUE((*store)->Append(PersonInside("P-1", true)).ok());
  EXPECT_EQ(ViewsThreadPolicy(), SCHED_IDLE);

  sqlite3* blocker = nullptr;
  ASSERT_EQ(sqlite3_open((path + ".views").c_str(), &blocker), SQLITE_OK);
  ASSERT_EQ(sqlite3_exec(blocker, "BEGIN IMMEDIATE", nullptr, nullptr, nullptr), SQLITE_OK);
  std::atomic<bool> appended{false};
  std::thread committer([&] {
    EXPECT_TRUE((*store)->Append(PersonInside("P-2", true)).ok());
    appended = true;
  });
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
  while (ViewsThreadPolicy() != SCHED_OTHER && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  EXPECT_EQ(ViewsThreadPolicy(), SCHED_OTHER) << "lifted while the committer waits";
  EXPECT_FALSE(appended);
  ASSERT_EQ(sqlite3_exec(blocker, "COMMIT", nullptr, nullptr, nullptr), SQLITE_OK);
  committer.join();
  sqlite3_close(blocker);
  EXPECT_TRUE(appended);
  EXPECT_EQ(ViewsThreadPolicy(), SCHED_IDLE) << "back once the rows are written";
  auto page = (*store)->ReadPresence("hengqin", 0, kReadRowsMax);
  ASSERT_TRUE(page.ok());
  EXPECT_EQ(page->count, 2);
}

// Read models handed over without waiting are written in order, before any batch that awaits its
// own returns, and before the store closes.
TEST(SqliteViews, ReadModelsNotAwaitedAreWrittenInOrderBeforeAnAwaitedBatchAndBeforeClosing) {
  TempDir directory;
  const std::string path = directory.File("views.db");
  {
    auto store = SqliteStore::Open(path, SqliteOptions{});
    ASSERT_TRUE(store.ok());
    for (int i = 0; i < 40; ++i) {
      ASSERT_TRUE((*store)->Append(PersonInside("P-" + std::to_string(100 + i), false)).ok());
    }
    ASSERT_TRUE((*store)->Append(PersonInside("P-200", true)).ok());
    auto page = (*store)->ReadPresence("hengqin", 0, kReadRowsMax);
    ASSERT_TRUE(page.ok());
    EXPECT_EQ(page->count, 41);
    for (int i = 0; i < 40; ++i) {
      ASSERT_TRUE((*store)->Append(PersonInside("P-" + std::to_string(300 + i), false)).ok());
    }
  }
  EXPECT_EQ(Count(path + ".views", "SELECT count(*) FROM presence"), 81);
}

// The WAL is copied into the database by the checkpoint thread, not by commits, and is started over
// from its beginning, so that its file stays bounded however long the writes go on.
TEST(SqliteCheckpoints, TheWalIsCopiedInTheBackgroundAndStartedOver) {
  TempDir directory;
  const std::string path = directory.File("wal.db");
  SqliteOptions options;
  options.wal_checkpoint_pages = 8;
  constexpr uint64_t kEntries = 120;
  const std::string filler(30000, 'x');  // two overflow pages and more per entry
  {
    auto store = SqliteStore::Open(path, options);
    ASSERT_TRUE(store.ok()) << store.error().message;
    uint64_t before = 0;  // checkpoints done before a run of ten entries
    for (uint64_t seq = 1; seq <= kEntries; ++seq) {
      AppendBatch batch;
      batch.entries.push_back(testing::JournalEntryRecord("hengqin", seq, filler));
      if (seq % 10 == 1) before = (*store)->wal_checkpoints();
      ASSERT_TRUE((*store)->Append(std::move(batch)).ok());
      if (seq % 10 != 0) continue;
      // Ten commits are well over eight pages: the thread is woken at least once during them and
      // gets a round done (a bounded wait for the thread, not a measure of time).
      for (int wait = 0; wait < 30000 && (*store)->wal_checkpoints() == before; ++wait) {
        std::this_thread::sleep_for(std::chrono::milliseconds(1));
      }
      ASSERT_GT((*store)->wal_checkpoints(), before) << "no checkpoint during entries up to " << seq;
    }
    EXPECT_EQ((*store)->wal_checkpoint_failures(), 0u);
    EXPECT_FALSE((*store)->failed());
    // Started over, again and again: SQLite counts each start in the WAL header's checkpoint
    // sequence number (bytes 12-15, big-endian). A round of the thread that finds the WAL at 32
    // frames or more copies all of it, and the next commit starts it over; the test waits for a
    // round every ten entries (each three pages and more), so at least every twenty entries the
    // WAL is started over: six times in 120. How long it grows in between depends on how the
    // thread is scheduled, so its size is only checked against what the commits wrote (at least
    // three pages of 16 KiB each, 120 times: 5.9 MB), which a WAL never started over would hold.
    std::ifstream wal_file(path + "-wal", std::ios::binary);
    unsigned char header[32] = {};
    ASSERT_TRUE(wal_file.read(reinterpret_cast<char*>(header), sizeof header)) << "no WAL header";
    const uint32_t starts = uint32_t{header[12]} << 24 | uint32_t{header[13]} << 16 |
                            uint32_t{header[14]} << 8 | uint32_t{header[15]};
    EXPECT_GE(starts, 6u) << "the WAL was not started over every twenty entries";
    struct stat wal {};
    ASSERT_EQ(::stat((path + "-wal").c_str(), &wal), 0);
    EXPECT_LT(wal.st_size, static_cast<off_t>(kEntries * 3 * 16 * 1024)) << "the WAL was not started over";
    // Everything is in the database file: readers see every entry.
    EXPECT_EQ(Count(path, "SELECT count(*) FROM journal"), static_cast<int64_t>(kEntries));
  }
  auto reopened = SqliteStore::Open(path, SqliteOptions{});
  ASSERT_TRUE(reopened.ok());
  auto entries = (*reopened)->ReadEntries("hengqin", 1, 1000);
  ASSERT_TRUE(entries.ok());
  EXPECT_EQ(entries->size(), kEntries);
}

// AfterReadModels runs once every batch appended before it has its rows readable, in order, and at
// once when none is pending: the writer gives a lone request's answer from it, so that the next
// commit does not wait for the views thread.
TEST(SqliteViews, AfterReadModelsRunsOnceTheRowsAppendedBeforeAreReadable) {
  TempDir directory;
  const std::string path = directory.File("after.db");
  auto store = SqliteStore::Open(path, SqliteOptions{});
  ASSERT_TRUE(store.ok());
  std::mutex mutex;
  std::condition_variable changed;
  std::vector<int64_t> seen;  // persons inside when each callback ran
  auto after = [&] {
    (*store)->AfterReadModels([&](const Status& written) {
      EXPECT_TRUE(written.ok()) << written.message();
      auto page = (*store)->ReadPresence("hengqin", 0, kReadRowsMax);
      std::lock_guard<std::mutex> lock(mutex);
      seen.push_back(page.ok() ? page->count : -1);
      changed.notify_all();
    });
  };
  for (int round = 0; round < 3; ++round) {
    for (int i = 0; i < 20; ++i) {
      ASSERT_TRUE((*store)->Append(PersonInside("P-" + std::to_string(round * 100 + i), false)).ok());
    }
    after();
  }
  {
    std::unique_lock<std::mutex> lock(mutex);
    ASSERT_TRUE(changed.wait_for(lock, std::chrono::seconds(60), [&] { return seen.size() == 3; }));
  }
  // Each saw at least the rows appended before it (the views thread may have written more since:
  // it writes everything queued at once), in order.
  for (size_t i = 0; i < seen.size(); ++i) EXPECT_GE(seen[i], static_cast<int64_t>(20 * (i + 1)));
  EXPECT_TRUE(std::is_sorted(seen.begin(), seen.end()));
  EXPECT_EQ(seen.back(), 60);
  after();  // nothing pending: at once, on this thread
  EXPECT_EQ(seen.size(), 4u);
  EXPECT_EQ(seen.back(), 60);
}

// A file that is not the read models of a twoline database is never written over.
// Read models of the previous layout (version 1 of the read models' file: crossings in
// views_by_owner, no owner_keys) are dropped and rebuilt from the journal, in the current one.
TEST(SqliteSchema, ReadModelsOfAnEarlierLayoutAreRebuiltInTheCurrentOne) {
  TempDir directory;
  const std::string path = directory.File("views1.db");
  WriteASimulatedDay(path);
  std::string expected, crossings;
  auto crossings_of = [](Store& store) {
    auto page = store.ListViews("hengqin", "crossing", ViewFilter{}, 0, 1000);
    EXPECT_TRUE(page.ok());
    std::string listed = std::to_string(page->count);
    for (const ViewRow& row : page->rows) listed += "\n" + row.key + " " + row.owner + " " + row.state;
    return listed;
  };
  {
    auto store = SqliteStore::Open(path, SqliteOptions{});
    ASSERT_TRUE(store.ok());
    expected = PresenceOf(**store);
    crossings = crossings_of(**store);
  }
  ASSERT_GT(Count(path + ".views", "SELECT count(*) FROM views WHERE kind = 'crossing'"), 0);
  Execute(path + ".views",
          "DROP TABLE owner_keys; DROP TABLE owner_keys_recent; DROP INDEX views_by_owner; "
          "CREATE INDEX views_by_owner ON views (zone, kind, owner, key); "
          "UPDATE presence SET gate = 'stale'; PRAGMA user_version = 1;");
  {
    // Read only, before a start that may write: no read models, and the file left as it is.
    auto store = OpenReadOnlyWithoutReadModels(path);
    ASSERT_NE(store, nullptr);
    auto page = store->ListViews("hengqin", "crossing", ViewFilter{}, 0, 10);
    ASSERT_TRUE(page.ok()) << page.error().message;
    EXPECT_EQ(page->count, 0);
    EXPECT_EQ(Count(path + ".views", "PRAGMA user_version"), 1);
  }

  auto store = SqliteStore::Open(path, SqliteOptions{});
  ASSERT_TRUE(store.ok()) << store.error().message;
  EXPECT_EQ(Count(path + ".views", "PRAGMA user_version"), 7);
  EXPECT_EQ(Count(path + ".views", "SELECT count(*) FROM view_zones"), 0) << "marked for a rebuild";
  EXPECT_EQ(Count(path + ".views", "SELECT count(*) FROM sqlite_schema WHERE name = 'view_bodies'"),
            1);
  ASSERT_NE(LoadRebuildingHengqin(**store), nullptr);
  EXPECT_EQ(PresenceOf(**store), expected);
  EXPECT_EQ(crossings_of(**store), crossings);
}

// The count of rows by zone, kind and state that listings answer with (view_counts) is the count
// of the rows, after a day of commands and after a rebuild.
TEST(SqliteViews, TheCountsOfRowsByKindAndStateAreThoseOfTheRows) {
  TempDir directory;
  const std::string path = directory.File("counts.db");
  WriteASimulatedDay(path);
  const std::string mismatches =
      "SELECT count(*) FROM (SELECT zone, kind, state, count(*) AS n FROM views GROUP BY zone, kind, "
      "state) v FULL JOIN (SELECT * FROM view_counts WHERE rows <> 0) c USING (zone, kind, state) "
      "WHERE v.n IS NOT c.rows";
  ASSERT_GT(Count(path + ".views", "SELECT count(DISTINCT kind || state) FROM view_counts"), 5);
  EXPECT_EQ(Count(path + ".views", mismatches), 0);
  {
    auto store = SqliteStore::Open(path, SqliteOptions{});
    ASSERT_TRUE(store.ok());
    for (const char* kind : {"crossing", "declaration", "person", "lot"}) {
      for (const char* state : {"", "accepted", "referred", "inside", "posted"}) {
        ViewFilter filter;
        filter.state = state;
        auto page = (*store)->ListViews("hengqin", kind, filter, 0, 1);
        ASSERT_TRUE(page.ok()) << page.error().message;
        std::string counted = "SELECT count(*) FROM views WHERE zone = 'hengqin' AND kind = '" +
                              std::string(kind) + "'" +
                              (*state ? " AND state = '" + std::string(state) + "'" : "");
        EXPECT_EQ(page->count, Count(path + ".views", counted)) << kind << " " << state;
      }
    }
  }
  Execute(path + ".views", "DELETE FROM view_zones");  // a rebuild at the next start
  {
    auto store = SqliteStore::Open(path, SqliteOptions{});
    ASSERT_TRUE(store.ok());
    ASSERT_NE(LoadRebuildingHengqin(**store), nullptr);
  }
  EXPECT_EQ(Count(path + ".views", mismatches), 0);
}

// A rebuild writes the crossings in pieces as it replays (memory bounded by a piece, not by the
// history): the read models are those of a rebuild in one piece.
TEST(SqliteSchema, ARebuildInPiecesWritesTheReadModelsOfARebuildInOne) {
  TempDir directory;
  const std::string path = directory.File("pieces.db");
  WriteASimulatedDay(path);
  auto dump = [&] {
    return std::to_string(Count(path + ".views", "SELECT count(*) FROM views")) + " " +
           std::to_string(Count(path + ".views", "SELECT sum(length(json) + length(key) + length(owner) + "
                                                  "length(state)) FROM views")) + " " +
           std::to_string(Count(path + ".views", "SELECT (SELECT count(*) FROM owner_keys) + "
                                                  "(SELECT count(*) FROM owner_keys_recent)")) + " " +
           std::to_string(Count(path + ".views", "SELECT sum(rows) FROM view_counts"));
  };
  std::string in_one, in_pieces;
  for (size_t piece : {size_t{1} << 30, size_t{7}}) {
    Execute(path + ".views", "DELETE FROM view_zones");  // a rebuild at the next start
    auto store = SqliteStore::Open(path, SqliteOptions{});
    ASSERT_TRUE(store.ok());
    LoadOptions options;
    options.use_snapshots = false;
    options.rebuild_crossings_piece = piece;
    ASSERT_NE(LoadRebuildingHengqin(**store, options), nullptr);
    auto page = (*store)->ListViews("hengqin", "crossing", ViewFilter{}, 0, 1);
    ASSERT_TRUE(page.ok());
    EXPECT_GT(page->count, 7);
    store->reset();
    (piece == 7 ? in_pieces : in_one) = dump();
  }
  EXPECT_EQ(in_pieces, in_one);
}

// A batch of read-model rows alone (partial: no seq moves), awaited: readable once appended.
AppendBatch ReadModelRows(std::vector<ViewRow> rows) {
  AppendBatch batch;
  ReadModelChanges changes;
  changes.zone = "hengqin";
  changes.partial = true;
  changes.views = std::move(rows);
  batch.read_models.push_back(std::move(changes));
  batch.await_read_models = true;
  return batch;
}

ViewRow Crossing(int seq, const std::string& person, const std::string& outcome) {
  char key[24];
  std::snprintf(key, sizeof key, "%020d", seq);
  return ViewRow{"crossing", key, person, outcome, "{\"seq\":" + std::to_string(seq) + "}", false};
}

// A new database at `path` whose crossings' owner keys are moved after every `moves`.
std::unique_ptr<SqliteStore> OpenMovingKeysEvery(const std::string& path, int64_t moves) {
  SqliteOptions options;
  options.owner_keys_merge_rows = moves;
  auto store = SqliteStore::Open(path, options);
  EXPECT_TRUE(store.ok()) << (store.ok() ? "" : store.error().message);
  return store.ok() ? std::move(*store) : nullptr;
}

// A page of crossings as "COUNT: SEQ SEQ ...", each row checked to be the filter's owner's.
std::string ListedCrossings(Store& store, const ViewFilter& filter, size_t offset, size_t limit) {
  auto page = store.ListViews("hengqin", "crossing", filter, offset, limit);
  EXPECT_TRUE(page.ok()) << page.error().message;
  if (!page.ok()) return "";
  std::string listed = std::to_string(page->count) + ":";
  for (const ViewRow& row : page->rows) {
    if (!filter.owner.empty()) {
      EXPECT_EQ(row.owner, filter.owner);
    }
    listed += " " + std::to_string(std::stoi(row.key));
  }
  return listed;
}

// A person's crossings are listed the same whether their keys are still in owner_keys_recent or
// have been moved into owner_keys: newest first, paged, counted, by outcome; a crossing written
// again under another person (as a rebuild may) moves, an erased one goes.
TEST(SqliteViews, APersonsCrossingsListTheSameBeforeAndAfterTheirKeysAreMoved) {
  TempDir directory;
  const std::string path = directory.File("crossings.db");
  auto store = OpenMovingKeysEvery(path, 5);
  ASSERT_NE(store, nullptr);
  auto keys_of = [&](const std::string& person, const std::string& outcome, size_t offset,
                     size_t limit) {
    ViewFilter filter;
    filter.owner = person;
    filter.state = outcome;
    filter.descending = true;
    return ListedCrossings(*store, filter, offset, limit);
  };
  // Four crossings a batch: the first batch stays in owner_keys_recent, the second moves all eight.
  ASSERT_TRUE(store->Append(ReadModelRows({Crossing(1, "P-A", "accepted"), Crossing(2, "P-B", "accepted"),
                                             Crossing(3, "P-A", "referred"), Crossing(4, "P-B", "rejected")}))
                  .ok());
  EXPECT_EQ(keys_of("P-A", "", 0, 10), "2: 3 1");
  ASSERT_TRUE(store->Append(ReadModelRows({Crossing(5, "P-A", "accepted"), Crossing(6, "P-C", "accepted"),
                                             Crossing(7, "P-A", "accepted"), Crossing(8, "P-B", "referred")}))
                  .ok());
  EXPECT_EQ(Count(path + ".views", "SELECT count(*) FROM owner_keys"), 8);
  EXPECT_EQ(Count(path + ".views", "SELECT count(*) FROM owner_keys_recent"), 0);
  ASSERT_TRUE(store->Append(ReadModelRows({Crossing(9, "P-A", "referred"), Crossing(10, "P-B", "accepted")}))
                  .ok());
  EXPECT_EQ(Count(path + ".views", "SELECT count(*) FROM owner_keys_recent"), 2);
  // P-A's crossings: 1, 3, 5, 7 moved, 9 recent.
  EXPECT_EQ(keys_of("P-A", "", 0, 10), "5: 9 7 5 3 1");
  EXPECT_EQ(keys_of("P-A", "", 1, 2), "5: 7 5");
  EXPECT_EQ(keys_of("P-A", "referred", 0, 10), "2: 9 3");
  EXPECT_EQ(keys_of("P-B", "", 0, 10), "4: 10 8 4 2");
  EXPECT_EQ(keys_of("P-C", "", 0, 10), "1: 6");
  EXPECT_EQ(keys_of("P-D", "", 0, 10), "0:");
  // Crossing 3 (moved) written again as P-C's, crossing 9 (recent) as P-B's; 7 erased.
  ViewRow erased = Crossing(7, "P-A", "accepted");
  erased.erase = true;
  ASSERT_TRUE(store->Append(ReadModelRows({Crossing(3, "P-C", "referred"), Crossing(9, "P-B", "referred"),
                                             erased}))
                  .ok());
  EXPECT_EQ(keys_of("P-A", "", 0, 10), "2: 5 1");
  EXPECT_EQ(keys_of("P-B", "referred", 0, 10), "2: 9 8");
  EXPECT_EQ(keys_of("P-C", "", 0, 10), "2: 6 3");
  // Unfiltered and by outcome alone, as before.
  auto all = store->ListViews("hengqin", "crossing", ViewFilter{}, 0, 100);
  ASSERT_TRUE(all.ok());
  EXPECT_EQ(all->count, 9);
  EXPECT_EQ(all->rows.size(), 9u);
  ViewFilter referred;
  referred.state = "referred";
  auto queue = store->ListViews("hengqin", "crossing", referred, 0, 100);
  ASSERT_TRUE(queue.ok());
  EXPECT_EQ(queue->count, 3);  // 3 (now P-C's), 8 and 9 (now P-B's)
  EXPECT_EQ(queue->rows.size(), static_cast<size_t>(queue->count));
  // Each crossing has one owner key, under its person.
  store.reset();
  EXPECT_EQ(Count(path + ".views",
                  "SELECT count(*) FROM (SELECT zone, kind, owner, key FROM owner_keys UNION ALL "
                  "SELECT zone, kind, owner, key FROM owner_keys_recent) k JOIN views v USING (zone, kind, key) "
                  "WHERE v.owner = k.owner"),
            9);
}

// owner_keys is kept by epoch of 2^17 seqs, then owner: a person's crossings over several epochs
// (one of them empty of theirs) list in key order, both ways, paged and bounded by key, and a
// crossing written again under another person leaves its epoch's keys.
TEST(SqliteViews, APersonsCrossingsOverSeveralEpochsListInKeyOrder) {
  TempDir directory;
  const std::string path = directory.File("epochs.db");
  auto store = OpenMovingKeysEvery(path, 3);
  ASSERT_NE(store, nullptr);
  auto keys_of = [&](const std::string& person, bool descending, size_t offset, size_t limit,
                     const std::string& from = "") {
    ViewFilter filter;
    filter.owner = person;
    filter.descending = descending;
    filter.key_min = from;
    return ListedCrossings(*store, filter, offset, limit);
  };
  const int e = 1 << 17;
  ASSERT_TRUE(store->Append(ReadModelRows({Crossing(5, "P-A", "accepted"), Crossing(e - 1, "P-B", "accepted"),
                                             Crossing(e, "P-A", "accepted"), Crossing(e + 1, "P-B", "accepted")}))
                  .ok());
  ASSERT_TRUE(store->Append(ReadModelRows({Crossing(3 * e + 7, "P-A", "accepted"), Crossing(3 * e + 8, "P-B", "referred"),
                                             Crossing(4 * e, "P-A", "referred"), Crossing(4 * e + 2, "P-C", "accepted")}))
                  .ok());
  ASSERT_TRUE(store->Append(ReadModelRows({Crossing(5 * e + 1, "P-A", "accepted")})).ok());
  EXPECT_GT(Count(path + ".views", "SELECT count(DISTINCT epoch) FROM owner_keys"), 2);
  const std::string a = std::to_string(e), b = std::to_string(3 * e + 7), c = std::to_string(4 * e),
                    d = std::to_string(5 * e + 1);
  EXPECT_EQ(keys_of("P-A", false, 0, 10), "5: 5 " + a + " " + b + " " + c + " " + d);
  EXPECT_EQ(keys_of("P-A", true, 0, 10), "5: " + d + " " + c + " " + b + " " + a + " 5");
  EXPECT_EQ(keys_of("P-A", true, 1, 2), "5: " + c + " " + b);
  char from[24];
  std::snprintf(from, sizeof from, "%020d", 3 * e);
  EXPECT_EQ(keys_of("P-A", false, 0, 10, from), "3: " + b + " " + c + " " + d);
  EXPECT_EQ(keys_of("P-B", false, 0, 10), "3: " + std::to_string(e - 1) + " " + std::to_string(e + 1) + " " +
                                              std::to_string(3 * e + 8));
  EXPECT_EQ(keys_of("P-D", false, 0, 10), "0:");
  // Crossing e (moved, epoch 1) written again as P-C's.
  ASSERT_TRUE(store->Append(ReadModelRows({Crossing(e, "P-C", "accepted")})).ok());
  EXPECT_EQ(keys_of("P-A", false, 0, 10), "4: 5 " + b + " " + c + " " + d);
  EXPECT_EQ(keys_of("P-C", false, 0, 10), "2: " + a + " " + std::to_string(4 * e + 2));
}

// A row whose JSON is longer than a few kilobytes is kept out of the views B-tree, in view_bodies
// (a WITHOUT ROWID table copies the whole of an overflowing row at each comparison on the way
// down to any key near it), and is read, listed, rewritten and erased as any other; a row that
// shrinks, or is erased, leaves no body behind.
TEST(SqliteViews, ALargeRowIsKeptOutOfTheKeysTreeAndReadAsAnyOther) {
  TempDir directory;
  const std::string path = directory.File("bodies.db");
  auto opened = SqliteStore::Open(path, SqliteOptions{});
  ASSERT_TRUE(opened.ok()) << opened.error().message;
  std::unique_ptr<SqliteStore>& store = *opened;
  auto document = [](const std::string& key, const std::string& owner, const std::string& state,
                     size_t size, char fill) {
    std::string json = "{\"id\":\"" + key + "\",\"pad\":\"";
    json += std::string(size, fill) + "\"}";
    return ViewRow{"document", key, owner, state, json, false};
  };
  const ViewRow small_a = document("D-A", "P-1", "declared", 100, 'a');
  const ViewRow large_b = document("D-B", "P-1", "declared", 100'000, 'b');
  const ViewRow large_c = document("D-C", "P-2", "released", 300'000, 'c');
  ASSERT_TRUE(store->Append(ReadModelRows({small_a, large_b, large_c})).ok());
  const std::string views = path + ".views";
  auto bodies = [&] { return Count(views, "SELECT count(*) FROM view_bodies"); };
  EXPECT_EQ(bodies(), 2);
  EXPECT_EQ(Count(views, "SELECT count(*) FROM views WHERE json IS NULL"), 2);
  auto read = [&](const std::string& key) -> std::string {
    auto row = store->ReadView("hengqin", "document", key);
    EXPECT_TRUE(row.ok());
    if (!row.ok() || !*row) return "(none)";
    return (*row)->owner + " " + (*row)->state + " " + (*row)->json;
  };
  auto listed = [&](const ViewFilter& filter) {
    auto page = store->ListViews("hengqin", "document", filter, 0, 10);
    EXPECT_TRUE(page.ok());
    std::string out = std::to_string(page.ok() ? page->count : 0);
    if (page.ok()) {
      for (const ViewRow& row : page->rows) {
        out += " " + row.key + ":" + std::to_string(row.json.size());
      }
    }
    return out;
  };
  auto range = [&] {
    std::string out;
    Status read_status = store->ReadViews("hengqin", [&](ViewReader& reader) -> Status {
      auto rows = reader.ReadRange("document", "D-A", "D-Z");
      if (!rows) return rows.error();
      for (const ViewRow& row : *rows) out += row.key + ":" + std::to_string(row.json.size()) + " ";
      auto some = reader.Read("document", {"D-C"});
      if (!some) return some.error();
      for (const ViewRow& row : *some) out += "/" + row.json.substr(row.json.size() - 4);
      return Status::Ok();
    });
    EXPECT_TRUE(read_status.ok()) << read_status.message();
    return out;
  };
  EXPECT_EQ(read("D-A"), "P-1 declared " + small_a.json);
  EXPECT_EQ(read("D-B"), "P-1 declared " + large_b.json);
  EXPECT_EQ(read("D-C"), "P-2 released " + large_c.json);
  EXPECT_EQ(listed(ViewFilter{}), "3 D-A:121 D-B:100021 D-C:300021");
  ViewFilter by_owner;
  by_owner.owner = "P-1";
  EXPECT_EQ(listed(by_owner), "2 D-A:121 D-B:100021");
  ViewFilter by_state;
  by_state.state = "released";
  EXPECT_EQ(listed(by_state), "1 D-C:300021");
  EXPECT_EQ(range(), "D-A:121 D-B:100021 D-C:300021 /cc\"}");

  // B shrinks in place, A grows into a new state, C is rewritten large, then erased.
  const ViewRow small_b = document("D-B", "P-1", "declared", 10, 'B');
  const ViewRow large_a = document("D-A", "P-1", "released", 50'000, 'A');
  const ViewRow larger_c = document("D-C", "P-2", "released", 400'000, 'C');
  ASSERT_TRUE(store->Append(ReadModelRows({small_b, large_a, larger_c})).ok());
  EXPECT_EQ(read("D-A"), "P-1 released " + large_a.json);
  EXPECT_EQ(read("D-B"), "P-1 declared " + small_b.json);
  EXPECT_EQ(read("D-C"), "P-2 released " + larger_c.json);
  EXPECT_EQ(bodies(), 2) << "A's and C's";
  EXPECT_EQ(listed(by_state), "2 D-A:50021 D-C:400021");
  ViewRow erased = larger_c;
  erased.erase = true;
  ASSERT_TRUE(store->Append(ReadModelRows({erased})).ok());
  EXPECT_EQ(read("D-C"), "(none)");
  EXPECT_EQ(bodies(), 1) << "A's";
  EXPECT_EQ(listed(ViewFilter{}), "2 D-A:50021 D-B:31");
  EXPECT_EQ(range(), "D-A:50021 D-B:31 ");
}

TEST(SqliteSchema, AForeignFileWhereTheReadModelsGoIsRefused) {
  TempDir directory;
  const std::string path = directory.File("foreign.db");
  {
    sqlite3* db = nullptr;
    ASSERT_EQ(sqlite3_open_v2((path + ".views").c_str(), &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, nullptr),
              SQLITE_OK);
    EXPECT_EQ(sqlite3_exec(db, "CREATE TABLE mine (x); PRAGMA application_id = 42;", nullptr, nullptr, nullptr),
              SQLITE_OK);
    sqlite3_close(db);
  }
  auto store = SqliteStore::Open(path, SqliteOptions{});
  ASSERT_FALSE(store.ok());
  EXPECT_NE(store.error().message.find("not the read models"), std::string::npos) << store.error().message;
  EXPECT_EQ(Count(path + ".views", "SELECT count(*) FROM sqlite_schema WHERE name = 'mine'"), 1);
}

}  // namespace
}  // namespace twoline::store
