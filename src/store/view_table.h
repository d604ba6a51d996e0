// ViewTable: the generic read-model rows (store.h, ViewRow) of one zone held in memory, for the
// stores that keep read models in memory (MemoryStore, JournalStore). Rows are kept per kind in key
// order; lists filter by owner and state with an index per kind, so a filtered page costs the rows
// it matches, not the whole kind.
// Thread-safety: none; the owning store serialises access.
#pragma once

#include <map>
#include <optional>
#include <set>
#include <string>
#include <utility>

#include "store/store.h"

namespace twoline::store {

class ViewTable {
 public:
  void Apply(const ViewRow& row);
  void Clear() { kinds_.clear(); }
  std::optional<ViewRow> Read(const std::string& kind, const std::string& key) const;
  ViewPage List(const std::string& kind, const ViewFilter& filter, size_t offset,
                size_t limit) const;

 private:
  struct Kind {
    std::map<std::string, ViewRow> rows;  // by key
    std::set<std::pair<std::string, std::string>> by_owner, by_state;  // (owner|state, key)
  };
  std::map<std::string, Kind> kinds_;
};

}  // namespace twoline::store
