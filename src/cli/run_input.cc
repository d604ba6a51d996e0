#include "cli/run_input.h"

#include <algorithm>

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

RunInput::RunInput(std::istream& in, size_t batch_lines)
    : in_(in),
      tied_(in.tie(nullptr)),
      reader_([this, batch_lines = std::min(batch_lines, kBatchLinesMax)] {
        engine::Limits limits;
        auto batch = spent_.Take(batch_lines);
        std::string line;
        size_t line_number = 0;
        while (!queue_.closed() && std::getline(in_, line)) {
          ++line_number;
          RunLine& item = batch->emplace_back();
          engine::ParseFailure failure;
          item.parsed = engine::ParseCommand(line, limits, &item.command, &failure);
          if (!item.parsed) item.malformed = MalformedLineDecision(failure, line_number);
          if (batch->size() >= batch_lines) {
            queue_.Push(std::move(batch));
            batch = spent_.Take(batch_lines);
          }
        }
        if (!batch->empty()) queue_.Push(std::move(batch));
        queue_.Push(nullptr);
      }) {}

RunInput::~RunInput() {
  queue_.Close();
  reader_.join();
  in_.tie(tied_);
}

bool ProfileChanged(const policy::Profile& in_force, const policy::Profile& candidate) {
  return in_force.source_sha256 != candidate.source_sha256 ||
         in_force.tariff_text != candidate.tariff_text;
}

}  // namespace twoline::cli
