// A running HTTP service for end-to-end tests: a store (SQLite in a temporary directory, or
// MemoryStore), the writer, and the server listening on an ephemeral 127.0.0.1 port, with a token
// per role. Used by http_test.cc and json_suite_test.cc.
// Thread-safety: one test at a time; the server runs on its own thread.
#pragma once

#include <arpa/inet.h>
#include <httplib.h>
#include <simdjson.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <map>
#include <memory>
#include <string>
#include <thread>

#include "api/auth.h"
#include "base/time.h"
#include "api/server.h"
#include "cli/zones_command.h"
#include "service_test_util.h"
#include "store/memory_store.h"
#include "store/sqlite_store.h"
#include "store/writer.h"

namespace twoline::testing {

// A client connection on a raw socket, for what a well-behaved HTTP client never sends: bodies
// that lie about their size, bytes trickled slowly, invalid UTF-8, chunked uploads.
class RawConnection {
 public:
  explicit RawConnection(int port) {
    fd_ = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_port = htons(static_cast<uint16_t>(port));
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (connect(fd_, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0) {
      ADD_FAILURE() << "connect failed";
    }
    timeval timeout{30, 0};
    setsockopt(fd_, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout);
    setsockopt(fd_, SOL_SOCKET, SO_SNDTIMEO, &timeout, sizeof timeout);
  }
  ~RawConnection() { close(fd_); }
  RawConnection(const RawConnection&) = delete;
  RawConnection& operator=(const RawConnection&) = delete;

  // Sends everything; false when the peer closed or reset the connection.
  bool Send(std::string_view data) {
    while (!data.empty()) {
      ssize_t sent = send(fd_, data.data(), data.size(), MSG_NOSIGNAL);
      if (sent <= 0) return false;
      data.remove_prefix(static_cast<size_t>(sent));
    }
    return true;
  }
  // Reads until the peer closes or `until` appears (then up to the end of the headers' body when
  // a Content-Length is given); returns what was read.
  std::string Receive() {
    std::string text;
    char buffer[65536];
    for (;;) {
      ssize_t got = recv(fd_, buffer, sizeof buffer, 0);
      if (got <= 0) return text;
      text.append(buffer, static_cast<size_t>(got));
      size_t header_end = text.find("\r\n\r\n");
      if (header_end == std::string::npos) continue;
      size_t length_at = text.find("Content-Length: ");
      if (length_at == std::string::npos || length_at > header_end) continue;
      size_t length = std::stoul(text.substr(length_at + 16));
      if (text.size() >= header_end + 4 + length) return text;
    }
  }
  // One read: what arrived (up to `size` bytes); 0 when the peer closed, -1 on error or timeout.
  ssize_t ReceiveSome(char* buffer, size_t size) { return recv(fd_, buffer, size, 0); }
  // The status code of a response text, 0 when there is none.
  static int Status(const std::string& response) {
    if (response.compare(0, 9, "HTTP/1.1 ") != 0 || response.size() < 12) return 0;
    return std::stoi(response.substr(9, 3));
  }

 private:
  int fd_ = -1;
};

// A POST of `body` to `path` with an exact Content-Length, as raw bytes.
// The server's time as an `at` at +08:00: declarants and officers must send a time within the zone's
// allowed skew of the server's (SPEC §2); only admins submit past events.
inline std::string NowAt() { return FormatRfc3339(static_cast<int64_t>(::time(nullptr)), 480); }

// The string at a JSON pointer of a response body ("" when absent or not a string).
inline std::string StringAt(const std::string& json, const char* pointer) {
  simdjson::dom::parser parser;
  simdjson::dom::element root;
  std::string_view value;
  if (parser.parse(json).get(root) || root.at_pointer(pointer).get(value)) return "";
  return std::string(value);
}

inline std::string RawPost(const std::string& path, const std::string& token, std::string_view body) {
  return "POST " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer " + token +
         "\r\nContent-Type: application/json\r\nContent-Length: " + std::to_string(body.size()) +
         "\r\n\r\n" + std::string(body);
}

struct ServiceOptions {
  bool memory_store = false;
  std::vector<std::string> zones = {"hengqin", "hetao-sz"};
  api::ServerOptions server;
  store::WriterOptions writer;
  std::chrono::milliseconds heartbeat{15000};  // of the decision streams
  api::DecisionFeedOptions feed;               // their limits (its heartbeat is `heartbeat`)
  bool keep_token_refresh = false;             // else the token table is re-read on every request
  // Tokens to create: name -> (role, zone, party).
  std::map<std::string, std::tuple<api::Role, std::string, std::string>> tokens = {
      {"admin", {api::Role::kAdmin, "", ""}},
      {"officer", {api::Role::kOfficer, "hengqin", ""}},
      {"officer-sz", {api::Role::kOfficer, "hetao-sz", ""}},
      {"auditor", {api::Role::kAuditor, "hengqin", ""}},
      {"auditor-all", {api::Role::kAuditor, "", ""}},
  };
};

class Service {
 public:
  explicit Service(ServiceOptions options) : options_(std::move(options)) {
    if (options_.memory_store) {
      memory_ = std::make_unique<store::MemoryStore>();
      store_ = memory_.get();
    } else {
      auto opened = store::SqliteStore::Open(directory_.File("service.db"), store::SqliteOptions{});
      if (!opened) ADD_FAILURE() << opened.error().message;
      sqlite_ = std::move(*opened);
      store_ = sqlite_.get();
    }
    auto zones = store::ZoneSet::Load(*store_, true, nullptr);
    if (!zones) ADD_FAILURE() << zones.error().message;
    PutInForce(**zones, *store_, options_.zones);
    std::string zones_json = "[";
    for (const std::string& id : (*zones)->ids()) {
      if (zones_json.size() > 1) zones_json += ",";
      zones_json += cli::ZoneJson((*zones)->Find(id)->chain.engine().profile());
    }
    for (const auto& [name, scope] : options_.tokens) {
      AddToken(name, std::get<0>(scope), std::get<1>(scope), std::get<2>(scope));
    }
    api::DecisionFeedOptions feed_options = options_.feed;
    feed_options.heartbeat = options_.heartbeat;
    feed_ = std::make_unique<api::DecisionFeed>(zones_json + "]", feed_options);
    store::WriterOptions writer_options = options_.writer;
    writer_options.on_committed = [this](const std::string& zone,
                                         const std::vector<store::CommittedCommand>& committed) {
      feed_->Publish(zone, committed);
    };
    writer_ = std::make_unique<store::Writer>(*store_, std::move(*zones), writer_options);
    api::ServerOptions server_options = options_.server;
    server_options.decision_feed = feed_.get();
    server_options.port = 0;
    server_options.host = "127.0.0.1";
    server_options.zones_json = zones_json + "]";
    if (!options_.keep_token_refresh) {
      server_options.token_refresh = std::chrono::milliseconds(0);  // revocations apply at once
    }
    server_ = std::make_unique<api::Server>(*store_, *writer_, server_options);
    auto port = server_->Bind();
    if (!port) ADD_FAILURE() << port.error().message;
    port_ = port.ok() ? *port : 0;
    thread_ = std::thread([this] { server_->Run(); });
  }
  ~Service() {
    server_->Stop();
    thread_.join();
    writer_->Stop();
  }

  // Creates a token in the store and remembers its secret under `name`.
  void AddToken(const std::string& name, api::Role role, const std::string& zone,
                const std::string& party) {
    auto token = api::GenerateToken(role, zone, party, "2026-01-01T00:00:00+00:00");
    ASSERT_TRUE(token.ok()) << token.error().message;
    ASSERT_TRUE(store_->CreateToken(token->record).ok());
    secrets_[name] = token->secret;
    ids_[name] = token->record.id;
  }
  const std::string& Secret(const std::string& name) { return secrets_.at(name); }
  const std::string& TokenId(const std::string& name) { return ids_.at(name); }

  httplib::Client Client() const {
    httplib::Client client("127.0.0.1", port_);
    client.set_read_timeout(30, 0);
    client.set_write_timeout(30, 0);
    client.set_tcp_nodelay(true);  // else Nagle holds a body behind its headers for 40 ms
    return client;
  }
  httplib::Headers Auth(const std::string& name) const {
    return {{"Authorization", "Bearer " + secrets_.at(name)}};
  }
  httplib::Result Get(const std::string& path, const std::string& token = "admin") const {
    return Client().Get(path.c_str(), token.empty() ? httplib::Headers{} : Auth(token));
  }
  httplib::Result Post(const std::string& path, const std::string& body,
                       const std::string& token = "admin") const {
    return Client().Post(path.c_str(), token.empty() ? httplib::Headers{} : Auth(token), body,
                         "application/json");
  }

  int port() const { return port_; }
  std::string database_path() const { return directory_.File("service.db"); }
  store::Store& store() { return *store_; }
  store::MemoryStore* memory() { return memory_.get(); }
  store::Writer& writer() { return *writer_; }
  api::DecisionFeed& feed() { return *feed_; }

 private:
  ServiceOptions options_;
  TempDir directory_;
  std::unique_ptr<store::MemoryStore> memory_;
  std::unique_ptr<store::SqliteStore> sqlite_;
  store::Store* store_ = nullptr;
  std::unique_ptr<api::DecisionFeed> feed_;
  std::unique_ptr<store::Writer> writer_;
  std::unique_ptr<api::Server> server_;
  std::thread thread_;
  int port_ = 0;
  std::map<std::string, std::string> secrets_, ids_;
};

}  // namespace twoline::testing
