#include "journal/entry.h"

#include <simdjson.h>

#include "base/canonical_json.h"
#include "base/encoding.h"
#include "base/json_writer.h"

namespace twoline::journal {

std::string EncodeEntry(const Entry& entry) {
  std::string out;
  out.reserve(64 + entry.command.size() + entry.decision.size() + entry.profile_text.size() +
              entry.tariff_text.size());
  out.push_back(static_cast<char>(kEntryVersion));
  FieldEncoder e(&out);
  e.U64(1, entry.seq);
  e.Bytes(2, std::string_view(reinterpret_cast<const char*>(entry.prev.data()), 32));
  e.U64(3, static_cast<uint64_t>(entry.kind));
  e.Bytes(4, entry.zone);
  if (entry.kind == EntryKind::kProfile) {
    e.Bytes(5, entry.profile_text);
    e.Bytes(6, entry.tariff_text);
  } else {
    e.Bytes(7, entry.command);
    e.Bytes(8, entry.decision);
  }
  return out;
}

Hash256 ComputeEntryHash(const Entry& entry) { return Sha256(EncodeEntry(entry)); }

std::string EntryToJsonLine(const Entry& entry) {
  std::string out;
  out.reserve(200 + entry.command.size() + entry.decision.size() + entry.profile_text.size());
  JsonWriter w(&out);
  char hex[64];
  w.BeginObject().Key("seq").Int(static_cast<int64_t>(entry.seq));
  w.Key("kind").String(entry.kind == EntryKind::kProfile ? "profile" : "command");
  w.Key("zone").String(entry.zone);
  ToHex(entry.prev, hex);
  w.Key("prev").String(std::string_view(hex, sizeof hex));
  if (entry.kind == EntryKind::kProfile) {
    w.Key("profile_sha256").String(ToHex(Sha256(entry.profile_text)));
    w.Key("profile").String(entry.profile_text);
    w.Key("tariff").String(entry.tariff_text);
  } else {
    w.Key("command").Raw(entry.command);
    w.Key("decision").Raw(entry.decision);
  }
  ToHex(entry.hash, hex);
  w.Key("hash").String(std::string_view(hex, sizeof hex));
  w.EndObject();
  out.push_back('\n');
  return out;
}

Result<Entry> EntryFromJsonLine(std::string_view line) {
  thread_local simdjson::dom::parser parser;
  simdjson::dom::element root;
  if (auto error = parser.parse(line.data(), line.size()).get(root)) {
    return Error{std::string("not a JSON entry: ") + simdjson::error_message(error)};
  }
  Entry entry;
  uint64_t seq = 0;
  std::string_view kind, zone, prev, hash;
  if (root["seq"].get(seq) || root["kind"].get(kind) || root["zone"].get(zone) ||
      root["prev"].get(prev) || root["hash"].get(hash)) {
    return Error{"entry lacks seq, kind, zone, prev or hash"};
  }
  entry.seq = seq;
  entry.zone = std::string(zone);
  if (!FromHex(prev, &entry.prev) || !FromHex(hash, &entry.hash)) {
    return Error{"prev or hash is not 64 lowercase hex digits"};
  }
  if (kind == "profile") {
    entry.kind = EntryKind::kProfile;
    std::string_view profile, tariff;
    if (root["profile"].get(profile) || root["tariff"].get(tariff)) {
      return Error{"profile entry lacks profile or tariff text"};
    }
    entry.profile_text = std::string(profile);
    entry.tariff_text = std::string(tariff);
  } else if (kind == "command") {
    entry.kind = EntryKind::kCommand;
    simdjson::dom::element command, decision;
    if (root["command"].get(command) || root["decision"].get(decision)) {
      return Error{"command entry lacks command or decision"};
    }
    entry.command.reserve(line.size());
    entry.decision.reserve(line.size());
    AppendCanonicalJson(command, &entry.command);
    AppendCanonicalJson(decision, &entry.decision);
  } else {
    return Error{"unknown entry kind"};
  }
  std::string again = EntryToJsonLine(entry);
  if (std::string_view(again).substr(0, again.size() - 1) != line) {
    return Error{"entry is not in canonical form (altered bytes)"};
  }
  return entry;
}

namespace {

bool IsIdText(std::string_view text) {
  if (text.empty() || text.size() > 128) return false;
  for (char c : text) {
    if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' ||
          c == '_' || c == ':' || c == '-')) {
      return false;
    }
  }
  return true;
}

// Consumes `literal` at `*at`.
bool Expect(std::string_view line, size_t* at, std::string_view literal) {
  if (line.substr(*at, literal.size()) != literal) return false;
  *at += literal.size();
  return true;
}

// The hex hash at `*at` followed by a quote.
bool ExpectHash(std::string_view line, size_t* at, Hash256* out) {
  std::string_view hex = line.substr(*at, 64);
  // FromHex accepts only lower-case hex digits, as EntryToJsonLine writes them.
  if (hex.size() != 64 || !FromHex(hex, out)) return false;
  *at += 64;
  return Expect(line, at, "\"");
}

}  // namespace

bool SliceCommandLine(std::string_view line, CommandLineParts* parts) {
  size_t at = 0;
  if (!Expect(line, &at, "{\"seq\":")) return false;
  // The seq as JsonWriter prints it: no sign, no leading zero.
  const size_t digits = at;
  uint64_t seq = 0;
  while (at < line.size() && line[at] >= '0' && line[at] <= '9' && at - digits < 19) {
    seq = seq * 10 + static_cast<uint64_t>(line[at] - '0');
    ++at;
  }
  if (at == digits || (line[digits] == '0' && at - digits > 1) ||
      !Expect(line, &at, ",\"kind\":\"command\",\"zone\":\"")) {
    return false;
  }
  size_t zone_end = line.find('"', at);
  if (zone_end == std::string_view::npos || !IsIdText(line.substr(at, zone_end - at))) return false;
  parts->zone = line.substr(at, zone_end - at);
  at = zone_end + 1;
  if (!Expect(line, &at, ",\"prev\":\"") || !ExpectHash(line, &at, &parts->prev) ||
      !Expect(line, &at, ",\"command\":")) {
    return false;
  }
  constexpr std::string_view kDecision = ",\"decision\":", kHash = ",\"hash\":\"";
  constexpr size_t kTail = kHash.size() + 64 + 2;
  if (line.size() < at + kTail) return false;
  size_t tail = line.size() - kTail;
  size_t hash_at = tail;
  if (!Expect(line, &hash_at, kHash) || !ExpectHash(line, &hash_at, &parts->hash) ||
      hash_at + 1 != line.size() || line.back() != '}') {
    return false;
  }
  // A quote inside a JSON string is escaped, so `,"decision":` occurs only as a key; the last one
  // before the hash is the entry's own if the line is what it claims (else Replay refuses it).
  size_t decision = line.rfind(kDecision, tail);
  if (decision == std::string_view::npos || decision < at) return false;
  parts->seq = seq;
  parts->command = line.substr(at, decision - at);
  parts->decision = line.substr(decision + kDecision.size(), tail - decision - kDecision.size());
  return true;
}

Result<Entry> EntryForReplay(std::string_view line) {
  CommandLineParts parts;
  if (!SliceCommandLine(line, &parts)) return EntryFromJsonLine(line);
  Entry entry;
  entry.seq = parts.seq;
  entry.prev = parts.prev;
  entry.kind = EntryKind::kCommand;
  entry.zone.assign(parts.zone);
  entry.command.assign(parts.command);
  entry.decision.assign(parts.decision);
  entry.hash = parts.hash;
  return entry;
}

}  // namespace twoline::journal
