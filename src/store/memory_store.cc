#include "store/memory_store.h"

#include <algorithm>

namespace twoline::store {

Status MemoryStore::Append(AppendBatch batch) {
  RenderLines(batch);
  std::unique_lock lock(mutex_);
  if (failed_) return Error{"memory store: writes stopped after an earlier failure; restart to recover"};
  if (failures_to_inject_ > 0) {
    --failures_to_inject_;
    failed_ = true;
    return Error{"memory store: injected write failure"};
  }
  // Validate everything first, so that a refused batch leaves nothing behind.
  std::map<std::string, uint64_t> next_seq;
  for (const EntryRecord& entry : batch.entries) {
    auto [it, inserted] = next_seq.try_emplace(entry.zone, 0);
    if (inserted) {
      auto zone = zones_.find(entry.zone);
      it->second = (zone == zones_.end() ? 0 : zone->second.entries.size()) + 1;
    }
    if (entry.seq != it->second) {
      failed_ = true;
      return Error{"memory store: zone " + entry.zone + ": entry " + std::to_string(entry.seq) +
                   " does not continue the chain at seq " + std::to_string(it->second)};
    }
    ++it->second;
  }
  for (const ReadModelChanges& changes : batch.read_models) {
    if (zones_.count(changes.zone) == 0 && next_seq.count(changes.zone) == 0) {
      failed_ = true;
      return Error{"memory store: read models for unknown zone " + changes.zone};
    }
  }
  for (const EntryRecord& entry : batch.entries) zones_[entry.zone].entries.push_back(entry);
  for (const ReadModelChanges& changes : batch.read_models) {
    ApplyReadModels(changes, &zones_[changes.zone]);
  }
  return Status::Ok();
}

void MemoryStore::ApplyReadModels(const ReadModelChanges& changes, ZoneData* zone) {
  if (changes.replace_all) {
    zone->presence.clear();
    zone->views.Clear();
  }
  for (const std::string& person : changes.outside) zone->presence.erase(person);
  for (const PresenceRow& row : changes.inside) zone->presence[row.person] = row;
  for (const ViewRow& row : changes.views) zone->views.Apply(row);
  if (!changes.partial) zone->read_model_seq = changes.through_seq;
}

bool MemoryStore::failed() const {
  std::shared_lock lock(mutex_);
  return failed_;
}

Result<std::vector<ZoneRecord>> MemoryStore::Zones() {
  std::shared_lock lock(mutex_);
  std::vector<ZoneRecord> out;
  for (const auto& [id, zone] : zones_) {
    if (zone.entries.empty()) continue;
    out.push_back({id, zone.entries.size(), zone.entries.back().hash, zone.read_model_seq});
  }
  return out;
}

Result<std::vector<EntryRecord>> MemoryStore::ReadEntries(const std::string& zone,
                                                          uint64_t from_seq, size_t limit) {
  std::shared_lock lock(mutex_);
  std::vector<EntryRecord> out;
  auto it = zones_.find(zone);
  if (it == zones_.end()) return out;
  const auto& entries = it->second.entries;
  limit = std::min(limit, kReadRowsMax);
  for (uint64_t seq = std::max<uint64_t>(from_seq, 1); seq <= entries.size() && out.size() < limit;
       ++seq) {
    out.push_back(entries[seq - 1]);
  }
  return out;
}

Status MemoryStore::ScanEntries(const std::string& zone, uint64_t from_seq, uint64_t through_seq,
                                const std::function<Status(EntryRecord&)>& each) {
  std::shared_lock lock(mutex_);
  auto it = zones_.find(zone);
  if (it == zones_.end()) return Status::Ok();
  const auto& entries = it->second.entries;
  uint64_t last = std::min<uint64_t>(through_seq, entries.size());
  for (uint64_t seq = std::max<uint64_t>(from_seq, 1); seq <= last; ++seq) {
    EntryRecord entry = entries[seq - 1];  // `each` may take it apart
    if (Status status = each(entry); !status) return status;
  }
  return Status::Ok();
}

Result<std::vector<Hash256>> MemoryStore::ReadLeafHashes(const std::string& zone,
                                                         uint64_t from_seq, size_t limit) {
  std::shared_lock lock(mutex_);
  std::vector<Hash256> out;
  auto it = zones_.find(zone);
  if (it == zones_.end()) return out;
  const auto& entries = it->second.entries;
  limit = std::min(limit, kLeafHashesMax);
  for (uint64_t seq = std::max<uint64_t>(from_seq, 1); seq <= entries.size() && out.size() < limit;
       ++seq) {
    out.push_back(entries[seq - 1].leaf_hash);
  }
  return out;
}

Status MemoryStore::WriteCheckpoint(const CheckpointRecord& checkpoint) {
  std::unique_lock lock(mutex_);
  if (failed_) return Error{"memory store: writes stopped after an earlier failure; restart to recover"};
  auto& kept = zones_[checkpoint.zone].checkpoints;
  for (const CheckpointRecord& each : kept) {
    if (each.size == checkpoint.size && each.note == checkpoint.note) return Status::Ok();
  }
  kept.push_back(checkpoint);
  return Status::Ok();
}

Result<std::optional<CheckpointRecord>> MemoryStore::LatestCheckpoint(const std::string& zone) {
  std::shared_lock lock(mutex_);
  std::optional<CheckpointRecord> latest;
  auto it = zones_.find(zone);
  if (it == zones_.end()) return latest;
  for (const CheckpointRecord& each : it->second.checkpoints) {
    if (!latest || each.size >= latest->size) latest = each;
  }
  return latest;
}

Result<PresencePage> MemoryStore::ReadPresence(const std::string& zone, size_t offset,
                                               size_t limit) {
  std::shared_lock lock(mutex_);
  PresencePage page;
  auto it = zones_.find(zone);
  if (it == zones_.end()) return page;
  const auto& presence = it->second.presence;
  page.count = static_cast<int64_t>(presence.size());
  limit = std::min(limit, kReadRowsMax);
  auto row = presence.begin();
  std::advance(row, std::min(offset, presence.size()));
  for (; row != presence.end() && page.rows.size() < limit; ++row) page.rows.push_back(row->second);
  return page;
}

Result<std::optional<PresenceRow>> MemoryStore::ReadPresenceOf(const std::string& zone,
                                                               const std::string& person) {
  std::shared_lock lock(mutex_);
  auto it = zones_.find(zone);
  if (it == zones_.end()) return std::optional<PresenceRow>();
  auto row = it->second.presence.find(person);
  if (row == it->second.presence.end()) return std::optional<PresenceRow>();
  return std::optional<PresenceRow>(row->second);
}

Result<std::optional<ViewRow>> MemoryStore::ReadView(const std::string& zone,
                                                     const std::string& kind,
                                                     const std::string& key) {
  std::shared_lock lock(mutex_);
  auto it = zones_.find(zone);
  if (it == zones_.end()) return std::optional<ViewRow>();
  return it->second.views.Read(kind, key);
}

Result<ViewPage> MemoryStore::ListViews(const std::string& zone, const std::string& kind,
                                        const ViewFilter& filter, size_t offset, size_t limit) {
  std::shared_lock lock(mutex_);
  auto it = zones_.find(zone);
  if (it == zones_.end()) return ViewPage{};
  return it->second.views.List(kind, filter, offset, limit);
}

Status MemoryStore::ReadViews(const std::string& zone,
                              const std::function<Status(ViewReader&)>& read) {
  std::shared_lock lock(mutex_);
  static const ViewTable kEmpty;
  auto it = zones_.find(zone);
  std::unique_ptr<ViewReader> reader = (it == zones_.end() ? kEmpty : it->second.views).Reader();
  return read(*reader);
}

Status MemoryStore::WriteSnapshot(const std::string& zone, uint64_t seq, std::string_view bytes) {
  std::unique_lock lock(mutex_);
  zones_[zone].snapshots[seq] = std::string(bytes);
  return Status::Ok();
}

Result<std::vector<SnapshotInfo>> MemoryStore::ListSnapshots(const std::string& zone) {
  std::shared_lock lock(mutex_);
  std::vector<SnapshotInfo> out;
  auto it = zones_.find(zone);
  if (it == zones_.end()) return out;
  for (auto s = it->second.snapshots.rbegin(); s != it->second.snapshots.rend(); ++s) {
    out.push_back({s->first, s->second.size()});
  }
  return out;
}

Result<std::string> MemoryStore::ReadSnapshot(const std::string& zone, uint64_t seq) {
  std::shared_lock lock(mutex_);
  auto it = zones_.find(zone);
  if (it != zones_.end()) {
    auto s = it->second.snapshots.find(seq);
    if (s != it->second.snapshots.end()) return s->second;
  }
  return Error{"memory store: zone " + zone + ": no snapshot at seq " + std::to_string(seq)};
}

Status MemoryStore::DeleteSnapshot(const std::string& zone, uint64_t seq) {
  std::unique_lock lock(mutex_);
  auto it = zones_.find(zone);
  if (it != zones_.end()) it->second.snapshots.erase(seq);
  return Status::Ok();
}

Status MemoryStore::CreateToken(const TokenRecord& token) {
  std::unique_lock lock(mutex_);
  for (const TokenRecord& existing : tokens_) {
    if (existing.id == token.id || existing.secret_hash == token.secret_hash) {
      return Error{"memory store: token " + token.id + " already exists"};
    }
  }
  tokens_.push_back(token);
  tokens_.back().revoked_at.clear();
  return Status::Ok();
}

Result<std::vector<TokenRecord>> MemoryStore::ListTokens() {
  std::shared_lock lock(mutex_);
  std::vector<TokenRecord> out = tokens_;
  std::stable_sort(out.begin(), out.end(), [](const TokenRecord& a, const TokenRecord& b) {
    return std::tie(a.created_at, a.id) < std::tie(b.created_at, b.id);
  });
  return out;
}

Result<bool> MemoryStore::RevokeToken(const std::string& id, const std::string& revoked_at) {
  std::unique_lock lock(mutex_);
  for (TokenRecord& token : tokens_) {
    if (token.id == id && token.revoked_at.empty()) {
      token.revoked_at = revoked_at;
      return true;
    }
  }
  return false;
}

void MemoryStore::InjectAppendFailures(int count) {
  std::unique_lock lock(mutex_);
  failures_to_inject_ = count;
}

void MemoryStore::CorruptEntryLine(const std::string& zone, uint64_t seq, std::string line) {
  std::unique_lock lock(mutex_);
  auto& entries = zones_.at(zone).entries;
  entries.at(seq - 1).line = std::move(line);
}

void MemoryStore::CorruptLeafHash(const std::string& zone, uint64_t seq, const Hash256& leaf_hash) {
  std::unique_lock lock(mutex_);
  zones_.at(zone).entries.at(seq - 1).leaf_hash = leaf_hash;
}

void MemoryStore::SetReadModelSeq(const std::string& zone, uint64_t seq) {
  std::unique_lock lock(mutex_);
  zones_.at(zone).read_model_seq = seq;
}

}  // namespace twoline::store
