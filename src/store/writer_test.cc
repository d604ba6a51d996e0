// The single writer: group commit, the bounded queue, sticky failure, authorization hooks, and a
// clean stop. Runs on MemoryStore (its injected failures stand in for a failed fsync).
#include "store/writer.h"

#include <atomic>
#include <condition_variable>
#include <functional>
#include <mutex>
#include <thread>

#include "engine/queries.h"
#include "journal/merkle_leaf.h"
#include "service_test_util.h"
#include "store/memory_store.h"
#include "store/read_models.h"

namespace twoline::store {
namespace {

// Holds the writer thread inside a Read until released, so that requests pile up in the queue.
class Gate {
 public:
  void Close(Writer& writer, const std::string& zone) {
    held_ = writer.Read(zone, [this](const Zone&) -> Result<std::string> {
      std::unique_lock<std::mutex> lock(mutex_);
      entered_ = true;
      changed_.notify_all();
      changed_.wait(lock, [&] { return open_; });
      return std::string("released");
    });
    std::unique_lock<std::mutex> lock(mutex_);
    changed_.wait(lock, [&] { return entered_; });
  }
  void Open() {
    {
      std::lock_guard<std::mutex> lock(mutex_);
      open_ = true;
    }
    changed_.notify_all();
    EXPECT_EQ(*held_.get(), "released");
  }

 private:
  std::mutex mutex_;
  std::condition_variable changed_;
  bool entered_ = false, open_ = false;
  std::future<Result<std::string>> held_;
};

class WriterTest : public ::testing::Test {
 protected:
  void SetUp() override { day_ = testing::SimulatedDay("hengqin", 80, 21); }

  std::unique_ptr<Writer> Start(const WriterOptions& options = {}) {
    auto zones = ZoneSet::Load(store_, true, nullptr);
    EXPECT_TRUE(zones.ok());
    testing::PutInForce(**zones, store_, {"hengqin"});
    return std::make_unique<Writer>(store_, std::move(*zones), options);
  }
  SubmitRequest Request(std::vector<size_t> lines) {
    SubmitRequest request;
    request.zone = "hengqin";
    for (size_t line : lines) request.commands.push_back(testing::ParseOrDie(day_.at(line)));
    return request;
  }
  uint64_t StoredEntries() {
    auto zones = store_.Zones();
    return zones.ok() && !zones->empty() ? zones->front().entries : 0;
  }

  MemoryStore store_;
  std::vector<std::string> day_;
};

// The deciding and committing threads take the nice value asked for (a server asks for a raised
// priority; lowering it, as here, needs no privilege) and say whether they got it.
TEST_F(WriterTest, TheWriterAndCommitterThreadsRunAtTheNiceValueAskedFor) {
  {
    auto writer = Start();
    EXPECT_FALSE(writer->stats().priority_raised) << "nothing was asked";
  }
  WriterOptions options;
  options.nice = 7;
  auto writer = Start(options);
  EXPECT_TRUE(writer->stats().priority_raised);
  for (const char* name : {"tl-writer", "tl-commit"}) {
    std::vector<testing::ThreadScheduling> threads = testing::ThreadsNamed(name);
    ASSERT_EQ(threads.size(), 1u) << name;
    EXPECT_EQ(threads[0].nice, 7) << name;
  }
  auto decided = writer->Submit(Request({0})).get();
  EXPECT_EQ(decided.status, SubmitStatus::kDecided);
}

TEST_F(WriterTest, RequestsWaitingTogetherShareOneCommit) {
  auto writer = Start();
  Gate gate;
  gate.Close(*writer, "hengqin");
  std::vector<std::future<SubmitResult>> results;
  for (size_t i = 0; i < 10; ++i) results.push_back(writer->Submit(Request({i})));
  gate.Open();
  for (auto& result : results) {
    SubmitResult answered = result.get();
    ASSERT_EQ(answered.status, SubmitStatus::kDecided) << answered.message;
    ASSERT_EQ(answered.answers.size(), 1u);
  }
  EXPECT_EQ(StoredEntries(), 11u);  // the profile and ten commands
  Histogram::Snapshot batches = writer->stats().batch_commands.Read();
  EXPECT_EQ(batches.count, 1u) << "ten waiting requests, one transaction";
  EXPECT_EQ(batches.sum, 10.0);
}

// An event loop defers the wake-ups of a turn's requests: they are queued, and one wake-up at the
// turn's end has the writer decide them all.
TEST_F(WriterTest, RequestsSubmittedWithWakesDeferredAreDecidedOnceWoken) {
  auto writer = Start();
  ASSERT_EQ(writer->Submit(Request({0})).get().status, SubmitStatus::kDecided);
  Writer::DeferWakes();
  std::vector<std::future<SubmitResult>> results;
  for (size_t i = 1; i < 6; ++i) results.push_back(writer->Submit(Request({i})));
  Writer::WakeDeferred();
  for (auto& result : results) {
    SubmitResult answered = result.get();
    ASSERT_EQ(answered.status, SubmitStatus::kDecided) << answered.message;
  }
  EXPECT_EQ(StoredEntries(), 7u);  // the profile and six commands
  // Outside a deferral, a Submit wakes the writer itself.
  EXPECT_EQ(writer->Submit(Request({6})).get().status, SubmitStatus::kDecided);
  EXPECT_EQ(StoredEntries(), 8u);
}

TEST_F(WriterTest, AnAnswerCarriesTheDurableSeqAndHash) {
  auto writer = Start();
  SubmitResult result = writer->Submit(Request({0, 1, 2})).get();
  ASSERT_EQ(result.status, SubmitStatus::kDecided);
  auto entries = store_.ReadEntries("hengqin", 2, 3);
  ASSERT_TRUE(entries.ok());
  ASSERT_EQ(entries->size(), 3u);
  for (size_t i = 0; i < 3; ++i) {
    auto stored = WireDecisionOfLine((*entries)[i].line);
    ASSERT_TRUE(stored.ok());
    EXPECT_EQ(result.answers[i].json, *stored);
  }
}

// What a receipt is made of: the entry's seq and leaf hash (a repeat: the original's), and the
// journal's durable size; an invalid command has no entry.
TEST_F(WriterTest, AnAnswerCarriesItsEntrysLeafHashAndTheDurableSize) {
  auto writer = Start();
  SubmitResult result = writer->Submit(Request({0, 1})).get();
  ASSERT_EQ(result.status, SubmitStatus::kDecided);
  EXPECT_EQ(result.journal_entries, 3u);
  auto entries = store_.ReadEntries("hengqin", 2, 2);
  ASSERT_TRUE(entries.ok());
  for (size_t i = 0; i < 2; ++i) {
    EXPECT_EQ(result.answers[i].seq, 2 + i);
    EXPECT_EQ(result.answers[i].leaf_hash, journal::LeafOfJournalLine((*entries)[i].line)->leaf_hash);
  }
  SubmitRequest again = Request({1, 2});
  std::string elsewhere = day_.at(5);  // sent to hengqin, for another zone: invalid
  elsewhere.replace(elsewhere.find("\"zone\":\"hengqin\""), 16, "\"zone\":\"qianhai\"");
  again.commands.push_back(testing::ParseOrDie(elsewhere));
  SubmitResult repeated = writer->Submit(std::move(again)).get();
  ASSERT_EQ(repeated.status, SubmitStatus::kDecided);
  ASSERT_EQ(repeated.answers.size(), 3u);
  EXPECT_TRUE(repeated.answers[0].duplicate);
  EXPECT_EQ(repeated.answers[0].seq, 3u);
  EXPECT_EQ(repeated.answers[0].leaf_hash, result.answers[1].leaf_hash);
  EXPECT_EQ(repeated.answers[1].seq, 4u);
  EXPECT_EQ(repeated.answers[2].outcome, engine::Outcome::kInvalid);
  EXPECT_EQ(repeated.answers[2].seq, 0u);
  EXPECT_EQ(repeated.journal_entries, 4u);
}

TEST_F(WriterTest, AFullQueueRefusesAtOnce) {
  WriterOptions options;
  options.queue_commands_max = 5;
  auto writer = Start(options);
  Gate gate;
  gate.Close(*writer, "hengqin");
  std::vector<std::future<SubmitResult>> queued;
  for (size_t i = 0; i < 5; ++i) queued.push_back(writer->Submit(Request({i})));
  EXPECT_EQ(writer->stats().queue_commands.load(), 5u);
  SubmitResult refused = writer->Submit(Request({5})).get();
  EXPECT_EQ(refused.status, SubmitStatus::kOverloaded);
  EXPECT_EQ(writer->stats().overloaded_total.load(), 1u);
  gate.Open();
  for (auto& result : queued) EXPECT_EQ(result.get().status, SubmitStatus::kDecided);
  EXPECT_EQ(writer->Submit(Request({5})).get().status, SubmitStatus::kDecided) << "room again";
}

TEST_F(WriterTest, AFailedCommitStopsEveryLaterWriteButNotReads) {
  WriterOptions options;
  std::atomic<int> reported{0};
  options.on_writes_stopped = [&](const std::string& reason) {
    EXPECT_NE(reason.find("injected"), std::string::npos) << reason;
    ++reported;
  };
  auto writer = Start(options);
  ASSERT_EQ(writer->Submit(Request({0, 1})).get().status, SubmitStatus::kDecided);
  Hash256 committed_state{};
  auto before = writer->Read("hengqin", [&](const Zone& zone) -> Result<std::string> {
    committed_state = zone.chain.engine().StateHash();
    return std::string();
  });
  ASSERT_TRUE(before.get().ok());

  store_.InjectAppendFailures(1);
  SubmitResult failed = writer->Submit(Request({2, 3})).get();
  EXPECT_EQ(failed.status, SubmitStatus::kUnavailable);
  EXPECT_TRUE(writer->writes_stopped());
  EXPECT_EQ(writer->Submit(Request({4})).get().status, SubmitStatus::kUnavailable);
  EXPECT_EQ(StoredEntries(), 3u);
  EXPECT_EQ(writer->stats().write_failures_total.load(), 1u);
  EXPECT_EQ(reported.load(), 1) << "the operator hears of it once";

  // Reads through the writer show what is durable, not the decisions of the failed batch.
  Hash256 state_after{};
  auto after = writer->Read("hengqin", [&](const Zone& zone) -> Result<std::string> {
    state_after = zone.chain.engine().StateHash();
    return std::string();
  });
  ASSERT_TRUE(after.get().ok());
  EXPECT_EQ(state_after, committed_state);
  EXPECT_TRUE(store_.ReadEntries("hengqin", 1, 10).ok()) << "read models and journal stay readable";
}

TEST_F(WriterTest, AuthorizationRefusesTheWholeRequest) {
  auto writer = Start();
  SubmitRequest request = Request({0, 1, 2});
  request.authorize = [](const engine::Command& command) -> Status {
    if (command.id == "c-0000002") return Error{"not yours"};
    return Status::Ok();
  };
  SubmitResult result = writer->Submit(std::move(request)).get();
  EXPECT_EQ(result.status, SubmitStatus::kForbidden);
  EXPECT_EQ(result.message, "not yours");
  EXPECT_EQ(StoredEntries(), 1u) << "nothing of a refused request is decided";
}

// A request may take so much of the writer: past its decide budget, its remaining commands are
// answered command.not-decided (invalid, not journaled) and are decided when sent again.
TEST_F(WriterTest, CommandsPastTheRequestsDecideBudgetAreNotDecided) {
  auto writer = Start();
  SubmitRequest request = Request({0, 1, 2});
  request.decide_budget = std::chrono::nanoseconds(1);  // spent by the first command
  SubmitResult result = writer->Submit(std::move(request)).get();
  ASSERT_EQ(result.status, SubmitStatus::kDecided);
  ASSERT_EQ(result.answers.size(), 3u);
  EXPECT_NE(result.answers[0].outcome, engine::Outcome::kInvalid);
  for (size_t i : {1u, 2u}) {
    EXPECT_EQ(result.answers[i].outcome, engine::Outcome::kInvalid);
    EXPECT_NE(result.answers[i].json.find("command.not-decided"), std::string::npos) << result.answers[i].json;
    EXPECT_EQ(result.answers[i].seq, 0u);
  }
  EXPECT_EQ(writer->stats().commands_not_decided.load(), 2u);
  SubmitResult again = writer->Submit(Request({1, 2})).get();
  ASSERT_EQ(again.status, SubmitStatus::kDecided);
  for (const Answer& answer : again.answers) {
    EXPECT_NE(answer.outcome, engine::Outcome::kInvalid) << answer.json;
    EXPECT_GT(answer.seq, 0u);
  }
}

TEST_F(WriterTest, AnUnknownZoneIsRefused) {
  auto writer = Start();
  SubmitRequest request = Request({0});
  request.zone = "atlantis";
  EXPECT_EQ(writer->Submit(std::move(request)).get().status, SubmitStatus::kUnknownZone);
  auto read = writer->Read("atlantis", [](const Zone&) -> Result<std::string> { return std::string(); });
  EXPECT_FALSE(read.get().ok());
}

TEST_F(WriterTest, ARepeatInTheSameBatchIsAnsweredOnce) {
  auto writer = Start();
  Gate gate;
  gate.Close(*writer, "hengqin");
  auto first = writer->Submit(Request({0}));
  auto again = writer->Submit(Request({0}));
  gate.Open();
  SubmitResult a = first.get(), b = again.get();
  ASSERT_EQ(a.status, SubmitStatus::kDecided);
  ASSERT_EQ(b.status, SubmitStatus::kDecided);
  EXPECT_EQ(a.answers[0].json, b.answers[0].json);
  EXPECT_TRUE(b.answers[0].duplicate);
  EXPECT_EQ(StoredEntries(), 2u);
  EXPECT_EQ(writer->stats().Zone("hengqin")->duplicates.load(), 1u);
}

TEST_F(WriterTest, StopCommitsWhatWasQueued) {
  auto writer = Start();
  Gate gate;
  gate.Close(*writer, "hengqin");
  std::vector<std::future<SubmitResult>> queued;
  for (size_t i = 0; i < 4; ++i) queued.push_back(writer->Submit(Request({i})));
  std::thread stopper([&] { writer->Stop(); });
  gate.Open();
  stopper.join();
  for (auto& result : queued) EXPECT_EQ(result.get().status, SubmitStatus::kDecided);
  EXPECT_EQ(StoredEntries(), 5u);
  EXPECT_EQ(writer->Submit(Request({4})).get().status, SubmitStatus::kUnavailable);
}

// Lines 0..n-1 of the day as n requests queued while the writer is held, so that they are decided
// in one batch.
void DecideTogether(Writer& writer, size_t n, const std::function<SubmitRequest(size_t)>& request) {
  Gate gate;
  gate.Close(writer, "hengqin");
  std::vector<std::future<SubmitResult>> results;
  for (size_t i = 0; i < n; ++i) results.push_back(writer.Submit(request(i)));
  gate.Open();
  for (auto& result : results) EXPECT_EQ(result.get().status, SubmitStatus::kDecided);
}

uint64_t ReadModelSeq(Store& store) {
  auto zones = store.Zones();
  return zones.ok() && !zones->empty() ? zones->front().read_model_seq : 0;
}

// The read models of the store equal those the writer's engine shows now (a rebuild).
void ExpectReadModelsOfTheEngine(Store& store, Writer& writer) {
  auto expected = writer.Read("hengqin", [](const Zone& zone) -> Result<std::string> {
    std::string persons;
    for (const engine::Person& person : zone.chain.engine().state().persons) {
      auto row = PersonRow(zone.chain.engine(), person.id);
      persons += row->key + " " + row->state + " " + row->json + "\n";
    }
    return engine::PresenceJson(zone.chain.engine(), 0, SIZE_MAX) + persons;
  }).get();
  ASSERT_TRUE(expected.ok());
  auto presence = store.ReadPresence("hengqin", 0, kReadRowsMax);
  ASSERT_TRUE(presence.ok());
  std::string stored = PresencePageJson("hengqin", *presence, 0);
  auto page = store.ListViews("hengqin", "person", {}, 0, kReadRowsMax);
  ASSERT_TRUE(page.ok());
  for (const ViewRow& row : page->rows) stored += row.key + " " + row.state + " " + row.json + "\n";
  EXPECT_EQ(stored, *expected);
}

// Requests that come together leave their read-model rows to a later batch; the next batch of a
// single request takes and writes them all with its own when they are few (a burst), so that its
// client reads its own writes.
TEST_F(WriterTest, ABatchOfManyRequestsLeavesItsReadModelsToTheNextSingleRequest) {
  WriterOptions options;
  options.read_models_lag = std::chrono::hours(1);  // nothing is taken for time
  auto writer = Start(options);
  const uint64_t before = ReadModelSeq(store_);
  DecideTogether(*writer, 20, [this](size_t i) { return Request({i}); });
  EXPECT_EQ(StoredEntries(), 21u) << "every answer's entry is durable";
  EXPECT_EQ(ReadModelSeq(store_), before) << "the rows were left for later";
  ASSERT_EQ(writer->Submit(Request({20})).get().status, SubmitStatus::kDecided);
  EXPECT_EQ(ReadModelSeq(store_), 22u);
  ExpectReadModelsOfTheEngine(store_, *writer);
}

// Under sustained load (more rows left than a burst leaves) a batch of a single request is a
// moment amid larger ones: it leaves its rows too, rather than carry the whole queue and stall the
// batches behind it. The stop writes them all.
TEST_F(WriterTest, ASingleRequestAmidSustainedLoadDoesNotTakeTheRowsLeft) {
  WriterOptions options;
  options.read_models_lag = std::chrono::hours(1);
  options.read_models_taken_alone_commands = 10;
  auto writer = Start(options);
  const uint64_t before = ReadModelSeq(store_);
  DecideTogether(*writer, 20, [this](size_t i) { return Request({i}); });
  EXPECT_EQ(ReadModelSeq(store_), before) << "the rows were left for later";
  ASSERT_EQ(writer->Submit(Request({20})).get().status, SubmitStatus::kDecided);
  EXPECT_EQ(StoredEntries(), 22u);
  EXPECT_EQ(ReadModelSeq(store_), before) << "a single request amid load leaves its rows too";
  writer->Stop();
  EXPECT_EQ(ReadModelSeq(store_), 22u);
}

// With nothing left before it, a single request's rows are written with it: its client reads its
// own writes as soon as it is answered.
TEST_F(WriterTest, ASingleRequestWithNothingLeftBeforeItWritesItsReadModelsWithIt) {
  WriterOptions options;
  options.read_models_lag = std::chrono::hours(1);
  auto writer = Start(options);
  for (size_t i = 0; i < 3; ++i) {
    ASSERT_EQ(writer->Submit(Request({i})).get().status, SubmitStatus::kDecided);
    EXPECT_EQ(ReadModelSeq(store_), StoredEntries());
  }
  ExpectReadModelsOfTheEngine(store_, *writer);
}

// Left rows are written when their window closes, with no request to carry them.
TEST_F(WriterTest, LeftReadModelsAreWrittenWhenTheirWindowClosesWithNothingElseComing) {
  WriterOptions options;
  options.read_models_lag = std::chrono::milliseconds(20);
  options.read_model_rows_per_batch = 3;  // the queue is written in pieces of batches of its own
  auto writer = Start(options);
  DecideTogether(*writer, 30, [this](size_t i) { return Request({i}); });
  for (int i = 0; i < 5000 && ReadModelSeq(store_) != StoredEntries(); ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  EXPECT_EQ(ReadModelSeq(store_), 31u);
  ExpectReadModelsOfTheEngine(store_, *writer);
}

// A stop writes every row left, and a start finds the read models whole.
TEST_F(WriterTest, StopWritesTheReadModelsLeftAndAStartFindsThemWhole) {
  WriterOptions options;
  options.read_models_lag = std::chrono::hours(1);
  auto writer = Start(options);
  DecideTogether(*writer, 25, [this](size_t i) { return Request({i}); });
  ASSERT_LT(ReadModelSeq(store_), StoredEntries());
  writer->Stop();
  EXPECT_EQ(ReadModelSeq(store_), StoredEntries());
  std::vector<std::string> rebuilt;
  auto zones = ZoneSet::Load(store_, true, &rebuilt);
  ASSERT_TRUE(zones.ok());
  EXPECT_TRUE(rebuilt.empty()) << "nothing to catch up";
}

TEST_F(WriterTest, ConcurrentClientsAllGetDurableAnswers) {
  auto writer = Start();
  constexpr size_t kThreads = 8;
  std::vector<std::thread> clients;
  std::vector<std::vector<SubmitResult>> results(kThreads);
  for (size_t t = 0; t < kThreads; ++t) {
    clients.emplace_back([&, t] {
      // Each client registers its own parties, one request at a time.
      for (int i = 0; i < 25; ++i) {
        SubmitRequest request;
        request.zone = "hengqin";
        char json[256];
        std::snprintf(json, sizeof json,
                      R"({"id":"t%zu-%d","zone":"hengqin","at":"2026-03-02T08:00:00+08:00","type":"register_party","party":{"id":"P-%zu-%d","name":"Firm","kind":"enterprise","credit":"general","lists":[]}})",
                      t, i, t, i);
        request.commands.push_back(testing::ParseOrDie(json));
        results[t].push_back(writer->Submit(std::move(request)).get());
      }
    });
  }
  for (auto& client : clients) client.join();
  for (const auto& per_client : results) {
    for (const SubmitResult& result : per_client) ASSERT_EQ(result.status, SubmitStatus::kDecided);
  }
  EXPECT_EQ(StoredEntries(), 1u + kThreads * 25);
  EXPECT_EQ(writer->stats().Zone("hengqin")->journal_entries.load(), 1u + kThreads * 25);
}

}  // namespace
}  // namespace twoline::store

namespace twoline::store {
namespace {

TEST_F(WriterTest, BackgroundSnapshotsAreWrittenAndAStartFromThemReachesTheSameState) {
  WriterOptions options;
  options.snapshots.every_entries = 20;
  options.snapshots.kept = 2;
  std::vector<std::string> log;
  std::mutex log_mutex;
  options.on_snapshot_log = [&](const std::string& message) {
    std::lock_guard<std::mutex> lock(log_mutex);
    log.push_back(message);
  };
  auto writer = Start(options);
  // One command per request, each waited for, so that the writer passes many batch boundaries.
  for (size_t i = 0; i < day_.size(); ++i) {
    SubmitResult result = writer->Submit(Request({i})).get();
    ASSERT_EQ(result.status, SubmitStatus::kDecided) << result.message;
  }
  writer->Stop();
  ASSERT_NE(writer->snapshotter(), nullptr);
  EXPECT_GE(writer->snapshotter()->written(), 1u);
  EXPECT_EQ(writer->snapshotter()->failed(), 0u) << (log.empty() ? "" : log.back());
  auto snapshots = store_.ListSnapshots("hengqin");
  ASSERT_TRUE(snapshots.ok());
  ASSERT_GE(snapshots->size(), 1u);
  EXPECT_LE(snapshots->size(), 2u) << "older snapshots are deleted";

  auto full = ZoneSet::Load(store_, true, nullptr, LoadOptions{false, nullptr});
  ASSERT_TRUE(full.ok());
  std::vector<LoadReport> reports;
  auto fast = ZoneSet::Load(store_, true, nullptr, LoadOptions{}, &reports);
  ASSERT_TRUE(fast.ok());
  ASSERT_EQ(reports.size(), 1u);
  EXPECT_EQ(reports[0].snapshot_seq, snapshots->front().seq);
  EXPECT_EQ(reports[0].replayed, StoredEntries() - snapshots->front().seq);
  EXPECT_EQ((*fast)->Find("hengqin")->chain.engine().StateHash(),
            (*full)->Find("hengqin")->chain.engine().StateHash());
  EXPECT_EQ((*fast)->Find("hengqin")->chain.head(), (*full)->Find("hengqin")->chain.head());
}

// After a snapshot that took D, the next waits D * (1 / share_max - 1): with a tiny share, a
// snapshot is due after every entry and yet only the first is taken while the test runs.
TEST_F(WriterTest, ASnapshotRestsInProportionToItsLengthBeforeTheNext) {
  WriterOptions options;
  options.snapshots.every_entries = 1;
  options.snapshots.share_max = 1e-6;  // a rest of a million times its length: beyond this test
  auto writer = Start(options);
  for (size_t i = 0; i < 30; ++i) {
    SubmitResult result = writer->Submit(Request({i})).get();
    ASSERT_EQ(result.status, SubmitStatus::kDecided) << result.message;
  }
  writer->Stop();
  ASSERT_NE(writer->snapshotter(), nullptr);
  EXPECT_EQ(writer->snapshotter()->written(), 1u);
  EXPECT_EQ(writer->snapshotter()->failed(), 0u);
}

TEST_F(WriterTest, ASnapshotTakenBeforeAFailedCommitIsNeverStored) {
  WriterOptions options;
  options.snapshots.every_entries = 1;
  auto writer = Start(options);
  store_.InjectAppendFailures(1000);
  for (size_t i = 0; i < 5; ++i) (void)writer->Submit(Request({i})).get();
  writer->Stop();
  auto snapshots = store_.ListSnapshots("hengqin");
  ASSERT_TRUE(snapshots.ok());
  for (const SnapshotInfo& info : *snapshots) {
    EXPECT_LE(info.seq, StoredEntries()) << "a snapshot of entries that were never durable";
  }
}

}  // namespace
}  // namespace twoline::store
