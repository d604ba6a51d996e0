// The libpq layer, the schema migrations, and zone leases with fencing, against a throwaway
// PostgreSQL cluster (tests/pg_test_cluster.h).
#include "store/pg_lease.h"

#include <unistd.h>

#include <thread>

#include "pg_test_cluster.h"
#include "store/pg_connection.h"
#include "store/pg_schema.h"

namespace twoline::store {
namespace {

using testing::PgTestCluster;

class PgTest : public ::testing::Test {
 protected:
  void SetUp() override {
    PgTestCluster* cluster = PgTestCluster::Shared();
    ASSERT_NE(cluster, nullptr);
    conninfo_ = cluster->NewDatabase();
    ASSERT_FALSE(conninfo_.empty());
  }
  std::unique_ptr<PgConnection> Connect() {
    auto connection = PgConnection::Connect(conninfo_, PgOptions{});
    EXPECT_TRUE(connection.ok()) << (connection.ok() ? "" : connection.error().message);
    return connection.ok() ? std::move(*connection) : nullptr;
  }
  std::unique_ptr<PgLeases> Leases() {
    auto connection = Connect();
    Status migrated = MigratePg(*connection);
    EXPECT_TRUE(migrated.ok()) << migrated.message();
    auto leases = PgLeases::Open(conninfo_, PgOptions{});
    EXPECT_TRUE(leases.ok()) << (leases.ok() ? "" : leases.error().message);
    return leases.ok() ? std::move(*leases) : nullptr;
  }
  std::string conninfo_;
};

TEST_F(PgTest, ParametersAreBinarySafe) {
  auto connection = Connect();
  ASSERT_TRUE(connection);
  std::string bytes;
  for (int i = 0; i < 256; ++i) bytes.push_back(static_cast<char>(i));
  const std::string text = "it's \"quoted\"; DROP TABLE x; -- 横琴 \\ $1";
  auto row =
      connection->Query("SELECT $1::bytea, $2::text, $3::bigint, $4::text IS NULL",
                        PgParams().Bytes(bytes.data(), bytes.size()).Text(text).Int(-42).Null());
  ASSERT_TRUE(row.ok()) << row.error().message;
  EXPECT_EQ(row->Bytes(0, 0), bytes);
  EXPECT_EQ(row->Text(0, 1), text);
  EXPECT_EQ(row->Int(0, 2), -42);
  EXPECT_TRUE(row->Bool(0, 3));
}

TEST_F(PgTest, ErrorsNameTheServerAndTheSqlstate) {
  auto connection = Connect();
  ASSERT_TRUE(connection);
  auto bad = connection->Query("SELEKT 1");
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.error().message.find("postgres 127.0.0.1:"), std::string::npos)
      << bad.error().message;
  EXPECT_NE(bad.error().message.find("[42601]"), std::string::npos) << bad.error().message;
  EXPECT_EQ(connection->last_sqlstate(), "42601");
  EXPECT_FALSE(connection->connection_lost());
  ASSERT_TRUE(connection->Execute("CREATE TABLE u (k text PRIMARY KEY)").ok());
  ASSERT_TRUE(connection->Query("INSERT INTO u VALUES ($1)", PgParams().Text("a")).ok());
  auto duplicate = connection->Query("INSERT INTO u VALUES ($1)", PgParams().Text("a"));
  ASSERT_FALSE(duplicate.ok());
  EXPECT_EQ(connection->last_sqlstate(), "23505");
}

TEST_F(PgTest, TransactionsRollBackOnFailure) {
  auto connection = Connect();
  ASSERT_TRUE(connection);
  ASSERT_TRUE(connection->Execute("CREATE TABLE t (k bigint PRIMARY KEY)").ok());
  Status failed = InTransaction(*connection, "READ COMMITTED", [&]() -> Status {
    if (auto inserted = connection->Query("INSERT INTO t VALUES (1)"); !inserted)
      return inserted.error();
    return Error{"the body fails"};
  });
  EXPECT_FALSE(failed.ok());
  EXPECT_FALSE(connection->in_transaction());
  auto count = connection->Query("SELECT count(*) FROM t");
  ASSERT_TRUE(count.ok());
  EXPECT_EQ(count->Int(0, 0), 0);
}

TEST_F(PgTest, ReconnectsAndReprepares) {
  auto connection = Connect();
  auto killer = Connect();
  ASSERT_TRUE(connection && killer);
  ASSERT_TRUE(connection->Prepare("plus_one", "SELECT $1::bigint + 1").ok());
  auto pid = connection->Query("SELECT pg_backend_pid()");
  ASSERT_TRUE(pid.ok());
  ASSERT_TRUE(
      killer->Query("SELECT pg_terminate_backend($1::int)", PgParams().Int(pid->Int(0, 0))).ok());
  auto lost = connection->Run("plus_one", PgParams().Int(1));
  ASSERT_FALSE(lost.ok());
  EXPECT_TRUE(connection->connection_lost()) << lost.error().message;
  ASSERT_TRUE(connection->Reconnect().ok());
  auto again = connection->Run("plus_one", PgParams().Int(1));
  ASSERT_TRUE(again.ok()) << again.error().message;
  EXPECT_EQ(again->Int(0, 0), 2);
}

TEST_F(PgTest, MultiHostConninfoFindsTheWritableServer) {
  // The first host is a port nobody listens on; libpq goes on to the second.
  std::string port = conninfo_.substr(conninfo_.find("port=") + 5);
  port = port.substr(0, port.find(' '));
  std::string multi = PgTestCluster::Replace(conninfo_, "host=127.0.0.1 port=" + port,
                                             "host=127.0.0.1,127.0.0.1 port=1," + port);
  multi += " target_session_attrs=read-write";
  auto connection = PgConnection::Connect(multi, PgOptions{});
  ASSERT_TRUE(connection.ok()) << connection.error().message;
  EXPECT_NE((*connection)->server().find(":" + port + "/"), std::string::npos);
}

TEST_F(PgTest, UnreachableServerIsAnError) {
  auto connection = PgConnection::Connect("host=127.0.0.1 port=1 connect_timeout=2", PgOptions{});
  ASSERT_FALSE(connection.ok());
  EXPECT_NE(connection.error().message.find("cannot connect"), std::string::npos);
}

TEST_F(PgTest, MigrationsRunOnceAndRefuseANewerDatabase) {
  auto connection = Connect();
  ASSERT_TRUE(connection);
  EXPECT_FALSE(CheckPgSchema(*connection).ok());  // no twoline schema yet
  int applied = -1;
  ASSERT_TRUE(MigratePg(*connection, &applied).ok());
  EXPECT_EQ(applied, static_cast<int>(PgMigrations().size()));
  ASSERT_TRUE(MigratePg(*connection, &applied).ok());
  EXPECT_EQ(applied, 0);
  EXPECT_TRUE(CheckPgSchema(*connection).ok());
  ASSERT_TRUE(
      connection->Execute("INSERT INTO twoline_schema (version, description) VALUES (99, 'future')")
          .ok());
  Status newer = MigratePg(*connection);
  ASSERT_FALSE(newer.ok());
  EXPECT_NE(newer.message().find("newer than this build"), std::string::npos) << newer.message();
  EXPECT_FALSE(CheckPgSchema(*connection).ok());
}

TEST_F(PgTest, ConcurrentMigrationsApplyEachVersionOnce) {
  std::vector<std::thread> threads;
  std::atomic<int> failures{0}, applied_total{0};
  for (int i = 0; i < 4; ++i) {
    threads.emplace_back([&] {
      auto connection = PgConnection::Connect(conninfo_, PgOptions{});
      int applied = 0;
      if (!connection || !MigratePg(**connection, &applied)) ++failures;
      applied_total += applied;
    });
  }
  for (auto& thread : threads) thread.join();
  EXPECT_EQ(failures.load(), 0);
  EXPECT_EQ(applied_total.load(), static_cast<int>(PgMigrations().size()));
}

TEST_F(PgTest, EveryAcquisitionIncrementsTheEpoch) {
  auto leases = Leases();
  ASSERT_TRUE(leases);
  auto first = leases->Acquire("hengqin", "n1", 60000);
  ASSERT_TRUE(first.ok() && first->acquired);
  EXPECT_EQ(first->fence.epoch, 1u);
  ASSERT_TRUE(leases->Release(first->fence).ok());
  auto second = leases->Acquire("hengqin", "n2", 60000);
  ASSERT_TRUE(second.ok() && second->acquired);
  EXPECT_EQ(second->fence.epoch, 2u);
  // The same node taking its own zone again (a restart) also gets a new epoch.
  auto third = leases->Acquire("hengqin", "n2", 60000);
  ASSERT_TRUE(third.ok() && third->acquired);
  EXPECT_EQ(third->fence.epoch, 3u);
}

TEST_F(PgTest, ALiveLeaseOfAnotherNodeIsNotTaken) {
  auto leases = Leases();
  ASSERT_TRUE(leases);
  ASSERT_TRUE(leases->Acquire("hengqin", "n1", 60000)->acquired);
  auto refused = leases->Acquire("hengqin", "n2", 60000);
  ASSERT_TRUE(refused.ok());
  EXPECT_FALSE(refused->acquired);
  EXPECT_EQ(refused->holder.owner, "n1");
  EXPECT_EQ(refused->holder.epoch, 1u);
  EXPECT_GT(refused->holder.expires_in_ms, 0);
}

TEST_F(PgTest, AnExpiredLeaseIsTakenOverAndTheOldOwnerCannotRenew) {
  auto leases = Leases();
  ASSERT_TRUE(leases);
  auto old_owner = leases->Acquire("hengqin", "n1", 50);
  ASSERT_TRUE(old_owner.ok() && old_owner->acquired);
  Result<Acquisition> taken = Acquisition{};
  for (int attempt = 0; attempt < 1000 && !taken->acquired; ++attempt) {
    taken = leases->Acquire("hengqin", "n2", 60000);
    ASSERT_TRUE(taken.ok());
    if (!taken->acquired) std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  ASSERT_TRUE(taken->acquired);
  EXPECT_EQ(taken->fence.epoch, 2u);
  auto renewed = leases->Renew(old_owner->fence, 60000);
  ASSERT_TRUE(renewed.ok());
  EXPECT_FALSE(*renewed);
  auto renewed_new = leases->Renew(taken->fence, 60000);
  ASSERT_TRUE(renewed_new.ok());
  EXPECT_TRUE(*renewed_new);
}

TEST_F(PgTest, TheFenceRefusesTheOldEpoch) {
  auto leases = Leases();
  auto connection = Connect();
  ASSERT_TRUE(leases && connection);
  auto first = leases->Acquire("hengqin", "n1", 60000);
  ASSERT_TRUE(first.ok() && first->acquired);
  ASSERT_TRUE(InTransaction(*connection, "READ COMMITTED", [&] {
                return CheckFence(*connection, first->fence);
              }).ok());
  ASSERT_TRUE(leases->Release(first->fence).ok());
  auto second = leases->Acquire("hengqin", "n2", 60000);
  ASSERT_TRUE(second.ok() && second->acquired);
  Status fenced = InTransaction(*connection, "READ COMMITTED",
                                [&] { return CheckFence(*connection, first->fence); });
  ASSERT_FALSE(fenced.ok());
  EXPECT_TRUE(IsFenceError(fenced.message())) << fenced.message();
  EXPECT_NE(fenced.message().find("node n2 epoch 2"), std::string::npos) << fenced.message();
}

// The lease row serialises appends and takeovers: a takeover waits for the append in flight, which
// the new owner then sees; the old owner's next append is refused.
TEST_F(PgTest, ATakeoverWaitsForTheAppendInFlight) {
  auto leases = Leases();
  auto appender = Connect();
  auto observer = Connect();
  ASSERT_TRUE(leases && appender && observer);
  ASSERT_TRUE(appender->Execute("CREATE TABLE appended (k bigint)").ok());
  auto old_owner = leases->Acquire("hengqin", "n1", 100);
  ASSERT_TRUE(old_owner.ok() && old_owner->acquired);
  ASSERT_TRUE(appender->Begin().ok());
  ASSERT_TRUE(CheckFence(*appender, old_owner->fence).ok());
  ASSERT_TRUE(appender->Execute("INSERT INTO appended VALUES (1)").ok());

  std::atomic<bool> taken{false};
  Acquisition takeover;
  PgOptions thief_options;  // a name of its own: other test processes may share the server
  thief_options.application_name = "twoline-thief-" + std::to_string(getpid());
  std::thread thief([&] {
    auto other = PgLeases::Open(conninfo_, thief_options);
    if (!other) return;
    for (int attempt = 0; attempt < 3000 && !takeover.acquired; ++attempt) {
      auto acquisition = (*other)->Acquire("hengqin", "n2", 60000);
      if (!acquisition) return;
      takeover = *acquisition;
      if (!takeover.acquired) std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    taken = true;
  });
  // Wait until the takeover is blocked on the appender's lock on the lease row.
  bool waiting = false;
  for (int attempt = 0; attempt < 3000 && !waiting; ++attempt) {
    auto blocked = observer->Query(
        "SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND "
        "application_name = $1",
        PgParams().Text(thief_options.application_name));
    ASSERT_TRUE(blocked.ok());
    waiting = blocked->Int(0, 0) > 0;
    if (!waiting) std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  EXPECT_TRUE(waiting);
  EXPECT_FALSE(taken.load());
  ASSERT_TRUE(appender->Commit().ok());
  thief.join();
  ASSERT_TRUE(takeover.acquired);
  EXPECT_EQ(takeover.fence.epoch, 2u);
  auto rows = observer->Query("SELECT count(*) FROM appended");
  ASSERT_TRUE(rows.ok());
  EXPECT_EQ(rows->Int(0, 0), 1);
  Status fenced = InTransaction(*appender, "READ COMMITTED",
                                [&] { return CheckFence(*appender, old_owner->fence); });
  EXPECT_TRUE(IsFenceError(fenced.message())) << fenced.message();
}

TEST_F(PgTest, AnUnfencedWriterIsRefusedAZoneWithALiveLease) {
  auto leases = Leases();
  auto connection = Connect();
  ASSERT_TRUE(leases && connection);
  auto check = [&](const std::string& zone) {
    return InTransaction(*connection, "READ COMMITTED",
                         [&] { return CheckUnleased(*connection, zone); });
  };
  EXPECT_TRUE(check("hengqin").ok());  // never leased
  auto lease = leases->Acquire("hengqin", "n1", 60000);
  ASSERT_TRUE(lease.ok() && lease->acquired);
  EXPECT_EQ(lease->fence.epoch, 1u);  // the row the unfenced check created has epoch 0
  Status refused = check("hengqin");
  ASSERT_FALSE(refused.ok());
  EXPECT_TRUE(IsFenceError(refused.message()));
  EXPECT_NE(refused.message().find("leased by node n1"), std::string::npos) << refused.message();
  ASSERT_TRUE(leases->Release(lease->fence).ok());
  EXPECT_TRUE(check("hengqin").ok());
}

TEST_F(PgTest, NodesAnnounceThemselves) {
  auto leases = Leases();
  ASSERT_TRUE(leases);
  ASSERT_TRUE(leases->Heartbeat("n1", "http://127.0.0.1:1").ok());
  ASSERT_TRUE(leases->Heartbeat("n1", "http://127.0.0.1:2").ok());
  auto nodes = leases->Nodes();
  ASSERT_TRUE(nodes.ok());
  ASSERT_EQ(nodes->size(), 1u);
  EXPECT_EQ((*nodes)[0].advertise, "http://127.0.0.1:2");
  EXPECT_GE((*nodes)[0].seen_ms_ago, 0);
}

}  // namespace
}  // namespace twoline::store
