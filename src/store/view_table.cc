#include "store/view_table.h"

#include <algorithm>
#include <vector>

namespace twoline::store {

void ViewTable::Apply(const ViewRow& row) {
  Kind& kind = kinds_[row.kind];
  auto it = kind.rows.find(row.key);
  if (it != kind.rows.end()) {
    kind.by_owner.erase({it->second.owner, row.key});
    kind.by_state.erase({it->second.state, row.key});
    if (row.erase) {
      kind.rows.erase(it);
      return;
    }
    it->second = row;
  } else {
    if (row.erase) return;
    it = kind.rows.emplace(row.key, row).first;
  }
  it->second.erase = false;
  kind.by_owner.insert({row.owner, row.key});
  kind.by_state.insert({row.state, row.key});
}

std::optional<ViewRow> ViewTable::Read(const std::string& kind, const std::string& key) const {
  auto k = kinds_.find(kind);
  if (k == kinds_.end()) return std::nullopt;
  auto it = k->second.rows.find(key);
  if (it == k->second.rows.end()) return std::nullopt;
  return it->second;
}

std::vector<ViewRow> ViewTable::Read(const std::string& kind_name,
                                     const std::vector<std::string>& keys) const {
  std::vector<ViewRow> rows;
  auto k = kinds_.find(kind_name);
  if (k == kinds_.end()) return rows;
  std::vector<std::string> sorted(keys.begin(), keys.end());
  std::sort(sorted.begin(), sorted.end());
  sorted.erase(std::unique(sorted.begin(), sorted.end()), sorted.end());
  for (const std::string& key : sorted) {
    auto it = k->second.rows.find(key);
    if (it != k->second.rows.end()) rows.push_back(it->second);
  }
  return rows;
}

std::vector<ViewRow> ViewTable::ReadRange(const std::string& kind_name, const std::string& first,
                                          const std::string& last) const {
  std::vector<ViewRow> rows;
  auto k = kinds_.find(kind_name);
  if (k == kinds_.end()) return rows;
  for (auto it = k->second.rows.lower_bound(first);
       it != k->second.rows.end() && it->first <= last && rows.size() < kReadRowsMax; ++it) {
    rows.push_back(it->second);
  }
  return rows;
}

namespace {

class TableReader final : public ViewReader {
 public:
  explicit TableReader(const ViewTable& table) : table_(table) {}
  Result<std::vector<ViewRow>> Read(const std::string& kind,
                                    const std::vector<std::string>& keys) override {
    return table_.Read(kind, keys);
  }
  Result<std::vector<ViewRow>> ReadRange(const std::string& kind, const std::string& first,
                                         const std::string& last) override {
    return table_.ReadRange(kind, first, last);
  }
  Result<ViewPage> List(const std::string& kind, const ViewFilter& filter, size_t offset,
                        size_t limit) override {
    return table_.List(kind, filter, offset, limit);
  }

 private:
  const ViewTable& table_;
};

}  // namespace

std::unique_ptr<ViewReader> ViewTable::Reader() const { return std::make_unique<TableReader>(*this); }

ViewPage ViewTable::List(const std::string& kind_name, const ViewFilter& filter, size_t offset,
                         size_t limit) const {
  ViewPage page;
  auto k = kinds_.find(kind_name);
  if (k == kinds_.end()) return page;
  const Kind& kind = k->second;
  limit = std::min(limit, kReadRowsMax);
  // The candidate keys, in key order: from the narrower index when a filter is given.
  std::vector<const ViewRow*> matches;
  auto consider = [&](const ViewRow& row) {
    if (!filter.owner.empty() && row.owner != filter.owner) return;
    if (!filter.state.empty() && row.state != filter.state) return;
    if (!filter.key_min.empty() && row.key < filter.key_min) return;
    if (!filter.key_max.empty() && row.key > filter.key_max) return;
    matches.push_back(&row);
  };
  auto from_index = [&](const std::set<std::pair<std::string, std::string>>& index,
                        const std::string& value) {
    for (auto it = index.lower_bound({value, ""}); it != index.end() && it->first == value; ++it) {
      consider(kind.rows.at(it->second));
    }
  };
  if (!filter.owner.empty()) {
    from_index(kind.by_owner, filter.owner);
  } else if (!filter.state.empty()) {
    from_index(kind.by_state, filter.state);
  } else {
    auto it = filter.key_min.empty() ? kind.rows.begin() : kind.rows.lower_bound(filter.key_min);
    for (; it != kind.rows.end() && (filter.key_max.empty() || it->first <= filter.key_max); ++it) {
      consider(it->second);
    }
  }
  if (filter.descending) std::reverse(matches.begin(), matches.end());
  page.count = static_cast<int64_t>(matches.size());
  for (size_t i = offset; i < matches.size() && page.rows.size() < limit; ++i) {
    page.rows.push_back(*matches[i]);
  }
  return page;
}

}  // namespace twoline::store
