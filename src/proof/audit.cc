#include "proof/audit.h"

#include <algorithm>
#include <vector>

#include "proof/base64.h"

namespace twoline::proof {
namespace {

std::string Base64Root(const Hash256& root) {
  return Base64Encode(std::string_view(reinterpret_cast<const char*>(root.data()), root.size()));
}

std::string Intact(uint64_t intact_through) {
  if (intact_through == 0) return "";
  return " (its first " + std::to_string(intact_through) +
         " entries match the checkpoint of size " + std::to_string(intact_through) + ")";
}

}  // namespace

JournalAudit AuditJournal(const MerkleLog& log, std::span<const Checkpoint> checkpoints) {
  std::vector<const Checkpoint*> by_size;
  for (const Checkpoint& checkpoint : checkpoints) by_size.push_back(&checkpoint);
  std::stable_sort(by_size.begin(), by_size.end(),
                   [](const Checkpoint* a, const Checkpoint* b) { return a->size < b->size; });
  JournalAudit audit;
  audit.journal_size = log.size();
  for (const Checkpoint* checkpoint : by_size) {
    if (checkpoint->size > log.size()) {
      audit.finding = JournalAudit::Finding::kTruncated;
      audit.checkpoint_size = checkpoint->size;
      audit.message = "truncated: the checkpoint covers " + std::to_string(checkpoint->size) +
                      " entries, the journal has " + std::to_string(log.size()) +
                      Intact(audit.intact_through);
      return audit;
    }
    Hash256 root = log.RootAt(checkpoint->size);
    if (root != checkpoint->root) {
      audit.finding = JournalAudit::Finding::kRewritten;
      audit.checkpoint_size = checkpoint->size;
      audit.message = "the journal was rewritten at or before seq " +
                      std::to_string(checkpoint->size) + ": its first " +
                      std::to_string(checkpoint->size) + " entries hash to " + Base64Root(root) +
                      ", the checkpoint says " + Base64Root(checkpoint->root) +
                      Intact(audit.intact_through);
      return audit;
    }
    audit.intact_through = checkpoint->size;
  }
  audit.message = "the journal's first " + std::to_string(audit.intact_through) +
                  " entries match the checkpoint" + (by_size.size() == 1 ? "" : "s") +
                  " (the journal has " + std::to_string(log.size()) + ")";
  return audit;
}

}  // namespace twoline::proof
