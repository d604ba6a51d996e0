#include "cli/live_demo.h"

#include <httplib.h>
#include <signal.h>
#include <simdjson.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <iostream>
#include <sstream>
#include <thread>

#include "base/decimal.h"
#include "cli/serve_command.h"
#include "policy/profile_loader.h"
#include "sim/simulator.h"

namespace twoline::cli {
namespace {

volatile sig_atomic_t stop_requested = 0;
void OnSignal(int) { stop_requested = 1; }

struct TimedCommand {
  int64_t at = 0;  // unix seconds
  std::string zone;
  std::string json;
};

// Simulates the day in each zone and merges the commands in time order.
std::vector<TimedCommand> SimulateDay(const LiveDemoOptions& options, Date date) {
  std::vector<TimedCommand> all;
  for (auto [zone, persons] : {std::pair<std::string, int>{"hengqin", options.hengqin_persons},
                               std::pair<std::string, int>{"hetao-sz", options.hetao_persons}}) {
    auto profile = policy::LoadBuiltinProfile(zone);
    if (!profile) continue;
    sim::SimulationOptions simulation;
    simulation.date = date;
    simulation.persons = persons;
    simulation.seed = 42;
    std::ostringstream text;
    sim::Simulate(*profile, simulation, text);
    std::istringstream lines(text.str());
    std::string line;
    simdjson::dom::parser parser;
    while (std::getline(lines, line)) {
      simdjson::dom::element command;
      std::string_view at;
      if (parser.parse(line).get(command) || command["at"].get(at)) continue;
      auto instant = ParseRfc3339(at);
      if (instant) all.push_back({instant->unix_seconds, zone, line});
    }
  }
  std::stable_sort(all.begin(), all.end(),
                   [](const TimedCommand& a, const TimedCommand& b) { return a.at < b.at; });
  return all;
}

pid_t StartServer(const std::string& self, const std::string& db, const std::string& listen,
                  const std::string& log_path) {
  pid_t child = fork();
  if (child == 0) {
    FILE* log = std::fopen(log_path.c_str(), "w");
    if (log) {
      dup2(fileno(log), 1);
      dup2(fileno(log), 2);
    }
    execl(self.c_str(), self.c_str(), "serve", "--db", db.c_str(), "--listen", listen.c_str(),
          "--zone", "hengqin", "--zone", "hetao-sz", static_cast<char*>(nullptr));
    _exit(127);
  }
  return child;
}

struct Progress {
  int64_t crossings = 0, declarations = 0, sent = 0, refused = 0;
  int64_t duty_fen = 0, vat_fen = 0;
  std::map<std::string, int64_t> outcomes;

  void Tally(std::string_view body) {
    simdjson::dom::parser& parser = Parser();
    simdjson::dom::element decisions;
    if (parser.parse(body.data(), body.size()).get(decisions)) return;
    simdjson::dom::array array;
    if (decisions.get(array)) return;
    for (simdjson::dom::element decision : array) {
      std::string_view outcome;
      if (!decision["outcome"].get(outcome)) ++outcomes[std::string(outcome)];
      simdjson::dom::object assessment;
      if (!decision["assessment"].get(assessment)) {
        std::string_view duty, vat;
        if (!assessment["customs_duty"].get(duty)) duty_fen += ParseMoney(duty).ok() ? *ParseMoney(duty) : 0;
        if (!assessment["import_vat"].get(vat)) vat_fen += ParseMoney(vat).ok() ? *ParseMoney(vat) : 0;
      }
    }
  }
  static simdjson::dom::parser& Parser() {
    static simdjson::dom::parser parser;
    return parser;
  }
};

double QueueDepth(httplib::Client& client) {
  auto response = client.Get("/metrics");
  if (!response || response->status != 200) return -1;
  size_t at = response->body.find("\ntwoline_queue_commands ");
  return at == std::string::npos ? -1 : std::atof(response->body.c_str() + at + 24);
}

// Posts one zone's batch; retries on 503 as the server asks.
bool Post(httplib::Client& client, const std::string& token, const std::string& zone,
          const std::vector<const TimedCommand*>& batch, Progress* progress) {
  std::string body = "[";
  for (size_t i = 0; i < batch.size(); ++i) body += (i ? "," : "") + batch[i]->json;
  body += "]";
  httplib::Headers headers = {{"Authorization", "Bearer " + token}};
  for (int attempt = 0; attempt < 20 && !stop_requested; ++attempt) {
    auto response = client.Post(("/v1/zones/" + zone + "/commands").c_str(), headers, body,
                                "application/json");
    if (!response) return false;
    if (response->status == 503 || response->status == 429) {
      std::this_thread::sleep_for(std::chrono::milliseconds(200));
      continue;
    }
    progress->sent += static_cast<int64_t>(batch.size());
    if (response->status != 200) {
      progress->refused += static_cast<int64_t>(batch.size());
      return true;
    }
    for (const TimedCommand* command : batch) {
      if (command->json.find("\"type\":\"cross\"") != std::string::npos) ++progress->crossings;
      if (command->json.find("\"type\":\"declare\"") != std::string::npos) ++progress->declarations;
    }
    progress->Tally(response->body);
    return true;
  }
  return false;
}

}  // namespace

int RunLiveDemo(const std::string& self_path, const LiveDemoOptions& options, std::ostream& out,
                std::ostream& err) {
  mkdir(options.directory.c_str(), 0755);
  std::string db = options.directory + "/live.db";
  for (const char* suffix : {"", "-wal", "-shm"}) std::remove((db + suffix).c_str());
  std::ostringstream token_output;
  TokenOptions token_options;
  token_options.action = "create";
  token_options.db_path = db;
  token_options.role = "admin";
  if (Token(token_options, token_output, err) != 0) return 1;
  std::string token = token_output.str();
  while (!token.empty() && token.back() == '\n') token.pop_back();
  token = token.substr(token.rfind('\n') + 1);

  Date date = *ParseDate("2026-05-02");
  out << "simulating the day (Hengqin record traffic and the Hetao Shenzhen Park)…\n";
  std::vector<TimedCommand> commands = SimulateDay(options, date);

  signal(SIGINT, OnSignal);
  signal(SIGTERM, OnSignal);
  pid_t server = StartServer(self_path, db, options.listen, options.directory + "/server.log");
  size_t colon = options.listen.rfind(':');
  httplib::Client client(options.listen.substr(0, colon), std::stoi(options.listen.substr(colon + 1)));
  client.set_read_timeout(30, 0);
  bool up = false;
  for (int i = 0; i < 100 && !up && !stop_requested; ++i) {
    auto health = client.Get("/healthz");
    up = health && health->status == 200;
    if (!up) std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  if (!up) {
    err << "twoline demo: the server did not start; see " << options.directory << "/server.log\n";
    kill(server, SIGTERM);
    waitpid(server, nullptr, 0);
    return 1;
  }
  std::string base = "http://" + options.listen;
  out << "twoline serve is running on " << base << " (database " << db << ")\n"
      << "console: open " << base << "/ and sign in with the admin token below\n"
      << "  " << base << "/v1/zones\n  " << base << "/v1/zones/hengqin/presence   (with the token)\n  "
      << base << "/v1/zones/hengqin/reports/flows\n  " << base << "/metrics\n  " << base
      << "/v1/openapi.json\n"
      << "admin token: " << token << "\n  e.g. curl -H 'Authorization: Bearer " << token << "' "
      << base << "/v1/zones/hengqin/presence\n"
      << "driving " << commands.size() << " commands at " << options.speed
      << "x real time; Ctrl-C stops.\n";

  Progress progress;
  auto started = std::chrono::steady_clock::now();
  // The clock starts at 07:00 local: the night's registrations and early traffic are sent at once,
  // then the day runs at `speed` simulated seconds per second through the morning peak.
  int64_t day_start = static_cast<int64_t>(date) * 86400 + 7 * 3600 - 8 * 3600;
  size_t next = 0;
  auto last_print = started;
  while (next < commands.size() && !stop_requested) {
    double elapsed = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
    if (options.duration_seconds_max > 0 && elapsed > options.duration_seconds_max) break;
    int64_t simulated_now = day_start + static_cast<int64_t>(elapsed * options.speed);
    // Everything due by now, grouped per zone into batches (a gate system sends what it has).
    std::map<std::string, std::vector<const TimedCommand*>> due;
    while (next < commands.size() && commands[next].at <= simulated_now && due.size() < 64) {
      auto& batch = due[commands[next].zone];
      batch.push_back(&commands[next++]);
      if (batch.size() >= 500) break;
    }
    for (auto& [zone, batch] : due) {
      if (!Post(client, token, zone, batch, &progress)) stop_requested = 1;
    }
    auto now = std::chrono::steady_clock::now();
    if (now - last_print > std::chrono::milliseconds(500)) {
      last_print = now;
      char line[256];
      std::snprintf(line, sizeof line,
                    "\r%s  crossings %lld  declarations %lld  duty+VAT CNY %s  queue %.0f   ",
                    FormatRfc3339(simulated_now, 480).substr(11, 5).c_str(),
                    static_cast<long long>(progress.crossings),
                    static_cast<long long>(progress.declarations),
                    FormatMoney(progress.duty_fen + progress.vat_fen).c_str(), QueueDepth(client));
      out << line << std::flush;
    }
    if (due.empty()) std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  out << "\nsent " << progress.sent << " commands;";
  for (const auto& [outcome, count] : progress.outcomes) out << " " << outcome << " " << count;
  out << "\nstopping the server…\n";
  kill(server, SIGTERM);
  int status = 0;
  waitpid(server, &status, 0);
  out << "stopped. Verify the database: twoline verify --db " << db << "\n";
  return 0;
}

}  // namespace twoline::cli
