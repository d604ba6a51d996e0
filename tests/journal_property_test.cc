// Properties of the journal (SPEC §4 behaviours 14 and 15), checked with RapidCheck over generated
// traffic against the built-in hengqin and hetao-sz profiles:
//
//  (a) any sequence of commands — registrations, list changes, repeated ids, crossings by random
//      persons at random gates, directions and times with random carried goods — replayed from its
//      journal lines into a fresh Chain reaches the same state hash and the same head;
//  (b) the journal file with any single byte altered fails verification naming a seq at or before
//      the entry holding that byte; an entry removed, duplicated or swapped with the next, or the
//      file cut in the middle of a line, fails naming exactly the first bad seq.
//
// Each case is a few dozen commands, so the default 100 cases per property stay well under a second.
#include <gtest/gtest.h>
#include <rapidcheck/gtest.h>
#include <unistd.h>

#include <cstdio>
#include <map>
#include <memory>
#include <regex>
#include <string>
#include <vector>

#include "base/time.h"
#include "journal/chain.h"
#include "journal/entry.h"
#include "journal/journal_file.h"
#include "policy/profile_loader.h"

namespace twoline {
namespace {

std::shared_ptr<const policy::Profile> BuiltinProfile(const std::string& zone) {
  static std::map<std::string, std::shared_ptr<const policy::Profile>> cache;
  auto& slot = cache[zone];
  if (slot == nullptr) {
    auto profile = policy::LoadBuiltinProfile(zone);
    RC_ASSERT(profile.ok());
    slot = std::make_shared<const policy::Profile>(std::move(*profile));
  }
  return slot;
}

const std::vector<std::string> kSkus = {"BAG", "DRESS", "WINE", "FISH", "LAPTOP"};
const std::vector<std::string> kHsCodes = {"4202.21", "6204.43", "2204.21", "0302.89", "8471.30"};
const std::vector<std::string> kCurrencies = {"CNY", "CNY", "MOP", "HKD", "USD"};
const std::vector<std::string> kCountries = {"CN", "MO", "HK", "PT", "GB"};
const std::vector<std::string> kDocumentTypes = {
    "passport", "home_return_permit", "hk_mo_exit_entry_permit", "mainland_id", "zone_permit"};

std::string Money() {
  int64_t fen = *rc::gen::inRange<int64_t>(0, 3000000);  // up to 30,000.00
  char text[32];
  std::snprintf(text, sizeof text, "%lld.%02lld", static_cast<long long>(fen / 100),
                static_cast<long long>(fen % 100));
  return text;
}

std::string Quantity() {
  int milli = *rc::gen::inRange(1, 8000);
  char text[32];
  std::snprintf(text, sizeof text, "%d.%03d", milli / 1000, milli % 1000);
  return text;
}

std::string DateBetween(int year_from, int year_until) {
  Date from = DaysFromCivil(year_from, 1, 1), until = DaysFromCivil(year_until, 1, 1);
  return FormatDate(*rc::gen::inRange<Date>(from, until));
}

// An instant between 2023-06-01 and 2027-01-01, written in local time or in UTC.
std::string At() {
  int64_t from = int64_t{DaysFromCivil(2023, 6, 1)} * 86400;
  int64_t until = int64_t{DaysFromCivil(2027, 1, 1)} * 86400;
  int64_t seconds = *rc::gen::inRange<int64_t>(from, until);
  return FormatRfc3339(seconds, *rc::gen::element(0, 480));
}

std::string Envelope(const std::string& id, const std::string& zone, const std::string& type) {
  return R"({"id":")" + id + R"(","zone":")" + zone + R"(","at":")" + At() + R"(","type":")" +
         type + "\"";
}

std::string RegisterPerson(const std::string& id, const std::string& zone,
                           const std::string& person,
                           const std::vector<std::string>& person_lists) {
  std::string documents;
  int count = *rc::gen::inRange(0, 3);
  for (int i = 0; i < count; ++i) {
    std::string from = DateBetween(2015, 2026);
    std::string until = DateBetween(2026, 2030);
    documents += std::string(i ? "," : "") + R"({"type":")" +
                 *rc::gen::elementOf(kDocumentTypes) + R"(","number":"N)" + std::to_string(i) +
                 R"(","valid_from":")" + from + R"(","valid_until":")" + until + "\"}";
  }
  std::string lists;
  for (const std::string& list : person_lists) {
    if (*rc::gen::inRange(0, 4) == 0) lists += (lists.empty() ? "\"" : ",\"") + list + "\"";
  }
  return Envelope(id, zone, "register_person") + R"(,"person":{"id":")" + person +
         R"(","name":"Generated Person","nationality":")" + *rc::gen::elementOf(kCountries) +
         R"(","resident_of":")" + *rc::gen::elementOf(kCountries) + R"(","birth_date":")" +
         DateBetween(1950, 2016) + R"(","documents":[)" + documents + R"(],"lists":[)" + lists +
         "]}}";
}

std::string Cross(const std::string& id, const std::string& zone, const std::string& person,
                  const std::string& gate) {
  std::string carried;
  int count = *rc::gen::inRange(0, 4);
  for (int i = 0; i < count; ++i) {
    carried += std::string(i ? "," : "") + R"({"sku":")" + *rc::gen::elementOf(kSkus) +
               R"(","qty":")" + Quantity() + R"(","value":")" + Money() + R"(","currency":")" +
               *rc::gen::elementOf(kCurrencies) + "\"}";
  }
  return Envelope(id, zone, "cross") + R"(,"person":")" + person + R"(","gate":")" + gate +
         R"(","direction":")" + *rc::gen::element<std::string>("in", "out") + "\"" +
         (count ? R"(,"carried":[)" + carried + "]" : "") + "}";
}

// Generates a zone's traffic, submits it, and returns the journal entries (profile first).
std::vector<journal::Entry> GenerateJournal(journal::Chain* chain) {
  std::string zone = *rc::gen::element<std::string>("hengqin", "hetao-sz");
  auto profile = BuiltinProfile(zone);
  std::vector<journal::Entry> entries = {chain->PutProfileInForce(profile)};
  // Mostly person lanes, sometimes a goods or vehicle lane.
  std::vector<std::string> person_gates, other_gates, person_lists;
  for (const policy::Gate& gate : profile->gates) {
    bool for_persons = gate.lane == policy::Lane::kGeneral || gate.lane == policy::Lane::kWhitelist;
    (for_persons ? person_gates : other_gates).push_back(gate.id);
  }
  for (const policy::ListSpec& list : profile->lists) {
    if (list.kind == policy::ListKind::kPersons) person_lists.push_back(list.name);
  }
  std::vector<std::string> commands;
  for (size_t i = 0; i < kSkus.size(); ++i) {
    commands.push_back(Envelope("item-" + kSkus[i], zone, "register_item") + R"(,"item":{"sku":")" +
                       kSkus[i] + R"(","hs_code":")" + kHsCodes[i] +
                       R"(","description":"generated","unit":"kg","tags":)" +
                       (kSkus[i] == "FISH" ? R"(["fresh_food"])" : "[]") + "}}");
  }
  int persons = *rc::gen::inRange(1, 6);
  for (int p = 0; p < persons; ++p) {
    commands.push_back(RegisterPerson("reg-" + std::to_string(p), zone, "P" + std::to_string(p),
                                      person_lists));
  }
  int steps = *rc::gen::inRange(1, 30);
  for (int step = 0; step < steps; ++step) {
    std::string id = "c" + std::to_string(step);
    std::string person = "P" + std::to_string(*rc::gen::inRange(0, persons));
    switch (*rc::gen::inRange(0, 10)) {
      case 0:  // re-registration (an update)
        commands.push_back(RegisterPerson(id, zone, person, person_lists));
        break;
      case 1:  // a list change
        commands.push_back(Envelope(id, zone, "list") + R"(,"list":")" +
                           *rc::gen::elementOf(person_lists) + R"(",")" +
                           *rc::gen::element<std::string>("add", "remove") + R"(":[")" + person +
                           "\"]}");
        break;
      case 2:  // a repeated command: the original decision, nothing journaled
        commands.push_back(*rc::gen::elementOf(commands));
        break;
      default:
        commands.push_back(Cross(id, zone, person,
                                 *rc::gen::elementOf(*rc::gen::inRange(0, 6) == 0 ? other_gates
                                                                                   : person_gates)));
    }
  }
  engine::Limits limits;
  for (const std::string& text : commands) {
    engine::Command command;
    engine::ParseFailure failure;
    if (!engine::ParseCommand(text, limits, &command, &failure)) {
      RC_FAIL("generated command does not parse: " + failure.message + "\n" + text);
    }
    auto submitted = chain->Submit(command);
    if (submitted.entry) entries.push_back(*submitted.entry);
  }
  return entries;
}

std::vector<std::string> JournalLines(const std::vector<journal::Entry>& entries) {
  std::vector<std::string> lines;
  for (const journal::Entry& entry : entries) lines.push_back(journal::EntryToJsonLine(entry));
  return lines;
}

// Writes `text` to a fresh temporary file and verifies it; returns the error message ("" = ok).
std::string VerifyText(const std::string& text) {
  char path[] = "/tmp/twoline-property-XXXXXX";
  int fd = mkstemp(path);
  RC_ASSERT(fd >= 0);
  size_t done = 0;
  while (done < text.size()) {
    ssize_t n = write(fd, text.data() + done, text.size() - done);
    RC_ASSERT(n > 0);
    done += static_cast<size_t>(n);
  }
  close(fd);
  journal::Chain chain;
  Status status = journal::ReplayJournalFile(path, &chain);
  unlink(path);
  return status.ok() ? "" : status.message();
}

// The seq a verification error names ("...: seq N: ..."), or 0.
uint64_t NamedSeq(const std::string& message) {
  std::smatch match;
  static const std::regex kSeq(": seq ([0-9]+): ");
  if (!std::regex_search(message, match, kSeq)) return 0;
  return std::stoull(match[1].str());
}

std::string Join(const std::vector<std::string>& lines) {
  std::string text;
  for (const std::string& line : lines) text += line;
  return text;
}

RC_GTEST_PROP(JournalProperty, ReplayFromTheJournalReachesTheSameStateAndHead, ()) {
  journal::Chain live;
  std::vector<journal::Entry> entries = GenerateJournal(&live);
  RC_ASSERT(entries.size() == live.entries());
  journal::Chain replay;
  for (const std::string& line : JournalLines(entries)) {
    auto entry = journal::EntryFromJsonLine(std::string_view(line).substr(0, line.size() - 1));
    RC_ASSERT(entry.ok());
    Status status = replay.Replay(*entry);
    if (!status.ok()) RC_FAIL(status.message());
  }
  RC_ASSERT(ToHex(replay.engine().StateHash()) == ToHex(live.engine().StateHash()));
  RC_ASSERT(ToHex(replay.head()) == ToHex(live.head()));
  RC_ASSERT(replay.entries() == live.entries());
  RC_TAG(entries.size() > 10 ? "more than 10 entries" : "10 entries or fewer");
}

RC_GTEST_PROP(JournalProperty, AnyFlippedByteFailsVerificationAtOrBeforeItsEntry, ()) {
  journal::Chain live;
  std::vector<std::string> lines = JournalLines(GenerateJournal(&live));
  RC_ASSERT(VerifyText(Join(lines)).empty());
  size_t index = *rc::gen::inRange<size_t>(0, lines.size());
  size_t offset = *rc::gen::inRange<size_t>(0, lines[index].size());
  int mask = *rc::gen::inRange(1, 256);
  lines[index][offset] = static_cast<char>(lines[index][offset] ^ mask);
  std::string error = VerifyText(Join(lines));
  RC_ASSERT(!error.empty());
  uint64_t seq = NamedSeq(error);
  RC_ASSERT(seq >= 1u);
  RC_ASSERT(seq <= index + 1);
}

RC_GTEST_PROP(JournalProperty, RemovedDuplicatedSwappedOrTruncatedEntriesFailAtTheFirstBadSeq,
              ()) {
  journal::Chain live;
  std::vector<std::string> lines = JournalLines(GenerateJournal(&live));
  RC_PRE(lines.size() >= 2u);
  size_t index = *rc::gen::inRange<size_t>(0, lines.size() - 1);  // not the last entry
  std::vector<std::string> altered = lines;
  uint64_t expected = 0;
  switch (*rc::gen::inRange(0, 4)) {
    case 0:  // entry index+1 removed: its place holds the next one
      altered.erase(altered.begin() + static_cast<std::ptrdiff_t>(index));
      expected = index + 1;
      break;
    case 1:  // entry index+1 written twice: the copy is bad
      altered.insert(altered.begin() + static_cast<std::ptrdiff_t>(index), lines[index]);
      expected = index + 2;
      break;
    case 2:  // entries index+1 and index+2 swapped
      std::swap(altered[index], altered[index + 1]);
      expected = index + 1;
      break;
    default: {  // the file cut inside line index+1: a torn write
      size_t keep = *rc::gen::inRange<size_t>(1, lines[index].size());
      altered.resize(index + 1);
      altered[index].resize(keep);
      expected = index + 1;
    }
  }
  std::string error = VerifyText(Join(altered));
  RC_ASSERT(!error.empty());
  RC_ASSERT(NamedSeq(error) == expected);
}

}  // namespace
}  // namespace twoline
