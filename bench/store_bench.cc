// Durable-service benchmarks (issue 4), run by `make bench`:
//   RunDbGroupCommit        durable commands/s through `twoline run --db` (RunDb, in process) on a
//                           simulated Hengqin day: group commit, pipelined with the next batch.
//   RunDbPerCommandCommit   the baseline: the same path with one transaction (one fsync) per command.
//   HttpCommands/64         HTTP POST of single commands from 64 concurrent keep-alive connections
//                           for a fixed time: requests/s and the p50/p99 latency seen by clients.
// Every command is durable (SQLite WAL, synchronous=FULL) before it is answered.
#include <benchmark/benchmark.h>
#include <httplib.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cstdio>
#include <sstream>
#include <thread>

#include "api/auth.h"
#include "api/server.h"
#include "cli/store_commands.h"
#include "policy/profile_loader.h"
#include "sim/simulator.h"
#include "store/commit_batch.h"
#include "store/sqlite_store.h"
#include "store/writer.h"
#include "store/zone_set.h"

namespace twoline {
namespace {

// A scratch directory for one benchmark's database.
class Scratch {
 public:
  Scratch() {
    char pattern[] = "/tmp/twoline-bench-XXXXXX";
    path_ = mkdtemp(pattern);
  }
  ~Scratch() { std::system(("rm -rf '" + path_ + "'").c_str()); }
  std::string File(const std::string& name) const { return path_ + "/" + name; }

 private:
  std::string path_;
};

std::string SimulatedDay(int persons, int crossings) {
  auto profile = policy::LoadBuiltinProfile("hengqin");
  if (!profile) {
    std::fprintf(stderr, "bench: %s\n", profile.error().message.c_str());
    std::abort();
  }
  sim::SimulationOptions options;
  options.date = DaysFromCivil(2025, 5, 2);
  options.persons = persons;
  options.crossings = crossings;
  options.seed = 7;
  std::ostringstream out;
  sim::Simulate(*profile, options, out);
  return out.str();
}

size_t Lines(const std::string& text) { return static_cast<size_t>(std::count(text.begin(), text.end(), '\n')); }

void RunDay(benchmark::State& state, const std::string& day, size_t batch_lines) {
  for (auto _ : state) {
    Scratch scratch;
    cli::RunOptions options;
    options.zone = "hengqin";
    options.batch_lines_max = batch_lines;
    std::istringstream in(day);
    std::ostringstream out, err;
    if (cli::RunDb(options, scratch.File("bench.db"), in, out, err) != 0) {
      state.SkipWithError(err.str().c_str());
      return;
    }
  }
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations() * Lines(day)));
  state.counters["commands_per_second"] =
      benchmark::Counter(static_cast<double>(state.iterations() * Lines(day)), benchmark::Counter::kIsRate);
}

void RunDbGroupCommit(benchmark::State& state) {
  static const std::string day = SimulatedDay(64200, 128400);  // a Hengqin record day
  RunDay(state, day, 4096);
}
BENCHMARK(RunDbGroupCommit)->Unit(benchmark::kSecond)->UseRealTime()->Iterations(1);

void RunDbPerCommandCommit(benchmark::State& state) {
  // A smaller day: one fsync per command is slow by design.
  static const std::string day = SimulatedDay(1500, 3000);
  RunDay(state, day, 1);
}
BENCHMARK(RunDbPerCommandCommit)->Unit(benchmark::kSecond)->UseRealTime()->Iterations(1);

// One client connection's stream: its own travellers registered, then walked in and out.
std::string ClientCommand(int client, size_t n) {
  std::string person = "B" + std::to_string(client) + "-" + std::to_string(n / 3);
  std::string envelope = R"({"id":"b)" + std::to_string(client) + "-" + std::to_string(n) +
                         R"(","zone":"hengqin","at":"2026-03-02T08:00:00+08:00",)";
  switch (n % 3) {
    case 0:
      return envelope + R"("type":"register_person","person":{"id":")" + person +
             R"(","name":"Traveller","nationality":"CN","resident_of":"MO","birth_date":"1980-01-01","documents":[{"type":"home_return_permit","number":"H1","valid_from":"2019-01-01","valid_until":"2029-01-01"}],"lists":[]}})";
    case 1:
      return envelope + R"("type":"cross","person":")" + person + R"(","gate":"HQ-L1-GEN-01","direction":"in"})";
    default:
      return envelope + R"("type":"cross","person":")" + person + R"(","gate":"HQ-L1-GEN-01","direction":"out"})";
  }
}

void HttpCommands(benchmark::State& state) {
  const int connections = static_cast<int>(state.range(0));
  const auto duration = std::chrono::seconds(5);
  Scratch scratch;
  auto store = store::SqliteStore::Open(scratch.File("http.db"), store::SqliteOptions{});
  auto zones = store::ZoneSet::Load(**store, true, nullptr);
  {
    store::CommitBatch batch(**zones, **store);
    batch.PutProfileInForce(std::make_shared<policy::Profile>(*policy::LoadBuiltinProfile("hengqin")));
    (void)batch.Commit();
  }
  auto token = api::GenerateToken(api::Role::kOfficer, "hengqin", "", "2026-01-01T00:00:00Z");
  (void)(*store)->CreateToken(token->record);
  store::Writer writer(**store, std::move(*zones), store::WriterOptions{});
  api::ServerOptions options;
  options.port = 0;
  options.threads = static_cast<size_t>(connections) + 8;
  api::Server server(**store, writer, options);
  int port = *server.Bind();
  std::thread serving([&] { server.Run(); });

  std::vector<std::vector<double>> latencies(static_cast<size_t>(connections));
  std::atomic<int64_t> failures{0};
  for (auto _ : state) {
    std::vector<std::thread> clients;
    auto deadline = std::chrono::steady_clock::now() + duration;
    for (int c = 0; c < connections; ++c) {
      clients.emplace_back([&, c] {
        httplib::Client client("127.0.0.1", port);
        client.set_keep_alive(true);
        client.set_tcp_nodelay(true);  // else Nagle holds the body behind the headers (40 ms)
        httplib::Headers headers = {{"Authorization", "Bearer " + token->secret}};
        for (size_t n = 0; std::chrono::steady_clock::now() < deadline; ++n) {
          auto started = std::chrono::steady_clock::now();
          auto result = client.Post("/v1/zones/hengqin/commands", headers, ClientCommand(c, n),
                                    "application/json");
          if (!result || result->status != 200) ++failures;
          latencies[static_cast<size_t>(c)].push_back(
              std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count());
        }
      });
    }
    for (auto& client : clients) client.join();
  }
  server.Stop();
  serving.join();
  writer.Stop();
  std::vector<double> all;
  for (const auto& per_client : latencies) all.insert(all.end(), per_client.begin(), per_client.end());
  std::sort(all.begin(), all.end());
  auto percentile = [&](double p) { return all.empty() ? 0.0 : all[static_cast<size_t>(p * (all.size() - 1))]; };
  state.counters["requests_per_second"] = static_cast<double>(all.size()) / std::chrono::duration<double>(duration).count();
  state.counters["p50_ms"] = percentile(0.50) * 1000;
  state.counters["p99_ms"] = percentile(0.99) * 1000;
  state.counters["failures"] = static_cast<double>(failures.load());
  state.counters["mean_batch"] = writer.stats().batch_commands.Read().sum /
                                 std::max<double>(1, static_cast<double>(writer.stats().batch_commands.Read().count));
}
BENCHMARK(HttpCommands)->Arg(64)->Unit(benchmark::kSecond)->UseRealTime()->Iterations(1);

}  // namespace
}  // namespace twoline
