#include "sim/goods_day.h"

#include <algorithm>
#include <cstdio>
#include <deque>
#include <functional>
#include <optional>
#include <queue>
#include <tuple>
#include <unordered_map>

#include "base/check.h"
#include "base/decimal.h"
#include "base/json_writer.h"
#include "sim/catalogue.h"
#include "sim/names.h"
#include "sim/person_day.h"

namespace twoline::sim {
namespace {

using policy::Line;

// Rates in parts per million. docs/simulator.md explains each; change both together.
constexpr int64_t kAdvancedCreditPpm = 300000;
constexpr int64_t kDishonestCreditPpm = 80000;
constexpr int64_t kListedAtRegistrationPpm = 600000;  // the rest join their lists by command
constexpr int64_t kCancelPpm = 25000;                 // declarations withdrawn before release
constexpr int64_t kJapaneseAquaticPpm = 250000;       // seafood traders' admissions from Japan
constexpr int64_t kBannedPrefecturePpm = 150000;      // of those: from a banned prefecture
constexpr int64_t kTestFailPpm = 40000;               // radiation tests that fail
constexpr int64_t kInspectionFailPpm = 30000;         // other inspections that fail
constexpr int64_t kMissingCertificatePpm = 10000;     // lines that lack a required certificate
constexpr int64_t kDeclaredForeignCurrencyPpm = 150000;  // declarations priced in foreign currency
constexpr int64_t kTruckSharePpm = 400000;            // releases that join a truck leaving soon
constexpr int64_t kVehiclePpm = 800000;               // releases that name their vehicle
constexpr int64_t kProcessPpm = 700000;               // admitted process inputs processed today
constexpr int64_t kPreferProcessedPpm = 500000;       // second-line exits of processed goods
constexpr int64_t kStocktakeDifferencePpm = 120000;   // counted lines that differ from the book
constexpr int64_t kShortagePpm = 700000;              // of those: shortages (the rest overages)

constexpr int32_t kMinute = 60;
constexpr int32_t kHour = 3600;
constexpr int32_t kWorkStart = 7 * kHour + 30 * kMinute;
constexpr int32_t kWorkEnd = 18 * kHour + 30 * kMinute;
constexpr int32_t kJapaneseAquaticLatest = 12 * kHour + 30 * kMinute;  // time for the test
constexpr int32_t kProcessLatest = 20 * kHour;
constexpr int32_t kStocktakeStart = 21 * kHour;
constexpr size_t kStocktakePartiesMax = 500;
constexpr size_t kTruckDeclarationsMax = 4;
constexpr int kPartiesMin = 6;
constexpr int kPartiesMax = 2000;

// Declarations per hour of the working day.
constexpr int kDeclarationHourWeights[24] = {0,  0,  0,  0,  0,  0,  0,  8, 30, 45, 45, 35,
                                             15, 25, 40, 40, 35, 25, 10, 0, 0,  0,  0,  0};

// Prefectures whose ports ship scallops, tuna and kombu; the profile decides which are banned.
const char* const kJapaneseOrigins[] = {"JP-01", "JP-02", "JP-03", "JP-17",
                                        "JP-22", "JP-42", "JP-46"};
const char* const kJapaneseAquaticSkus[] = {"SCALLOP", "TUNA-BLUEFIN", "SEAWEED-KOMBU",
                                            "FISH-FROZEN"};
const char* const kResearchTopics[] = {"Biomedicine",        "Quantum Information",
                                       "Advanced Materials", "Artificial Intelligence",
                                       "Marine Science",     "Integrated Circuits"};

struct RoleSpec {
  const char* industry;
  PartyStyle style;
};
// Indexed by Role.
const RoleSpec kRoles[kRoleCount] = {
    {"Cosmetics", PartyStyle::kEnterprise},
    {"Wine Trading", PartyStyle::kEnterprise},
    {"Semiconductor", PartyStyle::kEnterprise},
    {"Seafood Trading", PartyStyle::kEnterprise},
    {"", PartyStyle::kResearch},
    {"Retail", PartyStyle::kEnterprise},
    {"Leisure and Resorts", PartyStyle::kEnterprise},
    {"Precision Manufacturing", PartyStyle::kEnterprise},
    {"", PartyStyle::kLogistics},
};

enum class Kind : uint8_t {
  kFirstLineIn,
  kSecondLineIn,
  kSecondLineOut,
  kFirstLineOut,
  kTransfer,
  kConsume,
  kScrap,
};
const char* KindName(Kind kind) {
  static const char* const kNames[] = {"first_line_in",  "second_line_in", "second_line_out",
                                       "first_line_out", "transfer",       "consume",
                                       "scrap"};
  return kNames[static_cast<int>(kind)];
}

struct Party {
  std::string id;
  Role role = Role::kLogistics;
  policy::Credit credit = policy::Credit::kGeneral;
  std::vector<std::string> lists;  // party lists it is on by the time goods move
};

// One entry of the generator's own book: what a party holds of an item, in one status.
struct Stock {
  int party = 0;
  int item = 0;
  std::string status;
  std::string origin;
  int64_t available_milli = 0;      // free to declare (outbound declarations reserve at once)
  int64_t physical_milli = 0;       // in the zone (posted at release), what a stocktake counts
  int64_t unit_value_fen = 0;       // customs value of one unit, averaged over admissions
  std::optional<Date> produced_on;  // food: the production date of the first lot
  bool processed = false;           // made in the zone
};

struct GoodsLine {
  int item = 0;
  int64_t quantity_milli = 0;
  int64_t value_fen = 0;  // CNY
  std::string origin;
  std::optional<Date> produced_on;
  std::vector<std::string> certificates;
  size_t stock = 0;  // the book entry it adds to or draws on
};

struct Declaration {
  std::string id;
  Kind kind = Kind::kFirstLineIn;
  int party = 0;
  int counterparty = -1;
  std::string purpose;
  std::string currency = "CNY";
  bool held = false;  // held by a rule: inspected anyway, so never sampled
  std::vector<GoodsLine> lines;
};

// What the rules are forecast to do with an admission.
struct Admission {
  bool refused = false;  // banned or missing a certificate: never released
  bool hold_for_test = false;
  bool hold = false;
};

struct Truck {
  size_t log_index = 0;
  int32_t second = 0;
  std::string gate;
  std::string vehicle;
  std::vector<std::string> declarations;
};

enum class ActionKind : uint8_t { kPost, kProcess };
// A change to the book at a later second of the day: goods passing a gate, a process run.
struct Action {
  int32_t second = 0;
  uint64_t sequence = 0;
  ActionKind kind = ActionKind::kPost;
  size_t stock = 0;
  int64_t available_delta = 0;
  int64_t physical_delta = 0;
  int64_t value_fen = 0;  // admissions: the value arriving with the goods
  bool operator>(const Action& other) const {
    return std::tie(second, sequence) > std::tie(other.second, other.sequence);
  }
};

// Refused goods that must leave: declared at the first free slot after `earliest`.
struct Followup {
  int32_t earliest = 0;
  Kind kind = Kind::kScrap;
  int party = 0;
  GoodsLine line;
};

int32_t Seconds(Random& random, int32_t low_minutes, int32_t high_minutes) {
  return static_cast<int32_t>(random.Uniform(low_minutes * kMinute, high_minutes * kMinute));
}

bool IsFood(const CatalogueItem& item) {
  // HS chapters 01-24: animals, plants and foodstuffs.
  return item.hs_code[0] == '0' || (item.hs_code[0] == '1') ||
         (item.hs_code[0] == '2' && item.hs_code[1] <= '4');
}

class GoodsDay {
 public:
  GoodsDay(const ZoneView& view, const SimulationOptions& options, int consignments, Random& random,
           CommandLog* log);
  void Run();

 private:
  // Registry.
  void RegisterParties(int count);
  Role ChooseRole();
  int64_t ListMembershipPpm(const std::string& list, Role role) const;
  void WriteParty(const Party& party, const std::vector<std::string>& registered_lists,
                  int32_t second);
  void DetectJapaneseAquatic();

  // The working day.
  std::vector<int32_t> SlotSeconds();
  void HandleSlot(int32_t second);
  Kind ChooseKind(int32_t second);
  bool DeclareAdmission(int32_t second, Kind kind);
  bool DeclareJapaneseAquatic(int32_t second, int party);
  std::string ChoosePurpose(const Party& party, int item);
  GoodsForecast ForecastLine(const Declaration& declaration, const GoodsLine& line) const;
  bool ClearForWithdrawal(const Declaration& declaration, GoodsLine* line) const;
  std::optional<GoodsLine> AdmissionLine(const Declaration& declaration, int item,
                                         const std::string* origin, Admission* admission);
  bool DeclareWithdrawal(int32_t second, Kind kind);
  bool DeclareTransfer(int32_t second);
  void WriteFollowup(int32_t second);
  void AfterAdmission(const Declaration& declaration, const Admission& admission, int32_t second);
  void AfterWithdrawal(const Declaration& declaration, int32_t second);

  // Commands.
  std::string NextDeclarationId();
  void WriteDeclaration(const Declaration& declaration, int32_t second);
  int64_t SamplingRatePpm(int party) const;
  void WriteCancel(const Declaration& declaration, int32_t second);
  void WriteInspection(const Declaration& declaration, bool radiation, bool pass, int32_t second);
  void WriteMeasurements(bool pass, JsonWriter& writer);
  void ScheduleRelease(const Declaration& declaration, int32_t ready, bool book);
  void RenderTrucks();
  void WriteStocktakes();

  // The book.
  size_t StockFor(int party, int item, const std::string& status, const std::string& origin);
  std::optional<size_t> PickStock(const std::function<bool(const Stock&)>& wanted);
  int64_t WithdrawalQuantity(const Stock& stock, int64_t low_percent, int64_t high_percent);
  void Schedule(Action action);
  void FireActions(int32_t until);
  void Post(const Action& action);
  void RunProcess(const Action& action);
  void WriteProcess(int party, const std::vector<std::pair<int, int64_t>>& inputs, int output,
                    int64_t output_milli, int32_t second);
  void Receive(size_t index, int64_t quantity_milli, int64_t value_fen);

  const ZoneView& view_;
  const SimulationOptions& options_;
  int consignments_;
  Random& random_;
  CommandLog* log_;
  std::string bonded_status_;
  std::vector<Party> parties_;
  std::vector<Stock> stocks_;
  std::unordered_map<uint64_t, size_t> stock_index_;  // (party << 32 | item) -> stocks_ index
  std::vector<Truck> trucks_;
  std::unordered_map<std::string, size_t> open_truck_by_gate_;
  std::priority_queue<Action, std::vector<Action>, std::greater<Action>> actions_;
  uint64_t action_sequence_ = 0;
  std::deque<Followup> followups_;
  int declaration_count_ = 0;
  int process_count_ = 0;
  std::vector<std::string> trade_currencies_;
  std::vector<std::string> japanese_safe_origins_;
  std::vector<std::string> japanese_banned_origins_;
};

GoodsDay::GoodsDay(const ZoneView& view, const SimulationOptions& options, int consignments,
                   Random& random, CommandLog* log)
    : view_(view),
      options_(options),
      consignments_(consignments),
      random_(random),
      log_(log),
      bonded_status_(view.profile().goods.first_line_in_status),
      trade_currencies_(view.ForeignCurrencies({"USD", "EUR", "HKD", "MOP"})) {}

void GoodsDay::Run() {
  RegisterParties(std::clamp(consignments_ / 5, kPartiesMin, kPartiesMax));
  DetectJapaneseAquatic();
  for (int32_t second : SlotSeconds()) HandleSlot(second);
  FireActions(kStocktakeStart - 1);
  CHECK(actions_.empty());
  RenderTrucks();
  WriteStocktakes();
  CHECK(declaration_count_ == consignments_);
}

// ---------------------------------------------------------------------------------------------
// Registry

Role GoodsDay::ChooseRole() {
  // Role weights indexed by Role. Zones with research lists are science parks; zones with
  // duty-free entities attract leisure, cosmetics and wine; the others are trade and logistics
  // hubs.
  static const int kScience[kRoleCount] = {4, 2, 18, 6, 40, 4, 0, 12, 14};
  static const int kLeisure[kRoleCount] = {16, 12, 12, 8, 8, 14, 6, 10, 14};
  static const int kTrade[kRoleCount] = {10, 10, 18, 12, 4, 14, 2, 6, 24};
  const int* weights = view_.HasList("research_institutions", policy::ListKind::kParties) ? kScience
                       : view_.HasList("duty_free_entities", policy::ListKind::kParties)  ? kLeisure
                                                                                          : kTrade;
  return static_cast<Role>(random_.Weighted(weights, kRoleCount));
}

// The SPEC's standard list names: who is likely to be on each.
int64_t GoodsDay::ListMembershipPpm(const std::string& list, Role role) const {
  if (list == "duty_free_entities") {
    bool equips = role == Role::kLeisure || role == Role::kIndustrial || role == Role::kResearch ||
                  role == Role::kElectronics || role == Role::kCosmetics;
    return equips ? 600000 : 100000;
  }
  if (list == "research_institutions") {
    if (role == Role::kResearch) return 900000;
    return role == Role::kElectronics || role == Role::kIndustrial ? 250000 : 0;
  }
  if (list == "biosafety_permit_holders") return role == Role::kResearch ? 450000 : 0;
  return 150000;
}

void GoodsDay::RegisterParties(int count) {
  std::vector<std::string> party_lists = view_.ListNames(policy::ListKind::kParties);
  std::vector<std::vector<std::string>> later(party_lists.size());
  for (int i = 0; i < count; ++i) {
    Party party;
    char number[16];
    std::snprintf(number, sizeof number, "P-%04d", i + 1);
    party.id = options_.id_prefix + number;
    party.role = ChooseRole();
    int64_t credit_draw = random_.Uniform(0, 999999);
    party.credit = credit_draw < kAdvancedCreditPpm ? policy::Credit::kAdvanced
                   : credit_draw < kAdvancedCreditPpm + kDishonestCreditPpm
                       ? policy::Credit::kDishonest
                       : policy::Credit::kGeneral;
    std::vector<std::string> registered_lists;
    for (size_t l = 0; l < party_lists.size(); ++l) {
      if (!random_.Chance(ListMembershipPpm(party_lists[l], party.role))) continue;
      party.lists.push_back(party_lists[l]);
      if (random_.Chance(kListedAtRegistrationPpm)) {
        registered_lists.push_back(party_lists[l]);
      } else {
        later[l].push_back(party.id);
      }
    }
    WriteParty(party, registered_lists, kRegistryStart + kMinute + i * 4 * kMinute / count);
    parties_.push_back(std::move(party));
  }
  // Entities approved this morning join their lists by command, after the persons' lists.
  for (size_t l = 0; l < party_lists.size(); ++l) {
    if (later[l].empty()) continue;
    std::string members;
    JsonWriter writer(&members);
    writer.Key("type").String("list").Key("list").String(party_lists[l]).Key("add").BeginArray();
    for (const std::string& id : later[l]) writer.String(id);
    writer.EndArray();
    log_->Add(kListsStart + 3 * kMinute + static_cast<int32_t>(l), CommandKind::kList,
              std::move(members));
  }
}

void GoodsDay::WriteParty(const Party& party, const std::vector<std::string>& registered_lists,
                          int32_t second) {
  const RoleSpec& role = kRoles[static_cast<int>(party.role)];
  const char* kind = "enterprise";
  if (party.role == Role::kResearch)
    kind = random_.Chance(800000) ? "research_institution" : "public_body";
  if (party.role == Role::kLeisure && random_.Chance(250000)) kind = "public_body";
  if (party.role == Role::kLogistics) kind = "logistics";
  const char* credit = policy::CreditName(party.credit);
  std::string industry = role.industry;
  if (industry.empty() && role.style == PartyStyle::kResearch)
    industry = random_.Pick(kResearchTopics);
  PartyStyle style = std::string_view(kind) == "public_body" ? PartyStyle::kPublicBody : role.style;
  if (style == PartyStyle::kPublicBody && industry.empty()) industry = "Services";
  std::string name = PartyName(style, industry, random_);
  std::string members;
  JsonWriter writer(&members);
  writer.Key("type").String("register_party").Key("party").BeginObject();
  writer.Key("id").String(party.id).Key("name").String(name).Key("kind").String(kind);
  writer.Key("credit").String(credit).Key("lists").BeginArray();
  for (const std::string& list : registered_lists) writer.String(list);
  writer.EndArray().EndObject();
  log_->Add(second, CommandKind::kRegisterParty, std::move(members));
}

// Japanese aquatic products are shipped only where some prefecture is not banned on the day; the
// banned prefectures are those the profile's ban rules name.
void GoodsDay::DetectJapaneseAquatic() {
  for (const policy::GoodsRule& rule : view_.profile().goods.rules) {
    if (rule.action != policy::GoodsAction::kBan || !rule.effective.InForce(view_.date())) continue;
    for (const std::string& origin : rule.origins) {
      if (origin.rfind("JP-", 0) == 0 &&
          std::find(japanese_banned_origins_.begin(), japanese_banned_origins_.end(), origin) ==
              japanese_banned_origins_.end()) {
        japanese_banned_origins_.push_back(origin);
      }
    }
  }
  const CatalogueItem& scallop = Catalogue()[static_cast<size_t>(FindCatalogueItem("SCALLOP"))];
  std::vector<std::string> no_tags, no_lists;
  for (const char* origin : kJapaneseOrigins) {
    GoodsQuery query{"first_line_in", scallop.hs_code, origin, view_.date() - 10,
                     &no_tags,        &no_lists,       ""};
    if (!view_.Forecast(query).banned) japanese_safe_origins_.push_back(origin);
  }
}

// ---------------------------------------------------------------------------------------------
// The working day

std::vector<int32_t> GoodsDay::SlotSeconds() {
  std::vector<int32_t> seconds;
  seconds.reserve(static_cast<size_t>(consignments_));
  for (int i = 0; i < consignments_; ++i) {
    int32_t hour = static_cast<int32_t>(random_.Weighted(kDeclarationHourWeights, 24));
    int32_t second = hour * kHour + static_cast<int32_t>(random_.Uniform(0, kHour - 1));
    seconds.push_back(std::clamp(second, kWorkStart, kWorkEnd - 1));
  }
  std::sort(seconds.begin(), seconds.end());
  return seconds;
}

void GoodsDay::HandleSlot(int32_t second) {
  FireActions(second);
  if (!followups_.empty() && followups_.front().earliest <= second) {
    WriteFollowup(second);
    return;
  }
  bool declared = false;
  switch (ChooseKind(second)) {
    case Kind::kFirstLineIn:
      break;
    case Kind::kSecondLineIn:
      declared = DeclareAdmission(second, Kind::kSecondLineIn);
      break;
    case Kind::kSecondLineOut:
      declared = DeclareWithdrawal(second, Kind::kSecondLineOut);
      break;
    case Kind::kFirstLineOut:
      declared = DeclareWithdrawal(second, Kind::kFirstLineOut);
      break;
    case Kind::kTransfer:
      declared = DeclareTransfer(second);
      break;
    case Kind::kConsume:
      declared = DeclareWithdrawal(second, Kind::kConsume);
      break;
    case Kind::kScrap:
      declared = DeclareWithdrawal(second, Kind::kScrap);
      break;
  }
  // Admissions need no stock; every slot ends with exactly one declaration.
  while (!declared) declared = DeclareAdmission(second, Kind::kFirstLineIn);
}

Kind GoodsDay::ChooseKind(int32_t second) {
  // Indexed by Kind. The morning fills the warehouses; the afternoon empties them.
  static const int kMorning[] = {60, 15, 12, 3, 5, 3, 2};
  static const int kAfternoon[] = {32, 10, 30, 9, 10, 6, 3};
  const int* weights = second < 10 * kHour + 30 * kMinute ? kMorning : kAfternoon;
  return static_cast<Kind>(random_.Weighted(weights, 7));
}

std::string GoodsDay::NextDeclarationId() {
  char number[24];
  std::snprintf(number, sizeof number, "D-%06d", ++declaration_count_);
  return options_.id_prefix + number;
}

// A first-line admission of goods from abroad, or a second-line admission of mainland goods.
bool GoodsDay::DeclareAdmission(int32_t second, Kind kind) {
  int party_index = static_cast<int>(random_.Index(parties_.size()));
  const Party& party = parties_[static_cast<size_t>(party_index)];
  bool domestic = kind == Kind::kSecondLineIn;
  bool seafood = party.role == Role::kSeafood || party.role == Role::kLogistics;
  if (!domestic && seafood && !japanese_safe_origins_.empty() && second <= kJapaneseAquaticLatest &&
      random_.Chance(kJapaneseAquaticPpm)) {
    return DeclareJapaneseAquatic(second, party_index);
  }
  std::vector<int> candidates;
  const std::vector<CatalogueItem>& catalogue = Catalogue();
  for (size_t i = 0; i < catalogue.size(); ++i) {
    const CatalogueItem& item = catalogue[i];
    bool imported = item.use != ItemUse::kDomestic && item.use != ItemUse::kFreshFood &&
                    item.use != ItemUse::kProcessOutput;
    if ((item.roles & RoleBit(party.role)) && imported != domestic) {
      candidates.push_back(static_cast<int>(i));
    }
  }
  if (candidates.empty()) return false;
  Declaration declaration;
  declaration.kind = kind;
  declaration.party = party_index;
  int first = random_.Pick(candidates);
  ItemUse use = catalogue[static_cast<size_t>(first)].use;
  // Equipment, reagents and samples for a party's own use travel on a declaration of their own,
  // with the purpose that makes them tax-free where the party qualifies.
  bool own_use =
      use == ItemUse::kEquipment || use == ItemUse::kResearch || use == ItemUse::kBiological;
  if (own_use && !domestic) declaration.purpose = ChoosePurpose(party, first);
  int line_count = own_use ? 1 : static_cast<int>(random_.Uniform(1, 3));
  Admission admission;
  for (int l = 0; l < line_count; ++l) {
    int item = l == 0 ? first : random_.Pick(candidates);
    const CatalogueItem& entry = catalogue[static_cast<size_t>(item)];
    bool mixes = entry.use == ItemUse::kEquipment || entry.use == ItemUse::kResearch ||
                 entry.use == ItemUse::kBiological;
    bool repeated = false;
    for (const GoodsLine& line : declaration.lines) repeated |= line.item == item;
    if (l > 0 && (mixes || repeated)) continue;
    std::optional<GoodsLine> line = AdmissionLine(declaration, item, nullptr, &admission);
    if (line) declaration.lines.push_back(std::move(*line));
  }
  if (declaration.lines.empty()) return false;
  declaration.id = NextDeclarationId();
  // Imports are often invoiced in a trading currency; mainland goods always in CNY.
  if (!domestic && !trade_currencies_.empty() && random_.Chance(kDeclaredForeignCurrencyPpm)) {
    declaration.currency = random_.Pick(trade_currencies_);
  }
  declaration.held = admission.hold || admission.hold_for_test;
  WriteDeclaration(declaration, second);
  AfterAdmission(declaration, admission, second);
  return true;
}

// Scallops, tuna, kombu or fish from a Japanese prefecture: mostly from one the zone admits
// (held for a radiation test where the profile says so), sometimes from a banned one (refused).
bool GoodsDay::DeclareJapaneseAquatic(int32_t second, int party) {
  bool banned = !japanese_banned_origins_.empty() && random_.Chance(kBannedPrefecturePpm);
  std::string origin =
      banned ? random_.Pick(japanese_banned_origins_) : random_.Pick(japanese_safe_origins_);
  int item = FindCatalogueItem(random_.Pick(kJapaneseAquaticSkus));
  Declaration declaration;
  declaration.kind = Kind::kFirstLineIn;
  declaration.party = party;
  Admission admission;
  std::optional<GoodsLine> line = AdmissionLine(declaration, item, &origin, &admission);
  CHECK(line.has_value());
  declaration.lines.push_back(std::move(*line));
  declaration.id = NextDeclarationId();
  declaration.held = admission.hold || admission.hold_for_test;
  WriteDeclaration(declaration, second);
  AfterAdmission(declaration, admission, second);
  return true;
}

std::string GoodsDay::ChoosePurpose(const Party& party, int item) {
  const CatalogueItem& entry = Catalogue()[static_cast<size_t>(item)];
  std::vector<std::string> tags;
  if (entry.use == ItemUse::kBiological) tags.push_back("biological_sample");
  for (const std::string& purpose : view_.tax_free_purposes()) {
    GoodsQuery query{"first_line_in", entry.hs_code, entry.origins[0], std::nullopt,
                     &tags,           &party.lists,  purpose};
    if (view_.Forecast(query).tax_free) return purpose;
  }
  return "";
}

// One admitted line with an origin the rules do not ban (or `origin` when given), the
// certificates they require (rarely one missing, on purpose), and the book entry it will add to.
// Updates `admission` with what the rules are forecast to do.
GoodsForecast GoodsDay::ForecastLine(const Declaration& declaration, const GoodsLine& line) const {
  const CatalogueItem& entry = Catalogue()[static_cast<size_t>(line.item)];
  std::vector<std::string> tags;
  if (entry.use == ItemUse::kBiological) tags.push_back("biological_sample");
  GoodsQuery query{KindName(declaration.kind),
                   entry.hs_code,
                   line.origin,
                   line.produced_on,
                   &tags,
                   &parties_[static_cast<size_t>(declaration.party)].lists,
                   declaration.purpose};
  return view_.Forecast(query);
}

// Goods leaving the book carry the certificates the rules ask for on their way out (the mainland
// rules on Japanese aquatic products apply at the second line out too); a trader does not declare
// goods that a rule would stop or hold there.
bool GoodsDay::ClearForWithdrawal(const Declaration& declaration, GoodsLine* line) const {
  GoodsForecast forecast = ForecastLine(declaration, *line);
  if (forecast.banned || forecast.hold || forecast.hold_for_test) return false;
  line->certificates = forecast.certificates;
  return true;
}

std::optional<GoodsLine> GoodsDay::AdmissionLine(const Declaration& declaration, int item,
                                                 const std::string* origin, Admission* admission) {
  const CatalogueItem& entry = Catalogue()[static_cast<size_t>(item)];
  size_t origin_count = 0;
  while (origin_count < 5 && entry.origins[origin_count] != nullptr) ++origin_count;
  GoodsLine line;
  line.item = item;
  if (IsFood(entry)) line.produced_on = view_.date() - static_cast<Date>(random_.Uniform(2, 40));
  GoodsForecast forecast;
  for (int attempt = 0; attempt < 4; ++attempt) {
    line.origin = origin != nullptr ? *origin : entry.origins[random_.Index(origin_count)];
    forecast = ForecastLine(declaration, line);
    if (!forecast.banned || origin != nullptr) break;
  }
  if (forecast.banned && origin == nullptr) return std::nullopt;
  admission->refused |= forecast.banned;
  admission->hold_for_test |= forecast.hold_for_test;
  admission->hold |= forecast.hold;
  line.certificates = forecast.certificates;
  if (!line.certificates.empty() && random_.Chance(kMissingCertificatePpm)) {
    line.certificates.erase(line.certificates.begin() +
                            static_cast<std::ptrdiff_t>(random_.Index(line.certificates.size())));
    admission->refused = true;
  }
  if (line.certificates.empty() && IsFood(entry)) line.certificates = {"health", "origin"};
  int64_t quantity = random_.Uniform(entry.lot_min_milli, entry.lot_max_milli);
  line.quantity_milli = entry.Whole() ? std::max<int64_t>(1000, quantity / 1000 * 1000)
                                      : std::max<int64_t>(100, quantity / 100 * 100);
  line.value_fen = std::max<int64_t>(
      1, MulDivRoundHalfUp(line.quantity_milli, entry.value_fen * random_.Uniform(900, 1100),
                           1000000));
  std::string status = declaration.kind == Kind::kSecondLineIn ? "domestic"
                       : forecast.tax_free                     ? "tax_free"
                                                               : bonded_status_;
  line.stock = StockFor(declaration.party, item, status, line.origin);
  if (!stocks_[line.stock].produced_on) stocks_[line.stock].produced_on = line.produced_on;
  return line;
}

// Goods leaving the book: through the second line (sold to the mainland), the first line
// (re-exported), consumed in the zone, or scrapped.
bool GoodsDay::DeclareWithdrawal(int32_t second, Kind kind) {
  bool prefer_processed = kind == Kind::kSecondLineOut && random_.Chance(kPreferProcessedPpm);
  auto wanted = [&](const Stock& stock, bool processed_only) {
    const CatalogueItem& item = Catalogue()[static_cast<size_t>(stock.item)];
    if (stock.available_milli < (item.Whole() ? 1000 : 100)) return false;
    if (processed_only && !stock.processed) return false;
    if (kind == Kind::kConsume) {
      return stock.status == "domestic" ||
             (stock.status == "tax_free" && item.use == ItemUse::kResearch);
    }
    return stock.status == bonded_status_;
  };
  std::optional<size_t> index;
  if (prefer_processed) index = PickStock([&](const Stock& stock) { return wanted(stock, true); });
  if (!index) index = PickStock([&](const Stock& stock) { return wanted(stock, false); });
  if (!index) return false;
  Stock& stock = stocks_[*index];
  Declaration declaration;
  declaration.kind = kind;
  declaration.party = stock.party;
  GoodsLine line;
  line.item = stock.item;
  line.stock = *index;
  line.origin = stock.processed ? "CN" : stock.origin;
  line.quantity_milli =
      kind == Kind::kScrap ? WithdrawalQuantity(stock, 1, 5) : WithdrawalQuantity(stock, 20, 80);
  // Processed goods sell at 1.3-2.1 times their input cost, so that most, not all, reach 30 %
  // value added; traded goods at their customs value plus a margin.
  int64_t markup_percent = stock.processed ? random_.Uniform(130, 210) : random_.Uniform(100, 130);
  line.value_fen = std::max<int64_t>(
      1, MulDivRoundHalfUp(line.quantity_milli, stock.unit_value_fen * markup_percent, 100000));
  line.produced_on = stock.produced_on;
  if (!ClearForWithdrawal(declaration, &line)) return false;
  stock.available_milli -= line.quantity_milli;
  if (kind == Kind::kConsume || kind == Kind::kScrap) stock.physical_milli -= line.quantity_milli;
  declaration.lines.push_back(std::move(line));
  declaration.id = NextDeclarationId();
  WriteDeclaration(declaration, second);
  AfterWithdrawal(declaration, second);
  return true;
}

// Bonded goods sold to another party in the zone; posted at once, no gate.
bool GoodsDay::DeclareTransfer(int32_t second) {
  if (parties_.size() < 2) return false;
  std::optional<size_t> index = PickStock([&](const Stock& stock) {
    const CatalogueItem& item = Catalogue()[static_cast<size_t>(stock.item)];
    return stock.status == bonded_status_ && stock.available_milli >= (item.Whole() ? 1000 : 100);
  });
  if (!index) return false;
  int counterparty = static_cast<int>(random_.Index(parties_.size() - 1));
  if (counterparty >= stocks_[*index].party) ++counterparty;
  Stock source = stocks_[*index];  // a copy: StockFor may grow stocks_
  auto existing = stock_index_.find(static_cast<uint64_t>(counterparty) << 32 |
                                    static_cast<uint32_t>(source.item));
  if (existing != stock_index_.end() && stocks_[existing->second].status != source.status) {
    return false;
  }
  Declaration declaration;
  declaration.kind = Kind::kTransfer;
  declaration.party = source.party;
  declaration.counterparty = counterparty;
  GoodsLine line;
  line.item = source.item;
  line.origin = source.processed ? "CN" : source.origin;
  line.quantity_milli = WithdrawalQuantity(source, 20, 60);
  line.value_fen =
      std::max<int64_t>(1, MulDivRoundHalfUp(line.quantity_milli, source.unit_value_fen, 1000));
  line.produced_on = source.produced_on;
  if (!ClearForWithdrawal(declaration, &line)) return false;
  stocks_[*index].available_milli -= line.quantity_milli;
  stocks_[*index].physical_milli -= line.quantity_milli;
  size_t target = StockFor(counterparty, source.item, source.status, source.origin);
  stocks_[target].processed = source.processed;
  if (!stocks_[target].produced_on) stocks_[target].produced_on = source.produced_on;
  Receive(target, line.quantity_milli, line.value_fen);
  line.stock = *index;
  declaration.lines.push_back(std::move(line));
  declaration.id = NextDeclarationId();
  WriteDeclaration(declaration, second);
  return true;
}

// Refused goods leave the way SPEC behaviour 10 allows: scrapped, or returned through the first
// line. They never entered the book, so nothing is drawn from it.
void GoodsDay::WriteFollowup(int32_t second) {
  Followup followup = std::move(followups_.front());
  followups_.pop_front();
  Declaration declaration;
  declaration.kind = followup.kind;
  declaration.party = followup.party;
  declaration.lines.push_back(std::move(followup.line));
  declaration.lines.back().certificates.clear();
  declaration.id = NextDeclarationId();
  WriteDeclaration(declaration, second);
  if (declaration.kind == Kind::kFirstLineOut) {
    ScheduleRelease(declaration, second + Seconds(random_, 15, 90), false);
  }
}

void GoodsDay::AfterAdmission(const Declaration& declaration, const Admission& admission,
                              int32_t second) {
  if (admission.refused) return;  // the trader takes the rejection; nothing passes a gate
  if (random_.Chance(kCancelPpm)) {
    WriteCancel(declaration, second + Seconds(random_, 5, 60));
    return;
  }
  if (!admission.hold_for_test && !admission.hold) {
    ScheduleRelease(declaration, second + Seconds(random_, 15, 120), true);
    return;
  }
  // Held: the laboratory or the officer decides, then the goods pass or must leave again.
  bool radiation = admission.hold_for_test;
  int32_t inspected = second + (radiation ? Seconds(random_, 120, 300) : Seconds(random_, 30, 120));
  bool pass = !random_.Chance(radiation ? kTestFailPpm : kInspectionFailPpm);
  WriteInspection(declaration, radiation, pass, inspected);
  if (pass) {
    ScheduleRelease(declaration, inspected + Seconds(random_, 15, 45), true);
    return;
  }
  Followup followup;
  followup.earliest = inspected + Seconds(random_, 10, 60);
  followup.kind = random_.Chance(700000) ? Kind::kScrap : Kind::kFirstLineOut;
  followup.party = declaration.party;
  followup.line = declaration.lines.front();
  followups_.push_back(std::move(followup));
}

void GoodsDay::AfterWithdrawal(const Declaration& declaration, int32_t second) {
  if (declaration.kind != Kind::kSecondLineOut && declaration.kind != Kind::kFirstLineOut) return;
  if (random_.Chance(kCancelPpm)) {
    int32_t cancelled = second + Seconds(random_, 5, 60);
    WriteCancel(declaration, cancelled);
    for (const GoodsLine& line : declaration.lines) {
      Schedule({cancelled, 0, ActionKind::kPost, line.stock, line.quantity_milli, 0, 0});
    }
    return;
  }
  ScheduleRelease(declaration, second + Seconds(random_, 15, 120), true);
}

// ---------------------------------------------------------------------------------------------
// Commands

void GoodsDay::WriteDeclaration(const Declaration& declaration, int32_t second) {
  int64_t cny_per_unit = *view_.CnyPerUnit(declaration.currency);
  std::string members;
  JsonWriter writer(&members);
  writer.Key("type").String("declare").Key("declaration").BeginObject();
  writer.Key("id").String(declaration.id).Key("kind").String(KindName(declaration.kind));
  writer.Key("declarant").String(parties_[static_cast<size_t>(declaration.party)].id);
  if (declaration.counterparty >= 0) {
    writer.Key("counterparty").String(parties_[static_cast<size_t>(declaration.counterparty)].id);
  }
  if (!declaration.purpose.empty()) writer.Key("purpose").String(declaration.purpose);
  writer.Key("lines").BeginArray();
  for (const GoodsLine& line : declaration.lines) {
    writer.BeginObject().Key("sku").String(Catalogue()[static_cast<size_t>(line.item)].sku);
    writer.Key("qty").String(FormatQuantity(line.quantity_milli));
    writer.Key("value").String(
        FormatMoney(std::max<int64_t>(1, line.value_fen * 1000000 / cny_per_unit)));
    writer.Key("currency").String(declaration.currency).Key("origin").String(line.origin);
    if (line.produced_on) writer.Key("produced_on").String(FormatDate(*line.produced_on));
    writer.Key("certificates").BeginArray();
    for (const std::string& certificate : line.certificates) writer.String(certificate);
    writer.EndArray().EndObject();
  }
  writer.EndArray().EndObject();
  size_t index = log_->Add(second, CommandKind::kDeclare, std::move(members));
  // The engine samples declarations whose goods cross a gate and that no rule holds already.
  bool crosses =
      declaration.kind == Kind::kFirstLineIn || declaration.kind == Kind::kFirstLineOut ||
      declaration.kind == Kind::kSecondLineIn || declaration.kind == Kind::kSecondLineOut;
  if (crosses && !declaration.held) {
    log_->SetSampling(index, declaration.id, SamplingRatePpm(declaration.party));
  }
}

int64_t GoodsDay::SamplingRatePpm(int party) const {
  const policy::GoodsPolicy& goods = view_.profile().goods;
  switch (parties_[static_cast<size_t>(party)].credit) {
    case policy::Credit::kAdvanced:
      return goods.sampling_advanced_ppm;
    case policy::Credit::kGeneral:
      return goods.sampling_general_ppm;
    case policy::Credit::kDishonest:
      return goods.sampling_dishonest_ppm;
  }
  return 0;
}

void GoodsDay::WriteCancel(const Declaration& declaration, int32_t second) {
  std::string members;
  JsonWriter writer(&members);
  writer.Key("type").String("cancel").Key("declaration").String(declaration.id);
  log_->Add(second, CommandKind::kCancel, std::move(members));
}

void GoodsDay::WriteInspection(const Declaration& declaration, bool radiation, bool pass,
                               int32_t second) {
  std::string members;
  JsonWriter writer(&members);
  writer.Key("type").String("inspect").Key("declaration").String(declaration.id);
  if (radiation && !view_.profile().goods.radiation_limits.empty()) {
    WriteMeasurements(pass, writer);
  } else {
    writer.Key("result").String(pass ? "pass" : "fail");
  }
  log_->Add(second, CommandKind::kInspect, std::move(members));
}

// Laboratory results in Bq/kg: a few becquerels for a passing lot (what Hong Kong's tests find),
// 1.1-1.6 times the first limit group's maximum, split over its nuclides, for a failing one.
void GoodsDay::WriteMeasurements(bool pass, JsonWriter& writer) {
  const policy::RadiationLimit& limit = view_.profile().goods.radiation_limits.front();
  int64_t failing_total = pass ? 0 : limit.max_milli_bq_per_kg * random_.Uniform(110, 160) / 100;
  writer.Key("measurements").BeginArray();
  for (const char* nuclide : {"I-131", "Cs-134", "Cs-137"}) {
    bool in_group =
        std::find(limit.nuclides.begin(), limit.nuclides.end(), nuclide) != limit.nuclides.end();
    int64_t milli = random_.Uniform(0, std::string_view(nuclide) == "I-131" ? 500 : 3000);
    if (in_group && failing_total > 0) {
      milli = failing_total / static_cast<int64_t>(limit.nuclides.size()) + milli;
    }
    writer.BeginObject().Key("nuclide").String(nuclide);
    writer.Key("bq_per_kg").String(FormatQuantity(milli)).EndObject();
  }
  writer.EndArray();
}

// Puts the declaration on a truck at a goods gate of its line — one leaving within half an hour
// after the goods are ready, or a new one — and, with `book`, posts the goods to the book when the
// truck passes.
void GoodsDay::ScheduleRelease(const Declaration& declaration, int32_t ready, bool book) {
  Line line = declaration.kind == Kind::kFirstLineIn || declaration.kind == Kind::kFirstLineOut
                  ? Line::kFirst
                  : Line::kSecond;
  const policy::Gate* gate = random_.Pick(view_.goods_gates(line));
  ready = std::min(ready, kStocktakeStart - 1);
  auto open = open_truck_by_gate_.find(gate->id);
  size_t truck_index = trucks_.size();
  if (open != open_truck_by_gate_.end()) {
    const Truck& truck = trucks_[open->second];
    if (truck.second >= ready && truck.second <= ready + 30 * kMinute &&
        truck.declarations.size() < kTruckDeclarationsMax && random_.Chance(kTruckSharePpm)) {
      truck_index = open->second;
    }
  }
  if (truck_index == trucks_.size()) {
    Truck truck;
    truck.second = ready;
    truck.gate = gate->id;
    if (random_.Chance(kVehiclePpm)) truck.vehicle = VehicleId(view_.Outside(line), random_);
    truck.log_index = log_->Add(ready, CommandKind::kRelease, std::string());
    trucks_.push_back(std::move(truck));
    open_truck_by_gate_[gate->id] = truck_index;
  }
  Truck& truck = trucks_[truck_index];
  truck.declarations.push_back(declaration.id);
  if (!book) return;
  bool admission =
      declaration.kind == Kind::kFirstLineIn || declaration.kind == Kind::kSecondLineIn;
  for (const GoodsLine& entry : declaration.lines) {
    if (admission) {
      Schedule({truck.second, 0, ActionKind::kPost, entry.stock, entry.quantity_milli,
                entry.quantity_milli, entry.value_fen});
    } else {
      Schedule({truck.second, 0, ActionKind::kPost, entry.stock, 0, -entry.quantity_milli, 0});
    }
  }
}

void GoodsDay::RenderTrucks() {
  for (const Truck& truck : trucks_) {
    std::string members;
    JsonWriter writer(&members);
    writer.Key("type").String("release").Key("gate").String(truck.gate);
    if (!truck.vehicle.empty()) writer.Key("vehicle").String(truck.vehicle);
    writer.Key("declarations").BeginArray();
    for (const std::string& id : truck.declarations) writer.String(id);
    writer.EndArray();
    log_->Replace(truck.log_index, std::move(members));
    log_->SetReleased(truck.log_index, truck.declarations);
  }
}

// Each party with goods counts what it holds; about one line in eight differs from the book by
// 0.5-3 % (at least one piece), mostly short.
void GoodsDay::WriteStocktakes() {
  std::vector<std::vector<size_t>> by_party(parties_.size());
  for (size_t i = 0; i < stocks_.size(); ++i) {
    if (stocks_[i].physical_milli > 0) by_party[static_cast<size_t>(stocks_[i].party)].push_back(i);
  }
  int32_t second = kStocktakeStart;
  size_t written = 0;
  for (size_t p = 0; p < parties_.size() && written < kStocktakePartiesMax; ++p) {
    if (by_party[p].empty()) continue;
    std::string members;
    JsonWriter writer(&members);
    writer.Key("type").String("stocktake").Key("party").String(parties_[p].id);
    writer.Key("counts").BeginArray();
    for (size_t index : by_party[p]) {
      const Stock& stock = stocks_[index];
      const CatalogueItem& item = Catalogue()[static_cast<size_t>(stock.item)];
      int64_t counted = stock.physical_milli;
      if (random_.Chance(kStocktakeDifferencePpm)) {
        int64_t difference = counted * random_.Uniform(5, 30) / 1000;
        difference = item.Whole() ? std::max<int64_t>(1000, difference / 1000 * 1000)
                                  : std::max<int64_t>(1, difference);
        counted += random_.Chance(kShortagePpm) ? -std::min(difference, counted) : difference;
      }
      writer.BeginObject().Key("sku").String(item.sku);
      writer.Key("qty").String(FormatQuantity(counted)).EndObject();
    }
    writer.EndArray();
    log_->Add(second, CommandKind::kStocktake, std::move(members));
    second = std::min(second + 7, kSecondsPerDay - 1);
    ++written;
  }
}

// ---------------------------------------------------------------------------------------------
// The book

size_t GoodsDay::StockFor(int party, int item, const std::string& status,
                          const std::string& origin) {
  uint64_t key = static_cast<uint64_t>(party) << 32 | static_cast<uint32_t>(item);
  auto found = stock_index_.find(key);
  if (found != stock_index_.end()) return found->second;
  Stock stock;
  stock.party = party;
  stock.item = item;
  stock.status = status;
  stock.origin = origin;
  stock.processed = Catalogue()[static_cast<size_t>(item)].use == ItemUse::kProcessOutput;
  stocks_.push_back(std::move(stock));
  stock_index_.emplace(key, stocks_.size() - 1);
  return stocks_.size() - 1;
}

// A random entry that `wanted` accepts: a few random probes, then a scan from a random start, so
// that picking stays cheap with thousands of entries and still finds a rare one.
std::optional<size_t> GoodsDay::PickStock(const std::function<bool(const Stock&)>& wanted) {
  if (stocks_.empty()) return std::nullopt;
  for (int probe = 0; probe < 16; ++probe) {
    size_t index = random_.Index(stocks_.size());
    if (wanted(stocks_[index])) return index;
  }
  size_t start = random_.Index(stocks_.size());
  for (size_t k = 0; k < stocks_.size(); ++k) {
    size_t index = (start + k) % stocks_.size();
    if (wanted(stocks_[index])) return index;
  }
  return std::nullopt;
}

// low_percent to high_percent of the available quantity: whole pieces (at least one) for items
// counted in pieces, thousandths otherwise; never more than is available.
int64_t GoodsDay::WithdrawalQuantity(const Stock& stock, int64_t low_percent,
                                     int64_t high_percent) {
  const CatalogueItem& item = Catalogue()[static_cast<size_t>(stock.item)];
  int64_t quantity = stock.available_milli * random_.Uniform(low_percent, high_percent) / 100;
  quantity = item.Whole() ? std::max<int64_t>(1000, quantity / 1000 * 1000)
                          : std::max<int64_t>(1, quantity);
  return std::min(quantity, stock.available_milli);
}

// Goods arriving in an entry: free and physically present, with the entry's unit value
// re-averaged over what it physically holds.
void GoodsDay::Receive(size_t index, int64_t quantity_milli, int64_t value_fen) {
  Stock& stock = stocks_[index];
  int64_t total_value =
      MulDivRoundHalfUp(std::max<int64_t>(0, stock.physical_milli), stock.unit_value_fen, 1000) +
      value_fen;
  stock.available_milli += quantity_milli;
  stock.physical_milli += quantity_milli;
  if (stock.physical_milli > 0) {
    stock.unit_value_fen = MulDivRoundHalfUp(total_value, 1000, stock.physical_milli);
  }
}

void GoodsDay::Schedule(Action action) {
  action.sequence = action_sequence_++;
  actions_.push(action);
}

void GoodsDay::FireActions(int32_t until) {
  while (!actions_.empty() && actions_.top().second <= until) {
    Action action = actions_.top();
    actions_.pop();
    if (action.kind == ActionKind::kProcess) {
      RunProcess(action);
    } else {
      Post(action);
    }
  }
}

void GoodsDay::Post(const Action& action) {
  if (action.value_fen == 0) {
    stocks_[action.stock].available_milli += action.available_delta;
    stocks_[action.stock].physical_milli += action.physical_delta;
    return;
  }
  Receive(action.stock, action.physical_delta, action.value_fen);
  // An admitted process input is usually worked on within a few hours by a party in that trade.
  const Stock& stock = stocks_[action.stock];
  const Recipe* recipe = RecipeUsing(stock.item);
  if (recipe == nullptr || stock.status != bonded_status_) return;
  Role role = parties_[static_cast<size_t>(stock.party)].role;
  if (!(Catalogue()[static_cast<size_t>(recipe->output)].roles & RoleBit(role))) return;
  int32_t start = action.second + Seconds(random_, 30, 150);
  if (start <= kProcessLatest && random_.Chance(kProcessPpm)) {
    Schedule({start, 0, ActionKind::kProcess, action.stock, 0, 0, 0});
  }
}

// Turns 50-90 % of the free input into whole products, with one piece of mainland packaging each
// when the party holds enough; each product costs the inputs it took.
void GoodsDay::RunProcess(const Action& action) {
  const Recipe& recipe = *RecipeUsing(stocks_[action.stock].item);
  int party = stocks_[action.stock].party;
  int64_t units =
      stocks_[action.stock].available_milli * random_.Uniform(50, 90) / 100 / recipe.main_milli;
  if (units < 1) return;
  std::optional<size_t> packaging;
  auto found = stock_index_.find(static_cast<uint64_t>(party) << 32 |
                                 static_cast<uint32_t>(recipe.packaging));
  if (recipe.packaging >= 0 && found != stock_index_.end() &&
      stocks_[found->second].available_milli >= recipe.packaging_milli) {
    packaging = found->second;
    units = std::min(units, stocks_[found->second].available_milli / recipe.packaging_milli);
  }
  std::vector<std::pair<int, int64_t>> inputs;
  int64_t cost_fen = 0;
  auto take = [&](size_t index, int64_t milli_per_unit) {
    Stock& stock = stocks_[index];
    int64_t quantity = units * milli_per_unit;
    stock.available_milli -= quantity;
    stock.physical_milli -= quantity;
    cost_fen += MulDivRoundHalfUp(quantity, stock.unit_value_fen, 1000);
    inputs.emplace_back(stock.item, quantity);
  };
  take(action.stock, recipe.main_milli);
  if (packaging) take(*packaging, recipe.packaging_milli);
  size_t output = StockFor(party, recipe.output, bonded_status_, "CN");
  Receive(output, units * 1000, cost_fen);
  WriteProcess(party, inputs, recipe.output, units * 1000, action.second);
}

void GoodsDay::WriteProcess(int party, const std::vector<std::pair<int, int64_t>>& inputs,
                            int output, int64_t output_milli, int32_t second) {
  char number[24];
  std::snprintf(number, sizeof number, "PR-%05d", ++process_count_);
  std::string members;
  JsonWriter writer(&members);
  writer.Key("type").String("process").Key("process").BeginObject();
  writer.Key("id").String(options_.id_prefix + number);
  writer.Key("declarant").String(parties_[static_cast<size_t>(party)].id);
  writer.Key("inputs").BeginArray();
  for (const auto& [item, quantity] : inputs) {
    writer.BeginObject().Key("sku").String(Catalogue()[static_cast<size_t>(item)].sku);
    writer.Key("qty").String(FormatQuantity(quantity)).EndObject();
  }
  writer.EndArray().Key("outputs").BeginArray();
  writer.BeginObject().Key("sku").String(Catalogue()[static_cast<size_t>(output)].sku);
  writer.Key("qty").String(FormatQuantity(output_milli)).EndObject();
  writer.EndArray().EndObject();
  log_->Add(second, CommandKind::kProcess, std::move(members));
}

}  // namespace

void WriteCatalogue(const ZoneView& view, CommandLog* log) {
  // Fresh food carries the tag the profile's quota rule looks for, and "fresh_food" as well: the
  // SPEC's standard name, which the allowance leaves to the quota rule.
  std::string fresh_food_tag = view.fresh_food() != nullptr ? view.fresh_food()->item_tag : "";
  for (const CatalogueItem& item : Catalogue()) {
    std::string members;
    JsonWriter writer(&members);
    writer.Key("type").String("register_item").Key("item").BeginObject();
    writer.Key("sku").String(item.sku).Key("hs_code").String(item.hs_code);
    writer.Key("description").String(item.description).Key("unit").String(item.unit);
    writer.Key("tags").BeginArray();
    if (item.use == ItemUse::kFreshFood) {
      writer.String("fresh_food");
      if (!fresh_food_tag.empty() && fresh_food_tag != "fresh_food") writer.String(fresh_food_tag);
    }
    if (item.use == ItemUse::kBiological) writer.String("biological_sample");
    writer.EndArray().EndObject();
    log->Add(kRegistryStart, CommandKind::kRegisterItem, std::move(members));
  }
}

void SimulateGoods(const ZoneView& view, const SimulationOptions& options, int consignments,
                   Random& random, CommandLog* log) {
  if (consignments <= 0) return;
  CHECK(view.HasGoodsTraffic());
  GoodsDay day(view, options, consignments, random, log);
  day.Run();
}

}  // namespace twoline::sim
