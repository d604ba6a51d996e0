// RequestParser: an incremental HTTP/1.1 request parser with a limit at every stage.
//
// Bytes are fed as they arrive; the parser never holds more than one line of the head (bounded by
// the request-line or header budget) plus the body it was told to accept. It stops after the head
// (kHeadComplete) so that the caller can decide, from the method and path, whether the route takes
// a body and how large, before any body byte is read; then ReadBody(limit) and more Feed calls read
// it (Content-Length or chunked, bounded as it streams), up to kComplete. Whatever follows a
// complete request (a pipelined request) is left unconsumed.
//
// Refused, with the status the server answers (and then closes the connection):
//   request line longer than request_line_bytes_max             414 uri_too_long
//   more than header_count_max headers, or header (and trailer) lines over header_bytes_max
//                                                               431 headers_too_large
//   syntax: bare LF, obs-fold, a space before a colon, control characters, a target that is not
//   origin-form, a missing or repeated Host (HTTP/1.1), Content-Length and Transfer-Encoding
//   together, differing Content-Lengths, a Transfer-Encoding on HTTP/1.0, a malformed chunk
//                                                               400 bad_request
//   an HTTP version other than 1.0 and 1.1                     505 version_not_supported
//   a transfer coding other than "chunked" (any case)           501 not_implemented
//   a Content-Encoding other than identity (compressed bodies are never inflated)
//                                                               415 unsupported_media_type
//   a body larger than the route's limit: at once for a Content-Length, as soon as the chunks
//   exceed it for chunked bodies                               413 too_large
//   a body on a route that takes none                          400 body_not_allowed
// Thread-safety: none; one parser per connection.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "http/message.h"

namespace twoline::http {

struct ParserLimits {
  size_t request_line_bytes_max = 8 * 1024;  // with its CRLF (and any empty lines before it)
  size_t header_count_max = 64;              // header fields, and trailer fields
  size_t header_bytes_max = 16 * 1024;       // every header line with its CRLF, plus trailers
  size_t chunk_line_bytes_max = 256;         // one chunk-size line with extensions
};

enum class Framing { kNone, kLength, kChunked };

struct ParseError {
  int status = 400;
  std::string code;  // bad_request | uri_too_long | headers_too_large | too_large | …
  std::string message;
};

class RequestParser {
 public:
  enum class State { kHead, kHeadComplete, kBody, kComplete, kFailed };

  explicit RequestParser(const ParserLimits& limits) : limits_(limits) {}

  // Consumes a prefix of `data`; returns how many bytes. Stops at kHeadComplete, kComplete and
  // kFailed (consuming nothing more), so that a caller feeds the rest again after acting.
  size_t Feed(std::string_view data);

  // After kHeadComplete: reads the body within `body_bytes_max` (0: the route takes no body).
  // Moves to kBody, kComplete (no body, or an empty one) or kFailed (413, or 400 for a body on a
  // route that takes none).
  void ReadBody(size_t body_bytes_max);
  // Fails the request with `error` (used by the server for limits it checks itself).
  void Fail(ParseError error);

  State state() const { return state_; }
  // True once any byte of the current request was consumed.
  bool started() const { return started_; }
  Framing framing() const { return framing_; }
  uint64_t content_length() const { return content_length_; }
  // Body bytes received so far (decoded).
  size_t body_bytes() const { return request_.body.size(); }
  bool expects_continue() const { return expects_continue_; }
  Request& request() { return request_; }
  const ParseError& error() const { return error_; }

  // Ready for the next request on the connection.
  void Reset();

 private:
  enum class Step { kRequestLine, kHeaders, kChunkSize, kChunkData, kChunkDataEnd, kTrailers };
  // Accumulates one line of the head (or of chunk framing); false when it is not complete yet.
  bool TakeLine(std::string_view data, size_t* consumed, size_t line_bytes_max, int status,
                const char* code, const char* what);
  void OnLine();
  void ParseRequestLine(std::string_view line);
  void ParseHeaderLine(std::string_view line);
  void FinishHead();
  void ParseChunkSize(std::string_view line);
  void Refuse(int status, const char* code, std::string message);

  const ParserLimits limits_;
  State state_ = State::kHead;
  Step step_ = Step::kRequestLine;
  bool started_ = false;
  std::string line_;          // the current line so far
  size_t head_bytes_ = 0;     // header (and trailer) bytes so far
  size_t leading_bytes_ = 0;  // empty lines before the request line
  size_t fields_ = 0;         // header (and trailer) fields so far
  Framing framing_ = Framing::kNone;
  uint64_t content_length_ = 0;
  uint64_t chunk_remaining_ = 0;
  size_t body_bytes_max_ = 0;
  bool expects_continue_ = false;
  Request request_;
  ParseError error_;
};

}  // namespace twoline::http
