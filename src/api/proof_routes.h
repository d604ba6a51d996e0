// The proof routes of the HTTP API (docs/api.md "Routes" and "Roles", docs/proofs.md "Over HTTP")
// and decision receipts:
//
//   GET /v1/zones/{zone}/checkpoint                        the latest signed checkpoint
//   (text/plain) GET /v1/zones/{zone}/proofs/inclusion?seq=N[&size=M]   an inclusion proof file
//   (JSON) GET /v1/zones/{zone}/proofs/consistency?from=M1[&to=M2] a consistency proof file (JSON)
//
// Proof files are byte for byte what `twoline prove` prints (proof/proof_file.h), so that
// `twoline verify-proof` and docs/verify_proof.py check them. Without size (to), a proof is against
// the latest kept checkpoint's size, or the whole committed journal when none is kept — as `prove`.
// Proofs are assembled from the leaf hashes stored with the journal (store/stored_tree.h), off the
// writer, from committed data only.
//
// Checkpoint: with a signing key configured, the checkpoint of the journal's committed size — the
// latest kept one when it has that size, else one signed now and kept; without a key, the latest
// kept one (404 when none is).
//
// Access (auth.h): auditors and admins; declarants the checkpoint, consistency proofs, and the
// inclusion proofs of their own commands' entries (EntrySubmittedByParty) — for any other seq,
// existing or not, 403 with the same message; officers 403. Parameters: 400 when missing, not a
// decimal number, zero, or out of range (size beyond the journal, seq beyond size, from beyond to).
// A declarant's ownership is checked before the ranges, so that a 400 never tells it whether an
// entry it may not see exists.
// Thread-safety: all methods are safe from any thread.
#pragma once

#include <memory>
#include <optional>
#include <string>

#include "api/auth.h"
#include "proof/note.h"
#include "store/store.h"
#include "store/stored_tree.h"

namespace twoline::api {

// A route's answer: a body with its type, or an error (code and message for the error body).
struct ProofReply {
  int status = 200;
  std::string body;
  std::string content_type = "application/json";
  std::string error;  // "bad_request", "forbidden", "not_found", "unavailable" when status != 200
};

class ProofRoutes {
 public:
  // `signer` may be null (no fresh checkpoints). `store` must outlive this object.
  ProofRoutes(store::Store& store, std::shared_ptr<const proof::NoteSigner> signer);

  ProofReply Checkpoint(const Principal& principal, const std::string& zone);
  ProofReply Inclusion(const Principal& principal, const std::string& zone,
                       const std::optional<std::string>& seq,
                       const std::optional<std::string>& size);
  ProofReply Consistency(const Principal& principal, const std::string& zone,
                         const std::optional<std::string>& from,
                         const std::optional<std::string>& to);

 private:
  // A committed size of the zone's journal that is at least `wanted` when the journal has that
  // many entries (0: the committed size, read from the zone record).
  Result<uint64_t> CommittedSize(const std::string& zone, uint64_t wanted);
  // The size a proof is made against when none is given.
  Result<uint64_t> DefaultSize(const std::string& zone, uint64_t journal_size);

  store::Store& store_;
  const std::shared_ptr<const proof::NoteSigner> signer_;
  store::StoredTree tree_;
};

// A decision's answer (a JSON object) with its receipt appended:
//   "receipt": {"seq": N, "leaf_hash": "<64 hex>", "tree_size": M}
// the journal entry's seq and RFC 9162 leaf hash, and the journal's committed size when answered.
std::string WithReceipt(std::string answer_json, uint64_t seq, const Hash256& leaf_hash,
                        uint64_t tree_size);

}  // namespace twoline::api
