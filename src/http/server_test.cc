// http::Server with a small handler: connection limits and shedding, the reserve, time limits,
// keep-alive, pipelining and streams, on 127.0.0.1. Waits are for conditions, never for durations.
#include "http/server.h"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <unistd.h>

#include <thread>

namespace twoline::http {
namespace {

// Answers GET /healthz and GET /hold (which it answers only when released), POST /echo with its
// body, and GET /stream with a stream it keeps.
class TestHandler : public Handler {
 public:
  size_t BodyLimit(const Request& head) override { return head.path == "/echo" ? 1024 : 0; }
  bool Reserved(const Request& head) override { return head.path == "/healthz"; }
  void Handle(Request request, Exchange exchange) override {
    if (request.path == "/hold") {
      std::lock_guard<std::mutex> lock(mutex);
      held.push_back(exchange);
      return;
    }
    if (request.path == "/stream") {
      Response head;
      head.content_type = "text/event-stream";
      std::lock_guard<std::mutex> lock(mutex);
      streams.push_back(exchange.StartStream(head));
      return;
    }
    Response response;
    response.body = request.path == "/echo" ? request.body : "ok";
    if (request.path == "/large") response.body.assign(32u << 20, 'x');
    exchange.Respond(response);
  }
  Response Refuse(const Request&, const ParseError& error) override {
    Response response;
    response.status = error.status;
    response.body = error.code;
    return response;
  }
  size_t Held() {
    std::lock_guard<std::mutex> lock(mutex);
    return held.size();
  }
  size_t Streams() {
    std::lock_guard<std::mutex> lock(mutex);
    return streams.size();
  }
  void ReleaseAll() {
    std::lock_guard<std::mutex> lock(mutex);
    for (Exchange& exchange : held) exchange.Respond(Response{});
    held.clear();
  }
  std::mutex mutex;
  std::vector<Exchange> held;
  std::vector<Stream> streams;
};

class Client {
 public:
  explicit Client(int port, int receive_buffer = 0) {
    fd_ = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (receive_buffer > 0)
      setsockopt(fd_, SOL_SOCKET, SO_RCVBUF, &receive_buffer, sizeof receive_buffer);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_port = htons(static_cast<uint16_t>(port));
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    EXPECT_EQ(connect(fd_, reinterpret_cast<sockaddr*>(&address), sizeof address), 0);
    timeval timeout{20, 0};
    setsockopt(fd_, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout);
  }
  ~Client() { close(fd_); }
  bool Send(std::string_view data) {
    return send(fd_, data.data(), data.size(), MSG_NOSIGNAL) == static_cast<ssize_t>(data.size());
  }
  // Everything until the server closes the connection (or the 20 s receive timeout).
  std::string ReadToClose() {
    std::string text;
    char buffer[4096];
    for (ssize_t got; (got = recv(fd_, buffer, sizeof buffer, 0)) > 0;)
      text.append(buffer, static_cast<size_t>(got));
    return text;
  }
  // Reads until `marker` has been seen `count` times (or the connection ends).
  std::string ReadUntil(std::string_view marker, size_t count = 1) {
    std::string text;
    char buffer[4096];
    auto seen = [&] {
      size_t n = 0;
      for (size_t at = text.find(marker); at != std::string::npos; at = text.find(marker, at + 1))
        ++n;
      return n;
    };
    while (seen() < count) {
      ssize_t got = recv(fd_, buffer, sizeof buffer, 0);
      if (got <= 0) break;
      text.append(buffer, static_cast<size_t>(got));
    }
    return text;
  }

 private:
  int fd_ = -1;
};

class RunningServer {
 public:
  explicit RunningServer(ServerOptions options) : server_(handler, (options.port = 0, options)) {
    auto port = server_.Bind();
    EXPECT_TRUE(port.ok());
    port_ = port.ok() ? *port : 0;
    thread_ = std::thread([this] { server_.Run(); });
  }
  ~RunningServer() {
    handler.ReleaseAll();
    server_.Stop();
    thread_.join();
  }
  int port() const { return port_; }
  const ServerStats& stats() const { return server_.stats(); }
  TestHandler handler;

 private:
  Server server_;
  int port_ = 0;
  std::thread thread_;
};

void WaitFor(const std::function<bool()>& condition) {
  for (int i = 0; i < 2000 && !condition(); ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  EXPECT_TRUE(condition());
}

const std::string kGet = "GET /healthz HTTP/1.1\r\nHost: h\r\n\r\n";

TEST(HttpServerTest, KeepAliveAndPipeliningAnswerInOrder) {
  RunningServer server(ServerOptions{});
  Client client(server.port());
  ASSERT_TRUE(client.Send(
      "POST /echo HTTP/1.1\r\nHost: h\r\nContent-Length: 5\r\n\r\nfirst" + kGet +
      "POST /echo HTTP/1.1\r\nHost: h\r\nContent-Length: 4\r\nConnection: close\r\n\r\nlast"));
  std::string text = client.ReadToClose();
  size_t first = text.find("first"), ok = text.find("ok"), last = text.find("last");
  EXPECT_TRUE(first < ok && ok < last) << text;
}

TEST(HttpServerTest, AnExpectContinueGetsAnInterimAnswer) {
  RunningServer server(ServerOptions{});
  Client client(server.port());
  ASSERT_TRUE(client.Send(
      "POST /echo HTTP/1.1\r\nHost: h\r\nExpect: 100-continue\r\nContent-Length: 2\r\n\r\n"));
  EXPECT_NE(client.ReadUntil("100 Continue\r\n\r\n").find("HTTP/1.1 100 Continue"),
            std::string::npos);
  ASSERT_TRUE(client.Send("hi"));
  EXPECT_NE(client.ReadUntil("hi").find("200 OK"), std::string::npos);
}

TEST(HttpServerTest, TheOldestQuietConnectionOfAnAddressIsShed) {
  ServerOptions options;
  options.connections_per_address_max = 2;
  RunningServer server(options);
  Client oldest(server.port());
  ASSERT_TRUE(oldest.Send("GET /heal"));  // a partial head: quiet, not being served
  WaitFor([&] { return server.stats().connections_open.load() == 1; });
  Client busy(server.port());
  ASSERT_TRUE(busy.Send("GET /hold HTTP/1.1\r\nHost: h\r\n\r\n"));  // being served: never shed
  WaitFor([&] { return server.handler.Held() == 1; });
  Client newest(server.port());
  EXPECT_EQ(oldest.ReadToClose(), "") << "shed without an answer";
  ASSERT_TRUE(newest.Send(kGet));
  EXPECT_NE(newest.ReadUntil("ok").find("200 OK"), std::string::npos);
  EXPECT_EQ(server.stats().connections_shed.load(), 1u);
  server.handler.ReleaseAll();
  EXPECT_NE(busy.ReadUntil("\r\n\r\n").find("200 OK"), std::string::npos);
}

// A body still arriving is not being served either: a connection trickling its body is shed for a
// new one like one trickling its head.
TEST(HttpServerTest, AConnectionTricklingItsBodyIsShedLikeAQuietOne) {
  ServerOptions options;
  options.connections_per_address_max = 2;
  RunningServer server(options);
  Client trickling(server.port());
  ASSERT_TRUE(trickling.Send("POST /echo HTTP/1.1\r\nHost: h\r\nContent-Length: 100\r\n\r\nx"));
  WaitFor([&] { return server.stats().connections_open.load() == 1; });
  Client busy(server.port());
  ASSERT_TRUE(busy.Send("GET /hold HTTP/1.1\r\nHost: h\r\n\r\n"));
  WaitFor([&] { return server.handler.Held() == 1; });
  Client newest(server.port());
  EXPECT_EQ(trickling.ReadToClose(), "") << "shed without an answer";
  ASSERT_TRUE(newest.Send(kGet));
  EXPECT_NE(newest.ReadUntil("ok").find("200 OK"), std::string::npos);
  EXPECT_EQ(server.stats().connections_shed.load(), 1u);
  server.handler.ReleaseAll();
  EXPECT_NE(busy.ReadUntil("\r\n\r\n").find("200 OK"), std::string::npos);
}

TEST(HttpServerTest, ThePerAddressLimitCountsAnIpv6ClientByItsSlash64) {
  auto key = [](int family, const char* text) {
    sockaddr_storage address{};
    address.ss_family = static_cast<sa_family_t>(family);
    void* ip = family == AF_INET ? static_cast<void*>(&reinterpret_cast<sockaddr_in&>(address).sin_addr)
                                 : static_cast<void*>(&reinterpret_cast<sockaddr_in6&>(address).sin6_addr);
    EXPECT_EQ(inet_pton(family, text, ip), 1) << text;
    return AddressLimitKey(address);
  };
  EXPECT_EQ(key(AF_INET, "192.0.2.7"), "192.0.2.7");
  EXPECT_EQ(key(AF_INET6, "::ffff:192.0.2.7"), "192.0.2.7");
  EXPECT_EQ(key(AF_INET6, "2001:db8:1:2:aaaa:bbbb:cccc:dddd"), "2001:db8:1:2::/64");
  EXPECT_EQ(key(AF_INET6, "2001:db8:1:2::1"), key(AF_INET6, "2001:db8:1:2:ffff::9"));
  EXPECT_NE(key(AF_INET6, "2001:db8:1:2::1"), key(AF_INET6, "2001:db8:1:3::1"));
}

// One client holds at most its share of the body budget: a second body that would take it beyond
// is refused 429 while the first is still arriving, and the first is served.
TEST(HttpServerTest, OneClientHoldsAtMostItsShareOfTheBodyBudget) {
  ServerOptions options;
  options.body_bytes_per_owner_max = 1000;
  RunningServer server(options);
  Client first(server.port());
  ASSERT_TRUE(first.Send("POST /echo HTTP/1.1\r\nHost: h\r\nContent-Length: 1000\r\n\r\n" + std::string(700, 'a')));
  WaitFor([&] { return server.stats().connections_open.load() == 1; });
  std::this_thread::sleep_for(std::chrono::milliseconds(50));  // its 700 bytes are read
  Client second(server.port());
  ASSERT_TRUE(second.Send("POST /echo HTTP/1.1\r\nHost: h\r\nContent-Length: 1000\r\n\r\n" + std::string(700, 'b')));
  EXPECT_NE(second.ReadUntil("\r\n\r\n").find("429"), std::string::npos);
  ASSERT_TRUE(first.Send(std::string(300, 'a')));
  EXPECT_NE(first.ReadUntil(std::string(1000, 'a')).find("200 OK"), std::string::npos);
}

TEST(HttpServerTest, TheReserveServesOnlyReservedRoutesWhenEveryConnectionIsBusy) {
  ServerOptions options;
  options.connections_max = 1;
  options.reserve_connections = 1;
  RunningServer server(options);
  Client busy(server.port());
  ASSERT_TRUE(busy.Send("GET /hold HTTP/1.1\r\nHost: h\r\n\r\n"));
  WaitFor([&] { return server.handler.Held() == 1; });
  {
    Client health(server.port());
    ASSERT_TRUE(health.Send(kGet));
    std::string answer = health.ReadToClose();
    EXPECT_NE(answer.find("200 OK"), std::string::npos) << answer;
    EXPECT_NE(answer.find("Connection: close"), std::string::npos)
        << "a reserve connection serves once";
  }
  WaitFor([&] { return server.stats().connections_open.load() == 1; });
  {
    Client other(server.port());
    ASSERT_TRUE(other.Send("GET /other HTTP/1.1\r\nHost: h\r\n\r\n"));
    EXPECT_NE(other.ReadToClose().find("503"), std::string::npos);
  }
  WaitFor([&] { return server.stats().connections_open.load() == 1; });
  Client reserve(server.port());  // holds the reserve, silent
  WaitFor([&] { return server.stats().connections_open.load() == 2; });
  Client refused(server.port());
  EXPECT_NE(refused.ReadToClose().find("503 Service Unavailable"), std::string::npos);
  EXPECT_GE(server.stats().connections_refused.load(), 1u);
}

TEST(HttpServerTest, ASlowHeadIsAnswered408AtItsDeadline) {
  ServerOptions options;
  options.head_timeout = std::chrono::milliseconds(300);
  RunningServer server(options);
  Client slow(server.port());
  ASSERT_TRUE(slow.Send("GET /healthz HTTP/1.1\r\n"));
  // Keep sending (so no read gap is long): the head deadline still ends it.
  std::atomic<bool> answered{false};
  std::thread trickle([&] {
    for (int i = 0; i < 100 && !answered && slow.Send("X"); ++i) {
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
  });
  std::string answer = slow.ReadUntil("request_timeout");
  answered = true;
  trickle.join();
  EXPECT_NE(answer.find("408"), std::string::npos) << answer;
  EXPECT_GE(server.stats().timeouts.load(), 1u);
}

TEST(HttpServerTest, AnIdleKeepAliveConnectionIsClosed) {
  ServerOptions options;
  options.keep_alive_timeout = std::chrono::milliseconds(200);
  RunningServer server(options);
  Client client(server.port());
  ASSERT_TRUE(client.Send(kGet));
  std::string text = client.ReadToClose();
  EXPECT_NE(text.find("200 OK"), std::string::npos);
  EXPECT_NE(text.find("keep-alive"), std::string::npos)
      << "closed by the idle timeout, not at once";
}

TEST(HttpServerTest, ASlowStreamConsumerIsDisconnected) {
  ServerOptions options;
  options.stream_buffer_bytes_max = 64 * 1024;
  RunningServer server(options);
  Client reader(server.port(), 4096);  // a small receive buffer, never read
  ASSERT_TRUE(reader.Send("GET /stream HTTP/1.1\r\nHost: h\r\n\r\n"));
  WaitFor([&] { return server.handler.Streams() == 1; });
  Stream stream = server.handler.streams[0];
  std::string event(1024, 'e');
  int sent = 0;
  while (stream.Send(event) && sent < 100000) ++sent;  // never blocks: refused once over the bound
  EXPECT_LT(sent, 100000);
  EXPECT_FALSE(stream.open());
  WaitFor([&] { return server.stats().streams_overflowed.load() == 1; });
  WaitFor([&] { return server.stats().connections_open.load() == 0; });
}

// A stream whose client stops reading is closed once bytes have waited write_timeout for it,
// before its buffer bound is reached and after the stream was closed by the server (which would
// otherwise wait for ever to flush what is queued).
TEST(HttpServerTest, AStreamWhoseClientStopsReadingIsClosedAfterTheWriteTimeout) {
  ServerOptions options;
  options.stream_buffer_bytes_max = 64u << 20;  // far above what is sent: no overflow
  options.write_timeout = std::chrono::milliseconds(300);
  RunningServer server(options);
  for (bool close_first : {false, true}) {
    Client reader(server.port(), 4096);  // a small receive buffer, never read
    ASSERT_TRUE(reader.Send("GET /stream HTTP/1.1\r\nHost: h\r\n\r\n"));
    WaitFor([&] { return server.handler.Streams() == 1; });
    Stream stream = server.handler.streams[0];
    std::string event(1024, 'e');
    for (int i = 0; i < 8192; ++i) ASSERT_TRUE(stream.Send(event));  // 8 MiB: more than the sockets hold
    if (close_first) stream.Close();
    WaitFor([&] { return server.stats().connections_open.load() == 0; });
    EXPECT_EQ(server.stats().streams_overflowed.load(), 0u);
    std::lock_guard<std::mutex> lock(server.handler.mutex);
    server.handler.streams.clear();
  }
  EXPECT_EQ(server.stats().timeouts.load(), 2u);
}

// Clients that ask for large answers and do not read them cannot hold the server's memory: the
// answers buffered for all of them are bounded; a connection over the budget is closed, and the
// server still answers others.
TEST(HttpServerTest, UnreadLargeAnswersAreBoundedForAllConnections) {
  ServerOptions options;
  // One 32 MiB answer fits, two do not (the kernel's socket buffers take a few MiB of each).
  options.response_bytes_unsent_max = 40u << 20;
  options.write_timeout = std::chrono::milliseconds(60000);
  RunningServer server(options);
  std::vector<std::unique_ptr<Client>> readers;
  for (int i = 0; i < 4; ++i) {
    readers.push_back(std::make_unique<Client>(server.port(), 4096));  // never read
    ASSERT_TRUE(readers.back()->Send("GET /large HTTP/1.1\r\nHost: h\r\nConnection: close\r\n\r\n"));
  }
  // A shed answer is counted just before its connection is closed: wait for both.
  WaitFor([&] {
    return server.stats().responses_shed.load() >= 3 && server.stats().connections_open.load() <= 1;
  });
  EXPECT_EQ(server.stats().responses_shed.load(), 3u);
  EXPECT_EQ(server.stats().connections_open.load(), 1) << "the one answer within the budget waits";
  Client other(server.port());
  ASSERT_TRUE(other.Send("GET /healthz HTTP/1.1\r\nHost: h\r\nConnection: close\r\n\r\n"));
  EXPECT_NE(other.ReadToClose().find("200"), std::string::npos);
  // The one kept is answered in full once its client reads.
  std::string all;
  for (auto& reader : readers) {
    std::string got = reader->ReadToClose();
    if (got.size() > all.size()) all = got;
    if (all.size() >= (32u << 20)) break;
  }
  EXPECT_GE(all.size(), 32u << 20);
}

}  // namespace
}  // namespace twoline::http
