// OneZoneStore: a view of a Store limited to one zone — Zones() lists only that zone; every other
// call goes to the underlying store unchanged. A cluster node loads a zone it has just taken with
// ZoneSet::Load over such a view (replay, snapshot and read-model repair exactly as a single node
// does for all its zones), and its Writer appends through it.
// Thread-safety: as the underlying store.
#pragma once

#include <string>

#include "store/store.h"

namespace twoline::cluster {

class OneZoneStore final : public store::Store {
 public:
  OneZoneStore(store::Store& store, std::string zone) : store_(store), zone_(std::move(zone)) {}

  Result<std::vector<store::ZoneRecord>> Zones() override {
    auto all = store_.Zones();
    if (!all) return all.error();
    std::vector<store::ZoneRecord> one;
    for (store::ZoneRecord& record : *all) {
      if (record.zone == zone_) one.push_back(std::move(record));
    }
    return one;
  }

  Status Append(store::AppendBatch batch) override { return store_.Append(std::move(batch)); }
  bool failed() const override { return store_.failed(); }
  Result<std::vector<store::EntryRecord>> ReadEntries(const std::string& zone, uint64_t from_seq,
                                                      size_t limit) override {
    return store_.ReadEntries(zone, from_seq, limit);
  }
  Status ScanEntries(const std::string& zone, uint64_t from_seq, uint64_t through_seq,
                     const std::function<Status(store::EntryRecord&)>& each) override {
    return store_.ScanEntries(zone, from_seq, through_seq, each);
  }
  Result<std::vector<Hash256>> ReadLeafHashes(const std::string& zone, uint64_t from_seq,
                                              size_t limit) override {
    return store_.ReadLeafHashes(zone, from_seq, limit);
  }
  Status WriteCheckpoint(const store::CheckpointRecord& checkpoint) override {
    return store_.WriteCheckpoint(checkpoint);
  }
  Result<std::optional<store::CheckpointRecord>> LatestCheckpoint(const std::string& zone) override {
    return store_.LatestCheckpoint(zone);
  }
  Result<store::PresencePage> ReadPresence(const std::string& zone, size_t offset,
                                           size_t limit) override {
    return store_.ReadPresence(zone, offset, limit);
  }
  Result<std::optional<store::PresenceRow>> ReadPresenceOf(const std::string& zone,
                                                           const std::string& person) override {
    return store_.ReadPresenceOf(zone, person);
  }
  Result<std::optional<store::ViewRow>> ReadView(const std::string& zone, const std::string& kind,
                                                 const std::string& key) override {
    return store_.ReadView(zone, kind, key);
  }
  Result<store::ViewPage> ListViews(const std::string& zone, const std::string& kind,
                                    const store::ViewFilter& filter, size_t offset,
                                    size_t limit) override {
    return store_.ListViews(zone, kind, filter, offset, limit);
  }
  Status ReadViews(const std::string& zone,
                   const std::function<Status(store::ViewReader&)>& read) override {
    return store_.ReadViews(zone, read);
  }
  Status WriteSnapshot(const std::string& zone, uint64_t seq, std::string_view bytes) override {
    return store_.WriteSnapshot(zone, seq, bytes);
  }
  Result<std::vector<store::SnapshotInfo>> ListSnapshots(const std::string& zone) override {
    return store_.ListSnapshots(zone);
  }
  Result<std::string> ReadSnapshot(const std::string& zone, uint64_t seq) override {
    return store_.ReadSnapshot(zone, seq);
  }
  Status UseSnapshot(const std::string& zone, uint64_t seq,
                     const store::SnapshotUse& use) override {
    return store_.UseSnapshot(zone, seq, use);
  }
  Status DeleteSnapshot(const std::string& zone, uint64_t seq) override {
    return store_.DeleteSnapshot(zone, seq);
  }
  bool StagesSnapshots() const override { return store_.StagesSnapshots(); }
  Status StageSnapshot(const std::string& zone, uint64_t seq, std::string_view bytes) override {
    return store_.StageSnapshot(zone, seq, bytes);
  }
  Status PublishSnapshot(const std::string& zone, uint64_t seq) override {
    return store_.PublishSnapshot(zone, seq);
  }
  void DiscardStagedSnapshot(const std::string& zone, uint64_t seq) override {
    store_.DiscardStagedSnapshot(zone, seq);
  }
  Status CreateToken(const store::TokenRecord& token) override { return store_.CreateToken(token); }
  Result<std::vector<store::TokenRecord>> ListTokens() override { return store_.ListTokens(); }
  Result<bool> RevokeToken(const std::string& id, const std::string& revoked_at) override {
    return store_.RevokeToken(id, revoked_at);
  }

 private:
  store::Store& store_;
  const std::string zone_;
};

}  // namespace twoline::cluster
