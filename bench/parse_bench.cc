// Command parsing (engine::ParseCommand): the whole grammar check, the typed command and its
// canonical text, over the lines of a simulated Hengqin day (registrations, crossings,
// declarations, releases in the day's own mix). Parsing is a quarter of `run --journal`'s CPU and
// of `verify`'s (perf: the reading thread and the replay's helpers), so it is a figure of its own.
// Run by `make bench` (Release build).
#include <benchmark/benchmark.h>

#include <cstdio>
#include <cstdlib>
#include <sstream>
#include <string>
#include <vector>

#include "engine/command.h"
#include "policy/profile_loader.h"
#include "sim/simulator.h"

namespace twoline {
namespace {

const std::vector<std::string>& DayLines() {
  static const std::vector<std::string>* lines = [] {
    auto profile = policy::LoadBuiltinProfile("hengqin");
    if (!profile) std::abort();
    sim::SimulationOptions options;
    options.date = *ParseDate("2025-05-02");
    options.persons = 6420;
    options.crossings = 12840;
    options.consignments = 1050;
    options.seed = 7;
    std::ostringstream out;
    sim::Simulate(*profile, options, out);
    auto* result = new std::vector<std::string>();
    std::istringstream in(out.str());
    for (std::string line; std::getline(in, line);) result->push_back(line);
    return result;
  }();
  return *lines;
}

void BM_ParseDayLines(benchmark::State& state) {
  const std::vector<std::string>& lines = DayLines();
  engine::Limits limits;
  size_t next = 0;
  for (auto _ : state) {
    engine::Command command;
    engine::ParseFailure failure;
    if (!engine::ParseCommand(lines[next], limits, &command, &failure)) {
      state.SkipWithError(failure.message.c_str());
      break;
    }
    benchmark::DoNotOptimize(command);
    if (++next == lines.size()) next = 0;
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_ParseDayLines)->Unit(benchmark::kMicrosecond)->MinTime(2.0);

}  // namespace
}  // namespace twoline
