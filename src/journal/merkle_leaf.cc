#include "journal/merkle_leaf.h"

#include "proof/merkle.h"

namespace twoline::journal {

Hash256 LeafHashOfEncoding(std::string_view encoded_entry) {
  return proof::HashLeaf(encoded_entry);
}

Hash256 LeafHash(const Entry& entry) { return LeafHashOfEncoding(EncodeEntry(entry)); }

EntryHashes HashEntry(const Entry& entry) {
  std::string encoded = EncodeEntry(entry);
  return EntryHashes{Sha256(encoded), LeafHashOfEncoding(encoded)};
}

Hash256 LeafHashOfLine(std::string_view line) {
  auto entry = EntryFromJsonLine(line);
  if (!entry) return Hash256{};
  return LeafHash(*entry);
}

Result<EntryLeaf> LeafOfJournalLine(std::string_view line) {
  auto entry = EntryFromJsonLine(line);
  if (!entry) return Error{"the entry line is not a journal entry: " + entry.error().message};
  std::string encoded = EncodeEntry(*entry);
  if (Sha256(encoded) != entry->hash) {
    return Error{"the entry's hash field does not match its content (the entry was altered)"};
  }
  Hash256 leaf_hash = LeafHashOfEncoding(encoded);
  return EntryLeaf{std::move(*entry), leaf_hash};
}

}  // namespace twoline::journal
