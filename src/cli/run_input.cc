#include "cli/run_input.h"

#include "base/json_writer.h"
#include "policy/profile_loader.h"

namespace twoline::cli {

Result<std::shared_ptr<const policy::Profile>> LoadZoneProfile(const std::string& zone,
                                                              const std::string& profile_path) {
  policy::ProfileErrors errors;
  auto profile = profile_path.empty() ? policy::LoadBuiltinProfile(zone)
                                      : policy::LoadProfileFile(profile_path, &errors);
  if (!profile) return profile.error();
  if (profile->id != zone) {
    return Error{"profile " + profile_path + " is for zone \"" + profile->id + "\", not \"" + zone +
                 "\""};
  }
  return std::shared_ptr<const policy::Profile>(
      std::make_shared<policy::Profile>(std::move(profile).value()));
}

std::string MalformedLineDecision(const engine::ParseFailure& failure, size_t line_number) {
  std::string out;
  JsonWriter w(&out);
  w.BeginObject().Key("id");
  if (failure.id.empty()) {
    w.Null();
  } else {
    w.String(failure.id);
  }
  w.Key("line").Int(static_cast<int64_t>(line_number)).Key("outcome").String("invalid");
  w.Key("reasons").BeginArray().BeginObject().Key("rule").String("command.malformed");
  w.Key("detail").String("line " + std::to_string(line_number) + ": " + failure.message);
  w.EndObject().EndArray().EndObject();
  return out;
}

bool ProfileChanged(const policy::Profile& in_force, const policy::Profile& candidate) {
  return in_force.source_sha256 != candidate.source_sha256 ||
         in_force.tariff_text != candidate.tariff_text;
}

}  // namespace twoline::cli
