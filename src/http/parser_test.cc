// RequestParser: every limit and every framing rule, fed whole and byte by byte.
#include "http/parser.h"

#include <gtest/gtest.h>

namespace twoline::http {
namespace {

ParserLimits SmallLimits() {
  ParserLimits limits;
  limits.request_line_bytes_max = 64;
  limits.header_count_max = 4;
  limits.header_bytes_max = 128;
  return limits;
}

// Feeds `text` (one byte at a time when `bytewise`), reading a body within `body_max` once the head
// is complete; returns the bytes consumed.
size_t FeedAll(RequestParser& parser, std::string_view text, size_t body_max,
               bool bytewise = false) {
  size_t used = 0;
  while (used < text.size()) {
    size_t step = bytewise ? 1 : text.size() - used;
    size_t got = parser.Feed(text.substr(used, step));
    used += got;
    if (parser.state() == RequestParser::State::kHeadComplete) {
      parser.ReadBody(body_max);
      continue;
    }
    if (got == 0) break;
  }
  if (parser.state() == RequestParser::State::kHeadComplete) parser.ReadBody(body_max);
  return used;
}

TEST(RequestParserTest, ASimpleGetIsParsed) {
  for (bool bytewise : {false, true}) {
    RequestParser parser(ParserLimits{});
    std::string text =
        "GET /v1/zones/a%2Db/presence?limit=5&x=a+b%21 HTTP/1.1\r\nHost: h\r\nCookie: a=1; "
        "twoline_session=\"s\"\r\n\r\n";
    EXPECT_EQ(FeedAll(parser, text, 0, bytewise), text.size());
    ASSERT_EQ(parser.state(), RequestParser::State::kComplete);
    const Request& request = parser.request();
    EXPECT_EQ(request.method, "GET");
    EXPECT_EQ(request.path, "/v1/zones/a-b/presence");
    EXPECT_EQ(request.ParamValue("limit"), "5");
    EXPECT_EQ(request.ParamValue("x"), "a b!");
    EXPECT_FALSE(request.HasParam("y"));
    EXPECT_EQ(request.HeaderValue("host"), "h");
    EXPECT_EQ(request.Cookie("twoline_session").value_or(""), "s");
    EXPECT_TRUE(request.keep_alive);
  }
}

TEST(RequestParserTest, APipelinedRequestIsLeftUnconsumed) {
  RequestParser parser(ParserLimits{});
  std::string first = "POST /a HTTP/1.1\r\nHost: h\r\nContent-Length: 3\r\n\r\nabc";
  std::string second = "GET /b HTTP/1.1\r\nHost: h\r\n\r\n";
  EXPECT_EQ(FeedAll(parser, first + second, 10), first.size());
  ASSERT_EQ(parser.state(), RequestParser::State::kComplete);
  EXPECT_EQ(parser.request().body, "abc");
  parser.Reset();
  EXPECT_EQ(FeedAll(parser, second, 0), second.size());
  EXPECT_EQ(parser.request().path, "/b");
}

TEST(RequestParserTest, ChunkedBodiesAreDecodedInAnyCase) {
  for (bool bytewise : {false, true}) {
    RequestParser parser(ParserLimits{});
    std::string text =
        "POST /a HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: ChUnKeD\r\n\r\n"
        "3;ext=1\r\nabc\r\nA\r\n0123456789\r\n0\r\nX-Trailer: t\r\n\r\n";
    EXPECT_EQ(FeedAll(parser, text, 100, bytewise), text.size());
    ASSERT_EQ(parser.state(), RequestParser::State::kComplete) << parser.error().message;
    EXPECT_EQ(parser.request().body, "abc0123456789");
    EXPECT_FALSE(parser.request().HasHeader("X-Trailer"));
  }
}

TEST(RequestParserTest, AChunkedBodyOverTheLimitIsRefusedAsItStreams) {
  RequestParser parser(ParserLimits{});
  std::string text =
      "POST /a HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n8\r\n12345678\r\n8\r\n";
  FeedAll(parser, text, 10);
  ASSERT_EQ(parser.state(), RequestParser::State::kFailed);
  EXPECT_EQ(parser.error().status, 413);
  EXPECT_EQ(parser.request().body, "12345678") << "refused at the chunk size, before its data";
  RequestParser huge(ParserLimits{});
  FeedAll(huge,
          "POST /a HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\nffffffffffffffffff\r\n",
          10);
  EXPECT_EQ(huge.error().status, 413);
}

TEST(RequestParserTest, AContentLengthOverTheLimitIsRefusedBeforeTheBody) {
  RequestParser parser(ParserLimits{});
  std::string head = "POST /a HTTP/1.1\r\nHost: h\r\nContent-Length: 11\r\n\r\n";
  EXPECT_EQ(FeedAll(parser, head + "01234567890", 10), head.size());
  EXPECT_EQ(parser.state(), RequestParser::State::kFailed);
  EXPECT_EQ(parser.error().status, 413);
}

TEST(RequestParserTest, ABodyOnARouteThatTakesNoneIsRefused) {
  RequestParser parser(ParserLimits{});
  FeedAll(parser, "GET /a HTTP/1.1\r\nHost: h\r\nContent-Length: 5\r\n\r\nhello", 0);
  EXPECT_EQ(parser.error().code, "body_not_allowed");
  RequestParser chunked(ParserLimits{});
  FeedAll(chunked, "PUT /a HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n", 0);
  EXPECT_EQ(chunked.error().code, "body_not_allowed");
  RequestParser empty(ParserLimits{});
  FeedAll(empty, "GET /a HTTP/1.1\r\nHost: h\r\nContent-Length: 0\r\n\r\n", 0);
  EXPECT_EQ(empty.state(), RequestParser::State::kComplete);
}

TEST(RequestParserTest, APostWithoutFramingNeedsALength) {
  RequestParser parser(ParserLimits{});
  FeedAll(parser, "POST /a HTTP/1.1\r\nHost: h\r\n\r\n{}", 100);
  EXPECT_EQ(parser.error().status, 411);
}

TEST(RequestParserTest, HeadLimitsAreEnforced) {
  auto status = [](const std::string& text) {
    RequestParser parser(SmallLimits());
    FeedAll(parser, text, 0);
    return parser.state() == RequestParser::State::kFailed ? parser.error().status : 0;
  };
  EXPECT_EQ(status("GET /" + std::string(100, 'a') + " HTTP/1.1\r\n"), 414);
  EXPECT_EQ(status(std::string(70, '\n')), 400) << "bare LFs";
  EXPECT_EQ(status(std::string(70, '\r') + "\n"), 414);
  std::string many = "GET / HTTP/1.1\r\nHost: h\r\n";
  for (int i = 0; i < 5; ++i) many += "A: b\r\n";
  EXPECT_EQ(status(many + "\r\n"), 431);
  EXPECT_EQ(status("GET / HTTP/1.1\r\nHost: h\r\nA: " + std::string(200, 'b') + "\r\n\r\n"), 431);
  EXPECT_EQ(status("GET / HTTP/1.1\r\nHost: h\r\n\r\n"), 0);
}

TEST(RequestParserTest, FramingAmbiguitiesAreRefused) {
  auto failure = [](const std::string& headers) {
    RequestParser parser(ParserLimits{});
    FeedAll(parser, "POST /a HTTP/1.1\r\nHost: h\r\n" + headers + "\r\n", 100);
    return parser.state() == RequestParser::State::kFailed ? parser.error().status : 0;
  };
  EXPECT_EQ(failure("Content-Length: 3\r\nTransfer-Encoding: chunked\r\n"), 400);
  EXPECT_EQ(failure("Content-Length: 3\r\nContent-Length: 4\r\n"), 400);
  EXPECT_EQ(failure("Content-Length: 3, 4\r\n"), 400);
  EXPECT_EQ(failure("Content-Length: -1\r\n"), 400);
  EXPECT_EQ(failure("Content-Length: 99999999999999999999\r\n"), 400);
  EXPECT_EQ(failure("Transfer-Encoding: gzip, chunked\r\n"), 501);
  EXPECT_EQ(failure("Transfer-Encoding: chunked, chunked\r\n"), 400);
  EXPECT_EQ(failure("Content-Encoding: gzip\r\nContent-Length: 3\r\n"), 415);
  EXPECT_EQ(failure("Content-Encoding: identity\r\nContent-Length: 0\r\n"), 0);
  EXPECT_EQ(failure("Host: other\r\n"), 400) << "two Host headers";
  EXPECT_EQ(failure(" folded: x\r\n"), 400);
  EXPECT_EQ(failure("Name : x\r\n"), 400);
  EXPECT_EQ(failure(std::string("A: x\x01y\r\n")), 400);
  RequestParser old(ParserLimits{});
  FeedAll(old, "POST /a HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n", 100);
  EXPECT_EQ(old.error().status, 400);
}

TEST(RequestParserTest, RequestLinesAreStrict) {
  auto status = [](const std::string& line) {
    RequestParser parser(ParserLimits{});
    FeedAll(parser, line + "\r\nHost: h\r\n\r\n", 0);
    return parser.state() == RequestParser::State::kFailed ? parser.error().status : 0;
  };
  EXPECT_EQ(status("GET / HTTP/2.0"), 505);
  EXPECT_EQ(status("GET / HTTP/1.1 "), 400);
  EXPECT_EQ(status("GET  / HTTP/1.1"), 400);
  EXPECT_EQ(status("GET http://h/ HTTP/1.1"), 400);
  EXPECT_EQ(status("GET /a%zz HTTP/1.1"), 400);
  EXPECT_EQ(status("GET /a%00 HTTP/1.1"), 400);
  EXPECT_EQ(status("G(T / HTTP/1.1"), 400);
  EXPECT_EQ(status("GET /#x HTTP/1.1"), 400);
  EXPECT_EQ(status("GET / HTTP/1.0"), 0);
}

TEST(RequestParserTest, ConnectionAndExpectAreUnderstood) {
  RequestParser close(ParserLimits{});
  FeedAll(close, "GET / HTTP/1.1\r\nHost: h\r\nConnection: keep-alive, Close\r\n\r\n", 0);
  EXPECT_FALSE(close.request().keep_alive);
  RequestParser old(ParserLimits{});
  FeedAll(old, "GET / HTTP/1.0\r\nConnection: keep-alive\r\n\r\n", 0);
  EXPECT_TRUE(old.request().keep_alive);
  RequestParser expect(ParserLimits{});
  FeedAll(expect, "POST / HTTP/1.1\r\nHost: h\r\nExpect: 100-continue\r\nContent-Length: 2\r\n\r\n",
          10);
  EXPECT_TRUE(expect.expects_continue());
  EXPECT_EQ(expect.state(), RequestParser::State::kBody);
}

}  // namespace
}  // namespace twoline::http
