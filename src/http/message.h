// Request and Response: the HTTP/1.1 messages the server hands to its handler and writes back.
//
// A Request is what RequestParser (http/parser.h) read: method, target split into a percent-decoded
// path and a raw query, headers in arrival order (names as sent; looked up case-insensitively), the
// body (only for routes that take one), and the peer's address. A Response is a status, a content
// type, extra headers and a body; the server adds Content-Length, Connection and the date-free
// framing when it serialises it (SerializeHead).
// Thread-safety: value types.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace twoline::http {

struct Header {
  std::string name;
  std::string value;
};

// ASCII case-insensitive equality (header names, tokens such as "chunked").
bool EqualsIgnoreCase(std::string_view a, std::string_view b);

struct Request {
  std::string method;     // "GET", "POST", … (case-sensitive, as RFC 9110 says)
  std::string target;     // the request-target as sent
  std::string path;       // percent-decoded, without the query
  std::string query;      // after '?', raw
  int version_minor = 1;  // HTTP/1.0 or HTTP/1.1
  std::vector<Header> headers;
  std::string body;
  // The body's length as its Content-Length declared it (checked by the parser), once the head is
  // read; nullopt for a chunked body or none.
  std::optional<uint64_t> declared_length;
  std::string remote_address;  // the peer's IP address, without the port
  bool keep_alive = true;      // the client allows another request on this connection

  // The value of the first header called `name` (case-insensitive); null when absent.
  const std::string* FindHeader(std::string_view name) const;
  bool HasHeader(std::string_view name) const { return FindHeader(name) != nullptr; }
  std::string HeaderValue(std::string_view name) const;
  // The percent-decoded value of query parameter `name` ('+' is a space); nullopt when absent.
  std::optional<std::string> Param(std::string_view name) const;
  bool HasParam(std::string_view name) const { return Param(name).has_value(); }
  std::string ParamValue(std::string_view name) const { return Param(name).value_or(""); }
  // The value of cookie `name` in the Cookie header(s); nullopt when absent.
  std::optional<std::string> Cookie(std::string_view name) const;
};

struct Response {
  int status = 200;
  std::string content_type = "application/json";
  std::vector<Header> headers;  // besides Content-Type, Content-Length and Connection
  std::string body;
  bool close = false;  // close the connection after this response

  Response& SetHeader(std::string name, std::string value) {
    headers.push_back(Header{std::move(name), std::move(value)});
    return *this;
  }
};

// "Bad Request" for 400, … ("Unknown" for codes the server never sends).
const char* ReasonPhrase(int status);

// The status line and headers of `response`, ending with the empty line. `content_length`: the
// body's length, or nullopt for a body delimited by closing the connection (event streams).
std::string SerializeHead(const Response& response, std::optional<size_t> content_length,
                          bool keep_alive);

// Decodes %XX escapes (and '+' as a space when `plus_is_space`). nullopt for a malformed escape or
// a decoded NUL.
std::optional<std::string> PercentDecode(std::string_view text, bool plus_is_space);

}  // namespace twoline::http
