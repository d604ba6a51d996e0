// The goods state's document names (goods_state.h).
#include "engine/goods_state.h"

#include <algorithm>

#include "base/encoding.h"

namespace twoline::engine {

std::string_view GoodsState::DocumentOwner(std::string_view key) const {
  if (const DeclarationRecord* d = FindDeclaration(key)) return d->declarant;
  if (const ProcessRecord* p = FindProcess(key)) return p->declarant;
  return {};
}

std::string GoodsState::NewDocumentKey(std::string_view party, std::string_view id) const {
  std::string_view first = DocumentOwner(id);
  if (first.empty()) return std::string(id);
  if (first == party) return "";
  std::string key = std::string(id) + "@" + std::string(party);
  return IsDocumentKey(key) ? "" : key;
}

std::string GoodsState::ResolveDocument(std::string_view name, std::string_view scope,
                                        std::string* error) const {
  const std::string unknown = "unknown declaration \"" + std::string(name) + "\"";
  std::string_view id = name, party = scope;
  if (size_t at = name.find('@'); at != std::string_view::npos) {
    id = name.substr(0, at);
    party = name.substr(at + 1);
    if (!scope.empty() && party != scope) {
      *error = unknown;
      return "";
    }
  }
  std::string_view first = DocumentOwner(id);
  if (!party.empty()) {  // one party's document: by the id alone, or ID@PARTY
    if (!first.empty() && first == party) return std::string(id);
    std::string key = std::string(id) + "@" + std::string(party);
    if (IsDocumentKey(key)) return key;
    *error = unknown;
    return "";
  }
  if (first.empty()) {
    *error = unknown;
    return "";
  }
  auto shared = shared_ids.find(id);
  if (shared == shared_ids.end()) return std::string(id);
  std::string parties(first);
  for (const std::string& other : shared->second) parties += ", " + other;
  *error = "declaration id \"" + std::string(id) + "\" is used by several parties (" + parties +
           "): name one as " + std::string(id) + "@PARTY";
  return "";
}

void GoodsState::NoteDocumentKey(std::string_view key) {
  size_t at = key.find('@');
  if (at == std::string_view::npos) return;
  std::vector<std::string>& parties = shared_ids[std::string(key.substr(0, at))];
  std::string party(key.substr(at + 1));
  parties.insert(std::upper_bound(parties.begin(), parties.end(), party), party);
}

void GoodsState::IndexDocumentKeys() {
  shared_ids.clear();
  for (const auto& [key, record] : declarations) NoteDocumentKey(key);
  for (const auto& [key, record] : processes) NoteDocumentKey(key);
}

}  // namespace twoline::engine
