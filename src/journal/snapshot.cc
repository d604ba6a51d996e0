#include "journal/snapshot.h"

#include <xxhash.h>

#include <algorithm>
#include <cstring>
#include <thread>

#include "base/binary.h"
#include "base/check.h"

namespace twoline::journal {

std::string SnapshotChecksum(std::string_view content) {
  XXH128_canonical_t canonical;
  XXH128_canonicalFromHash(&canonical, XXH3_128bits(content.data(), content.size()));
  return std::string(reinterpret_cast<const char*>(canonical.digest), sizeof canonical.digest);
}

namespace {

constexpr char kMagic[16] = {'t', 'w', 'o', 'l', 'i', 'n', 'e', '-',
                             's', 'n', 'a', 'p', 's', 'h', 'o', 't'};
// Version 2: the engine body holds the list ids of the membership bits (engine/snapshot.cc).
// Version 3: the Merkle frontier of the chain's entries follows the zone id. Version 4: the engine
// body is in four sections, each with its length (engine/snapshot.cc), and the state hash is
// version 4 (engine/state_hash.cc). Version 5: the container's checksum is XXH3-128 (16 bytes)
// instead of SHA-256 (32). Version 6: the engine body puts the profiles in a section of their own
// before the four parts of the state, saves the decided ids in seq order, and the state hash is
// version 5, the hash of the parts' bytes. Older versions are refused (their bodies are laid out
// otherwise): the zone is then loaded from a full replay, and its next snapshot is version 6.
constexpr uint32_t kFormatVersion = 6;

// The container without its body, and the body.
struct Parsed {
  SnapshotHeader header;
  std::string_view frontier;
  std::string_view body;
};


// The version field of a container at least as long as its magic and version; 0 when shorter.
uint32_t VersionOf(std::string_view bytes) {
  if (bytes.size() < sizeof kMagic + 4) return 0;
  BinaryReader in(bytes.substr(sizeof kMagic, 4));
  return in.U32();
}

// Checks the checksum at the end of a snapshot long enough to hold one.
Status CheckChecksum(std::string_view bytes) {
  std::string_view content = bytes.substr(0, bytes.size() - kSnapshotChecksumBytes);
  if (SnapshotChecksum(content) != bytes.substr(content.size())) {
    return Error{"snapshot: checksum mismatch (torn or corrupted)"};
  }
  return Status::Ok();
}

// Parses the container; checks the checksum first unless `check_checksum` is false (the caller
// then checks it, with CheckChecksum, before it trusts anything parsed).
Result<Parsed> Parse(std::string_view bytes, bool check_checksum = true) {
  const uint32_t version = VersionOf(bytes);
  const size_t checksum_bytes = kSnapshotChecksumBytes;
  if (bytes.size() < sizeof kMagic + 4 + 8 + 32 + 32 + 8 + 8 + checksum_bytes) {
    return Error{"snapshot: too short (" + std::to_string(bytes.size()) + " bytes): torn write?"};
  }
  if (std::memcmp(bytes.data(), kMagic, sizeof kMagic) != 0) return Error{"snapshot: bad magic"};
  if (version != kFormatVersion) {
    return Error{"snapshot: format version " + std::to_string(version) +
                 " is not the one this build reads (" + std::to_string(kFormatVersion) +
                 "; written by another build)"};
  }
  if (check_checksum) {
    if (Status status = CheckChecksum(bytes); !status) return Error{status.message()};
  }
  std::string_view content = bytes.substr(0, bytes.size() - checksum_bytes);
  BinaryReader in(content.substr(sizeof kMagic + 4));
  Parsed parsed;
  parsed.header.seq = in.U64();
  in.Raw(parsed.header.head.data(), 32);
  in.Raw(parsed.header.state_hash.data(), 32);
  parsed.header.zone = in.Bytes();
  parsed.frontier = in.View();
  parsed.body = in.View();
  if (!in.ok() || !in.at_end()) return Error{"snapshot: malformed header"};
  return parsed;
}

}  // namespace

std::string EncodeSnapshot(const Chain& chain, int threads, size_t size_hint) {
  // The engine is encoded straight into the container, after a header whose state hash and body
  // length are filled in once known: the bytes are those of writing the body first, without a
  // second copy of it. The state hash is that of the parts' bytes, taken once they are written.
  // Reserved at about 256 bytes an entry (a simulated zone takes about 210), up to 512 MiB, so that
  // a large state is not copied as its string doubles either; pages not written cost nothing, and
  // the cap keeps the reservation within what any host grants. A hint (the last snapshot's size)
  // with an eighth more for what the state gained since goes beyond the cap: that size was taken once.
  std::string out;
  const uint64_t estimate = std::min<uint64_t>(chain.entries() * 256, uint64_t{512} << 20);
  out.reserve(std::max<uint64_t>(estimate, size_hint + size_hint / 8) + 4096);
  out.append(kMagic, sizeof kMagic);
  BinaryWriter w(&out);
  w.U32(kFormatVersion);
  w.U64(chain.entries());
  w.Raw(chain.head().data(), 32);
  const size_t state_at = out.size();
  Hash256 state{};
  w.Raw(state.data(), 32);  // zero until the hash is known
  w.Bytes(chain.engine().has_profile() ? chain.engine().profile().id : "");
  w.Bytes(chain.frontier().Serialize());
  const size_t length_at = out.size();
  w.U64(0);  // the body's length, once written
  chain.engine().SaveSnapshot(w, &state, threads);
  const uint64_t body_length = out.size() - length_at - 8;
  std::memcpy(out.data() + state_at, state.data(), 32);
  w.PatchU64(length_at, body_length);
  out += SnapshotChecksum(out);
  return out;
}

Result<SnapshotHeader> ReadSnapshotHeader(std::string_view bytes) {
  auto parsed = Parse(bytes);
  if (!parsed) return parsed.error();
  return parsed->header;
}

// The checksum is taken on a thread of its own while the body is decoded and hashed on two more (a
// state of hundreds of megabytes: each takes a fraction of a second); nothing decoded is kept
// unless the checksum, then the state hash, match. The decoder is bounded against any input
// (engine/snapshot.cc), so decoding a corrupted body before its checksum is known is safe.
Status LoadSnapshot(std::string_view bytes, Chain* chain, SnapshotHeader* header,
                    bool check_encoding, std::shared_ptr<const void> owner) {
  auto parsed = Parse(bytes, /*check_checksum=*/false);
  if (!parsed) {
    // A torn or corrupted file is reported as such rather than by what its corruption broke.
    const uint32_t version = VersionOf(bytes);
    if (version == kFormatVersion &&
        bytes.size() >= kSnapshotChecksumBytes) {
      if (Status checksum = CheckChecksum(bytes); !checksum) return checksum;
    }
    return Error{parsed.error().message};
  }
  Status checksum;
  std::thread checker([&] { checksum = CheckChecksum(bytes); });
  Status restored;
  Hash256 state_hash{};
  auto frontier = proof::MerkleFrontier::Parse(parsed->frontier);
  if (!frontier) {
    restored = Error{"snapshot: " + frontier.error().message};
  } else if (frontier->size() != parsed->header.seq) {
    restored = Error{"snapshot: its Merkle frontier covers " + std::to_string(frontier->size()) +
                     " entries, not " + std::to_string(parsed->header.seq)};
  } else {
    BinaryReader body(parsed->body);
    restored = chain->Restore(body, parsed->header.head, std::move(*frontier), /*threads=*/2,
                              &state_hash, check_encoding, std::move(owner));
  }
  checker.join();
  auto fail = [&](std::string message) -> Status {
    *chain = Chain();
    return Error{std::move(message)};
  };
  if (!checksum) return fail(checksum.message());
  if (!restored) return restored;
  if (chain->entries() != parsed->header.seq) return fail("snapshot: seq differs from its engine");
  if (chain->engine().profile().id != parsed->header.zone) return fail("snapshot: zone differs");
  if (state_hash != parsed->header.state_hash) {
    return fail("snapshot: the restored state does not have the recorded state hash");
  }
  if (header != nullptr) *header = parsed->header;
  return Status::Ok();
}

}  // namespace twoline::journal
