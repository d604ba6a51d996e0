// SQLITE_BUSY from another connection (as from another process) is retried, never turned into a
// failed append: the writer is delayed while the lock is held and goes on once it is released.
#include <sqlite3.h>

#include <thread>

#include "http_service.h"
#include "store/sqlite_connection.h"

namespace twoline {
namespace {

// Another holder of the database's write lock (BEGIN IMMEDIATE on a connection of its own).
class ForeignLock {
 public:
  explicit ForeignLock(const std::string& path) {
    EXPECT_EQ(sqlite3_open_v2(path.c_str(), &db_, SQLITE_OPEN_READWRITE, nullptr), SQLITE_OK);
    EXPECT_EQ(sqlite3_exec(db_, "BEGIN IMMEDIATE", nullptr, nullptr, nullptr), SQLITE_OK);
  }
  ~ForeignLock() { sqlite3_close_v2(db_); }
  void Release() { EXPECT_EQ(sqlite3_exec(db_, "COMMIT", nullptr, nullptr, nullptr), SQLITE_OK); }

 private:
  sqlite3* db_ = nullptr;
};

TEST(SqliteBusyTest, AnAppendWaitsForAnotherConnectionsLockInsteadOfFailing) {
  testing::TempDir directory;
  const std::string path = directory.File("busy.db");
  store::SqliteOptions options;
  options.busy_timeout_ms = 10;  // far shorter than the lock is held below
  auto opened = store::SqliteStore::Open(path, options);
  ASSERT_TRUE(opened.ok()) << opened.error().message;
  store::SqliteStore& sqlite = **opened;
  auto zones = store::ZoneSet::Load(sqlite, true, nullptr);
  ASSERT_TRUE(zones.ok());
  const uint64_t retries_before = store::SqliteConnection::busy_retries();
  ForeignLock lock(path);
  Status appended = Error{"not run"};
  std::thread writer([&] {
    store::CommitBatch batch(**zones, sqlite);
    batch.PutProfileInForce(testing::BuiltinProfile("hengqin"));
    appended = batch.Commit();
  });
  // Release only once the append has been refused busy at least a few times.
  while (store::SqliteConnection::busy_retries() < retries_before + 3) {
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  lock.Release();
  writer.join();
  EXPECT_TRUE(appended.ok()) << appended.message();
  EXPECT_FALSE(sqlite.failed());
  auto records = sqlite.Zones();
  ASSERT_TRUE(records.ok());
  ASSERT_EQ(records->size(), 1u);
  EXPECT_EQ((*records)[0].entries, 1u);
}

TEST(SqliteBusyTest, TheServerKeepsWritingAfterAnotherProcessHeldTheLock) {
  testing::ServiceOptions options;
  testing::Service service(options);
  auto party = [](const std::string& n) {
    return R"({"id":"b)" + n +
           R"(","zone":"hengqin","at":"2026-03-02T08:00:00+08:00","type":"register_party","party":{"id":"P-B)" +
           n + R"(","name":"Firm","kind":"enterprise","credit":"general","lists":[]}})";
  };
  ASSERT_EQ(service.Post("/v1/zones/hengqin/commands", party("1"))->status, 200);
  const uint64_t retries_before = store::SqliteConnection::busy_retries();
  auto lock = std::make_unique<ForeignLock>(service.database_path());
  auto posted = std::async(std::launch::async,
                           [&] { return service.Post("/v1/zones/hengqin/commands", party("2")); });
  // The default busy timeout (5 s) runs out first; then the retries begin.
  while (store::SqliteConnection::busy_retries() == retries_before) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  lock->Release();
  auto result = posted.get();
  ASSERT_TRUE(result);
  EXPECT_EQ(result->status, 200) << result->body;
  EXPECT_EQ(service.Get("/healthz", "")->status, 200);
  EXPECT_FALSE(service.writer().writes_stopped());
}

}  // namespace
}  // namespace twoline
