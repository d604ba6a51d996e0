#include "cli/proof_commands.h"

#include "cli/store_commands.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <iostream>
#include <sstream>

#include "base/time.h"
#include "cli/journal_commands.h"
#include "journal/chain.h"
#include "journal/journal_file.h"
#include "journal/merkle_leaf.h"
#include "proof/audit.h"
#include "proof/base64.h"
#include "proof/checkpoint.h"
#include "proof/note.h"
#include "proof/proof_file.h"
#include "store/stored_tree.h"
#include "store/zone_set.h"

namespace twoline::cli {
namespace {

// Small files (keys, checkpoints, proofs) are read whole, up to a limit.
Result<std::string> ReadSmallFile(const std::string& path, size_t bytes_max) {
  std::ifstream file(path, std::ios::binary);
  if (!file) return Error{path + ": " + std::strerror(errno)};
  std::string data;
  char buffer[65536];
  while (file.read(buffer, sizeof buffer) || file.gcount() > 0) {
    data.append(buffer, static_cast<size_t>(file.gcount()));
    if (data.size() > bytes_max) {
      return Error{path + ": larger than " + std::to_string(bytes_max) + " bytes"};
    }
  }
  if (file.bad()) return Error{path + ": read failed"};
  return data;
}

// A key file holds one line; its newline (and any trailing whitespace) is not part of the key.
Result<std::string> ReadKeyFile(const std::string& path) {
  auto text = ReadSmallFile(path, 4096);
  if (!text) return text.error();
  while (!text->empty() && std::isspace(static_cast<unsigned char>(text->back()))) text->pop_back();
  return std::move(*text);
}

Result<std::vector<proof::NoteVerifier>> ReadVerifiers(const std::vector<std::string>& paths) {
  std::vector<proof::NoteVerifier> verifiers;
  for (const std::string& path : paths) {
    auto text = ReadKeyFile(path);
    if (!text) return text.error();
    auto verifier = proof::ParseVerifierKey(*text);
    if (!verifier) return Error{path + ": " + verifier.error().message};
    verifiers.push_back(std::move(*verifier));
  }
  return verifiers;
}

Result<std::vector<proof::OpenedCheckpoint>> OpenCheckpoints(
    const std::vector<std::string>& paths, const std::vector<proof::NoteVerifier>& verifiers,
    const std::string& origin) {
  std::vector<proof::OpenedCheckpoint> checkpoints;
  for (const std::string& path : paths) {
    auto note = ReadSmallFile(path, proof::kNoteBytesMax);
    if (!note) return note.error();
    auto opened = proof::OpenCheckpoint(*note, verifiers, origin);
    if (!opened) return Error{path + ": " + opened.error().message};
    checkpoints.push_back(std::move(*opened));
  }
  return checkpoints;
}

// Writes a new file (never an existing one) with `mode`, durably.
Status WriteNewFile(const std::string& path, const std::string& data, mode_t mode) {
  int fd = open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode);
  if (fd < 0) return Error{path + ": " + std::strerror(errno)};
  size_t done = 0;
  while (done < data.size()) {
    ssize_t n = write(fd, data.data() + done, data.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    done += static_cast<size_t>(n);
  }
  int saved = errno;
  bool ok = done == data.size() && fsync(fd) == 0;
  if (!ok && done == data.size()) saved = errno;
  close(fd);
  if (!ok) {
    unlink(path.c_str());
    return Error{path + ": write failed: " + std::strerror(saved)};
  }
  return Status::Ok();
}

// Prints a failure the way `verify` does: the reason on err, "bad <reason>" on out.
int Bad(const char* command, const std::string& reason, std::ostream& out, std::ostream& err) {
  err << "twoline " << command << ": " << reason << "\n";
  out << "bad " << reason << "\n";
  return 1;
}

int Fail(const char* command, const std::string& reason, std::ostream& err) {
  err << "twoline " << command << ": " << reason << "\n";
  return 1;
}

std::string Base64Hash(const Hash256& hash) {
  return proof::Base64Encode(std::string_view(reinterpret_cast<const char*>(hash.data()), 32));
}

std::string Names(const std::vector<std::string>& names) {
  std::string joined;
  for (const std::string& name : names) joined += (joined.empty() ? "" : ", ") + name;
  return joined;
}

const proof::OpenedCheckpoint* OfSize(const std::vector<proof::OpenedCheckpoint>& checkpoints,
                                      uint64_t size) {
  for (const proof::OpenedCheckpoint& opened : checkpoints) {
    if (opened.checkpoint.size == size) return &opened;
  }
  return nullptr;
}

std::string Sizes(const std::vector<proof::OpenedCheckpoint>& checkpoints) {
  std::string sizes;
  for (const proof::OpenedCheckpoint& opened : checkpoints) {
    sizes += (sizes.empty() ? "" : ", ") + std::to_string(opened.checkpoint.size);
  }
  return sizes;
}

int VerifyInclusionFile(const proof::InclusionProofFile& proof,
                        const std::vector<proof::OpenedCheckpoint>& checkpoints, std::ostream& out,
                        std::ostream& err) {
  const proof::OpenedCheckpoint* checkpoint = OfSize(checkpoints, proof.tree_size);
  if (checkpoint == nullptr) {
    return Bad("verify-proof",
               "wrong size: the proof is for a tree of size " + std::to_string(proof.tree_size) +
                   ", the checkpoint covers " + Sizes(checkpoints) + " entries",
               out, err);
  }
  auto leaf = journal::LeafOfJournalLine(proof.entry);
  if (!leaf) return Bad("verify-proof", "tampered entry: " + leaf.error().message, out, err);
  proof::ProvenEntry entry{leaf->entry.seq, leaf->entry.zone, leaf->leaf_hash};
  if (Status s = proof::CheckInclusionProof(proof, entry, checkpoint->checkpoint); !s) {
    return Bad("verify-proof", s.message(), out, err);
  }
  out << "ok inclusion: seq " << proof.seq << " of zone " << proof.zone
      << " is in the journal's first " << proof.tree_size << " entries (root "
      << Base64Hash(checkpoint->checkpoint.root) << ", signed by " << Names(checkpoint->verified_by)
      << ")\n";
  return 0;
}

int VerifyConsistencyFile(const proof::ConsistencyProofFile& proof,
                          const std::vector<proof::OpenedCheckpoint>& checkpoints,
                          std::ostream& out, std::ostream& err) {
  const proof::OpenedCheckpoint* older = OfSize(checkpoints, proof.from);
  const proof::OpenedCheckpoint* newer = OfSize(checkpoints, proof.to);
  if (older == nullptr || newer == nullptr) {
    return Bad("verify-proof",
               "wrong size: the proof is from size " + std::to_string(proof.from) + " to " +
                   std::to_string(proof.to) + ", the checkpoints cover " + Sizes(checkpoints) +
                   " entries (give one checkpoint of each size)",
               out, err);
  }
  if (Status s = proof::CheckConsistencyProof(proof, older->checkpoint, newer->checkpoint); !s) {
    return Bad("verify-proof", s.message(), out, err);
  }
  out << "ok consistency: zone " << proof.zone << "'s first " << proof.from
      << " entries are unchanged in its first " << proof.to << " (roots "
      << Base64Hash(older->checkpoint.root) << " and " << Base64Hash(newer->checkpoint.root)
      << ")\n";
  return 0;
}

}  // namespace

std::string_view JournalLeaves::Line(uint64_t seq) const {
  CHECK(seq >= 1 && seq <= line_offsets.size());
  size_t begin = line_offsets[seq - 1];
  size_t end = data.find('\n', begin);
  return std::string_view(data).substr(begin, end - begin);
}

Result<JournalLeaves> ReadJournalLeaves(const std::string& journal_path) {
  std::ifstream file(journal_path, std::ios::binary);
  if (!file) return Error{journal_path + ": " + std::strerror(errno)};
  JournalLeaves leaves;
  std::ostringstream buffer;
  buffer << file.rdbuf();
  if (file.bad()) return Error{journal_path + ": read failed"};
  leaves.data = std::move(buffer).str();
  Hash256 previous{};
  size_t position = 0;
  while (position < leaves.data.size()) {
    uint64_t seq = leaves.line_offsets.size() + 1;
    std::string where = journal_path + ": seq " + std::to_string(seq) + ": ";
    size_t end = leaves.data.find('\n', position);
    if (end == std::string::npos) return Error{where + "entry truncated mid-line (torn write)"};
    auto leaf =
        journal::LeafOfJournalLine(std::string_view(leaves.data).substr(position, end - position));
    if (!leaf) return Error{where + leaf.error().message};
    const journal::Entry& entry = leaf->entry;
    if (entry.seq != seq) return Error{where + "the line holds seq " + std::to_string(entry.seq)};
    if (entry.prev != previous)
      return Error{where + "prev does not match the hash of seq " + std::to_string(seq - 1)};
    if (seq == 1) leaves.zone = entry.zone;
    if (entry.zone != leaves.zone)
      return Error{where + "entry of zone " + entry.zone + " in the journal of " + leaves.zone};
    previous = entry.hash;
    leaves.log.Append(leaf->leaf_hash);
    leaves.line_offsets.push_back(position);
    position = end + 1;
  }
  return leaves;
}

int KeyCreate(const KeyCreateOptions& options, std::ostream& out, std::ostream& err) {
  auto signer = proof::GenerateNoteSigner(options.name);
  if (!signer) return Fail("key create", signer.error().message, err);
  std::string key_path = options.out_prefix + ".key", public_path = options.out_prefix + ".pub";
  for (const std::string& path : {key_path, public_path}) {
    struct stat info;
    if (stat(path.c_str(), &info) == 0)
      return Fail("key create", path + " exists; not overwritten", err);
  }
  std::string verifier_key = proof::FormatVerifierKey(proof::VerifierOf(*signer));
  if (Status s = WriteNewFile(key_path, proof::FormatSignerKey(*signer) + "\n", 0600); !s) {
    return Fail("key create", s.message(), err);
  }
  if (Status s = WriteNewFile(public_path, verifier_key + "\n", 0644); !s) {
    unlink(key_path.c_str());
    return Fail("key create", s.message(), err);
  }
  out << "private key " << key_path << "\npublic key  " << public_path << "\n"
      << verifier_key << "\n";
  return 0;
}

Result<proof::NoteSigner> ReadSignerKeyFile(const std::string& path) {
  auto text = ReadKeyFile(path);
  if (!text) return text.error();
  auto signer = proof::ParseSignerKey(*text);
  if (!signer) return Error{path + ": " + signer.error().message};
  return std::move(*signer);
}

int PrintCheckpoint(const CheckpointOptions& options, std::ostream& out, std::ostream& err) {
  const StoreLocation location = options.Location();
  if (options.latest) {
    auto store = OpenStore(location, /*read_only=*/true);
    if (!store) return Fail("checkpoint", store.error().message, err);
    auto latest = (*store)->LatestCheckpoint(options.zone);
    if (!latest) return Fail("checkpoint", latest.error().message, err);
    if (!*latest) {
      return Fail("checkpoint", location.Name() + " keeps no checkpoint of zone " + options.zone, err);
    }
    out << (*latest)->note;
    return 0;
  }
  std::string origin = options.origin.empty() ? proof::DefaultOrigin(options.zone) : options.origin;
  if (Status s = proof::ValidateOrigin(origin); !s) return Fail("checkpoint", s.message(), err);
  auto signer = ReadSignerKeyFile(options.key_path);
  if (!signer) return Fail("checkpoint", signer.error().message, err);
  auto store = OpenExistingStore(location, /*audit=*/true);
  if (!store) return Fail("checkpoint", store.error().message, err);
  // Only a journal that verifies is signed, and exactly what was verified: the root is the
  // frontier of the replay, which also checked every stored leaf hash against its entry.
  auto records = (*store)->Zones();
  if (!records) return Fail("checkpoint", records.error().message, err);
  const store::ZoneRecord* record = nullptr;
  for (const store::ZoneRecord& each : *records) {
    if (each.zone == options.zone) record = &each;
  }
  if (record == nullptr) {
    return Fail("checkpoint", location.Name() + " holds no zone \"" + options.zone + "\"", err);
  }
  store::Zone replayed;
  if (Status s = store::ReplayZone(**store, *record, &replayed); !s) {
    return Fail("checkpoint", "the journal does not verify: " + s.message(), err);
  }
  const proof::MerkleFrontier& tree = replayed.chain.frontier();
  proof::Checkpoint checkpoint{origin, tree.size(), tree.Root(), {}};
  auto note = proof::SignCheckpoint(checkpoint, *signer);
  if (!note) return Fail("checkpoint", note.error().message, err);
  store::CheckpointRecord kept{options.zone, checkpoint.size, *note, FormatRfc3339(std::time(nullptr), 0)};
  if (Status s = (*store)->WriteCheckpoint(kept); !s) {
    return Fail("checkpoint", "the checkpoint was not kept: " + s.message(), err);
  }
  out << *note;
  return 0;
}

int Prove(const ProveOptions& options, std::ostream& out, std::ostream& err) {
  const StoreLocation location = options.Location();
  auto store = OpenStore(location, /*read_only=*/true);
  if (!store) return Fail("prove", store.error().message, err);
  store::StoredTree tree(**store);
  auto head = tree.Current(options.zone);
  if (!head) return Fail("prove", location.Name() + ": " + head.error().message, err);
  // Without a size, proofs are against the latest kept checkpoint (what a verifier holds), or the
  // whole journal when none is kept.
  auto latest = (*store)->LatestCheckpoint(options.zone);
  if (!latest) return Fail("prove", latest.error().message, err);
  const uint64_t default_size = *latest ? (*latest)->size : head->size;
  const std::string default_name = *latest ? "the latest checkpoint's size " : "the journal's size ";
  auto check_size = [&](uint64_t size) -> Status {
    if (size > head->size) {
      return Error{"tree size " + std::to_string(size) + " is beyond the journal's " +
                   std::to_string(head->size) + " entries"};
    }
    return Status::Ok();
  };
  if (options.consistency) {
    const uint64_t to = options.to == 0 ? default_size : options.to;
    if (Status s = check_size(to); !s) return Fail("prove", s.message(), err);
    if (options.from > to) {
      return Fail("prove", "--from " + std::to_string(options.from) + " is after --to " + std::to_string(to) +
                               (options.to == 0 ? " (" + default_name + "); give --to" : ""), err);
    }
    auto proof = tree.Consistency(options.zone, options.from, to);
    if (!proof) return Fail("prove", proof.error().message, err);
    out << proof::FormatProofFile(*proof);
    return 0;
  }
  const uint64_t size = options.size == 0 ? default_size : options.size;
  if (Status s = check_size(size); !s) return Fail("prove", s.message(), err);
  if (options.seq > size) {
    return Fail("prove", "seq " + std::to_string(options.seq) + " is not in the tree of size " +
                             std::to_string(size) +
                             (options.size == 0 ? " (" + default_name + "); give --size" : ""), err);
  }
  auto proof = tree.Inclusion(options.zone, options.seq, size);
  if (!proof) return Fail("prove", proof.error().message, err);
  out << proof::FormatProofFile(*proof);
  return 0;
}

int VerifyProof(const VerifyProofOptions& options, std::ostream& out, std::ostream& err) {
  auto text = ReadSmallFile(options.proof_path, proof::kProofFileBytesMax);
  if (!text) return Bad("verify-proof", text.error().message, out, err);
  auto proof_file = proof::ParseProofFile(*text);
  if (!proof_file)
    return Bad("verify-proof", options.proof_path + ": " + proof_file.error().message, out, err);
  const std::string& zone =
      std::visit([](const auto& p) -> const std::string& { return p.zone; }, *proof_file);
  auto verifiers = ReadVerifiers(options.public_key_paths);
  if (!verifiers) return Bad("verify-proof", verifiers.error().message, out, err);
  std::string origin = options.origin.empty() ? proof::DefaultOrigin(zone) : options.origin;
  auto checkpoints = OpenCheckpoints(options.checkpoint_paths, *verifiers, origin);
  if (!checkpoints) return Bad("verify-proof", checkpoints.error().message, out, err);
  if (const auto* inclusion = std::get_if<proof::InclusionProofFile>(&*proof_file)) {
    return VerifyInclusionFile(*inclusion, *checkpoints, out, err);
  }
  return VerifyConsistencyFile(std::get<proof::ConsistencyProofFile>(*proof_file), *checkpoints,
                               out, err);
}

int VerifyJournalCheckpoints(const VerifyCheckpointOptions& options, std::ostream& out,
                             std::ostream& err) {
  auto verifiers = ReadVerifiers(options.public_key_paths);
  if (!verifiers) return Bad("verify", verifiers.error().message, out, err);
  if (VerifyJournal(options.journal_path, out, err) != 0) return 1;
  auto leaves = ReadJournalLeaves(options.journal_path);
  if (!leaves) return Bad("verify", leaves.error().message, out, err);
  // An empty journal has no zone to name the origin by; its checkpoints are then taken as given.
  std::string origin = options.origin.empty() && !leaves->zone.empty()
                           ? proof::DefaultOrigin(leaves->zone)
                           : options.origin;
  auto opened = OpenCheckpoints(options.checkpoint_paths, *verifiers, origin);
  if (!opened) return Bad("verify", opened.error().message, out, err);
  std::vector<proof::Checkpoint> checkpoints;
  for (proof::OpenedCheckpoint& checkpoint : *opened)
    checkpoints.push_back(std::move(checkpoint.checkpoint));
  proof::JournalAudit audit = proof::AuditJournal(leaves->log, checkpoints);
  if (audit.finding != proof::JournalAudit::Finding::kConsistent) {
    return Bad("verify", audit.message, out, err);
  }
  out << "ok checkpoint: " << audit.message << "\n";
  return 0;
}

int VerifyStoreCheckpoints(const StoreLocation& location, const std::string& zone_option,
                           const VerifyCheckpointOptions& options, std::ostream& out,
                           std::ostream& err) {
  auto verifiers = ReadVerifiers(options.public_key_paths);
  if (!verifiers) return Bad("verify", verifiers.error().message, out, err);
  auto store = OpenStore(location, /*read_only=*/true);
  if (!store) return Bad("verify", store.error().message, out, err);
  auto zones = (*store)->Zones();
  if (!zones) return Bad("verify", zones.error().message, out, err);
  std::string zone = zone_option;
  if (zone.empty()) {
    if (zones->size() != 1) {
      return Bad("verify",
                 location.Name() + " holds " + std::to_string(zones->size()) +
                     " zones; with --checkpoint give --zone",
                 out, err);
    }
    zone = zones->front().zone;
  }
  // The whole journal first, as `verify` does: every entry replayed and every stored leaf hash
  // checked against the one its entry gives. Then the tree of those leaves against each checkpoint.
  if (VerifyStore(location, zone, /*from_snapshot=*/false, out, err) != 0) return 1;
  proof::MerkleLog log;
  for (;;) {
    auto page = (*store)->ReadLeafHashes(zone, log.size() + 1, store::kLeafHashesMax);
    if (!page) return Bad("verify", page.error().message, out, err);
    if (page->empty()) break;
    for (const Hash256& leaf : *page) log.Append(leaf);
  }
  std::string origin = options.origin.empty() ? proof::DefaultOrigin(zone) : options.origin;
  auto opened = OpenCheckpoints(options.checkpoint_paths, *verifiers, origin);
  if (!opened) return Bad("verify", opened.error().message, out, err);
  std::vector<proof::Checkpoint> checkpoints;
  for (proof::OpenedCheckpoint& checkpoint : *opened)
    checkpoints.push_back(std::move(checkpoint.checkpoint));
  proof::JournalAudit audit = proof::AuditJournal(log, checkpoints);
  if (audit.finding != proof::JournalAudit::Finding::kConsistent) {
    return Bad("verify", audit.message, out, err);
  }
  out << "ok checkpoint: " << audit.message << "\n";
  return 0;
}

void ProofCommandLine::Register(CLI::App* app, CLI::App* verify) {
  key_ = app->add_subcommand("key", "checkpoint signing keys: create");
  key_->add_option("ACTION", key_action_, "create")->required()->check(CLI::IsMember({"create"}));
  key_->add_option("--name", key_options_.name, "key name, e.g. customs.example/hengqin")
      ->required();
  key_->add_option("--out", key_options_.out_prefix,
                   "writes PREFIX.key (private, 0600) and PREFIX.pub")
      ->required();

  checkpoint_ = app->add_subcommand("checkpoint", "print a signed checkpoint of a journal");
  {
    auto* journal = checkpoint_->add_option("--journal", checkpoint_options_.journal_path, "JSON Lines journal file");
    auto* db = checkpoint_->add_option("--db", checkpoint_options_.db_path, "embedded database");
    auto* postgres = checkpoint_->add_option("--postgres", checkpoint_options_.postgres, "PostgreSQL conninfo");
    journal->excludes(db)->excludes(postgres);
    db->excludes(postgres);
  }
  checkpoint_->add_option("--zone", checkpoint_options_.zone, "zone id")->required();
  auto* key = checkpoint_->add_option("--key", checkpoint_options_.key_path,
                                      "sign a new checkpoint with this private key (PREFIX.key) and keep it");
  auto* latest = checkpoint_->add_flag("--latest", checkpoint_options_.latest,
                                       "print the latest checkpoint kept in the store instead");
  key->excludes(latest);
  checkpoint_->add_option("--origin", checkpoint_options_.origin,
                          "checkpoint origin (default twoline/ZONE)");

  prove_ = app->add_subcommand("prove", "print an inclusion or consistency proof");
  {
    auto* journal = prove_->add_option("--journal", prove_options_.journal_path, "JSON Lines journal file");
    auto* db = prove_->add_option("--db", prove_options_.db_path, "embedded database");
    auto* postgres = prove_->add_option("--postgres", prove_options_.postgres, "PostgreSQL conninfo");
    journal->excludes(db)->excludes(postgres);
    db->excludes(postgres);
  }
  prove_->add_option("--zone", prove_options_.zone, "zone id")->required();
  prove_->add_option("--seq", prove_options_.seq, "inclusion: the entry's seq");
  prove_->add_option("--size", prove_options_.size,
                     "inclusion: tree size (default: the latest kept checkpoint's, else the whole journal)");
  prove_->add_flag("--consistency", prove_options_.consistency, "a consistency proof instead");
  prove_->add_option("--from", prove_options_.from, "consistency: the older tree size");
  prove_->add_option("--to", prove_options_.to,
                     "consistency: the newer tree size (default: the latest kept checkpoint's, else the whole journal)");

  verify_proof_ =
      app->add_subcommand("verify-proof", "check a proof against signed checkpoints, offline");
  verify_proof_
      ->add_option("--checkpoint", verify_proof_options_.checkpoint_paths,
                   "signed checkpoint (repeat: consistency proofs need both sizes)")
      ->required();
  verify_proof_
      ->add_option("--public-key", verify_proof_options_.public_key_paths,
                   "verifier key file (PREFIX.pub; repeatable)")
      ->required();
  verify_proof_->add_option("--proof", verify_proof_options_.proof_path, "proof file (JSON)")
      ->required();
  verify_proof_->add_option("--origin", verify_proof_options_.origin,
                            "expected origin (default twoline/ZONE)");

  verify_ = verify;
  verify->add_option("--checkpoint", verify_options_.checkpoint_paths,
                     "also check the journal against signed checkpoints kept elsewhere (repeatable)");
  verify->add_option("--public-key", verify_options_.public_key_paths,
                     "with --checkpoint: verifier key file");
  verify->add_option("--origin", verify_options_.origin, "with --checkpoint: expected origin");
}

std::optional<int> ProofCommandLine::Run(const StoreLocation& verify,
                                         const std::string& verify_zone, std::ostream& out,
                                         std::ostream& err) {
  if (key_->parsed()) return KeyCreate(key_options_, out, err);
  if (checkpoint_->parsed()) {
    const CheckpointOptions& o = checkpoint_options_;
    if (o.journal_path.empty() && o.db_path.empty() && o.postgres.empty()) {
      return Fail("checkpoint", "--journal FILE, --db FILE or --postgres CONNINFO is required", err);
    }
    if (o.key_path.empty() == !o.latest) {
      return Fail("checkpoint", "give --key FILE (sign a new checkpoint) or --latest (print the kept one)", err);
    }
    return PrintCheckpoint(checkpoint_options_, out, err);
  }
  if (prove_->parsed()) {
    const ProveOptions& o = prove_options_;
    if (o.journal_path.empty() && o.db_path.empty() && o.postgres.empty()) {
      return Fail("prove", "--journal FILE, --db FILE or --postgres CONNINFO is required", err);
    }
    bool inclusion_options = prove_options_.seq != 0 || prove_options_.size != 0;
    bool consistency_options = prove_options_.from != 0 || prove_options_.to != 0;
    if (prove_options_.consistency ? inclusion_options || prove_options_.from == 0
                                   : consistency_options || prove_options_.seq == 0) {
      return Fail("prove", "give --seq N [--size M], or --consistency --from M1 [--to M2]", err);
    }
    return Prove(prove_options_, out, err);
  }
  if (verify_proof_->parsed()) return VerifyProof(verify_proof_options_, out, err);
  if (verify_->parsed() &&
      (!verify_options_.checkpoint_paths.empty() || !verify_options_.public_key_paths.empty())) {
    if (verify_options_.checkpoint_paths.empty() || verify_options_.public_key_paths.empty()) {
      return Fail("verify", "--checkpoint and --public-key go together", err);
    }
    if (verify.journal.empty()) {
      return VerifyStoreCheckpoints(verify, verify_zone, verify_options_, out, err);
    }
    verify_options_.journal_path = verify.journal;
    return VerifyJournalCheckpoints(verify_options_, out, err);
  }
  return std::nullopt;
}

}  // namespace twoline::cli
