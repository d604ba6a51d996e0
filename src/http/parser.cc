#include "http/parser.h"

#include <cstring>

namespace twoline::http {
namespace {

// RFC 9110 tchar: the characters of methods, header names and transfer codings.
bool IsTokenChar(unsigned char c) {
  if (c >= '0' && c <= '9') return true;
  if ((c | 0x20) >= 'a' && (c | 0x20) <= 'z') return true;
  return std::strchr("!#$%&'*+-.^_`|~", c) != nullptr && c != '\0';
}

bool IsToken(std::string_view text) {
  if (text.empty()) return false;
  for (char c : text) {
    if (!IsTokenChar(static_cast<unsigned char>(c))) return false;
  }
  return true;
}

// A field value character: HTAB, SP, visible ASCII and obs-text; never CR, LF, NUL or DEL.
bool IsValueChar(unsigned char c) { return c == '\t' || (c >= 0x20 && c != 0x7F); }

std::string_view TrimSpace(std::string_view text) {
  while (!text.empty() && (text.front() == ' ' || text.front() == '\t')) text.remove_prefix(1);
  while (!text.empty() && (text.back() == ' ' || text.back() == '\t')) text.remove_suffix(1);
  return text;
}

// Calls `each` with every element of a comma-separated field value, trimmed; empty elements are
// skipped (RFC 9110 §5.6.1).
template <typename Each>
void ForEachListElement(std::string_view value, Each each) {
  while (!value.empty()) {
    size_t comma = value.find(',');
    std::string_view element = TrimSpace(value.substr(0, comma));
    if (!element.empty()) each(element);
    if (comma == std::string_view::npos) break;
    value.remove_prefix(comma + 1);
  }
}

int HexDigit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

}  // namespace

void RequestParser::Reset() {
  state_ = State::kHead;
  step_ = Step::kRequestLine;
  started_ = false;
  line_.clear();
  head_bytes_ = 0;
  leading_bytes_ = 0;
  fields_ = 0;
  framing_ = Framing::kNone;
  content_length_ = 0;
  chunk_remaining_ = 0;
  body_bytes_max_ = 0;
  expects_continue_ = false;
  request_ = Request{};
  error_ = ParseError{};
}

void RequestParser::Refuse(int status, const char* code, std::string message) {
  state_ = State::kFailed;
  error_ = ParseError{status, code, std::move(message)};
}

void RequestParser::Fail(ParseError error) {
  state_ = State::kFailed;
  error_ = std::move(error);
}

size_t RequestParser::Feed(std::string_view data) {
  size_t consumed = 0;
  while (consumed < data.size() && (state_ == State::kHead || state_ == State::kBody)) {
    started_ = true;
    if (step_ == Step::kChunkData) {
      size_t take =
          static_cast<size_t>(std::min<uint64_t>(chunk_remaining_, data.size() - consumed));
      request_.body.append(data.data() + consumed, take);
      consumed += take;
      chunk_remaining_ -= take;
      if (chunk_remaining_ == 0) {
        if (framing_ == Framing::kLength) {
          state_ = State::kComplete;
        } else {
          step_ = Step::kChunkDataEnd;
        }
      }
      continue;
    }
    size_t budget = 0;
    int status = 400;
    const char* code = "bad_request";
    const char* what = "";
    switch (step_) {
      case Step::kRequestLine:
        budget = limits_.request_line_bytes_max - leading_bytes_;
        status = 414;
        code = "uri_too_long";
        what = "the request line is too long";
        break;
      case Step::kHeaders:
      case Step::kTrailers:
        budget = limits_.header_bytes_max - head_bytes_;
        status = 431;
        code = "headers_too_large";
        what = "the header fields are larger than the limit";
        break;
      case Step::kChunkSize:
        budget = limits_.chunk_line_bytes_max;
        what = "a chunk-size line is too long";
        break;
      case Step::kChunkDataEnd:
        budget = 2;
        what = "a chunk is longer than its size";
        break;
      case Step::kChunkData:
        break;
    }
    if (!TakeLine(data.substr(consumed), &consumed, budget, status, code, what)) continue;
    OnLine();
    line_.clear();
  }
  return consumed;
}

bool RequestParser::TakeLine(std::string_view data, size_t* consumed, size_t line_bytes_max,
                             int status, const char* code, const char* what) {
  const void* newline = std::memchr(data.data(), '\n', data.size());
  size_t take = newline != nullptr
                    ? static_cast<size_t>(static_cast<const char*>(newline) - data.data()) + 1
                    : data.size();
  if (line_.size() + take > line_bytes_max) {
    Refuse(status, code, what);
    return false;
  }
  line_.append(data.data(), take);
  *consumed += take;
  if (newline == nullptr) return false;
  if (line_.size() < 2 || line_[line_.size() - 2] != '\r') {
    Refuse(400, "bad_request", "a line ends with a bare LF");
    return false;
  }
  line_.resize(line_.size() - 2);
  return true;
}

void RequestParser::OnLine() {
  // Parsed where it was gathered; the caller empties it after, so that its buffer serves the next
  // line (moved out, every line of every request was gathered in a new allocation).
  const std::string_view line = line_;
  const size_t bytes = line.size() + 2;
  switch (step_) {
    case Step::kRequestLine:
      if (line.empty()) {
        leading_bytes_ += bytes;  // empty lines before a request are ignored (RFC 9112 §2.2)
        return;
      }
      ParseRequestLine(line);
      return;
    case Step::kHeaders:
    case Step::kTrailers:
      head_bytes_ += bytes;
      if (line.empty()) {
        if (step_ == Step::kHeaders) {
          FinishHead();
        } else {
          state_ = State::kComplete;
        }
        return;
      }
      if (++fields_ > limits_.header_count_max) {
        Refuse(431, "headers_too_large",
               "more than " + std::to_string(limits_.header_count_max) + " header fields");
        return;
      }
      ParseHeaderLine(line);
      // Trailers are checked, not kept.
      if (step_ == Step::kTrailers && state_ != State::kFailed) request_.headers.pop_back();
      return;
    case Step::kChunkSize:
      ParseChunkSize(line);
      return;
    case Step::kChunkDataEnd:
      if (!line.empty()) return Refuse(400, "bad_request", "a chunk is longer than its size");
      step_ = Step::kChunkSize;
      return;
    case Step::kChunkData:
      return;
  }
}

void RequestParser::ParseRequestLine(std::string_view line) {
  size_t first = line.find(' ');
  size_t second = first == std::string_view::npos ? first : line.find(' ', first + 1);
  if (second == std::string_view::npos || line.find(' ', second + 1) != std::string_view::npos) {
    return Refuse(400, "bad_request", "the request line is not METHOD TARGET VERSION");
  }
  std::string_view method = line.substr(0, first);
  std::string_view target = line.substr(first + 1, second - first - 1);
  std::string_view version = line.substr(second + 1);
  if (!IsToken(method)) return Refuse(400, "bad_request", "the method is not a token");
  if (version == "HTTP/1.1") {
    request_.version_minor = 1;
  } else if (version == "HTTP/1.0") {
    request_.version_minor = 0;
  } else if (version.size() == 8 && version.substr(0, 5) == "HTTP/" && version[6] == '.' &&
             version[5] >= '0' && version[5] <= '9' && version[7] >= '0' && version[7] <= '9') {
    return Refuse(505, "version_not_supported", "only HTTP/1.0 and HTTP/1.1 are served");
  } else {
    return Refuse(400, "bad_request", "the request line does not end with an HTTP version");
  }
  if (target.empty() || target[0] != '/') {
    return Refuse(400, "bad_request", "the request target must be a path (origin-form)");
  }
  for (char c : target) {
    unsigned char u = static_cast<unsigned char>(c);
    if (u <= 0x20 || u >= 0x7F || c == '#') {
      return Refuse(400, "bad_request", "the request target has a character that is not allowed");
    }
  }
  size_t question = target.find('?');
  const std::string_view raw_path = target.substr(0, question);
  std::optional<std::string> path = PercentDecode(raw_path, false);
  if (!path) return Refuse(400, "bad_request", "the path has a malformed percent-escape");
  // Routes split the decoded path at '/': an escaped one would be taken for a separator (no id
  // holds a '/'), and so would an escaped NUL end a segment early in C strings.
  for (size_t at = raw_path.find('%'); at != std::string_view::npos; at = raw_path.find('%', at + 1)) {
    std::string_view escape = raw_path.substr(at, 3);
    if (escape == "%2F" || escape == "%2f" || escape == "%00") {
      return Refuse(400, "bad_request", "the path may not hold an escaped '/' or NUL (" + std::string(escape) + ")");
    }
  }
  request_.method = std::string(method);
  request_.target = std::string(target);
  request_.path = std::move(*path);
  if (question != std::string_view::npos) request_.query = std::string(target.substr(question + 1));
  step_ = Step::kHeaders;
}

void RequestParser::ParseHeaderLine(std::string_view line) {
  if (line[0] == ' ' || line[0] == '\t') {
    return Refuse(400, "bad_request", "folded header lines are not accepted");
  }
  size_t colon = line.find(':');
  if (colon == std::string_view::npos || !IsToken(line.substr(0, colon))) {
    return Refuse(400, "bad_request", "a header line is not NAME: VALUE");
  }
  std::string_view value = TrimSpace(line.substr(colon + 1));
  for (char c : value) {
    if (!IsValueChar(static_cast<unsigned char>(c))) {
      return Refuse(400, "bad_request", "a header value has a control character");
    }
  }
  request_.headers.push_back(Header{std::string(line.substr(0, colon)), std::string(value)});
}

void RequestParser::FinishHead() {
  size_t hosts = 0, codings = 0, chunked = 0;
  bool other_coding = false, has_length = false;
  request_.keep_alive = request_.version_minor == 1;
  for (const Header& header : request_.headers) {
    const std::string& name = header.name;
    if (EqualsIgnoreCase(name, "Host")) {
      ++hosts;
    } else if (EqualsIgnoreCase(name, "Connection")) {
      ForEachListElement(header.value, [&](std::string_view token) {
        if (EqualsIgnoreCase(token, "close")) request_.keep_alive = false;
        if (EqualsIgnoreCase(token, "keep-alive") && request_.version_minor == 0) {
          request_.keep_alive = true;
        }
      });
    } else if (EqualsIgnoreCase(name, "Transfer-Encoding")) {
      ForEachListElement(header.value, [&](std::string_view coding) {
        ++codings;
        if (EqualsIgnoreCase(coding, "chunked")) {
          ++chunked;
        } else {
          other_coding = true;
        }
      });
      if (codings == 0) return Refuse(400, "bad_request", "an empty Transfer-Encoding");
    } else if (EqualsIgnoreCase(name, "Content-Length")) {
      bool bad = false;
      size_t values = 0;
      ForEachListElement(header.value, [&](std::string_view digits) {
        ++values;
        uint64_t value = 0;
        if (digits.size() > 18) bad = true;
        for (char c : digits) {
          if (c < '0' || c > '9') bad = true;
          value = value * 10 + static_cast<uint64_t>(c - '0');
        }
        if (!bad && has_length && value != content_length_) bad = true;
        content_length_ = value;
        has_length = true;
      });
      if (bad || values == 0)
        return Refuse(400, "bad_request", "a malformed or conflicting Content-Length");
    } else if (EqualsIgnoreCase(name, "Content-Encoding")) {
      bool compressed = false;
      ForEachListElement(header.value, [&](std::string_view coding) {
        if (!EqualsIgnoreCase(coding, "identity")) compressed = true;
      });
      if (compressed) {
        return Refuse(415, "unsupported_media_type",
                      "compressed request bodies (Content-Encoding) are not accepted");
      }
    } else if (EqualsIgnoreCase(name, "Expect")) {
      if (EqualsIgnoreCase(header.value, "100-continue")) expects_continue_ = true;
    }
  }
  if (hosts > 1 || (hosts == 0 && request_.version_minor == 1)) {
    return Refuse(400, "bad_request", "an HTTP/1.1 request needs exactly one Host header");
  }
  if (codings > 0) {
    if (request_.version_minor == 0) {
      return Refuse(400, "bad_request", "Transfer-Encoding is not allowed in HTTP/1.0");
    }
    if (has_length) {
      return Refuse(400, "bad_request", "Content-Length and Transfer-Encoding together");
    }
    if (other_coding) {
      return Refuse(501, "not_implemented", "the only transfer coding accepted is chunked");
    }
    if (chunked != 1) return Refuse(400, "bad_request", "chunked is applied more than once");
    framing_ = Framing::kChunked;
  } else if (has_length) {
    framing_ = Framing::kLength;
    request_.declared_length = content_length_;
  }
  state_ = State::kHeadComplete;
}

void RequestParser::ReadBody(size_t body_bytes_max) {
  body_bytes_max_ = body_bytes_max;
  const std::string& method = request_.method;
  bool sends_body = method == "POST" || method == "PUT" || method == "PATCH";
  if (framing_ == Framing::kNone) {
    if (body_bytes_max > 0 && sends_body) {
      return Refuse(411, "length_required", "send the body with a Content-Length (or chunked)");
    }
    state_ = State::kComplete;
    return;
  }
  if (framing_ == Framing::kLength && content_length_ == 0) {
    state_ = State::kComplete;
    return;
  }
  if (body_bytes_max == 0) return Refuse(400, "body_not_allowed", "this request takes no body");
  if (framing_ == Framing::kLength) {
    if (content_length_ > body_bytes_max) {
      return Refuse(413, "too_large",
                    "the body is longer than " + std::to_string(body_bytes_max) + " bytes");
    }
    request_.body.reserve(static_cast<size_t>(std::min<uint64_t>(content_length_, 64 * 1024)));
    chunk_remaining_ = content_length_;
    step_ = Step::kChunkData;  // a Content-Length body is read as one chunk without framing
  } else {
    step_ = Step::kChunkSize;
  }
  state_ = State::kBody;
}

void RequestParser::ParseChunkSize(std::string_view line) {
  size_t digits = 0;
  uint64_t size = 0;
  while (digits < line.size() && HexDigit(line[digits]) >= 0) {
    if (digits == 15) {
      return Refuse(413, "too_large",
                    "the body is longer than " + std::to_string(body_bytes_max_) + " bytes");
    }
    size = size * 16 + static_cast<uint64_t>(HexDigit(line[digits]));
    ++digits;
  }
  if (digits == 0) return Refuse(400, "bad_request", "a chunk does not start with its size");
  std::string_view rest = TrimSpace(line.substr(digits));
  if (!rest.empty()) {
    if (rest[0] != ';') return Refuse(400, "bad_request", "a malformed chunk-size line");
    for (char c : rest) {
      if (!IsValueChar(static_cast<unsigned char>(c))) {
        return Refuse(400, "bad_request", "a chunk extension has a control character");
      }
    }
  }
  if (size == 0) {
    step_ = Step::kTrailers;
    return;
  }
  if (size > body_bytes_max_ - request_.body.size()) {
    return Refuse(413, "too_large",
                  "the body is longer than " + std::to_string(body_bytes_max_) + " bytes");
  }
  chunk_remaining_ = size;
  step_ = Step::kChunkData;
}

}  // namespace twoline::http
