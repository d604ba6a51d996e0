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
  declarations.ForEachKey([&](const std::string& key) { NoteDocumentKey(key); });
  for (const auto& [key, record] : processes) NoteDocumentKey(key);
}

DeclarationTable& DeclarationTable::operator=(const DeclarationTable& other) {
  if (this == &other) return *this;
  slots_.clear();
  for (const auto& [key, slot] : other.slots_) {
    Slot& copy = slots_.emplace_hint(slots_.end(), key, Slot{})->second;
    copy.saved = slot.saved;
    if (slot.decoded != nullptr) copy.decoded = std::make_unique<DeclarationRecord>(*slot.decoded);
  }
  owner_ = other.owner_;
  return *this;
}

const DeclarationRecord& DeclarationTable::Decoded(const Slot& slot) const {
  if (slot.decoded == nullptr) {
    slot.decoded = std::make_unique<DeclarationRecord>(DecodeSavedDeclaration(slot.saved));
  }
  return *slot.decoded;
}

const DeclarationRecord* DeclarationTable::Find(std::string_view key) const {
  auto it = slots_.find(key);
  return it == slots_.end() ? nullptr : &Decoded(it->second);
}

DeclarationRecord* DeclarationTable::FindMutable(std::string_view key) {
  auto it = slots_.find(key);
  if (it == slots_.end()) return nullptr;
  Decoded(it->second);
  return it->second.decoded.get();
}

bool DeclarationTable::Insert(std::string key, DeclarationRecord record) {
  auto [it, inserted] = slots_.try_emplace(std::move(key));
  if (!inserted) return false;
  it->second.decoded = std::make_unique<DeclarationRecord>(std::move(record));
  return true;
}

size_t DeclarationTable::saved_only() const {
  size_t count = 0;
  for (const auto& [key, slot] : slots_) count += slot.decoded == nullptr ? 1 : 0;
  return count;
}

bool DeclarationTable::AppendSaved(std::string key, std::string_view saved) {
  if (!slots_.empty() && !(slots_.rbegin()->first < key)) return false;
  slots_.emplace_hint(slots_.end(), std::move(key), Slot{saved, nullptr});
  return true;
}

void DeclarationTable::DecodeAll() {
  for (const auto& [key, slot] : slots_) Decoded(slot);
}

}  // namespace twoline::engine
