// Crash test (issue 4): `twoline serve` under load from concurrent clients is killed with SIGKILL at
// random moments (seeded, so a failure replays) at least 20 times and restarted. Clients retry what
// was not acknowledged, as a real client would, with the same ids and bodies. Then:
//   - every acknowledged decision is in the journal at its seq with its hash, and no id twice;
//   - `twoline verify --db` passes, and its state hash equals that of a replay of the exported
//     journal (`verify --journal`) and of a fresh database it was imported into;
//   - a copy of the database whose WAL lost its tail (a torn last write) still opens and verifies;
//   - a copy with a corrupted middle entry is refused by verify and by serve, naming the seq.
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <simdjson.h>
#include <sqlite3.h>
#include <sys/wait.h>

#include <atomic>
#include <fstream>
#include <random>

#include "http_service.h"

extern char** environ;

namespace twoline {
namespace {

using testing::TempDir;

struct ProcessResult {
  int status = -1;
  std::string out;
};

// Runs the twoline binary to completion, capturing standard output.
ProcessResult RunTwoline(const std::vector<std::string>& arguments, const std::string& err_file) {
  std::string command = std::string("'") + TWOLINE_BINARY + "'";
  for (const std::string& argument : arguments) command += " '" + argument + "'";
  command += " 2>>'" + err_file + "'";
  ProcessResult result;
  FILE* pipe = popen(command.c_str(), "r");
  if (pipe == nullptr) return result;
  char buffer[4096];
  size_t got;
  while ((got = fread(buffer, 1, sizeof buffer, pipe)) > 0) result.out.append(buffer, got);
  int status = pclose(pipe);
  result.status = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return result;
}

// A `twoline serve` child process on an ephemeral port.
class ServerProcess {
 public:
  ServerProcess(const std::string& db, const std::string& err_file) {
    int pipe_fds[2];
    EXPECT_EQ(pipe2(pipe_fds, O_CLOEXEC), 0);
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_adddup2(&actions, pipe_fds[1], 1);
    posix_spawn_file_actions_addopen(&actions, 2, err_file.c_str(), O_WRONLY | O_APPEND | O_CREAT, 0644);
    std::vector<std::string> arguments = {TWOLINE_BINARY, "serve", "--db", db, "--listen",
                                          "127.0.0.1:0", "--zone", "hengqin"};
    std::vector<char*> argv;
    for (std::string& argument : arguments) argv.push_back(argument.data());
    argv.push_back(nullptr);
    EXPECT_EQ(posix_spawn(&pid_, TWOLINE_BINARY, &actions, nullptr, argv.data(), environ), 0);
    posix_spawn_file_actions_destroy(&actions);
    close(pipe_fds[1]);
    // The first line on standard output: "listening on http://127.0.0.1:PORT".
    std::string line;
    char c;
    while (read(pipe_fds[0], &c, 1) == 1 && c != '\n') line += c;
    out_fd_ = pipe_fds[0];
    size_t colon = line.rfind(':');
    port_ = colon == std::string::npos ? 0 : std::atoi(line.c_str() + colon + 1);
  }
  ~ServerProcess() {
    if (pid_ > 0) Kill(SIGKILL);
    close(out_fd_);
  }
  // Sends a signal and waits for the process; returns its exit status (-signal if killed).
  int Kill(int signal_number) {
    kill(pid_, signal_number);
    int status = 0;
    waitpid(pid_, &status, 0);
    pid_ = -1;
    return WIFEXITED(status) ? WEXITSTATUS(status) : -WTERMSIG(status);
  }
  int port() const { return port_; }

 private:
  pid_t pid_ = -1;
  int out_fd_ = -1;
  int port_ = 0;
};

struct Acknowledged {
  std::string id;
  int64_t seq = 0;
  std::string hash;
};

// One client: registers its own travellers and walks them in and out, in requests of one to three
// commands, resending a request until it is answered.
class Client {
 public:
  Client(int number, std::atomic<int>& port, std::atomic<bool>& stop, std::string token)
      : number_(number), port_(port), stop_(stop), token_(std::move(token)), random_(number) {}

  void Run() {
    while (!stop_) {
      std::vector<std::string> batch;
      size_t size = 1 + random_() % 3;
      for (size_t i = 0; i < size; ++i) batch.push_back(Next());
      Send(batch);
    }
  }
  const std::vector<Acknowledged>& acknowledged() const { return acknowledged_; }
  size_t sent() const { return counter_; }

 private:
  std::string Next() {
    size_t n = counter_++;
    std::string person = "T" + std::to_string(number_) + "-P" + std::to_string(n / 3);
    char at[64];
    std::snprintf(at, sizeof at, "2026-03-02T%02zu:%02zu:%02zu+08:00", 6 + (n / 3600) % 12, (n / 60) % 60, n % 60);
    std::string id = "T" + std::to_string(number_) + "-c" + std::to_string(n);
    std::string envelope = R"({"id":")" + id + R"(","zone":"hengqin","at":")" + at + "\",";
    switch (n % 3) {
      case 0:
        return envelope + R"("type":"register_person","person":{"id":")" + person +
               R"(","name":"Traveller","nationality":"CN","resident_of":"MO","birth_date":"1980-01-01","documents":[{"type":"home_return_permit","number":"H1","valid_from":"2019-01-01","valid_until":"2029-01-01"}],"lists":[]}})";
      case 1:
        return envelope + R"("type":"cross","person":")" + person + R"(","gate":"HQ-L1-GEN-01","direction":"in"})";
      default:
        return envelope + R"("type":"cross","person":")" + person + R"(","gate":"HQ-L1-GEN-01","direction":"out"})";
    }
  }

  void Send(const std::vector<std::string>& batch) {
    std::string body = "[";
    for (const std::string& command : batch) body += (body.size() > 1 ? "," : "") + command;
    body += "]";
    for (;;) {
      httplib::Client client("127.0.0.1", port_.load());
      client.set_connection_timeout(1, 0);
      client.set_tcp_nodelay(true);
      client.set_read_timeout(10, 0);
      auto result = client.Post("/v1/zones/hengqin/commands",
                                {{"Authorization", "Bearer " + token_}}, body, "application/json");
      if (result && result->status == 200) {
        Record(result->body);
        return;
      }
      ASSERT_TRUE(!result || result->status == 503) << result->status << " " << result->body;
      std::this_thread::sleep_for(std::chrono::milliseconds(20));  // the server is restarting
    }
  }

  void Record(const std::string& answers) {
    simdjson::dom::parser parser;
    simdjson::dom::array decisions;
    ASSERT_FALSE(parser.parse(answers).get(decisions)) << answers;
    for (simdjson::dom::element decision : decisions) {
      Acknowledged ack;
      std::string_view id, hash;
      ASSERT_FALSE(decision["id"].get(id));
      ack.id = std::string(id);
      // Every command here is journaled (accepted, referred or rejected), so each has a seq.
      ASSERT_FALSE(decision["seq"].get(ack.seq)) << answers;
      ASSERT_FALSE(decision["hash"].get(hash));
      ack.hash = std::string(hash);
      acknowledged_.push_back(ack);
    }
  }

  int number_;
  std::atomic<int>& port_;
  std::atomic<bool>& stop_;
  std::string token_;
  std::mt19937 random_;
  size_t counter_ = 0;
  std::vector<Acknowledged> acknowledged_;
};

std::string LastLine(const std::string& text) {
  std::string trimmed = text.substr(0, text.find_last_not_of('\n') + 1);
  return trimmed.substr(trimmed.rfind('\n') + 1);
}

void Copy(const std::string& from, const std::string& to) {
  std::ifstream in(from, std::ios::binary);
  std::ofstream out(to, std::ios::binary);
  out << in.rdbuf();
}

TEST(CrashTest, KilledServersLoseNothingAcknowledged) {
  constexpr int kKills = 22;
  constexpr int kClients = 6;
  TempDir directory;
  const std::string db = directory.File("crash.db");
  const std::string log = directory.File("server.log");
  ProcessResult token = RunTwoline({"token", "create", "--db", db, "--role", "admin"}, log);
  ASSERT_EQ(token.status, 0) << token.out;
  const std::string secret = LastLine(token.out);
  ASSERT_EQ(secret.substr(0, 4), "twl_");

  std::mt19937 random(20260302);  // the moments of the kills
  std::atomic<int> port{0};
  std::atomic<bool> stop{false};
  auto server = std::make_unique<ServerProcess>(db, log);
  ASSERT_GT(server->port(), 0) << "the server did not start; see its log";
  port = server->port();
  std::vector<std::unique_ptr<Client>> clients;
  std::vector<std::thread> threads;
  for (int i = 0; i < kClients; ++i) {
    clients.push_back(std::make_unique<Client>(i, port, stop, secret));
    threads.emplace_back([client = clients.back().get()] { client->Run(); });
  }
  bool torn_copy_made = false;
  for (int kill = 0; kill < kKills; ++kill) {
    std::this_thread::sleep_for(std::chrono::milliseconds(30 + random() % 250));
    EXPECT_EQ(server->Kill(SIGKILL), -SIGKILL);
    if (!torn_copy_made && kill >= kKills / 2) {
      // A torn last write: the WAL as a crash left it, minus its last bytes.
      Copy(db, directory.File("torn.db"));
      Copy(db + "-wal", directory.File("torn.db-wal"));
      std::ifstream wal(db + "-wal", std::ios::binary | std::ios::ate);
      long size = static_cast<long>(wal.tellg());
      if (size > 5000) {
        ASSERT_EQ(truncate(directory.File("torn.db-wal").c_str(), size - 3000), 0);
      }
      torn_copy_made = true;
    }
    server = std::make_unique<ServerProcess>(db, log);
    ASSERT_GT(server->port(), 0) << "restart " << kill << " failed; see " << log;
    port = server->port();
  }
  std::this_thread::sleep_for(std::chrono::milliseconds(200));
  stop = true;
  for (auto& thread : threads) thread.join();
  EXPECT_EQ(server->Kill(SIGTERM), 0) << "a clean stop exits 0";

  // Every acknowledged decision is in the journal at its seq, with its hash.
  auto store = store::SqliteStore::Open(db, store::SqliteOptions{true, false});
  ASSERT_TRUE(store.ok()) << store.error().message;
  std::map<std::string, int> ids;
  ASSERT_TRUE((*store)->ScanEntries("hengqin", 1, UINT64_MAX, [&](const store::EntryRecord& entry) {
    if (!entry.command_id.empty()) ++ids[entry.command_id];
    return Status::Ok();
  }).ok());
  size_t acknowledged = 0, sent = 0;
  for (const auto& client : clients) {
    sent += client->sent();
    for (const Acknowledged& ack : client->acknowledged()) {
      ++acknowledged;
      auto entries = (*store)->ReadEntries("hengqin", static_cast<uint64_t>(ack.seq), 1);
      ASSERT_TRUE(entries.ok() && entries->size() == 1) << ack.id << " seq " << ack.seq << " is missing";
      EXPECT_EQ(entries->front().command_id, ack.id);
      EXPECT_EQ(ToHex(entries->front().hash), ack.hash) << ack.id;
    }
  }
  EXPECT_EQ(acknowledged, sent) << "every request was eventually answered";
  std::printf("crash test: %zu commands acknowledged across %d kills\n", acknowledged, kKills);
  EXPECT_EQ(ids.size(), sent) << "every command journaled once";
  for (const auto& [id, count] : ids) EXPECT_EQ(count, 1) << id << " journaled twice";
  store->reset();

  // verify --db, and the same state from a replay of the exported journal and of an import.
  ProcessResult verified = RunTwoline({"verify", "--db", db, "--zone", "hengqin"}, log);
  ASSERT_EQ(verified.status, 0) << verified.out;
  ASSERT_EQ(verified.out.substr(0, 3), "ok ");
  std::string exported = directory.File("export.journal");
  ASSERT_EQ(RunTwoline({"export", "--db", db, "--zone", "hengqin", "--journal", exported}, log).status, 0);
  ProcessResult replayed = RunTwoline({"verify", "--journal", exported}, log);
  EXPECT_EQ(replayed.out, verified.out) << "state hash of a replay differs";
  std::string imported = directory.File("imported.db");
  ASSERT_EQ(RunTwoline({"import", "--journal", exported, "--db", imported}, log).status, 0);
  EXPECT_EQ(RunTwoline({"verify", "--db", imported}, log).out, verified.out);

  // The torn copy opens and verifies: SQLite discards the incomplete tail of the WAL.
  ASSERT_TRUE(torn_copy_made);
  ProcessResult torn = RunTwoline({"verify", "--db", directory.File("torn.db"), "--zone", "hengqin"}, log);
  EXPECT_EQ(torn.status, 0) << torn.out;

  // A corrupted middle entry is detected and named, by verify and by serve.
  std::string corrupt = directory.File("corrupt.db");
  ASSERT_EQ(RunTwoline({"import", "--journal", exported, "--db", corrupt}, log).status, 0);
  sqlite3* connection = nullptr;
  ASSERT_EQ(sqlite3_open_v2(corrupt.c_str(), &connection, SQLITE_OPEN_READWRITE, nullptr), SQLITE_OK);
  // The first entry past seq 100 that records a person going in now says "out": still canonical
  // JSON, but no longer what was hashed.
  sqlite3_stmt* statement = nullptr;
  ASSERT_EQ(sqlite3_prepare_v2(connection,
                               "SELECT min(seq) FROM journal WHERE zone = 'hengqin' AND seq > 100 AND "
                               "line LIKE '%\"direction\":\"in\"%'",
                               -1, &statement, nullptr),
            SQLITE_OK);
  ASSERT_EQ(sqlite3_step(statement), SQLITE_ROW);
  const int64_t bad_seq = sqlite3_column_int64(statement, 0);
  sqlite3_finalize(statement);
  ASSERT_GT(bad_seq, 100);
  std::string tamper = "UPDATE journal SET line = replace(line, '\"direction\":\"in\"', "
                       "'\"direction\":\"out\"') WHERE zone = 'hengqin' AND seq = " + std::to_string(bad_seq);
  ASSERT_EQ(sqlite3_exec(connection, tamper.c_str(), nullptr, nullptr, nullptr), SQLITE_OK);
  ASSERT_EQ(sqlite3_changes(connection), 1);
  sqlite3_close(connection);
  ProcessResult bad = RunTwoline({"verify", "--db", corrupt}, log);
  EXPECT_EQ(bad.status, 1);
  const std::string named = "zone hengqin: seq " + std::to_string(bad_seq) + ": ";
  EXPECT_NE(bad.out.find(named), std::string::npos) << bad.out;
  ProcessResult refused = RunTwoline({"serve", "--db", corrupt, "--listen", "127.0.0.1:0"}, log);
  EXPECT_EQ(refused.status, 1);
  std::ifstream log_file(log);
  std::string log_text((std::istreambuf_iterator<char>(log_file)), std::istreambuf_iterator<char>());
  EXPECT_NE(log_text.find("\"event\":\"serve_failed\",\"message\":\"" + named), std::string::npos);
}

}  // namespace
}  // namespace twoline
