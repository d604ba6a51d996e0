// SnapshotFiles: snapshots kept as files in a directory beside the database or journal file, one file
// per (zone, seq): `<dir>/<zone>.<seq, 20 digits>.snap`. A snapshot is written to a temporary name,
// fsync'd, renamed into place and the directory fsync'd, so a listed snapshot is never torn by a
// crash (its contents are still checked on load: engine/snapshot.h). Temporary files left by a
// crash are never listed; publishing a snapshot removes those of older seqs.
// Thread-safety: all methods are safe from any thread (they touch only the file system).
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.h"
#include "store/store.h"

namespace twoline::store {

class SnapshotFiles {
 public:
  explicit SnapshotFiles(std::string directory) : directory_(std::move(directory)) {}

  // Stage then Publish.
  Status Write(const std::string& zone, uint64_t seq, std::string_view bytes) const;
  // Writes and fdatasyncs the bytes under the temporary name (the directory made if missing);
  // system calls only, so that a child of fork may call it (Store::StageSnapshot).
  Status Stage(const std::string& zone, uint64_t seq, std::string_view bytes) const;
  // Renames the staged file into place and fsyncs the directory; DiscardStaged unlinks it.
  Status Publish(const std::string& zone, uint64_t seq) const;
  void DiscardStaged(const std::string& zone, uint64_t seq) const;
  Result<std::vector<SnapshotInfo>> List(const std::string& zone) const;  // newest first
  Result<std::string> Read(const std::string& zone, uint64_t seq) const;
  // Store::UseSnapshot on a mapping of the file (read-only, private, populated at once). Snapshot
  // files are replaced by rename and never rewritten in place, so the mapping stays whole.
  Status Use(const std::string& zone, uint64_t seq,
             const SnapshotUse& use) const;
  Status Delete(const std::string& zone, uint64_t seq) const;
  const std::string& directory() const { return directory_; }

 private:
  std::string PathOf(const std::string& zone, uint64_t seq) const;
  std::string StagedPathOf(const std::string& zone, uint64_t seq) const { return PathOf(zone, seq) + ".tmp"; }
  std::string directory_;
};

}  // namespace twoline::store
