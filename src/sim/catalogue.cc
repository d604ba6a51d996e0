#include "sim/catalogue.h"

namespace twoline::sim {
namespace {

constexpr uint32_t kCosmetics = RoleBit(Role::kCosmetics);
constexpr uint32_t kWine = RoleBit(Role::kWine);
constexpr uint32_t kElectronics = RoleBit(Role::kElectronics);
constexpr uint32_t kSeafood = RoleBit(Role::kSeafood);
constexpr uint32_t kResearch = RoleBit(Role::kResearch);
constexpr uint32_t kRetail = RoleBit(Role::kRetail);
constexpr uint32_t kLeisure = RoleBit(Role::kLeisure);
constexpr uint32_t kIndustrial = RoleBit(Role::kIndustrial);
constexpr uint32_t kLogistics = RoleBit(Role::kLogistics);
constexpr uint32_t kEveryone = (1u << kRoleCount) - 1;

constexpr int64_t kKilo = 1000;  // thousandths per unit

// HS codes are 2022 nomenclature subheadings. Amusement rides are heading 9508 (the heading the
// Hengqin tax-free list names), arcade game machines 9504; both are here so that a profile's
// HS-prefix rules have something to tell apart.
const std::vector<CatalogueItem>& BuildItems() {
  // A function-local static: initialised on first use, never before main, safe across threads.
  // clang-format off
  // sku, HS code, description, unit, use, carried, value (fen per unit), origins,
  // consignment quantity range (thousandths), the roles that deal in it.
  static const std::vector<CatalogueItem> items = {
      {"OIL-LAVENDER", "3301.29", "Lavender essential oil",
       "kg", ItemUse::kProcessInput, false, 68000, {"FR", "BG"},
       20 * kKilo, 200 * kKilo, kCosmetics | kLogistics},
      {"CREAM-FACE", "3304.99", "Face cream, 50 ml jar",
       "pcs", ItemUse::kTrade, true, 9000, {"FR", "KR", "JP"},
       500 * kKilo, 5000 * kKilo, kCosmetics | kRetail},
      {"CREAM-ZONE", "3304.99", "Face cream made in the zone, 50 ml jar",
       "pcs", ItemUse::kProcessOutput, false, 0, {"CN"},
       0, 0, kCosmetics},
      {"LIPSTICK", "3304.10", "Lipstick",
       "pcs", ItemUse::kTrade, true, 9000, {"FR", "KR", "JP"},
       500 * kKilo, 5000 * kKilo, kCosmetics | kRetail | kLogistics},
      {"PERFUME", "3303.00", "Perfume, 100 ml",
       "pcs", ItemUse::kTrade, true, 42000, {"FR", "IT"},
       100 * kKilo, 2000 * kKilo, kCosmetics | kRetail},
      {"WINE-BORDEAUX", "2204.21", "Red wine, Bordeaux, 75 cl bottle",
       "pcs", ItemUse::kTrade, true, 16000, {"FR"},
       600 * kKilo, 6000 * kKilo, kWine | kRetail | kLogistics},
      {"WINE-PORTO", "2204.21", "Port wine, 75 cl bottle",
       "pcs", ItemUse::kTrade, true, 12000, {"PT"},
       600 * kKilo, 4800 * kKilo, kWine | kRetail},
      {"WINE-BULK", "2204.29", "Red wine in bulk (flexitank)",
       "l", ItemUse::kProcessInput, false, 2800, {"AU", "CL", "ES"},
       5000 * kKilo, 24000 * kKilo, kWine},
      {"WINE-ZONE", "2204.21", "Red wine bottled in the zone, 75 cl",
       "pcs", ItemUse::kProcessOutput, false, 0, {"CN"},
       0, 0, kWine},
      {"GLASS-CONTAINER", "7010.90", "Glass jars and bottles, mainland-made",
       "pcs", ItemUse::kDomestic, false, 180, {"CN"},
       5000 * kKilo, 50000 * kKilo, kCosmetics | kWine},
      {"IC-MCU", "8542.31", "Microcontroller integrated circuits",
       "pcs", ItemUse::kProcessInput, false, 2800, {"KR", "JP", "MY", "SG", "US"},
       5000 * kKilo, 100000 * kKilo, kElectronics | kLogistics},
      {"PCB-BOARD", "8534.00", "Printed circuit boards, mainland-made",
       "pcs", ItemUse::kDomestic, false, 12000, {"CN"},
       500 * kKilo, 5000 * kKilo, kElectronics},
      {"SERVER-EDGE", "8471.50", "Edge computing server assembled in the zone",
       "pcs", ItemUse::kProcessOutput, false, 0, {"CN"},
       0, 0, kElectronics},
      {"LAPTOP", "8471.30", "Laptop computer",
       "pcs", ItemUse::kTrade, true, 650000, {"VN", "MY", "TH", "JP"},
       50 * kKilo, 500 * kKilo, kElectronics | kRetail | kLogistics},
      {"PHONE", "8517.13", "Smartphone",
       "pcs", ItemUse::kTrade, true, 520000, {"VN", "KR", "IN"},
       100 * kKilo, 2000 * kKilo, kElectronics | kRetail | kLogistics},
      {"MASS-SPECTROMETER", "9027.81", "Mass spectrometer",
       "pcs", ItemUse::kEquipment, false, 180000000, {"DE", "US", "JP", "GB"},
       1 * kKilo, 2 * kKilo, kResearch | kIndustrial},
      {"PCR-ANALYSER", "9027.80", "Real-time PCR analyser",
       "pcs", ItemUse::kEquipment, false, 38000000, {"US", "DE", "SG"},
       1 * kKilo, 4 * kKilo, kResearch},
      {"MICROSCOPE", "9011.80", "Confocal laser scanning microscope",
       "pcs", ItemUse::kEquipment, false, 260000000, {"DE", "JP"},
       1 * kKilo, 1 * kKilo, kResearch},
      {"REACTOR-HX", "8419.89", "Heat-treatment reactor for a pilot line",
       "pcs", ItemUse::kEquipment, false, 45000000, {"DE", "JP", "IT"},
       1 * kKilo, 3 * kKilo, kIndustrial | kElectronics | kCosmetics},
      {"RIDE-SIMULATOR", "9508.24", "Motion simulator ride",
       "pcs", ItemUse::kEquipment, false, 800000000, {"NL", "IT", "DE", "US"},
       1 * kKilo, 1 * kKilo, kLeisure},
      {"ARCADE-MACHINE", "9504.30", "Coin-operated arcade game machine",
       "pcs", ItemUse::kTrade, false, 3500000, {"JP"},
       5 * kKilo, 40 * kKilo, kLeisure | kRetail},
      {"REAGENT-PCR", "3822.19", "PCR diagnostic reagent kit, 96 tests",
       "pcs", ItemUse::kResearch, false, 320000, {"US", "DE", "GB"},
       20 * kKilo, 400 * kKilo, kResearch},
      {"ANTIBODY", "3002.15", "Monoclonal antibody, research grade, 100 ug",
       "pcs", ItemUse::kResearch, false, 250000, {"US", "GB", "DE"},
       10 * kKilo, 200 * kKilo, kResearch},
      {"CELL-LINE", "3002.90", "Human cell line, cryopreserved vials",
       "pcs", ItemUse::kBiological, false, 500000, {"HK", "US", "GB"},
       2 * kKilo, 40 * kKilo, kResearch},
      {"SERUM-SAMPLE", "3002.12", "Human serum samples for joint research",
       "pcs", ItemUse::kBiological, false, 80000, {"HK"},
       10 * kKilo, 200 * kKilo, kResearch},
      {"FISH-FROZEN", "0303.89", "Frozen hairtail fish",
       "kg", ItemUse::kAquatic, false, 4500, {"KR", "VN", "IN", "NO", "RU"},
       2000 * kKilo, 20000 * kKilo, kSeafood | kLogistics},
      {"SALMON-CHILLED", "0302.14", "Atlantic salmon, fresh or chilled",
       "kg", ItemUse::kAquatic, false, 9800, {"NO", "CL"},
       500 * kKilo, 5000 * kKilo, kSeafood},
      {"SCALLOP", "0307.22", "Scallops, frozen",
       "kg", ItemUse::kAquatic, false, 15000, {"CA", "US"},
       500 * kKilo, 8000 * kKilo, kSeafood},
      {"SEAWEED-KOMBU", "1212.21", "Dried kombu seaweed",
       "kg", ItemUse::kAquatic, false, 12000, {"KR", "CL"},
       200 * kKilo, 3000 * kKilo, kSeafood},
      {"TUNA-BLUEFIN", "0302.35", "Bluefin tuna, fresh",
       "kg", ItemUse::kAquatic, false, 52000, {"ES", "MT", "AU"},
       100 * kKilo, 1500 * kKilo, kSeafood},
      {"DRESS-COTTON", "6204.42", "Women's cotton dresses",
       "pcs", ItemUse::kTrade, true, 38000, {"IT", "FR", "VN", "BD"},
       200 * kKilo, 3000 * kKilo, kRetail | kLogistics},
      {"HANDBAG-LEATHER", "4202.21", "Leather handbag",
       "pcs", ItemUse::kTrade, true, 1200000, {"IT", "FR"},
       20 * kKilo, 300 * kKilo, kRetail},
      {"WATCH", "9102.11", "Wrist watch",
       "pcs", ItemUse::kTrade, true, 380000, {"CH", "JP"},
       20 * kKilo, 500 * kKilo, kRetail},
      {"MILK-POWDER", "0402.21", "Infant formula milk powder, 800 g tin",
       "pcs", ItemUse::kTrade, true, 30000, {"NL", "NZ", "AU", "IE"},
       500 * kKilo, 5000 * kKilo, kRetail | kLogistics},
      {"VEG-CHOYSUM", "0704.90", "Fresh choy sum",
       "kg", ItemUse::kFreshFood, false, 1800, {"MO"},
       0, 0, 0},
      {"FRUIT-MANGO", "0804.50", "Fresh mangoes",
       "kg", ItemUse::kFreshFood, false, 3000, {"MO"},
       0, 0, 0},
      {"PORK-ROAST", "1602.49", "Cooked roast pork",
       "kg", ItemUse::kFreshFood, false, 12000, {"MO"},
       0, 0, 0},
      {"YOGHURT", "0403.20", "Packaged yoghurt",
       "kg", ItemUse::kFreshFood, false, 4000, {"MO"},
       0, 0, 0},
      {"FLOWERS-CUT", "0603.19", "Cut flowers",
       "kg", ItemUse::kFreshFood, false, 8000, {"MO"},
       0, 0, 0},
      {"CARTON", "4819.10", "Corrugated cartons, mainland-made",
       "pcs", ItemUse::kDomestic, false, 300, {"CN"},
       1000 * kKilo, 20000 * kKilo, kEveryone},
      {"PAPER-A4", "4802.56", "Office paper, A4, ream",
       "pcs", ItemUse::kDomestic, false, 2500, {"CN"},
       100 * kKilo, 1000 * kKilo, kEveryone},
  };
  // clang-format on
  return items;
}

const std::vector<Recipe>& BuildRecipes() {
  static const std::vector<Recipe> recipes = {
      // A jar of cream takes 10 g of essential oil; a bottle 0.75 l of bulk wine; an edge server
      // twelve microcontrollers and one mainland-made board.
      {FindCatalogueItem("CREAM-ZONE"), FindCatalogueItem("OIL-LAVENDER"), 10,
       FindCatalogueItem("GLASS-CONTAINER"), kKilo},
      {FindCatalogueItem("WINE-ZONE"), FindCatalogueItem("WINE-BULK"), 750,
       FindCatalogueItem("GLASS-CONTAINER"), kKilo},
      {FindCatalogueItem("SERVER-EDGE"), FindCatalogueItem("IC-MCU"), 12 * kKilo,
       FindCatalogueItem("PCB-BOARD"), kKilo},
  };
  return recipes;
}

}  // namespace

const std::vector<CatalogueItem>& Catalogue() { return BuildItems(); }

const std::vector<Recipe>& Recipes() { return BuildRecipes(); }

int FindCatalogueItem(std::string_view sku) {
  const std::vector<CatalogueItem>& items = Catalogue();
  for (size_t i = 0; i < items.size(); ++i) {
    if (sku == items[i].sku) return static_cast<int>(i);
  }
  return -1;
}

const Recipe* RecipeUsing(int item) {
  for (const Recipe& recipe : Recipes()) {
    if (recipe.main_input == item) return &recipe;
  }
  return nullptr;
}

const Recipe* RecipeMaking(int item) {
  for (const Recipe& recipe : Recipes()) {
    if (recipe.output == item) return &recipe;
  }
  return nullptr;
}

}  // namespace twoline::sim
