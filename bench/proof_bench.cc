// Merkle proof benchmarks: what the tree costs per journal entry appended (leaf hash and append),
// inclusion and consistency proofs per second from in-memory hashes and from a store (the leaf
// hashes stored with the journal, store/stored_tree.h), proof verification, and the time to sign
// and to check one checkpoint. Run by `make bench` (Release build).
//   InclusionProofFromStore/sqlite   proof files (path + the entry line read from the database)
//                                    per second from a SQLite database of 2^18 entries, at the
//                                    whole journal's size and at random sizes.
//   StoredTreeBuild/sqlite           building a zone's tree from its stored leaf hashes (a proof
//                                    process's start), per entry.
//   CheckpointKeep/sqlite            what the server's checkpointer does per checkpoint, off the
//                                    writer: sign, then keep it (one SQLite transaction, fsync'd).
//   FrontierRoot                     what the writer pays per checkpoint: the frontier's root.
#include <benchmark/benchmark.h>
#include <stdlib.h>

#include <memory>
#include <random>
#include <string>
#include <vector>

#include "journal/entry.h"
#include "journal/merkle_leaf.h"
#include "proof/checkpoint.h"
#include "proof/merkle.h"
#include "proof/proof_file.h"
#include "store/sqlite_store.h"
#include "store/stored_tree.h"

namespace twoline {
namespace {

constexpr uint64_t kLogSize = 1 << 20;

std::vector<Hash256> MakeLeaves(uint64_t count) {
  std::vector<Hash256> leaves;
  leaves.reserve(count);
  for (uint64_t i = 0; i < count; ++i) leaves.push_back(Sha256("leaf " + std::to_string(i)));
  return leaves;
}

const proof::MerkleLog& BigLog() {
  static const proof::MerkleLog* log =
      new proof::MerkleLog(proof::MerkleLog::FromLeafHashes(MakeLeaves(kLogSize)));
  return *log;
}

// A journal entry of the usual size: a crossing command and its decision.
journal::Entry TypicalEntry() {
  journal::Entry entry;
  entry.seq = 123456;
  entry.prev = Sha256("previous");
  entry.zone = "hengqin";
  entry.command =
      R"({"at":"2026-03-01T08:00:00+08:00","direction":"in","gate":"HQ-L1-GEN-01","id":"c-0123456","person":"P0123456","type":"cross","zone":"hengqin"})";
  entry.decision =
      R"({"at":"2026-03-01T08:00:00+08:00","id":"c-0123456","outcome":"accepted","reasons":[],"type":"cross","zone":"hengqin"})";
  entry.hash = journal::ComputeEntryHash(entry);
  return entry;
}

void BM_LeafHashOfEntry(benchmark::State& state) {
  std::string encoded = journal::EncodeEntry(TypicalEntry());
  for (auto _ : state) benchmark::DoNotOptimize(journal::LeafHashOfEncoding(encoded));
  state.SetItemsProcessed(state.iterations());
  state.counters["encoding_bytes"] = static_cast<double>(encoded.size());
}
BENCHMARK(BM_LeafHashOfEntry);

void BM_MerkleLogAppend(benchmark::State& state) {
  std::vector<Hash256> leaves = MakeLeaves(kLogSize);
  proof::MerkleLog log;
  uint64_t i = 0;
  for (auto _ : state) {
    if (i == kLogSize) {
      state.PauseTiming();
      log = proof::MerkleLog();
      i = 0;
      state.ResumeTiming();
    }
    log.Append(leaves[i++]);
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_MerkleLogAppend);

// What the tree adds to each journal entry written: its leaf hash (from the encoding the chain hash
// already needs) and the append. Compare with BM_CrossJournaled (engine_bench.cc) for the share of
// write throughput.
void BM_MerkleCostPerEntry(benchmark::State& state) {
  std::string encoded = journal::EncodeEntry(TypicalEntry());
  proof::MerkleLog log;
  for (auto _ : state) {
    if (log.size() == kLogSize) {
      state.PauseTiming();
      log = proof::MerkleLog();
      state.ResumeTiming();
    }
    log.Append(journal::LeafHashOfEncoding(encoded));
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_MerkleCostPerEntry);

void BM_MerkleFrontierAppend(benchmark::State& state) {
  std::vector<Hash256> leaves = MakeLeaves(1 << 16);
  proof::MerkleFrontier frontier;
  uint64_t i = 0;
  for (auto _ : state) frontier.Append(leaves[i++ & 0xffff]);
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_MerkleFrontierAppend);

void BM_MerkleLogFromLeafHashes(benchmark::State& state) {
  std::vector<Hash256> leaves = MakeLeaves(kLogSize);
  for (auto _ : state) benchmark::DoNotOptimize(proof::MerkleLog::FromLeafHashes(leaves));
  state.SetItemsProcessed(state.iterations() * static_cast<int64_t>(kLogSize));
}
BENCHMARK(BM_MerkleLogFromLeafHashes)->Unit(benchmark::kMillisecond);

// Proofs against the latest tree (size = the whole log) and against random earlier sizes.
void BM_InclusionProof(benchmark::State& state) {
  const proof::MerkleLog& log = BigLog();
  bool random_size = state.range(0) != 0;
  std::mt19937_64 random(1);
  for (auto _ : state) {
    uint64_t size = random_size ? 1 + random() % kLogSize : kLogSize;
    auto path = log.InclusionProof(random() % size, size);
    benchmark::DoNotOptimize(path);
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_InclusionProof)->Arg(0)->Arg(1)->ArgName("random_size");

void BM_ConsistencyProof(benchmark::State& state) {
  const proof::MerkleLog& log = BigLog();
  std::mt19937_64 random(2);
  for (auto _ : state) {
    auto path = log.ConsistencyProof(1 + random() % kLogSize, kLogSize);
    benchmark::DoNotOptimize(path);
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_ConsistencyProof);

void BM_VerifyInclusion(benchmark::State& state) {
  const proof::MerkleLog& log = BigLog();
  Hash256 root = log.Root();
  uint64_t index = 777777;
  std::vector<Hash256> path = *log.InclusionProof(index, kLogSize);
  for (auto _ : state) {
    benchmark::DoNotOptimize(
        proof::VerifyInclusion(index, kLogSize, log.LeafHash(index), path, root));
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_VerifyInclusion);

// A checkpoint of the whole log: the root, the note text and the Ed25519 signature.
void BM_CheckpointSign(benchmark::State& state) {
  const proof::MerkleLog& log = BigLog();
  auto signer = proof::GenerateNoteSigner("bench.example/hengqin");
  if (!signer) {
    state.SkipWithError(signer.error().message.c_str());
    return;
  }
  for (auto _ : state) {
    proof::Checkpoint checkpoint{"twoline/hengqin", log.size(), log.Root(), {}};
    benchmark::DoNotOptimize(proof::SignCheckpoint(checkpoint, *signer));
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_CheckpointSign)->Unit(benchmark::kMicrosecond);

void BM_FrontierRoot(benchmark::State& state) {
  proof::MerkleFrontier frontier;
  // 2^20 - 1 leaves: 20 right-edge subtrees, the most node hashes a root of a million-entry journal
  // needs.
  std::vector<Hash256> leaves = MakeLeaves(1024);
  for (uint64_t i = 0; i < (uint64_t{1} << 20) - 1; ++i) frontier.Append(leaves[i % 1024]);
  for (auto _ : state) benchmark::DoNotOptimize(frontier.Root());
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_FrontierRoot)->Name("FrontierRoot");

void BM_CheckpointOpen(benchmark::State& state) {
  auto signer = *proof::GenerateNoteSigner("bench.example/hengqin");
  proof::NoteVerifier verifiers[] = {proof::VerifierOf(signer)};
  std::string note = *proof::SignCheckpoint(
      proof::Checkpoint{"twoline/hengqin", kLogSize, BigLog().Root(), {}}, signer);
  for (auto _ : state)
    benchmark::DoNotOptimize(proof::OpenCheckpoint(note, verifiers, "twoline/hengqin"));
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_CheckpointOpen)->Unit(benchmark::kMicrosecond);

// --- from a store
// ---------------------------------------------------------------------------------

constexpr uint64_t kStoreEntries = 1 << 18;

// A SQLite database in a scratch directory holding kStoreEntries typical entries of one zone
// (appended directly, 4,096 per transaction: the engine is not what is measured here).
class ProofDatabase {
 public:
  ProofDatabase() {
    char pattern[] = "/tmp/twoline-proof-bench-XXXXXX";
    directory_ = mkdtemp(pattern);
    store::SqliteOptions options;
    options.read_connections_max = 4;
    auto opened = store::SqliteStore::Open(directory_ + "/proof.db", options);
    if (!opened) std::abort();
    store_ = std::move(opened).value();
    journal::Entry entry = TypicalEntry();
    Hash256 previous{};
    store::AppendBatch batch;
    for (uint64_t seq = 1; seq <= kStoreEntries; ++seq) {
      entry.seq = seq;
      entry.prev = previous;
      journal::EntryHashes hashes = journal::HashEntry(entry);
      entry.hash = hashes.chain;
      previous = entry.hash;
      store::EntryRecord record{
          "hengqin",  seq, "c-" + std::to_string(seq), entry.hash, journal::EntryToJsonLine(entry),
          hashes.leaf};
      record.line.pop_back();
      batch.entries.push_back(std::move(record));
      if (batch.entries.size() == 4096) {
        if (Status status = store_->Append(batch); !status) std::abort();
        batch = store::AppendBatch{};
      }
    }
  }
  ~ProofDatabase() {
    store_.reset();
    std::system(("rm -rf '" + directory_ + "'").c_str());
  }
  store::Store& store() { return *store_; }

 private:
  std::string directory_;
  std::unique_ptr<store::SqliteStore> store_;
};

ProofDatabase& Database() {
  static ProofDatabase* database = new ProofDatabase();
  return *database;
}

void BM_StoredTreeBuild(benchmark::State& state) {
  store::Store& store = Database().store();
  for (auto _ : state) {
    store::StoredTree tree(store);
    benchmark::DoNotOptimize(tree.Current("hengqin"));
  }
  state.SetItemsProcessed(state.iterations() * static_cast<int64_t>(kStoreEntries));
}
BENCHMARK(BM_StoredTreeBuild)->Name("StoredTreeBuild/sqlite")->Unit(benchmark::kMillisecond);

void BM_CheckpointKeep(benchmark::State& state) {
  store::Store& store = Database().store();
  auto signer = *proof::GenerateNoteSigner("bench.example/hengqin");
  store::StoredTree tree(store);
  auto head = tree.Current("hengqin");
  if (!head) {
    state.SkipWithError(head.error().message.c_str());
    return;
  }
  uint64_t n = 0;
  for (auto _ : state) {
    // Distinct sizes, so that every checkpoint is a new row.
    proof::Checkpoint checkpoint{
        "twoline/hengqin", head->size - (n++ % head->size), head->root, {}};
    auto note = proof::SignCheckpoint(checkpoint, signer);
    Status kept = store.WriteCheckpoint(
        store::CheckpointRecord{"hengqin", checkpoint.size, *note, "2026-03-02T00:00:00Z"});
    if (!kept) {
      state.SkipWithError(kept.message().c_str());
      return;
    }
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_CheckpointKeep)
    ->Name("CheckpointKeep/sqlite")
    ->Unit(benchmark::kMicrosecond)
    ->UseRealTime();

// One inclusion proof file as `prove` and the HTTP route make it: the path from the tree, the entry
// line from the database, the JSON.
void BM_InclusionProofFromStore(benchmark::State& state) {
  store::StoredTree tree(Database().store());
  if (!tree.Current("hengqin").ok()) {
    state.SkipWithError("the tree could not be built");
    return;
  }
  const bool random_size = state.range(0) != 0;
  std::mt19937_64 random(3);
  for (auto _ : state) {
    uint64_t size = random_size ? 1 + random() % kStoreEntries : kStoreEntries;
    auto proof = tree.Inclusion("hengqin", 1 + random() % size, size);
    if (!proof) {
      state.SkipWithError(proof.error().message.c_str());
      return;
    }
    benchmark::DoNotOptimize(proof::FormatProofFile(*proof));
  }
  state.SetItemsProcessed(state.iterations());
  state.counters["proofs_per_second"] =
      benchmark::Counter(static_cast<double>(state.iterations()), benchmark::Counter::kIsRate);
}
BENCHMARK(BM_InclusionProofFromStore)
    ->Name("InclusionProofFromStore/sqlite")
    ->Arg(0)
    ->Arg(1)
    ->ArgName("random_size")
    ->Threads(1)
    ->Threads(2)
    ->UseRealTime();

}  // namespace
}  // namespace twoline
