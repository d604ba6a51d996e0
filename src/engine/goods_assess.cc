#include "engine/goods_assess.h"

#include <algorithm>

#include "base/check.h"
#include "base/decimal.h"
#include "engine/goods_rules.h"

namespace twoline::engine {
namespace {

using ledger::Status;

std::string LinePrefix(size_t line_number) { return "line " + std::to_string(line_number) + ": "; }

}  // namespace

std::string FormatShare(int64_t numerator, int64_t denominator) {
  if (denominator <= 0) return "n/a";
  bool negative = numerator < 0;
  __int128 magnitude = negative ? -static_cast<__int128>(numerator) : numerator;
  int64_t hundredths = static_cast<int64_t>(magnitude * 10000 / denominator);
  return (negative ? "-" : "") + FormatFixed(hundredths, 2) + "%";
}

LineAssessment AssessSecondLineOut(const policy::Profile& profile, const Item& item,
                                   int64_t value_fen, int64_t quantity_milli,
                                   const std::vector<AssessedSlice>& slices, size_t line_number,
                                   const policy::TariffRow* tax_free_tariff,
                                   bool inputs_value_known) {
  LineAssessment out;
  int64_t bonded_milli = 0, bonded_recorded_fen = 0, tax_free_value_fen = 0, inputs_fen = 0;
  int64_t recorded_fen = 0;  // of every slice, whatever its status
  bool all_processed = !slices.empty(), any_tax_free = false;
  for (const AssessedSlice& slice : slices) {
    if (slice.status == Status::kBonded) {
      bonded_milli += slice.amounts.quantity_milli;
      bonded_recorded_fen += slice.amounts.value_fen;
    }
    if (slice.status == Status::kTaxFree) {
      // What the admission exempted: its value, or for goods processed from tax-free goods the
      // imported value they hold (mainland materials added in the zone were never exempted).
      tax_free_value_fen += slice.processed ? slice.amounts.imported_input_fen : slice.amounts.value_fen;
      any_tax_free = true;
    }
    recorded_fen += slice.amounts.value_fen;
    inputs_fen += slice.amounts.imported_input_fen + slice.amounts.mainland_input_fen;
    all_processed &= slice.processed;
  }
  out.taxed = bonded_milli > 0 || any_tax_free;
  if (!out.taxed) return out;
  const policy::TariffRow* tariff = profile.FindTariff(item.hs_code);
  CHECK(tariff != nullptr);
  // A line that takes bonded goods with untaxed ones (domestic, duty paid) of the same sku is taxed
  // on the bonded goods' share of the sale: by quantity, or by the value the ledger records for
  // them when that is more. By quantity alone, 99 domestic machines recorded at CNY 0.99 sold with
  // one bonded machine of CNY 1,000,000 would put 1% of the sale on the bonded one.
  int64_t bonded_base = value_fen;
  if (bonded_milli != quantity_milli) {
    bonded_base = MulDivRoundHalfUp(value_fen, bonded_milli, quantity_milli);
    if (recorded_fen > 0) {
      bonded_base = std::max(bonded_base, MulDivRoundHalfUp(value_fen, bonded_recorded_fen, recorded_fen));
    }
  }
  // The declared value is the sale's (SPEC behaviour 9). A line declared at nothing is no sale: its
  // bonded goods pay on the customs value the ledger records for them (their admission value, or
  // for processed goods their inputs'), not on 0.00. A low but positive value is the officers'
  // valuation question, not the engine's (docs/rules.md).
  if (value_fen == 0 && bonded_base < bonded_recorded_fen) {
    out.notes.push_back({"goods.value-below-record",
                         LinePrefix(line_number) + item.sku +
                             " declared at CNY 0.00: assessed on the customs value the ledger "
                             "records for the bonded goods taken, CNY " +
                             FormatMoney(bonded_recorded_fen)});
    bonded_base = bonded_recorded_fen;
  }
  out.base_fen = bonded_base + tax_free_value_fen;
  out.customs_duty_fen = MulDivRoundHalfUp(out.base_fen, tariff->customs_duty_ppm, kRateOne);
  if (tax_free_value_fen > 0) {
    out.notes.push_back({"goods.tax-free-exit",
                         LinePrefix(line_number) + item.sku +
                             " admitted tax-free leaves through the second line: the exempted duty "
                             "and VAT are due on the admission value CNY " +
                             FormatMoney(tax_free_value_fen)});
  }
  if (profile.goods.value_added_exemption_ppm && all_processed && !inputs_value_known) {
    out.notes.push_back({"goods.value-added-unknown",
                         LinePrefix(line_number) + item.sku +
                             " was processed from goods the ledger records no customs value for "
                             "(an overage a stocktake found): its value added cannot be told, "
                             "customs duty due"});
  } else if (profile.goods.value_added_exemption_ppm && all_processed) {
    int64_t threshold = *profile.goods.value_added_exemption_ppm;
    __int128 added = static_cast<__int128>(value_fen) - inputs_fen;
    bool exempt = added * kRateOne >= static_cast<__int128>(threshold) * value_fen;
    std::string share = FormatShare(value_fen - inputs_fen, value_fen);
    if (exempt) {
      // The exemption covers the duty of the bonded share. The duty that tax-free inputs did not
      // pay when admitted stays due (SPEC behaviour 9): processing must not waive it.
      const int64_t bonded_duty =
          tax_free_value_fen == 0 ? out.customs_duty_fen
                                  : MulDivRoundHalfUp(bonded_base, tariff->customs_duty_ppm, kRateOne);
      out.exempted_duty_fen = bonded_duty;
      out.customs_duty_fen -= bonded_duty;
      out.notes.push_back({"goods.value-added-exemption",
                           LinePrefix(line_number) + "value added " + share + " (CNY " +
                               FormatMoney(value_fen) + " sale, CNY " + FormatMoney(inputs_fen) +
                               " imported and mainland inputs) is at least " +
                               FormatPercent(threshold) + ": customs duty CNY " +
                               FormatMoney(out.exempted_duty_fen) + " exempt, import VAT due" +
                               (tax_free_value_fen == 0
                                    ? std::string()
                                    : "; the duty on the tax-free admission value stays due")});
    } else {
      out.notes.push_back({"goods.value-added-below-threshold",
                           LinePrefix(line_number) + "value added " + share + " (CNY " +
                               FormatMoney(value_fen) + " sale, CNY " + FormatMoney(inputs_fen) +
                               " imported and mainland inputs) is below " +
                               FormatPercent(threshold) + ": customs duty due"});
    }
  }
  out.import_vat_fen =
      MulDivRoundHalfUp(out.base_fen + out.customs_duty_fen, tariff->vat_ppm, kRateOne);
  // Tax-free goods admitted as an item of other rates (processed since into the declared item)
  // pay what their admission exempted, at the admitted item's rates: the bonded share as above,
  // the tax-free share apart.
  if (tax_free_tariff != nullptr && tax_free_value_fen > 0 &&
      (tax_free_tariff->customs_duty_ppm != tariff->customs_duty_ppm ||
       tax_free_tariff->vat_ppm != tariff->vat_ppm)) {
    const int64_t bonded_duty =
        MulDivRoundHalfUp(bonded_base, tariff->customs_duty_ppm, kRateOne) - out.exempted_duty_fen;
    const int64_t free_duty =
        MulDivRoundHalfUp(tax_free_value_fen, tax_free_tariff->customs_duty_ppm, kRateOne);
    out.customs_duty_fen = bonded_duty + free_duty;
    out.import_vat_fen =
        MulDivRoundHalfUp(bonded_base + bonded_duty, tariff->vat_ppm, kRateOne) +
        MulDivRoundHalfUp(tax_free_value_fen + free_duty, tax_free_tariff->vat_ppm, kRateOne);
  }
  return out;
}

int64_t ExemptedAtAdmission(const policy::Profile& profile, const Item& item, int64_t value_fen) {
  const policy::TariffRow* tariff = profile.FindTariff(item.hs_code);
  if (tariff == nullptr) return 0;
  int64_t duty = MulDivRoundHalfUp(value_fen, tariff->customs_duty_ppm, kRateOne);
  int64_t vat = MulDivRoundHalfUp(value_fen + duty, tariff->vat_ppm, kRateOne);
  return duty + vat;
}

}  // namespace twoline::engine
