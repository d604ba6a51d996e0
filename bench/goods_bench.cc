// Goods benchmarks (issue 3): in-process declarations of five lines per second (Decide+Apply), and
// the trace of a lot that went through ten processing steps. Run by `make bench`.
#include <benchmark/benchmark.h>

#include <cstdio>
#include <memory>
#include <string>

#include "engine/goods_queries.h"
#include "journal/chain.h"
#include "policy/profile_loader.h"

namespace twoline {
namespace {

engine::Command ParseOrDie(const std::string& json) {
  engine::Command command;
  engine::ParseFailure failure;
  engine::Limits limits;
  if (!engine::ParseCommand(json, limits, &command, &failure)) {
    std::fprintf(stderr, "bench: %s\n%s\n", failure.message.c_str(), json.c_str());
    std::abort();
  }
  return command;
}

std::unique_ptr<engine::Engine> HengqinEngine() {
  auto profile = policy::LoadBuiltinProfile("hengqin");
  if (!profile) std::abort();
  auto engine = std::make_unique<engine::Engine>();
  engine->PutProfileInForce(std::make_shared<policy::Profile>(std::move(*profile)));
  return engine;
}

void Execute(engine::Engine& engine, const std::string& json) {
  engine::Decision decision = engine.Execute(ParseOrDie(json));
  if (decision.outcome == engine::Outcome::kInvalid || decision.outcome == engine::Outcome::kRejected) {
    std::fprintf(stderr, "bench: unexpected %s for %s: %s\n", engine::OutcomeName(decision.outcome),
                 json.c_str(), decision.reasons.empty() ? "" : decision.reasons[0].detail.c_str());
    std::abort();
  }
}

const char* kAt = R"("zone":"hengqin","at":"2026-05-01T09:00:00+08:00")";

void BM_DeclareFiveLines(benchmark::State& state) {
  auto engine = HengqinEngine();
  Execute(*engine, std::string(R"({"id":"p",)") + kAt +
                       R"(,"type":"register_party","party":{"id":"P-1","name":"Lab","kind":"enterprise","credit":"advanced","lists":[]}})");
  for (int i = 0; i < 5; ++i) {
    Execute(*engine, std::string(R"({"id":"i)") + std::to_string(i) + "\"," + kAt +
                         R"(,"type":"register_item","item":{"sku":"SKU-)" + std::to_string(i) +
                         R"(","hs_code":"3301.29","description":"oil","unit":"kg","tags":[]}})");
  }
  std::string lines;
  for (int i = 0; i < 5; ++i) {
    lines += std::string(i ? "," : "") + R"({"sku":"SKU-)" + std::to_string(i) +
             R"(","qty":"10","value":"100.00","currency":"CNY","origin":"FR","certificates":[]})";
  }
  engine::Command command = ParseOrDie(std::string(R"({"id":"d",)") + kAt +
                                       R"(,"type":"declare","declaration":{"id":"D","kind":"first_line_in","declarant":"P-1","lines":[)" +
                                       lines + "]}}");
  int64_t n = 0;
  for (auto _ : state) {
    std::string suffix = std::to_string(n++);
    command.id = "d" + suffix;
    std::get<engine::DeclareBody>(command.body).id = "D" + suffix;
    benchmark::DoNotOptimize(engine->Execute(command));
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_DeclareFiveLines)->Unit(benchmark::kMicrosecond)->MinTime(2.0);

void BM_TraceAfterTenProcessingSteps(benchmark::State& state) {
  auto engine = HengqinEngine();
  Execute(*engine, std::string(R"({"id":"p",)") + kAt +
                       R"(,"type":"register_party","party":{"id":"P-1","name":"Lab","kind":"enterprise","credit":"advanced","lists":[]}})");
  for (int i = 0; i <= 10; ++i) {
    Execute(*engine, std::string(R"({"id":"i)") + std::to_string(i) + "\"," + kAt +
                         R"(,"type":"register_item","item":{"sku":"S)" + std::to_string(i) +
                         R"(","hs_code":"3304.99","description":"step","unit":"kg","tags":[]}})");
  }
  Execute(*engine, std::string(R"({"id":"in",)") + kAt +
                       R"(,"type":"declare","declaration":{"id":"D-IN","kind":"first_line_in","declarant":"P-1","lines":[{"sku":"S0","qty":"1000","value":"10000.00","currency":"CNY","origin":"FR","certificates":[]}]}})");
  Execute(*engine, std::string(R"({"id":"rel",)") + kAt +
                       R"(,"type":"release","gate":"HQ-L1-GDS-01","declarations":["D-IN"]})");
  for (int i = 0; i < 10; ++i) {
    std::string from = "S" + std::to_string(i), to = "S" + std::to_string(i + 1);
    Execute(*engine, std::string(R"({"id":"pr)") + std::to_string(i) + "\"," + kAt +
                         R"(,"type":"process","process":{"id":"PR-)" + std::to_string(i) +
                         R"(","declarant":"P-1","inputs":[{"sku":")" + from +
                         R"(","qty":"1000"}],"outputs":[{"sku":")" + to + R"(","qty":"1000"}]}})");
  }
  Execute(*engine, std::string(R"({"id":"out",)") + kAt +
                       R"(,"type":"declare","declaration":{"id":"D-OUT","kind":"first_line_out","declarant":"P-1","lines":[{"sku":"S10","qty":"1000","value":"20000.00","currency":"CNY","origin":"CN","certificates":[]}]}})");
  size_t bytes = 0;
  for (auto _ : state) {
    std::string trace = engine::TraceJson(*engine, "D-OUT");
    bytes = trace.size();
    benchmark::DoNotOptimize(trace);
  }
  if (bytes == 0) state.SkipWithError("empty trace");
  state.counters["trace_bytes"] = static_cast<double>(bytes);
}
BENCHMARK(BM_TraceAfterTenProcessingSteps)->Unit(benchmark::kMicrosecond);

}  // namespace
}  // namespace twoline
