#include "store/writer.h"

#include <pthread.h>

#include <algorithm>
#include <future>
#include <map>

#include "base/check.h"
#include "base/thread_priority.h"
#include "base/wake_batch.h"

namespace twoline::store {

Writer::Writer(Store& store, std::unique_ptr<ZoneSet> zones, const WriterOptions& options)
    : store_(store),
      zones_(std::move(zones)),
      options_(options),
      zone_ids_(zones_->ids()),
      committer_(store, &stats_.commit_seconds, options.nice) {
  CHECK(options_.batch_commands_max > 0 && options_.queue_commands_max > 0);
  batch_ = std::make_unique<CommitBatch>(*zones_, store_);
  if (options_.snapshots.every_entries > 0 || options_.snapshots.every.count() > 0) {
    snapshotter_ = std::make_unique<Snapshotter>(store_, options_.snapshots, options_.on_snapshot_log);
  }
  if (options_.checkpoints.signer != nullptr) {
    checkpointer_ = std::make_unique<Checkpointer>(store_, options_.checkpoints, options_.on_checkpoint_log);
  }
  for (const std::string& id : zone_ids_) {
    auto counters = std::make_unique<ZoneCounters>(id);
    const Zone* zone = zones_->Find(id);
    counters->journal_entries = zone->chain.entries();
    if (zone->chain.engine().has_profile()) {
      const policy::Profile& profile = zone->chain.engine().profile();
      zone_clocks_[id] = ZoneClock{profile.utc_offset_minutes, profile.allowed_skew_seconds};
    }
    stats_.zones.push_back(std::move(counters));
  }
  std::promise<void> started;
  thread_ = std::thread([this, &started] {
    pthread_setname_np(pthread_self(), "tl-writer");
    if (options_.nice != 0) {
      stats_.priority_raised = SetThreadNice(options_.nice) && committer_.niced();
    }
    started.set_value();
    Run();
  });
  started.get_future().wait();  // stats_.priority_raised is settled when the constructor returns
}

Writer::~Writer() { Stop(); }

void Writer::Stop() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    stopping_ = true;
  }
  work_.notify_all();
  if (thread_.joinable()) thread_.join();
  // Answers waiting for their read models are given before the writer goes.
  std::unique_lock<std::mutex> lock(mutex_);
  answered_.wait(lock, [&] { return answers_awaiting_ == 0; });
}

namespace {

// The wake-ups deferred on this thread (Writer::DeferWakes).
struct DeferredWakes {
  bool deferring = false;
  std::vector<Writer*> writers;  // distinct, to be woken by WakeDeferred
};
thread_local DeferredWakes deferred_wakes;

}  // namespace

void Writer::DeferWakes() { deferred_wakes.deferring = true; }

void Writer::WakeDeferred() {
  DeferredWakes& deferred = deferred_wakes;
  deferred.deferring = false;
  std::vector<Writer*> writers;
  writers.swap(deferred.writers);
  for (Writer* writer : writers) writer->work_.notify_one();
}

std::future<SubmitResult> Writer::Submit(SubmitRequest request) {
  auto promise = std::make_shared<std::promise<SubmitResult>>();
  std::future<SubmitResult> future = promise->get_future();
  Submit(std::move(request),
         [promise = std::move(promise)](SubmitResult result) { promise->set_value(std::move(result)); });
  return future;
}

void Writer::Submit(SubmitRequest request, std::function<void(SubmitResult)> done) {
  SubmitJob job;
  job.arrived = Clock::now();
  job.done = std::move(done);
  auto refuse = [&](SubmitStatus status, std::string message) {
    job.done(SubmitResult{status, {}, std::move(message)});
  };
  if (writes_stopped()) {
    return refuse(SubmitStatus::kUnavailable, "writes are stopped after a failed commit");
  }
  const size_t count = request.commands.size();
  std::unique_lock<std::mutex> lock(mutex_);
  if (stopping_) {
    lock.unlock();
    return refuse(SubmitStatus::kUnavailable, "the server is stopping");
  }
  if (queued_commands_ + count > options_.queue_commands_max) {
    lock.unlock();
    stats_.overloaded_total.fetch_add(1);
    return refuse(SubmitStatus::kOverloaded, "the command queue is full");
  }
  queued_commands_ += count;
  stats_.queue_commands = queued_commands_;
  job.request = std::move(request);
  submits_.push_back(std::move(job));
  lock.unlock();
  DeferredWakes& deferred = deferred_wakes;
  if (!deferred.deferring) {
    work_.notify_one();
  } else if (std::find(deferred.writers.begin(), deferred.writers.end(), this) == deferred.writers.end()) {
    deferred.writers.push_back(this);
  }
}

std::future<Result<std::string>> Writer::Read(
    const std::string& zone, std::function<Result<std::string>(const Zone&)> read) {
  ReadJob job{zone, std::move(read), {}};
  std::future<Result<std::string>> future = job.promise.get_future();
  std::unique_lock<std::mutex> lock(mutex_);
  if (stopping_) {
    job.promise.set_value(Error{"the server is stopping"});
    return future;
  }
  reads_.push_back(std::move(job));
  lock.unlock();
  work_.notify_one();
  return future;
}

void Writer::Run() {
  for (;;) {
    std::vector<SubmitJob> jobs;
    std::vector<ReadJob> reads;
    bool stopping = false, disk_free = false;
    {
      std::unique_lock<std::mutex> lock(mutex_);
      auto ready = [&] {
        return stopping_ || !submits_.empty() || !reads_.empty() ||
               (!committing_ && (open_ || ReadModelsQueued() || LeftOverDue(false, Clock::now())));
      };
      const Clock::time_point window_end = deferred_since_ + options_.read_models_lag;
      if (batch_ != nullptr && batch_->read_models_deferred() && Clock::now() < window_end) {
        // Rows left over are written when their window closes, even if nothing else comes; once
        // it has, `ready` holds as soon as the disk is free.
        if (!work_.wait_until(lock, window_end, ready)) continue;
      } else {
        work_.wait(lock, ready);
      }
      if (stopping_ && submits_.empty() && reads_.empty() && !open_ &&
          !(batch_ != nullptr && batch_->read_models_left())) {
        break;
      }
      // Whole requests while the open batch has room (at least one request, however large).
      size_t commands = 0;
      while (!submits_.empty() &&
             (open_commands_ + commands == 0 ||
              open_commands_ + commands + submits_.front().request.commands.size() <=
                  options_.batch_commands_max)) {
        commands += submits_.front().request.commands.size();
        jobs.push_back(std::move(submits_.front()));
        submits_.pop_front();
      }
      queued_commands_ -= commands;
      stats_.queue_commands = queued_commands_;
      while (!reads_.empty()) {
        reads.push_back(std::move(reads_.front()));
        reads_.pop_front();
      }
      stopping = stopping_;
      disk_free = !committing_;
    }
    if (!jobs.empty()) DecideAll(jobs);
    // Seal when the disk is free, the batch is full, or reads or a stop need everything durable;
    // with nothing open, seal the read-model rows left over when they are due.
    bool full = open_commands_ >= options_.batch_commands_max;
    if (open_ && (disk_free || full || !reads.empty() || stopping)) {
      Flush(stopping);
    } else if (!open_ && (disk_free || stopping) &&
               (ReadModelsQueued() || LeftOverDue(stopping, Clock::now()))) {
      Flush(stopping);
    }
    // Between batches the engines hold exactly what was decided: a due zone is snapshotted in a
    // child process (snapshotter.h); the writer pauses only for the fork. Only when every
    // read-model row is sealed, so that a snapshot is never ahead of the read models.
    // The child shares every zone's engine: while it runs they keep their random writes local
    // (SetImageShared: each first write to a page the child shares copies it). A zone whose last
    // image is still being merged back is not snapshotted until it is, and stays out of the next
    // image's local writes (sharing would finish its merge at once, a stall).
    if (snapshotter_ != nullptr && zones_ != nullptr) {
      // Sharing: the settled zones (the others stay out); releasing: those that share.
      auto share_images = [&](bool shared) {
        for (const std::string& id : zone_ids_) {
          Zone* zone = zones_->Find(id);
          if (zone == nullptr) continue;
          const engine::Engine& engine = zone->chain.engine();
          if (shared ? engine.image_settled() : engine.image_shared()) zone->chain.SetImageShared(shared);
        }
      };
      if (!snapshotter_->image_in_use()) share_images(false);
      if (!writes_stopped() && !open_ && !(batch_ != nullptr && batch_->read_models_left())) {
        for (const std::string& id : zone_ids_) {
          const Zone* zone = zones_->Find(id);
          if (zone == nullptr || !zone->chain.engine().image_settled() ||
              !snapshotter_->MaybeStart(id, zone->chain)) {
            continue;
          }
          if (snapshotter_->image_in_use()) share_images(true);
          break;  // one snapshot at a time
        }
      }
    }
    // Likewise a due zone's tree head is taken (a root, O(log n) hashes) and signed elsewhere.
    if (checkpointer_ != nullptr && zones_ != nullptr && !writes_stopped()) {
      for (const std::string& id : zone_ids_) {
        if (const Zone* zone = zones_->Find(id)) checkpointer_->MaybeTake(id, zone->chain);
      }
    }
    if (!reads.empty()) {
      Settle();  // reads see the committed state: every batch decided so far is durable
      RunReads(reads);
    }
  }
  Settle();
  if (snapshotter_ != nullptr) snapshotter_->Wait();
  if (checkpointer_ != nullptr) checkpointer_->Stop();  // signs what became durable
}

bool Writer::ReadModelsDue(size_t requests, size_t commands, bool stopping,
                           Clock::time_point now) const {
  // A batch of the rows left over takes; so does a batch of one request when little was left
  // before it (a burst of a few requests that came together), the pace at which clients read what
  // they were just answered. Under sustained load a batch of one request is only a moment between
  // larger ones (64 clients posting crossings sealed a thousand of them in 6 s): had it taken every
  // row left since the window opened, each would carry the whole queue and stall the batches
  // behind it.
  if (options_.read_models_lag.count() == 0) return true;
  if (requests <= 1 && LittleLeft()) return true;
  return LeftOverDue(stopping, now) ||
         deferred_commands_ + commands >= options_.read_models_lag_commands;
}

bool Writer::LittleLeft() const {
  return batch_ != nullptr && deferred_commands_ <= options_.read_models_taken_alone_commands &&
         batch_->read_models_queued_rows() <= options_.read_model_rows_per_batch;
}

bool Writer::LeftOverDue(bool stopping, Clock::time_point now) const {
  if (batch_ == nullptr || !batch_->read_models_deferred()) return false;
  return stopping || now - deferred_since_ >= options_.read_models_lag;
}

void Writer::RunReads(std::vector<ReadJob>& reads) {
  for (ReadJob& job : reads) {
    const Zone* zone = zones_ ? zones_->Find(job.zone) : nullptr;
    if (zones_ == nullptr) {
      job.promise.set_value(Error{"the zones could not be reloaded after a failed commit"});
    } else if (zone == nullptr || !zone->chain.engine().has_profile()) {
      job.promise.set_value(Error{"unknown zone " + job.zone});
    } else {
      job.promise.set_value(job.read(*zone));
    }
  }
}

bool Writer::DecideRequest(SubmitJob& job, SubmitResult* result) {
  const SubmitRequest& request = job.request;
  const Zone* zone = zones_ && batch_ ? zones_->Find(request.zone) : nullptr;
  if (writes_stopped() || batch_ == nullptr || zone == nullptr) {
    bool stopped = writes_stopped() || batch_ == nullptr;
    result->status = stopped ? SubmitStatus::kUnavailable : SubmitStatus::kUnknownZone;
    result->message = stopped ? "writes are stopped after a failed commit" : "unknown zone " + request.zone;
    return false;
  }
  if (request.authorize) {
    for (size_t i = 0; i < request.commands.size(); ++i) {
      if (Status status = request.authorize(request.commands[i]); !status) {
        result->status = SubmitStatus::kForbidden;
        result->message = status.message();
        return false;
      }
    }
  }
  // Checked before any command of the request is decided, so a refused request decides nothing.
  for (const RepeatOnly& repeat : request.repeat_only) {
    CHECK(repeat.index < request.commands.size());
    if (!zone->chain.engine().Decided(request.commands[repeat.index])) {
      result->status = SubmitStatus::kRefused;
      result->message = repeat.message;
      result->path = repeat.path;
      return false;
    }
  }
  result->answers.reserve(request.commands.size());
  uint64_t spent_ns = 0;
  for (size_t i = 0; i < request.commands.size(); ++i) {
    const engine::Command& command = request.commands[i];
    if (request.decide_budget.count() > 0 &&
        spent_ns > static_cast<uint64_t>(request.decide_budget.count())) {
      Answer skipped;
      skipped.outcome = engine::Outcome::kInvalid;
      skipped.json = engine::InvalidDecisionJson(
          command.id, "command.not-decided",
          "not decided: the commands before it in the request took the writer time one request "
          "may take (" + std::to_string(request.decide_budget.count() / 1'000'000) +
              " ms); send it again");
      result->answers.push_back(std::move(skipped));
      stats_.commands_not_decided.fetch_add(1);
      continue;
    }
    auto answer = batch_->Decide(request.zone, command);
    if (!answer) {
      // Only a failed read of the store (answering a repeat) gets here. The batch may already hold
      // this request's earlier commands; it must not be committed, so writes stop.
      StopWrites(answer.error().message);
      result->status = SubmitStatus::kUnavailable;
      result->message = "a read of the journal failed: writes are stopped until restart";
      return false;
    }
    spent_ns += answer->decide_ns;
    result->answers.push_back(std::move(*answer));
  }
  return true;
}

void Writer::DecideAll(std::vector<SubmitJob>& jobs) {
  for (SubmitJob& job : jobs) {
    SubmitResult result;
    if (!DecideRequest(job, &result)) {
      job.done(std::move(result));  // answered at once; nothing to make durable
      continue;
    }
    if (!open_) open_ = std::make_shared<Decided>();
    open_commands_ += job.request.commands.size();
    open_->jobs.push_back(std::move(job));
    open_->results.push_back(std::move(result));
  }
}

void Writer::Flush(bool stopping) {
  std::shared_ptr<Decided> decided = open_ ? std::move(open_) : std::make_shared<Decided>();
  open_.reset();
  const size_t commands = open_commands_;
  open_commands_ = 0;
  if (batch_ == nullptr) return Complete(*decided, Error{"writes are stopped after a failed commit"});
  const Clock::time_point now = Clock::now();
  const size_t requests = decided->jobs.size();
  const bool take = ReadModelsDue(requests, commands, stopping, now);
  // A single request with little left before it has everything written with it (its client reads
  // its own writes, however many rows it touched), and so has a stop; otherwise the queue drains a
  // piece per batch, so that no batch stalls the ones behind it.
  const bool all =
      (requests == 1 && LittleLeft()) || stopping || options_.read_models_lag.count() == 0;
  if (take) {
    deferred_commands_ = 0;
  } else {
    if (!batch_->read_models_deferred()) deferred_since_ = now;
    deferred_commands_ += commands;
  }
  AppendBatch sealed = batch_->Seal(take, all ? SIZE_MAX : options_.read_model_rows_per_batch);
  // A piece of the queue under load need not be written before the batch's answers; the rows of
  // a single request with little left before it, and a stop's, must.
  // The answers wait for them (AfterReadModels), not the next batch's commit: a batch holding the
  // committer while the views thread wrote stalled every request behind it (up to 53 ms on a zone of
  // 30 days, whose read models' pages are mostly not cached).
  // Only behind a short backlog, though: a lone request amid sustained load would otherwise wait
  // for every batch the views thread has yet to write (half a second was seen), and under such
  // load its client is told reads may trail (docs/api.md).
  const bool answers_await_read_models =
      all && (stopping || store_.ReadModelsBacklog() <= kAwaitedBacklogMax);
  sealed.await_read_models = false;
  Settle();  // the previous batch is durable (or failed) before this one is handed over
  if (writes_stopped()) {
    Complete(*decided, Error{"writes are stopped after a failed commit"});
    Reload();
    return;
  }
  if (commands > 0) stats_.batch_commands.Observe(static_cast<double>(commands));
  for (const auto& counters : stats_.zones) {
    decided->journal_entries.push_back(zones_->Find(counters->zone)->chain.entries());
  }
  {
    std::lock_guard<std::mutex> lock(mutex_);
    committing_ = true;
  }
  committer_.Start(std::move(sealed), [this, decided, answers_await_read_models](const Status& status) {
    if (status && answers_await_read_models) {
      Committed(*decided);
      {
        std::lock_guard<std::mutex> lock(mutex_);
        ++answers_awaiting_;
      }
      store_.AfterReadModels([this, decided](const Status& written) {
        if (!written) StopWrites(written.message());
        GiveAnswers(*decided, written);
        {
          std::lock_guard<std::mutex> lock(mutex_);
          --answers_awaiting_;
        }
        answered_.notify_all();
      });
    } else {
      Complete(*decided, status);
    }
    {
      std::lock_guard<std::mutex> lock(mutex_);
      committing_ = false;
    }
    work_.notify_one();  // the disk is free: seal what was decided meanwhile
  });
  in_flight_ = true;
}

void Writer::Settle() {
  if (!in_flight_) return;
  in_flight_ = false;
  Status status = committer_.Wait();
  if (!status || batch_ == nullptr) return Reload();
  batch_->Committed();
}

void Writer::Reload() {
  if (batch_ == nullptr) return;  // done already
  // The chains hold decisions that never became durable: reload what is.
  batch_.reset();
  auto reloaded = ZoneSet::Load(store_, /*rebuild_read_models=*/false, nullptr);
  zones_ = reloaded ? std::move(*reloaded) : nullptr;
}

void Writer::Complete(Decided& decided, const Status& status) {
  if (!status) StopWrites(status.message());
  if (status) Committed(decided);
  GiveAnswers(decided, status);
}

void Writer::Committed(const Decided& decided) {
  for (size_t i = 0; i < decided.journal_entries.size(); ++i) {
    stats_.zones[i]->journal_entries = decided.journal_entries[i];
    if (checkpointer_ != nullptr) {
      checkpointer_->Committed(stats_.zones[i]->zone, decided.journal_entries[i]);
    }
  }
  PublishCommitted(decided);
}

void Writer::GiveAnswers(Decided& decided, const Status& status) {
  WakeBatch burst;  // a receiver of several of these answers is woken once, at the end
  Clock::time_point now = Clock::now();
  for (size_t i = 0; i < decided.jobs.size(); ++i) {
    SubmitJob& job = decided.jobs[i];
    if (!status) {
      job.done(SubmitResult{SubmitStatus::kUnavailable, {},
                            "a commit failed: writes are stopped until restart"});
      continue;
    }
    CountAnswers(job.request.zone, decided.results[i].answers);
    for (size_t z = 0; z < decided.journal_entries.size(); ++z) {
      if (stats_.zones[z]->zone == job.request.zone) {
        decided.results[i].journal_entries = decided.journal_entries[z];
      }
    }
    double seconds = std::chrono::duration<double>(now - job.arrived).count();
    for (size_t n = 0; n < decided.results[i].answers.size(); ++n) {
      stats_.decision_latency_seconds.Observe(seconds);
    }
    job.done(std::move(decided.results[i]));
  }
}

void Writer::PublishCommitted(const Decided& decided) {
  if (!options_.on_committed) return;
  std::map<std::string, std::vector<CommittedCommand>> by_zone;
  for (size_t i = 0; i < decided.jobs.size(); ++i) {
    const std::vector<engine::Command>& commands = decided.jobs[i].request.commands;
    const std::vector<Answer>& answers = decided.results[i].answers;
    auto& list = by_zone[decided.jobs[i].request.zone];
    for (size_t n = 0; n < commands.size() && n < answers.size(); ++n) {
      list.push_back(CommittedCommand{&commands[n], &answers[n]});
    }
  }
  for (const auto& [zone, list] : by_zone) options_.on_committed(zone, list);
}

void Writer::StopWrites(const std::string& message) {
  if (stats_.writes_stopped.exchange(true)) return;  // only the first failure is reported
  stats_.write_failures_total.fetch_add(1);
  if (options_.on_writes_stopped) options_.on_writes_stopped(message);
}

void Writer::CountAnswers(const std::string& zone, const std::vector<Answer>& answers) {
  ZoneCounters* counters = stats_.Zone(zone);
  if (counters == nullptr) return;
  for (const Answer& answer : answers) {
    if (answer.duplicate) {
      counters->duplicates.fetch_add(1, std::memory_order_relaxed);
    } else {
      counters->decisions[static_cast<size_t>(answer.outcome)].fetch_add(1, std::memory_order_relaxed);
    }
  }
}

}  // namespace twoline::store
