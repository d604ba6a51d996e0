#include "cli/zones_command.h"

#include <algorithm>
#include <ostream>
#include <vector>

#include "base/decimal.h"
#include "base/json_writer.h"
#include "policy/profile_loader.h"

namespace twoline::cli {
namespace {

// Width of UTF-8 text in terminal columns, counting code points (names hold en dashes).
size_t DisplayWidth(std::string_view text) {
  return static_cast<size_t>(std::count_if(text.begin(), text.end(), [](char c) {
    return (static_cast<unsigned char>(c) & 0xC0) != 0x80;
  }));
}

std::string Padded(std::string_view text, size_t width) {
  std::string out(text);
  size_t shown = DisplayWidth(text);
  if (shown < width) out.append(width - shown, ' ');
  return out;
}

// "first:MO(persons) second:mainland": where each line leads and whether it checks persons.
std::string LinesSummary(const policy::Profile& profile) {
  std::string out;
  for (const policy::LineSpec& line : profile.lines) {
    if (!out.empty()) out += ' ';
    out += std::string(policy::LineName(line.line)) + ":" + line.outside;
    if (line.persons_controlled) out += "(persons)";
  }
  return out;
}

void PrintTable(const std::vector<policy::Profile>& profiles, std::ostream& out) {
  const std::vector<std::string> headings = {"id", "name", "area_km2", "lines", "gates"};
  std::vector<std::vector<std::string>> rows;
  for (const policy::Profile& profile : profiles) {
    rows.push_back({profile.id, profile.name, profile.area_km2, LinesSummary(profile),
                    std::to_string(profile.gates.size())});
  }
  std::vector<size_t> widths;
  for (const std::string& heading : headings) widths.push_back(heading.size());
  for (const auto& row : rows) {
    for (size_t i = 0; i < row.size(); ++i) widths[i] = std::max(widths[i], DisplayWidth(row[i]));
  }
  auto print_row = [&](const std::vector<std::string>& cells) {
    std::string line;
    for (size_t i = 0; i < cells.size(); ++i) {
      line += i + 1 == cells.size() ? cells[i] : Padded(cells[i], widths[i]) + "  ";
    }
    out << line << '\n';
  };
  print_row(headings);
  for (const auto& row : rows) print_row(row);
}

void PrintGates(const policy::Profile& profile, std::ostream& out) {
  out << '\n' << profile.id << " gates:\n";
  for (const policy::Gate& gate : profile.gates) {
    std::string line = "  " + Padded(gate.id, 14) + "  " + Padded(policy::LineName(gate.line), 6) +
                       "  " + Padded(policy::LaneName(gate.lane), 9);
    if (!gate.list.empty()) line += "  list " + gate.list;
    if (gate.effective.from != policy::kDateMin)
      line += "  from " + FormatDate(gate.effective.from);
    if (gate.effective.until != policy::kDateMax) {
      line += "  until " + FormatDate(gate.effective.until);
    }
    while (!line.empty() && line.back() == ' ') line.pop_back();
    out << line << '\n';
  }
}

}  // namespace

std::string ZoneJson(const policy::Profile& profile) {
  std::string json;
  JsonWriter w(&json);
  w.BeginObject();
  w.Key("id").String(profile.id);
  w.Key("name").String(profile.name);
  // Re-formatted from the exact value so that the output is always a valid JSON number.
  Result<int64_t> area = ParseFixed(profile.area_km2, kQuantityScale, false, "area_km2");
  w.Key("area_km2");
  if (area.ok()) {
    w.Raw(FormatQuantity(*area));
  } else {
    w.Null();
  }
  w.Key("positioning").String(profile.positioning);
  w.Key("lines").BeginArray();
  for (const policy::LineSpec& line : profile.lines) {
    w.BeginObject();
    w.Key("line").String(policy::LineName(line.line));
    w.Key("outside").String(line.outside);
    w.Key("persons_controlled").Bool(line.persons_controlled);
    w.EndObject();
  }
  w.EndArray();
  w.Key("gates").BeginArray();
  for (const policy::Gate& gate : profile.gates) {
    w.BeginObject();
    w.Key("id").String(gate.id);
    w.Key("line").String(policy::LineName(gate.line));
    w.Key("lane").String(policy::LaneName(gate.lane));
    if (!gate.list.empty()) w.Key("list").String(gate.list);
    w.EndObject();
  }
  w.EndArray();
  w.Key("lists").BeginArray();
  for (const policy::ListSpec& list : profile.lists) w.String(list.name);
  w.EndArray();
  w.EndObject();
  return json;
}

int RunZones(bool json, std::ostream& out, std::ostream& err) {
  std::vector<policy::Profile> profiles;
  for (const std::string& id : policy::BuiltinZoneIds()) {
    Result<policy::Profile> profile = policy::LoadBuiltinProfile(id);
    if (!profile.ok()) {
      err << profile.error().message << '\n';
      return 1;
    }
    profiles.push_back(std::move(*profile));
  }
  if (json) {
    std::string array = "[";
    for (size_t i = 0; i < profiles.size(); ++i) {
      if (i > 0) array += ',';
      array += ZoneJson(profiles[i]);
    }
    out << array << "]\n";
    return 0;
  }
  PrintTable(profiles, out);
  for (const policy::Profile& profile : profiles) PrintGates(profile, out);
  return 0;
}

int RunCheckProfile(const std::string& path, std::ostream& out, std::ostream& err) {
  policy::ProfileErrors errors;
  Result<policy::Profile> profile = policy::LoadProfileFile(path, &errors);
  if (!profile.ok()) {
    for (const std::string& message : errors.messages) err << message << '\n';
    if (errors.messages.empty()) err << profile.error().message << '\n';
    return 1;
  }
  out << "ok " << profile->id << ' ' << profile->source_sha256 << '\n';
  return 0;
}

}  // namespace twoline::cli
