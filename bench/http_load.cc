// twoline_http_load: an HTTP load generator for `twoline serve` (bench/http_run.sh runs it).
//
//   twoline_http_load PORT TOKENS_FILE [--connections N] [--seconds S] [--slow N]
//                     [--readers N --read PATH]
//
// Opens N keep-alive connections to 127.0.0.1:PORT (connection i uses the i-th token of
// TOKENS_FILE, one per line, round robin), registers 16 travellers per connection in one batch,
// then posts single crossings (in and out, in turn) for S seconds, one request in flight per
// connection, and prints requests/s and the latency percentiles seen by the clients. With --slow N
// it also keeps N slow clients attached during the run: each sends a request head one byte every 2
// s and reconnects when the server closes it. With --readers N --read PATH, N more keep-alive
// connections GET PATH in a loop during the run (the next token of TOKENS_FILE each), as a client
// reading a declaration's trace over and over would; a 429 is honoured (the reader waits its
// Retry-After) and counted apart, and the reads' own rate and latencies are printed after the
// crossings'. One thread, epoll; every crossing answer must be 200 (others are counted as
// failures), and every read 200 or 429.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <fstream>
#include <string>
#include <vector>

namespace {

using Clock = std::chrono::steady_clock;
constexpr int kPersonsPerConnection = 16;

// `source`: the local address to connect from (any address of 127/8 is this machine).
int Connect(int port, const char* source = nullptr) {
  int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (source != nullptr) {
    sockaddr_in local{};
    local.sin_family = AF_INET;
    inet_pton(AF_INET, source, &local.sin_addr);
    bind(fd, reinterpret_cast<sockaddr*>(&local), sizeof local);
  }
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_port = htons(static_cast<uint16_t>(port));
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0) {
    close(fd);
    return -1;
  }
  int one = 1;
  setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  return fd;
}

void SendAll(int fd, const std::string& data) {
  size_t sent = 0;
  while (sent < data.size()) {
    ssize_t n = send(fd, data.data() + sent, data.size() - sent, MSG_NOSIGNAL);
    if (n <= 0) {
      std::perror("send");
      std::exit(1);
    }
    sent += static_cast<size_t>(n);
  }
}

std::string Post(const std::string& token, const std::string& body) {
  return "POST /v1/zones/hengqin/commands HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer " +
         token +
         "\r\nContent-Type: application/json\r\nContent-Length: " + std::to_string(body.size()) +
         "\r\n\r\n" + body;
}

std::string Person(int connection, int k) {
  return "L" + std::to_string(connection) + "-" + std::to_string(k);
}

// Officers send the gate device's time, which must be within the zone's skew of the server's.
std::string NowAt() {
  std::time_t now = std::time(nullptr) + 8 * 3600;
  std::tm local;
  gmtime_r(&now, &local);
  char text[40];
  std::strftime(text, sizeof text, "%Y-%m-%dT%H:%M:%S+08:00", &local);
  return text;
}

std::string Envelope(const std::string& id) {
  return R"({"id":")" + id + R"(","zone":"hengqin","at":")" + NowAt() + R"(",)";
}

std::string Registrations(int connection, const std::string& run) {
  std::string batch = "[";
  for (int k = 0; k < kPersonsPerConnection; ++k) {
    if (k > 0) batch += ",";
    batch +=
        Envelope(run + "r" + std::to_string(connection) + "-" + std::to_string(k)) +
        R"("type":"register_person","person":{"id":")" + Person(connection, k) +
        R"(","name":"Traveller","nationality":"CN","resident_of":"MO","birth_date":"1980-01-01","documents":[{"type":"home_return_permit","number":"H1","valid_from":"2019-01-01","valid_until":"2029-01-01"}],"lists":[]}})";
  }
  return batch + "]";
}

std::string Crossing(int connection, size_t n, const std::string& run) {
  int k = static_cast<int>((n / 2) % kPersonsPerConnection);
  return Envelope(run + "c" + std::to_string(connection) + "-" + std::to_string(n)) +
         R"("type":"cross","person":")" + Person(connection, k) +
         R"(","gate":"HQ-L1-GEN-01","direction":")" + (n % 2 == 0 ? "in" : "out") + "\"}";
}

// One response in `buffer`: its status, and how many bytes it took; 0 when incomplete.
// `retry_after` (optional): the Retry-After seconds, 0 when absent.
size_t ParseResponse(const std::string& buffer, int* status, int* retry_after = nullptr) {
  size_t end = buffer.find("\r\n\r\n");
  if (end == std::string::npos) return 0;
  size_t length_at = buffer.find("Content-Length: ");
  if (length_at == std::string::npos || length_at > end) return 0;
  size_t total = end + 4 + std::strtoul(buffer.c_str() + length_at + 16, nullptr, 10);
  if (buffer.size() < total) return 0;
  *status = std::atoi(buffer.c_str() + 9);
  if (retry_after != nullptr) {
    size_t at = buffer.find("Retry-After: ");
    *retry_after = at != std::string::npos && at < end ? std::atoi(buffer.c_str() + at + 13) : 0;
  }
  return total;
}

// Latency percentiles in ms of sorted seconds, as "p50 X ms, p99 Y ms, max Z ms".
std::string Percentiles(const std::vector<double>& sorted) {
  if (sorted.empty()) return "no answers";
  auto at = [&](double p) {
    return sorted[static_cast<size_t>(p * static_cast<double>(sorted.size() - 1))] * 1000;
  };
  char text[128];
  std::snprintf(text, sizeof text, "p50 %.2f ms, p99 %.2f ms, max %.2f ms", at(0.50), at(0.99),
                sorted.back() * 1000);
  return text;
}

struct Client {
  int fd = -1;
  int index = 0;
  std::string token;
  std::string in;
  std::string request;  // in flight
  Clock::time_point started{};
};

// A reader: GETs one path in a loop, waiting out a 429's Retry-After.
struct Reader {
  int fd = -1;
  std::string token;
  std::string in;
  Clock::time_point started{};
  Clock::time_point resume{};  // after a 429: when to ask again
  bool waiting = false;        // a request is in flight
};

struct Slow {
  int fd = -1;
  size_t next = 0;
};

}  // namespace

int main(int argc, char** argv) {
  if (argc < 3) {
    std::fprintf(
        stderr,
        "usage: twoline_http_load PORT TOKENS_FILE [--connections N] [--seconds S] [--slow N]\n");
    return 2;
  }
  const int port = std::atoi(argv[1]);
  std::vector<std::string> tokens;
  std::ifstream file(argv[2]);
  for (std::string line; std::getline(file, line);) {
    if (!line.empty()) tokens.push_back(line);
  }
  int connections = 64, seconds = 10, slow_count = 0, reader_count = 0;
  std::string read_path;
  for (int i = 3; i + 1 < argc; i += 2) {
    std::string flag = argv[i];
    int value = std::atoi(argv[i + 1]);
    if (flag == "--connections") connections = value;
    if (flag == "--seconds") seconds = value;
    if (flag == "--slow") slow_count = value;
    if (flag == "--readers") reader_count = value;
    if (flag == "--read") read_path = argv[i + 1];
  }
  if (reader_count > 0 && read_path.empty()) return 2;
  if (tokens.empty() || connections <= 0) return 2;
  // Ids unique per run, so that a second run on the same database decides new commands.
  const std::string run =
      "x" + std::to_string(Clock::now().time_since_epoch().count() % 1000000000) + "-";

  int epoll = epoll_create1(EPOLL_CLOEXEC);
  // The slow clients attach first: the server sheds the least recently active quiet connection at
  // its per-address limit, which must be a slow one, not a measured connection idle during setup.
  const std::string slow_head =
      "POST /v1/zones/hengqin/commands HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: ";
  std::vector<Slow> slow(static_cast<size_t>(slow_count));
  size_t slow_reconnects = 0;
  auto trickle = [&] {
    for (Slow& s : slow) {
      if (s.fd >= 0) {
        char ignored[512];
        ssize_t got = recv(s.fd, ignored, sizeof ignored, MSG_DONTWAIT);
        bool closed = got >= 0 || (errno != EAGAIN && errno != EWOULDBLOCK);
        if (!closed && send(s.fd, slow_head.data() + std::min(s.next, slow_head.size() - 1), 1,
                            MSG_NOSIGNAL) == 1) {
          ++s.next;
          continue;
        }
        close(s.fd);
        s.fd = -1;
        ++slow_reconnects;
      }
      s.fd = Connect(port, "127.0.0.2");  // another client address, as an attacker's would be
      s.next = 0;
    }
  };
  trickle();
  std::vector<Client> clients(static_cast<size_t>(connections));
  for (int i = 0; i < connections; ++i) {
    Client& c = clients[static_cast<size_t>(i)];
    c.index = i;
    c.token = tokens[static_cast<size_t>(i) % tokens.size()];
    c.fd = Connect(port);
    if (c.fd < 0) {
      std::perror("connect");
      return 1;
    }
    // Setup: register this connection's travellers (blocking, before the clock starts).
    SendAll(c.fd, Post(c.token, Registrations(i, run)));
    int status = 0;
    char buffer[65536];
    while (ParseResponse(c.in, &status) == 0) {
      ssize_t got = recv(c.fd, buffer, sizeof buffer, 0);
      if (got <= 0) return 1;
      c.in.append(buffer, static_cast<size_t>(got));
    }
    if (status != 200) {
      std::fprintf(stderr, "setup failed: %s\n", c.in.substr(0, 300).c_str());
      return 1;
    }
    c.in.clear();
    epoll_event event{};
    event.events = EPOLLIN;
    event.data.u32 = static_cast<uint32_t>(i);
    epoll_ctl(epoll, EPOLL_CTL_ADD, c.fd, &event);
  }
  // Readers are epoll entries after the clients: data.u32 = connections + r.
  std::vector<Reader> readers(static_cast<size_t>(reader_count));
  for (int r = 0; r < reader_count; ++r) {
    Reader& reader = readers[static_cast<size_t>(r)];
    reader.token = tokens[static_cast<size_t>(connections + r) % tokens.size()];
    reader.fd = Connect(port);
    if (reader.fd < 0) {
      std::perror("connect");
      return 1;
    }
    epoll_event event{};
    event.events = EPOLLIN;
    event.data.u32 = static_cast<uint32_t>(connections + r);
    epoll_ctl(epoll, EPOLL_CTL_ADD, reader.fd, &event);
  }
  const std::string read_head_end = " HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer ";
  auto send_read = [&](Reader& reader) {
    reader.started = Clock::now();
    reader.waiting = true;
    SendAll(reader.fd, "GET " + read_path + read_head_end + reader.token + "\r\n\r\n");
  };
  std::vector<double> read_latencies;
  size_t reads_limited = 0, read_failures = 0, read_bytes = 0;
  std::vector<double> latencies;
  latencies.reserve(2000000);
  size_t failures = 0;
  std::vector<size_t> sequence(static_cast<size_t>(connections), 0);
  auto send_next = [&](Client& c) {
    c.started = Clock::now();
    c.request = Post(c.token, Crossing(c.index, sequence[static_cast<size_t>(c.index)]++, run));
    SendAll(c.fd, c.request);
  };
  // A connection the server closed (shed at a limit) is opened again and the request resent, as
  // HTTP clients do with idempotent requests (a repeated command id is answered with its first
  // decision).
  size_t reconnects = 0;
  auto reconnect = [&](Client& c) {
    epoll_ctl(epoll, EPOLL_CTL_DEL, c.fd, nullptr);
    close(c.fd);
    c.fd = Connect(port);
    c.in.clear();
    ++reconnects;
    epoll_event event{};
    event.events = EPOLLIN;
    event.data.u32 = static_cast<uint32_t>(c.index);
    epoll_ctl(epoll, EPOLL_CTL_ADD, c.fd, &event);
    SendAll(c.fd, c.request);
  };
  const Clock::time_point start = Clock::now();
  const Clock::time_point end = start + std::chrono::seconds(seconds);
  Clock::time_point next_trickle = start + std::chrono::seconds(2);
  for (Client& c : clients) send_next(c);
  for (Reader& reader : readers) send_read(reader);
  int in_flight = connections;
  epoll_event events[256];
  char buffer[65536];
  while (in_flight > 0) {
    int count = epoll_wait(epoll, events, 256, readers.empty() ? 100 : 5);
    Clock::time_point now = Clock::now();
    for (int e = 0; e < count; ++e) {
      if (events[e].data.u32 >= static_cast<uint32_t>(connections)) {
        Reader& reader = readers[events[e].data.u32 - static_cast<uint32_t>(connections)];
        ssize_t got = recv(reader.fd, buffer, sizeof buffer, 0);
        if (got <= 0) {
          std::fprintf(stderr, "a reader's connection was closed\n");
          return 1;
        }
        reader.in.append(buffer, static_cast<size_t>(got));
        int status = 0, retry_after = 0;
        size_t used = ParseResponse(reader.in, &status, &retry_after);
        if (used == 0) continue;
        reader.in.erase(0, used);
        reader.waiting = false;
        if (status == 429) {
          ++reads_limited;
          reader.resume = now + std::chrono::seconds(std::max(retry_after, 1));
          continue;
        }
        if (status != 200) ++read_failures;
        read_bytes += used;
        read_latencies.push_back(std::chrono::duration<double>(now - reader.started).count());
        reader.resume = now;
        continue;
      }
      Client& c = clients[events[e].data.u32];
      ssize_t got = recv(c.fd, buffer, sizeof buffer, 0);
      if (got <= 0) {
        reconnect(c);
        continue;
      }
      c.in.append(buffer, static_cast<size_t>(got));
      int status = 0;
      size_t used = ParseResponse(c.in, &status);
      if (used == 0) continue;
      c.in.erase(0, used);
      latencies.push_back(std::chrono::duration<double>(now - c.started).count());
      if (status != 200) ++failures;
      if (now < end) {
        send_next(c);
      } else {
        --in_flight;
      }
    }
    for (Reader& reader : readers) {
      if (!reader.waiting && now < end && now >= reader.resume) send_read(reader);
    }
    if (!slow.empty() && now >= next_trickle) {
      trickle();
      next_trickle = now + std::chrono::seconds(2);
    }
  }
  double elapsed = std::chrono::duration<double>(Clock::now() - start).count();
  std::sort(latencies.begin(), latencies.end());
  std::printf(
      "%zu requests in %.1f s over %d connections%s: %.0f requests/s, %s, %zu failures, %zu "
      "reconnects\n",
      latencies.size(), elapsed, connections,
      slow.empty() ? ""
                   : (" with " + std::to_string(slow.size()) + " slow clients attached (" +
                      std::to_string(slow_reconnects) + " shed or timed out and reconnected)")
                         .c_str(),
      static_cast<double>(latencies.size()) / elapsed, Percentiles(latencies).c_str(), failures,
      reconnects);
  if (!readers.empty()) {
    std::sort(read_latencies.begin(), read_latencies.end());
    std::printf(
        "  reads of %s by %zu readers: %zu answered 200 (%.0f/s, %.0f KiB each), %s; %zu answered "
        "429, %zu failures\n",
        read_path.c_str(), readers.size(), read_latencies.size(),
        static_cast<double>(read_latencies.size()) / elapsed,
        read_latencies.empty() ? 0.0
                               : static_cast<double>(read_bytes) /
                                     static_cast<double>(read_latencies.size()) / 1024,
        Percentiles(read_latencies).c_str(), reads_limited, read_failures);
    for (Reader& reader : readers) close(reader.fd);
  }
  for (Slow& s : slow) {
    if (s.fd >= 0) close(s.fd);
  }
  for (Client& c : clients) close(c.fd);
  return failures == 0 && read_failures == 0 ? 0 : 1;
}
