// ClusterNode: one `twoline serve --postgres` node of a cluster of nodes sharing one PostgreSQL
// database (docs/operations.md). Every node answers every request; each zone is written by at most
// one node at a time, the holder of the zone's lease (store/pg_lease.h).
//
// Owning a zone. A node takes a zone's lease when a request for the zone arrives and no live node
// holds it (or at start, for the zones named with --zone), then loads the zone from the database —
// replay and verification exactly as a single node does (ZoneSet::Load) — into a Writer of its own:
// one Writer, one fenced PgStore (its own write connection) and one group-commit pipeline per
// zone, so that losing one zone never stops the others. Every append of that Writer carries the
// lease's fence (zone, node, epoch) and is checked in its transaction.
//
// Requests for a zone another live node holds are relayed to it over HTTP (Forwarder) and its
// answer returned as is; a relayed request is never relayed again. While no node can write the
// zone (its owner died and the lease has not expired yet), requests get 503 with Retry-After, and
// the first request after the expiry takes the lease. Who holds what comes from a cache of the
// lease table that the heartbeat refreshes; an acquisition that finds the cache stale corrects it.
//
// The heartbeat thread, every lease/4: announces the node (cluster_nodes), renews every lease the
// node holds, and refreshes the cache. A lease that could not be renewed (another node took over:
// the epoch moved) or whose local deadline passed without a renewal (the database is unreachable)
// is dropped at once: its Writer is stopped — requests still queued in it are answered 503 because
// their appends are fenced — and the zone is loaded afresh if the node ever takes it again. A zone
// whose Writer stopped writing (a failed commit, e.g. during a database failover) is dropped and
// released the same way, so the next request re-takes it with a new epoch and a fresh load.
//
// Stop: stops every Writer (committing what is queued), releases the leases (so that other nodes
// take over at once rather than after the expiry) and ends the heartbeat.
// Thread-safety: all public methods are safe from any thread.
#pragma once

#include <chrono>
#include <condition_variable>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "cluster/cluster_hook.h"
#include "cluster/forwarder.h"
#include "policy/profile.h"
#include "store/pg_lease.h"
#include "store/pg_store.h"
#include "store/writer.h"

namespace twoline::cluster {

struct ClusterOptions {
  std::string conninfo;  // libpq conninfo of the shared database
  std::string node_id;   // unique in the cluster, [A-Za-z0-9._-]{1,64}
  int64_t lease_ms = 2000;
  std::vector<std::string> zones;            // zones served besides those the database holds
  std::vector<std::string> preferred_zones;  // taken at start when no live node holds them
  store::WriterOptions writer;
  size_t read_connections_max = 16;  // the shared store the API reads from
  int forward_timeout_ms = 10000;
  // The profile to put in force when the node takes a zone whose journal is empty.
  std::function<Result<std::shared_ptr<const policy::Profile>>(const std::string& zone)> profile_of;
  // Operator log: an event name ("zone_taken", "lease_lost", …), the zone ("" for the node) and
  // text.
  std::function<void(const std::string& event, const std::string& zone, const std::string& detail)>
      log;
};

class ClusterNode final : public ClusterHook {
 public:
  // Connects (creating or migrating the schema); the node does nothing else until Start.
  static Result<std::unique_ptr<ClusterNode>> Create(const ClusterOptions& options);
  // Announces the node at `advertise` (the base URL other nodes relay to, http://HOST:PORT, known
  // once the server has bound its port), takes the preferred zones that are free and starts the
  // heartbeat.
  Status Start(const std::string& advertise);
  ~ClusterNode() override;
  ClusterNode(const ClusterNode&) = delete;
  ClusterNode& operator=(const ClusterNode&) = delete;

  bool Serves(const std::string& zone) const override;
  Route RouteZone(const std::string& zone, const RelayRequest& request) override;
  std::string StatusJson() override;

  // The store the API reads from (read models, journal pages, tokens): shared by every zone.
  store::Store& read_store() { return *read_store_; }
  // The zones this node holds the lease of, sorted.
  std::vector<std::string> owned_zones();
  // Every zone served, sorted.
  std::vector<std::string> served_zones() const;
  void Stop();

 private:
  using Clock = std::chrono::steady_clock;
  struct ZoneWriter;
  struct Owned {
    store::Fence fence;
    std::shared_ptr<ZoneWriter> zone;  // null while the zone is being taken or loaded
    Clock::time_point valid_until;     // no renewal by then: the lease is presumed lost
  };
  struct Holder {
    std::string owner;
    uint64_t epoch = 0;
    Clock::time_point expires;  // local estimate from the database's "expires in"
  };

  explicit ClusterNode(ClusterOptions options);
  Status Connect();
  void Heartbeat();
  void RenewAll();
  void RefreshCache();
  // Takes the zone's lease and loads it; null writer (with the reason) when another node holds it.
  Result<std::shared_ptr<ZoneWriter>> Take(const std::string& zone);
  Result<std::shared_ptr<ZoneWriter>> Load(const store::Fence& fence);
  // Forgets a zone held at `epoch` (any epoch when 0), stopping its Writer; releases the lease when
  // `release`. A zone held meanwhile at another epoch (or being taken again) is left alone.
  void Drop(const std::string& zone, uint64_t epoch, const std::string& why, bool release);
  // Drops a zone whose writer stopped, saying whether the lease was lost meanwhile.
  void DropStopped(const std::string& zone, uint64_t epoch);
  // True when the lease table, read now, no longer has this node holding `zone` at `epoch`;
  // false when it still does or cannot be read.
  bool LeaseTakenOver(const std::string& zone, uint64_t epoch);
  std::shared_ptr<store::Writer> WriterOf(const std::shared_ptr<ZoneWriter>& zone) const;
  void Log(const std::string& event, const std::string& zone, const std::string& detail) const;

  const ClusterOptions options_;
  std::string advertise_;  // set by Start
  std::unique_ptr<store::PgStore> read_store_;
  std::unique_ptr<store::PgLeases> heartbeat_leases_;  // heartbeat thread only
  std::mutex acquire_mutex_;                           // guards acquire_leases_
  std::unique_ptr<store::PgLeases> acquire_leases_;    // acquisitions and /v1/cluster
  Forwarder forwarder_;

  mutable std::mutex mutex_;  // guards everything below
  std::condition_variable changed_;
  std::map<std::string, Owned> owned_;
  std::map<std::string, Holder> holders_;          // the lease cache
  std::map<std::string, std::string> advertised_;  // node -> base URL
  std::set<std::string> served_;
  bool stopping_ = false;
  std::thread heartbeat_;
};

}  // namespace twoline::cluster
