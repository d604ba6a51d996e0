// ViewTable: the generic read-model rows (store.h, ViewRow) of one zone held in memory, for the
// stores that keep read models in memory (MemoryStore, JournalStore). Rows are kept per kind in key
// order; lists filter by owner and state with an index per kind, so a filtered page costs the rows
// it matches, not the whole kind, and a key range costs the keys in it.
// Thread-safety: none; the owning store serialises access.
#pragma once

#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "store/store.h"

namespace twoline::store {

class ViewTable {
 public:
  void Apply(const ViewRow& row);
  void Clear() { kinds_.clear(); }
  std::optional<ViewRow> Read(const std::string& kind, const std::string& key) const;
  // The rows among `keys` that exist, in key order; those with first <= key <= last.
  std::vector<ViewRow> Read(const std::string& kind, const std::vector<std::string>& keys) const;
  std::vector<ViewRow> ReadRange(const std::string& kind, const std::string& first,
                                 const std::string& last) const;
  ViewPage List(const std::string& kind, const ViewFilter& filter, size_t offset,
                size_t limit) const;
  // A ViewReader over this table (the caller keeps it unchanged while the reader is used).
  std::unique_ptr<ViewReader> Reader() const;

 private:
  struct Kind {
    std::map<std::string, ViewRow> rows;  // by key
    std::set<std::pair<std::string, std::string>> by_owner, by_state;  // (owner|state, key)
  };
  std::map<std::string, Kind> kinds_;
};

}  // namespace twoline::store
