#include "engine/queries.h"

#include <algorithm>
#include <cstdio>

#include "base/json_writer.h"

namespace twoline::engine {
namespace {

std::vector<const Person*> PersonsInside(const Engine& engine) {
  std::vector<const Person*> inside;
  for (const Person& person : engine.state().persons) {
    if (person.inside) inside.push_back(&person);
  }
  std::sort(inside.begin(), inside.end(),
            [](const Person* a, const Person* b) { return a->id < b->id; });
  return inside;
}

}  // namespace

std::string PresenceJson(const Engine& engine, size_t offset, size_t limit) {
  std::vector<const Person*> inside = PersonsInside(engine);
  std::string out;
  JsonWriter w(&out);
  w.BeginObject().Key("zone").String(engine.profile().id);
  w.Key("count").Int(static_cast<int64_t>(inside.size()));
  w.Key("offset").Int(static_cast<int64_t>(offset));
  w.Key("persons").BeginArray();
  for (size_t i = offset; i < inside.size() && i - offset < limit; ++i) {
    const Person& p = *inside[i];
    w.BeginObject().Key("person").String(p.id);
    w.Key("entered_at").String(FormatRfc3339(p.entered_at, engine.profile().utc_offset_minutes));
    w.Key("gate").String(p.entered_gate).EndObject();
  }
  w.EndArray().EndObject();
  out.push_back('\n');
  return out;
}

std::string PresenceTable(const Engine& engine) {
  std::vector<const Person*> inside = PersonsInside(engine);
  std::string out = engine.profile().id + ": " + std::to_string(inside.size()) + " inside\n";
  char line[256];
  std::snprintf(line, sizeof line, "%-24s %-26s %s\n", "PERSON", "ENTERED AT", "GATE");
  out += line;
  for (const Person* p : inside) {
    std::snprintf(line, sizeof line, "%-24s %-26s %s\n", p->id.c_str(),
                  FormatRfc3339(p->entered_at, engine.profile().utc_offset_minutes).c_str(),
                  p->entered_gate);
    out += line;
  }
  return out;
}

}  // namespace twoline::engine
