// Profile: a zone's policy as data — identity, lines, gates, lists, person rules, carried-goods
// allowances, goods rules (tax-free, bans, holds, certificates), tariffs, exchange rates, sampling
// and radiation limits. Loaded from TOML (docs/profiles.md) by LoadProfile in profile_loader.h.
//
// Invariants after a successful load (the loader refuses anything else with file:line errors):
// ids are unique; every gate's list and every rule's list names a declared list; whitelist gates
// name a persons list; effective windows are [from, until) with from < until and rules of the same
// (line, direction) never overlap; rates are in millionths; money in fen.
// Thread-safety: immutable after load; shared read-only between threads.
#pragma once

#include <cstdint>
#include <limits>
#include <optional>
#include <string>
#include <vector>

#include "base/time.h"
#include "base/sha256.h"

namespace twoline::policy {

enum class Line : uint8_t { kFirst = 0, kSecond = 1 };
enum class Direction : uint8_t { kIn = 0, kOut = 1 };
enum class Lane : uint8_t { kGeneral = 0, kWhitelist = 1, kGoods = 2, kVehicle = 3 };
enum class ListKind : uint8_t { kPersons = 0, kParties = 1, kGoods = 2 };
enum class Credit : uint8_t { kAdvanced = 0, kGeneral = 1, kDishonest = 2 };

const char* LineName(Line line);            // "first", "second"
const char* DirectionName(Direction direction);  // "in", "out"
const char* LaneName(Lane lane);            // "general", "whitelist", "goods", "vehicle"
const char* ListKindName(ListKind kind);    // "persons", "parties", "goods"
const char* CreditName(Credit credit);      // "advanced", "general", "dishonest"

inline constexpr Date kDateMin = std::numeric_limits<Date>::min();
inline constexpr Date kDateMax = std::numeric_limits<Date>::max();

// A rule is in force on local dates in [from, until). TOML keys: effective_from, effective_until
// (both optional; until is exclusive).
struct Effective {
  Date from = kDateMin;
  Date until = kDateMax;
  bool InForce(Date date) const { return date >= from && date < until; }
};

struct LineSpec {
  Line line = Line::kFirst;
  std::string outside;           // ISO 3166-1 code, or "mainland", "world", "shenzhen-park"
  bool persons_controlled = false;  // documents are checked at this line's person gates
  bool records_persons = false;     // crossings update presence (and may be presence anomalies)
};

struct Gate {
  std::string id;
  Line line = Line::kFirst;
  Lane lane = Lane::kGeneral;
  std::string list;  // whitelist lanes: the persons list whose members may pass
  Effective effective;  // when the gate is open for service
};

struct ListSpec {
  std::string name;
  ListKind kind = ListKind::kPersons;
  std::string description;
};

// Which documents a person needs at a line and direction. One of `documents` must be valid on the
// local date of the crossing.
struct PersonRule {
  std::string id;  // stable rule id, e.g. "hengqin.first-in.documents"
  Line line = Line::kFirst;
  Direction direction = Direction::kIn;
  std::vector<std::string> documents;
  Effective effective;
};

// Duty-free allowance for carried goods at a line and direction, for travellers resident in one of
// `resident_of` and at least `min_age` years old. Others get `other_amount_fen`.
struct Allowance {
  std::string id;
  Line line = Line::kSecond;
  Direction direction = Direction::kOut;
  std::vector<std::string> resident_of;
  int min_age = 0;
  int64_t amount_fen = 0;
  int64_t other_amount_fen = 0;
  Effective effective;
};

// Fresh food quota for listed persons (Hengqin: Macao residents).
struct FreshFoodRule {
  std::string id;
  std::string list;            // persons list of eligible persons
  std::string item_tag;        // items with this tag are fresh food
  Line line = Line::kFirst;    // the line and direction where the quota applies
  Direction direction = Direction::kIn;
  int64_t max_quantity_milli = 0;  // per crossing, in thousandths of the item unit (kg)
  int per_day = 1;                 // crossings with fresh food per local day
  std::vector<Line> forbidden_lines;  // lines through which fresh food may not be carried out
  Effective effective;
};

// A rate by HS prefix; "*" matches everything. Longest prefix wins.
struct RateRow {
  std::string hs_prefix;
  int64_t rate_ppm = 0;
  std::string description;
};

struct TariffRow {
  std::string hs_prefix;
  int64_t customs_duty_ppm = 0;
  int64_t vat_ppm = 0;
  std::string description;
};

struct ExchangeRate {
  std::string currency;        // ISO 4217
  int64_t cny_per_unit_ppm = 0;  // CNY for one unit, in millionths
  Effective effective;
};

enum class GoodsAction : uint8_t {
  kBan = 0,                  // rejected
  kHoldForTest = 1,          // held until an inspect with measurements passes
  kRequireCertificates = 2,  // rejected when a listed certificate is missing
  kHold = 3,                 // held for inspection (e.g. quarantine) until an inspect passes
  kTaxFree = 4,              // enters tax_free instead of bonded
};

// A goods rule. It matches a declaration line when every given condition holds: the declaration
// kind is in `kinds`; the HS code starts with one of `hs_prefixes` and none of
// `exclude_hs_prefixes`; the origin equals or lies within one of `origins` ("JP" covers "JP-04";
// for every action but tax_free, a bare country also matches its subdivisions: "JP" for "JP-04")
// and not within `exclude_origins`; the production date is in [produced_from, produced_until);
// the item has one of `item_tags`; the declarant is (or, for `unless_list`, is not) on `list`;
// the declaration's purpose is in `purposes`. Empty conditions match everything.
struct GoodsRule {
  std::string id;  // stable rule id used in reasons
  GoodsAction action = GoodsAction::kBan;
  std::vector<std::string> kinds;
  std::vector<std::string> hs_prefixes;
  std::vector<std::string> exclude_hs_prefixes;
  std::vector<std::string> origins;
  std::vector<std::string> exclude_origins;
  std::optional<Date> produced_from;
  std::optional<Date> produced_until;
  std::vector<std::string> item_tags;
  std::string list;        // declarant must be on this parties list
  std::string unless_list; // rule does not apply when the declarant is on this parties list
  std::vector<std::string> purposes;
  std::vector<std::string> certificates;  // kRequireCertificates: all of these are needed
  std::string detail;  // human text for the reason
  Effective effective;
};

// Radiation limit for a group of nuclides whose activities are added (Bq/kg, thousandths).
struct RadiationLimit {
  std::vector<std::string> nuclides;
  int64_t max_milli_bq_per_kg = 0;
};

struct GoodsPolicy {
  std::string first_line_in_status = "bonded";  // status of goods admitted at the first line
  bool second_line_out_taxed = false;  // duty + import VAT at the second line out
  bool second_line_in_export = false;  // second line in is treated as an export
  std::optional<int64_t> value_added_exemption_ppm;  // Hengqin: 300000 (30%)
  std::string tariff_file;  // CSV, relative to the profile's directory
  std::vector<TariffRow> tariff;  // loaded from tariff_file
  std::vector<GoodsRule> rules;
  std::vector<RadiationLimit> radiation_limits;
  // Inspection sampling rate by party credit, millionths.
  int64_t sampling_advanced_ppm = 0;
  int64_t sampling_general_ppm = 0;
  int64_t sampling_dishonest_ppm = 0;
};

struct Profile {
  // Identity.
  std::string id;
  std::string name;
  std::string area_km2;  // decimal text as written ("106", "3.02")
  std::string positioning;
  std::vector<std::string> parks;
  int32_t utc_offset_minutes = 480;
  // How far a command's `at` sent over HTTP by a declarant or an officer may be from the server's
  // time of receipt (SPEC §2, `at`); [zone] allowed_skew_seconds, default 5 minutes.
  int64_t allowed_skew_seconds = 300;
  std::string currency = "CNY";

  std::vector<LineSpec> lines;
  std::vector<Gate> gates;
  std::vector<ListSpec> lists;
  std::vector<PersonRule> person_rules;
  std::vector<Allowance> allowances;
  std::vector<FreshFoodRule> fresh_food;
  std::vector<RateRow> personal_article_rates;
  std::vector<ExchangeRate> exchange_rates;
  GoodsPolicy goods;

  // The profile's full text and its SHA-256 hex, as loaded (journaled when put in force), and the
  // tariff CSV text as loaded, so that a journal can replay the profile from its texts alone.
  std::string source_text;
  std::string source_sha256;
  std::string tariff_text;

  const LineSpec* FindLine(Line line) const;
  const Gate* FindGate(std::string_view id) const;
  const ListSpec* FindList(std::string_view name) const;
  int ListIndex(std::string_view name) const;  // -1 when unknown
  const PersonRule* FindPersonRule(Line line, Direction direction, Date date) const;
  const Allowance* FindAllowance(Line line, Direction direction, Date date) const;
  const FreshFoodRule* FindFreshFood(Date date) const;
  // Personal-articles rate for an HS code (longest prefix, "*" default); 0 when no table.
  int64_t PersonalArticleRate(std::string_view hs_code) const;
  const TariffRow* FindTariff(std::string_view hs_code) const;
  // CNY millionths per unit of `currency` on `date`; nullopt when unknown.
  std::optional<int64_t> CnyPerUnit(std::string_view currency, Date date) const;
};

// The inspection-sampling draw of SPEC behaviour 11: a number in [0, 1,000,000), the first 8 bytes
// (big-endian) of a SHA-256 modulo 1,000,000. A declaration is selected when the draw is below its
// party's sampling rate in millionths. Everything hashed is in the journal, so replay selects the
// same ones.
//
// A command submitted over HTTP by a declarant or an officer carries the server's nonce (16 bytes
// from the CSPRNG, in its `received` stamp) and is drawn from
//   SHA-256("sample\n" + zone + "\n" + hex(previous entry's hash) + "\n" + nonce + "\n" + command id)
// which no client can predict or steer: the nonce and the previous entry are fixed only when the
// command is appended. An import (`run`, an admin's submission) has no nonce and is drawn from
//   SHA-256(zone + "\n" + command id)
// since its author chooses every byte of what it imports anyway; the simulator predicts with it.
int64_t SamplingDraw(std::string_view zone, std::string_view command_id);
int64_t SamplingDraw(std::string_view zone, std::string_view command_id, const Hash256& previous,
                     std::string_view nonce);

}  // namespace twoline::policy
