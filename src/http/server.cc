#include "http/server.h"

#include <pthread.h>

#include <arpa/inet.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <mutex>
#include <unordered_map>

#include "base/check.h"

namespace twoline::http {

// What a connection is doing (Connection::phase).
enum class Phase : uint8_t {
  kIdle,       // between requests (or not one byte yet)
  kHead,       // request line and headers arriving
  kBody,       // body arriving
  kHandling,   // the handler has the request
  kWriting,    // the response is being written
  kStreaming,  // a streamed response is open
  kLingering,  // an error response was written; input is discarded until the peer closes
  kClosed,
};

namespace {

using Clock = std::chrono::steady_clock;

constexpr uint64_t kListenId = 0;
constexpr uint64_t kWakeId = 1;
constexpr size_t kReadChunkBytes = 64 * 1024;
// Bytes one connection may read per turn before others get theirs (fairness under fast senders).
constexpr size_t kReadTurnBytes = 1 << 20;
constexpr auto kScanInterval = std::chrono::milliseconds(50);
constexpr auto kAcceptPause = std::chrono::milliseconds(100);

std::string PeerAddress(const sockaddr_storage& address) {
  char text[INET6_ADDRSTRLEN] = "";
  if (address.ss_family == AF_INET) {
    inet_ntop(AF_INET, &reinterpret_cast<const sockaddr_in&>(address).sin_addr, text, sizeof text);
  } else if (address.ss_family == AF_INET6) {
    inet_ntop(AF_INET6, &reinterpret_cast<const sockaddr_in6&>(address).sin6_addr, text,
              sizeof text);
  }
  return text;
}

// What a connection refused at accept is told (no handler is involved: nothing was read).
constexpr std::string_view kRefusedAtAccept =
    "HTTP/1.1 503 Service Unavailable\r\nContent-Type: application/json\r\nRetry-After: 1\r\n"
    "Content-Length: 70\r\nConnection: close\r\n\r\n"
    "{\"error\":\"overloaded\",\"message\":\"the server is at its connection limit\"}";

}  // namespace

// What the per-address limit counts a peer under: its IPv4 address (an IPv4-mapped IPv6 one too),
// or its IPv6 /64 prefix: one IPv6 client commonly holds a whole /64, and could otherwise open the
// per-address limit's connections from each of billions of addresses.
std::string AddressLimitKey(const sockaddr_storage& address) {
  if (address.ss_family != AF_INET6) return PeerAddress(address);
  const in6_addr& ip = reinterpret_cast<const sockaddr_in6&>(address).sin6_addr;
  if (IN6_IS_ADDR_V4MAPPED(&ip)) {
    char text[INET_ADDRSTRLEN] = "";
    inet_ntop(AF_INET, &ip.s6_addr[12], text, sizeof text);
    return text;
  }
  in6_addr prefix = ip;
  std::fill(prefix.s6_addr + 8, prefix.s6_addr + 16, 0);
  char text[INET6_ADDRSTRLEN] = "";
  inet_ntop(AF_INET6, &prefix, text, sizeof text);
  return std::string(text) + "/64";
}

struct Connection {
  Connection(int fd_, uint64_t id_, std::string address_, std::string limit_key_, size_t loop_,
             bool reserve_, const ParserLimits& limits)
      : fd(fd_),
        id(id_),
        address(std::move(address_)),
        limit_key(std::move(limit_key_)),
        loop(loop_),
        reserve(reserve_),
        parser(limits) {}

  const int fd;
  const uint64_t id;
  const std::string address;
  const std::string limit_key;  // what connections_per_address_max counts it under (AddressLimitKey)
  const size_t loop;
  const bool reserve;
  // Read by the registry from the accepting thread: what may be shed, and since when (the start of
  // its phase: idle since its last answer, sending its head since the first byte of it, sending its
  // body since the end of its head).
  std::atomic<Phase> phase{Phase::kIdle};
  std::atomic<int64_t> phase_since{0};
  std::atomic<bool> counted{true};  // still counted against the connection limits
  std::atomic<size_t> stream_bytes{0};

  RequestParser parser;
  std::string in;  // read, not yet parsed (at most one read's worth)
  std::string out;
  size_t out_pos = 0;
  size_t unsent_counted = 0;  // of out, counted in ServerCore::response_bytes_unsent
  // Edge-triggered: the socket may hold bytes until a read says EAGAIN, or until a read returns
  // less than it asked for (what was there has been taken; bytes arriving later raise a new edge).
  bool readable = true;
  bool peer_closed = false;  // EPOLLRDHUP or EPOLLHUP seen: read on until recv says 0
  Clock::time_point deadline{};
  Clock::time_point request_started{};
  uint64_t request_number = 0;
  size_t requests = 0;
  bool request_keep_alive = false;
  bool request_head = false;    // the request being served is a HEAD: its response has no body
  bool keep_alive = false;      // after the response being written
  bool linger = false;          // after the response being written: lingering close
  bool stream_closing = false;  // close once `out` is written
  size_t body_reserved = 0;
  std::string body_owner;  // whose body_reserved bytes are (Handler::Screen's owner, or the address)
};

struct Message {
  enum class Kind { kAdopt, kRespond, kStartStream, kStreamData, kStreamClose, kShed };
  Kind kind = Kind::kRespond;
  std::shared_ptr<Connection> adopt;
  std::weak_ptr<Connection> target;
  uint64_t request_number = 0;
  Response response;
  std::string data;
  bool overflow = false;
};

class Loop;

// Connection limits across every loop. All methods take the one mutex; the scan for a connection
// to shed runs only when a limit is reached.
class Registry {
 public:
  enum class Admission { kAdmit, kReserve, kRefuse };
  explicit Registry(const ServerOptions& options) : options_(options) {}

  // Decides about a new connection from `address`; `*victim` is set when one must be shed for it.
  Admission Admit(const std::string& address, std::shared_ptr<Connection>* victim);
  void Insert(const std::shared_ptr<Connection>& connection);
  void Remove(Connection& connection);

 private:
  std::shared_ptr<Connection> Victim(const std::string* address) const;
  void Uncount(Connection& connection);

  const ServerOptions& options_;
  std::mutex mutex_;
  size_t total_ = 0;
  size_t reserve_used_ = 0;
  std::unordered_map<std::string, size_t> per_address_;
  std::unordered_map<uint64_t, std::shared_ptr<Connection>> all_;
};

struct ServerCore {
  ServerCore(Handler& handler_, const ServerOptions& options_)
      : handler(handler_), options(options_), registry(options) {}
  void Accept(Loop& loop);

  Handler& handler;
  const ServerOptions options;
  ServerStats stats;
  Registry registry;
  std::vector<std::shared_ptr<Loop>> loops;
  std::atomic<bool> stopping{false};
  std::atomic<int> listen_fd{-1};
  std::atomic<size_t> body_bytes_in_flight{0};
  std::mutex body_owners_mutex;
  std::unordered_map<std::string, size_t> body_owner_bytes;  // ServerOptions::body_bytes_per_owner_max
  std::atomic<size_t> response_bytes_unsent{0};  // ServerOptions::response_bytes_unsent_max
  uint64_t next_id = 2;  // accepting thread only
  size_t next_loop = 0;  // accepting thread only
  std::mutex run_mutex;
};

class Loop : public std::enable_shared_from_this<Loop> {
 public:
  Loop(ServerCore& server, size_t index);
  ~Loop();
  Loop(const Loop&) = delete;
  Loop& operator=(const Loop&) = delete;

  // Safe from any thread; never touches the server (which an Exchange may outlive).
  void Post(Message message);
  void Wake();
  void Run();
  void ListenOn(int fd);

 private:
  friend struct ServerCore;
  void Apply(Message& message);
  void DrainLocal();
  void DrainInbox(bool woken = true);
  void OnEvent(uint64_t id, uint32_t events);
  void Drive(Connection& c);
  bool Advance(Connection& c);
  void Dispatch(Connection& c);
  void RefuseRequest(Connection& c, const ParseError& error);
  void StartResponse(Connection& c, const Response& response, bool stream, bool linger);
  void Flush(Connection& c);
  // Counts `unsent` bytes of c's answer in the server's total instead of what was counted before.
  void CountUnsent(Connection& c, size_t unsent);
  void FinishWrite(Connection& c);
  bool ReadInto(Connection& c, std::string* buffer);
  void Discard(Connection& c);
  bool ReserveBody(Connection& c);
  void ReleaseBody(Connection& c);
  void Close(Connection& c);
  void Scan(Clock::time_point now);
  void BeginStop(Clock::time_point now);
  void SetPhase(Connection& c, Phase phase);

  ServerCore& server_;
  const size_t index_;
  const ServerOptions& options_;
  int epoll_fd_ = -1;
  int wake_fd_ = -1;
  std::atomic<std::thread::id> thread_id_{};
  std::mutex mutex_;
  std::vector<Message> inbox_;
  std::vector<Message> local_;  // posted from this loop's own thread
  std::unordered_map<uint64_t, std::shared_ptr<Connection>> connections_;
  std::vector<uint64_t> ready_;  // connections with a read turn left over
  size_t read_turn_ = 0;
  Clock::time_point now_{};
  Clock::time_point next_scan_{};
  Clock::time_point grace_deadline_{};
  Clock::time_point accept_resume_{};
  bool accept_paused_ = false;
  bool stopping_ = false;
  char read_buffer_[kReadChunkBytes];
};

// An answer channel: the loop and connection of one request.
struct ExchangeState {
  ExchangeState(std::shared_ptr<Loop> loop_, std::weak_ptr<Connection> connection_,
                uint64_t request_number_, size_t stream_bytes_max_)
      : loop(std::move(loop_)),
        connection(std::move(connection_)),
        request_number(request_number_),
        stream_bytes_max(stream_bytes_max_) {}
  ~ExchangeState() {
    if (answered.exchange(true)) return;
    Message message;
    message.kind = Message::Kind::kRespond;
    message.target = connection;
    message.request_number = request_number;
    message.response.status = 500;
    message.response.body = R"({"error":"internal","message":"the request was not answered"})";
    message.response.close = true;
    loop->Post(std::move(message));
  }
  std::shared_ptr<Loop> loop;
  std::weak_ptr<Connection> connection;
  const uint64_t request_number;
  const size_t stream_bytes_max;
  std::atomic<bool> answered{false};
};

struct StreamState {
  std::shared_ptr<Loop> loop;
  std::weak_ptr<Connection> connection;
  size_t bytes_max = 0;
  std::atomic<bool> open{true};
};

// --- Exchange and Stream
// ---------------------------------------------------------------------------

void Exchange::Respond(Response response) const {
  if (!state_ || state_->answered.exchange(true)) return;
  Message message;
  message.kind = Message::Kind::kRespond;
  message.target = state_->connection;
  message.request_number = state_->request_number;
  message.response = std::move(response);
  state_->loop->Post(std::move(message));
}

Stream Exchange::StartStream(Response head) const {
  if (!state_ || state_->answered.exchange(true)) return Stream();
  auto stream = std::make_shared<StreamState>();
  stream->loop = state_->loop;
  stream->connection = state_->connection;
  stream->bytes_max = state_->stream_bytes_max;
  Message message;
  message.kind = Message::Kind::kStartStream;
  message.target = state_->connection;
  message.request_number = state_->request_number;
  message.response = std::move(head);
  state_->loop->Post(std::move(message));
  return Stream(std::move(stream));
}

bool Stream::Send(std::string data) const {
  if (!state_ || !state_->open) return false;
  std::shared_ptr<Connection> connection = state_->connection.lock();
  if (!connection || connection->phase == Phase::kClosed) {
    state_->open = false;
    return false;
  }
  size_t queued = connection->stream_bytes.fetch_add(data.size()) + data.size();
  Message message;
  message.target = connection;
  if (queued > state_->bytes_max) {
    state_->open = false;
    message.kind = Message::Kind::kStreamClose;
    message.overflow = true;
    state_->loop->Post(std::move(message));
    return false;
  }
  message.kind = Message::Kind::kStreamData;
  message.data = std::move(data);
  state_->loop->Post(std::move(message));
  return true;
}

void Stream::Close() const {
  if (!state_ || !state_->open.exchange(false)) return;
  Message message;
  message.kind = Message::Kind::kStreamClose;
  message.target = state_->connection;
  state_->loop->Post(std::move(message));
}

bool Stream::open() const {
  if (!state_ || !state_->open) return false;
  std::shared_ptr<Connection> connection = state_->connection.lock();
  return connection && connection->phase != Phase::kClosed;
}

// --- Registry
// --------------------------------------------------------------------------------------

Registry::Admission Registry::Admit(const std::string& address,
                                    std::shared_ptr<Connection>* victim) {
  std::lock_guard<std::mutex> lock(mutex_);
  size_t& from_address = per_address_[address];
  bool address_full = from_address >= options_.connections_per_address_max;
  bool total_full = total_ >= options_.connections_max;
  if (address_full || total_full) {
    *victim = Victim(address_full ? &address : nullptr);
    if (*victim == nullptr) {
      if (from_address == 0) per_address_.erase(address);
      if (reserve_used_ >= options_.reserve_connections) return Admission::kRefuse;
      ++reserve_used_;
      return Admission::kReserve;
    }
    Uncount(**victim);
  }
  ++per_address_[address];
  ++total_;
  return Admission::kAdmit;
}

std::shared_ptr<Connection> Registry::Victim(const std::string* address) const {
  std::shared_ptr<Connection> best;
  int64_t best_at = 0;
  for (const auto& [id, connection] : all_) {
    if (connection->reserve || !connection->counted) continue;
    if (address != nullptr && connection->limit_key != *address) continue;
    Phase phase = connection->phase;
    int64_t at;
    if (phase == Phase::kLingering) {
      at = INT64_MIN;  // already answered: shed first
    } else if (phase == Phase::kIdle || phase == Phase::kHead || phase == Phase::kBody) {
      // Quiet the longest: idle, or trickling its head or its body (since its head ended). A
      // body still arriving is not yet being served: clients without credentials trickling the
      // body of a sign-in would otherwise hold every connection for the request timeout.
      at = connection->phase_since;
    } else {
      continue;  // being served
    }
    if (best == nullptr || at < best_at) {
      best = connection;
      best_at = at;
    }
  }
  return best;
}

void Registry::Uncount(Connection& connection) {
  if (!connection.counted.exchange(false)) return;
  --total_;
  auto it = per_address_.find(connection.limit_key);
  if (it != per_address_.end() && --it->second == 0) per_address_.erase(it);
}

void Registry::Insert(const std::shared_ptr<Connection>& connection) {
  std::lock_guard<std::mutex> lock(mutex_);
  all_[connection->id] = connection;
}

void Registry::Remove(Connection& connection) {
  std::lock_guard<std::mutex> lock(mutex_);
  if (connection.reserve) {
    --reserve_used_;
  } else {
    Uncount(connection);
  }
  all_.erase(connection.id);
}

// --- Loop
// ------------------------------------------------------------------------------------------

Loop::Loop(ServerCore& server, size_t index)
    : server_(server), index_(index), options_(server.options) {
  epoll_fd_ = epoll_create1(EPOLL_CLOEXEC);
  wake_fd_ = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
  CHECK(epoll_fd_ >= 0 && wake_fd_ >= 0);
  epoll_event event{};
  event.events = EPOLLIN;
  event.data.u64 = kWakeId;
  CHECK(epoll_ctl(epoll_fd_, EPOLL_CTL_ADD, wake_fd_, &event) == 0);
}

Loop::~Loop() {
  for (auto& [id, connection] : connections_) close(connection->fd);
  close(wake_fd_);
  close(epoll_fd_);
}

void Loop::ListenOn(int fd) {
  epoll_event event{};
  event.events = EPOLLIN;
  event.data.u64 = kListenId;
  CHECK(epoll_ctl(epoll_fd_, EPOLL_CTL_ADD, fd, &event) == 0);
}

void Loop::Post(Message message) {
  if (thread_id_.load(std::memory_order_relaxed) == std::this_thread::get_id()) {
    local_.push_back(std::move(message));
    return;
  }
  bool wake;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    wake = inbox_.empty();
    inbox_.push_back(std::move(message));
  }
  if (wake) Wake();
}

void Loop::Wake() {
  uint64_t one = 1;
  ssize_t written = write(wake_fd_, &one, sizeof one);
  (void)written;  // EAGAIN: the counter is already non-zero, a wake-up is pending anyway
}

void Loop::Run() {
  thread_id_ = std::this_thread::get_id();
  epoll_event events[256];
  for (;;) {
    now_ = Clock::now();
    if (server_.stopping && !stopping_) BeginStop(now_);
    if (stopping_ && (connections_.empty() || now_ >= grace_deadline_)) break;
    int timeout_ms = 0;
    if (ready_.empty() && local_.empty()) {
      auto wait = std::chrono::duration_cast<std::chrono::milliseconds>(next_scan_ - now_).count();
      timeout_ms = static_cast<int>(std::clamp<int64_t>(wait + 1, 0, kScanInterval.count()));
    }
    int count = epoll_wait(epoll_fd_, events, 256, timeout_ms);
    now_ = Clock::now();
    read_turn_ = 0;
    server_.handler.TurnStarted();
    std::vector<uint64_t> ready;
    ready.swap(ready_);
    for (uint64_t id : ready) OnEvent(id, EPOLLIN);
    bool woken = false;
    for (int i = 0; i < count; ++i) {
      woken = woken || events[i].data.u64 == kWakeId;
      OnEvent(events[i].data.u64, events[i].events);
      DrainLocal();
    }
    DrainInbox(woken);
    DrainLocal();
    server_.handler.TurnEnded();
    if (now_ >= next_scan_) {
      Scan(now_);
      next_scan_ = now_ + kScanInterval;
    }
  }
  std::vector<std::shared_ptr<Connection>> left;
  for (auto& [id, connection] : connections_) left.push_back(connection);
  for (auto& connection : left) Close(*connection);
  DrainInbox();  // drops answers for closed connections
}

void Loop::BeginStop(Clock::time_point now) {
  stopping_ = true;
  grace_deadline_ = now + options_.stop_grace;
  if (index_ == 0) {  // the listening socket is loop 0's
    int listen = server_.listen_fd.exchange(-1);
    if (listen >= 0) {
      epoll_ctl(epoll_fd_, EPOLL_CTL_DEL, listen, nullptr);
      close(listen);
    }
  }
  std::vector<std::shared_ptr<Connection>> quiet;
  for (auto& [id, connection] : connections_) {
    Phase phase = connection->phase;
    if (phase != Phase::kHandling && phase != Phase::kWriting) quiet.push_back(connection);
  }
  for (auto& connection : quiet) Close(*connection);
}

void Loop::DrainLocal() {
  while (!local_.empty()) {
    std::vector<Message> messages;
    messages.swap(local_);
    for (Message& message : messages) Apply(message);
  }
}

void Loop::DrainInbox(bool woken) {
  // One read resets the eventfd's counter; it is read only when its (level-triggered) event came.
  uint64_t ignored;
  if (woken) (void)!read(wake_fd_, &ignored, sizeof ignored);
  std::vector<Message> messages;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    messages.swap(inbox_);
  }
  for (Message& message : messages) {
    Apply(message);
    DrainLocal();
  }
}

void Loop::OnEvent(uint64_t id, uint32_t events) {
  if (id == kWakeId) return;  // the inbox is drained after the events
  if (id == kListenId) return server_.Accept(*this);
  auto it = connections_.find(id);
  if (it == connections_.end()) return;
  std::shared_ptr<Connection> connection = it->second;  // alive through this event
  Connection& c = *connection;
  if (events & EPOLLERR) return Close(c);
  if ((events & EPOLLOUT) && c.out_pos < c.out.size()) Flush(c);
  if (c.phase == Phase::kClosed) return;
  if (events & (EPOLLIN | EPOLLRDHUP | EPOLLHUP)) c.readable = true;
  if (events & (EPOLLRDHUP | EPOLLHUP)) c.peer_closed = true;
  Drive(c);
}

void Loop::SetPhase(Connection& c, Phase phase) {
  c.phase = phase;
  c.phase_since.store(now_.time_since_epoch().count(), std::memory_order_relaxed);
}

void Loop::Apply(Message& message) {
  if (message.kind == Message::Kind::kAdopt) {
    std::shared_ptr<Connection> connection = std::move(message.adopt);
    Connection& c = *connection;
    connections_[c.id] = connection;
    epoll_event event{};
    event.events = EPOLLIN | EPOLLOUT | EPOLLRDHUP | EPOLLET;
    event.data.u64 = c.id;
    if (stopping_ || epoll_ctl(epoll_fd_, EPOLL_CTL_ADD, c.fd, &event) != 0) return Close(c);
    SetPhase(c, Phase::kIdle);
    c.deadline = now_ + (c.reserve ? options_.reserve_timeout : options_.keep_alive_timeout);
    return Drive(c);
  }
  std::shared_ptr<Connection> connection = message.target.lock();
  if (!connection || connection->phase == Phase::kClosed) return;
  Connection& c = *connection;
  switch (message.kind) {
    case Message::Kind::kRespond:
    case Message::Kind::kStartStream:
      if (c.phase != Phase::kHandling || c.request_number != message.request_number) return;
      return StartResponse(c, message.response, message.kind == Message::Kind::kStartStream, false);
    case Message::Kind::kStreamData:
      if (c.phase != Phase::kStreaming) return;
      // Bytes waiting from now: the client has write_timeout to take some (Scan).
      if (c.out_pos == c.out.size()) c.deadline = now_ + options_.write_timeout;
      c.out.append(message.data);
      return Flush(c);
    case Message::Kind::kStreamClose:
      if (c.phase != Phase::kStreaming) return;
      if (message.overflow) {
        server_.stats.streams_overflowed.fetch_add(1);
        return Close(c);
      }
      c.stream_closing = true;
      if (c.out_pos == c.out.size()) Close(c);
      return;
    case Message::Kind::kShed:
      server_.stats.connections_shed.fetch_add(1);
      return Close(c);
    case Message::Kind::kAdopt:
      return;
  }
}

void Loop::Drive(Connection& c) {
  for (;;) {
    switch (c.phase.load()) {
      case Phase::kIdle:
      case Phase::kHead:
      case Phase::kBody: {
        if (c.in.empty()) {
          if (!c.readable) return;
          if (read_turn_ >= kReadTurnBytes) {
            ready_.push_back(c.id);  // more next turn
            return;
          }
          if (!ReadInto(c, &c.in)) return;
        }
        size_t used = c.parser.Feed(c.in);
        c.in.erase(0, used);
        if (c.in.empty() && c.in.capacity() > 4096)
          std::string().swap(c.in);  // idle connections stay small
        if (!Advance(c)) return;
        continue;
      }
      case Phase::kLingering:
      case Phase::kStreaming:
        return Discard(c);
      default:
        return;  // handling or writing: the next request waits in the socket (backpressure)
    }
  }
}

bool Loop::Advance(Connection& c) {
  RequestParser& parser = c.parser;
  if (c.phase == Phase::kIdle && parser.started()) {
    SetPhase(c, Phase::kHead);
    c.request_started = now_;
  }
  const auto head_deadline =
      c.request_started + (c.reserve ? options_.reserve_timeout : options_.head_timeout);
  switch (parser.state()) {
    case RequestParser::State::kHead:
      if (c.phase == Phase::kHead)
        c.deadline = std::min(head_deadline, now_ + options_.read_idle_timeout);
      return true;
    case RequestParser::State::kHeadComplete: {
      const Request& head = parser.request();
      if (c.reserve && !server_.handler.Reserved(head)) {
        parser.Fail({503, "overloaded", "the server is at its connection limit"});
        return Advance(c);
      }
      const size_t body_limit = server_.handler.BodyLimit(head);
      if (body_limit > 0) {
        std::string owner;
        if (std::optional<ParseError> refusal = server_.handler.Screen(head, &owner)) {
          parser.Fail(std::move(*refusal));
          return Advance(c);
        }
        c.body_owner = owner.empty() ? c.limit_key : std::move(owner);
      }
      parser.ReadBody(body_limit);
      if (parser.state() == RequestParser::State::kBody) {
        SetPhase(c, Phase::kBody);
        if (parser.expects_continue()) {
          c.out.append("HTTP/1.1 100 Continue\r\n\r\n");
          Flush(c);
          if (c.phase == Phase::kClosed) return false;
        }
      }
      return Advance(c);
    }
    case RequestParser::State::kBody:
      if (!ReserveBody(c)) return Advance(c);
      c.deadline =
          std::min(c.request_started + options_.request_timeout, now_ + options_.read_idle_timeout);
      return true;
    case RequestParser::State::kComplete:
      if (!ReserveBody(c)) return Advance(c);
      Dispatch(c);
      return c.phase != Phase::kClosed;
    case RequestParser::State::kFailed:
      RefuseRequest(c, parser.error());
      return c.phase != Phase::kClosed;
  }
  return false;
}

bool Loop::ReserveBody(Connection& c) {
  size_t bytes = c.parser.body_bytes();
  if (bytes <= c.body_reserved) return true;
  // The budget is shared by every loop; checking before adding may overshoot it by one read.
  size_t more = bytes - c.body_reserved;
  if (server_.body_bytes_in_flight.load(std::memory_order_relaxed) + more >
      options_.body_bytes_in_flight_max) {
    c.parser.Fail({503, "overloaded", "too many request bodies are being received at once"});
    return false;
  }
  {
    std::lock_guard<std::mutex> lock(server_.body_owners_mutex);
    size_t& owned = server_.body_owner_bytes[c.body_owner];
    if (owned + more > options_.body_bytes_per_owner_max) {
      if (owned == 0) server_.body_owner_bytes.erase(c.body_owner);
      c.parser.Fail({429, "rate_limited", "this client is sending too many request bodies at once"});
      return false;
    }
    owned += more;
  }
  server_.body_bytes_in_flight.fetch_add(more);
  c.body_reserved = bytes;
  return true;
}

void Loop::ReleaseBody(Connection& c) {
  if (c.body_reserved == 0) return;
  server_.body_bytes_in_flight.fetch_sub(c.body_reserved);
  {
    std::lock_guard<std::mutex> lock(server_.body_owners_mutex);
    auto it = server_.body_owner_bytes.find(c.body_owner);
    if (it != server_.body_owner_bytes.end()) {
      it->second -= std::min(it->second, c.body_reserved);
      if (it->second == 0) server_.body_owner_bytes.erase(it);
    }
  }
  c.body_reserved = 0;
}

void Loop::Dispatch(Connection& c) {
  Request request = std::move(c.parser.request());
  request.remote_address = c.address;
  c.request_keep_alive = request.keep_alive;
  c.request_head = request.method == "HEAD";
  ++c.request_number;
  ++c.requests;
  SetPhase(c, Phase::kHandling);
  auto state = std::make_shared<ExchangeState>(shared_from_this(), connections_.at(c.id),
                                               c.request_number, options_.stream_buffer_bytes_max);
  server_.handler.Handle(std::move(request), Exchange(std::move(state)));
}

void Loop::RefuseRequest(Connection& c, const ParseError& error) {
  Response response = server_.handler.Refuse(c.parser.request(), error);
  c.request_head = c.parser.request().method == "HEAD";
  SetPhase(c, Phase::kHandling);
  StartResponse(c, response, false, true);
}

void Loop::StartResponse(Connection& c, const Response& response, bool stream, bool linger) {
  c.linger = linger;
  c.keep_alive = !stream && !linger && !response.close && c.request_keep_alive && !c.reserve &&
                 c.requests < options_.keep_alive_requests_max && !stopping_;
  std::string head = SerializeHead(
      response, stream ? std::nullopt : std::optional<size_t>(response.body.size()), c.keep_alive);
  c.out.append(head);
  if (stream) {
    c.stream_bytes.fetch_add(head.size());
    SetPhase(c, Phase::kStreaming);
  } else {
    // A HEAD is answered with the head its GET would have (Content-Length included), no body.
    if (!c.request_head) c.out.append(response.body);
    SetPhase(c, Phase::kWriting);
  }
  ReleaseBody(c);
  c.deadline = now_ + options_.write_timeout;
  Flush(c);
}

void Loop::Flush(Connection& c) {
  while (c.out_pos < c.out.size()) {
    ssize_t sent = send(c.fd, c.out.data() + c.out_pos, c.out.size() - c.out_pos, MSG_NOSIGNAL);
    if (sent > 0) {
      c.out_pos += static_cast<size_t>(sent);
      if (c.phase == Phase::kStreaming) c.stream_bytes.fetch_sub(static_cast<size_t>(sent));
      c.deadline = now_ + options_.write_timeout;
      continue;
    }
    if (sent < 0 && errno == EINTR) continue;
    if (sent < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
      if (c.phase != Phase::kStreaming) {  // streams have their own bound
        CountUnsent(c, c.out.size() - c.out_pos);
        if (server_.response_bytes_unsent.load(std::memory_order_relaxed) >
            options_.response_bytes_unsent_max) {
          server_.stats.responses_shed.fetch_add(1);
          return Close(c);
        }
      }
      if (c.out_pos > (1 << 20)) {  // keep a long stream's buffer from only growing
        c.out.erase(0, c.out_pos);
        c.out_pos = 0;
      }
      return;  // EPOLLOUT (edge-triggered) resumes
    }
    return Close(c);
  }
  CountUnsent(c, 0);
  c.out.clear();
  c.out_pos = 0;
  if (c.out.capacity() > 64 * 1024) std::string().swap(c.out);  // after a large response
  FinishWrite(c);
}

void Loop::FinishWrite(Connection& c) {
  if (c.phase == Phase::kStreaming) {
    if (c.stream_closing) Close(c);
    return;
  }
  if (c.phase != Phase::kWriting) return;  // a 100 Continue went out
  if (c.linger) {
    // Half-close and read what the client still sends, so that it sees the answer rather than a
    // reset (which would discard the answer from its receive buffer).
    shutdown(c.fd, SHUT_WR);
    SetPhase(c, Phase::kLingering);
    c.deadline = now_ + options_.linger_timeout;
    return Drive(c);
  }
  if (!c.keep_alive) return Close(c);
  c.parser.Reset();
  SetPhase(c, Phase::kIdle);
  c.deadline = now_ + options_.keep_alive_timeout;
  Drive(c);
}

bool Loop::ReadInto(Connection& c, std::string* buffer) {
  for (;;) {
    ssize_t got = recv(c.fd, read_buffer_, sizeof read_buffer_, 0);
    if (got > 0) {
      buffer->append(read_buffer_, static_cast<size_t>(got));
      read_turn_ += static_cast<size_t>(got);
      // A short read took all there was: the next bytes raise a new edge, so the read that would
      // only say EAGAIN (one per keep-alive request) is not made. Unless the peer has closed: then
      // only recv's 0 tells the end, and no edge will come for it.
      if (static_cast<size_t>(got) < sizeof read_buffer_ && !c.peer_closed) c.readable = false;
      return true;
    }
    if (got < 0 && errno == EINTR) continue;
    if (got < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
      c.readable = false;
      return false;
    }
    Close(c);  // the peer closed or reset
    return false;
  }
}

void Loop::Discard(Connection& c) {
  char* buffer = read_buffer_;
  while (c.readable) {
    if (read_turn_ >= kReadTurnBytes) {
      ready_.push_back(c.id);
      return;
    }
    ssize_t got = recv(c.fd, buffer, sizeof read_buffer_, 0);
    if (got > 0) {
      read_turn_ += static_cast<size_t>(got);
      if (static_cast<size_t>(got) < sizeof read_buffer_ && !c.peer_closed) c.readable = false;
      continue;
    }
    if (got < 0 && errno == EINTR) continue;
    if (got < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
      c.readable = false;
      return;
    }
    return Close(c);
  }
}

void Loop::CountUnsent(Connection& c, size_t unsent) {
  if (unsent >= c.unsent_counted) {
    server_.response_bytes_unsent.fetch_add(unsent - c.unsent_counted, std::memory_order_relaxed);
  } else {
    server_.response_bytes_unsent.fetch_sub(c.unsent_counted - unsent, std::memory_order_relaxed);
  }
  c.unsent_counted = unsent;
}

void Loop::Close(Connection& c) {
  if (c.phase == Phase::kClosed) return;
  CountUnsent(c, 0);
  c.phase = Phase::kClosed;
  epoll_ctl(epoll_fd_, EPOLL_CTL_DEL, c.fd, nullptr);
  close(c.fd);
  ReleaseBody(c);
  server_.registry.Remove(c);
  server_.stats.connections_open.fetch_sub(1);
  std::shared_ptr<Connection> keep = connections_[c.id];  // `c` may be the last reference's
  connections_.erase(c.id);
}

void Loop::Scan(Clock::time_point now) {
  std::vector<std::shared_ptr<Connection>> expired;
  for (auto& [id, connection] : connections_) {
    Phase phase = connection->phase;
    // A stream is timed while bytes wait for its client: one that takes none for write_timeout
    // is closed, whether it is still open or closing (a closed stream whose client stopped
    // reading would otherwise hold its connection for good).
    bool timed = phase == Phase::kIdle || phase == Phase::kHead || phase == Phase::kBody ||
                 phase == Phase::kWriting || phase == Phase::kLingering ||
                 (phase == Phase::kStreaming && connection->out_pos < connection->out.size());
    if (timed && now >= connection->deadline) expired.push_back(connection);
  }
  for (auto& connection : expired) {
    Connection& c = *connection;
    switch (c.phase.load()) {
      case Phase::kHead:
      case Phase::kBody:
        server_.stats.timeouts.fetch_add(1);
        c.parser.Fail({408, "request_timeout", "the request was not received in time"});
        RefuseRequest(c, c.parser.error());
        break;
      case Phase::kWriting:
      case Phase::kStreaming:
        server_.stats.timeouts.fetch_add(1);
        Close(c);
        break;
      default:
        Close(c);
    }
  }
  if (accept_paused_ && now >= accept_resume_) {
    int fd = server_.listen_fd;
    if (fd >= 0) ListenOn(fd);
    accept_paused_ = false;
  }
}

// --- Server
// ----------------------------------------------------------------------------------------

void ServerCore::Accept(Loop& loop) {
  const int listen = listen_fd;
  if (listen < 0) return;
  for (int accepted = 0; accepted < 256; ++accepted) {
    sockaddr_storage address{};
    socklen_t length = sizeof address;
    int fd = accept4(listen, reinterpret_cast<sockaddr*>(&address), &length,
                     SOCK_NONBLOCK | SOCK_CLOEXEC);
    if (fd < 0) {
      if (errno == EINTR || errno == ECONNABORTED) continue;
      if (errno == EMFILE || errno == ENFILE || errno == ENOBUFS || errno == ENOMEM) {
        // Out of descriptors: stop accepting for a moment rather than spin on the listening socket.
        epoll_ctl(loop.epoll_fd_, EPOLL_CTL_DEL, listen, nullptr);
        loop.accept_paused_ = true;
        loop.accept_resume_ = Clock::now() + kAcceptPause;
      }
      return;
    }
    int one = 1;
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    std::string peer = PeerAddress(address);
    std::string limit_key = AddressLimitKey(address);
    std::shared_ptr<Connection> victim;
    Registry::Admission admission = registry.Admit(limit_key, &victim);
    if (admission == Registry::Admission::kRefuse) {
      stats.connections_refused.fetch_add(1);
      ssize_t sent = send(fd, kRefusedAtAccept.data(), kRefusedAtAccept.size(), MSG_NOSIGNAL);
      (void)sent;
      close(fd);
      continue;
    }
    if (victim != nullptr) {
      Message shed;
      shed.kind = Message::Kind::kShed;
      shed.target = victim;
      loops[victim->loop]->Post(std::move(shed));
    }
    if (admission == Registry::Admission::kReserve) stats.connections_reserve.fetch_add(1);
    stats.connections_accepted.fetch_add(1);
    stats.connections_open.fetch_add(1);
    size_t target = next_loop++ % loops.size();
    auto connection =
        std::make_shared<Connection>(fd, next_id++, std::move(peer), std::move(limit_key), target,
                                     admission == Registry::Admission::kReserve, options.parser);
    connection->phase_since = Clock::now().time_since_epoch().count();
    registry.Insert(connection);
    Message adopt;
    adopt.kind = Message::Kind::kAdopt;
    adopt.adopt = std::move(connection);
    loops[target]->Post(std::move(adopt));
  }
}

Server::Server(Handler& handler, const ServerOptions& options)
    : impl_(std::make_shared<ServerCore>(handler, options)) {
  for (size_t i = 0; i < std::max<size_t>(1, options.io_threads); ++i) {
    impl_->loops.push_back(std::make_shared<Loop>(*impl_, i));
  }
}

Server::~Server() {
  Stop();
  std::lock_guard<std::mutex> lock(impl_->run_mutex);  // Run has returned
  int listen = impl_->listen_fd.exchange(-1);
  if (listen >= 0) close(listen);
}

Result<int> Server::Bind() {
  const ServerOptions& options = impl_->options;
  if (options.connections_max == 0 || options.connections_per_address_max == 0 ||
      options.parser.request_line_bytes_max < 16 || options.parser.header_bytes_max < 16 ||
      options.parser.header_count_max == 0) {
    return Error{"the HTTP limits must be positive"};
  }
  // Every connection is a descriptor: make sure the limit allows them all, or say so at start.
  rlimit files{};
  getrlimit(RLIMIT_NOFILE, &files);
  rlim_t needed = options.connections_max + options.reserve_connections + 256;
  if (files.rlim_cur < needed) {
    files.rlim_cur = std::min(files.rlim_max, needed);
    setrlimit(RLIMIT_NOFILE, &files);
    getrlimit(RLIMIT_NOFILE, &files);
    if (files.rlim_cur < needed) {
      return Error{"the open-file limit (" + std::to_string(files.rlim_cur) + ") is too low for " +
                   std::to_string(options.connections_max) + " connections"};
    }
  }
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV;
  addrinfo* found = nullptr;
  std::string port_text = std::to_string(options.port);
  if (getaddrinfo(options.host.c_str(), port_text.c_str(), &hints, &found) != 0 ||
      found == nullptr) {
    return Error{"cannot resolve " + options.host};
  }
  int fd = socket(found->ai_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  int one = 1;
  bool ok = fd >= 0 && setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one) == 0 &&
            bind(fd, found->ai_addr, found->ai_addrlen) == 0 &&
            listen(fd, options.listen_backlog) == 0;
  freeaddrinfo(found);
  if (!ok) {
    if (fd >= 0) close(fd);
    return Error{"cannot listen on " + options.host + ":" + port_text + ": " +
                 std::strerror(errno)};
  }
  sockaddr_storage bound{};
  socklen_t length = sizeof bound;
  getsockname(fd, reinterpret_cast<sockaddr*>(&bound), &length);
  int port = ntohs(bound.ss_family == AF_INET6 ? reinterpret_cast<sockaddr_in6&>(bound).sin6_port
                                               : reinterpret_cast<sockaddr_in&>(bound).sin_port);
  impl_->listen_fd = fd;
  impl_->loops[0]->ListenOn(fd);
  return port;
}

void Server::Run() {
  std::lock_guard<std::mutex> lock(impl_->run_mutex);
  std::vector<std::thread> threads;
  for (size_t i = 1; i < impl_->loops.size(); ++i) {
    threads.emplace_back([loop = impl_->loops[i]] {
      pthread_setname_np(pthread_self(), "tl-http");
      loop->Run();
    });
  }
  impl_->loops[0]->Run();
  for (std::thread& thread : threads) thread.join();
}

void Server::Stop() {
  impl_->stopping = true;
  for (auto& loop : impl_->loops) loop->Wake();
}

const ServerStats& Server::stats() const { return impl_->stats; }

}  // namespace twoline::http
