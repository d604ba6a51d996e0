#include "api/proof_routes.h"

#include <ctime>

#include "base/check.h"
#include "base/json_writer.h"
#include "base/time.h"
#include "journal/entry.h"
#include "proof/checkpoint.h"
#include "proof/proof_file.h"

namespace twoline::api {
namespace {

ProofReply Refuse(int status, const char* error, std::string message) {
  ProofReply reply;
  reply.status = status;
  reply.error = error;
  reply.body = std::move(message);
  return reply;
}

ProofReply BadRequest(std::string message) {
  return Refuse(400, "bad_request", std::move(message));
}
ProofReply Forbidden(const Status& status) { return Refuse(403, "forbidden", status.message()); }
ProofReply Unavailable(const std::string& message) { return Refuse(503, "unavailable", message); }

// A query parameter that must be a decimal number of at least 1 (nullopt: absent).
Result<std::optional<uint64_t>> Count(const std::optional<std::string>& text, const char* name) {
  if (!text) return std::optional<uint64_t>();
  uint64_t value = 0;
  bool digits = !text->empty() && text->size() <= 19;
  for (char c : *text) {
    if (c < '0' || c > '9') digits = false;
    if (digits) value = value * 10 + static_cast<uint64_t>(c - '0');
  }
  if (!digits || value == 0) {
    return Error{"query parameter \"" + std::string(name) +
                 "\" must be a whole number of at least 1"};
  }
  return std::optional<uint64_t>(value);
}

std::string Beyond(const char* name, uint64_t size, uint64_t journal_size) {
  return std::string(name) + " " + std::to_string(size) + " is beyond the journal's " +
         std::to_string(journal_size) + " committed entries";
}

}  // namespace

ProofRoutes::ProofRoutes(store::Store& store, std::shared_ptr<const proof::NoteSigner> signer)
    : store_(store), signer_(std::move(signer)), tree_(store) {}

Result<uint64_t> ProofRoutes::CommittedSize(const std::string& zone, uint64_t wanted) {
  // The tree in memory holds committed entries only: a size it covers needs no read of the store.
  if (wanted != 0) {
    uint64_t known = tree_.Known(zone);
    if (wanted <= known) return known;
  }
  auto head = tree_.Current(zone);
  if (!head) return head.error();
  return head->size;
}

Result<uint64_t> ProofRoutes::DefaultSize(const std::string& zone, uint64_t journal_size) {
  auto latest = store_.LatestCheckpoint(zone);
  if (!latest) return latest.error();
  if (*latest && (*latest)->size <= journal_size) return (*latest)->size;
  return journal_size;
}

ProofReply ProofRoutes::Checkpoint(const Principal& principal, const std::string& zone) {
  if (Status allowed = AllowRead(principal, ReadKind::kTreeHead, zone, ""); !allowed) {
    return Forbidden(allowed);
  }
  auto latest = store_.LatestCheckpoint(zone);
  if (!latest) return Unavailable(latest.error().message);
  ProofReply reply;
  reply.content_type = "text/plain; charset=utf-8";
  if (signer_ != nullptr) {
    auto head = tree_.Current(zone);
    if (!head) return Unavailable(head.error().message);
    const proof::NoteVerifier ours[] = {proof::VerifierOf(*signer_)};
    bool current = *latest && (*latest)->size == head->size &&
                   proof::OpenCheckpoint((*latest)->note, ours, "").ok();
    if (!current) {
      proof::Checkpoint checkpoint{proof::DefaultOrigin(zone), head->size, head->root, {}};
      auto note = proof::SignCheckpoint(checkpoint, *signer_);
      if (!note) return Unavailable(note.error().message);
      store::CheckpointRecord kept{zone, head->size, *note, FormatRfc3339(std::time(nullptr), 0)};
      if (Status written = store_.WriteCheckpoint(kept); !written)
        return Unavailable(written.message());
      reply.body = std::move(*note);
      return reply;
    }
  }
  if (!*latest) {
    return Refuse(404, "not_found",
                  "no checkpoint of zone " + zone +
                      " is kept (a server started with --checkpoint-key signs them)");
  }
  reply.body = std::move((*latest)->note);
  return reply;
}

ProofReply ProofRoutes::Inclusion(const Principal& principal, const std::string& zone,
                                  const std::optional<std::string>& seq_text,
                                  const std::optional<std::string>& size_text) {
  // Officers and other zones' tokens are refused before anything is read.
  if (Status allowed = AllowRead(principal, ReadKind::kTreeHead, zone, ""); !allowed) {
    return Forbidden(allowed);
  }
  if (!seq_text) return BadRequest("query parameter \"seq\" is required");
  auto seq = Count(seq_text, "seq");
  if (!seq) return BadRequest(seq.error().message);
  auto size_given = Count(size_text, "size");
  if (!size_given) return BadRequest(size_given.error().message);
  std::string submitter;
  if (principal.role == Role::kDeclarant) {
    auto stored = store_.ReadEntries(zone, **seq, 1);
    if (!stored) return Unavailable(stored.error().message);
    if (!stored->empty() && stored->front().seq == **seq) {
      auto entry = journal::EntryFromJsonLine(stored->front().line);
      if (entry && EntrySubmittedByParty(entry->command, principal.party))
        submitter = principal.party;
    }
  }
  if (Status allowed = AllowRead(principal, ReadKind::kInclusionProof, zone, submitter); !allowed) {
    return Forbidden(allowed);
  }
  auto journal_size = CommittedSize(zone, size_given->value_or(0));
  if (!journal_size) return Unavailable(journal_size.error().message);
  uint64_t size = 0;
  if (*size_given) {
    size = **size_given;
    if (size > *journal_size) return BadRequest(Beyond("size", size, *journal_size));
  } else {
    auto fallback = DefaultSize(zone, *journal_size);
    if (!fallback) return Unavailable(fallback.error().message);
    size = *fallback;
  }
  if (**seq > size) {
    return BadRequest("seq " + std::to_string(**seq) + " is not in the tree of size " +
                      std::to_string(size) +
                      (*size_given ? "" : " (the latest checkpoint's): give size"));
  }
  auto proof = tree_.Inclusion(zone, **seq, size);
  if (!proof) return Unavailable(proof.error().message);
  ProofReply reply;
  reply.body = proof::FormatProofFile(*proof);
  return reply;
}

ProofReply ProofRoutes::Consistency(const Principal& principal, const std::string& zone,
                                    const std::optional<std::string>& from_text,
                                    const std::optional<std::string>& to_text) {
  if (Status allowed = AllowRead(principal, ReadKind::kTreeHead, zone, ""); !allowed) {
    return Forbidden(allowed);
  }
  if (!from_text) return BadRequest("query parameter \"from\" is required");
  auto from = Count(from_text, "from");
  if (!from) return BadRequest(from.error().message);
  auto to_given = Count(to_text, "to");
  if (!to_given) return BadRequest(to_given.error().message);
  auto journal_size = CommittedSize(zone, to_given->value_or(0));
  if (!journal_size) return Unavailable(journal_size.error().message);
  uint64_t to = 0;
  if (*to_given) {
    to = **to_given;
    if (to > *journal_size) return BadRequest(Beyond("to", to, *journal_size));
  } else {
    auto fallback = DefaultSize(zone, *journal_size);
    if (!fallback) return Unavailable(fallback.error().message);
    to = *fallback;
  }
  if (**from > to) {
    return BadRequest("from " + std::to_string(**from) + " is after to " + std::to_string(to) +
                      (*to_given ? "" : " (the latest checkpoint's size): give to"));
  }
  auto proof = tree_.Consistency(zone, **from, to);
  if (!proof) return Unavailable(proof.error().message);
  ProofReply reply;
  reply.body = proof::FormatProofFile(*proof);
  return reply;
}

std::string WithReceipt(std::string answer_json, uint64_t seq, const Hash256& leaf_hash,
                        uint64_t tree_size) {
  CHECK(!answer_json.empty() && answer_json.back() == '}' && seq >= 1 && tree_size >= seq);
  answer_json.pop_back();
  JsonWriter w(&answer_json);
  answer_json += ",\"receipt\":";
  w.BeginObject().Key("seq").Int(static_cast<int64_t>(seq));
  w.Key("leaf_hash").String(ToHex(leaf_hash)).Key("tree_size").Int(static_cast<int64_t>(tree_size));
  w.EndObject();
  answer_json += '}';
  return answer_json;
}

}  // namespace twoline::api
