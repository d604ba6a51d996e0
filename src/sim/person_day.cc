#include "sim/person_day.h"

#include <algorithm>
#include <cstdio>

#include "base/check.h"
#include "base/decimal.h"
#include "base/json_writer.h"
#include "sim/catalogue.h"
#include "sim/names.h"

namespace twoline::sim {
namespace {

using policy::Direction;
using policy::Line;

// Rates in parts per million. docs/simulator.md explains each; change both together.
constexpr int64_t kWatchlistPpm = 5000;             // travellers on the watchlist
constexpr int64_t kExpiredDocumentsPpm = 8000;      // travellers whose accepted documents expired
constexpr int64_t kExitWithoutEntryPpm = 5000;      // travellers who leave without an entry record
constexpr int64_t kDoubleEntryPpm = 7000;           // travellers who enter twice
constexpr int64_t kWhitelistIntrusionPpm = 8000;    // crossings of unlisted travellers: wrong lane
constexpr int64_t kWhitelistLaneUsePpm = 850000;    // crossings of listed travellers on their lane
constexpr int64_t kExcursionPpm = 100000;           // round trips that also cross the other line
constexpr int64_t kCarryPpm = 180000;               // crossings with an allowance: goods carried
constexpr int64_t kOverAllowancePpm = 80000;        // of those: worth more than the allowance
constexpr int64_t kCarriedForeignCurrencyPpm = 250000;  // carried goods priced in a foreign currency
constexpr int64_t kFreshFoodMemberPpm = 100000;     // eligible residents on the fresh-food list
constexpr int64_t kFreshFoodCarryPpm = 650000;      // members' first trip of the day with food
constexpr int64_t kFreshFoodOverQuotaPpm = 40000;   // of those: over the quota
constexpr int64_t kFreshFoodTwicePpm = 30000;       // members who come with food a second time
constexpr int64_t kFreshFoodForbiddenPpm = 100000;  // members' exits through a forbidden line
constexpr int64_t kMinorPpm = 40000;                // travellers under 18
constexpr int64_t kTalentRegisteredPpm = 500000;    // talent listed at registration, not by list
constexpr size_t kListChunk = 1000;                 // ids per list command

// Crossings per hour of the day: morning (07:00-10:00) and evening (17:00-20:00) peaks, the shape
// of Hengqin's and the Shenzhen land ports' published daily profiles.
constexpr int kHourWeights[24] = {4,  2,  1,  1,  1,  3,  10, 40, 70, 55, 35, 28,
                                  26, 26, 28, 30, 38, 60, 70, 55, 35, 22, 14, 8};

enum class Persona : uint8_t {
  kMacaoResident,
  kMacaoPortuguese,
  kHongKongResident,
  kHongKongExpatriate,
  kMainlandResident,
  kMainlandResearcher,
  kForeignVisitor,
  kForeignResearcher,
};
constexpr size_t kPersonaCount = 8;

struct PersonaSpec {
  const char* resident_of;  // nullptr: the country of the nationality
  const char* nationalities[12];
  const char* documents[3];   // the documents everyone of the persona holds
  int64_t mainland_home_ppm;  // share who live on the mainland side and cross the second line
  int64_t talent_ppm;
  bool researcher;
};

// Indexed by Persona.
const PersonaSpec kPersonas[kPersonaCount] = {
    {"MO", {"CN"}, {"macao_id", "home_return_permit"}, 0, 10000, false},
    {"MO", {"PT"}, {"macao_id", "passport"}, 0, 20000, false},
    {"HK", {"CN"}, {"hk_id", "home_return_permit"}, 0, 60000, false},
    {"HK", {"GB", "AU", "CA", "US", "IN", "FR"}, {"hk_id", "passport"}, 0, 250000, false},
    {"CN", {"CN"}, {"mainland_id", "hk_mo_exit_entry_permit"}, 750000, 5000, false},
    {"CN", {"CN"}, {"mainland_id", "hk_mo_exit_entry_permit"}, 900000, 700000, true},
    {nullptr,
     {"US", "GB", "AU", "JP", "KR", "SG", "FR", "DE", "PH", "MY", "TH"},
     {"passport"},
     0,
     0,
     false},
    {nullptr,
     {"US", "GB", "DE", "FR", "JP", "KR", "IN", "SG", "CA", "AU", "IT", "NL"},
     {"passport", "visa"},
     500000,
     700000,
     true},
};

// Who crosses a zone depends on what lies beyond its first line: Macao residents and mainland
// visitors at Hengqin; Hong Kong residents and researchers from both sides at Hetao.
void PersonaWeights(std::string_view outside, int (&weights)[kPersonaCount]) {
  static const int kMacao[kPersonaCount] = {52, 3, 4, 0, 30, 3, 6, 2};
  static const int kHongKong[kPersonaCount] = {2, 0, 34, 6, 14, 30, 4, 10};
  static const int kOther[kPersonaCount] = {0, 0, 10, 0, 60, 0, 25, 5};
  const int* source = outside == "MO" ? kMacao : outside == "HK" ? kHongKong : kOther;
  std::copy(source, source + kPersonaCount, weights);
}

enum class Anomaly : uint8_t { kNone, kExpiredDocuments, kExitWithoutEntry, kDoubleEntry };

enum class Carry : uint8_t {
  kNone,
  kGoods,               // within the allowance
  kGoodsOverAllowance,  // assessed
  kFreshFood,           // within the quota
  kFreshFoodOverQuota,  // refused; retried with less
  kFreshFoodAgain,      // a second time in a day: refused; retried without
  kFreshFoodForbidden,  // out through a forbidden line: refused; retried without
};

enum class FreshFoodPlan : uint8_t { kNone, kFirstOfDay, kSecondOfDay };

struct Step {
  Line line;
  Direction direction;
  bool whitelist_lane;
  Carry carry;
  int32_t delay_seconds;  // 0: a time of its own; otherwise this long after the previous step
};

struct Traveller {
  std::string id;
  std::string resident_of;
  Date birth_date = 0;
  Line home_line = Line::kFirst;
  bool researcher = false;
  bool minor = false;
  bool talent = false;
  bool watchlisted = false;
  bool fresh_food_member = false;
  Anomaly anomaly = Anomaly::kNone;
  std::vector<Step> steps;
};

class PersonDay {
 public:
  PersonDay(const ZoneView& view, const SimulationOptions& options, Random& random,
            CommandLog* log);
  void Run();

 private:
  Traveller Register(int index);
  Anomaly ChooseAnomaly(const PersonLine& home);
  void WriteRegistration(const Traveller& traveller, const PersonaSpec& spec,
                         const std::string& nationality, bool list_talent_now, int32_t second);
  std::vector<std::string> DocumentTypes(const Traveller& traveller, const PersonaSpec& spec) const;
  void WriteDocuments(const Traveller& traveller, const PersonaSpec& spec, JsonWriter& writer);
  void WriteLists();
  void WriteList(const std::string& list, const std::vector<std::string>& ids, int32_t second);

  void PlanDay(Traveller& traveller);
  void AppendRoundTrip(Traveller& traveller, FreshFoodPlan fresh_food, bool anomalies);
  void AppendCrossing(Traveller& traveller, Line line, Direction direction,
                      FreshFoodPlan fresh_food, bool anomalies);
  Carry ChooseCarry(const Traveller& traveller, Line line, Direction direction,
                    FreshFoodPlan fresh_food, bool anomalies);
  void FitCrossingCount();

  void WriteCrossings(const Traveller& traveller);
  int32_t DrawCrossingSecond();
  void WriteCrossing(const Traveller& traveller, const Step& step, int32_t second);
  void WriteCarriedGoods(const Traveller& traveller, const Step& step, JsonWriter& writer);
  void WriteFreshFood(const Step& step, JsonWriter& writer);
  void WriteCarriedLine(const CatalogueItem& item, int64_t quantity_milli, int64_t value_fen,
                        const std::string& currency, JsonWriter& writer);
  int64_t AllowanceFen(const Traveller& traveller, const policy::Allowance& allowance) const;
  const policy::Gate* ChooseGate(const Step& step);

  const ZoneView& view_;
  const SimulationOptions& options_;
  Random& random_;
  CommandLog* log_;
  std::vector<std::string> whitelist_lists_;  // persons lists named by whitelist gates
  const policy::FreshFoodRule* fresh_food_;
  bool has_watchlist_;
  std::vector<int> carried_items_;  // catalogue indices
  std::vector<int> fresh_food_items_;
  std::vector<std::string> carried_currencies_;  // what shops across the border take
  std::vector<Traveller> travellers_;
  std::vector<std::string> talent_to_list_;  // talent not already listed at registration
};

PersonDay::PersonDay(const ZoneView& view, const SimulationOptions& options, Random& random,
                     CommandLog* log)
    : view_(view), options_(options), random_(random), log_(log) {
  for (const PersonLine& line : view.person_lines()) {
    for (const policy::Gate* gate : line.whitelist_gates) {
      if (!gate->list.empty() && std::find(whitelist_lists_.begin(), whitelist_lists_.end(),
                                           gate->list) == whitelist_lists_.end()) {
        whitelist_lists_.push_back(gate->list);
      }
    }
  }
  fresh_food_ = view.fresh_food();
  if (fresh_food_ != nullptr && !view.HasList(fresh_food_->list, policy::ListKind::kPersons)) {
    fresh_food_ = nullptr;
  }
  has_watchlist_ = view.HasList("watchlist", policy::ListKind::kPersons);
  carried_currencies_ = view.ForeignCurrencies({"MOP", "HKD"});
  const std::vector<CatalogueItem>& catalogue = Catalogue();
  for (size_t i = 0; i < catalogue.size(); ++i) {
    if (catalogue[i].carried) carried_items_.push_back(static_cast<int>(i));
    if (catalogue[i].use == ItemUse::kFreshFood) fresh_food_items_.push_back(static_cast<int>(i));
  }
}

void PersonDay::Run() {
  travellers_.reserve(static_cast<size_t>(options_.persons));
  for (int i = 0; i < options_.persons; ++i) travellers_.push_back(Register(i));
  WriteLists();
  for (Traveller& traveller : travellers_) PlanDay(traveller);
  FitCrossingCount();
  for (const Traveller& traveller : travellers_) WriteCrossings(traveller);
}

// ---------------------------------------------------------------------------------------------
// Registration

Traveller PersonDay::Register(int index) {
  int weights[kPersonaCount];
  PersonaWeights(view_.Outside(Line::kFirst), weights);
  const PersonaSpec& spec = kPersonas[random_.Weighted(weights, kPersonaCount)];
  size_t nationality_count = 0;
  while (nationality_count < 12 && spec.nationalities[nationality_count] != nullptr) {
    ++nationality_count;
  }
  std::string nationality = spec.nationalities[random_.Index(nationality_count)];
  Traveller traveller;
  traveller.resident_of = spec.resident_of != nullptr ? spec.resident_of : nationality;
  traveller.researcher = spec.researcher;
  traveller.minor = !spec.researcher && random_.Chance(kMinorPpm);
  int age = traveller.minor ? static_cast<int>(random_.Uniform(6, 17))
                            : static_cast<int>(random_.Uniform(20, 70));
  traveller.birth_date =
      view_.date() - age * 365 - age / 4 - static_cast<Date>(random_.Uniform(0, 364));
  char number[16];
  std::snprintf(number, sizeof number, "-%06d", index + 1);
  traveller.id = options_.id_prefix + traveller.resident_of + number;

  // The line a traveller lives beyond: residents of the first line's outside cross it, mainland
  // residents mostly cross the second line when persons cross it at all.
  const PersonLine* second = view_.FindPersonLine(Line::kSecond);
  bool mainland_side = second != nullptr && random_.Chance(spec.mainland_home_ppm);
  traveller.home_line =
      mainland_side || view_.FindPersonLine(Line::kFirst) == nullptr ? Line::kSecond : Line::kFirst;
  traveller.talent =
      !whitelist_lists_.empty() && !traveller.minor && random_.Chance(spec.talent_ppm);
  traveller.anomaly = ChooseAnomaly(*view_.FindPersonLine(traveller.home_line));
  traveller.watchlisted = has_watchlist_ && !traveller.minor && random_.Chance(kWatchlistPpm);
  traveller.fresh_food_member = fresh_food_ != nullptr && !traveller.minor &&
                                traveller.resident_of == view_.Outside(fresh_food_->line) &&
                                random_.Chance(kFreshFoodMemberPpm);
  bool list_talent_now = traveller.talent && random_.Chance(kTalentRegisteredPpm);
  if (traveller.talent && !list_talent_now) talent_to_list_.push_back(traveller.id);
  int32_t second_of_day = kPersonsStart + static_cast<int32_t>(static_cast<int64_t>(index) *
                                                               kPersonsSeconds / options_.persons);
  WriteRegistration(traveller, spec, nationality, list_talent_now, second_of_day);
  return traveller;
}

// One draw decides the anomaly, so that the kinds exclude each other and keep their rates.
Anomaly PersonDay::ChooseAnomaly(const PersonLine& home) {
  int64_t draw = random_.Uniform(0, 999999);
  if (home.rule_in != nullptr) {
    if (draw < kExpiredDocumentsPpm) return Anomaly::kExpiredDocuments;
    draw -= kExpiredDocumentsPpm;
  }
  if (home.records_persons) {
    if (draw < kExitWithoutEntryPpm) return Anomaly::kExitWithoutEntry;
    draw -= kExitWithoutEntryPpm;
    if (draw < kDoubleEntryPpm) return Anomaly::kDoubleEntry;
  }
  return Anomaly::kNone;
}

void PersonDay::WriteRegistration(const Traveller& traveller, const PersonaSpec& spec,
                                  const std::string& nationality, bool list_talent_now,
                                  int32_t second) {
  static const char* const kTopics[] = {"Biomedicine",
                                        "Quantum Information",
                                        "Advanced Materials",
                                        "Artificial Intelligence",
                                        "Marine Science",
                                        "Integrated Circuits",
                                        "Traditional Chinese Medicine"};
  static const char* const kIndustries[] = {
      "Cosmetics", "Financial Services", "Hospitality", "Software",
      "Trading",   "Healthcare",         "Education"};
  std::string name = PersonName(NameStyleFor(nationality, traveller.resident_of), random_);
  std::string members;
  JsonWriter writer(&members);
  writer.Key("type").String("register_person").Key("person").BeginObject();
  writer.Key("id").String(traveller.id).Key("name").String(name);
  writer.Key("nationality").String(nationality).Key("resident_of").String(traveller.resident_of);
  writer.Key("birth_date").String(FormatDate(traveller.birth_date));
  WriteDocuments(traveller, spec, writer);
  writer.Key("lists").BeginArray();
  if (list_talent_now) {
    for (const std::string& list : whitelist_lists_) writer.String(list);
  }
  writer.EndArray();
  // Researchers name their institution, most adults an employer; visitors and children nothing.
  if (traveller.researcher) {
    writer.Key("affiliation")
        .String(PartyName(PartyStyle::kResearch, random_.Pick(kTopics), random_));
  } else if (!traveller.minor && random_.Chance(700000)) {
    writer.Key("affiliation")
        .String(PartyName(PartyStyle::kEnterprise, random_.Pick(kIndustries), random_));
  }
  writer.EndObject();
  log_->Add(second, CommandKind::kRegisterPerson, std::move(members));
}

std::vector<std::string> PersonDay::DocumentTypes(const Traveller& traveller,
                                                  const PersonaSpec& spec) const {
  std::vector<std::string> types;
  for (const char* type : spec.documents) {
    if (type != nullptr) types.push_back(type);
  }
  if (traveller.talent && traveller.researcher) types.push_back("talent_permit");
  // Every line and direction the traveller may cross must accept one of their documents; a
  // traveller who lacks one gets the first document the rule names.
  for (const PersonLine& line : view_.person_lines()) {
    for (const policy::PersonRule* rule : {line.rule_in, line.rule_out}) {
      if (rule == nullptr || rule->documents.empty()) continue;
      bool covered = false;
      for (const std::string& type : types) {
        covered |= std::find(rule->documents.begin(), rule->documents.end(), type) !=
                   rule->documents.end();
      }
      if (!covered) types.push_back(rule->documents.front());
    }
  }
  return types;
}

void PersonDay::WriteDocuments(const Traveller& traveller, const PersonaSpec& spec,
                               JsonWriter& writer) {
  const policy::PersonRule* home_rule = view_.FindPersonLine(traveller.home_line)->rule_in;
  writer.Key("documents").BeginArray();
  for (const std::string& type : DocumentTypes(traveller, spec)) {
    int years = type == "mainland_id"                     ? 20
                : type == "talent_permit"                 ? 3
                : type == "visa" || type == "zone_permit" ? 1
                                                          : 10;
    Date length = years * 365 + years / 4;
    Date valid_from = view_.date() - static_cast<Date>(random_.Uniform(30, length - 60));
    bool expire = traveller.anomaly == Anomaly::kExpiredDocuments && home_rule != nullptr &&
                  std::find(home_rule->documents.begin(), home_rule->documents.end(), type) !=
                      home_rule->documents.end();
    if (expire) valid_from = view_.date() - length - static_cast<Date>(random_.Uniform(0, 400));
    valid_from = std::max(valid_from, traveller.birth_date + 30);
    Date valid_until = std::max(valid_from, valid_from + length - 1);  // inclusive
    if (expire) valid_until = std::min(valid_until, view_.date() - 1);
    writer.BeginObject().Key("type").String(type);
    writer.Key("number").String(
        DocumentNumber(type, traveller.resident_of, traveller.birth_date, random_));
    writer.Key("valid_from").String(FormatDate(valid_from));
    writer.Key("valid_until").String(FormatDate(valid_until)).EndObject();
  }
  writer.EndArray();
}

void PersonDay::WriteLists() {
  std::vector<std::string> fresh_food, watchlist;
  for (const Traveller& traveller : travellers_) {
    if (traveller.fresh_food_member) fresh_food.push_back(traveller.id);
    if (traveller.watchlisted) watchlist.push_back(traveller.id);
  }
  int32_t second = kListsStart;
  for (const std::string& list : whitelist_lists_) WriteList(list, talent_to_list_, second++);
  if (fresh_food_ != nullptr) WriteList(fresh_food_->list, fresh_food, second++);
  WriteList("watchlist", watchlist, second++);
}

void PersonDay::WriteList(const std::string& list, const std::vector<std::string>& ids,
                          int32_t second) {
  for (size_t start = 0; start < ids.size(); start += kListChunk) {
    std::string members;
    JsonWriter writer(&members);
    writer.Key("type").String("list").Key("list").String(list).Key("add").BeginArray();
    for (size_t i = start; i < std::min(ids.size(), start + kListChunk); ++i) writer.String(ids[i]);
    writer.EndArray();
    log_->Add(second, CommandKind::kList, std::move(members));
  }
}

// ---------------------------------------------------------------------------------------------
// Plans

void PersonDay::PlanDay(Traveller& traveller) {
  Line home = traveller.home_line;
  switch (traveller.anomaly) {
    case Anomaly::kExpiredDocuments:  // refused at the first gate; goes home
      AppendCrossing(traveller, home, Direction::kIn, FreshFoodPlan::kNone, false);
      return;
    case Anomaly::kExitWithoutEntry:
      AppendCrossing(traveller, home, Direction::kOut, FreshFoodPlan::kNone, false);
      return;
    case Anomaly::kNone:
    case Anomaly::kDoubleEntry:
      break;
  }
  bool fresh_food = traveller.fresh_food_member && random_.Chance(kFreshFoodCarryPpm);
  AppendRoundTrip(traveller, fresh_food ? FreshFoodPlan::kFirstOfDay : FreshFoodPlan::kNone, true);
  if (fresh_food && random_.Chance(kFreshFoodTwicePpm)) {
    AppendRoundTrip(traveller, FreshFoodPlan::kSecondOfDay, true);
  }
}

void PersonDay::AppendRoundTrip(Traveller& traveller, FreshFoodPlan fresh_food, bool anomalies) {
  Line home = traveller.home_line;
  AppendCrossing(traveller, home, Direction::kIn, fresh_food, anomalies);
  if (anomalies && traveller.anomaly == Anomaly::kDoubleEntry) {
    // Enters again a few minutes later, as if the first entry had not been recorded.
    traveller.steps.push_back({home, Direction::kIn, false, Carry::kNone,
                               static_cast<int32_t>(random_.Uniform(300, 2400))});
  }
  // Sometimes the traveller also uses the other line. Where both lines record persons (Hetao) it
  // is a round trip through it before leaving by the home line. Where the other line records no
  // persons (Hengqin's second line) the traveller leaves through it instead — from Macao on to the
  // mainland: a later re-entry through an unrecorded line would leave no entry record for the
  // final exit. Never from an unrecorded line into a recorded one, for the same reason.
  Line other = home == Line::kFirst ? Line::kSecond : Line::kFirst;
  const PersonLine* other_line = view_.FindPersonLine(other);
  bool recorded_entry = view_.FindPersonLine(home)->records_persons;
  if (anomalies && other_line != nullptr && (recorded_entry || !other_line->records_persons) &&
      random_.Chance(kExcursionPpm)) {
    AppendCrossing(traveller, other, Direction::kOut, FreshFoodPlan::kNone, anomalies);
    if (!other_line->records_persons) return;
    AppendCrossing(traveller, other, Direction::kIn, FreshFoodPlan::kNone, anomalies);
  }
  AppendCrossing(traveller, home, Direction::kOut, fresh_food, anomalies);
}

// Appends one crossing, preceded by a refusal at a whitelist lane and followed by a second
// attempt when the traveller's goods are refused. Without anomalies it appends exactly one step.
void PersonDay::AppendCrossing(Traveller& traveller, Line line, Direction direction,
                               FreshFoodPlan fresh_food, bool anomalies) {
  const PersonLine& person_line = *view_.FindPersonLine(line);
  bool has_lane = !person_line.whitelist_gates.empty();
  bool own_lane = has_lane && traveller.talent && random_.Chance(kWhitelistLaneUsePpm);
  Carry carry = ChooseCarry(traveller, line, direction, fresh_food, anomalies);
  int32_t delay = 0;
  if (anomalies && has_lane && !traveller.talent && random_.Chance(kWhitelistIntrusionPpm)) {
    traveller.steps.push_back({line, direction, true, Carry::kNone, 0});
    delay = static_cast<int32_t>(random_.Uniform(60, 300));  // then walks to a general lane
  }
  traveller.steps.push_back({line, direction, own_lane, carry, delay});
  Carry retry = carry == Carry::kFreshFoodOverQuota ? Carry::kFreshFood
                : carry == Carry::kFreshFoodAgain || carry == Carry::kFreshFoodForbidden
                    ? Carry::kNone
                    : carry;
  if (retry != carry) {
    traveller.steps.push_back(
        {line, direction, own_lane, retry, static_cast<int32_t>(random_.Uniform(180, 900))});
  }
}

Carry PersonDay::ChooseCarry(const Traveller& traveller, Line line, Direction direction,
                             FreshFoodPlan fresh_food, bool anomalies) {
  if (fresh_food_ != nullptr && line == fresh_food_->line && direction == fresh_food_->direction) {
    if (fresh_food == FreshFoodPlan::kFirstOfDay) {
      return anomalies && random_.Chance(kFreshFoodOverQuotaPpm) ? Carry::kFreshFoodOverQuota
                                                                 : Carry::kFreshFood;
    }
    if (fresh_food == FreshFoodPlan::kSecondOfDay) return Carry::kFreshFoodAgain;
  }
  if (anomalies && fresh_food_ != nullptr && traveller.fresh_food_member &&
      direction == Direction::kOut &&
      std::find(fresh_food_->forbidden_lines.begin(), fresh_food_->forbidden_lines.end(), line) !=
          fresh_food_->forbidden_lines.end() &&
      random_.Chance(kFreshFoodForbiddenPpm)) {
    return Carry::kFreshFoodForbidden;
  }
  if (traveller.minor || view_.FindAllowance(line, direction) == nullptr ||
      !random_.Chance(kCarryPpm)) {
    return Carry::kNone;
  }
  return anomalies && random_.Chance(kOverAllowancePpm) ? Carry::kGoodsOverAllowance
                                                        : Carry::kGoods;
}

// Drops whole plans (ordinary travellers' first) until the day has at most the requested
// crossings, then adds plain round trips — and one single entry for an odd remainder, a traveller
// who stays the night — until it has exactly that many.
void PersonDay::FitCrossingCount() {
  if (options_.crossings < 0 || travellers_.empty()) return;
  int64_t total = 0;
  for (const Traveller& traveller : travellers_)
    total += static_cast<int64_t>(traveller.steps.size());
  std::vector<size_t> ordinary, unusual;
  for (size_t i = 0; i < travellers_.size(); ++i) {
    bool plain = travellers_[i].anomaly == Anomaly::kNone && !travellers_[i].watchlisted;
    (plain ? ordinary : unusual).push_back(i);
  }
  random_.Shuffle(&ordinary);
  random_.Shuffle(&unusual);
  for (const std::vector<size_t>* group : {&ordinary, &unusual}) {
    for (size_t i : *group) {
      if (total <= options_.crossings) break;
      total -= static_cast<int64_t>(travellers_[i].steps.size());
      travellers_[i].steps.clear();
    }
  }
  const std::vector<size_t>& hosts = ordinary.empty() ? unusual : ordinary;
  for (size_t k = 0; total < options_.crossings; ++k) {
    Traveller& traveller = travellers_[hosts[k % hosts.size()]];
    if (options_.crossings - total == 1) {
      AppendCrossing(traveller, traveller.home_line, Direction::kIn, FreshFoodPlan::kNone, false);
      total += 1;
    } else {
      AppendRoundTrip(traveller, FreshFoodPlan::kNone, false);
      total += 2;
    }
  }
  CHECK(total == options_.crossings);
}

// ---------------------------------------------------------------------------------------------
// Crossings

int32_t PersonDay::DrawCrossingSecond() {
  int32_t hour = static_cast<int32_t>(random_.Weighted(kHourWeights, 24));
  int32_t second = hour * 3600 + static_cast<int32_t>(random_.Uniform(0, 3599));
  if (second < kTrafficStart)
    second = kTrafficStart + static_cast<int32_t>(random_.Uniform(0, 1799));
  return second;
}

void PersonDay::WriteCrossings(const Traveller& traveller) {
  std::vector<int32_t> draws;
  for (const Step& step : traveller.steps) {
    if (step.delay_seconds == 0) draws.push_back(DrawCrossingSecond());
  }
  std::sort(draws.begin(), draws.end());
  size_t next_draw = 0;
  int32_t previous = -1;
  for (const Step& step : traveller.steps) {
    int32_t second = step.delay_seconds == 0
                         ? std::max(draws[next_draw++], previous < 0 ? 0 : previous + 60)
                         : previous + step.delay_seconds;
    second = std::min(second, kSecondsPerDay - 1);
    WriteCrossing(traveller, step, second);
    previous = second;
  }
}

const policy::Gate* PersonDay::ChooseGate(const Step& step) {
  const PersonLine& line = *view_.FindPersonLine(step.line);
  const std::vector<const policy::Gate*>& gates =
      step.whitelist_lane ? line.whitelist_gates : line.general_gates;
  return random_.Pick(gates);
}

void PersonDay::WriteCrossing(const Traveller& traveller, const Step& step, int32_t second) {
  std::string members;
  JsonWriter writer(&members);
  writer.Key("type").String("cross").Key("person").String(traveller.id);
  writer.Key("gate").String(ChooseGate(step)->id);
  writer.Key("direction").String(step.direction == Direction::kIn ? "in" : "out");
  if (step.carry != Carry::kNone) {
    writer.Key("carried").BeginArray();
    WriteCarriedGoods(traveller, step, writer);
    writer.EndArray();
  }
  log_->Add(second, CommandKind::kCross, std::move(members));
}

int64_t PersonDay::AllowanceFen(const Traveller& traveller,
                                const policy::Allowance& allowance) const {
  bool resident = std::find(allowance.resident_of.begin(), allowance.resident_of.end(),
                            traveller.resident_of) != allowance.resident_of.end();
  bool eligible = resident && AgeInYears(traveller.birth_date, view_.date()) >= allowance.min_age;
  return eligible ? allowance.amount_fen : allowance.other_amount_fen;
}

// Goods bought in the zone or abroad, worth a share of the traveller's allowance or, for the
// anomaly, from RMB 1,000 above it up to about twice it. Values in a foreign currency are
// converted down, so that a value meant to stay within the allowance does.
void PersonDay::WriteCarriedGoods(const Traveller& traveller, const Step& step,
                                  JsonWriter& writer) {
  if (step.carry != Carry::kGoods && step.carry != Carry::kGoodsOverAllowance) {
    WriteFreshFood(step, writer);
    return;
  }
  const policy::Allowance* allowance = view_.FindAllowance(step.line, step.direction);
  int64_t allowance_fen = allowance == nullptr ? 0 : AllowanceFen(traveller, *allowance);
  int64_t total_fen = step.carry == Carry::kGoodsOverAllowance
                          ? random_.Uniform(allowance_fen + 100000, 2 * allowance_fen + 500000)
                          : random_.Uniform(std::max<int64_t>(allowance_fen * 3 / 100, 5000),
                                            std::max<int64_t>(allowance_fen * 85 / 100, 10000));
  std::string currency = "CNY";
  if (!carried_currencies_.empty() && random_.Chance(kCarriedForeignCurrencyPpm)) {
    currency = random_.Pick(carried_currencies_);
  }
  int64_t cny_per_unit = *view_.CnyPerUnit(currency);
  int line_count = static_cast<int>(random_.Uniform(1, 3));
  int64_t remaining_fen = total_fen;
  for (int line = 0; line < line_count && remaining_fen > 0; ++line) {
    const CatalogueItem& item = Catalogue()[static_cast<size_t>(random_.Pick(carried_items_))];
    int64_t share_fen =
        line + 1 == line_count ? remaining_fen : remaining_fen * random_.Uniform(30, 70) / 100;
    remaining_fen -= share_fen;
    // Travellers pay retail prices, about twice the customs value of an importer's lot.
    int64_t pieces = std::clamp<int64_t>(share_fen / (item.value_fen * 2), 1, 20);
    int64_t value = share_fen * 1000000 / cny_per_unit;
    WriteCarriedLine(item, pieces * 1000, value, currency, writer);
  }
}

// Fresh food from Macao: within the quota, or (refused) up to 1.8 times it.
void PersonDay::WriteFreshFood(const Step& step, JsonWriter& writer) {
  int64_t quota_milli = fresh_food_->max_quantity_milli;
  int64_t total_milli = step.carry == Carry::kFreshFoodOverQuota
                            ? random_.Uniform(quota_milli + 200, quota_milli * 18 / 10 + 400)
                            : random_.Uniform(std::min<int64_t>(300, quota_milli), quota_milli);
  std::string currency = "CNY";
  if (view_.CnyPerUnit("MOP")) currency = "MOP";  // bought in Macao
  int64_t cny_per_unit = *view_.CnyPerUnit(currency);
  int line_count = total_milli >= 1000 && random_.Chance(500000) ? 2 : 1;
  int64_t remaining_milli = total_milli;
  for (int line = 0; line < line_count; ++line) {
    const CatalogueItem& item = Catalogue()[static_cast<size_t>(random_.Pick(fresh_food_items_))];
    int64_t quantity = line + 1 == line_count ? remaining_milli : remaining_milli / 2;
    remaining_milli -= quantity;
    int64_t value_fen = MulDivRoundHalfUp(quantity, item.value_fen, 1000);
    WriteCarriedLine(item, quantity, value_fen * 1000000 / cny_per_unit, currency, writer);
  }
}

void PersonDay::WriteCarriedLine(const CatalogueItem& item, int64_t quantity_milli,
                                 int64_t value_fen, const std::string& currency,
                                 JsonWriter& writer) {
  writer.BeginObject().Key("sku").String(item.sku);
  writer.Key("qty").String(FormatQuantity(quantity_milli));
  writer.Key("value").String(FormatMoney(value_fen));
  writer.Key("currency").String(currency).EndObject();
}

}  // namespace

void SimulatePersons(const ZoneView& view, const SimulationOptions& options, Random& random,
                     CommandLog* log) {
  if (options.persons <= 0 || view.person_lines().empty()) return;
  PersonDay day(view, options, random, log);
  day.Run();
}

}  // namespace twoline::sim
