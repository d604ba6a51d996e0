#include "api/request_body.h"

#include <simdjson.h>

namespace twoline::api {
namespace {

bool IsJsonWhitespace(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }

// Whether text is well-formed JSON (used only on the failure path, to tell syntax from schema).
bool IsJson(std::string_view text) {
  thread_local simdjson::dom::parser parser;
  simdjson::dom::element ignored;
  return !parser.parse(text.data(), text.size()).get(ignored);
}

// Rewrites a command's path ("$.at: ...") to its place in the batch ("$[3].at: ...").
std::string InBatch(const std::string& text, size_t index) {
  std::string prefix = "$[" + std::to_string(index) + "]";
  if (text.empty() || text[0] != '$') return prefix + ": " + text;
  return prefix + text.substr(1);
}

BodyError CommandError(const engine::ParseFailure& failure, bool json, std::optional<size_t> index) {
  BodyError error;
  std::string path = failure.path.empty() ? "$" : failure.path;
  std::string message = failure.message;
  if (index) {
    path = InBatch(path, *index);
    message = InBatch(message, *index);
  }
  if (!json) {
    error.code = "malformed_json";
    error.message = message;
    error.path = index ? InBatch("$", *index) : "$";
    return error;
  }
  error.status = failure.over_limit ? 413 : 400;
  error.code = error.status == 413 ? "too_large" : "invalid_command";
  error.message = message;
  error.path = path;
  return error;
}

std::variant<ParsedBody, BodyError> ParseBatch(std::string_view body, const BodyLimits& limits) {
  thread_local simdjson::dom::parser parser;
  simdjson::dom::element root;
  if (auto code = parser.parse(body.data(), body.size()).get(root)) {
    return BodyError{400, "malformed_json", std::string("$: not JSON: ") + simdjson::error_message(code), "$"};
  }
  simdjson::dom::array items;
  if (root.get(items)) return BodyError{400, "malformed_json", "$: not JSON", "$"};
  if (items.size() > limits.batch_commands_max) {
    return BodyError{413, "too_large",
                     "$: a batch holds at most " + std::to_string(limits.batch_commands_max) + " commands",
                     "$"};
  }
  if (items.size() == 0) return BodyError{400, "invalid_command", "$: an empty batch", "$"};
  ParsedBody parsed;
  parsed.batch = true;
  parsed.commands.resize(items.size());
  size_t index = 0;
  for (simdjson::dom::element item : items) {
    // Each member is re-read by the command parser from its compact text: one grammar, one place.
    std::string text = simdjson::minify(item);
    engine::ParseFailure failure;
    if (!engine::ParseCommand(text, limits.command, &parsed.commands[index], &failure)) {
      return CommandError(failure, true, index);
    }
    ++index;
  }
  return parsed;
}

}  // namespace

std::variant<ParsedBody, BodyError> ParseCommandsBody(std::string_view body,
                                                      const BodyLimits& limits) {
  if (body.size() > limits.body_bytes_max) {
    return BodyError{413, "too_large",
                     "the body is longer than " + std::to_string(limits.body_bytes_max) + " bytes", ""};
  }
  size_t first = 0;
  while (first < body.size() && IsJsonWhitespace(body[first])) ++first;
  if (first == body.size()) return BodyError{400, "malformed_json", "the body is empty", "$"};
  if (body[first] == '[') return ParseBatch(body, limits);
  ParsedBody parsed;
  parsed.commands.resize(1);
  engine::ParseFailure failure;
  if (!engine::ParseCommand(body, limits.command, &parsed.commands[0], &failure)) {
    // A body over the per-command limit is refused before it is parsed; it is JSON or not, but too
    // large either way.
    bool json = failure.over_limit || IsJson(body);
    return CommandError(failure, json, std::nullopt);
  }
  return parsed;
}

}  // namespace twoline::api
