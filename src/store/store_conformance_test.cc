// The Store conformance suite: every test runs against MemoryStore, SqliteStore, JournalStore and
// PgStore, so that all keep the contract of store.h (atomic, chain-continuing appends; sticky
// failure; read models in the same transaction; generic view rows; snapshots; tokens) and the
// ZoneSet built on them replays, verifies and repairs alike. A journal file holds one zone and no
// tokens, and keeps its read models in memory: the tests of several zones, of tokens and of stored
// read models that lag are skipped for it (Backend::multi_zone, tokens, persistent_read_models).
#include <sqlite3.h>

#include <cstring>
#include <fstream>
#include <iterator>
#include <functional>

#include "engine/goods_queries.h"
#include "engine/queries.h"
#include "pg_test_cluster.h"
#include "service_test_util.h"
#include "journal/entry.h"
#include "store/goods_reads.h"
#include "journal/merkle_leaf.h"
#include "store/journal_store.h"
#include "store/memory_store.h"
#include "store/pg_store.h"
#include "store/snapshotter.h"
#include "store/sqlite_store.h"
#include "store/stored_tree.h"
#include "store/zone_set.h"
#include "journal/snapshot.h"

namespace twoline::store {
namespace {

using testing::TempDir;

// A backend under test, with the ways to damage it that the tests need.
class Backend {
 public:
  virtual ~Backend() = default;
  virtual Store& store() = 0;
  // Closes and reopens (MemoryStore keeps its contents; it only forgets a sticky failure by
  // being replaced, which the tests never need).
  virtual void Reopen() = 0;
  virtual void CorruptLine(const std::string& zone, uint64_t seq, const std::string& line) = 0;
  virtual void SetReadModelSeq(const std::string& zone, uint64_t seq) = 0;
  // Replaces the stored leaf hash of one entry.
  virtual void CorruptLeaf(const std::string& zone, uint64_t seq, const Hash256& leaf) = 0;
  virtual bool multi_zone() const { return true; }
  virtual bool tokens() const { return true; }
  virtual bool persistent_read_models() const { return true; }
};

class MemoryBackend : public Backend {
 public:
  Store& store() override { return store_; }
  void Reopen() override {}
  void CorruptLine(const std::string& zone, uint64_t seq, const std::string& line) override {
    store_.CorruptEntryLine(zone, seq, line);
  }
  void SetReadModelSeq(const std::string& zone, uint64_t seq) override {
    store_.SetReadModelSeq(zone, seq);
  }
  void CorruptLeaf(const std::string& zone, uint64_t seq, const Hash256& leaf) override {
    store_.CorruptLeafHash(zone, seq, leaf);
  }

 private:
  MemoryStore store_;
};

class SqliteBackend : public Backend {
 public:
  SqliteBackend() { Reopen(); }
  Store& store() override { return *store_; }
  void Reopen() override {
    store_.reset();
    auto opened = SqliteStore::Open(directory_.File("test.db"), SqliteOptions{});
    ASSERT_TRUE(opened.ok()) << opened.error().message;
    store_ = std::move(*opened);
  }
  void CorruptLine(const std::string& zone, uint64_t seq, const std::string& line) override {
    Execute("UPDATE journal SET line = '" + Quote(line) + "' WHERE zone = '" + zone +
            "' AND seq = " + std::to_string(seq));
  }
  void SetReadModelSeq(const std::string& zone, uint64_t seq) override {
    // The read models' own file (sqlite_store.h).
    Execute("UPDATE view_zones SET read_model_seq = " + std::to_string(seq) + " WHERE zone = '" + zone + "'",
            ".views");
  }
  void CorruptLeaf(const std::string& zone, uint64_t seq, const Hash256& leaf) override {
    Execute("UPDATE journal SET leaf = X'" + ToHex(leaf) + "' WHERE zone = '" + zone +
            "' AND seq = " + std::to_string(seq));
  }

 private:
  static std::string Quote(const std::string& text) {
    std::string out;
    for (char c : text) out += c == '\'' ? std::string("''") : std::string(1, c);
    return out;
  }
  // Changes the file behind the store's back, as an intruder or a disk fault would.
  void Execute(const std::string& sql, const std::string& suffix = "") {
    store_.reset();  // no write of the store's own crosses the change
    sqlite3* db = nullptr;
    ASSERT_EQ(sqlite3_open_v2(directory_.File("test.db" + suffix).c_str(), &db, SQLITE_OPEN_READWRITE, nullptr), SQLITE_OK);
    char* message = nullptr;
    EXPECT_EQ(sqlite3_exec(db, sql.c_str(), nullptr, nullptr, &message), SQLITE_OK) << (message ? message : "");
    sqlite3_free(message);
    sqlite3_close(db);
    Reopen();
  }
  TempDir directory_;
  std::unique_ptr<SqliteStore> store_;
};

class JournalBackend : public Backend {
 public:
  JournalBackend() { Reopen(); }
  Store& store() override { return *store_; }
  void Reopen() override {
    store_.reset();
    auto opened = JournalStore::Open(directory_.File("test.journal"), JournalStoreOptions{});
    ASSERT_TRUE(opened.ok()) << opened.error().message;
    store_ = std::move(*opened);
  }
  void CorruptLine(const std::string&, uint64_t seq, const std::string& line) override {
    std::string path = directory_.File("test.journal");
    std::ifstream in(path);
    std::string text, each;
    for (uint64_t n = 1; std::getline(in, each); ++n) text += (n == seq ? line : each) + "\n";
    in.close();
    std::ofstream(path, std::ios::trunc) << text;
    Reopen();
  }
  void SetReadModelSeq(const std::string&, uint64_t) override {}
  // The derived leaves file, where a middle entry's leaf hash is not checked on open (only replay
  // checks it).
  void CorruptLeaf(const std::string&, uint64_t seq, const Hash256& leaf) override {
    store_.reset();
    std::fstream file(directory_.File("test.journal.leaves"), std::ios::in | std::ios::out | std::ios::binary);
    file.seekp(static_cast<std::streamoff>((seq - 1) * 32));
    file.write(reinterpret_cast<const char*>(leaf.data()), 32);
    file.close();
    Reopen();
  }
  bool multi_zone() const override { return false; }
  bool tokens() const override { return false; }
  bool persistent_read_models() const override { return false; }

 private:
  TempDir directory_;
  std::unique_ptr<JournalStore> store_;
};

// PostgreSQL: a schema of its own in the process's throwaway cluster (tests/pg_test_cluster.h).
class PgBackend : public Backend {
 public:
  PgBackend() {
    testing::PgTestCluster* cluster = testing::PgTestCluster::Shared();
    if (cluster != nullptr) conninfo_ = cluster->NewDatabase();
    Reopen();
  }
  Store& store() override { return *store_; }
  void Reopen() override {
    store_.reset();
    auto opened = PgStore::Open(conninfo_, PgStoreOptions{});
    ASSERT_TRUE(opened.ok()) << opened.error().message;
    store_ = std::move(*opened);
  }
  void CorruptLine(const std::string& zone, uint64_t seq, const std::string& line) override {
    Execute("UPDATE journal SET line = $1 WHERE zone = $2 AND seq = $3",
            PgParams().Text(line).Text(zone).Int(static_cast<int64_t>(seq)));
  }
  void SetReadModelSeq(const std::string& zone, uint64_t seq) override {
    Execute("UPDATE zones SET read_model_seq = $1 WHERE zone = $2",
            PgParams().Int(static_cast<int64_t>(seq)).Text(zone));
  }
  void CorruptLeaf(const std::string& zone, uint64_t seq, const Hash256& leaf) override {
    Execute("UPDATE journal SET leaf = $1 WHERE zone = $2 AND seq = $3",
            PgParams().Bytes(leaf.data(), leaf.size()).Text(zone).Int(static_cast<int64_t>(seq)));
  }

 private:
  // Changes the database behind the store's back, as an intruder would.
  void Execute(const std::string& sql, const PgParams& params) {
    auto connection = PgConnection::Connect(conninfo_, PgOptions{});
    ASSERT_TRUE(connection.ok()) << connection.error().message;
    auto result = (*connection)->Query(sql, params);
    ASSERT_TRUE(result.ok()) << result.error().message;
    EXPECT_EQ(result->changed(), 1);
    Reopen();
  }
  std::string conninfo_;
  std::unique_ptr<PgStore> store_;
};

using BackendFactory = std::function<std::unique_ptr<Backend>()>;

class StoreConformance : public ::testing::TestWithParam<std::pair<const char*, BackendFactory>> {
 protected:
  void SetUp() override { backend_ = GetParam().second(); }
  Store& store() { return backend_->store(); }

  // A well-formed journal line (journal/entry.h) for seq in zone, with `text` in its command.
  static EntryRecord Entry(const std::string& zone, uint64_t seq, const std::string& text) {
    return testing::JournalEntryRecord(zone, seq, text);
  }

  static AppendBatch Entries(const std::string& zone, uint64_t first, uint64_t last) {
    AppendBatch batch;
    for (uint64_t seq = first; seq <= last; ++seq) {
      batch.entries.push_back(Entry(zone, seq, "e" + std::to_string(seq)));
    }
    return batch;
  }
  // Loads a ZoneSet, failing the test on error.
  std::unique_ptr<ZoneSet> Load() {
    auto zones = ZoneSet::Load(store(), true, nullptr);
    EXPECT_TRUE(zones.ok()) << (zones.ok() ? "" : zones.error().message);
    return zones.ok() ? std::move(*zones) : nullptr;
  }
  // Corrupts hengqin's entry `seq` of a DecideADay into a well-formed, canonical line whose content
  // no longer matches its hash: the command's date moved.
  void MoveTheDateOf(uint64_t seq) {
    auto entries = store().ReadEntries("hengqin", seq, 1);
    ASSERT_TRUE(entries.ok() && entries->size() == 1);
    std::string line = entries->front().line;
    size_t at = line.find("\"at\":\"2026-03-02T");
    ASSERT_NE(at, std::string::npos) << line;
    line.replace(at, 17, "\"at\":\"2026-03-03T");
    backend_->CorruptLine("hengqin", seq, line);
  }
  // A new database holding hengqin with the first two thirds of a simulated day decided (so that
  // some travellers are still inside).
  std::vector<Answer> DecideADay(int persons = 300) {
    auto zones = Load();
    testing::PutInForce(*zones, store(), {"hengqin"});
    std::vector<std::string> day = testing::SimulatedDay("hengqin", persons, 11);
    day.resize(day.size() * 2 / 3);
    return testing::DecideAll(*zones, store(), "hengqin", day);
  }

  // Every generic row of `kinds` in the store equals the rows of a rebuild (`expected`).
  // (Crossing rows are those the rebuild's tracker saw replayed: attach it before the replay.)
  void ExpectViewsEqual(const ReadModelChanges& expected, const std::vector<std::string>& kinds,
                        const std::string& zone = "hengqin") {
    for (const std::string& kind : kinds) {
      std::vector<std::string> want, have;
      for (const ViewRow& row : expected.views) {
        if (row.kind == kind && !row.erase) want.push_back(row.key + " " + row.owner + " " + row.state + " " + row.json);
      }
      for (size_t offset = 0;; offset += kReadRowsMax) {
        auto page = store().ListViews(zone, kind, {}, offset, kReadRowsMax);
        ASSERT_TRUE(page.ok()) << page.error().message;
        for (const ViewRow& row : page->rows) have.push_back(row.key + " " + row.owner + " " + row.state + " " + row.json);
        if (page->rows.size() < kReadRowsMax) break;
      }
      std::sort(want.begin(), want.end());
      std::sort(have.begin(), have.end());
      EXPECT_FALSE(want.empty()) << kind << ": the simulated day writes some";
      EXPECT_EQ(have, want) << kind;
    }
  }

  // The store's read models equal a rebuild from a replay of the whole journal: presence,
  // balances and the rows of `kinds`. Returns the replayed zone's state hash.
  Hash256 ExpectReadModelsOfAReplay(const std::vector<std::string>& kinds) {
    auto records = store().Zones();
    EXPECT_TRUE(records.ok());
    if (!records.ok()) return {};
    EXPECT_EQ(records->front().read_model_seq, records->front().entries);
    Zone replayed;
    replayed.tracker.Attach(&replayed.chain.engine());
    EXPECT_TRUE(ReplayZone(store(), records->front(), &replayed).ok());
    ReadModelChanges expected = replayed.tracker.Take(replayed.chain.engine(), replayed.chain.entries(), true);
    auto presence = store().ReadPresence("hengqin", 0, kReadRowsMax);
    EXPECT_TRUE(presence.ok());
    if (presence.ok()) {
      EXPECT_EQ(PresencePageJson("hengqin", *presence, 0),
                engine::PresenceJson(replayed.chain.engine(), 0, SIZE_MAX));
    }
    const engine::Engine& engine = replayed.chain.engine();
    EXPECT_FALSE(engine.state().parties.empty());
    for (const engine::Party& party : engine.state().parties) {
      auto stored = ReadBalance(store(), "hengqin", party.id);
      EXPECT_TRUE(stored.ok() && stored->has_value()) << party.id;
      if (stored.ok() && stored->has_value()) {
        EXPECT_EQ(**stored, engine::BalanceJson(engine, party.id)) << party.id;
      }
    }
    ExpectViewsEqual(expected, kinds);
    return replayed.chain.engine().StateHash();
  }

  // Submits `command` to the zone's chain, takes the read-model rows it touched as a batch takes
  // them, and appends the entry with them; returns the rows taken.
  ReadModelChanges SubmitAndAppend(Zone& zone, const engine::Command& command) {
    journal::Chain::Submitted submitted = zone.chain.Submit(command);
    EXPECT_TRUE(submitted.entry.has_value()) << submitted.wire;
    if (!submitted.entry) return ReadModelChanges{};
    EXPECT_NE(submitted.wire.find("\"outcome\":\"accepted\""), std::string::npos) << submitted.wire;
    zone.tracker.Observe(command, submitted.entry->seq, submitted.entry->decision);
    ReadModelChanges changes = zone.tracker.Take(zone.chain.engine(), submitted.entry->seq, false);
    AppendBatch batch;
    EntryRecord record;
    record.zone = zone.chain.engine().profile().id;
    record.seq = submitted.entry->seq;
    record.command_id = command.id;
    record.hash = submitted.entry->hash;
    record.line = journal::EntryToJsonLine(*submitted.entry);
    record.leaf_hash = zone.chain.last_leaf_hash();
    batch.entries.push_back(std::move(record));
    batch.read_models.push_back(changes);
    EXPECT_TRUE(store().Append(batch).ok());
    return changes;
  }

  std::unique_ptr<Backend> backend_;
};

TEST_P(StoreConformance, AppendedEntriesReadBackInOrder) {
  ASSERT_TRUE(store().Append(Entries("hengqin", 1, 5)).ok());
  auto entries = store().ReadEntries("hengqin", 1, 100);
  ASSERT_TRUE(entries.ok());
  ASSERT_EQ(entries->size(), 5u);
  for (uint64_t seq = 1; seq <= 5; ++seq) {
    const EntryRecord& entry = (*entries)[seq - 1];
    EXPECT_EQ(entry.seq, seq);
    EXPECT_EQ(entry.line, Entry("hengqin", seq, "e" + std::to_string(seq)).line);
    EXPECT_EQ(entry.hash, Entry("hengqin", seq, "e" + std::to_string(seq)).hash);
    EXPECT_EQ(entry.command_id, "c-" + std::to_string(seq));
  }
}

// The deciding thread hands entries over unrendered (CommitBatch::Record); the store renders each
// line before it appends, and what is stored and read back is the line itself.
TEST_P(StoreConformance, EntriesHandedOverUnrenderedAreStoredAsTheirLines) {
  AppendBatch batch = Entries("hengqin", 1, 3);
  for (EntryRecord& record : batch.entries) {
    auto entry = journal::EntryFromJsonLine(record.line);
    ASSERT_TRUE(entry.ok()) << entry.error().message;
    entry->hash = record.hash;
    record.unrendered = std::move(*entry);
    record.line.clear();
  }
  ASSERT_TRUE(store().Append(std::move(batch)).ok());
  auto entries = store().ReadEntries("hengqin", 1, 100);
  ASSERT_TRUE(entries.ok());
  ASSERT_EQ(entries->size(), 3u);
  for (uint64_t seq = 1; seq <= 3; ++seq) {
    const EntryRecord& stored = (*entries)[seq - 1];
    EXPECT_EQ(stored.line, Entry("hengqin", seq, "e" + std::to_string(seq)).line);
    EXPECT_FALSE(stored.unrendered.has_value());
  }
  // And the chain goes on from them.
  ASSERT_TRUE(store().Append(Entries("hengqin", 4, 4)).ok());
  auto records = store().Zones();
  ASSERT_TRUE(records.ok());
  EXPECT_EQ(records->front().entries, 4u);
}

TEST_P(StoreConformance, ZoneRecordHoldsLastSeqAndHead) {
  ASSERT_TRUE(store().Append(Entries("hengqin", 1, 3)).ok());
  ASSERT_TRUE(store().Append(Entries("hengqin", 4, 4)).ok());
  auto zones = store().Zones();
  ASSERT_TRUE(zones.ok());
  ASSERT_EQ(zones->size(), 1u);
  EXPECT_EQ(zones->front().zone, "hengqin");
  EXPECT_EQ(zones->front().entries, 4u);
  EXPECT_EQ(zones->front().head, Entry("hengqin", 4, "e4").hash);
}

TEST_P(StoreConformance, ChainsOfZonesAreIndependent) {
  if (!backend_->multi_zone()) GTEST_SKIP() << "a journal file holds one zone";
  AppendBatch batch = Entries("hengqin", 1, 2);
  AppendBatch other = Entries("nansha", 1, 3);
  batch.entries.insert(batch.entries.end(), other.entries.begin(), other.entries.end());
  ASSERT_TRUE(store().Append(batch).ok());
  ASSERT_TRUE(store().Append(Entries("nansha", 4, 4)).ok());
  auto zones = store().Zones();
  ASSERT_TRUE(zones.ok());
  ASSERT_EQ(zones->size(), 2u);
  EXPECT_EQ((*zones)[0].zone, "hengqin");
  EXPECT_EQ((*zones)[0].entries, 2u);
  EXPECT_EQ((*zones)[1].zone, "nansha");
  EXPECT_EQ((*zones)[1].entries, 4u);
}

TEST_P(StoreConformance, AppendNotContinuingTheChainIsRefusedWhole) {
  if (!backend_->multi_zone()) GTEST_SKIP() << "a journal file holds one zone";
  ASSERT_TRUE(store().Append(Entries("hengqin", 1, 2)).ok());
  AppendBatch batch = Entries("nansha", 1, 1);  // fine on its own
  AppendBatch gap = Entries("hengqin", 4, 4);   // seq 3 is missing
  batch.entries.insert(batch.entries.end(), gap.entries.begin(), gap.entries.end());
  EXPECT_FALSE(store().Append(batch).ok());
  auto zones = store().Zones();
  ASSERT_TRUE(zones.ok());
  ASSERT_EQ(zones->size(), 1u) << "nothing of a refused batch may be stored";
  EXPECT_EQ(zones->front().entries, 2u);
  EXPECT_TRUE(store().failed());
}

TEST_P(StoreConformance, FailureIsSticky) {
  ASSERT_TRUE(store().Append(Entries("hengqin", 1, 1)).ok());
  EXPECT_FALSE(store().Append(Entries("hengqin", 1, 1)).ok());  // seq 1 again
  EXPECT_FALSE(store().Append(Entries("hengqin", 2, 2)).ok()) << "writes must stay stopped";
  auto entries = store().ReadEntries("hengqin", 1, 10);
  ASSERT_TRUE(entries.ok()) << "reads go on";
  EXPECT_EQ(entries->size(), 1u);
}

TEST_P(StoreConformance, ReadEntriesPagesFromASeq) {
  ASSERT_TRUE(store().Append(Entries("hengqin", 1, 10)).ok());
  auto page = store().ReadEntries("hengqin", 4, 3);
  ASSERT_TRUE(page.ok());
  ASSERT_EQ(page->size(), 3u);
  EXPECT_EQ(page->front().seq, 4u);
  EXPECT_EQ(page->back().seq, 6u);
  auto beyond = store().ReadEntries("hengqin", 11, 3);
  ASSERT_TRUE(beyond.ok());
  EXPECT_TRUE(beyond->empty());
  auto unknown = store().ReadEntries("nowhere", 1, 3);
  ASSERT_TRUE(unknown.ok());
  EXPECT_TRUE(unknown->empty());
}

TEST_P(StoreConformance, ScanEntriesStopsAtThroughSeq) {
  ASSERT_TRUE(store().Append(Entries("hengqin", 1, 10)).ok());
  std::vector<uint64_t> seen;
  Status status = store().ScanEntries("hengqin", 3, 7, [&](const EntryRecord& entry) {
    seen.push_back(entry.seq);
    return Status::Ok();
  });
  ASSERT_TRUE(status.ok());
  EXPECT_EQ(seen, (std::vector<uint64_t>{3, 4, 5, 6, 7}));
}

TEST_P(StoreConformance, ReadModelsAreWrittenWithTheirEntries) {
  AppendBatch batch = Entries("hengqin", 1, 2);
  ReadModelChanges changes;
  changes.zone = "hengqin";
  changes.through_seq = 2;
  changes.inside = {{"P1", "2026-03-01T08:00:00+08:00", "G1"}, {"P2", "2026-03-01T09:00:00+08:00", "G2"}};
  changes.views = {{"balance", "ACME", "ACME", "", "{\"b\":1}", false},
                   {"balance_lot", "ACME OIL 01", "ACME", "bonded", "{\"l\":1}", false},
                   {"balance_lot", "ACME OIL 02", "ACME", "bonded", "{\"l\":2}", false}};
  batch.read_models.push_back(changes);
  ASSERT_TRUE(store().Append(batch).ok());

  AppendBatch next = Entries("hengqin", 3, 3);
  ReadModelChanges more;
  more.zone = "hengqin";
  more.through_seq = 3;
  more.outside = {"P1"};
  more.views = {{"balance", "ACME", "ACME", "", "{\"b\":2}", false},
                {"balance_lot", "ACME OIL 01", "", "", "", true},
                {"balance_lot", "ACME OIL 03", "ACME", "bonded", "{\"l\":3}", false},
                {"balance_lot", "ACME OIL 02", "ACME", "bonded", "{\"l\":22}", false}};
  next.read_models.push_back(more);
  ASSERT_TRUE(store().Append(next).ok());

  auto page = store().ReadPresence("hengqin", 0, 10);
  ASSERT_TRUE(page.ok());
  EXPECT_EQ(page->count, 1);
  ASSERT_EQ(page->rows.size(), 1u);
  EXPECT_EQ(page->rows[0].person, "P2");
  EXPECT_EQ(page->rows[0].gate, "G2");
  // A balance is its row and its party's live lots in key order; a used-up lot's row is gone.
  auto balance = ReadBalance(store(), "hengqin", "ACME");
  ASSERT_TRUE(balance.ok() && balance->has_value());
  EXPECT_EQ(**balance, "{\"b\":2,\"lots\":[{\"l\":22},{\"l\":3}]}\n");
  auto missing = ReadBalance(store(), "hengqin", "NOBODY");
  ASSERT_TRUE(missing.ok());
  EXPECT_FALSE(missing->has_value());
  auto zones = store().Zones();
  ASSERT_TRUE(zones.ok());
  EXPECT_EQ(zones->front().read_model_seq, 3u);
}

// A balance of more live lots than one read takes is read whole, in key order, and only its own:
// not the lots of a party whose id starts with it, nor of one whose id it starts with.
TEST_P(StoreConformance, ABalanceOfMoreLotsThanOneReadTakesIsReadWhole) {
  AppendBatch batch = Entries("hengqin", 1, 1);
  ReadModelChanges changes;
  changes.zone = "hengqin";
  changes.through_seq = 1;
  const size_t lots = kReadRowsMax + 50;
  std::string expected = "{\"party\":\"ACME\",\"lots\":[";
  for (const char* party : {"ACM", "ACME", "ACME-2", "ACMF"}) {
    changes.views.push_back({"balance", party, party, "", std::string("{\"party\":\"") + party + "\"}", false});
    for (size_t i = 1; i <= (std::string(party) == "ACME" ? lots : 3); ++i) {
      for (const char* sku : {"B", "A"}) {
        if (std::string(party) != "ACME" && std::string(sku) == "A") continue;
        std::string json = std::string("{\"") + party + "\":\"" + sku + std::to_string(i) + "\"}";
        changes.views.push_back({"balance_lot", BalanceLotKey(party, sku, i), party, "bonded", json, false});
      }
    }
  }
  for (const char* sku : {"A", "B"}) {
    for (size_t i = 1; i <= lots; ++i) {
      expected += std::string(expected.back() == '[' ? "" : ",") + "{\"ACME\":\"" + sku + std::to_string(i) + "\"}";
    }
  }
  expected += "]}\n";
  batch.read_models.push_back(std::move(changes));
  ASSERT_TRUE(store().Append(batch).ok());
  auto balance = ReadBalance(store(), "hengqin", "ACME");
  ASSERT_TRUE(balance.ok()) << balance.error().message;
  ASSERT_TRUE(balance->has_value());
  EXPECT_EQ(**balance, expected);
}

TEST_P(StoreConformance, ReplaceAllClearsOnlyItsZone) {
  if (!backend_->multi_zone()) GTEST_SKIP() << "a journal file holds one zone";
  AppendBatch batch = Entries("hengqin", 1, 1);
  AppendBatch other = Entries("nansha", 1, 1);
  batch.entries.push_back(other.entries[0]);
  for (const char* zone : {"hengqin", "nansha"}) {
    ReadModelChanges changes;
    changes.zone = zone;
    changes.through_seq = 1;
    changes.inside = {{"P1", "t", "G"}};
    batch.read_models.push_back(changes);
  }
  ASSERT_TRUE(store().Append(batch).ok());
  AppendBatch rebuild;
  ReadModelChanges changes;
  changes.zone = "hengqin";
  changes.through_seq = 1;
  changes.replace_all = true;
  changes.inside = {{"P9", "t", "G"}};
  rebuild.read_models.push_back(changes);
  ASSERT_TRUE(store().Append(rebuild).ok());
  auto hengqin = store().ReadPresence("hengqin", 0, 10);
  auto nansha = store().ReadPresence("nansha", 0, 10);
  ASSERT_TRUE(hengqin.ok() && nansha.ok());
  ASSERT_EQ(hengqin->rows.size(), 1u);
  EXPECT_EQ(hengqin->rows[0].person, "P9");
  ASSERT_EQ(nansha->rows.size(), 1u);
  EXPECT_EQ(nansha->rows[0].person, "P1");
}

TEST_P(StoreConformance, PresencePagesAreSortedAndCounted) {
  AppendBatch batch = Entries("hengqin", 1, 1);
  ReadModelChanges changes;
  changes.zone = "hengqin";
  changes.through_seq = 1;
  for (const char* person : {"P3", "P1", "P5", "P2", "P4"}) changes.inside.push_back({person, "t", "G"});
  batch.read_models.push_back(changes);
  ASSERT_TRUE(store().Append(batch).ok());
  auto page = store().ReadPresence("hengqin", 1, 2);
  ASSERT_TRUE(page.ok());
  EXPECT_EQ(page->count, 5);
  ASSERT_EQ(page->rows.size(), 2u);
  EXPECT_EQ(page->rows[0].person, "P2");
  EXPECT_EQ(page->rows[1].person, "P3");
  auto past = store().ReadPresence("hengqin", 9, 2);
  ASSERT_TRUE(past.ok());
  EXPECT_EQ(past->count, 5);
  EXPECT_TRUE(past->rows.empty());
  // One person's row, by id and zone.
  auto p4 = store().ReadPresenceOf("hengqin", "P4");
  ASSERT_TRUE(p4.ok());
  ASSERT_TRUE(p4->has_value());
  EXPECT_EQ((*p4)->person, "P4");
  EXPECT_EQ((*p4)->entered_at, "t");
  EXPECT_EQ((*p4)->gate, "G");
  for (const auto& [zone, person] :
       {std::pair{"hengqin", "P6"}, {"hengqin", "P"}, {"qianhai", "P4"}}) {
    auto none = store().ReadPresenceOf(zone, person);
    ASSERT_TRUE(none.ok());
    EXPECT_FALSE(none->has_value()) << zone << " " << person;
  }
}

TEST_P(StoreConformance, TokensAreCreatedListedAndRevoked) {
  if (!backend_->tokens()) GTEST_SKIP() << "a journal file holds no tokens";
  TokenRecord token{"tok_1", Sha256("secret-1"), "officer", "hengqin", "", "2026-01-01T00:00:00Z", ""};
  ASSERT_TRUE(store().CreateToken(token).ok());
  TokenRecord other{"tok_2", Sha256("secret-2"), "declarant", "hengqin", "ACME", "2026-01-02T00:00:00Z", ""};
  ASSERT_TRUE(store().CreateToken(other).ok());
  EXPECT_FALSE(store().CreateToken(token).ok()) << "ids and secret hashes are unique";
  auto revoked = store().RevokeToken("tok_1", "2026-02-01T00:00:00Z");
  ASSERT_TRUE(revoked.ok());
  EXPECT_TRUE(*revoked);
  auto again = store().RevokeToken("tok_1", "2026-02-02T00:00:00Z");
  ASSERT_TRUE(again.ok());
  EXPECT_FALSE(*again);
  auto tokens = store().ListTokens();
  ASSERT_TRUE(tokens.ok());
  ASSERT_EQ(tokens->size(), 2u);
  EXPECT_EQ((*tokens)[0].id, "tok_1");
  EXPECT_EQ((*tokens)[0].revoked_at, "2026-02-01T00:00:00Z");
  EXPECT_EQ((*tokens)[0].secret_hash, Sha256("secret-1"));
  EXPECT_EQ((*tokens)[1].party, "ACME");
  EXPECT_TRUE((*tokens)[1].revoked_at.empty());
}

TEST_P(StoreConformance, ReloadedZonesReachTheLiveStateAndHead) {
  if (!backend_->multi_zone()) GTEST_SKIP() << "a journal file holds one zone";
  auto zones = Load();
  testing::PutInForce(*zones, store(), {"hengqin", "hetao-sz"});
  testing::DecideAll(*zones, store(), "hengqin", testing::SimulatedDay("hengqin", 300, 5));
  testing::DecideAll(*zones, store(), "hetao-sz", testing::SimulatedDay("hetao-sz", 200, 6));
  backend_->Reopen();
  auto reloaded = Load();
  ASSERT_NE(reloaded, nullptr);
  for (const char* id : {"hengqin", "hetao-sz"}) {
    const Zone* live = zones->Find(id);
    const Zone* replayed = reloaded->Find(id);
    ASSERT_NE(replayed, nullptr);
    EXPECT_EQ(replayed->chain.entries(), live->chain.entries());
    EXPECT_EQ(replayed->chain.head(), live->chain.head());
    EXPECT_EQ(replayed->chain.engine().StateHash(), live->chain.engine().StateHash());
  }
}

TEST_P(StoreConformance, CorruptedMiddleEntryIsNamedBySeq) {
  DecideADay();
  ASSERT_NO_FATAL_FAILURE(MoveTheDateOf(40));
  auto zones = ZoneSet::Load(store(), true, nullptr);
  ASSERT_FALSE(zones.ok());
  EXPECT_NE(zones.error().message.find("zone hengqin: seq 40: "), std::string::npos)
      << zones.error().message;
}

// A tail long enough to be replayed on several threads (store/zone_set.cc: one reads, two
// prepare alternate batches of 512 entries, this one replays in order) reaches the live state, and
// a corrupted entry stops it at its own seq whichever preparer had it, every thread ending.
TEST_P(StoreConformance, ALongTailReplayedOnSeveralThreadsReachesTheLiveStateOrNamesTheBadSeq) {
  DecideADay(2500);
  auto zones = Load();
  ASSERT_NE(zones, nullptr);
  const Zone* live = zones->Find("hengqin");
  ASSERT_NE(live, nullptr);
  // Long enough to be pipelined (4,096 entries or more) and to hold batch 9.
  ASSERT_GT(live->chain.entries(), 10u * 512u);
  backend_->Reopen();
  auto reloaded = Load();
  ASSERT_NE(reloaded, nullptr);
  EXPECT_EQ(reloaded->Find("hengqin")->chain.head(), live->chain.head());
  EXPECT_EQ(reloaded->Find("hengqin")->chain.engine().StateHash(), live->chain.engine().StateHash());
  // Batches 4 and 9 (0-based), dealt to different preparers; the later one first.
  for (uint64_t seq : {9u * 512u + 77u, 4u * 512u + 300u}) {
    ASSERT_NO_FATAL_FAILURE(MoveTheDateOf(seq));
    auto failed = ZoneSet::Load(store(), true, nullptr);
    ASSERT_FALSE(failed.ok());
    EXPECT_NE(failed.error().message.find("zone hengqin: seq " + std::to_string(seq) + ": "), std::string::npos)
        << failed.error().message;
  }
}

TEST_P(StoreConformance, LaggingReadModelsAreRebuiltOnLoad) {
  if (!backend_->persistent_read_models()) GTEST_SKIP() << "read models kept in memory";
  DecideADay();
  auto before = store().ReadPresence("hengqin", 0, kReadRowsMax);
  ASSERT_TRUE(before.ok());
  ASSERT_GT(before->count, 0);
  backend_->SetReadModelSeq("hengqin", 1);
  std::vector<std::string> rebuilt;
  auto zones = ZoneSet::Load(store(), true, &rebuilt);
  ASSERT_TRUE(zones.ok());
  EXPECT_EQ(rebuilt, std::vector<std::string>{"hengqin"});
  auto record = store().Zones();
  ASSERT_TRUE(record.ok());
  EXPECT_EQ(record->front().read_model_seq, record->front().entries);
  auto after = store().ReadPresence("hengqin", 0, kReadRowsMax);
  ASSERT_TRUE(after.ok());
  EXPECT_EQ(after->count, before->count);
  EXPECT_EQ(PresencePageJson("hengqin", *after, 0), PresencePageJson("hengqin", *before, 0));
}

TEST_P(StoreConformance, IncrementalReadModelsEqualARebuild) {
  DecideADay(400);
  ExpectReadModelsOfAReplay({"declaration", "document", "lot", "balance", "balance_lot", "open", "flow",
                             "movement", "person", "crossing"});
}

// Decides `lines` through `batch`, sealing every `per_batch` commands; batch n takes its
// read-model rows only when take(n) says so, and each batch carries at most `rows_max` of the rows
// taken (store/writer.h). Appends every sealed batch. Returns the zone's read-model seq after each
// append, with the zone's entries then.
std::vector<std::pair<uint64_t, uint64_t>> DecideSpreading(Store& store, CommitBatch& batch,
                                                           const std::vector<std::string>& lines,
                                                           size_t per_batch,
                                                           const std::function<bool(size_t)>& take,
                                                           size_t rows_max) {
  std::vector<std::pair<uint64_t, uint64_t>> seqs;
  size_t sealed = 0;
  auto append = [&](bool take_now) {
    AppendBatch appended = batch.Seal(take_now, rows_max);
    Status status = appended.empty() ? Status::Ok() : store.Append(appended);
    EXPECT_TRUE(status.ok()) << status.message();
    batch.Committed();
    auto records = store.Zones();
    EXPECT_TRUE(records.ok());
    if (records.ok()) seqs.emplace_back(records->front().read_model_seq, records->front().entries);
  };
  for (size_t i = 0; i < lines.size(); ++i) {
    auto answer = batch.Decide("hengqin", testing::ParseOrDie(lines[i]));
    EXPECT_TRUE(answer.ok());
    if (batch.commands() == per_batch || i + 1 == lines.size()) append(take(sealed++));
  }
  return seqs;
}

TEST_P(StoreConformance, ReadModelsLeftToLaterBatchesAndWrittenInPiecesEqualARebuild) {
  auto zones = Load();
  testing::PutInForce(*zones, store(), {"hengqin"});
  std::vector<std::string> day = testing::SimulatedDay("hengqin", 400, 11);
  day.resize(day.size() * 2 / 3);
  // Every fourth batch takes the rows of the three before it; 37 rows a batch at most.
  CommitBatch batch(*zones, store());
  auto seqs = DecideSpreading(store(), batch, day, 50, [](size_t n) { return n % 4 == 3; }, 37);
  bool behind = false, pieces = false;
  for (size_t i = 0; i < seqs.size(); ++i) {
    EXPECT_LE(seqs[i].first, seqs[i].second) << "batch " << i;
    if (seqs[i].first < seqs[i].second) behind = true;
    if (i > 0 && i % 4 == 0 && seqs[i].first == seqs[i - 1].first) pieces = true;
  }
  EXPECT_TRUE(behind) << "batches left their rows to later ones";
  EXPECT_TRUE(pieces) << "a take too large for one batch was written over several";
  // What is left is written by batches of nothing else.
  for (int n = 0; n < 10000 && (batch.read_models_deferred() || batch.read_models_queued()); ++n) {
    AppendBatch appended = batch.Seal(true, 37);
    ASSERT_FALSE(appended.empty());
    ASSERT_TRUE(store().Append(appended).ok());
    batch.Committed();
  }
  EXPECT_FALSE(batch.read_models_deferred() || batch.read_models_queued());
  ExpectReadModelsOfAReplay({"declaration", "document", "lot", "balance", "balance_lot", "open", "flow",
                             "movement", "person", "crossing"});
}

// A crash while batches had left their read-model rows behind: the next load replays from a
// snapshot no newer than the read models, reads the stored day totals where they stopped, and
// writes every row the rest of the journal touched; crossings before the snapshot are kept.
TEST_P(StoreConformance, LaggingReadModelsCatchUpFromAnOlderSnapshotAndKeepEveryCrossing) {
  if (!backend_->persistent_read_models()) GTEST_SKIP() << "read models kept in memory";
  std::vector<std::string> day = testing::SimulatedDay("hengqin", 400, 13);
  const size_t third = day.size() / 3;
  uint64_t first_snapshot = 0, read_models_at = 0;
  {
    auto zones = Load();
    testing::PutInForce(*zones, store(), {"hengqin"});
    testing::DecideAll(*zones, store(), "hengqin", {day.begin(), day.begin() + third});
    const journal::Chain& chain = zones->Find("hengqin")->chain;
    first_snapshot = chain.entries();
    ASSERT_TRUE(store().WriteSnapshot("hengqin", first_snapshot, journal::EncodeSnapshot(chain)).ok());
    testing::DecideAll(*zones, store(), "hengqin", {day.begin() + third, day.begin() + 2 * third});
    read_models_at = chain.entries();
    // The last third leaves every row untaken, as batches under load do before a crash; a
    // snapshot of the state ahead of the read models (which the writer never takes) is ignored.
    CommitBatch batch(*zones, store());
    DecideSpreading(store(), batch, {day.begin() + 2 * third, day.end()}, 50,
                    [](size_t) { return false; }, 37);
    ASSERT_TRUE(store().WriteSnapshot("hengqin", chain.entries() - 10, journal::EncodeSnapshot(chain)).ok());
  }
  auto records = store().Zones();
  ASSERT_TRUE(records.ok());
  ASSERT_EQ(records->front().read_model_seq, read_models_at);
  ASSERT_GT(records->front().entries, read_models_at);
  backend_->Reopen();
  std::vector<std::string> rebuilt;
  std::vector<LoadReport> reports;
  auto zones = ZoneSet::Load(store(), true, &rebuilt, {}, &reports);
  ASSERT_TRUE(zones.ok()) << zones.error().message;
  EXPECT_EQ(rebuilt, std::vector<std::string>{"hengqin"});
  ASSERT_EQ(reports.size(), 1u);
  EXPECT_EQ(reports[0].snapshot_seq, first_snapshot) << "the snapshot no newer than the read models";
  const Hash256 replayed = ExpectReadModelsOfAReplay(
      {"declaration", "document", "lot", "balance", "balance_lot", "flow", "movement", "person",
       "crossing", "stocktake"});
  EXPECT_EQ((*zones)->Find("hengqin")->chain.engine().StateHash(), replayed);
}

TEST_P(StoreConformance, DayTotalsContinueFromTheStoreAfterARestart) {
  if (!backend_->persistent_read_models()) GTEST_SKIP() << "read models kept in memory";
  std::vector<std::string> day = testing::SimulatedDay("hengqin", 400, 11);
  {
    auto zones = Load();
    testing::PutInForce(*zones, store(), {"hengqin"});
    testing::DecideAll(*zones, store(), "hengqin", {day.begin(), day.begin() + day.size() / 2});
  }
  backend_->Reopen();
  auto zones = Load();  // read models current: the totals are read back from the store
  testing::DecideAll(*zones, store(), "hengqin", {day.begin() + day.size() / 2, day.end()});
  auto records = store().Zones();
  ASSERT_TRUE(records.ok());
  Zone replayed;
  replayed.tracker.Attach(&replayed.chain.engine());
  ASSERT_TRUE(ReplayZone(store(), records->front(), &replayed).ok());
  ExpectViewsEqual(replayed.tracker.Take(replayed.chain.engine(), replayed.chain.entries(), true),
                   {"flow", "movement", "stocktake", "document", "lot", "crossing"});
}

TEST_P(StoreConformance, RefusedGoodsAreReportedUntilTheyLeave) {
  auto zones = Load();
  testing::PutInForce(*zones, store(), {"hetao-hk"});
  auto command = [](const std::string& id, const std::string& type, const std::string& body) {
    return "{\"id\":\"" + id + "\",\"zone\":\"hetao-hk\",\"at\":\"2026-03-02T08:00:00+08:00\",\"type\":\"" +
           type + "\"," + body + "}";
  };
  auto declare = [&](const std::string& id, const std::string& kind, const std::string& quantity) {
    return command("c-" + id, "declare",
                   "\"declaration\":{\"id\":\"" + id + "\",\"kind\":\"" + kind +
                       "\",\"declarant\":\"P-F\",\"lines\":[{\"sku\":\"TUNA\",\"qty\":\"" + quantity +
                       "\",\"value\":\"1000.00\",\"currency\":\"CNY\",\"origin\":\"JP-17\","
                       "\"produced_on\":\"2026-02-12\",\"certificates\":[\"health\",\"origin\"]}]}");
  };
  std::vector<Answer> answers = testing::DecideAll(*zones, store(), "hetao-hk", {
      command("p", "register_party", "\"party\":{\"id\":\"P-F\",\"name\":\"Fish\",\"kind\":\"enterprise\","
                                      "\"credit\":\"general\",\"lists\":[]}"),
      command("i", "register_item", "\"item\":{\"sku\":\"TUNA\",\"hs_code\":\"0302.35\",\"description\":"
                                     "\"Tuna\",\"unit\":\"kg\",\"tags\":[]}"),
      declare("D-F", "first_line_in", "10"),
      command("t", "inspect", "\"declaration\":\"D-F\",\"measurements\":[{\"nuclide\":\"Cs-137\","
                               "\"bq_per_kg\":\"5000\"},{\"nuclide\":\"Cs-134\",\"bq_per_kg\":\"0\"},"
                               "{\"nuclide\":\"I-131\",\"bq_per_kg\":\"0\"}]")});
  ASSERT_EQ(answers.size(), 4u);
  ASSERT_NE(answers[2].json.find("\"outcome\":\"held\""), std::string::npos) << answers[2].json;
  const Date first = *ParseDate("2026-01-01"), last = *ParseDate("2026-12-31");
  auto expect_report = [&](const char* refused) {
    auto report = ReadFlowsReport(store(), "hetao-hk", first, last);
    ASSERT_TRUE(report.ok()) << report.error().message;
    EXPECT_EQ(*report, engine::ReportJson(zones->Find("hetao-hk")->chain.engine(), first, last));
    EXPECT_NE(report->find(refused), std::string::npos) << *report;
  };
  expect_report("\"refused\":[{\"party\":\"P-F\",\"sku\":\"TUNA\",\"quantity\":\"10\"}]");
  testing::DecideAll(*zones, store(), "hetao-hk", {declare("D-S1", "scrap", "4")});
  expect_report("\"refused\":[{\"party\":\"P-F\",\"sku\":\"TUNA\",\"quantity\":\"6\"}]");
  testing::DecideAll(*zones, store(), "hetao-hk", {declare("D-S2", "scrap", "6")});
  expect_report("\"refused\":[]");
  auto rows = store().ListViews("hetao-hk", "refused", {}, 0, 10);
  ASSERT_TRUE(rows.ok());
  EXPECT_EQ(rows->count, 0) << "the row goes with the goods";
}

TEST_P(StoreConformance, GoodsReadsFromViewsEqualTheEngine) {
  DecideADay(400);
  auto records = store().Zones();
  ASSERT_TRUE(records.ok());
  Zone replayed;
  ASSERT_TRUE(ReplayZone(store(), records->front(), &replayed).ok());
  const engine::Engine& engine = replayed.chain.engine();
  std::vector<std::string> documents;
  engine.state().goods.declarations.ForEachKey([&](const std::string& id) { documents.push_back(id); });
  for (const auto& [id, record] : engine.state().goods.processes) documents.push_back(id);
  ASSERT_GT(documents.size(), 20u);
  for (const std::string& id : documents) {
    auto declaration = ReadDeclaration(store(), "hengqin", id, "");
    ASSERT_TRUE(declaration.ok()) << declaration.error().message;
    ASSERT_TRUE(declaration->has_value()) << id;
    EXPECT_EQ(**declaration, engine::DeclarationJson(engine, id)) << id;
    auto trace = ReadTrace(store(), "hengqin", id, "");
    ASSERT_TRUE(trace.ok() && trace->has_value()) << id;
    EXPECT_EQ(**trace, engine::TraceJson(engine, id)) << id;
  }
  auto unknown = ReadDeclaration(store(), "hengqin", "NO-SUCH", "");
  ASSERT_TRUE(unknown.ok());
  EXPECT_FALSE(unknown->has_value());
  for (const auto& [from, to] : {std::pair{"2026-01-01", "2026-12-31"}, std::pair{"2026-03-02", "2026-03-02"},
                                 std::pair{"2026-03-03", "2026-03-09"}, std::pair{"2025-01-01", "2025-01-31"}}) {
    Date first = *ParseDate(from), last = *ParseDate(to);
    auto report = ReadFlowsReport(store(), "hengqin", first, last);
    ASSERT_TRUE(report.ok()) << report.error().message;
    EXPECT_EQ(*report, engine::ReportJson(engine, first, last)) << from << " to " << to;
  }
  EXPECT_NE(engine::ReportJson(engine, *ParseDate("2026-01-01"), *ParseDate("2026-12-31")).find("\"flows\":[{"),
            std::string::npos)
      << "the simulated day releases goods";
}

// A command touching a party rewrites its balance's summary and the lots it touched, whatever
// else the party holds: with 300 live lots, a consumption taking from one writes one lot's rows, and
// the balance read back is the engine's, lot for lot, before and after.
TEST_P(StoreConformance, ACommandRewritesTheLotsItTouchedNotEveryLotOfItsParty) {
  auto zones = Load();
  testing::PutInForce(*zones, store(), {"hengqin"});
  const std::string at = "2026-03-02T08:00:00+08:00";
  auto command = [&](const std::string& id, const std::string& body) {
    return "{\"id\":\"" + id + "\",\"zone\":\"hengqin\",\"at\":\"" + at + "\"," + body + "}";
  };
  const std::string line =
      "{\"sku\":\"OIL\",\"qty\":\"1\",\"value\":\"10.00\",\"currency\":\"CNY\",\"origin\":\"FR\","
      "\"certificates\":[]}";
  std::string lines = line;
  for (int i = 1; i < 300; ++i) lines += "," + line;
  testing::DecideWithInspections(*zones, store(), "hengqin", {
      {"officer", command("reg-p", "\"type\":\"register_party\",\"party\":{\"id\":\"P-MANY\",\"name\":"
                                   "\"Firm\",\"kind\":\"enterprise\",\"credit\":\"general\",\"lists\":[]}")},
      {"officer", command("reg-oil", "\"type\":\"register_item\",\"item\":{\"sku\":\"OIL\",\"hs_code\":"
                                     "\"3301.29\",\"description\":\"Oil\",\"unit\":\"kg\",\"tags\":[]}")},
      {"declarant", command("c-in", "\"type\":\"declare\",\"declaration\":{\"id\":\"D-IN\",\"kind\":"
                                    "\"first_line_in\",\"declarant\":\"P-MANY\",\"lines\":[" + lines + "]}")},
      {"officer", command("rel", "\"type\":\"release\",\"gate\":\"HQ-L1-GDS-01\",\"declarations\":[\"D-IN\"]")},
  });
  store::Zone& zone = *zones->Find("hengqin");
  const engine::Engine& engine = zone.chain.engine();
  auto balance = ReadBalance(store(), "hengqin", "P-MANY");
  ASSERT_TRUE(balance.ok() && balance->has_value());
  EXPECT_EQ(**balance, engine::BalanceJson(engine, "P-MANY"));
  ASSERT_EQ(std::count((*balance)->begin(), (*balance)->end(), '{'), 1 + 1 + 300) << "one account, 300 live lots";

  // One more command, its rows taken as a batch takes them.
  engine::Command consume = testing::ParseOrDie(command(
      "c-use", "\"type\":\"declare\",\"declaration\":{\"id\":\"D-USE\",\"kind\":\"consume\","
               "\"declarant\":\"P-MANY\",\"lines\":[" + line + "]}"));
  ReadModelChanges changes = SubmitAndAppend(zone, consume);
  size_t balance_rows = 0, lot_rows = 0, bytes = 0;
  for (const ViewRow& row : changes.views) {
    bytes += row.json.size();
    if (row.kind == "balance") ++balance_rows;
    if (row.kind == "balance_lot") ++lot_rows;
  }
  EXPECT_EQ(balance_rows, 1u);
  EXPECT_EQ(lot_rows, 1u) << "the lot the consumption took from";
  EXPECT_LT(bytes, 8000u) << "not the party's 300 lots";
  balance = ReadBalance(store(), "hengqin", "P-MANY");
  ASSERT_TRUE(balance.ok() && balance->has_value());
  EXPECT_EQ(**balance, engine::BalanceJson(engine, "P-MANY"));
}

// A crossing writes the person's presence row and its own crossing row, not the person's row
// (their registration, which the crossing does not change); the person as the API shows them joins
// the two.
TEST_P(StoreConformance, ACrossingWritesPresenceNotThePersonsRow) {
  auto zones = Load();
  testing::PutInForce(*zones, store(), {"hengqin"});
  auto command = [](const std::string& id, const std::string& at, const std::string& body) {
    return "{\"id\":\"" + id + "\",\"zone\":\"hengqin\",\"at\":\"" + at + "\"," + body + "}";
  };
  testing::DecideWithInspections(*zones, store(), "hengqin", {
      {"officer", command("reg", "2026-03-02T08:00:00+08:00",
                          "\"type\":\"register_person\",\"person\":{\"id\":\"MO-7\",\"name\":\"Chan\","
                          "\"nationality\":\"CN\",\"resident_of\":\"MO\",\"birth_date\":\"1979-05-03\","
                          "\"documents\":[{\"type\":\"home_return_permit\",\"number\":\"H1\","
                          "\"valid_from\":\"2019-01-01\",\"valid_until\":\"2029-01-01\"}],\"lists\":[]}")},
  });
  store::Zone& zone = *zones->Find("hengqin");
  const std::string registered =
      "{\"id\":\"MO-7\",\"name\":\"Chan\",\"nationality\":\"CN\",\"resident_of\":\"MO\","
      "\"birth_date\":\"1979-05-03\",\"affiliation\":\"\",\"documents\":[{\"type\":"
      "\"home_return_permit\",\"number\":\"H1\",\"valid_from\":\"2019-01-01\",\"valid_until\":"
      "\"2029-01-01\"}],\"lists\":[]";
  auto person = [&]() -> std::string {
    auto row = store().ReadView("hengqin", "person", "MO-7");
    auto presence = store().ReadPresenceOf("hengqin", "MO-7");
    if (!row.ok() || !row->has_value() || !presence.ok()) return "unreadable";
    return PersonJson((*row)->json, *presence);
  };
  EXPECT_EQ(person(), registered + ",\"inside\":false}");

  // One crossing at a time, its rows taken and appended as a batch takes them.
  auto cross = [&](const std::string& id, const std::string& at, const std::string& direction) {
    return SubmitAndAppend(zone, testing::ParseOrDie(command(
        id, at, "\"type\":\"cross\",\"person\":\"MO-7\",\"gate\":\"HQ-L1-GEN-01\",\"direction\":\"" +
                    direction + "\"")));
  };
  ReadModelChanges in = cross("in", "2026-03-02T09:00:00+08:00", "in");
  ASSERT_EQ(in.views.size(), 1u);
  EXPECT_EQ(in.views[0].kind, "crossing");
  ASSERT_EQ(in.inside.size(), 1u);
  EXPECT_EQ(in.inside[0].person, "MO-7");
  EXPECT_TRUE(in.outside.empty());
  EXPECT_EQ(person(), registered +
                          ",\"inside\":true,\"entered_at\":\"2026-03-02T09:00:00+08:00\","
                          "\"entered_gate\":\"HQ-L1-GEN-01\"}");
  ReadModelChanges out = cross("out", "2026-03-02T17:00:00+08:00", "out");
  ASSERT_EQ(out.views.size(), 1u);
  EXPECT_EQ(out.views[0].kind, "crossing");
  EXPECT_TRUE(out.inside.empty());
  EXPECT_EQ(out.outside, std::vector<std::string>{"MO-7"});
  EXPECT_EQ(person(), registered + ",\"inside\":false}");
}

TEST_P(StoreConformance, APartyReadsItsOwnLotsAndNotWhereTransferredGoodsCameFrom) {
  auto zones = Load();
  testing::PutInForce(*zones, store(), {"hengqin"});
  testing::DecideWithInspections(*zones, store(), "hengqin", testing::TransferScenario());
  const engine::Engine& engine = zones->Find("hengqin")->chain.engine();
  const std::vector<uint64_t> sender_lots = engine.state().goods.ledger.LotsCreatedBy("D-A-IN");
  ASSERT_EQ(sender_lots.size(), 1u);
  const std::string sender_lot = std::to_string(sender_lots[0]);
  // The receiver's consumption: its own lot, with what the transfer declared, and nothing upstream.
  auto consumed = ReadDeclaration(store(), "hengqin", "D-B-USE", "P-B");
  ASSERT_TRUE(consumed.ok() && consumed->has_value());
  const std::string& own = **consumed;
  EXPECT_NE(own.find("\"sku\":\"OIL\",\"status\":\"bonded\",\"quantity\":\"31\""), std::string::npos) << own;
  EXPECT_NE(own.find("\"origin\":\"FR\""), std::string::npos) << own;
  EXPECT_NE(own.find("\"source\":\"transfer\""), std::string::npos) << own;
  for (const std::string& theirs :
       std::vector<std::string>{"D-A-IN", "T-AB", "\"lot\":" + sender_lot, "\"from_lot\":" + sender_lot,
                                "\"quantity\":\"97\"", "\"66\""}) {
    EXPECT_EQ(own.find(theirs), std::string::npos) << theirs << " in " << own;
  }
  auto whole = ReadDeclaration(store(), "hengqin", "D-B-USE", "");
  ASSERT_TRUE(whole.ok() && whole->has_value());
  EXPECT_NE((*whole)->find("\"declaration\":\"D-A-IN\""), std::string::npos) << "the zone sees it all";
  // Another party's documents are not found, as unknown ones are.
  for (const char* theirs : {"T-AB", "D-A-IN"}) {
    auto read = ReadDeclaration(store(), "hengqin", theirs, "P-B");
    ASSERT_TRUE(read.ok());
    EXPECT_FALSE(read->has_value()) << theirs;
  }
  // The sender sees its transfer without the receiver's lot.
  auto sent = ReadDeclaration(store(), "hengqin", "T-AB", "P-A");
  ASSERT_TRUE(sent.ok() && sent->has_value());
  const std::vector<uint64_t> receiver_lots = engine.state().goods.ledger.LotsCreatedBy("T-AB");
  ASSERT_EQ(receiver_lots.size(), 1u);
  EXPECT_EQ((*sent)->find("\"lot\":" + std::to_string(receiver_lots[0])), std::string::npos) << **sent;
  EXPECT_NE((*sent)->find("\"to_lot\":0"), std::string::npos) << **sent;
  EXPECT_NE((*sent)->find("\"lot\":" + sender_lot), std::string::npos) << **sent;
  // A balance shows the received lot, not the sender's declaration.
  auto balance = ReadBalance(store(), "hengqin", "P-B");
  ASSERT_TRUE(balance.ok() && balance->has_value());
  ASSERT_NE((*balance)->find("T-AB"), std::string::npos);
  auto seen = BalanceForParty(**balance, "P-B");
  ASSERT_TRUE(seen.ok());
  EXPECT_EQ(seen->find("T-AB"), std::string::npos) << *seen;
  EXPECT_NE(seen->find("\"on_hand\":\"26\""), std::string::npos) << *seen;
}

TEST_P(StoreConformance, ADeclarationIdTwoPartiesUseIsReadByParty) {
  auto zones = Load();
  testing::PutInForce(*zones, store(), {"hengqin"});
  auto scenario = testing::TransferScenario();
  scenario.resize(3);  // the parties and the item
  const std::string declare =
      R"(","zone":"hengqin","at":"2026-03-02T08:00:00+08:00","type":"declare","declaration":{"id":"D-X","kind":"first_line_in","declarant":")";
  const std::string lines =
      R"(","lines":[{"sku":"OIL","qty":"7","value":"70.00","currency":"CNY","origin":"FR","certificates":[]}]}})";
  scenario.push_back({"", R"({"id":"x-a)" + declare + "P-A" + lines});
  scenario.push_back({"", R"({"id":"x-b)" + declare + "P-B" + lines});
  scenario.push_back({"", R"({"id":"x-rel","zone":"hengqin","at":"2026-03-02T08:00:00+08:00","type":"release","gate":"HQ-L1-GDS-01","declarations":["D-X@P-B"]})"});
  testing::DecideWithInspections(*zones, store(), "hengqin", scenario);
  const engine::Engine& engine = zones->Find("hengqin")->chain.engine();
  ASSERT_NE(engine.state().goods.FindDeclaration("D-X@P-B"), nullptr);
  auto state_of = [&](const std::string& name, const std::string& party) -> std::string {
    std::string ambiguous;
    auto read = ReadDeclaration(store(), "hengqin", name, party, &ambiguous);
    EXPECT_TRUE(read.ok());
    if (!ambiguous.empty()) return "ambiguous: " + ambiguous;
    if (!read.ok() || !read->has_value()) return "none";
    EXPECT_EQ((*read)->find('@'), std::string::npos) << **read;
    auto field = [&](const std::string& key) {
      const std::string& json = **read;
      size_t at = json.find("\"" + key + "\":\"");
      if (at == std::string::npos) return std::string("?");
      at += key.size() + 4;
      return json.substr(at, json.find('"', at) - at);
    };
    return field("declarant") + " " + field("state");
  };
  EXPECT_EQ(state_of("D-X", "P-A"), "P-A accepted");
  EXPECT_EQ(state_of("D-X", "P-B"), "P-B released");
  EXPECT_EQ(state_of("D-X@P-B", "P-B"), "P-B released");
  EXPECT_EQ(state_of("D-X@P-A", "P-A"), "P-A accepted");
  EXPECT_EQ(state_of("D-X@P-B", "P-A"), "none");
  EXPECT_EQ(state_of("D-X@P-A", "P-B"), "none");
  EXPECT_EQ(state_of("D-X", ""),
            "ambiguous: declaration id \"D-X\" is used by several parties (P-A, P-B): name one as "
            "D-X@PARTY");
  EXPECT_EQ(state_of("D-X@P-B", ""), "P-B released");
  auto trace = ReadTrace(store(), "hengqin", "D-X", "P-B");
  ASSERT_TRUE(trace.ok() && trace->has_value());
  EXPECT_NE((*trace)->find("\"document\":\"D-X\""), std::string::npos) << **trace;
  EXPECT_EQ((*trace)->find('@'), std::string::npos) << **trace;
}

TEST_P(StoreConformance, RepeatedCommandGetsItsOriginalDecision) {
  auto zones = Load();
  testing::PutInForce(*zones, store(), {"hengqin"});
  std::vector<std::string> day = testing::SimulatedDay("hengqin", 50, 3);
  ASSERT_GT(day.size(), 5u);
  // Repeated within the batch that decides it, then again after it was committed.
  std::vector<std::string> lines = {day[0], day[1], day[0]};
  std::vector<Answer> answers = testing::DecideAll(*zones, store(), "hengqin", lines);
  std::vector<Answer> later = testing::DecideAll(*zones, store(), "hengqin", {day[1]});
  ASSERT_EQ(answers.size(), 3u);
  EXPECT_EQ(answers[2].json, answers[0].json);
  EXPECT_TRUE(answers[2].duplicate);
  EXPECT_EQ(later[0].json, answers[1].json);
  EXPECT_EQ(zones->Find("hengqin")->chain.entries(), 3u) << "a repeat is not journaled again";
}

TEST_P(StoreConformance, IdReusedWithAnotherBodyIsRefused) {
  auto zones = Load();
  testing::PutInForce(*zones, store(), {"hengqin"});
  std::vector<std::string> day = testing::SimulatedDay("hengqin", 50, 3);
  std::string changed = day[0];
  size_t at = changed.find("\"at\":\"2026-03-02T");
  ASSERT_NE(at, std::string::npos);
  changed.replace(at, 17, "\"at\":\"2026-03-03T");
  std::vector<Answer> answers = testing::DecideAll(*zones, store(), "hengqin", {day[0], changed});
  ASSERT_EQ(answers.size(), 2u);
  EXPECT_FALSE(answers[0].id_reused);
  EXPECT_TRUE(answers[1].id_reused);
  EXPECT_EQ(answers[1].outcome, engine::Outcome::kInvalid);
}

TEST_P(StoreConformance, ViewRowsAreUpsertedErasedAndListed) {
  AppendBatch batch = Entries("hengqin", 1, 1);
  ReadModelChanges changes;
  changes.zone = "hengqin";
  changes.through_seq = 1;
  for (int i = 1; i <= 5; ++i) {
    changes.views.push_back({"declaration", "D-" + std::to_string(i), i % 2 ? "ACME" : "BETA",
                             i <= 2 ? "held" : "accepted", "{\"n\":" + std::to_string(i) + "}", false});
  }
  changes.views.push_back({"lot", "00000000000000000001", "ACME", "", "{}", false});
  batch.read_models.push_back(changes);
  ASSERT_TRUE(store().Append(batch).ok());

  AppendBatch next = Entries("hengqin", 2, 2);
  ReadModelChanges more;
  more.zone = "hengqin";
  more.through_seq = 2;
  more.views.push_back({"declaration", "D-1", "ACME", "accepted", "{\"n\":11}", false});  // update
  more.views.push_back({"declaration", "D-4", "", "", "", true});                            // erase
  next.read_models.push_back(more);
  ASSERT_TRUE(store().Append(next).ok());

  auto one = store().ReadView("hengqin", "declaration", "D-1");
  ASSERT_TRUE(one.ok() && one->has_value());
  EXPECT_EQ((*one)->json, "{\"n\":11}");
  EXPECT_EQ((*one)->state, "accepted");
  auto erased = store().ReadView("hengqin", "declaration", "D-4");
  ASSERT_TRUE(erased.ok());
  EXPECT_FALSE(erased->has_value());
  auto other_kind = store().ReadView("hengqin", "lot", "D-1");
  ASSERT_TRUE(other_kind.ok());
  EXPECT_FALSE(other_kind->has_value());

  auto all = store().ListViews("hengqin", "declaration", {}, 0, 10);
  ASSERT_TRUE(all.ok());
  EXPECT_EQ(all->count, 4);
  std::vector<std::string> keys;
  for (const ViewRow& row : all->rows) keys.push_back(row.key);
  EXPECT_EQ(keys, (std::vector<std::string>{"D-1", "D-2", "D-3", "D-5"}));

  auto acme = store().ListViews("hengqin", "declaration", {"ACME", "", false, "", ""}, 0, 10);
  ASSERT_TRUE(acme.ok());
  EXPECT_EQ(acme->count, 3);  // D-1, D-3, D-5
  auto held = store().ListViews("hengqin", "declaration", {"", "held", false, "", ""}, 0, 10);
  ASSERT_TRUE(held.ok());
  ASSERT_EQ(held->count, 1);
  EXPECT_EQ(held->rows[0].key, "D-2");
  auto acme_accepted = store().ListViews("hengqin", "declaration", {"ACME", "accepted", true, "", ""}, 0, 10);
  ASSERT_TRUE(acme_accepted.ok());
  ASSERT_EQ(acme_accepted->rows.size(), 3u);
  EXPECT_EQ(acme_accepted->rows[0].key, "D-5") << "descending";
  auto page = store().ListViews("hengqin", "declaration", {}, 1, 2);
  ASSERT_TRUE(page.ok());
  EXPECT_EQ(page->count, 4);
  ASSERT_EQ(page->rows.size(), 2u);
  EXPECT_EQ(page->rows[0].key, "D-2");

  ViewFilter range;
  range.key_min = "D-2";
  range.key_max = "D-3";
  auto ranged = store().ListViews("hengqin", "declaration", range, 0, 10);
  ASSERT_TRUE(ranged.ok());
  EXPECT_EQ(ranged->count, 2);
  ASSERT_EQ(ranged->rows.size(), 2u);
  EXPECT_EQ(ranged->rows[1].key, "D-3");
  range.owner = "ACME";
  range.key_max = "D-9";
  auto owned = store().ListViews("hengqin", "declaration", range, 0, 10);
  ASSERT_TRUE(owned.ok());
  ASSERT_EQ(owned->count, 2);  // D-3, D-5
  EXPECT_EQ(owned->rows[0].key, "D-3");
  ViewFilter from_key;
  from_key.key_min = "D-4";
  auto tail = store().ListViews("hengqin", "declaration", from_key, 0, 10);
  ASSERT_TRUE(tail.ok());
  ASSERT_EQ(tail->count, 1);
  EXPECT_EQ(tail->rows[0].key, "D-5");
}

TEST_P(StoreConformance, ReadViewsReadsManyKeysAndListsInOneRead) {
  AppendBatch batch = Entries("hengqin", 1, 1);
  ReadModelChanges changes;
  changes.zone = "hengqin";
  changes.through_seq = 1;
  for (int i = 1; i <= 4; ++i) {
    changes.views.push_back({"lot", SeqKey(i), "ACME", "bonded", "{\"n\":" + std::to_string(i) + "}", false});
  }
  batch.read_models.push_back(changes);
  ASSERT_TRUE(store().Append(batch).ok());
  std::vector<std::string> keys;
  int64_t listed = 0;
  Status status = store().ReadViews("hengqin", [&](ViewReader& reader) -> Status {
    keys.clear();
    auto rows = reader.Read("lot", {SeqKey(4), SeqKey(9), SeqKey(2), SeqKey(2)});
    if (!rows) return Error{rows.error().message};
    for (const ViewRow& row : *rows) keys.push_back(row.key + " " + row.owner + " " + row.json);
    auto range = reader.ReadRange("lot", SeqKey(2), SeqKey(3));
    if (!range) return Error{range.error().message};
    for (const ViewRow& row : *range) keys.push_back(row.key + " " + row.json);
    auto page = reader.List("lot", {}, 0, 10);
    if (!page) return Error{page.error().message};
    listed = page->count;
    return Status::Ok();
  });
  ASSERT_TRUE(status.ok()) << status.message();
  EXPECT_EQ(keys, (std::vector<std::string>{SeqKey(2) + " ACME {\"n\":2}", SeqKey(4) + " ACME {\"n\":4}",
                                            SeqKey(2) + " {\"n\":2}", SeqKey(3) + " {\"n\":3}"}));
  EXPECT_EQ(listed, 4);
  Status refused = store().ReadViews("nowhere", [](ViewReader& reader) -> Status {
    auto rows = reader.Read("lot", {SeqKey(1)});
    if (!rows || !rows->empty()) return Error{"an unknown zone has no rows"};
    return Error{"passed through"};
  });
  EXPECT_EQ(refused.message(), "passed through") << "ReadViews returns what its reader returns";
}

TEST_P(StoreConformance, SnapshotsAreWrittenListedNewestFirstAndDeleted) {
  ASSERT_TRUE(store().Append(Entries("hengqin", 1, 3)).ok());
  auto none = store().ListSnapshots("hengqin");
  ASSERT_TRUE(none.ok());
  EXPECT_TRUE(none->empty());
  std::string big(300000, 'x');
  big[12345] = '\0';  // binary-safe
  ASSERT_TRUE(store().WriteSnapshot("hengqin", 2, "two").ok());
  ASSERT_TRUE(store().WriteSnapshot("hengqin", 3, big).ok());
  auto listed = store().ListSnapshots("hengqin");
  ASSERT_TRUE(listed.ok());
  ASSERT_EQ(listed->size(), 2u);
  EXPECT_EQ((*listed)[0].seq, 3u);
  EXPECT_EQ((*listed)[0].bytes, big.size());
  EXPECT_EQ((*listed)[1].seq, 2u);
  auto read = store().ReadSnapshot("hengqin", 3);
  ASSERT_TRUE(read.ok());
  EXPECT_EQ(*read, big);
  EXPECT_FALSE(store().ReadSnapshot("hengqin", 1).ok());
  ASSERT_TRUE(store().DeleteSnapshot("hengqin", 2).ok());
  backend_->Reopen();
  listed = store().ListSnapshots("hengqin");
  ASSERT_TRUE(listed.ok());
  ASSERT_EQ(listed->size(), 1u);
  EXPECT_EQ((*listed)[0].seq, 3u);
}

// Staging: a staged snapshot is not listed until published; published, it is listed whole; a
// discarded one leaves nothing to publish. Stores that do not stage refuse to.
TEST_P(StoreConformance, AStagedSnapshotIsListedOnlyOncePublished) {
  ASSERT_TRUE(store().Append(Entries("hengqin", 1, 3)).ok());
  if (!store().StagesSnapshots()) {
    EXPECT_FALSE(store().StageSnapshot("hengqin", 2, "two").ok());
    EXPECT_FALSE(store().PublishSnapshot("hengqin", 2).ok());
    return;
  }
  std::string bytes(200000, 'y');
  ASSERT_TRUE(store().StageSnapshot("hengqin", 2, bytes).ok());
  ASSERT_TRUE(store().StageSnapshot("hengqin", 3, "three").ok());
  auto listed = store().ListSnapshots("hengqin");
  ASSERT_TRUE(listed.ok());
  EXPECT_TRUE(listed->empty()) << "a staged snapshot is not a snapshot yet";
  ASSERT_TRUE(store().PublishSnapshot("hengqin", 2).ok());
  store().DiscardStagedSnapshot("hengqin", 3);
  EXPECT_FALSE(store().PublishSnapshot("hengqin", 3).ok()) << "nothing left to publish";
  EXPECT_FALSE(store().PublishSnapshot("hengqin", 2).ok()) << "published once only";
  backend_->Reopen();
  listed = store().ListSnapshots("hengqin");
  ASSERT_TRUE(listed.ok());
  ASSERT_EQ(listed->size(), 1u);
  EXPECT_EQ((*listed)[0].seq, 2u);
  EXPECT_EQ((*listed)[0].bytes, bytes.size());
  auto read = store().ReadSnapshot("hengqin", 2);
  ASSERT_TRUE(read.ok());
  EXPECT_EQ(*read, bytes);
}

// A staged file whose process never published it (a crash) is removed once a newer snapshot is
// published; a newer staged one (another process's, in progress) is left alone.
TEST_P(StoreConformance, PublishingASnapshotRemovesOlderStagedFiles) {
  ASSERT_TRUE(store().Append(Entries("hengqin", 1, 5)).ok());
  if (!store().StagesSnapshots()) GTEST_SKIP() << "this store does not stage snapshots";
  ASSERT_TRUE(store().StageSnapshot("hengqin", 2, "left by a crash").ok());
  ASSERT_TRUE(store().StageSnapshot("hengqin", 5, "in progress elsewhere").ok());
  ASSERT_TRUE(store().WriteSnapshot("hengqin", 3, "three").ok());
  EXPECT_FALSE(store().PublishSnapshot("hengqin", 2).ok()) << "the older staged file is gone";
  ASSERT_TRUE(store().PublishSnapshot("hengqin", 5).ok()) << "the newer one stays";
  auto listed = store().ListSnapshots("hengqin");
  ASSERT_TRUE(listed.ok());
  ASSERT_EQ(listed->size(), 2u);
  EXPECT_EQ((*listed)[0].seq, 5u);
  EXPECT_EQ((*listed)[1].seq, 3u);
}

// A background snapshot (a forked child encodes it; on a store that stages snapshots it writes the
// file itself) is stored at the chain's seq, leaves no staged file behind, and a start from it
// reaches the state of a full replay.
TEST_P(StoreConformance, ABackgroundSnapshotIsStoredAndAStartFromItReachesTheSameState) {
  std::vector<std::string> day = testing::SimulatedDay("hengqin", 120, 21);
  auto zones = Load();
  ASSERT_NE(zones, nullptr);
  testing::PutInForce(*zones, store(), {"hengqin"});
  testing::DecideAll(*zones, store(), "hengqin", day);
  const journal::Chain& chain = zones->Find("hengqin")->chain;
  const uint64_t seq = chain.entries();
  std::vector<std::string> log;
  {
    Snapshotter snapshotter(store(), SnapshotPolicy{}, [&](const std::string& line) { log.push_back(line); });
    ASSERT_TRUE(snapshotter.Start("hengqin", chain));
    snapshotter.Wait();
    EXPECT_EQ(snapshotter.written(), 1u) << (log.empty() ? "" : log.back());
    EXPECT_EQ(snapshotter.failed(), 0u);
  }
  auto listed = store().ListSnapshots("hengqin");
  ASSERT_TRUE(listed.ok());
  ASSERT_EQ(listed->size(), 1u);
  EXPECT_EQ((*listed)[0].seq, seq);
  EXPECT_GT((*listed)[0].bytes, 0u);
  EXPECT_FALSE(store().PublishSnapshot("hengqin", seq).ok()) << "no staged file is left behind";
  std::vector<LoadReport> reports;
  auto fast = ZoneSet::Load(store(), true, nullptr, LoadOptions{}, &reports);
  ASSERT_TRUE(fast.ok()) << fast.error().message;
  ASSERT_EQ(reports.size(), 1u);
  EXPECT_EQ(reports[0].snapshot_seq, seq);
  EXPECT_EQ(reports[0].replayed, 0u);
  EXPECT_EQ((*fast)->Find("hengqin")->chain.engine().StateHash(), chain.engine().StateHash());
}

// A snapshot of a chain whose entry at that seq is not the stored one (a commit that failed, its
// entries decided again differently) is dropped, staged file included.
TEST_P(StoreConformance, ABackgroundSnapshotOfEntriesNotStoredIsDropped) {
  std::vector<std::string> day = testing::SimulatedDay("hengqin", 60, 22);
  ASSERT_GE(day.size(), 3u);
  auto zones = Load();
  ASSERT_NE(zones, nullptr);
  testing::PutInForce(*zones, store(), {"hengqin"});
  testing::DecideAll(*zones, store(), "hengqin", std::vector<std::string>(day.begin(), day.end() - 2));
  auto other = Load();
  ASSERT_NE(other, nullptr);
  // The store takes the last but one command; the other chain decides the last instead, in memory.
  testing::DecideAll(*zones, store(), "hengqin", {day[day.size() - 2]});
  journal::Chain& diverged = other->Find("hengqin")->chain;
  (void)diverged.Submit(testing::ParseOrDie(day.back()));
  const uint64_t seq = diverged.entries();
  ASSERT_EQ(seq, zones->Find("hengqin")->chain.entries());
  ASSERT_NE(diverged.head(), zones->Find("hengqin")->chain.head());
  std::vector<std::string> log;
  {
    Snapshotter snapshotter(store(), SnapshotPolicy{}, [&](const std::string& line) { log.push_back(line); });
    ASSERT_TRUE(snapshotter.Start("hengqin", diverged));
    snapshotter.Wait();
    EXPECT_EQ(snapshotter.written(), 0u);
    EXPECT_EQ(snapshotter.failed(), 1u);
  }
  ASSERT_FALSE(log.empty());
  EXPECT_NE(log.back().find("not the one it was taken after"), std::string::npos) << log.back();
  auto listed = store().ListSnapshots("hengqin");
  ASSERT_TRUE(listed.ok());
  EXPECT_TRUE(listed->empty());
  EXPECT_FALSE(store().PublishSnapshot("hengqin", seq).ok()) << "the staged file is removed";
}

TEST_P(StoreConformance, LoadStartsFromTheNewestValidSnapshotAndSkipsBadOnes) {
  DecideADay(200);
  auto zones = Load();
  ASSERT_TRUE(zones);
  const Zone* live = zones->Find("hengqin");
  const uint64_t entries = live->chain.entries();
  const Hash256 state = live->chain.engine().StateHash();
  // A good snapshot at the end, and a newer-looking one that is corrupt.
  ASSERT_TRUE(store().WriteSnapshot("hengqin", entries, journal::EncodeSnapshot(live->chain)).ok());
  std::vector<std::string> warnings;
  LoadOptions options;
  options.warn = [&](const std::string& warning) { warnings.push_back(warning); };
  std::vector<LoadReport> reports;
  auto from_snapshot = ZoneSet::Load(store(), true, nullptr, options, &reports);
  ASSERT_TRUE(from_snapshot.ok()) << from_snapshot.error().message;
  ASSERT_EQ(reports.size(), 1u);
  EXPECT_EQ(reports[0].snapshot_seq, entries);
  EXPECT_EQ(reports[0].replayed, 0u);
  EXPECT_TRUE(warnings.empty());
  EXPECT_EQ((*from_snapshot)->Find("hengqin")->chain.engine().StateHash(), state);

  // A torn snapshot (a later seq than the journal holds is also refused) falls back to a replay.
  std::string torn = journal::EncodeSnapshot(live->chain);
  torn.resize(torn.size() / 2);
  ASSERT_TRUE(store().DeleteSnapshot("hengqin", entries).ok());
  ASSERT_TRUE(store().WriteSnapshot("hengqin", entries, torn).ok());
  ASSERT_TRUE(store().WriteSnapshot("hengqin", entries + 5, journal::EncodeSnapshot(live->chain)).ok());
  reports.clear();
  auto fallback = ZoneSet::Load(store(), true, nullptr, options, &reports);
  ASSERT_TRUE(fallback.ok()) << fallback.error().message;
  EXPECT_EQ(reports[0].snapshot_seq, 0u);
  EXPECT_EQ(warnings.size(), 2u);
  EXPECT_EQ((*fallback)->Find("hengqin")->chain.engine().StateHash(), state);
}

// Pruning keeps the newest snapshots that check out: a torn one is deleted, never counted, so the
// valid one behind it stays as the fallback.
TEST_P(StoreConformance, PruningKeepsTheNewestValidSnapshotsAndDropsTornOnes) {
  std::vector<std::string> day = testing::SimulatedDay("hengqin", 120, 11);
  auto zones = Load();
  ASSERT_NE(zones, nullptr);
  testing::PutInForce(*zones, store(), {"hengqin"});
  const size_t half = day.size() / 2;
  testing::DecideAll(*zones, store(), "hengqin", std::vector<std::string>(day.begin(), day.begin() + half));
  const journal::Chain& chain = zones->Find("hengqin")->chain;
  const uint64_t older = chain.entries();
  ASSERT_TRUE(store().WriteSnapshot("hengqin", older, journal::EncodeSnapshot(chain)).ok());
  testing::DecideAll(*zones, store(), "hengqin", std::vector<std::string>(day.begin() + half, day.end()));
  const uint64_t newer = chain.entries();
  ASSERT_GT(newer, older + 1);
  std::string torn = journal::EncodeSnapshot(chain);
  torn.resize(torn.size() / 2);
  ASSERT_TRUE(store().WriteSnapshot("hengqin", newer - 1, torn).ok());
  ASSERT_TRUE(store().WriteSnapshot("hengqin", newer, journal::EncodeSnapshot(chain)).ok());
  ASSERT_TRUE(PruneSnapshots(store(), "hengqin", 2).ok());
  auto listed = store().ListSnapshots("hengqin");
  ASSERT_TRUE(listed.ok());
  ASSERT_EQ(listed->size(), 2u);
  EXPECT_EQ((*listed)[0].seq, newer);
  EXPECT_EQ((*listed)[1].seq, older) << "the valid older one stays; the torn one went";
  ASSERT_TRUE(PruneSnapshots(store(), "hengqin", 1).ok());
  listed = store().ListSnapshots("hengqin");
  ASSERT_TRUE(listed.ok());
  ASSERT_EQ(listed->size(), 1u);
  EXPECT_EQ((*listed)[0].seq, newer);
}

TEST_P(StoreConformance, StoredLeafHashesAreThoseOfTheirLines) {
  DecideADay(150);
  auto check = [&](const char* when) {
    auto zones = store().Zones();
    ASSERT_TRUE(zones.ok());
    const uint64_t entries = zones->front().entries;
    std::vector<Hash256> recomputed;
    Status scanned = store().ScanEntries("hengqin", 1, entries, [&](const EntryRecord& entry) -> Status {
      auto leaf = journal::LeafOfJournalLine(entry.line);
      EXPECT_TRUE(leaf.ok()) << leaf.error().message;
      EXPECT_EQ(entry.leaf_hash, leaf->leaf_hash) << when << ": scanned seq " << entry.seq;
      recomputed.push_back(leaf->leaf_hash);
      return Status::Ok();
    });
    ASSERT_TRUE(scanned.ok()) << scanned.message();
    ASSERT_EQ(recomputed.size(), entries);
    auto all = store().ReadLeafHashes("hengqin", 1, kLeafHashesMax);
    ASSERT_TRUE(all.ok()) << all.error().message;
    EXPECT_EQ(*all, recomputed) << when;
    auto some = store().ReadLeafHashes("hengqin", 5, 3);
    ASSERT_TRUE(some.ok());
    EXPECT_EQ(*some, std::vector<Hash256>(recomputed.begin() + 4, recomputed.begin() + 7)) << when;
    auto tail = store().ReadLeafHashes("hengqin", entries, 10);
    ASSERT_TRUE(tail.ok());
    EXPECT_EQ(*tail, std::vector<Hash256>{recomputed.back()}) << when;
    auto beyond = store().ReadLeafHashes("hengqin", entries + 1, 10);
    ASSERT_TRUE(beyond.ok());
    EXPECT_TRUE(beyond->empty()) << when;
    auto one = store().ReadEntries("hengqin", 9, 1);
    ASSERT_TRUE(one.ok());
    EXPECT_EQ(one->front().leaf_hash, recomputed[8]) << when;
  };
  check("as appended");
  backend_->Reopen();
  check("reopened");
}

// Proofs from the stored leaf hashes lead to the root the writer's frontier has, and follow the
// journal as it grows.
TEST_P(StoreConformance, StoredTreeProofsLeadToTheFrontierRoot) {
  DecideADay(120);
  StoredTree tree(store());
  EXPECT_EQ(tree.Known("hengqin"), 0u) << "nothing is read before it is asked for";
  auto check = [&](const char* when) {
    auto zones = Load();
    ASSERT_TRUE(zones);
    const journal::Chain& chain = zones->Find("hengqin")->chain;
    auto head = tree.Current("hengqin");
    ASSERT_TRUE(head.ok()) << head.error().message;
    ASSERT_EQ(head->size, chain.entries()) << when;
    ASSERT_EQ(head->root, chain.frontier().Root()) << when;
    EXPECT_EQ(tree.Known("hengqin"), head->size) << when;
    for (uint64_t size : {uint64_t{1}, head->size / 3, head->size}) {
      auto root = tree.RootAt("hengqin", size);
      ASSERT_TRUE(root.ok());
      proof::Checkpoint checkpoint{"twoline/hengqin", size, *root, {}};
      for (uint64_t seq : {uint64_t{1}, (size + 1) / 2, size}) {
        auto proof = tree.Inclusion("hengqin", seq, size);
        ASSERT_TRUE(proof.ok()) << proof.error().message;
        auto leaf = journal::LeafOfJournalLine(proof->entry);
        ASSERT_TRUE(leaf.ok());
        Status checked = proof::CheckInclusionProof(
            *proof, proof::ProvenEntry{leaf->entry.seq, leaf->entry.zone, leaf->leaf_hash}, checkpoint);
        EXPECT_TRUE(checked.ok()) << when << ": seq " << seq << " of " << size << ": " << checked.message();
      }
      auto consistency = tree.Consistency("hengqin", size, head->size);
      ASSERT_TRUE(consistency.ok());
      EXPECT_TRUE(proof::VerifyConsistency(size, head->size, consistency->path, *root, head->root).ok());
    }
    auto beyond = tree.Inclusion("hengqin", 1, head->size + 1);
    EXPECT_FALSE(beyond.ok()) << when;
  };
  check("first day");
  auto zones = Load();
  testing::DecideAll(*zones, store(), "hengqin", testing::SimulatedDay("hengqin", 20, 12, "more-"));
  check("grown");
  EXPECT_FALSE(tree.Current("nansha").ok());
}

TEST_P(StoreConformance, AnAlteredLeafHashIsNamedBySeqOnLoad) {
  DecideADay(100);
  backend_->CorruptLeaf("hengqin", 7, Sha256("not the leaf of entry 7"));
  auto zones = ZoneSet::Load(store(), false, nullptr, LoadOptions{false, nullptr});
  ASSERT_FALSE(zones.ok());
  EXPECT_NE(zones.error().message.find("seq 7: the stored leaf hash differs"), std::string::npos)
      << zones.error().message;
}

TEST_P(StoreConformance, CheckpointsAreKeptAndTheLatestIsTheLargest) {
  ASSERT_TRUE(store().Append(Entries("hengqin", 1, 10)).ok());
  auto none = store().LatestCheckpoint("hengqin");
  ASSERT_TRUE(none.ok()) << none.error().message;
  EXPECT_FALSE(none->has_value());
  const CheckpointRecord five{"hengqin", 5, "twoline/hengqin\n5\nAAAA\n\n\u2014 k sig5\n", "2026-03-02T01:00:00Z"};
  const CheckpointRecord nine{"hengqin", 9, "twoline/hengqin\n9\nBBBB\n\n\u2014 k sig9\n", "2026-03-02T02:00:00Z"};
  const CheckpointRecord seven{"hengqin", 7, "twoline/hengqin\n7\nCCCC\n\n\u2014 k sig7\n", "2026-03-02T03:00:00Z"};
  for (const CheckpointRecord& checkpoint : {five, nine, seven, nine}) {
    Status written = store().WriteCheckpoint(checkpoint);
    ASSERT_TRUE(written.ok()) << written.message();
  }
  auto check = [&](const char* when) {
    auto latest = store().LatestCheckpoint("hengqin");
    ASSERT_TRUE(latest.ok()) << latest.error().message;
    ASSERT_TRUE(latest->has_value()) << when;
    EXPECT_EQ((*latest)->size, 9u) << when;
    EXPECT_EQ((*latest)->note, nine.note) << when;
    EXPECT_EQ((*latest)->signed_at, nine.signed_at) << when;
    EXPECT_EQ((*latest)->zone, "hengqin");
  };
  check("as written");
  backend_->Reopen();
  check("reopened");
  if (backend_->multi_zone()) {
    auto other = store().LatestCheckpoint("qianhai");
    ASSERT_TRUE(other.ok());
    EXPECT_FALSE(other->has_value());
  }
}

INSTANTIATE_TEST_SUITE_P(
    Backends, StoreConformance,
    ::testing::Values(
        std::make_pair("Memory", BackendFactory([] { return std::make_unique<MemoryBackend>(); })),
        std::make_pair("Sqlite", BackendFactory([] { return std::make_unique<SqliteBackend>(); })),
        std::make_pair("Journal", BackendFactory([] { return std::make_unique<JournalBackend>(); })),
        std::make_pair("Postgres", BackendFactory([] { return std::make_unique<PgBackend>(); }))),
    [](const auto& info) { return std::string(info.param.first); });

}  // namespace
}  // namespace twoline::store

namespace twoline::store {
namespace {

// The journal's offsets index is derived data: a wrong or stale one is never trusted.
// However small the piece each batch may carry, the queue of taken rows does not grow with the
// load: a batch writes an eighth of it when that is more.
TEST(ReadModelQueue, StaysWithinEightBatchesOfRowsWhateverThePieceSize) {
  MemoryStore store;
  auto zones = ZoneSet::Load(store, true, nullptr);
  ASSERT_TRUE(zones.ok());
  testing::PutInForce(**zones, store, {"hengqin"});
  std::vector<std::string> day = testing::SimulatedDay("hengqin", 400, 17);
  CommitBatch batch(**zones, store);
  size_t largest_take = 0, largest_queue = 0, before = 0;
  for (size_t i = 0; i < day.size(); ++i) {
    ASSERT_TRUE(batch.Decide("hengqin", testing::ParseOrDie(day[i])).ok());
    if (batch.commands() < 40 && i + 1 < day.size()) continue;
    AppendBatch appended = batch.Seal(true, 1);
    size_t written = 0;
    for (const ReadModelChanges& changes : appended.read_models) {
      written += changes.outside.size() + changes.inside.size() + changes.views.size();
    }
    largest_take = std::max(largest_take, batch.read_models_queued_rows() + written - before);
    largest_queue = std::max(largest_queue, batch.read_models_queued_rows());
    before = batch.read_models_queued_rows();
    ASSERT_TRUE(store.Append(appended).ok());
    batch.Committed();
  }
  EXPECT_GT(largest_queue, 0u);
  EXPECT_LE(largest_queue, 8 * largest_take);
}

TEST(JournalStoreIndex, AStaleOrForgedIndexFallsBackToAScan) {
  testing::TempDir directory;
  const std::string path = directory.File("j.journal");
  std::vector<EntryRecord> records;
  {
    auto store = JournalStore::Open(path, JournalStoreOptions{});
    ASSERT_TRUE(store.ok());
    AppendBatch batch;
    for (uint64_t seq = 1; seq <= 20; ++seq) {
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
      records.push_back(record);
    }
    ASSERT_TRUE((*store)->Append(batch).ok());
  }
  auto check = [&](const char* what) {
    auto store = JournalStore::Open(path, JournalStoreOptions{});
    ASSERT_TRUE(store.ok()) << what << ": " << store.error().message;
    auto zones = (*store)->Zones();
    ASSERT_TRUE(zones.ok());
    ASSERT_EQ(zones->size(), 1u) << what;
    EXPECT_EQ(zones->front().entries, 20u) << what;
    auto entries = (*store)->ReadEntries("hengqin", 1, 100);
    ASSERT_TRUE(entries.ok()) << what;
    ASSERT_EQ(entries->size(), 20u) << what;
    for (size_t i = 0; i < 20; ++i) EXPECT_EQ((*entries)[i].line, records[i].line) << what;
  };
  check("with its index");
  // Stale: the index covers only some entries (the rest is scanned).
  ASSERT_EQ(truncate((path + ".index").c_str(), 8 * 5), 0);
  check("stale index");
  // Forged: offsets that do not fall on line starts.
  {
    std::ofstream forged(path + ".index", std::ios::binary | std::ios::trunc);
    for (uint64_t offset = 7; offset < 200; offset += 9) forged.write(reinterpret_cast<const char*>(&offset), 8);
  }
  check("forged index");
  ASSERT_EQ(unlink((path + ".index").c_str()), 0);
  check("no index");

  // A stale index is mapped as far as it goes; the first append cuts it there and writes the rest,
  // so that it ends every line again (and the leaves file holds every leaf hash).
  auto line_ends = [&] {
    std::ifstream in(path, std::ios::binary);
    std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    std::vector<uint64_t> ends;
    for (size_t i = 0; i < text.size(); ++i) {
      if (text[i] == '\n') ends.push_back(i + 1);
    }
    return ends;
  };
  auto index_entries = [&] {
    std::ifstream in(path + ".index", std::ios::binary);
    std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    std::vector<uint64_t> ends(bytes.size() / 8);
    std::memcpy(ends.data(), bytes.data(), ends.size() * 8);
    return ends;
  };
  {
    std::ofstream stale(path + ".index", std::ios::binary | std::ios::trunc);
    std::vector<uint64_t> ends = line_ends();
    stale.write(reinterpret_cast<const char*>(ends.data()), 8 * 7);
  }
  {
    auto store = JournalStore::Open(path, JournalStoreOptions{});
    ASSERT_TRUE(store.ok());
    journal::Entry line;
    line.seq = 21;
    line.zone = "hengqin";
    line.prev = records.back().hash;
    line.command = "{\"id\":\"c-21\"}";
    line.decision = "{\"id\":\"c-21\",\"outcome\":\"accepted\",\"reasons\":[]}";
    line.hash = journal::ComputeEntryHash(line);
    EntryRecord record{"hengqin", 21, "c-21", line.hash, journal::EntryToJsonLine(line),
                       journal::LeafHash(line)};
    record.line.pop_back();
    AppendBatch batch;
    batch.entries.push_back(record);
    ASSERT_TRUE((*store)->Append(batch).ok());
    auto leaves = (*store)->ReadLeafHashes("hengqin", 1, 100);
    ASSERT_TRUE(leaves.ok());
    ASSERT_EQ(leaves->size(), 21u);
    EXPECT_EQ((*leaves)[20], record.leaf_hash);
  }
  EXPECT_EQ(index_entries(), line_ends());

  // Damaged in the middle while it ends right: an index is checked where it ends when mapped, so
  // the damage is found when the entry is read, and named; never a crash or a wrong entry.
  {
    std::vector<uint64_t> ends = line_ends();
    ends[9] = 3;
    std::ofstream damaged(path + ".index", std::ios::binary | std::ios::trunc);
    damaged.write(reinterpret_cast<const char*>(ends.data()), static_cast<std::streamsize>(8 * ends.size()));
  }
  auto store = JournalStore::Open(path, JournalStoreOptions{});
  ASSERT_TRUE(store.ok());
  auto entries = (*store)->ReadEntries("hengqin", 1, 100);
  ASSERT_FALSE(entries.ok());
  EXPECT_NE(entries.error().message.find("seq 10: the index"), std::string::npos)
      << entries.error().message;
  Status scanned = (*store)->ScanEntries("hengqin", 1, 21, [](const EntryRecord&) { return Status::Ok(); });
  ASSERT_FALSE(scanned.ok());
  EXPECT_NE(scanned.message().find("delete it to rebuild it"), std::string::npos) << scanned.message();
}

// A journal opened only to append (`run`) keeps no read models; one opened again to answer reads
// rebuilds them from the journal and answers what one that kept them answers.
TEST(JournalStoreReadModels, AnAppendOnlyJournalKeepsNoneAndAReaderRebuildsThem) {
  testing::TempDir directory;
  std::vector<std::string> day = testing::SimulatedDay("hengqin", 200, 5);
  day.resize(day.size() * 2 / 3);  // before the evening: some persons are inside
  std::string kept_presence;
  for (bool read_models : {true, false}) {
    const std::string path = directory.File(read_models ? "kept.journal" : "append.journal");
    JournalStoreOptions options;
    options.read_models = read_models;
    auto store = JournalStore::Open(path, options);
    ASSERT_TRUE(store.ok()) << store.error().message;
    EXPECT_EQ((*store)->WantsReadModels("hengqin"), read_models);
    auto zones = ZoneSet::Load(**store, /*rebuild_read_models=*/false, nullptr);
    ASSERT_TRUE(zones.ok()) << zones.error().message;
    testing::PutInForce(**zones, **store, {"hengqin"});
    testing::DecideAll(**zones, **store, "hengqin", day);
    auto page = (*store)->ReadPresence("hengqin", 0, kReadRowsMax);
    ASSERT_TRUE(page.ok());
    if (read_models) {
      ASSERT_GT(page->count, 0);
      kept_presence = PresencePageJson("hengqin", *page, 0);
      continue;
    }
    EXPECT_EQ(page->count, 0) << "an append-only journal keeps no presence";
    auto record = (*store)->Zones();
    ASSERT_TRUE(record.ok());
    EXPECT_EQ(record->front().read_model_seq, 0u);
    store->reset();
    auto reader = JournalStore::Open(path, JournalStoreOptions{});
    ASSERT_TRUE(reader.ok()) << reader.error().message;
    std::vector<std::string> rebuilt;
    auto loaded = ZoneSet::Load(**reader, /*rebuild_read_models=*/true, &rebuilt);
    ASSERT_TRUE(loaded.ok()) << loaded.error().message;
    EXPECT_EQ(rebuilt, std::vector<std::string>{"hengqin"});
    auto after = (*reader)->ReadPresence("hengqin", 0, kReadRowsMax);
    ASSERT_TRUE(after.ok());
    EXPECT_EQ(PresencePageJson("hengqin", *after, 0), kept_presence);
  }
}

// A store that keeps no read models for a zone (a journal appended by `run`) gets no command
// observed for them: nothing is touched while a batch is decided. One that keeps them does.
TEST(JournalStoreReadModels, CommandsAreNotObservedForReadModelsNobodyKeeps) {
  testing::TempDir directory;
  std::vector<std::string> day = testing::SimulatedDay("hengqin", 50, 3);
  for (bool read_models : {true, false}) {
    JournalStoreOptions options;
    options.read_models = read_models;
    auto store = JournalStore::Open(directory.File(read_models ? "kept.journal" : "append.journal"),
                                    options);
    ASSERT_TRUE(store.ok()) << store.error().message;
    auto zones = ZoneSet::Load(**store, /*rebuild_read_models=*/false, nullptr);
    ASSERT_TRUE(zones.ok()) << zones.error().message;
    testing::PutInForce(**zones, **store, {"hengqin"});
    CommitBatch batch(**zones, **store);
    size_t journaled = 0;
    for (const std::string& line : day) {
      auto answer = batch.Decide("hengqin", testing::ParseOrDie(line));
      ASSERT_TRUE(answer.ok()) << answer.error().message;
      if (answer->seq != 0 && !answer->duplicate) ++journaled;
    }
    ASSERT_GT(journaled, 100u);
    EXPECT_EQ((*zones)->Find("hengqin")->tracker.HasTouched(), read_models);
    ASSERT_TRUE(batch.Commit().ok());
  }
}

// One writer at a time on a journal file: a second writer (another `run` or `serve`) is refused at
// open with a reason, readers are not, and the file is free again once the writer has closed it.
TEST(JournalStoreLock, ASecondWriterIsRefusedAndReadersAreNot) {
  testing::TempDir directory;
  const std::string path = directory.File("locked.journal");
  auto writer = JournalStore::Open(path, JournalStoreOptions{});
  ASSERT_TRUE(writer.ok()) << writer.error().message;
  auto second = JournalStore::Open(path, JournalStoreOptions{});
  ASSERT_FALSE(second.ok());
  EXPECT_NE(second.error().message.find("open for writing by another process"), std::string::npos)
      << second.error().message;
  JournalStoreOptions read_only;
  read_only.read_only = true;
  read_only.create = false;
  auto reader = JournalStore::Open(path, read_only);
  EXPECT_TRUE(reader.ok()) << reader.error().message;
  writer->reset();
  auto after = JournalStore::Open(path, JournalStoreOptions{});
  EXPECT_TRUE(after.ok()) << after.error().message;
}

}  // namespace
}  // namespace twoline::store
