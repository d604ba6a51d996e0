// Catalogue: the goods a simulated day trades, carries and processes — a realistic sample across HS
// chapters (essential oils, cosmetics, wine, integrated circuits, computers, laboratory
// instruments, reagents and biological samples, fish and shellfish, seaweed, garments, amusement
// equipment, fresh food carried by Macao residents, mainland packaging), with a typical customs
// value per unit, the countries they come from, the size of a consignment, and which kinds of
// enterprise deal in them; plus the processing recipes that turn imported inputs into products.
//
// Values are sample data for a demonstration, in fen per unit, never floating point.
// Invariants: skus are unique; every recipe names catalogue items; quantities are in thousandths.
// Thread-safety: immutable static data.
#pragma once

#include <cstdint>
#include <string_view>
#include <vector>

namespace twoline::sim {

// What an item is for in a simulated day.
enum class ItemUse : uint8_t {
  kTrade,          // bought abroad, stored bonded, sold on
  kProcessInput,   // imported material for zone processing
  kProcessOutput,  // made in the zone from process inputs
  kEquipment,      // machinery and instruments for a party's own use
  kResearch,       // reagents and consumables
  kBiological,     // biological samples (tagged biological_sample)
  kAquatic,        // fish, shellfish, seaweed
  kFreshFood,      // carried across the first line by Macao residents (tagged as fresh food)
  kDomestic,       // mainland goods entering through the second line
};

// The business of a party: which goods it declares.
enum class Role : uint8_t {
  kCosmetics,
  kWine,
  kElectronics,
  kSeafood,
  kResearch,
  kRetail,
  kLeisure,
  kIndustrial,
  kLogistics,
};
inline constexpr int kRoleCount = 9;
inline constexpr uint32_t RoleBit(Role role) { return 1u << static_cast<int>(role); }

struct CatalogueItem {
  const char* sku;
  const char* hs_code;
  const char* description;
  const char* unit;  // "kg", "pcs" or "l"
  ItemUse use;
  bool carried;            // travellers buy it and carry it across a line
  int64_t value_fen;       // typical customs value of one unit
  const char* origins[5];  // ISO 3166 codes; nullptr-terminated when fewer
  int64_t lot_min_milli;   // a consignment's quantity range
  int64_t lot_max_milli;
  uint32_t roles;                                // RoleBit()s of the parties that deal in it
  bool Whole() const { return unit[0] == 'p'; }  // counted in pieces, never fractions
};

// One unit of `output` is made from `main_milli` of `main_input` and, when the party holds it,
// `packaging_milli` of mainland `packaging`.
struct Recipe {
  int output;
  int main_input;
  int64_t main_milli;
  int packaging;  // -1 when none
  int64_t packaging_milli;
};

const std::vector<CatalogueItem>& Catalogue();
const std::vector<Recipe>& Recipes();
// Index of `sku` in Catalogue(), -1 when absent.
int FindCatalogueItem(std::string_view sku);
// The recipe whose main input is catalogue item `item`, nullptr when none.
const Recipe* RecipeUsing(int item);
// The recipe that makes catalogue item `item`, nullptr when none.
const Recipe* RecipeMaking(int item);

}  // namespace twoline::sim
