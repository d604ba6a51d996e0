// The goods read-model views: balances, declarations, traces and the flows report as the goods
// queries render them. Kept in one file so that the store and the API depend on the goods module in
// exactly one place.
#include "base/json_writer.h"
#include "store/read_models.h"

#if __has_include("engine/goods_queries.h")
#include "engine/goods_queries.h"
#define TWOLINE_HAS_GOODS_QUERIES 1
#endif

namespace twoline::store {

#ifdef TWOLINE_HAS_GOODS_QUERIES

std::string BalanceView(const engine::Engine& engine, const std::string& party) {
  return engine::BalanceJson(engine, party);
}

std::optional<std::string> DeclarationView(const engine::Engine& engine, const std::string& id) {
  return engine::DeclarationJson(engine, id);
}

Result<std::string> TraceView(const engine::Engine& engine, const std::string& declaration) {
  return engine::TraceJson(engine, declaration);
}

Result<std::string> ReportView(const engine::Engine& engine, Date from, Date to) {
  return engine::ReportJson(engine, from, to);
}

#else

// Until the goods module provides its queries: a party with no balances, no declarations, and no
// trace or report.
std::string BalanceView(const engine::Engine& engine, const std::string& party) {
  std::string out;
  JsonWriter w(&out);
  w.BeginObject().Key("zone").String(engine.profile().id).Key("party").String(party);
  w.Key("balances").BeginArray().EndArray().EndObject();
  return out;
}

std::optional<std::string> DeclarationView(const engine::Engine&, const std::string&) {
  return std::nullopt;
}

Result<std::string> TraceView(const engine::Engine&, const std::string&) {
  return Error{"trace is not available in this build (no goods queries)"};
}

Result<std::string> ReportView(const engine::Engine&, Date, Date) {
  return Error{"the flows report is not available in this build (no goods queries)"};
}

#endif

}  // namespace twoline::store
