// libFuzzer target: the HTTP request parser (http::RequestParser) on arbitrary bytes, fed in pieces
// whose sizes come from the input's first byte, through as many pipelined requests as the bytes
// hold. Checks the parser's promises: it never consumes more than it is given, a body never exceeds
// the limit it was given, a refusal always has a status and a message, and feeding the same bytes
// whole or in pieces gives the same requests.
#include <cstdint>
#include <cstdlib>
#include <string>
#include <vector>

#include "http/parser.h"

namespace {

using twoline::http::RequestParser;

constexpr size_t kBodyMax = 4096;

// The requests (method, path, body) or the refusal status the bytes make, fed `step` bytes at a
// time.
std::vector<std::string> Parse(std::string_view bytes, size_t step) {
  twoline::http::ParserLimits limits;
  limits.request_line_bytes_max = 512;
  limits.header_count_max = 16;
  limits.header_bytes_max = 2048;
  RequestParser parser(limits);
  std::vector<std::string> out;
  size_t at = 0;
  while (at < bytes.size()) {
    size_t piece = std::min(step, bytes.size() - at);
    size_t used = parser.Feed(bytes.substr(at, piece));
    if (used > piece) std::abort();
    at += used;
    if (parser.state() == RequestParser::State::kHeadComplete) {
      // Bodies only for POST, as a server's routes would say.
      parser.ReadBody(parser.request().method == "POST" ? kBodyMax : 0);
    }
    if (parser.body_bytes() > kBodyMax) std::abort();
    if (parser.state() == RequestParser::State::kComplete) {
      const auto& request = parser.request();
      out.push_back(request.method + " " + request.path + " " + request.query + " " + request.body);
      parser.Reset();
    } else if (parser.state() == RequestParser::State::kFailed) {
      if (parser.error().status < 400 || parser.error().message.empty()) std::abort();
      out.push_back("refused " + std::to_string(parser.error().status));
      return out;
    } else if (used == 0 && piece > 0 && parser.state() != RequestParser::State::kHeadComplete) {
      std::abort();  // stuck: neither consumed nor finished
    }
  }
  return out;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  size_t step = 1 + data[0] % 64;
  std::string_view bytes(reinterpret_cast<const char*>(data) + 1, size - 1);
  if (Parse(bytes, step) != Parse(bytes, bytes.size() + 1)) std::abort();
  return 0;
}
