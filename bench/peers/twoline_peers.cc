// twoline's side of the peer benchmark (bench/peers/README.md): generates a deterministic pool of
// gate crossings for a zone, decides every crossing with Engine::Decide, writes the pool and the
// per-request answers as JSON Lines for the Cedar side to read and compare, and measures twoline's
// in-process decisions per second on the same pool.
//
// Presence is state that the peer does not model, so the pool holds no presence anomaly: each
// person is either inside (and only leaves) or outside (and only enters), and each crossing is
// decided without being applied, so presence never changes. A decision naming a presence rule, an
// invalid decision or a duplicate ends the run with exit status 1.
#include <CLI/CLI.hpp>
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <ctime>
#include <fstream>
#include <map>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include "base/check.h"
#include "base/json_writer.h"
#include "base/time.h"
#include "engine/engine.h"
#include "policy/profile_loader.h"
#include "sim/random.h"

namespace twoline {
namespace {

struct Options {
  std::string zone = "hetao-sz";
  std::string first_date = "2025-10-20";  // Hetao's whitelist lanes open on 2025-11-05
  int days = 31;
  int persons = 4000;
  int requests = 20000;
  uint64_t seed = 7;
  double seconds_min = 2.0;
  std::string pool_path;
  std::string answers_path;
  std::string figures_path;
};

// How a generated document's validity window relates to the pool's dates, so that every
// document outcome (valid, expired, not yet valid) occurs, many of them changing within the pool.
enum class Window { kValid, kExpiresDuringPool, kExpiredBefore, kStartsDuringPool, kStartsAfter };

struct GeneratedPerson {
  std::string id;
  bool inside = false;
  std::string registration;  // the register_person command's JSON
};

engine::Command Parse(const std::string& json) {
  engine::Command command;
  engine::ParseFailure failure;
  if (!engine::ParseCommand(json, engine::Limits{}, &command, &failure)) {
    std::fprintf(stderr, "twoline_peers: generated command does not parse: %s\n%s\n",
                 failure.message.c_str(), json.c_str());
    std::exit(1);
  }
  return command;
}

void WriteDocument(JsonWriter& json, const char* type, int serial, Date from, Date until) {
  json.BeginObject();
  json.Key("type").String(type);
  json.Key("number").String("D" + std::to_string(serial));
  json.Key("valid_from").String(FormatDate(from));
  json.Key("valid_until").String(FormatDate(until));
  json.EndObject();
}

// A document window drawn relative to the pool's first and last date.
void DrawWindow(sim::Random& random, Date first, Date last, Date* from, Date* until) {
  static const int kWeights[] = {64, 10, 8, 10, 8};
  switch (static_cast<Window>(random.Weighted(kWeights, 5))) {
    case Window::kValid:
      *from = first - static_cast<Date>(random.Uniform(1, 3650));
      *until = last + static_cast<Date>(random.Uniform(1, 3650));
      break;
    case Window::kExpiresDuringPool:
      *from = first - static_cast<Date>(random.Uniform(1, 3650));
      *until = static_cast<Date>(random.Uniform(first, last));
      break;
    case Window::kExpiredBefore:
      *until = first - static_cast<Date>(random.Uniform(1, 1000));
      *from = *until - static_cast<Date>(random.Uniform(0, 3650));
      break;
    case Window::kStartsDuringPool:
      *from = static_cast<Date>(random.Uniform(first, last));
      *until = *from + static_cast<Date>(random.Uniform(0, 3650));
      break;
    case Window::kStartsAfter:
      *from = last + static_cast<Date>(random.Uniform(1, 400));
      *until = *from + static_cast<Date>(random.Uniform(0, 3650));
      break;
  }
}

// A register_person command: zero to three documents of distinct types (any of the nine, so some
// are of a type the line does not accept), and the zone's person lists by chance.
std::string PersonRegistration(sim::Random& random, const std::string& zone, int index, Date first,
                               Date last, const std::vector<std::string>& lists) {
  static const char* const kResidences[] = {"CN", "HK", "MO", "GB", "US"};
  static const int kDocumentCounts[] = {2, 40, 40, 18};  // weights of 0, 1, 2, 3 documents
  std::string person_id = "P" + std::to_string(100000 + index);
  std::string out;
  JsonWriter json(&out);
  json.BeginObject();
  json.Key("id").String("r-" + person_id);
  json.Key("zone").String(zone);
  json.Key("at").String(FormatDate(first - 30) + "T00:00:00+08:00");
  json.Key("type").String("register_person");
  json.Key("person").BeginObject();
  json.Key("id").String(person_id);
  json.Key("name").String("Person " + std::to_string(index));
  const char* residence = random.Pick(kResidences);
  json.Key("nationality").String(residence);
  json.Key("resident_of").String(residence);
  json.Key("birth_date").String(FormatDate(static_cast<Date>(random.Uniform(-3650, 12000))));
  // Distinct types, drawn by weight without replacement; the weights follow kDocumentTypes'
  // order and favour the travel documents that the zones accept.
  int type_weights[engine::kDocumentTypeCount] = {5, 1, 5, 4, 4, 1, 1, 2, 1};
  size_t count = random.Weighted(kDocumentCounts, 4);
  json.Key("documents").BeginArray();
  for (size_t i = 0; i < count; ++i) {
    size_t type = random.Weighted(type_weights, engine::kDocumentTypeCount);
    type_weights[type] = 0;
    Date from = 0, until = 0;
    DrawWindow(random, first, last, &from, &until);
    WriteDocument(json, engine::kDocumentTypes[type], index * 10 + static_cast<int>(i), from,
                  until);
  }
  json.EndArray();
  json.Key("lists").BeginArray();
  for (const std::string& list : lists) {
    if (random.Chance(list == "watchlist" ? 50000 : 250000)) json.String(list);
  }
  json.EndArray();
  json.EndObject();
  json.EndObject();
  return out;
}

// The persons lists a crossing can depend on: the watchlist and every whitelist lane's list.
std::vector<std::string> PersonLists(const policy::Profile& profile) {
  std::vector<std::string> lists;
  if (profile.FindList("watchlist") != nullptr) lists.push_back("watchlist");
  for (const policy::Gate& gate : profile.gates) {
    if (gate.lane == policy::Lane::kWhitelist &&
        std::find(lists.begin(), lists.end(), gate.list) == lists.end()) {
      lists.push_back(gate.list);
    }
  }
  return lists;
}

// A cross command with no carried goods.
std::string CrossingJson(const std::string& id, const std::string& zone, const std::string& at,
                         const std::string& person_id, const std::string& gate_id,
                         const char* direction) {
  std::string out;
  JsonWriter json(&out);
  json.BeginObject();
  json.Key("id").String(id);
  json.Key("zone").String(zone);
  json.Key("at").String(at);
  json.Key("type").String("cross");
  json.Key("person").String(person_id);
  json.Key("gate").String(gate_id);
  json.Key("direction").String(direction);
  json.EndObject();
  return out;
}

// Brings a person inside the zone through a general first-line gate the day before the pool with a
// document valid then, and registers the person's real documents and lists afterwards (an update
// keeps presence). Everything goes through Execute, as any journaled command would.
void BringInside(engine::Engine& engine, const std::string& zone, const std::string& person_id,
                 Date first) {
  const policy::Gate* entry = nullptr;
  for (const policy::Gate& gate : engine.profile().gates) {
    if (gate.line == policy::Line::kFirst && gate.lane == policy::Lane::kGeneral) entry = &gate;
  }
  CHECK(entry != nullptr);
  std::string registration;
  JsonWriter json(&registration);
  json.BeginObject();
  json.Key("id").String("setup-r-" + person_id);
  json.Key("zone").String(zone);
  json.Key("at").String(FormatDate(first - 2) + "T00:00:00+08:00");
  json.Key("type").String("register_person");
  json.Key("person").BeginObject();
  json.Key("id").String(person_id);
  json.Key("name").String("Setup");
  json.Key("nationality").String("GB");
  json.Key("resident_of").String("GB");
  json.Key("birth_date").String("1980-01-01");
  json.Key("documents").BeginArray();
  WriteDocument(json, "passport", 0, first - 3650, first + 3650);
  json.EndArray();
  json.EndObject();
  json.EndObject();
  CHECK(engine.Execute(Parse(registration)).outcome == engine::Outcome::kAccepted);
  std::string crossing =
      CrossingJson("setup-x-" + person_id, zone, FormatDate(first - 1) + "T12:00:00+08:00",
                   person_id, entry->id, "in");
  CHECK(engine.Execute(Parse(crossing)).outcome == engine::Outcome::kAccepted);
}

// A crossing at a random instant of a pool day: mostly written at the zone's offset, a fifth in
// UTC, so that the local date differs from the written date near midnight.
std::string Crossing(sim::Random& random, const std::string& zone, int index,
                     const GeneratedPerson& person, const policy::Gate& gate, Date first, int days,
                     int32_t offset_minutes) {
  Date date = first + static_cast<Date>(random.Uniform(0, days - 1));
  int64_t local_seconds = int64_t{date} * 86400 + random.Uniform(0, 86399);
  int64_t unix_seconds = local_seconds - int64_t{offset_minutes} * 60;
  bool utc = random.Chance(200000);
  return CrossingJson("x-" + std::to_string(1000000 + index), zone,
                      FormatRfc3339(unix_seconds, utc ? 0 : offset_minutes), person.id, gate.id,
                      person.inside ? "out" : "in");
}

// The pool's first line: what the peer needs of the profile to build its gate entities.
std::string ZoneHeader(const policy::Profile& profile, const Options& options) {
  std::string out;
  JsonWriter json(&out);
  json.BeginObject();
  json.Key("zone").BeginObject();
  json.Key("id").String(profile.id);
  json.Key("utc_offset_minutes").Int(profile.utc_offset_minutes);
  json.Key("seed").Int(static_cast<int64_t>(options.seed));
  json.Key("gates").BeginArray();
  for (const policy::Gate& gate : profile.gates) {
    json.BeginObject();
    json.Key("id").String(gate.id);
    json.Key("line").String(policy::LineName(gate.line));
    json.Key("lane").String(policy::LaneName(gate.lane));
    if (!gate.list.empty()) json.Key("list").String(gate.list);
    if (gate.effective.from != policy::kDateMin) {
      json.Key("effective_from").String(FormatDate(gate.effective.from));
    }
    if (gate.effective.until != policy::kDateMax) {
      json.Key("effective_until").String(FormatDate(gate.effective.until));
    }
    json.EndObject();
  }
  json.EndArray();
  json.EndObject();
  json.EndObject();
  return out;
}

std::string Answer(const engine::Decision& decision) {
  std::string out;
  JsonWriter json(&out);
  json.BeginObject();
  json.Key("id").String(decision.id);
  json.Key("outcome").String(engine::OutcomeName(decision.outcome));
  json.Key("rules").BeginArray();
  for (const engine::Reason& reason : decision.reasons) json.String(reason.rule);
  json.EndArray();
  json.EndObject();
  return out;
}

// A decision the peer can be compared with: decided, not a duplicate, no presence anomaly and no
// assessment (the pool carries no goods).
void CheckComparable(const engine::Decision& decision) {
  bool comparable = decision.outcome != engine::Outcome::kInvalid && decision.duplicate_of == 0 &&
                    !decision.assessment.has_value();
  for (const engine::Reason& reason : decision.reasons) {
    comparable &= reason.rule.rfind("presence.", 0) != 0;
  }
  if (!comparable) {
    std::fprintf(stderr, "twoline_peers: %s is outside what the pool compares: %s\n",
                 decision.id.c_str(), engine::CanonicalDecisionJson(decision).c_str());
    std::exit(1);
  }
}

struct Pool {
  std::vector<engine::Command> requests;
  int inside = 0;
};

// Registers the pool's persons in `engine` (bringing about half of them inside first) and draws
// the requests, writing both to `out`: the zone header, one line per person, one per request.
Pool GeneratePool(engine::Engine& engine, const Options& options, Date first, std::ostream& out) {
  const policy::Profile& profile = engine.profile();
  const Date last = first + options.days - 1;
  out << ZoneHeader(profile, options) << '\n';
  sim::Random random(options.seed);
  std::vector<std::string> lists = PersonLists(profile);
  std::vector<GeneratedPerson> persons(options.persons);
  Pool pool;
  for (int i = 0; i < options.persons; ++i) {
    GeneratedPerson& person = persons[i];
    person.registration = PersonRegistration(random, profile.id, i, first, last, lists);
    person.id = std::get<engine::PersonBody>(Parse(person.registration).body).id;
    person.inside = random.Chance(500000);
    pool.inside += person.inside ? 1 : 0;
    if (person.inside) BringInside(engine, profile.id, person.id, first);
    CHECK(engine.Execute(Parse(person.registration)).outcome == engine::Outcome::kAccepted);
    out << "{\"inside\":" << (person.inside ? "true" : "false")
        << ",\"person\":" << person.registration << "}\n";
  }
  // General lanes most often, whitelist lanes half as often, and now and then a goods or vehicle
  // lane, which persons may not use.
  std::vector<int> gate_weights;
  for (const policy::Gate& gate : profile.gates) {
    gate_weights.push_back(gate.lane == policy::Lane::kGeneral     ? 6
                           : gate.lane == policy::Lane::kWhitelist ? 3
                                                                   : 1);
  }
  for (int i = 0; i < options.requests; ++i) {
    const GeneratedPerson& person = random.Pick(persons);
    const policy::Gate& gate =
        profile.gates[random.Weighted(gate_weights.data(), gate_weights.size())];
    std::string json = Crossing(random, profile.id, i, person, gate, first, options.days,
                                profile.utc_offset_minutes);
    out << "{\"request\":" << json << "}\n";
    pool.requests.push_back(Parse(json));
  }
  return pool;
}

// The answer round: one answer line per request, and what the pool exercised, printed.
void WriteAnswers(const engine::Engine& engine, const Pool& pool, std::ostream& out) {
  std::map<std::string, int> rule_counts, outcome_counts;
  for (const engine::Command& request : pool.requests) {
    engine::Decision decision = engine.Decide(request);
    CheckComparable(decision);
    ++outcome_counts[engine::OutcomeName(decision.outcome)];
    for (const engine::Reason& reason : decision.reasons) ++rule_counts[reason.rule];
    out << Answer(decision) << '\n';
  }
  std::printf("pool outcomes:");
  for (const auto& [outcome, count] : outcome_counts) std::printf(" %s %d", outcome.c_str(), count);
  std::printf("\npool rules:");
  for (const auto& [rule, count] : rule_counts) std::printf(" %s %d", rule.c_str(), count);
  std::printf("\n");
}

struct Figures {
  int64_t decisions = 0;
  double wall_seconds = 0;
  double cpu_seconds = 0;
};

// The measurement: whole rounds over the pool until the minimum time has passed, in wall-clock
// time and in the process's CPU time (which other work on a shared machine disturbs less).
Figures Measure(const engine::Engine& engine, const Pool& pool, double seconds_min) {
  using Clock = std::chrono::steady_clock;
  Figures figures;
  int64_t reasons = 0;
  Clock::time_point start = Clock::now();
  std::clock_t cpu_start = std::clock();
  do {
    for (const engine::Command& request : pool.requests) {
      reasons += static_cast<int64_t>(engine.Decide(request).reasons.size());
    }
    figures.decisions += static_cast<int64_t>(pool.requests.size());
    figures.wall_seconds = std::chrono::duration<double>(Clock::now() - start).count();
  } while (figures.wall_seconds < seconds_min);
  figures.cpu_seconds = static_cast<double>(std::clock() - cpu_start) / CLOCKS_PER_SEC;
  CHECK(reasons > 0);
  return figures;
}

std::string FiguresJson(const Figures& figures) {
  std::string out;
  JsonWriter json(&out);
  json.BeginObject();
  json.Key("decisions").Int(figures.decisions);
  json.Key("wall_microseconds").Int(static_cast<int64_t>(figures.wall_seconds * 1e6));
  json.Key("cpu_microseconds").Int(static_cast<int64_t>(figures.cpu_seconds * 1e6));
  json.EndObject();
  return out;
}

// Writes `text` to `path`; false (with a message) when the file cannot be written.
bool WriteFile(const std::string& path, const std::string& text) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << text;
  out.close();
  if (!out) std::fprintf(stderr, "twoline_peers: cannot write %s\n", path.c_str());
  return static_cast<bool>(out);
}

int Run(const Options& options) {
  auto loaded = policy::LoadBuiltinProfile(options.zone);
  if (!loaded) {
    std::fprintf(stderr, "twoline_peers: %s\n", loaded.error().message.c_str());
    return 1;
  }
  auto first = ParseDate(options.first_date);
  if (!first || options.days < 1 || options.persons < 1 || options.requests < 1) {
    std::fprintf(stderr, "twoline_peers: need a first date, days, persons and requests >= 1\n");
    return 1;
  }
  engine::Engine engine;
  engine.PutProfileInForce(std::make_shared<policy::Profile>(std::move(*loaded)));
  std::ostringstream pool_text, answers_text;
  Pool pool = GeneratePool(engine, options, *first, pool_text);
  std::printf("pool: %s, %d persons (%d inside), %d requests from %s over %d days, seed %llu\n",
              engine.profile().id.c_str(), options.persons, pool.inside, options.requests,
              options.first_date.c_str(), options.days,
              static_cast<unsigned long long>(options.seed));
  WriteAnswers(engine, pool, answers_text);
  if (!WriteFile(options.pool_path, pool_text.str()) ||
      !WriteFile(options.answers_path, answers_text.str())) {
    return 1;
  }
  Figures figures = Measure(engine, pool, options.seconds_min);
  if (!WriteFile(options.figures_path, FiguresJson(figures) + "\n")) return 1;
  std::printf(
      "twoline: %lld decisions in %.2f s = %.0f decisions/s (%.0f per CPU second; "
      "Engine::Decide, one thread)\n",
      static_cast<long long>(figures.decisions), figures.wall_seconds,
      static_cast<double>(figures.decisions) / figures.wall_seconds,
      static_cast<double>(figures.decisions) / figures.cpu_seconds);
  return 0;
}

}  // namespace
}  // namespace twoline

int main(int argc, char** argv) {
  twoline::Options options;
  CLI::App app{
      "twoline's side of the peer benchmark: a deterministic crossing pool, its answers "
      "and twoline's decisions per second"};
  app.add_option("--zone", options.zone, "built-in zone profile")->capture_default_str();
  app.add_option("--first-date", options.first_date, "first local date of the pool")
      ->capture_default_str();
  app.add_option("--days", options.days, "days the pool spans")->capture_default_str();
  app.add_option("--persons", options.persons, "registered persons")->capture_default_str();
  app.add_option("--requests", options.requests, "crossings in the pool")->capture_default_str();
  app.add_option("--seed", options.seed, "generator seed")->capture_default_str();
  app.add_option("--seconds-min", options.seconds_min, "minimum measured time")
      ->capture_default_str();
  app.add_option("--pool", options.pool_path, "pool output (JSON Lines)")->required();
  app.add_option("--answers", options.answers_path, "answers output (JSON Lines)")->required();
  app.add_option("--figures", options.figures_path, "measured figures output (JSON)")->required();
  CLI11_PARSE(app, argc, argv);
  return twoline::Run(options);
}
