// `process` (zone processing) and `stocktake` (SPEC §2, behaviours 7, 9 and 13).
//
// Processing consumes its inputs first in first out from the declarant's free goods and creates one
// lot per output. The outputs share the inputs' customs value, imported input value and mainland
// input value in proportion to their quantities (the command gives no other allocation key), and
// remember every input lot as a parent, so that the 30% rule and `trace` work on them. Their status
// is the most restrictive of the inputs': bonded, else tax_free, else duty_paid, else domestic.
//
// A stocktake compares each counted sku with the book quantity of the party (every status). A
// shortage is taken first in first out from the lots neither reserved by pending declarations nor
// held in customs custody (held goods are never free: only their inspection settles them) and
// booked to `shortage`; an overage becomes a new lot from `overage`, in the status of first-line
// admissions and with no value (its value is unknown). Skus not counted are not compared.
#include <map>
#include <set>

#include "base/check.h"
#include "base/decimal.h"
#include "engine/goods_plan.h"

namespace twoline::engine {
namespace {

using ledger::Status;

std::optional<Decision> ValidateSkus(const GoodsContext& context,
                                     const std::vector<SkuQuantity>& entries, const char* what) {
  for (size_t i = 0; i < entries.size(); ++i) {
    std::string where = std::string(what) + " " + std::to_string(i + 1) + ": ";
    if (context.state.FindItem(entries[i].sku) == nullptr) {
      return InvalidDecision(context.command.id, where + "unknown item \"" + entries[i].sku + "\"");
    }
    if (entries[i].quantity_milli > kLineQuantityMilliMax) {
      return InvalidDecision(context.command.id, where + "quantity above the limit of " +
                                                     FormatQuantity(kLineQuantityMilliMax));
    }
  }
  return std::nullopt;
}

Status OutputStatus(const ledger::Ledger& ledger, const std::vector<ledger::Slice>& slices) {
  bool seen[ledger::kStatusCount] = {};
  for (const ledger::Slice& slice : slices)
    seen[static_cast<int>(ledger.FindLot(slice.lot)->status)] = true;
  for (Status status : {Status::kBonded, Status::kTaxFree, Status::kDutyPaid}) {
    if (seen[static_cast<int>(status)]) return status;
  }
  return Status::kDomestic;
}

std::vector<ledger::LotSpec> OutputLots(const ProcessBody& body,
                                        const std::vector<ledger::Slice>& slices, Status status) {
  ledger::Amounts pool;
  std::vector<ledger::LotParent> parents;
  for (const ledger::Slice& slice : slices) {
    pool += slice.amounts;
    parents.push_back({slice.lot, slice.amounts.quantity_milli});
  }
  pool.quantity_milli = 0;
  for (const SkuQuantity& output : body.outputs) pool.quantity_milli += output.quantity_milli;
  std::vector<ledger::LotSpec> lots;
  for (const SkuQuantity& output : body.outputs) {
    ledger::Amounts share = ledger::Portion(pool, output.quantity_milli);
    pool -= share;
    ledger::LotSpec spec;
    spec.party = body.declarant;
    spec.sku = output.sku;
    spec.status = status;
    spec.release_status = status;
    spec.source = ledger::LotSource::kProcess;
    spec.processed = true;
    spec.amounts = share;
    spec.parents = parents;
    lots.push_back(std::move(spec));
  }
  return lots;
}

// Rejects an output whose sku is that of a lot the inputs were made from (their parents, and
// theirs, up to kHistoryLotsMax lots): A -> B -> A leaves goods where they were.
void CheckOutputsAgainstHistory(const ledger::Ledger& ledger, const ProcessBody& body,
                                const std::vector<ledger::Slice>& slices,
                                std::vector<Reason>* rejections) {
  constexpr size_t kHistoryLotsMax = 4096;
  std::vector<uint64_t> parents;
  for (const ledger::Slice& slice : slices) {
    const ledger::Lot* lot = ledger.FindLot(slice.lot);
    if (lot == nullptr) continue;
    for (const ledger::LotParent& parent : lot->spec.parents) parents.push_back(parent.lot);
  }
  std::map<std::string, uint64_t> earlier;  // sku the goods had before -> a lot that had it
  ledger::VisitHistory(ledger, std::move(parents), kHistoryLotsMax,
                       [&](uint64_t id, const ledger::Lot& lot) { earlier.emplace(lot.spec.sku, id); });
  for (size_t o = 0; o < body.outputs.size(); ++o) {
    auto it = earlier.find(body.outputs[o].sku);
    if (it == earlier.end()) continue;
    rejections->push_back({"process.output-is-input",
                           "output " + std::to_string(o + 1) + " (" + it->first +
                               ") is what the inputs were made from (lot " +
                               std::to_string(it->second) +
                               "): processing must transform its inputs"});
  }
}

}  // namespace

Decision DecideProcess(const GoodsContext& context, const ProcessBody& body) {
  const std::string& command_id = context.command.id;
  if (context.state.FindParty(body.declarant) == nullptr) {
    return InvalidDecision(command_id, "unknown party \"" + body.declarant + "\" (declarant)");
  }
  // Only the declarant's own documents can make an id "already used" (GoodsState: document names).
  const std::string key = context.state.goods.NewDocumentKey(body.declarant, body.id);
  if (key.empty()) {
    return InvalidDecision(command_id, "process id \"" + body.id + "\" is already used");
  }
  if (auto invalid = ValidateSkus(context, body.inputs, "input")) return *invalid;
  if (auto invalid = ValidateSkus(context, body.outputs, "output")) return *invalid;
  const ledger::Ledger& ledger = context.state.goods.ledger;
  ledger::Planner planner(ledger);
  std::vector<ledger::Slice> slices;
  std::vector<Reason> rejections;
  // Processing transforms its inputs. An output under an input's own sku (wine "processed" into
  // wine) would give goods that were only stored or relabelled the outputs' standing: the
  // value-added exemption, and lots whose origin and history end at the process.
  for (size_t o = 0; o < body.outputs.size(); ++o) {
    for (const SkuQuantity& input : body.inputs) {
      if (input.sku != body.outputs[o].sku) continue;
      rejections.push_back({"process.output-is-input",
                            "output " + std::to_string(o + 1) + " (" + input.sku +
                                ") is also an input: processing must transform its inputs"});
      break;
    }
  }
  for (size_t i = 0; i < body.inputs.size(); ++i) {
    const SkuQuantity& input = body.inputs[i];
    int64_t free =
        planner.FreeQuantity(body.declarant, input.sku, ledger::StatusPreference::TaxFreeLast());
    bool too_many = false;
    if (!planner.Take(body.declarant, input.sku, input.quantity_milli,
                      ledger::StatusPreference::TaxFreeLast(), &slices,
                      ledger::kParentsPerLotMax, &too_many)) {
      if (too_many) {  // the walk stopped at the bound
        return RejectedDecision(context.command, "ledger.limit-exceeded",
                                "the inputs would take more than " +
                                    std::to_string(ledger::kParentsPerLotMax) + " lots");
      }
      rejections.push_back(
          {"ledger.insufficient-balance",
           "input " + std::to_string(i + 1) + ": " +
               ShortfallDetail(ledger, body.declarant, input.sku, input.quantity_milli, free)});
    }
  }
  // The same over the inputs' history: goods that were wine, processed into something else and
  // then "processed" back into wine, were never transformed (A -> B -> A). The walk is bounded as
  // the ban check's is (kHistoryLotsMax lots).
  if (rejections.empty()) CheckOutputsAgainstHistory(ledger, body, slices, &rejections);
  // Outputs take the most restrictive status of their inputs, bonded before tax_free: goods
  // admitted tax-free for self-use, processed with bonded inputs, would leave as bonded goods
  // assessed on their sale value, and the taxes their admission exempted would be lost (SPEC
  // behaviour 9: they may not leave without paying them). Such inputs are processed apart.
  bool bonded_input = false, tax_free_input = false;
  for (const ledger::Slice& slice : slices) {
    const ledger::Status input_status = ledger.FindLot(slice.lot)->status;
    bonded_input |= input_status == Status::kBonded;
    tax_free_input |= input_status == Status::kTaxFree;
  }
  if (bonded_input && tax_free_input) {
    rejections.push_back({"process.tax-free-with-bonded",
                          "the inputs take goods admitted tax-free and bonded goods together: the "
                          "taxes the tax-free admission exempted would be lost in bonded outputs; "
                          "process them apart"});
  }
  if (!rejections.empty()) {
    Decision decision = RejectedDecision(context.command, "", "");
    decision.reasons = std::move(rejections);
    return decision;
  }
  Status status = OutputStatus(ledger, slices);
  std::vector<ledger::LotSpec> outputs = OutputLots(body, slices, status);
  for (const ledger::Slice& slice : slices) {
    const ledger::Lot& lot = *ledger.FindLot(slice.lot);
    planner.Add(
        ledger::AccountKey::Outside(body.declarant, lot.spec.sku, ledger::External::kConsumed),
        slice.amounts.quantity_milli, slice.amounts.value_fen);
  }
  for (const ledger::LotSpec& spec : outputs) {
    planner.Add(ledger::AccountKey::Internal(spec.party, spec.sku, status),
                spec.amounts.quantity_milli, spec.amounts.value_fen);
    planner.Add(ledger::AccountKey::Outside(spec.party, spec.sku, ledger::External::kProduced),
                -spec.amounts.quantity_milli, -spec.amounts.value_fen);
  }
  if (!planner.WithinLimits()) {
    return RejectedDecision(context.command, "ledger.limit-exceeded",
                            "the process would take an account beyond the ledger's limit");
  }
  auto plan = std::make_shared<GoodsPlan>();
  ledger::Destination consumed;
  consumed.account = ledger::External::kConsumed;
  plan->operations.push_back(ledger::Reserve{key, body.declarant, slices, consumed});
  plan->operations.push_back(ledger::Post{key, std::nullopt});
  for (ledger::LotSpec& spec : outputs) {
    plan->operations.push_back(
        ledger::Admit{key, std::move(spec), ledger::External::kProduced});
  }
  plan->process =
      ProcessRecord{key,          body.declarant, command_id,   context.command.at.unix_seconds,
                    context.date, body.inputs,    body.outputs, status};
  Decision decision = AcceptedDecision(context.command);
  decision.plan = plan;
  return decision;
}

namespace {

int64_t BookQuantity(const ledger::Ledger& ledger, const std::string& party,
                     const std::string& sku) {
  int64_t total = 0;
  for (int s = 0; s < ledger::kStatusCount; ++s) {
    total += ledger.AccountBalance(ledger::AccountKey::Internal(party, sku, static_cast<Status>(s)))
                 .quantity_milli;
  }
  return total;
}

}  // namespace

namespace {

// What a stocktake found and will book, sku by sku.
struct StocktakeFindings {
  std::vector<ledger::Slice> shortages;  // taken FIFO, booked to shortage
  std::vector<ledger::Admit> overages;   // new lots from overage
  std::vector<Reason> notes, rejections;
};

void CompareCount(const GoodsContext& context, const StocktakeBody& body, const SkuQuantity& count,
                  const std::string& document, ledger::Status overage_status,
                  ledger::Planner* planner, StocktakeRecord* record, StocktakeFindings* findings) {
  const ledger::Ledger& ledger = context.state.goods.ledger;
  int64_t book = BookQuantity(ledger, body.party, count.sku);
  StocktakeLine line{count.sku, book, count.quantity_milli, 0};
  std::string head = count.sku + ": book " + FormatQuantity(book) + ", counted " +
                     FormatQuantity(count.quantity_milli);
  if (count.quantity_milli < book) {
    int64_t missing = book - count.quantity_milli;
    size_t first = findings->shortages.size();
    bool too_many = false;
    if (!planner->Take(body.party, count.sku, missing, ledger::StatusPreference::OutOfCustody(),
                       &findings->shortages, ledger::kSlicesPerDocumentMax, &too_many)) {
      if (too_many) {  // the walk stopped at the bound
        findings->rejections.push_back(
            {"ledger.limit-exceeded", head + ": the shortage would take more than " +
                                          std::to_string(ledger::kSlicesPerDocumentMax) + " lots"});
        return;
      }
      findings->rejections.push_back(
          {"stocktake.shortage-exceeds-free",
           head + ": the shortage of " + FormatQuantity(missing) +
               " exceeds the goods neither reserved by pending declarations nor held for "
               "inspection; release or cancel them, or settle the inspection, first"});
      return;
    }
    for (size_t i = first; i < findings->shortages.size(); ++i) {
      line.difference_value_fen -= findings->shortages[i].amounts.value_fen;
    }
    planner->Add(ledger::AccountKey::Outside(body.party, count.sku, ledger::External::kShortage),
                 missing, -line.difference_value_fen);
    findings->notes.push_back(
        {"stocktake.shortage", head + ": shortage of " + FormatQuantity(missing) + " (CNY " +
                                   FormatMoney(-line.difference_value_fen) + ") booked"});
  } else if (count.quantity_milli > book) {
    ledger::LotSpec spec;
    spec.party = body.party;
    spec.sku = count.sku;
    spec.status = overage_status;
    spec.release_status = overage_status;
    spec.source = ledger::LotSource::kOverage;
    spec.amounts.quantity_milli = count.quantity_milli - book;
    planner->Add(ledger::AccountKey::Internal(body.party, count.sku, overage_status),
                 spec.amounts.quantity_milli, 0);
    findings->notes.push_back(
        {"stocktake.overage", head + ": overage of " + FormatQuantity(spec.amounts.quantity_milli) +
                                  " booked as " + ledger::StatusName(overage_status) +
                                  " with no value"});
    findings->overages.push_back(
        ledger::Admit{document, std::move(spec), ledger::External::kOverage});
  }
  record->lines.push_back(line);
}

}  // namespace

Decision DecideStocktake(const GoodsContext& context, const StocktakeBody& body) {
  const std::string& command_id = context.command.id;
  if (context.state.FindParty(body.party) == nullptr) {
    return InvalidDecision(command_id, "unknown party \"" + body.party + "\"");
  }
  if (auto invalid = ValidateSkus(context, body.counts, "count")) return *invalid;
  std::set<std::string_view> seen;
  for (const SkuQuantity& count : body.counts) {
    if (!seen.insert(count.sku).second) {
      return InvalidDecision(command_id, "sku \"" + count.sku + "\" counted twice");
    }
  }
  // '/' never occurs in declaration ids, nor in party or command ids: a declarant's stocktake is
  // named with its party too, since its command ids are scoped to it (SPEC §2, `id`).
  std::string document = "stocktake/";
  if (std::string_view scope = context.command.IdScope(); !scope.empty()) {
    document.append(scope).push_back('/');
  }
  document += command_id;
  auto overage_status = ledger::ParseStatus(context.profile.goods.first_line_in_status);
  CHECK(overage_status.has_value());
  ledger::Planner planner(context.state.goods.ledger);
  StocktakeRecord record{command_id, body.party, context.command.at.unix_seconds, context.date, {}};
  StocktakeFindings findings;
  for (const SkuQuantity& count : body.counts) {
    CompareCount(context, body, count, document, *overage_status, &planner, &record, &findings);
  }
  if (!planner.WithinLimits()) {
    findings.rejections.push_back(
        {"ledger.limit-exceeded", "the stocktake would exceed the ledger's limits"});
  }
  if (!findings.rejections.empty()) {
    Decision decision = RejectedDecision(context.command, "", "");
    decision.reasons = std::move(findings.rejections);
    return decision;
  }
  auto plan = std::make_shared<GoodsPlan>();
  if (!findings.shortages.empty()) {
    ledger::Destination shortage;
    shortage.account = ledger::External::kShortage;
    plan->operations.push_back(ledger::Reserve{document, body.party, findings.shortages, shortage});
    plan->operations.push_back(ledger::Post{document, std::nullopt});
  }
  for (ledger::Admit& overage : findings.overages) plan->operations.push_back(std::move(overage));
  plan->stocktake = std::move(record);
  Decision decision = AcceptedDecision(context.command);
  decision.reasons = std::move(findings.notes);
  decision.plan = plan;
  return decision;
}

}  // namespace twoline::engine
