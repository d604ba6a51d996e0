// Zone leases and fencing on PostgreSQL: at most one writing node per zone, and a node that lost
// its zone can never append to it again.
//
// A lease is the row zone_leases(zone, owner, epoch, expires_at, …) (pg_schema.h). Every time is
// the database server's clock (clock_timestamp()), so nodes' clocks never decide who owns a zone.
//   Acquire  takes the zone when it has no lease, when the lease has expired, or when the owner is
//            this very node id (a restarted node); every acquisition increments the epoch. A live
//            lease of another node is left alone (the answer says who holds it and for how long).
//   Renew    extends the lease, only while owner AND epoch are still this node's: after a takeover
//            it answers false and the node must stop writing the zone (and reload it before it
//            may acquire it again: its in-memory state may be behind what the new owner wrote).
//   Release  ends the lease now (epoch kept), so another node can take over without waiting.
//
// Fencing. Expiry alone cannot stop a node that was paused (GC, SIGSTOP, a VM migration) and wakes
// up believing it still owns the zone. So every append carries a Fence (zone, owner, epoch), and
// CheckFence runs inside the append's transaction: it locks the lease row (FOR SHARE) and fails
// unless owner and epoch are still the fence's. An acquisition updates that row, so it waits for
// an append in flight to commit and then bumps the epoch; every later append of the old owner
// fails. The lease row is the serialisation point: an append commits entirely before a takeover
// (and the new owner, loading after its acquisition, sees it) or fails entirely after it. Expiry is
// not checked at commit: an owner whose lease lapsed but whom nobody replaced may still commit — no
// other node wrote, so there is nothing to fork. Writers that are not in a cluster (`run
// --postgres`, import) append without a fence: CheckUnleased then refuses a zone that some node
// holds a live lease on, under the same row lock.
//
// Nodes announce themselves in cluster_nodes (Heartbeat), which says where to forward commands to
// (`advertise`) and when each node was last seen.
// Thread-safety: PgLeases is used by one thread at a time (it owns its connection).
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "base/result.h"
#include "store/pg_connection.h"

namespace twoline::store {

// What an append must still be: the lease of `owner` on `zone` at `epoch`.
struct Fence {
  std::string zone;
  std::string owner;
  uint64_t epoch = 0;
};

struct LeaseRecord {
  std::string zone;
  std::string owner;
  uint64_t epoch = 0;
  int64_t expires_in_ms = 0;   // negative: expired that long ago
  int64_t held_for_ms = 0;     // since this owner acquired it
  int64_t renewed_ms_ago = 0;  // since the last renewal
};

struct NodeRecord {
  std::string node;
  std::string advertise;  // base URL, e.g. http://127.0.0.1:8081
  int64_t seen_ms_ago = 0;
  int64_t up_for_ms = 0;
};

// The outcome of an acquisition: the lease now held by `fence.owner`, or who holds it instead.
struct Acquisition {
  bool acquired = false;
  Fence fence;         // when acquired
  LeaseRecord holder;  // when not: the live lease of another node
};

// A node id or zone id as leases accept it: [A-Za-z0-9._-]{1,64}.
bool ValidLeaseName(std::string_view name);

class PgLeases {
 public:
  static Result<std::unique_ptr<PgLeases>> Open(const std::string& conninfo,
                                                const PgOptions& options);

  Result<Acquisition> Acquire(const std::string& zone, const std::string& owner,
                              int64_t duration_ms);
  // True when renewed; false when owner or epoch changed (the lease is lost for good).
  Result<bool> Renew(const Fence& fence, int64_t duration_ms);
  Status Release(const Fence& fence);
  // Every lease, by zone.
  Result<std::vector<LeaseRecord>> List();

  Status Heartbeat(const std::string& node, const std::string& advertise);
  // Every node that ever announced itself, by id.
  Result<std::vector<NodeRecord>> Nodes();

  PgConnection& connection() { return *connection_; }

 private:
  explicit PgLeases(std::unique_ptr<PgConnection> connection)
      : connection_(std::move(connection)) {}
  // Runs a query, reconnecting once when the connection was lost before it (the statements here
  // are single-statement transactions, so a retry after a lost connection is safe to repeat).
  Result<PgResult> Run(const std::string& name, const PgParams& params);
  std::unique_ptr<PgConnection> connection_;
  bool announced_ = false;  // this process has sent a heartbeat
};

// Inside an append's transaction: locks the zone's lease row and fails unless it still names the
// fence's owner and epoch ("fenced: …").
Status CheckFence(PgConnection& connection, const Fence& fence);
// Inside an unfenced append's transaction: locks the zone's lease row (creating an expired one when
// the zone never had a lease) and fails when another node holds a live lease on the zone.
Status CheckUnleased(PgConnection& connection, const std::string& zone);
// True when an error came from CheckFence or CheckUnleased (the lease was lost, not the database).
bool IsFenceError(const std::string& message);

}  // namespace twoline::store
