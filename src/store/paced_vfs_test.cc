// The paced VFS: every connection of the store opens its files through it; what it writes reads
// back the same, and a file that takes more than kPacedWritebackBytes between syncs has its range
// handed to writeback as it goes.
#include "store/paced_vfs.h"

#include <gtest/gtest.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>

#include "service_test_util.h"
#include "store/sqlite_connection.h"
#include "store/sqlite_page_cache.h"

namespace twoline::store {
namespace {

using testing::TempDir;

std::unique_ptr<SqliteConnection> OpenOrDie(const std::string& path) {
  auto connection = SqliteConnection::Open(path, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE,
                                           /*busy_timeout_ms=*/1000);
  EXPECT_TRUE(connection) << connection.error().message;
  return connection ? std::move(*connection) : nullptr;
}

TEST(PacedVfs, ConnectionsOpenTheirFilesThroughIt) {
  ASSERT_NE(PacedVfsName(), nullptr);
  TempDir directory;
  auto connection = OpenOrDie(directory.File("a.db"));
  ASSERT_NE(connection, nullptr);
  sqlite3_vfs* vfs = nullptr;
  ASSERT_EQ(sqlite3_file_control(connection->handle(), "main", SQLITE_FCNTL_VFS_POINTER, &vfs),
            SQLITE_OK);
  ASSERT_NE(vfs, nullptr);
  EXPECT_STREQ(vfs->zName, PacedVfsName());
}

TEST(PacedVfs, WritesOfManyPagesAreHandedToWritebackAndReadBackTheSame) {
  TempDir directory;
  const std::string path = directory.File("a.db");
  const uint64_t before = PacedWritebacks();
  {
    auto connection = OpenOrDie(path);
    ASSERT_NE(connection, nullptr);
    ASSERT_TRUE(connection->Execute("PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;"));
    // 4 MiB in one transaction: its WAL frames pass the threshold sixteen times before the commit.
    ASSERT_TRUE(connection->Execute(
        "CREATE TABLE t (n INTEGER PRIMARY KEY, b BLOB);"
        "BEGIN; WITH RECURSIVE c(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM c WHERE n < 1024) "
        "INSERT INTO t SELECT n, randomblob(4096) FROM c; COMMIT;"));
    // The checkpoint copies the pages into the database file: more writebacks, of that file.
    ASSERT_TRUE(connection->Execute("PRAGMA wal_checkpoint(TRUNCATE);"));
  }
  EXPECT_GE(PacedWritebacks() - before, 16u);
  auto connection = OpenOrDie(path);
  ASSERT_NE(connection, nullptr);
  auto check = connection->QueryText("PRAGMA integrity_check");
  ASSERT_TRUE(check) << check.error().message;
  EXPECT_EQ(*check, "ok");
  auto rows = connection->QueryText("SELECT count(*) || ' ' || sum(length(b)) FROM t");
  ASSERT_TRUE(rows) << rows.error().message;
  EXPECT_EQ(*rows, "1024 4194304");
}

TEST(PacedVfs, SmallCommitsStartNoWriteback) {
  TempDir directory;
  auto connection = OpenOrDie(directory.File("a.db"));
  ASSERT_NE(connection, nullptr);
  ASSERT_TRUE(
      connection->Execute("PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL;"
                          "CREATE TABLE t (n INTEGER PRIMARY KEY, b BLOB);"));
  const uint64_t before = PacedWritebacks();
  // Each commit is synced (synchronous=FULL) long before it reaches the threshold.
  for (int i = 0; i < 50; ++i) {
    ASSERT_TRUE(connection->Execute("INSERT INTO t (b) VALUES (randomblob(1000))"));
  }
  EXPECT_EQ(PacedWritebacks(), before);
}

TEST(PacedVfs, InMemoryAndTemporaryDatabasesStillWork) {
  for (const char* path : {":memory:", ""}) {
    auto connection = OpenOrDie(path);
    ASSERT_NE(connection, nullptr);
    ASSERT_TRUE(connection->Execute(
        "CREATE TABLE t (n INTEGER PRIMARY KEY, b BLOB);"
        "WITH RECURSIVE c(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM c WHERE n < 512) "
        "INSERT INTO t SELECT n, randomblob(4096) FROM c;"));
    auto rows = connection->QueryText("SELECT count(*) FROM t");
    ASSERT_TRUE(rows) << rows.error().message;
    EXPECT_EQ(*rows, "512") << "path '" << path << "'";
  }
}

// SQLite's page caches live in the reserved region, which a forked child (a snapshot's encoder)
// does not have: nothing of it is copied at the fork or afterwards.
TEST(SqlitePageCache, PagesAreCachedInARegionAForkedChildDoesNotHave) {
  ReserveSqlitePageCache();  // as `serve` does, before SQLite initializes (one test a process)
  TempDir directory;
  auto connection = OpenOrDie(directory.File("a.db"));
  ASSERT_NE(connection, nullptr);
  const void* region = SqlitePageCacheRegion();
  ASSERT_NE(region, nullptr);
  ASSERT_TRUE(connection->Execute(
      "CREATE TABLE t (n INTEGER PRIMARY KEY, b BLOB);"
      "WITH RECURSIVE c(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM c WHERE n < 256) "
      "INSERT INTO t SELECT n, randomblob(4096) FROM c;"));
  int used = 0, highest = 0;
  ASSERT_EQ(sqlite3_status(SQLITE_STATUS_PAGECACHE_USED, &used, &highest, 0), SQLITE_OK);
  EXPECT_GT(used, 0) << "no page of the cache came from the region";
  // madvise fails with ENOMEM on an address that is not mapped.
  void* first_page = const_cast<void*>(region);
  ASSERT_EQ(madvise(first_page, 4096, MADV_NORMAL), 0);
  pid_t child = fork();
  ASSERT_GE(child, 0);
  if (child == 0) _exit(madvise(first_page, 4096, MADV_NORMAL) != 0 && errno == ENOMEM ? 0 : 1);
  int status = 0;
  ASSERT_EQ(waitpid(child, &status, 0), child);
  ASSERT_TRUE(WIFEXITED(status));
  EXPECT_EQ(WEXITSTATUS(status), 0) << "the forked child has the page cache's region";
}

}  // namespace
}  // namespace twoline::store
