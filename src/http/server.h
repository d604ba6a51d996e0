// http::Server: an HTTP/1.1 server on epoll with a limit at every stage, below any handler.
//
// A few event-loop threads (ServerOptions::io_threads) own every connection; nothing blocks them.
// Each connection goes through: idle (waiting for a request) -> head (request line and headers,
// parsed by RequestParser with its limits) -> the Handler says whether the route takes a body and
// how large -> body (bounded as it streams, within a budget of body bytes for all connections)
// -> handling (the Handler has the Request and answers through its Exchange, now or later, from any
// thread) -> writing -> idle again (keep-alive) or closed. A body is read only for routes that take
// one; a body sent to any other route is refused and the connection closed, so it is never parsed
// as the next request. Errors found by the layer (limits, syntax, timeouts) are turned into a
// response by Handler::Refuse and end the connection after a bounded lingering read, so that the
// client sees the answer rather than a reset.
//
// Time limits: a request's head must arrive within head_timeout of its first byte and the whole
// request within request_timeout (not only per read), silence inside a request is bounded by
// read_idle_timeout, a keep-alive connection may idle for keep_alive_timeout, a response that makes
// no progress for write_timeout is abandoned.
//
// Connection limits: at most connections_max in total and connections_per_address_max per client
// address. A connection over a limit sheds the connection that has been quiet the longest among
// those not being served: lingering after an error first, then idle (since its last answer) or
// still sending its head (since its first byte, however it trickles), of the same address when the
// per-address limit is hit. When none can be shed, up to reserve_connections more are accepted for
// the routes the Handler marks Reserved (health and metrics): such a connection must send its head
// within reserve_timeout, is served once and closed. Beyond that, a new connection is answered 503
// at once and closed.
//
// Streams (Exchange::StartStream) send a response body piece by piece (server-sent events); each
// has a bound on bytes queued and not yet taken by the client, beyond which it is disconnected.
// Thread-safety: Bind, Run and Stop may be called from different threads (Run blocks until Stop);
// Exchange and Stream are safe from any thread.
#pragma once

#include <sys/socket.h>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "base/result.h"
#include "http/message.h"
#include "http/parser.h"

namespace twoline::http {

struct ServerOptions {
  std::string host = "127.0.0.1";
  int port = 0;  // 0: any free port (Bind returns it)
  int listen_backlog = 1024;
  size_t io_threads = 2;  // event loops
  ParserLimits parser;
  size_t connections_max = 1024;
  size_t connections_per_address_max = 256;
  size_t reserve_connections = 8;
  size_t body_bytes_in_flight_max = 256u << 20;  // body bytes buffered for all requests at once
  // Of those, what one client may hold (Handler::Screen's owner: its token, else its address): one
  // client trickling the last bytes of many large bodies must not hold the budget of all.
  size_t body_bytes_per_owner_max = 32u << 20;
  size_t keep_alive_requests_max = 100000;
  size_t stream_buffer_bytes_max = 256 * 1024;  // unsent bytes of a stream before disconnecting it
  // Bytes of answers that clients have not taken yet, all connections together. An answer the
  // socket does not take at once is buffered until the client reads it; a connection whose
  // buffered answer would take the total beyond this is closed instead (clients reading large
  // answers slowly, or not at all, cannot hold the server's memory).
  size_t response_bytes_unsent_max = 256u << 20;
  std::chrono::milliseconds head_timeout{10000};
  std::chrono::milliseconds request_timeout{30000};
  std::chrono::milliseconds read_idle_timeout{5000};
  std::chrono::milliseconds keep_alive_timeout{5000};
  std::chrono::milliseconds write_timeout{5000};
  std::chrono::milliseconds reserve_timeout{1000};
  std::chrono::milliseconds linger_timeout{5000};
  std::chrono::milliseconds stop_grace{5000};  // Stop waits this long for requests being served
};

// Counters of what the layer refused or shed, for metrics.
struct ServerStats {
  std::atomic<uint64_t> connections_accepted{0};
  std::atomic<uint64_t> connections_shed{0};     // closed to admit a newer one
  std::atomic<uint64_t> connections_refused{0};  // answered 503 at accept
  std::atomic<uint64_t> connections_reserve{0};  // accepted into the reserve
  std::atomic<uint64_t> timeouts{0};             // requests or responses that ran out of time
  std::atomic<uint64_t> streams_overflowed{0};   // streams disconnected for a slow client
  std::atomic<uint64_t> responses_shed{0};       // closed: their unsent answer was over the budget
  std::atomic<int64_t> connections_open{0};
};

// What connections_per_address_max counts a peer under: its IPv4 address (an IPv4-mapped IPv6 one
// too), or its IPv6 /64 prefix ("2001:db8:1:2::/64"), since one IPv6 client commonly holds a /64.
std::string AddressLimitKey(const sockaddr_storage& address);

class Stream;
struct ServerCore;
struct ExchangeState;
struct StreamState;

// The answer channel of one request. Copies share it; the first Respond (or StartStream) wins.
// Dropping every copy without answering answers 500.
class Exchange {
 public:
  Exchange() = default;
  explicit Exchange(std::shared_ptr<ExchangeState> state) : state_(std::move(state)) {}
  void Respond(Response response) const;
  // Starts a response whose body follows as Stream::Send pieces, delimited by closing the
  // connection. The response's headers are sent at once.
  Stream StartStream(Response head) const;

 private:
  std::shared_ptr<ExchangeState> state_;
};

class Stream {
 public:
  Stream() = default;
  explicit Stream(std::shared_ptr<StreamState> state) : state_(std::move(state)) {}
  // Queues `data`. False when the stream is closed: the client left, the server stops, or the
  // client is too slow (more than stream_buffer_bytes_max queued), in which case it is closed now.
  bool Send(std::string data) const;
  void Close() const;
  bool open() const;

 private:
  std::shared_ptr<StreamState> state_;
};

class Handler {
 public:
  virtual ~Handler() = default;
  // The most body bytes the route of `head` takes; 0 when it takes none. Called on an event loop:
  // must not block.
  virtual size_t BodyLimit(const Request& head) = 0;
  // Screens a request whose route takes a body before any byte of the body is read (and before a
  // 100 Continue): an error refuses it at once (the connection closes after the answer), so that a
  // client without credentials cannot hold the shared body budget. When it passes, `owner` may
  // name whose body it is, for ServerOptions::body_bytes_per_owner_max ("" counts it under the
  // client's address). Called on an event loop.
  virtual std::optional<ParseError> Screen(const Request& head, std::string* owner) {
    (void)head;
    (void)owner;
    return std::nullopt;
  }
  // Whether the route of `head` may be served on a reserve connection.
  virtual bool Reserved(const Request& head) = 0;
  // Serves a complete request, answering through `exchange` exactly once. Called on an event loop:
  // anything that may block belongs on another thread.
  virtual void Handle(Request request, Exchange exchange) = 0;
  // The response to a request the layer refused; the connection is closed after it. `head` holds
  // what was parsed (its method and path are empty when the request line was not).
  virtual Response Refuse(const Request& head, const ParseError& error) = 0;
  // Called on an event loop before and after each turn of its events (the requests of one
  // epoll_wait and of its inbox are handled between the two): work a turn queued for other threads
  // may be handed over once, at its end.
  virtual void TurnStarted() {}
  virtual void TurnEnded() {}
};

class Server {
 public:
  // `handler` must outlive the Server.
  Server(Handler& handler, const ServerOptions& options);
  ~Server();
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;

  // Checks the options, raises the open-file limit if needed and listens; returns the port.
  Result<int> Bind();
  // Serves until Stop; returns after requests being served were answered (or stop_grace passed).
  void Run();
  void Stop();

  const ServerStats& stats() const;

 private:
  std::shared_ptr<ServerCore> impl_;
};

}  // namespace twoline::http
