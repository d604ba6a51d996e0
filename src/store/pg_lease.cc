#include "store/pg_lease.h"

#include <algorithm>

namespace twoline::store {
namespace {

constexpr std::string_view kFencedPrefix = "fenced: ";

// Milliseconds from `earlier` to `later` (timestamptz expressions), as a bigint.
std::string Milliseconds(const std::string& later, const std::string& earlier) {
  return "(floor(extract(epoch FROM (" + later + ") - (" + earlier + ")) * 1000))::bigint";
}

std::vector<std::pair<std::string, std::string>> Statements() {
  return {
      {"lease_acquire",
       "INSERT INTO zone_leases AS l (zone, owner, epoch, expires_at, acquired_at, renewed_at) "
       "VALUES ($1, $2, 1, clock_timestamp() + $3::bigint * interval '1 millisecond', "
       "clock_timestamp(), clock_timestamp()) "
       "ON CONFLICT (zone) DO UPDATE SET owner = excluded.owner, epoch = l.epoch + 1, "
       "expires_at = excluded.expires_at, acquired_at = excluded.acquired_at, "
       "renewed_at = excluded.renewed_at "
       "WHERE l.expires_at <= clock_timestamp() OR l.owner = excluded.owner "
       "RETURNING epoch"},
      {"lease_renew",
       "UPDATE zone_leases SET expires_at = clock_timestamp() + $4::bigint * interval '1 "
       "millisecond', renewed_at = clock_timestamp() WHERE zone = $1 AND owner = $2 AND epoch = "
       "$3"},
      {"lease_release",
       "UPDATE zone_leases SET expires_at = clock_timestamp() "
       "WHERE zone = $1 AND owner = $2 AND epoch = $3"},
      {"lease_list", "SELECT zone, owner, epoch, " + Milliseconds("expires_at", "now()") + ", " +
                         Milliseconds("now()", "acquired_at") + ", " +
                         Milliseconds("now()", "renewed_at") +
                         " FROM zone_leases WHERE epoch > 0 AND ($1 = '' OR zone = $1) "
                         "ORDER BY zone"},
      {"node_heartbeat",
       "INSERT INTO cluster_nodes (node, advertise, started_at, seen_at) "
       "VALUES ($1, $2, clock_timestamp(), clock_timestamp()) "
       "ON CONFLICT (node) DO UPDATE SET advertise = excluded.advertise, seen_at = "
       "excluded.seen_at, "
       "started_at = CASE WHEN $3::boolean THEN excluded.started_at "
       "ELSE cluster_nodes.started_at END"},
      {"node_list", "SELECT node, advertise, " + Milliseconds("now()", "seen_at") + ", " +
                        Milliseconds("now()", "started_at") + " FROM cluster_nodes ORDER BY node"},
  };
}

LeaseRecord LeaseOfRow(const PgResult& rows, int row) {
  LeaseRecord lease;
  lease.zone = std::string(rows.Text(row, 0));
  lease.owner = std::string(rows.Text(row, 1));
  lease.epoch = static_cast<uint64_t>(rows.Int(row, 2));
  lease.expires_in_ms = rows.Int(row, 3);
  lease.held_for_ms = rows.Int(row, 4);
  lease.renewed_ms_ago = rows.Int(row, 5);
  return lease;
}

}  // namespace

bool ValidLeaseName(std::string_view name) {
  return !name.empty() && name.size() <= 64 && std::all_of(name.begin(), name.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' ||
           c == '_' || c == '-';
  });
}

Result<std::unique_ptr<PgLeases>> PgLeases::Open(const std::string& conninfo,
                                                 const PgOptions& options) {
  auto connection = PgConnection::Connect(conninfo, options);
  if (!connection) return connection.error();
  for (const auto& [name, sql] : Statements()) {
    if (Status status = (*connection)->Prepare(name, sql); !status) return Error{status.message()};
  }
  return std::unique_ptr<PgLeases>(new PgLeases(std::move(*connection)));
}

Result<PgResult> PgLeases::Run(const std::string& name, const PgParams& params) {
  if (!connection_->ok()) {
    if (Status status = connection_->Reconnect(); !status) return Error{status.message()};
  }
  auto result = connection_->Run(name, params);
  if (result || !connection_->connection_lost()) return result;
  if (Status status = connection_->Reconnect(); !status) return Error{status.message()};
  return connection_->Run(name, params);
}

Result<Acquisition> PgLeases::Acquire(const std::string& zone, const std::string& owner,
                                      int64_t duration_ms) {
  CHECK(ValidLeaseName(zone) && ValidLeaseName(owner) && duration_ms > 0);
  auto taken = Run("lease_acquire", PgParams().Text(zone).Text(owner).Int(duration_ms));
  if (!taken) return taken.error();
  Acquisition acquisition;
  if (taken->rows() == 1) {
    acquisition.acquired = true;
    acquisition.fence = Fence{zone, owner, static_cast<uint64_t>(taken->Int(0, 0))};
    return acquisition;
  }
  auto holder = Run("lease_list", PgParams().Text(zone));
  if (!holder) return holder.error();
  if (holder->rows() == 1) acquisition.holder = LeaseOfRow(*holder, 0);
  return acquisition;
}

Result<bool> PgLeases::Renew(const Fence& fence, int64_t duration_ms) {
  CHECK(duration_ms > 0);
  auto renewed = Run("lease_renew", PgParams()
                                        .Text(fence.zone)
                                        .Text(fence.owner)
                                        .Int(static_cast<int64_t>(fence.epoch))
                                        .Int(duration_ms));
  if (!renewed) return renewed.error();
  return renewed->changed() == 1;
}

Status PgLeases::Release(const Fence& fence) {
  auto released =
      Run("lease_release",
          PgParams().Text(fence.zone).Text(fence.owner).Int(static_cast<int64_t>(fence.epoch)));
  if (!released) return released.error();
  return Status::Ok();
}

Result<std::vector<LeaseRecord>> PgLeases::List() {
  auto rows = Run("lease_list", PgParams().Text(""));
  if (!rows) return rows.error();
  std::vector<LeaseRecord> leases;
  for (int row = 0; row < rows->rows(); ++row) leases.push_back(LeaseOfRow(*rows, row));
  return leases;
}

Status PgLeases::Heartbeat(const std::string& node, const std::string& advertise) {
  // The first heartbeat of this process restarts the node's uptime.
  auto beat = Run("node_heartbeat",
                  PgParams().Text(node).Text(advertise).Text(announced_ ? "false" : "true"));
  if (!beat) return beat.error();
  announced_ = true;
  return Status::Ok();
}

Result<std::vector<NodeRecord>> PgLeases::Nodes() {
  auto rows = Run("node_list", PgParams());
  if (!rows) return rows.error();
  std::vector<NodeRecord> nodes;
  for (int row = 0; row < rows->rows(); ++row) {
    NodeRecord node;
    node.node = std::string(rows->Text(row, 0));
    node.advertise = std::string(rows->Text(row, 1));
    node.seen_ms_ago = rows->Int(row, 2);
    node.up_for_ms = rows->Int(row, 3);
    nodes.push_back(std::move(node));
  }
  return nodes;
}

Status CheckFence(PgConnection& connection, const Fence& fence) {
  auto row = connection.Query("SELECT owner, epoch FROM zone_leases WHERE zone = $1 FOR SHARE",
                              PgParams().Text(fence.zone));
  if (!row) return row.error();
  std::string owner = row->rows() == 1 ? std::string(row->Text(0, 0)) : "";
  uint64_t epoch = row->rows() == 1 ? static_cast<uint64_t>(row->Int(0, 1)) : 0;
  if (owner == fence.owner && epoch == fence.epoch) return Status::Ok();
  return Error{std::string(kFencedPrefix) + "zone " + fence.zone + ": the lease is now node " +
               (owner.empty() ? "(none)" : owner) + " epoch " + std::to_string(epoch) +
               ", not node " + fence.owner + " epoch " + std::to_string(fence.epoch)};
}

Status CheckUnleased(PgConnection& connection, const std::string& zone) {
  auto created = connection.Query(
      "INSERT INTO zone_leases (zone, owner, epoch, expires_at, acquired_at, renewed_at) "
      "VALUES ($1, '', 0, '-infinity', '-infinity', '-infinity') ON CONFLICT (zone) DO NOTHING",
      PgParams().Text(zone));
  if (!created) return created.error();
  auto row = connection.Query(
      "SELECT owner, epoch, expires_at > clock_timestamp() FROM zone_leases WHERE zone = $1 "
      "FOR SHARE",
      PgParams().Text(zone));
  if (!row) return row.error();
  if (row->rows() != 1 || !row->Bool(0, 2)) return Status::Ok();
  return Error{std::string(kFencedPrefix) + "zone " + zone + " is leased by node " +
               std::string(row->Text(0, 0)) + " (epoch " + std::string(row->Text(0, 1)) +
               "); write through that node, or stop the cluster first"};
}

bool IsFenceError(const std::string& message) {
  return message.find(kFencedPrefix) != std::string::npos;
}

}  // namespace twoline::store
