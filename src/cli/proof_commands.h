// The proof subcommands: `key create`, `checkpoint`, `prove`, `verify-proof`, and `verify
// --checkpoint` (docs/proofs.md). `checkpoint` and `prove` work on any store (--journal, --db,
// --postgres); `verify --checkpoint` reads a JSON Lines journal file; `verify-proof` needs nothing
// but the files it is given.
//
// Every command prints its result on `out` and returns 0, or prints the reason on `err` and
// returns 1 (`verify-proof` and `verify --checkpoint` also print "bad <reason>" on `out`).
// Thread-safety: each call owns what it reads; no shared state.
#pragma once

#include <cstdint>
#include <iosfwd>
#include <optional>
#include <string>
#include <vector>

#include "base/result.h"
#include "cli/store_commands.h"
#include "journal/entry.h"
#include "proof/merkle.h"
#include "proof/note.h"

namespace CLI {
class App;
}

namespace twoline::cli {

struct KeyCreateOptions {
  std::string name;        // the key name (also what signature lines show)
  std::string out_prefix;  // writes <prefix>.key (mode 0600) and <prefix>.pub
};
// Refuses to overwrite either file; on failure nothing is left behind.
int KeyCreate(const KeyCreateOptions& options, std::ostream& out, std::ostream& err);

// Reads a private key file (PREFIX.key, docs/proofs.md "Keys"); the error names the file.
Result<proof::NoteSigner> ReadSignerKeyFile(const std::string& path);

struct CheckpointOptions {
  std::string journal_path;  // or:
  std::string db_path;
  std::string postgres;
  std::string zone;
  std::string key_path;  // a <prefix>.key file: sign a new checkpoint
  bool latest = false;   // instead: print the latest kept one
  std::string origin;    // empty: "twoline/<zone>"
  StoreLocation Location() const { return StoreLocation{db_path, journal_path, postgres}; }
};
// With a key: verifies the zone's journal (replay from its first entry: hashes, leaf hashes and
// decisions), signs the checkpoint of all of it, keeps it in the store and prints it. With
// `latest`: prints the latest checkpoint kept in the store.
int PrintCheckpoint(const CheckpointOptions& options, std::ostream& out, std::ostream& err);

struct ProveOptions {
  std::string journal_path;  // or:
  std::string db_path;
  std::string postgres;
  std::string zone;
  // Inclusion: the entry `seq` in the tree of `size` entries (0: the latest kept checkpoint's size,
  // or the whole journal when none is kept).
  uint64_t seq = 0;
  uint64_t size = 0;
  // Consistency: from the tree of `from` entries to that of `to` (0: as `size`).
  bool consistency = false;
  uint64_t from = 0;
  uint64_t to = 0;
  StoreLocation Location() const { return StoreLocation{db_path, journal_path, postgres}; }
};
// Prints an inclusion or consistency proof file (proof/proof_file.h), from the leaf hashes stored
// with the journal (store/stored_tree.h).
int Prove(const ProveOptions& options, std::ostream& out, std::ostream& err);

struct VerifyProofOptions {
  std::vector<std::string>
      checkpoint_paths;  // inclusion: one of size tree_size; consistency: from and to
  std::vector<std::string> public_key_paths;  // verifier keys (<prefix>.pub)
  std::string proof_path;
  std::string origin;  // empty: "twoline/<the proof's zone>"
};
// Checks the checkpoints' signatures and origin, then the proof against them. Prints "ok ..." or
// "bad <reason>".
int VerifyProof(const VerifyProofOptions& options, std::ostream& out, std::ostream& err);

struct VerifyCheckpointOptions {
  std::string journal_path;
  std::vector<std::string> checkpoint_paths;
  std::vector<std::string> public_key_paths;
  std::string origin;  // empty: "twoline/<the journal's zone>"
};
// `verify --journal FILE --checkpoint FILE --public-key FILE`: verifies the journal as `verify`
// does, then checks it against every checkpoint, naming a rewrite or a truncation.
int VerifyJournalCheckpoints(const VerifyCheckpointOptions& options, std::ostream& out,
                             std::ostream& err);
// The same on a database (`--db`, `--postgres`): verifies the zone (`zone`, or the store's only
// one) as `verify` does, stored leaf hashes included, then checks its tree against every
// checkpoint. `options.journal_path` is unused.
int VerifyStoreCheckpoints(const StoreLocation& location, const std::string& zone,
                           const VerifyCheckpointOptions& options, std::ostream& out,
                           std::ostream& err);

// The command line of the commands above: Register adds `key`, `checkpoint`, `prove` and
// `verify-proof` to the application and `--checkpoint`, `--public-key` and `--origin` to its
// `verify`; Run runs whichever was parsed.
class ProofCommandLine {
 public:
  void Register(CLI::App* app, CLI::App* verify);
  // The exit status when one of these commands (or `verify --checkpoint`) was parsed, else nothing.
  // `verify` is where `verify`'s own --journal, --db or --postgres point, `verify_zone` its --zone.
  std::optional<int> Run(const StoreLocation& verify, const std::string& verify_zone,
                         std::ostream& out, std::ostream& err);

 private:
  CLI::App* key_ = nullptr;
  CLI::App* checkpoint_ = nullptr;
  CLI::App* prove_ = nullptr;
  CLI::App* verify_proof_ = nullptr;
  CLI::App* verify_ = nullptr;
  std::string key_action_;
  KeyCreateOptions key_options_;
  CheckpointOptions checkpoint_options_;
  ProveOptions prove_options_;
  VerifyProofOptions verify_proof_options_;
  VerifyCheckpointOptions verify_options_;
};

// A journal file's entries, checked (canonical lines, seq, zone, hash chain) and hashed into a
// Merkle log without replaying decisions.
struct JournalLeaves {
  std::string zone;                    // of its entries (empty for an empty journal)
  std::string data;                    // the file
  std::vector<uint64_t> line_offsets;  // line_offsets[seq - 1] = where the entry's line starts
  proof::MerkleLog log;
  // The journal line of entry `seq` (1 <= seq <= log.size()), without its '\n'.
  std::string_view Line(uint64_t seq) const;
};
Result<JournalLeaves> ReadJournalLeaves(const std::string& journal_path);

}  // namespace twoline::cli
