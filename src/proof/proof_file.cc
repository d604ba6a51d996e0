#include "proof/proof_file.h"

#include <simdjson.h>

#include <set>

#include "base/json_writer.h"
#include "proof/merkle.h"

namespace twoline::proof {
namespace {

void WritePath(JsonWriter& w, const std::vector<Hash256>& path) {
  w.Key("path").BeginArray();
  for (const Hash256& hash : path) w.String(ToHex(hash));
  w.EndArray();
}

Error Malformed(const std::string& what) { return Error{"malformed proof: " + what}; }

// Checks that `object` has exactly `keys`.
Status CheckKeys(simdjson::dom::object object, const std::set<std::string_view>& keys) {
  size_t seen = 0;
  for (auto field : object) {
    if (!keys.contains(field.key))
      return Malformed("unexpected key \"" + std::string(field.key) + "\"");
    ++seen;
  }
  if (seen != keys.size()) return Malformed("missing or repeated keys");
  return Status::Ok();
}

Status ReadSize(simdjson::dom::object object, const char* key, uint64_t* out) {
  if (object[key].get(*out))
    return Malformed(std::string("\"") + key + "\" is not a non-negative integer");
  return Status::Ok();
}

Status ReadHash(simdjson::dom::element element, const char* what, Hash256* out) {
  std::string_view hex;
  if (element.get(hex) || !FromHex(hex, out)) {
    return Malformed(std::string(what) + " is not 64 lowercase hex digits");
  }
  return Status::Ok();
}

Status ReadPath(simdjson::dom::object object, std::vector<Hash256>* out) {
  simdjson::dom::array path;
  if (object["path"].get(path)) return Malformed("\"path\" is not an array");
  if (path.size() > kProofPathMax) return Malformed("\"path\" has more than 130 hashes");
  for (simdjson::dom::element element : path) {
    Hash256 hash;
    if (Status s = ReadHash(element, "a path element", &hash); !s) return s;
    out->push_back(hash);
  }
  return Status::Ok();
}

Status ReadZone(simdjson::dom::object object, std::string* out) {
  std::string_view zone;
  if (object["zone"].get(zone) || zone.empty())
    return Malformed("\"zone\" is not a non-empty string");
  *out = std::string(zone);
  return Status::Ok();
}

Result<ProofFile> ParseInclusion(simdjson::dom::object object) {
  if (Status s = CheckKeys(
          object, {"type", "zone", "seq", "leaf_index", "tree_size", "leaf_hash", "entry", "path"});
      !s) {
    return Error{s.message()};
  }
  InclusionProofFile proof;
  std::string_view entry;
  for (Status s : {ReadZone(object, &proof.zone), ReadSize(object, "seq", &proof.seq),
                   ReadSize(object, "leaf_index", &proof.leaf_index),
                   ReadSize(object, "tree_size", &proof.tree_size),
                   ReadHash(object["leaf_hash"], "\"leaf_hash\"", &proof.leaf_hash),
                   ReadPath(object, &proof.path)}) {
    if (!s) return Error{s.message()};
  }
  if (object["entry"].get(entry)) return Malformed("\"entry\" is not a string");
  proof.entry = std::string(entry);
  return ProofFile(std::move(proof));
}

Result<ProofFile> ParseConsistency(simdjson::dom::object object) {
  if (Status s = CheckKeys(object, {"type", "zone", "from", "to", "path"}); !s)
    return Error{s.message()};
  ConsistencyProofFile proof;
  for (Status s : {ReadZone(object, &proof.zone), ReadSize(object, "from", &proof.from),
                   ReadSize(object, "to", &proof.to), ReadPath(object, &proof.path)}) {
    if (!s) return Error{s.message()};
  }
  return ProofFile(std::move(proof));
}

}  // namespace

std::string FormatProofFile(const InclusionProofFile& proof) {
  std::string out;
  JsonWriter w(&out);
  w.BeginObject().Key("type").String("inclusion").Key("zone").String(proof.zone);
  w.Key("seq").Int(static_cast<int64_t>(proof.seq));
  w.Key("leaf_index").Int(static_cast<int64_t>(proof.leaf_index));
  w.Key("tree_size").Int(static_cast<int64_t>(proof.tree_size));
  w.Key("leaf_hash").String(ToHex(proof.leaf_hash));
  w.Key("entry").String(proof.entry);
  WritePath(w, proof.path);
  w.EndObject();
  out.push_back('\n');
  return out;
}

std::string FormatProofFile(const ConsistencyProofFile& proof) {
  std::string out;
  JsonWriter w(&out);
  w.BeginObject().Key("type").String("consistency").Key("zone").String(proof.zone);
  w.Key("from").Int(static_cast<int64_t>(proof.from));
  w.Key("to").Int(static_cast<int64_t>(proof.to));
  WritePath(w, proof.path);
  w.EndObject();
  out.push_back('\n');
  return out;
}

Result<ProofFile> ParseProofFile(std::string_view json) {
  if (json.size() > kProofFileBytesMax) return Malformed("larger than 64 MiB");
  simdjson::dom::parser parser;
  simdjson::dom::element root;
  if (auto error = parser.parse(json.data(), json.size()).get(root)) {
    return Malformed(std::string("not JSON: ") + simdjson::error_message(error));
  }
  simdjson::dom::object object;
  std::string_view type;
  if (root.get(object) || object["type"].get(type))
    return Malformed("not an object with a \"type\"");
  if (type == "inclusion") return ParseInclusion(object);
  if (type == "consistency") return ParseConsistency(object);
  return Malformed("unknown type \"" + std::string(type) + "\" (inclusion or consistency)");
}

Status CheckInclusionProof(const InclusionProofFile& proof, const ProvenEntry& entry,
                           const Checkpoint& checkpoint) {
  if (proof.tree_size != checkpoint.size) {
    return Error{"wrong size: the proof is for a tree of size " + std::to_string(proof.tree_size) +
                 ", the checkpoint covers " + std::to_string(checkpoint.size) + " entries"};
  }
  if (proof.seq == 0 || proof.leaf_index != proof.seq - 1) {
    return Error{"malformed proof: leaf_index " + std::to_string(proof.leaf_index) +
                 " is not seq - 1 (seq " + std::to_string(proof.seq) + ")"};
  }
  if (entry.seq != proof.seq || entry.zone != proof.zone) {
    return Error{"tampered entry: the entry is seq " + std::to_string(entry.seq) + " of zone " +
                 entry.zone + ", the proof is for seq " + std::to_string(proof.seq) + " of zone " +
                 proof.zone};
  }
  if (entry.leaf_hash != proof.leaf_hash) {
    return Error{"tampered entry: the entry's leaf hash is " + ToHex(entry.leaf_hash) +
                 ", the proof's leaf_hash is " + ToHex(proof.leaf_hash)};
  }
  if (Status s = VerifyInclusion(proof.leaf_index, proof.tree_size, proof.leaf_hash, proof.path,
                                 checkpoint.root);
      !s) {
    return Error{"inclusion proof rejected: " + s.message()};
  }
  return Status::Ok();
}

Status CheckConsistencyProof(const ConsistencyProofFile& proof, const Checkpoint& older,
                             const Checkpoint& newer) {
  if (older.size != proof.from || newer.size != proof.to) {
    return Error{"wrong size: the proof is from size " + std::to_string(proof.from) + " to " +
                 std::to_string(proof.to) + ", the checkpoints cover " +
                 std::to_string(older.size) + " and " + std::to_string(newer.size) + " entries"};
  }
  if (Status s = VerifyConsistency(proof.from, proof.to, proof.path, older.root, newer.root); !s) {
    return Error{"consistency proof rejected: " + s.message()};
  }
  return Status::Ok();
}

}  // namespace twoline::proof
