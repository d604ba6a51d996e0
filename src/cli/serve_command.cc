#include "base/pages.h"
#include "cli/serve_command.h"

#include "web/assets.h"

#include <pthread.h>
#include <signal.h>

#include <algorithm>
#include <atomic>
#include <ctime>
#include <iostream>
#include <thread>

#include "api/auth.h"
#include "api/log.h"
#include "api/server.h"
#include "cluster/node.h"
#include "cli/proof_commands.h"
#include "cli/store_commands.h"
#include "cli/run_input.h"
#include "cli/zones_command.h"
#include "policy/profile_loader.h"
#include "store/commit_batch.h"
#include "store/sqlite_page_cache.h"
#include "store/sqlite_store.h"
#include "store/writer.h"
#include "store/zone_set.h"

namespace twoline::cli {
namespace {

Status ParseListen(const std::string& listen, std::string* host, int* port) {
  size_t colon = listen.rfind(':');
  if (colon == std::string::npos || colon == 0) return Error{"--listen must be HOST:PORT"};
  *host = listen.substr(0, colon);
  std::string digits = listen.substr(colon + 1);
  if (digits.empty() || digits.size() > 5 ||
      !std::all_of(digits.begin(), digits.end(), [](char c) { return c >= '0' && c <= '9'; }) ||
      std::stoi(digits) > 65535) {
    return Error{"--listen: the port must be 0 to 65535"};
  }
  *port = std::stoi(digits);
  return Status::Ok();
}

// Puts in force the built-in profile of every requested zone the database does not hold yet; on a
// new database with no zone requested, all built-in zones.
Status PutZonesInForce(const ServeOptions& options, store::ZoneSet& zones, store::Store& store) {
  std::vector<std::string> wanted = options.zones;
  if (wanted.empty() && zones.size() == 0) wanted = policy::BuiltinZoneIds();
  store::CommitBatch batch(zones, store);
  for (const std::string& zone : wanted) {
    const store::Zone* existing = zones.Find(zone);
    if (existing != nullptr && existing->chain.engine().has_profile()) continue;
    auto profile = LoadZoneProfile(zone, "");
    if (!profile) return Error{"zone " + zone + ": " + profile.error().message};
    batch.PutProfileInForce(*profile);
  }
  return batch.Commit();
}

std::string ZonesJson(const store::ZoneSet& zones) {
  std::string out = "[";
  for (const std::string& id : zones.ids()) {
    if (out.size() > 1) out += ',';
    out += ZoneJson(zones.Find(id)->chain.engine().profile());
  }
  return out + "]";
}

// The checkpoint policy of the options: no signer without --checkpoint-key.
Result<store::CheckpointPolicy> CheckpointPolicyOf(const ServeOptions& options) {
  store::CheckpointPolicy policy;
  policy.every = std::chrono::seconds(options.checkpoint_every_seconds);
  policy.every_entries = options.checkpoint_every_entries;
  if (options.checkpoint_key_path.empty()) return policy;
  if (options.checkpoint_every_seconds == 0 && options.checkpoint_every_entries == 0) {
    return Error{"--checkpoint-seconds and --checkpoint-entries cannot both be 0 with --checkpoint-key"};
  }
  auto signer = ReadSignerKeyFile(options.checkpoint_key_path);
  if (!signer) return Error{"--checkpoint-key: " + signer.error().message};
  policy.signer = std::make_shared<const proof::NoteSigner>(std::move(*signer));
  return policy;
}

// Waits for SIGINT or SIGTERM (blocked in every thread) and stops the server.
class SignalWaiter {
 public:
  explicit SignalWaiter(api::Server& server) {
    thread_ = std::thread([&server, this] {
      sigset_t signals = Signals();
      int received = 0;
      sigwait(&signals, &received);
      if (!done_) server.Stop();
    });
  }
  ~SignalWaiter() {
    done_ = true;
    pthread_kill(thread_.native_handle(), SIGTERM);  // wake sigwait if no signal came
    thread_.join();
  }
  static sigset_t Signals() {
    sigset_t signals;
    sigemptyset(&signals);
    sigaddset(&signals, SIGINT);
    sigaddset(&signals, SIGTERM);
    return signals;
  }

 private:
  std::atomic<bool> done_{false};
  std::thread thread_;
};

// A cluster node on PostgreSQL (serve --postgres).
int ServeCluster(const ServeOptions& options, const std::string& host, int port, std::ostream& out,
                 std::ostream& err, api::Log& log) {
  auto fail = [&](const std::string& message) {
    log.Write(api::LogLine("error", "serve_failed").Add("message", message.substr(0, message.find('{'))));
    return 1;
  };
  cluster::ClusterOptions cluster;
  cluster.conninfo = options.postgres;
  cluster.node_id = options.node_id;
  cluster.lease_ms = options.lease_ms;
  cluster.zones = policy::BuiltinZoneIds();
  cluster.preferred_zones = options.zones;
  cluster.read_connections_max = std::max<size_t>(4, std::min<size_t>(options.threads, 64));
  cluster.writer.queue_commands_max = options.queue_commands_max;
  cluster.writer.batch_commands_max = options.group_commit_max;
  cluster.writer.nice = store::kServerNice;
  cluster.writer.on_writes_stopped = [&log](const std::string& reason) {
    log.Write(api::LogLine("warn", "writes_stopped").Add("message", reason.substr(0, reason.find('{'))));
  };
  cluster.profile_of = [](const std::string& zone) { return LoadZoneProfile(zone, ""); };
  cluster.log = [&log](const std::string& event, const std::string& zone, const std::string& detail) {
    api::LogLine line(event == "zone_taken" ? "info" : "warn", event);
    if (!zone.empty()) line.Add("zone", zone);
    if (!detail.empty()) line.Add("message", detail.substr(0, detail.find('{')));
    log.Write(line);
  };
  auto checkpoints = CheckpointPolicyOf(options);
  if (!checkpoints) return fail(checkpoints.error().message);
  cluster.writer.checkpoints = *checkpoints;
  cluster.writer.on_checkpoint_log = [&log](const std::string& message) {
    log.Write(api::LogLine("warn", "checkpoint").Add("message", message));
  };
  auto node = cluster::ClusterNode::Create(cluster);
  if (!node) return fail(node.error().message);

  api::ServerOptions server_options;
  server_options.host = host;
  server_options.port = port;
  server_options.threads = options.threads;
  server_options.access_log = options.access_log;
  server_options.log = &err;
  std::string zones_json = "[";
  for (const std::string& zone : (*node)->served_zones()) {
    auto profile = LoadZoneProfile(zone, "");
    if (!profile) continue;  // a zone put in force with its own profile file: not listed
    if (zones_json.size() > 1) zones_json += ',';
    zones_json += ZoneJson(**profile);
  }
  server_options.zones_json = zones_json + "]";
  server_options.checkpoint_signer = checkpoints->signer;
  api::Server server((*node)->read_store(), **node, server_options);
  auto bound = server.Bind();
  if (!bound) return fail(bound.error().message);
  std::string advertise = options.advertise.empty()
                              ? "http://" + host + ":" + std::to_string(*bound)
                              : options.advertise;
  if (Status status = (*node)->Start(advertise); !status) return fail(status.message());
  out << "listening on http://" << host << ":" << *bound << std::endl;
  api::LogLine started("info", "started");
  started.Add("port", static_cast<int64_t>(*bound)).Add("node", options.node_id);
  log.Write(started.Add("advertise", advertise));
  {
    SignalWaiter waiter(server);
    server.Run();
  }
  (*node)->Stop();  // commits what was queued, releases the leases
  log.Write(api::LogLine("info", "stopped"));
  return 0;
}

}  // namespace

int Serve(const ServeOptions& options, std::ostream& out, std::ostream& err) {
  api::Log log(&err);
  auto fail = [&](const std::string& message) {
    // A replay mismatch quotes the stored command and decision, which may name persons: the log
    // keeps the message up to the JSON ("zone Z: seq N: why"); `verify --db` prints it whole.
    log.Write(api::LogLine("error", "serve_failed").Add("message", message.substr(0, message.find('{'))));
    return 1;
  };
  std::string host;
  int port = 0;
  if (Status status = ParseListen(options.listen, &host, &port); !status) return fail(status.message());
  // Block the stop signals before any thread starts, so that every thread inherits the mask and
  // only the SignalWaiter receives them; and let broken connections be errors, not signals.
  sigset_t signals = SignalWaiter::Signals();
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);
  signal(SIGPIPE, SIG_IGN);
  if (!options.postgres.empty()) return ServeCluster(options, host, port, out, err, log);

  auto checkpoints = CheckpointPolicyOf(options);
  if (!checkpoints) return fail(checkpoints.error().message);
  // The server forks its background snapshots: SQLite's page caches go where the child does not
  // have them, before SQLite initializes (store/sqlite_page_cache.h).
  store::ReserveSqlitePageCache();
  store::SqliteOptions sqlite;
  sqlite.read_connections_max = std::max<size_t>(4, std::min<size_t>(options.threads, 64));
  auto store = store::SqliteStore::Open(options.db_path, sqlite);
  if (!store) return fail(store.error().message);
  std::vector<std::string> rebuilt;
  store::LoadOptions load;
  load.warn = [&log](const std::string& warning) {
    log.Write(api::LogLine("warn", "snapshot_skipped").Add("message", warning));
  };
  std::vector<store::LoadReport> reports;
  auto zones = store::ZoneSet::Load(**store, /*rebuild_read_models=*/true, &rebuilt, load, &reports);
  if (!zones) return fail(zones.error().message);
  for (const store::LoadReport& report : reports) {
    log.Write(api::LogLine("info", "zone_loaded").Add("zone", report.zone)
                  .Add("snapshot_seq", static_cast<int64_t>(report.snapshot_seq))
                  .Add("replayed", static_cast<int64_t>(report.replayed)));
  }
  for (const std::string& zone : rebuilt) {
    log.Write(api::LogLine("warn", "read_models_rebuilt").Add("zone", zone));
  }
  if (Status status = PutZonesInForce(options, **zones, **store); !status) return fail(status.message());
  // Loaded: from here on, memory comes in small pages (base/pages.h: a huge-page fault stalled the
  // committer mid-commit).
  huge_pages_for_new_memory = false;

  api::ServerOptions server_options;
  server_options.host = host;
  server_options.port = port;
  server_options.threads = options.threads;
  server_options.access_log = options.access_log;
  server_options.log = &err;
  server_options.zones_json = ZonesJson(**zones);
  server_options.checkpoint_signer = checkpoints->signer;
  // The browser console, embedded in the binary (web/, src/web/assets.h), at `/`.
  server_options.static_files = [](std::string_view path) -> std::optional<api::StaticFile> {
    std::optional<web::StaticFile> file = web::FindWebAsset(path);
    if (!file) return std::nullopt;
    return api::StaticFile{std::string(file->content_type), std::string(file->body), file->immutable};
  };
  // Before the writer, which publishes every durable batch to it; after the server, which streams it.
  api::DecisionFeed feed(server_options.zones_json, std::chrono::seconds(15));
  server_options.decision_feed = &feed;
  store::WriterOptions writer_options;
  writer_options.on_committed = [&feed](const std::string& zone,
                                        const std::vector<store::CommittedCommand>& committed) {
    feed.Publish(zone, committed);
  };
  writer_options.queue_commands_max = options.queue_commands_max;
  writer_options.batch_commands_max = options.group_commit_max;
  writer_options.nice = store::kServerNice;
  writer_options.on_writes_stopped = [&log](const std::string& reason) {
    log.Write(api::LogLine("error", "writes_stopped").Add("message", reason.substr(0, reason.find('{'))));
  };
  writer_options.snapshots.every_entries = options.snapshot_every_entries;
  writer_options.snapshots.every = std::chrono::seconds(options.snapshot_every_seconds);
  writer_options.on_snapshot_log = [&log](const std::string& message) {
    log.Write(api::LogLine("info", "snapshot").Add("message", message));
  };
  writer_options.checkpoints = *checkpoints;
  // Only failures are logged: a checkpoint a minute would flood the log otherwise.
  writer_options.on_checkpoint_log = [&log](const std::string& message) {
    log.Write(api::LogLine("warn", "checkpoint").Add("message", message));
  };
  store::Writer writer(**store, std::move(*zones), writer_options);
  if (!writer.stats().priority_raised) {
    log.Write(api::LogLine("warn", "priority")
                  .Add("message", "the deciding and committing threads could not be given nice " +
                                      std::to_string(store::kServerNice) +
                                      " (needs CAP_SYS_NICE or RLIMIT_NICE): under full load a "
                                      "gate decision waits longer for the cores"));
  }
  api::Server server(**store, writer, server_options);
  auto bound = server.Bind();
  if (!bound) return fail(bound.error().message);
  out << "listening on http://" << host << ":" << *bound << std::endl;
  log.Write(api::LogLine("info", "started").Add("port", static_cast<int64_t>(*bound))
                .Add("zones", static_cast<int64_t>(writer.zone_ids().size())));
  {
    SignalWaiter waiter(server);
    server.Run();
  }
  writer.Stop();  // commits what was queued before the server stopped
  log.Write(api::LogLine("info", "stopped"));
  return 0;
}

namespace {

std::string NowUtc() { return FormatRfc3339(std::time(nullptr), 0); }

int CreateToken(const TokenOptions& options, store::Store& store, std::ostream& out,
                std::ostream& err) {
  std::optional<api::Role> role = api::ParseRole(options.role);
  if (!role) {
    err << "twoline token: --role must be officer, declarant, auditor or admin\n";
    return 1;
  }
  if (!options.zone.empty()) {
    std::vector<std::string> known = policy::BuiltinZoneIds();
    auto records = store.Zones();
    if (records) {
      for (const auto& record : *records) known.push_back(record.zone);
    }
    if (std::find(known.begin(), known.end(), options.zone) == known.end()) {
      err << "twoline token: unknown zone \"" << options.zone << "\"\n";
      return 1;
    }
  }
  auto token = api::GenerateToken(*role, options.zone, options.party, NowUtc());
  if (!token) {
    err << "twoline token: " << token.error().message << "\n";
    return 1;
  }
  if (Status status = store.CreateToken(token->record); !status) {
    err << "twoline token: " << status.message() << "\n";
    return 1;
  }
  out << "created " << token->record.id << " role " << token->record.role;
  if (!options.zone.empty()) out << " zone " << options.zone;
  if (!options.party.empty()) out << " party " << options.party;
  out << "\n" << token->secret << "\n";
  return 0;
}

int ListTokens(store::Store& store, std::ostream& out, std::ostream& err) {
  auto tokens = store.ListTokens();
  if (!tokens) {
    err << "twoline token: " << tokens.error().message << "\n";
    return 1;
  }
  char line[512];
  std::snprintf(line, sizeof line, "%-16s %-9s %-10s %-20s %-26s %s\n", "ID", "ROLE", "ZONE",
                "PARTY", "CREATED", "REVOKED");
  out << line;
  for (const store::TokenRecord& token : *tokens) {
    auto or_dash = [](const std::string& text) { return text.empty() ? "-" : text.c_str(); };
    std::snprintf(line, sizeof line, "%-16s %-9s %-10s %-20s %-26s %s\n", token.id.c_str(),
                  token.role.c_str(), or_dash(token.zone), or_dash(token.party),
                  token.created_at.c_str(), or_dash(token.revoked_at));
    out << line;
  }
  return 0;
}

}  // namespace

int Token(const TokenOptions& options, std::ostream& out, std::ostream& err) {
  Result<std::unique_ptr<store::Store>> store = Error{""};
  if (!options.postgres.empty()) {
    store = OpenStore(StoreLocation{"", "", options.postgres}, options.action == "list");
  } else {
    store::SqliteOptions sqlite;
    sqlite.read_connections_max = 2;
    sqlite.create = options.action == "create";
    auto opened = store::SqliteStore::Open(options.db_path, sqlite);
    if (opened) {
      store = std::unique_ptr<store::Store>(std::move(*opened));
    } else {
      store = opened.error();
    }
  }
  if (!store) {
    err << "twoline token: " << store.error().message << "\n";
    return 1;
  }
  if (options.action == "create") return CreateToken(options, **store, out, err);
  if (options.action == "list") return ListTokens(**store, out, err);
  if (options.action == "revoke") {
    auto revoked = (*store)->RevokeToken(options.id, NowUtc());
    if (!revoked) {
      err << "twoline token: " << revoked.error().message << "\n";
      return 1;
    }
    if (!*revoked) {
      err << "twoline token: no active token \"" << options.id << "\"\n";
      return 1;
    }
    out << "revoked " << options.id << "\n";
    return 0;
  }
  err << "twoline token: the action must be create, list or revoke\n";
  return 1;
}

}  // namespace twoline::cli
