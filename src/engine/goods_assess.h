// Duty and import VAT at the second line (SPEC behaviour 9), from the lots a declaration line
// takes.
//
// Per declaration line, amounts in CNY fen:
//   tax base    = declared value × (bonded quantity / line quantity)      goods still owing duty
//               + admission value of the tax-free slices                  "the taxes that were
//               exempted"
//   customs duty = base × duty rate (longest HS prefix), rounded half up to the fen
//   import VAT   = (base + duty) × VAT rate, rounded half up to the fen
// duty_paid and domestic slices owe nothing. When the profile has a value-added threshold (Hengqin,
// 30%) and every slice was made by zone processing, the line pays no customs duty when
//   (sale value − imported input − mainland input) × 1,000,000 ≥ threshold_ppm × sale value,
// compared exactly in integers; VAT is still due. Line amounts are summed for the declaration.
// Thread-safety: pure functions.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "engine/decision.h"
#include "engine/state.h"
#include "ledger/ledger.h"
#include "policy/profile.h"

namespace twoline::engine {

// What assessment needs to know of a slice a line takes.
struct AssessedSlice {
  ledger::Status status = ledger::Status::kBonded;
  bool processed = false;
  ledger::Amounts amounts;
};

struct LineAssessment {
  bool taxed = false;  // some slice owes duty or VAT
  int64_t base_fen = 0;
  int64_t customs_duty_fen = 0;
  int64_t import_vat_fen = 0;
  int64_t exempted_duty_fen = 0;  // duty not levied under the value-added rule
  std::vector<Reason> notes;      // value-added and tax-free-exit explanations
};

// `line_number` is 1-based and only used in the notes. CHECKs that the profile has a tariff row for
// the item (the loader guarantees a "*" row when the second line is taxed).
// `tax_free_tariff`, when given, is the row the tax-free slices' admission was exempted under (the
// items they were admitted as): their share pays at its rates, not at the declared item's.
// `inputs_value_known` false: the processed goods were made (somewhere in their history) from goods
// the ledger records no value for, an overage a stocktake found, or from a history longer than the
// walk that looks for one: their value added cannot be told and the value-added rule does not
// exempt them (goods.value-added-unknown).
LineAssessment AssessSecondLineOut(const policy::Profile& profile, const Item& item,
                                   int64_t value_fen, int64_t quantity_milli,
                                   const std::vector<AssessedSlice>& slices, size_t line_number,
                                   const policy::TariffRow* tax_free_tariff = nullptr,
                                   bool inputs_value_known = true);

// The duty and VAT a tax-free admission does not pay: both computed on the admission value.
int64_t ExemptedAtAdmission(const policy::Profile& profile, const Item& item, int64_t value_fen);

// "33.33%" — value added in hundredths of a percent, truncated, for explanations only.
std::string FormatShare(int64_t numerator, int64_t denominator);

}  // namespace twoline::engine
