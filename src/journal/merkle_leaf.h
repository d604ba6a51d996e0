// The Merkle leaf of a journal entry (proof/merkle.h): leaf hash = SHA-256(0x00 || the entry's
// canonical encoding), the same bytes (EncodeEntry, version 1) whose SHA-256 is the entry's chain
// hash. The leaf does not cover the entry's own "hash" field (it is derived from the same bytes),
// nor the JSON line's layout.
//
// On the write path, encode once and derive both hashes from the one encoding:
//   std::string encoded = EncodeEntry(entry);
//   entry.hash = Sha256(encoded);  leaf = LeafHashOfEncoding(encoded);
// Thread-safety: pure functions.
#pragma once

#include <string_view>

#include "base/result.h"
#include "base/sha256.h"
#include "journal/entry.h"

namespace twoline::journal {

Hash256 LeafHashOfEncoding(std::string_view encoded_entry);
Hash256 LeafHash(const Entry& entry);

// Both hashes of an entry from one encoding: its chain hash (the entry's "hash") and its leaf hash.
struct EntryHashes {
  Hash256 chain{};
  Hash256 leaf{};
};
EntryHashes HashEntry(const Entry& entry);

// The leaf hash of a stored journal line (without its '\n'), for rows stored before leaf hashes
// were kept beside them; all zeros when the line is not a journal entry (replay names it).
Hash256 LeafHashOfLine(std::string_view line);

struct EntryLeaf {
  Entry entry;
  Hash256 leaf_hash{};
};
// Parses a journal line (without its '\n'), checks that it is canonical and that its "hash" field
// is the hash of its content, and gives its leaf hash. Says what is wrong otherwise.
Result<EntryLeaf> LeafOfJournalLine(std::string_view line);

}  // namespace twoline::journal
