// Engine benchmarks (issue 2): cross decisions per second with 1,000,000 registered persons,
// Decide+Apply alone and journaled (entry encoding + SHA-256 chain), replay (verify) speed, and
// resident memory per registered person. Run by `make bench` (Release build).
#include <benchmark/benchmark.h>
#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <memory>

#include "journal/chain.h"
#include "policy/profile_loader.h"

namespace twoline {
namespace {

constexpr int kPersons = 1000000;

int64_t ResidentBytes() {
  std::ifstream statm("/proc/self/statm");
  int64_t size = 0, resident = 0;
  statm >> size >> resident;
  return resident * sysconf(_SC_PAGESIZE);
}

engine::Command Parse(const std::string& json) {
  engine::Command command;
  engine::ParseFailure failure;
  engine::Limits limits;
  if (!engine::ParseCommand(json, limits, &command, &failure)) {
    std::fprintf(stderr, "bench: %s\n", failure.message.c_str());
    std::abort();
  }
  return command;
}

std::string PersonJson(int i) {
  char buffer[512];
  std::snprintf(buffer, sizeof buffer,
                R"({"id":"r-%07d","zone":"hengqin","at":"2026-03-01T00:00:00+08:00","type":"register_person","person":{"id":"P%07d","name":"Chan Tai Man","nationality":"CN","resident_of":"MO","birth_date":"1979-05-03","documents":[{"type":"home_return_permit","number":"H%08d","valid_from":"2019-01-01","valid_until":"2029-01-01"}],"lists":[]}})",
                i, i, i);
  return buffer;
}

// One engine (and chain) with a million persons, built once for all benchmarks.
struct World {
  journal::Chain chain;
  int64_t bytes_per_person = 0;
  World() {
    auto profile = policy::LoadBuiltinProfile("hengqin");
    if (!profile) std::abort();
    chain.PutProfileInForce(std::make_shared<policy::Profile>(std::move(*profile)));
    int64_t before = ResidentBytes();
    for (int i = 0; i < kPersons; ++i) chain.Submit(Parse(PersonJson(i)));
    bytes_per_person = (ResidentBytes() - before) / kPersons;
  }
};

World& TheWorld() {
  static World* world = new World();
  return *world;
}

// Crossing commands: every person enters, then leaves, alternately; ids made unique per use.
engine::Command CrossTemplate(const char* direction) {
  return Parse(std::string(R"({"id":"x","zone":"hengqin","at":"2026-03-01T08:00:00+08:00","type":"cross","person":"P0000000","gate":"HQ-L1-GEN-01","direction":")") +
               direction + "\"}");
}

// Writes `value` as `width` decimal digits ending at `end` (no printf in the measured loop).
void WriteDigits(char* end, int width, int64_t value) {
  for (int i = 0; i < width; ++i, value /= 10) *--end = static_cast<char>('0' + value % 10);
}

void Prepare(engine::Command* command, int64_t n, const char* prefix) {
  int person = static_cast<int>(n % kPersons);
  std::string& id = command->id;
  id.assign(prefix);
  id.resize(id.size() + 12);
  WriteDigits(id.data() + id.size(), 12, n);
  std::string& person_id = std::get<engine::CrossBody>(command->body).person;
  person_id = "P0000000";
  WriteDigits(person_id.data() + person_id.size(), 7, person);
  std::get<engine::CrossBody>(command->body).direction =
      (n / kPersons) % 2 == 0 ? policy::Direction::kIn : policy::Direction::kOut;
}

void BM_CrossDecideApply(benchmark::State& state) {
  World& world = TheWorld();
  // Decide+Apply alone: a private engine copy would double memory; use a separate engine built the
  // same way only once.
  static engine::Engine* engine = [] {
    auto* e = new engine::Engine(TheWorld().chain.engine());
    return e;
  }();
  engine::Command command = CrossTemplate("in");
  static int64_t n = 0;
  for (auto _ : state) {
    Prepare(&command, n++, "a");
    engine::Decision decision = engine->Execute(command);
    benchmark::DoNotOptimize(decision);
  }
  state.SetItemsProcessed(state.iterations());
  state.counters["bytes_per_person"] = static_cast<double>(world.bytes_per_person);
}
BENCHMARK(BM_CrossDecideApply)->Unit(benchmark::kMicrosecond)->MinTime(2.0);

void BM_CrossJournaled(benchmark::State& state) {
  World& world = TheWorld();
  engine::Command command = CrossTemplate("in");
  static int64_t n = 0;
  for (auto _ : state) {
    Prepare(&command, n++, "j");
    journal::Chain::Submitted submitted = world.chain.Submit(command);
    std::string line = journal::EntryToJsonLine(*submitted.entry);
    benchmark::DoNotOptimize(line);
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_CrossJournaled)->Unit(benchmark::kMicrosecond)->MinTime(2.0);

}  // namespace
}  // namespace twoline
