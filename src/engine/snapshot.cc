// Engine snapshots: the whole engine state in a compact binary form (base/binary.h) that
// LoadSnapshot restores exactly, vector positions and indexes included, so that a restored engine
// decides every later command as the original would and has the same state hash. The container —
// header, checksum, and the check of the state hash against the journal — is journal/snapshot.h.
//
// Layout (every count is a u64, every string a u64 length and its bytes, integers little-endian):
//   u64 last_seq
//   5 × u64: the lengths of the five sections that follow, in order, so that a loader can hand
//            each part to a thread of its own
//   profiles in force, oldest first: count, then (source_text, tariff_text) each
//   registries (StatePart::kRegistries):
//     list ids (State::list_ids, by membership bit): count, then (name, kind u8)
//     parties: count, then (id, name, kind u8, credit u8, lists u64)
//     persons: count, then (id, name, nationality 2 bytes, resident_of 2 bytes, birth_date,
//              affiliation, first_document u32, document_count u32, inside, fresh_food_count,
//              fresh_food_day, lists, entered_at, entered_gate)
//     documents: count, then (number, valid_from, valid_until, type u8)
//     items: count, then (sku, hs_code, description, unit, tags, lists)
//     inside_count
//   decided ids (kDecided): count, then (id digest 16 bytes, seq, body digest), in seq order
//   the ledger (kLedger: ledger::Ledger::Save)
//   goods records (kRecords): declarations, processes (each in key order), stocktakes
// The four parts are written by SaveStatePart, and the state hash is the hash of their bytes
// (engine/state_hash.cc): the bytes are a function of the state alone, and the decoder accepts one
// encoding of each state (strict reads, increasing keys and seqs), so hashing what it decoded is
// hashing what it restored. A load decodes and hashes each part on a thread of its own.
#include <algorithm>
#include <cstring>
#include <memory>
#include <thread>

#include "base/check.h"
#include "engine/engine.h"
#include "policy/profile_loader.h"

namespace twoline::engine {

// The body's sections: the profiles in force, then the four parts of the state (StatePart).
constexpr int kSnapshotSections = 5;

namespace {

void SaveStrings(BinaryWriter& out, const std::vector<std::string>& values) {
  out.U64(values.size());
  for (const std::string& value : values) out.Bytes(value);
}

std::vector<std::string> LoadStrings(BinaryReader& in) {
  std::vector<std::string> values(in.Count(8));
  for (std::string& value : values) value = in.Bytes();
  return values;
}

template <typename Enum>
Enum LoadEnum(BinaryReader& in, uint8_t count) {
  uint8_t value = in.U8();
  if (value >= count) {
    in.Fail();
    value = 0;
  }
  return static_cast<Enum>(value);
}

void SaveReasons(BinaryWriter& out, const std::vector<Reason>& reasons) {
  out.U64(reasons.size());
  for (const Reason& reason : reasons) {
    out.Bytes(reason.rule);
    out.Bytes(reason.detail);
  }
}

std::vector<Reason> LoadReasons(BinaryReader& in) {
  std::vector<Reason> reasons(in.Count(16));
  for (Reason& reason : reasons) {
    reason.rule = in.Bytes();
    reason.detail = in.Bytes();
  }
  return reasons;
}

void SaveSkuQuantities(BinaryWriter& out, const std::vector<SkuQuantity>& values) {
  out.U64(values.size());
  for (const SkuQuantity& value : values) {
    out.Bytes(value.sku);
    out.I64(value.quantity_milli);
  }
}

std::vector<SkuQuantity> LoadSkuQuantities(BinaryReader& in) {
  std::vector<SkuQuantity> values(in.Count(16));
  for (SkuQuantity& value : values) {
    value.sku = in.Bytes();
    value.quantity_milli = in.I64();
  }
  return values;
}

void SaveDeclaration(BinaryWriter& out, const DeclarationRecord& d) {
  out.Bytes(d.id);
  out.U8(static_cast<uint8_t>(d.kind));
  out.Bytes(d.declarant);
  out.Bytes(d.counterparty);
  out.Bytes(d.purpose);
  out.U64(d.lines.size());
  for (const GoodsLineRecord& line : d.lines) {
    out.Bytes(line.sku);
    out.Bytes(line.hs_code);
    out.I64(line.quantity_milli);
    out.I64(line.value_cents);
    out.Bytes(line.currency);
    out.I64(line.value_fen);
    out.Bytes(line.origin);
    out.Bool(line.produced_on.has_value());
    out.I64(line.produced_on.value_or(0));
    SaveStrings(out, line.certificates);
    out.U8(static_cast<uint8_t>(line.status));
    out.I64(line.customs_duty_fen);
    out.I64(line.import_vat_fen);
    out.I64(line.exempted_fen);
  }
  out.U8(static_cast<uint8_t>(d.state));
  out.Bytes(d.command);
  out.I64(d.declared_at);
  out.I64(d.declared_on);
  out.U8(static_cast<uint8_t>(d.outcome));
  SaveReasons(out, d.reasons);
  out.Bool(d.assessment.has_value());
  Assessment a = d.assessment.value_or(Assessment{});
  out.I64(a.customs_duty_fen);
  out.I64(a.import_vat_fen);
  out.I64(a.personal_articles_tax_fen);
  out.I64(a.exempted_fen);
  out.Bool(d.export_refund);
  SaveStrings(out, d.hold_rules);
  out.Bool(d.needs_measurements);
  out.Bool(d.held_lots);
  out.U8(d.inspection_passed.has_value() ? (*d.inspection_passed ? 2 : 1) : 0);
  out.Bytes(d.released_gate);
  out.I64(d.released_on);
  out.U64(d.events.size());
  for (const GoodsEvent& event : d.events) {
    out.Bytes(event.command);
    out.I64(event.at);
    out.Bytes(event.what);
    out.Bytes(event.detail);
  }
}

DeclarationRecord LoadDeclaration(BinaryReader& in) {
  DeclarationRecord d;
  d.id = in.Bytes();
  d.kind = LoadEnum<DeclarationKind>(in, 7);
  d.declarant = in.Bytes();
  d.counterparty = in.Bytes();
  d.purpose = in.Bytes();
  d.lines.resize(in.Count(64));
  for (GoodsLineRecord& line : d.lines) {
    line.sku = in.Bytes();
    line.hs_code = in.Bytes();
    line.quantity_milli = in.I64();
    line.value_cents = in.I64();
    line.currency = in.Bytes();
    line.value_fen = in.I64();
    line.origin = in.Bytes();
    line.produced_on = in.OptionalI32();
    line.certificates = LoadStrings(in);
    line.status = LoadEnum<ledger::Status>(in, ledger::kStatusCount);
    line.customs_duty_fen = in.I64();
    line.import_vat_fen = in.I64();
    line.exempted_fen = in.I64();
  }
  d.state = LoadEnum<DeclarationState>(in, 6);
  d.command = in.Bytes();
  d.declared_at = in.I64();
  d.declared_on = in.I64AsI32();
  d.outcome = LoadEnum<Outcome>(in, 5);
  d.reasons = LoadReasons(in);
  bool assessed = in.Bool();
  Assessment a;
  a.customs_duty_fen = in.I64();
  a.import_vat_fen = in.I64();
  a.personal_articles_tax_fen = in.I64();
  a.exempted_fen = in.I64();
  if (assessed) {
    d.assessment = a;
  } else if (a.customs_duty_fen != 0 || a.import_vat_fen != 0 || a.personal_articles_tax_fen != 0 ||
             a.exempted_fen != 0) {
    in.Fail();  // an absent assessment is saved as zeros
  }
  d.export_refund = in.Bool();
  d.hold_rules = LoadStrings(in);
  d.needs_measurements = in.Bool();
  d.held_lots = in.Bool();
  uint8_t passed = in.U8();
  if (passed > 2) in.Fail();
  if (passed != 0) d.inspection_passed = passed == 2;
  d.released_gate = in.Bytes();
  d.released_on = in.I64AsI32();
  d.events.resize(in.Count(32));
  for (GoodsEvent& event : d.events) {
    event.command = in.Bytes();
    event.at = in.I64();
    event.what = in.Bytes();
    event.detail = in.Bytes();
  }
  return d;
}

void SkipStrings(BinaryReader& in) {
  const uint64_t count = in.Count(8);
  for (uint64_t i = 0; i < count && in.ok(); ++i) in.View();
}

// Reads a saved declaration with every check LoadDeclaration makes, keeping nothing: it accepts
// exactly the bytes LoadDeclaration accepts (snapshot_test.cc checks the two agree). Returns the
// declaration's id.
std::string_view CheckSavedDeclaration(BinaryReader& in) {
  const std::string_view id = in.View();
  LoadEnum<DeclarationKind>(in, 7);
  in.View();  // declarant
  in.View();  // counterparty
  in.View();  // purpose
  const uint64_t lines = in.Count(64);
  for (uint64_t i = 0; i < lines && in.ok(); ++i) {
    in.View();  // sku
    in.View();  // hs_code
    in.I64();   // quantity_milli
    in.I64();   // value_cents
    in.View();  // currency
    in.I64();   // value_fen
    in.View();  // origin
    in.OptionalI32();  // produced_on
    SkipStrings(in);   // certificates
    LoadEnum<ledger::Status>(in, ledger::kStatusCount);
    in.I64();  // customs_duty_fen
    in.I64();  // import_vat_fen
    in.I64();  // exempted_fen
  }
  LoadEnum<DeclarationState>(in, 6);
  in.View();      // command
  in.I64();       // declared_at
  in.I64AsI32();  // declared_on
  LoadEnum<Outcome>(in, 5);
  const uint64_t reasons = in.Count(16);
  for (uint64_t i = 0; i < reasons && in.ok(); ++i) {
    in.View();  // rule
    in.View();  // detail
  }
  const bool assessed = in.Bool();
  bool any_amount = false;
  for (int i = 0; i < 4; ++i) any_amount |= in.I64() != 0;
  if (!assessed && any_amount) in.Fail();  // an absent assessment is saved as zeros
  in.Bool();        // export_refund
  SkipStrings(in);  // hold_rules
  in.Bool();        // needs_measurements
  in.Bool();        // held_lots
  if (in.U8() > 2) in.Fail();  // inspection_passed
  in.View();                   // released_gate
  in.I64AsI32();               // released_on
  const uint64_t events = in.Count(32);
  for (uint64_t i = 0; i < events && in.ok(); ++i) {
    in.View();  // command
    in.I64();   // at
    in.View();  // what
    in.View();  // detail
  }
  return id;
}

}  // namespace

DeclarationRecord DecodeSavedDeclaration(std::string_view saved) {
  BinaryReader in(saved);
  DeclarationRecord d = LoadDeclaration(in);
  CHECK(in.ok() && in.at_end());  // checked when loaded
  return d;
}

namespace {

// Offers what a part's writer has written so far to `spill` (once a record is complete).
void Offer(BinaryWriter& out, const Spill& spill) {
  if (spill) spill(out.out());
}

void SaveRegistries(BinaryWriter& out, const State& s, const Spill& spill) {
  out.U64(s.list_ids.size());
  for (const ListId& list : s.list_ids) {
    out.Bytes(list.name);
    out.U8(static_cast<uint8_t>(list.kind));
  }
  out.U64(s.parties.size());
  for (const Party& p : s.parties) {
    out.Bytes(p.id);
    out.Bytes(p.name);
    out.U8(static_cast<uint8_t>(p.kind));
    out.U8(static_cast<uint8_t>(p.credit));
    out.U64(p.lists);
    Offer(out, spill);
  }
  out.U64(s.persons.size());
  for (const Person& p : s.persons) {
    out.Bytes(p.id);
    out.Bytes(p.name);
    out.Raw(p.nationality, 2);
    out.Raw(p.resident_of, 2);
    out.I64(p.birth_date);
    out.Bytes(p.affiliation);
    out.U32(p.first_document);
    out.U32(p.document_count);
    out.Bool(p.inside);
    out.I64(p.fresh_food_count);
    out.I64(p.fresh_food_day);
    out.U64(p.lists);
    out.I64(p.entered_at);
    out.Bytes(p.entered_gate);
    Offer(out, spill);
  }
  out.U64(s.documents.size());
  for (const StoredDocument& d : s.documents) {
    out.Bytes(d.number);
    out.I64(d.valid_from);
    out.I64(d.valid_until);
    out.U8(d.type);
    Offer(out, spill);
  }
  out.U64(s.items.size());
  for (const Item& item : s.items) {
    out.Bytes(item.sku);
    out.Bytes(item.hs_code);
    out.Bytes(item.description);
    out.Bytes(item.unit);
    SaveStrings(out, item.tags);
    out.U64(item.lists);
    Offer(out, spill);
  }
  out.I64(s.inside_count);
}

// Decided ids in seq order (each seq holds one at most, none beyond `last_seq`). Placed by seq
// rather than sorted: a comparison sort of millions of pointers into the table reads it at random
// twenty times over.
void SaveDecided(BinaryWriter& out, const DecidedIds& ids, uint64_t last_seq, const Spill& spill) {
  std::vector<const DecidedId*> by_seq;
  if (last_seq <= 4 * ids.size() + 1024) {  // dense, as every journal's seqs are
    by_seq.assign(last_seq + 1, nullptr);
    ids.ForEach([&](const DecidedId& record) {
      CHECK(record.seq <= last_seq && by_seq[record.seq] == nullptr);
      by_seq[record.seq] = &record;
    });
  } else {
    ids.ForEach([&](const DecidedId& record) { by_seq.push_back(&record); });
    std::sort(by_seq.begin(), by_seq.end(),
              [](const DecidedId* a, const DecidedId* b) { return a->seq < b->seq; });
  }
  out.U64(ids.size());
  // The records lie at random places in the table: each is fetched a few dozen records ahead, so
  // that the memory reads overlap instead of waiting one after the other.
  constexpr size_t kAhead = 32;
  for (size_t i = 0; i < by_seq.size(); ++i) {
    if (i + kAhead < by_seq.size() && by_seq[i + kAhead] != nullptr) {
      __builtin_prefetch(by_seq[i + kAhead]);
    }
    const DecidedId* record = by_seq[i];
    if (record == nullptr) continue;
    out.Raw(record->id_digest, 16);
    out.U64(record->seq);
    out.U64(record->body_digest);
    if ((i & 255) == 0) Offer(out, spill);
  }
}

void SaveRecords(BinaryWriter& out, const GoodsState& goods, const Spill& spill) {
  out.U64(goods.declarations.size());
  goods.declarations.ForEachToSave([&](const DeclarationRecord* decoded, std::string_view saved) {
    if (decoded != nullptr) {
      SaveDeclaration(out, *decoded);
    } else {
      out.Raw(saved.data(), saved.size());
    }
    Offer(out, spill);
  });
  out.U64(goods.processes.size());
  for (const auto& [id, p] : goods.processes) {
    out.Bytes(p.id);
    out.Bytes(p.declarant);
    out.Bytes(p.command);
    out.I64(p.at);
    out.I64(p.date);
    SaveSkuQuantities(out, p.inputs);
    SaveSkuQuantities(out, p.outputs);
    out.U8(static_cast<uint8_t>(p.output_status));
    Offer(out, spill);
  }
  out.U64(goods.stocktakes.size());
  for (const StocktakeRecord& t : goods.stocktakes) {
    out.Bytes(t.command);
    out.Bytes(t.party);
    out.I64(t.at);
    out.I64(t.date);
    out.U64(t.lines.size());
    for (const StocktakeLine& line : t.lines) {
      out.Bytes(line.sku);
      out.I64(line.book_milli);
      out.I64(line.counted_milli);
      out.I64(line.difference_value_fen);
    }
    Offer(out, spill);
  }
}

}  // namespace

void SaveStatePart(BinaryWriter& out, const State& state, uint64_t last_seq, StatePart part,
                   const Spill& spill) {
  switch (part) {
    case StatePart::kRegistries: SaveRegistries(out, state, spill); return;
    case StatePart::kDecided: SaveDecided(out, state.decided, last_seq, spill); return;
    case StatePart::kLedger: state.goods.ledger.Save(out, spill); return;
    case StatePart::kRecords: SaveRecords(out, state.goods, spill); return;
  }
  CHECK(false);
}

void Engine::SaveSnapshot(BinaryWriter& out, Hash256* state_hash, int threads) const {
  out.U64(last_seq_);
  const size_t lengths_at = out.size();
  for (int i = 0; i < kSnapshotSections; ++i) out.U64(0);  // filled in below
  // starts[i]: where section i begins; starts[kSnapshotSections]: where the body ends.
  size_t starts[kSnapshotSections + 1];
  starts[0] = out.size();
  out.U64(profiles_in_force_.size());
  for (const auto& profile : profiles_in_force_) {
    out.Bytes(profile->source_text);
    out.Bytes(profile->tariff_text);
  }
  for (int part = 0; part < 4; ++part) {
    starts[part + 1] = out.size();
    SaveStatePart(out, state_, last_seq_, static_cast<StatePart>(part));
  }
  starts[kSnapshotSections] = out.size();
  for (int i = 0; i < kSnapshotSections; ++i) {
    out.PatchU64(lengths_at + 8 * static_cast<size_t>(i), starts[i + 1] - starts[i]);
  }
  if (state_hash == nullptr) return;
  state_.goods.ledger.CheckAllInvariants();  // as whenever the state hash is taken
  // The state hash is that of the parts' bytes, just written.
  StatePartHashes parts;
  auto hash_part = [&](int part) {  // part p is section p + 1
    const size_t from = starts[part + 1];
    parts[static_cast<size_t>(part)] =
        Sha256(std::string_view(*out.out()).substr(from, starts[part + 2] - from));
  };
  if (threads >= 2) {
    // The registries and the ledger on this thread, the decided ids and the records on another.
    std::thread helper([&] {
      hash_part(1);
      hash_part(3);
    });
    hash_part(0);
    hash_part(2);
    helper.join();
  } else {
    for (int part = 0; part < 4; ++part) hash_part(part);
  }
  *state_hash = CombineStateHash(last_seq_, profile_ ? profile_->source_sha256 : "", parts);
}

namespace {

Error Malformed(const char* what) { return Error{std::string("snapshot: malformed ") + what}; }

// The profiles in force, oldest first (not a part of the state hash: the hash covers the digest of
// the profile in force).
Status LoadProfiles(BinaryReader& in, std::vector<std::shared_ptr<const policy::Profile>>* loaded) {
  uint64_t profiles = in.Count(16);
  if (!in.ok() || profiles == 0) return Malformed("profile list");
  for (uint64_t i = 0; i < profiles; ++i) {
    std::string source = in.Bytes();
    std::string tariff = in.Bytes();
    if (!in.ok()) return Malformed("profile");
    policy::ProfileErrors errors;
    auto profile = policy::LoadProfileText(source, tariff, "snapshot profile", &errors);
    if (!profile) return Error{"snapshot: profile does not load: " + profile.error().message};
    if (!loaded->empty() && loaded->front()->id != profile->id) return Malformed("profile zone");
    loaded->push_back(std::make_shared<policy::Profile>(std::move(*profile)));
  }
  if (!in.at_end()) return Malformed("profiles");
  return Status::Ok();
}

// A string the state keeps interned (a C string): one with a NUL byte would be cut short there,
// and write back as other bytes.
std::string_view InternedText(BinaryReader& in) {
  std::string_view text = in.View();
  if (text.find('\0') != std::string_view::npos) {
    in.Fail();
    return {};
  }
  return text;
}

// The registries section: list ids, parties, persons, documents, items, inside_count.
// Indexes `records` by their `key` member in `index` (empty), as a live engine would have: false
// when two records have the same key. Each key's slot is prefetched a few keys ahead, so that the
// misses of a table larger than the caches overlap.
template <typename Records, typename Key>
bool RebuildIndex(const Records& records, Key key, FlatIndex& index) {
  constexpr uint32_t kAhead = 8;
  auto key_of = [&](uint32_t i) -> std::string_view { return records[i].*key; };
  index.Reserve(records.size());
  for (uint32_t i = 0; i < records.size(); ++i) {
    if (i + kAhead < records.size()) index.Prefetch(key_of(i + kAhead));
    if (index.Find(key_of(i), key_of) != FlatIndex::kAbsent) return false;
    index.Insert(key_of(i), i);
  }
  return true;
}

Status LoadRegistries(BinaryReader& in, State& s) {
  s.list_ids.resize(in.Count(9));
  for (ListId& list : s.list_ids) {
    list.name = in.Bytes();
    list.kind = LoadEnum<policy::ListKind>(in, 3);
  }
  if (!in.ok() || s.list_ids.size() > 64) return Malformed("list ids");
  s.parties.resize(in.Count(8 + 8 + 1 + 1 + 8));  // id, name, kind, credit, lists
  for (Party& p : s.parties) {
    p.id = in.Bytes();
    p.name = in.Bytes();
    p.kind = LoadEnum<PartyKind>(in, 4);
    p.credit = LoadEnum<policy::Credit>(in, 3);
    p.lists = in.U64();
  }
  s.persons.resize(in.Count(80));
  for (Person& p : s.persons) {
    p.id = in.Bytes();
    p.name = in.Bytes();
    in.Raw(p.nationality, 2);
    in.Raw(p.resident_of, 2);
    p.birth_date = in.I64AsI32();
    p.affiliation = Intern(InternedText(in));
    p.first_document = in.U32();
    const uint32_t document_count = in.U32();
    if (document_count > UINT16_MAX) in.Fail();
    p.document_count = static_cast<uint16_t>(document_count);
    p.inside = in.Bool();
    p.fresh_food_count = in.I64AsI32();
    p.fresh_food_day = in.I64AsI32();
    p.lists = in.U64();
    p.entered_at = in.I64();
    p.entered_gate = Intern(InternedText(in));
  }
  s.documents.resize(in.Count(8 + 8 + 8 + 1));  // number, valid from, valid until, type
  for (StoredDocument& d : s.documents) {
    d.number = in.Bytes();
    d.valid_from = in.I64AsI32();
    d.valid_until = in.I64AsI32();
    d.type = in.U8();
    if (d.type >= kDocumentTypeCount) in.Fail();
  }
  for (const Person& p : s.persons) {
    if (static_cast<uint64_t>(p.first_document) + p.document_count > s.documents.size()) in.Fail();
  }
  s.items.resize(in.Count(48));
  for (Item& item : s.items) {
    item.sku = in.Bytes();
    item.hs_code = in.Bytes();
    item.description = in.Bytes();
    item.unit = in.Bytes();
    item.tags = LoadStrings(in);
    item.lists = in.U64();
  }
  s.inside_count = in.I64();
  if (!in.ok() || !in.at_end()) return Malformed("registries");
  // Indexes: rebuilt, refusing duplicate ids (which a saved engine never has).
  if (!RebuildIndex(s.parties, &Party::id, s.party_index)) return Malformed("parties");
  if (!RebuildIndex(s.persons, &Person::id, s.person_index)) return Malformed("persons");
  if (!RebuildIndex(s.items, &Item::sku, s.item_index)) return Malformed("items");
  return Status::Ok();
}

// The decided ids section: in increasing seq order, none beyond last_seq.
Status LoadDecided(BinaryReader& in, uint64_t last_seq, DecidedIds& ids) {
  uint64_t decided = in.Count(32);
  ids.Reserve(decided);
  uint64_t previous_seq = 0;
  // Records are decoded a group at a time and their slots prefetched before any is inserted: each
  // lands at a random place in a table far larger than the caches, and one miss at a time was most
  // of this section's load.
  constexpr uint64_t kGroup = 16;
  DecidedId group[kGroup];
  for (uint64_t done = 0; done < decided && in.ok();) {
    const uint64_t count = std::min(kGroup, decided - done);
    for (uint64_t i = 0; i < count; ++i) {
      in.Raw(group[i].id_digest, 16);
      group[i].seq = in.U64();
      group[i].body_digest = in.U64();
      ids.Prefetch(group[i].id_digest);
    }
    if (!in.ok()) break;
    for (uint64_t i = 0; i < count; ++i) {
      const DecidedId& record = group[i];
      if (record.seq <= previous_seq || record.seq > last_seq ||
          ids.Find(record.id_digest) != nullptr) {
        // (Insert would CHECK a duplicate id: a malformed snapshot is refused, never a crash.)
        in.Fail();
        break;
      }
      previous_seq = record.seq;
      ids.Insert(record);
    }
    done += count;
  }
  if (!in.ok() || !in.at_end()) return Malformed("decided ids");
  return Status::Ok();
}

// The goods records section (`bytes`, read by `in`): declarations, processes, stocktakes (saved in
// key order, so each insertion goes at the end of its map). The declarations are checked and kept
// as their bytes (DeclarationTable), which `owner` keeps valid.
Status LoadRecords(BinaryReader& in, std::string_view bytes, std::shared_ptr<const void> owner,
                   GoodsState& goods) {
  uint64_t declarations = in.Count(64);
  for (uint64_t i = 0; i < declarations && in.ok(); ++i) {
    const size_t begin = in.position();
    const std::string_view id = CheckSavedDeclaration(in);
    if (!in.ok()) break;
    if (!goods.declarations.AppendSaved(std::string(id), bytes.substr(begin, in.position() - begin))) {
      in.Fail();
    }
  }
  // Held only for declarations that point into it: a zone without any frees the snapshot at once.
  if (!goods.declarations.empty()) goods.declarations.HoldSaved(std::move(owner));
  uint64_t processes = in.Count(48);
  for (uint64_t i = 0; i < processes && in.ok(); ++i) {
    ProcessRecord p;
    p.id = in.Bytes();
    p.declarant = in.Bytes();
    p.command = in.Bytes();
    p.at = in.I64();
    p.date = in.I64AsI32();
    p.inputs = LoadSkuQuantities(in);
    p.outputs = LoadSkuQuantities(in);
    p.output_status = LoadEnum<ledger::Status>(in, ledger::kStatusCount);
    std::string id = p.id;
    InsertLoaded(in, &goods.processes, std::move(id), std::move(p));
  }
  goods.stocktakes.resize(in.Count(8 + 8 + 8 + 8 + 8));  // command, party, at, date, lines
  for (StocktakeRecord& t : goods.stocktakes) {
    t.command = in.Bytes();
    t.party = in.Bytes();
    t.at = in.I64();
    t.date = in.I64AsI32();
    t.lines.resize(in.Count(32));
    for (StocktakeLine& line : t.lines) {
      line.sku = in.Bytes();
      line.book_milli = in.I64();
      line.counted_milli = in.I64();
      line.difference_value_fen = in.I64();
    }
  }
  if (!in.ok() || !in.at_end()) return Malformed("goods records");
  goods.IndexDocumentKeys();
  return Status::Ok();
}

const char* const kPartNames[4] = {"registries", "decided ids", "ledger", "goods records"};

// Whether writing part `part` of `state` again gives `bytes` exactly: the decoder restored what
// was saved. Written and compared in pieces of about 64 KiB, so that no second copy is made.
bool PartEncodes(const State& state, uint64_t last_seq, StatePart part, std::string_view bytes) {
  size_t at = 0;
  bool same = true;
  auto compare = [&](std::string* out) {
    if (same && (out->size() > bytes.size() - at ||
                 std::memcmp(bytes.data() + at, out->data(), out->size()) != 0)) {
      same = false;
    }
    if (same) at += out->size();
    out->clear();
  };
  std::string buffer;
  BinaryWriter writer(&buffer);
  SaveStatePart(writer, state, last_seq, part, [&](std::string* out) {
    if (out->size() >= (1 << 16)) compare(out);
  });
  compare(&buffer);
  return same && at == bytes.size();
}

}  // namespace

Status Engine::LoadSnapshot(BinaryReader& in, int threads, Hash256* state_hash,
                            bool check_encoding, std::shared_ptr<const void> owner) {
  CHECK(profile_ == nullptr && last_seq_ == 0);
  const uint64_t last_seq = in.U64();
  uint64_t lengths[kSnapshotSections];
  for (uint64_t& length : lengths) length = in.U64();
  std::string_view sections[kSnapshotSections];
  for (int i = 0; i < kSnapshotSections; ++i) sections[i] = in.Take(lengths[i]);
  if (!in.ok() || !in.at_end()) return Malformed("section lengths");

  State s;
  std::vector<std::shared_ptr<const policy::Profile>> loaded;
  StatePartHashes parts{};
  // Each job decodes one part into its own members of `s`, then hashes the part's bytes (the state
  // hash is the hash of exactly these bytes, which the strict decoder accepts as the encoding of
  // what it restored and of nothing else) and, when asked, writes the restored part again and
  // compares. The parts share nothing, so two threads run two jobs at once.
  Status results[4];
  auto job = [&](int index) {
    const auto part = static_cast<StatePart>(index);
    const std::string_view bytes = sections[index + 1];
    BinaryReader section(bytes);
    switch (part) {
      case StatePart::kRegistries: {
        BinaryReader profiles(sections[0]);
        results[0] = LoadProfiles(profiles, &loaded);
        if (results[0]) results[0] = LoadRegistries(section, s);
        break;
      }
      case StatePart::kDecided: results[1] = LoadDecided(section, last_seq, s.decided); break;
      case StatePart::kLedger:
        results[2] = s.goods.ledger.Load(section) && section.at_end() ? Status::Ok() : Malformed("ledger");
        // The ledger's full sweep (ledger.h, "Invariants") ran when this state's hash was taken
        // for the snapshot, and a load keeps nothing unless the bytes hash to that state hash: the
        // restored ledger is the swept one, and a start does not sweep it again (a tenth of a
        // start's CPU after 30 days). The audit (`verify --from-snapshot`) does.
        if (results[2] && check_encoding) s.goods.ledger.CheckAllInvariants();
        break;
      case StatePart::kRecords: {
        // The declarations keep views of these bytes: those of the caller's `owner`, or a copy.
        std::shared_ptr<const void> holder = owner;
        std::string_view records = bytes;
        if (holder == nullptr) {
          auto copy = std::make_shared<const std::string>(bytes);
          records = *copy;
          holder = std::move(copy);
        }
        BinaryReader kept(records);
        results[3] = LoadRecords(kept, records, std::move(holder), s.goods);
        if (results[3] && check_encoding) s.goods.declarations.DecodeAll();
        break;
      }
    }
    if (!results[index]) return;
    if (state_hash != nullptr) parts[static_cast<size_t>(index)] = Sha256(bytes);
    if (check_encoding && !PartEncodes(s, last_seq, part, bytes)) {
      results[index] = Error{std::string("snapshot: the restored ") + kPartNames[index] +
                             " do not encode to the saved bytes"};
    }
  };
  // One thread per part: their sizes vary with the zone's business (a zone of travellers has
  // large registries, one of consignments a large ledger), and the system shares the cores among
  // the four better than a fixed split of the jobs would.
  if (threads >= 2) {
    std::thread helpers[3];
    for (int index = 1; index < 4; ++index) helpers[index - 1] = std::thread(job, index);
    job(0);
    for (std::thread& helper : helpers) helper.join();
  } else {
    for (int index = 0; index < 4; ++index) job(index);
  }
  for (const Status& result : results) {
    if (!result) return result;
  }
  state_ = std::move(s);
  profiles_in_force_ = std::move(loaded);
  profile_ = profiles_in_force_.back();
  last_seq_ = last_seq;
  if (state_hash != nullptr) *state_hash = CombineStateHash(last_seq_, profile_->source_sha256, parts);
  return Status::Ok();
}

}  // namespace twoline::engine
