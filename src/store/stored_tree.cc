#include "store/stored_tree.h"

namespace twoline::store {

StoredTree::ZoneTree& StoredTree::TreeOf(const std::string& zone) {
  std::lock_guard<std::mutex> lock(zones_mutex_);
  std::unique_ptr<ZoneTree>& tree = zones_[zone];
  if (!tree) tree = std::make_unique<ZoneTree>();
  return *tree;
}

Status StoredTree::CatchUp(const std::string& zone, ZoneTree& tree, uint64_t size) {
  {
    std::shared_lock<std::shared_mutex> lock(tree.mutex);
    if (tree.log.size() >= size) return Status::Ok();
  }
  std::unique_lock<std::shared_mutex> lock(tree.mutex);
  while (tree.log.size() < size) {
    const uint64_t next = tree.log.size() + 1;
    auto leaves = store_.ReadLeafHashes(
        zone, next,
        static_cast<size_t>(std::min<uint64_t>(size - tree.log.size(), kLeafHashesMax)));
    if (!leaves) return Error{leaves.error().message};
    if (leaves->empty()) {
      return Error{"zone " + zone + ": the journal holds " + std::to_string(tree.log.size()) +
                   " entries, not " + std::to_string(size)};
    }
    for (const Hash256& leaf : *leaves) tree.log.Append(leaf);
  }
  return Status::Ok();
}

Result<StoredTree::Head> StoredTree::Current(const std::string& zone) {
  auto records = store_.Zones();
  if (!records) return records.error();
  for (const ZoneRecord& record : *records) {
    if (record.zone != zone) continue;
    ZoneTree& tree = TreeOf(zone);
    if (Status status = CatchUp(zone, tree, record.entries); !status)
      return Error{status.message()};
    std::shared_lock<std::shared_mutex> lock(tree.mutex);
    return Head{record.entries, tree.log.RootAt(record.entries)};
  }
  return Error{"zone " + zone + " has no journal entries"};
}

uint64_t StoredTree::Known(const std::string& zone) {
  ZoneTree& tree = TreeOf(zone);
  std::shared_lock<std::shared_mutex> lock(tree.mutex);
  return tree.log.size();
}

Result<Hash256> StoredTree::RootAt(const std::string& zone, uint64_t size) {
  ZoneTree& tree = TreeOf(zone);
  if (Status status = CatchUp(zone, tree, size); !status) return Error{status.message()};
  std::shared_lock<std::shared_mutex> lock(tree.mutex);
  return tree.log.RootAt(size);
}

Result<proof::InclusionProofFile> StoredTree::Inclusion(const std::string& zone, uint64_t seq,
                                                        uint64_t size) {
  if (seq == 0) return Error{"seq must be at least 1"};
  ZoneTree& tree = TreeOf(zone);
  if (Status status = CatchUp(zone, tree, size); !status) return Error{status.message()};
  proof::InclusionProofFile proof;
  {
    std::shared_lock<std::shared_mutex> lock(tree.mutex);
    auto path = tree.log.InclusionProof(seq - 1, size);
    if (!path) return path.error();
    proof.path = std::move(*path);
    proof.leaf_hash = tree.log.LeafHash(seq - 1);
  }
  auto entry = store_.ReadEntries(zone, seq, 1);
  if (!entry) return entry.error();
  if (entry->empty() || entry->front().seq != seq) {
    return Error{"zone " + zone + ": entry " + std::to_string(seq) + " cannot be read"};
  }
  proof.zone = zone;
  proof.seq = seq;
  proof.leaf_index = seq - 1;
  proof.tree_size = size;
  proof.entry = std::move(entry->front().line);
  return proof;
}

Result<proof::ConsistencyProofFile> StoredTree::Consistency(const std::string& zone, uint64_t from,
                                                            uint64_t to) {
  ZoneTree& tree = TreeOf(zone);
  if (Status status = CatchUp(zone, tree, to); !status) return Error{status.message()};
  std::shared_lock<std::shared_mutex> lock(tree.mutex);
  auto path = tree.log.ConsistencyProof(from, to);
  if (!path) return path.error();
  return proof::ConsistencyProofFile{zone, from, to, std::move(*path)};
}

}  // namespace twoline::store
