// The goods read-model views: balances, declarations, traces and the flows report as the goods
// queries (engine/goods_queries.h) render them. Kept in one file so that the store and the API
// depend on the goods module in exactly one place.
#include "engine/goods_queries.h"
#include "store/read_models.h"

namespace twoline::store {

std::string BalanceView(const engine::Engine& engine, const std::string& party) {
  return engine::BalanceJson(engine, party);
}

std::optional<std::string> DeclarationView(const engine::Engine& engine, const std::string& id) {
  std::string json = engine::DeclarationJson(engine, id);
  if (json.empty()) return std::nullopt;
  return json;
}

Result<std::string> TraceView(const engine::Engine& engine, const std::string& declaration) {
  std::string json = engine::TraceJson(engine, declaration);
  if (json.empty()) return Error{"no declaration or process \"" + declaration + "\""};
  return json;
}

Result<std::string> ReportView(const engine::Engine& engine, Date from, Date to) {
  return engine::ReportJson(engine, from, to);
}

}  // namespace twoline::store
