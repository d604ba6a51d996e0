#include "cluster/node.h"

#include <algorithm>

#include "base/json_writer.h"
#include "cluster/one_zone_store.h"
#include "store/commit_batch.h"
#include "store/zone_set.h"

namespace twoline::cluster {

// A zone this node writes: its fenced store (own write connection), the one-zone view over it,
// and the Writer. Declared in this order so that the Writer stops before the stores close.
struct ClusterNode::ZoneWriter {
  std::unique_ptr<store::PgStore> store;
  std::unique_ptr<OneZoneStore> view;
  std::unique_ptr<store::Writer> writer;
  ~ZoneWriter() { writer.reset(); }
};

namespace {

int RetryAfterSeconds(int64_t lease_ms) {
  return static_cast<int>(std::max<int64_t>(1, lease_ms / 1000));
}

}  // namespace

ClusterNode::ClusterNode(ClusterOptions options)
    : options_(std::move(options)),
      forwarder_(ForwarderOptions{1000, options_.forward_timeout_ms, 32, options_.node_id}) {}

ClusterNode::~ClusterNode() { Stop(); }

Result<std::unique_ptr<ClusterNode>> ClusterNode::Create(const ClusterOptions& options) {
  if (!store::ValidLeaseName(options.node_id)) {
    return Error{"--node-id must be 1 to 64 characters of [A-Za-z0-9._-]"};
  }
  if (options.lease_ms < 100 || options.lease_ms > 600000) {
    return Error{"the lease must be 100 ms to 10 minutes"};
  }
  for (const std::string& zone : options.preferred_zones) {
    if (!store::ValidLeaseName(zone)) return Error{"zone \"" + zone + "\" is not a valid zone id"};
  }
  std::unique_ptr<ClusterNode> node(new ClusterNode(options));
  if (Status status = node->Connect(); !status) return Error{status.message()};
  return node;
}

Status ClusterNode::Start(const std::string& advertise) {
  if (advertise.rfind("http://", 0) != 0) return Error{"--advertise must be http://HOST:PORT"};
  CHECK(!heartbeat_.joinable());  // Start runs once
  advertise_ = advertise;
  if (Status status = heartbeat_leases_->Heartbeat(options_.node_id, advertise_); !status) {
    return status;
  }
  RefreshCache();
  for (const std::string& zone : options_.preferred_zones) {
    bool held_elsewhere = false;
    {
      std::lock_guard<std::mutex> lock(mutex_);
      auto holder = holders_.find(zone);
      held_elsewhere = holder != holders_.end() && holder->second.owner != options_.node_id &&
                       holder->second.expires > Clock::now();
      if (!held_elsewhere) owned_[zone] = Owned{};
    }
    if (held_elsewhere) continue;
    auto taken = Take(zone);
    if (!taken) return Error{"zone " + zone + ": " + taken.error().message};
  }
  heartbeat_ = std::thread([this] { Heartbeat(); });
  return Status::Ok();
}

Status ClusterNode::Connect() {
  store::PgStoreOptions read;
  read.read_connections_max = options_.read_connections_max;
  auto store = store::PgStore::Open(options_.conninfo, read);  // creates or migrates the schema
  if (!store) return store.error();
  read_store_ = std::move(*store);
  // Lease statements must not hang longer than a lease on a dead server.
  store::PgOptions lease_connection;
  lease_connection.connect_timeout_seconds = 2;
  lease_connection.tcp_user_timeout_ms =
      static_cast<int>(std::max<int64_t>(1000, options_.lease_ms));
  lease_connection.statement_timeout_ms =
      static_cast<int>(std::max<int64_t>(1000, options_.lease_ms));
  for (auto* slot : {&heartbeat_leases_, &acquire_leases_}) {
    auto leases = store::PgLeases::Open(options_.conninfo, lease_connection);
    if (!leases) return leases.error();
    *slot = std::move(*leases);
  }
  served_.insert(options_.zones.begin(), options_.zones.end());
  served_.insert(options_.preferred_zones.begin(), options_.preferred_zones.end());
  RefreshCache();
  return Status::Ok();
}

void ClusterNode::Log(const std::string& event, const std::string& zone,
                      const std::string& detail) const {
  if (options_.log) options_.log(event, zone, detail);
}

bool ClusterNode::Serves(const std::string& zone) const {
  std::lock_guard<std::mutex> lock(mutex_);
  return served_.count(zone) == 1;
}

std::vector<std::string> ClusterNode::served_zones() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return std::vector<std::string>(served_.begin(), served_.end());
}

std::vector<std::string> ClusterNode::owned_zones() {
  std::lock_guard<std::mutex> lock(mutex_);
  std::vector<std::string> zones;
  for (const auto& [zone, owned] : owned_) {
    if (owned.zone) zones.push_back(zone);
  }
  return zones;
}

std::shared_ptr<store::Writer> ClusterNode::WriterOf(
    const std::shared_ptr<ZoneWriter>& zone) const {
  // Shares ownership of the whole ZoneWriter: a request holding the Writer keeps its store open
  // even if the zone is dropped meanwhile.
  return std::shared_ptr<store::Writer>(zone, zone->writer.get());
}

Route ClusterNode::RouteZone(const std::string& zone, const RelayRequest& request) {
  const int retry_after = RetryAfterSeconds(options_.lease_ms);
  for (int attempt = 0; attempt < 3; ++attempt) {
    std::optional<Holder> holder;
    std::string advertise;
    uint64_t stopped = 0;  // the epoch of a held zone whose writer stopped
    {
      std::unique_lock<std::mutex> lock(mutex_);
      // Another request of this node is taking the zone: wait for it rather than race it.
      changed_.wait_for(lock, std::chrono::milliseconds(options_.forward_timeout_ms), [&] {
        auto it = owned_.find(zone);
        return stopping_ || it == owned_.end() || it->second.zone != nullptr;
      });
      if (stopping_)
        return {nullptr, Unavailable("unavailable", "the node is stopping", retry_after)};
      auto it = owned_.find(zone);
      if (it != owned_.end() && it->second.zone == nullptr) {
        return {nullptr,
                Unavailable("unavailable", "zone " + zone + " is being loaded", retry_after)};
      }
      if (it != owned_.end()) {
        if (!it->second.zone->writer->writes_stopped()) return {WriterOf(it->second.zone), {}};
        stopped = it->second.fence.epoch;
      } else {
        auto cached = holders_.find(zone);
        if (cached != holders_.end() && cached->second.owner != options_.node_id &&
            cached->second.expires > Clock::now()) {
          holder = cached->second;
          advertise = advertised_[holder->owner];
        } else {
          owned_[zone] = Owned{};  // this request takes the zone; others wait for it
        }
      }
    }
    if (stopped != 0) {
      DropStopped(zone, stopped);
      continue;
    }
    if (holder) {
      if (!request.forwarded_by.empty()) {
        // Relayed to a node that does not hold the zone: the sender's view is stale. Never relay
        // twice; the client retries and the sender relays to the right node.
        return {nullptr,
                Unavailable("zone_moved", "zone " + zone + " is held by node " + holder->owner, 1)};
      }
      if (advertise.empty()) {
        return {nullptr,
                Unavailable("unavailable", "node " + holder->owner + " has no address", 1)};
      }
      return {nullptr, forwarder_.Forward(advertise, request)};
    }
    auto taken = Take(zone);
    if (!taken) {
      return {nullptr, Unavailable("unavailable", "zone " + zone + ": " + taken.error().message,
                                   retry_after)};
    }
    if (*taken) return {WriterOf(*taken), {}};
    // Another node holds it (Take refreshed the cache): relay on the next round.
  }
  return {nullptr, Unavailable("unavailable", "zone " + zone + " changed hands; retry", 1)};
}

Result<std::shared_ptr<ClusterNode::ZoneWriter>> ClusterNode::Take(const std::string& zone) {
  // The caller put a placeholder in owned_[zone]; every way out of here replaces or removes it.
  auto give_up = [&](const std::string& why) {
    std::lock_guard<std::mutex> lock(mutex_);
    owned_.erase(zone);
    changed_.notify_all();
    return Error{why};
  };
  const Clock::time_point sent = Clock::now();
  Result<store::Acquisition> acquisition = Error{""};
  {
    std::lock_guard<std::mutex> lock(acquire_mutex_);
    acquisition = acquire_leases_->Acquire(zone, options_.node_id, options_.lease_ms);
  }
  if (!acquisition) return give_up(acquisition.error().message);
  if (!acquisition->acquired) {
    const store::LeaseRecord& holder = acquisition->holder;
    std::lock_guard<std::mutex> lock(mutex_);
    holders_[zone] = Holder{holder.owner, holder.epoch,
                            Clock::now() + std::chrono::milliseconds(holder.expires_in_ms)};
    owned_.erase(zone);
    changed_.notify_all();
    return std::shared_ptr<ZoneWriter>();
  }
  const store::Fence fence = acquisition->fence;
  {
    // From here the heartbeat renews the lease, also while the zone loads.
    std::lock_guard<std::mutex> lock(mutex_);
    Owned& owned = owned_[zone];
    owned.fence = fence;
    owned.valid_until = sent + std::chrono::milliseconds(options_.lease_ms);
  }
  auto loaded = Load(fence);
  if (!loaded) {
    {
      std::lock_guard<std::mutex> lock(acquire_mutex_);
      (void)acquire_leases_->Release(fence);
    }
    Log("zone_load_failed", zone, loaded.error().message);
    return give_up(loaded.error().message);
  }
  {
    std::lock_guard<std::mutex> lock(mutex_);
    auto it = owned_.find(zone);
    if (it != owned_.end() && it->second.fence.epoch == fence.epoch) {
      it->second.zone = *loaded;
      holders_[zone] = Holder{options_.node_id, fence.epoch, it->second.valid_until};
      changed_.notify_all();
      Log("zone_taken", zone, "epoch " + std::to_string(fence.epoch));
      return *loaded;
    }
  }
  (*loaded)->writer->Stop();  // the lease was lost while loading
  return Error{"the lease of zone " + zone + " was lost while loading it"};
}

Result<std::shared_ptr<ClusterNode::ZoneWriter>> ClusterNode::Load(const store::Fence& fence) {
  auto zone = std::make_shared<ZoneWriter>();
  store::PgStoreOptions options;
  options.fence = fence;
  options.migrate = false;
  options.read_connections_max = 4;
  // Bounded below by the lease: a live node's append never idles that long mid-transaction, and a
  // paused one (its appends holding the lease row FOR SHARE) loses its session, not the cluster
  // its zone.
  options.connection.idle_in_transaction_timeout_ms =
      static_cast<int>(std::max<int64_t>(1000, options_.lease_ms));
  auto opened = store::PgStore::Open(options_.conninfo, options);
  if (!opened) return opened.error();
  zone->store = std::move(*opened);
  zone->view = std::make_unique<OneZoneStore>(*zone->store, fence.zone);
  std::vector<std::string> rebuilt;
  auto zones = store::ZoneSet::Load(*zone->view, /*rebuild_read_models=*/true, &rebuilt);
  if (!zones) return zones.error();
  if (!rebuilt.empty()) Log("read_models_rebuilt", fence.zone, "");
  const store::Zone* loaded = (*zones)->Find(fence.zone);
  if ((loaded == nullptr || !loaded->chain.engine().has_profile()) && options_.profile_of) {
    auto profile = options_.profile_of(fence.zone);
    if (!profile) return profile.error();
    store::CommitBatch batch(**zones, *zone->view);
    batch.PutProfileInForce(*profile);
    if (Status status = batch.Commit(); !status) return Error{status.message()};
  }
  store::WriterOptions writer_options = options_.writer;
  // Every batch writes its read models: readers on every node read them from PostgreSQL, and a
  // zone's new holder must find them whole.
  writer_options.read_models_lag = std::chrono::milliseconds(0);
  const std::string zone_id = fence.zone;
  auto on_stopped = options_.writer.on_writes_stopped;
  writer_options.on_writes_stopped = [this, zone_id, on_stopped](const std::string& reason) {
    if (on_stopped) on_stopped(reason);
    changed_.notify_all();
  };
  zone->writer = std::make_unique<store::Writer>(*zone->view, std::move(*zones), writer_options);
  return zone;
}

void ClusterNode::Drop(const std::string& zone, uint64_t epoch, const std::string& why,
                       bool release) {
  std::shared_ptr<ZoneWriter> writer;
  store::Fence fence;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    auto it = owned_.find(zone);
    if (it == owned_.end() || (epoch != 0 && it->second.fence.epoch != epoch)) return;
    writer = it->second.zone;
    fence = it->second.fence;
    owned_.erase(it);
    holders_.erase(zone);
    changed_.notify_all();
  }
  Log("zone_dropped", zone, why);
  // Requests still queued are decided and their appends refused by the fence (or committed, when
  // the lease is still ours and we release it): either way each gets its answer.
  if (writer) writer->writer->Stop();
  if (release && fence.epoch > 0) {
    std::lock_guard<std::mutex> lock(acquire_mutex_);
    (void)acquire_leases_->Release(fence);
  }
}

void ClusterNode::Heartbeat() {
  const auto interval = std::chrono::milliseconds(std::max<int64_t>(25, options_.lease_ms / 4));
  std::unique_lock<std::mutex> lock(mutex_);
  while (!stopping_) {
    changed_.wait_for(lock, interval, [&] { return stopping_; });
    if (stopping_) break;
    lock.unlock();
    if (Status status = heartbeat_leases_->Heartbeat(options_.node_id, advertise_); !status) {
      Log("heartbeat_failed", "", status.message());
    }
    RenewAll();
    RefreshCache();
    lock.lock();
  }
}

void ClusterNode::RenewAll() {
  std::vector<store::Fence> fences, stopped;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    for (const auto& [zone, owned] : owned_) {
      if (owned.fence.epoch > 0) fences.push_back(owned.fence);
      if (owned.zone && owned.zone->writer->writes_stopped()) stopped.push_back(owned.fence);
    }
  }
  for (const store::Fence& fence : fences) {
    const Clock::time_point sent = Clock::now();
    auto renewed = heartbeat_leases_->Renew(fence, options_.lease_ms);
    if (renewed && *renewed) {
      std::lock_guard<std::mutex> lock(mutex_);
      auto it = owned_.find(fence.zone);
      if (it != owned_.end() && it->second.fence.epoch == fence.epoch) {
        it->second.valid_until = sent + std::chrono::milliseconds(options_.lease_ms);
        holders_[fence.zone] = Holder{options_.node_id, fence.epoch, it->second.valid_until};
      }
      continue;
    }
    if (renewed) {
      Drop(fence.zone, fence.epoch,
           "lease lost: another node took the zone over (epoch " + std::to_string(fence.epoch) +
               " is no longer current)",
           false);
      continue;
    }
    bool expired = false;
    {
      std::lock_guard<std::mutex> lock(mutex_);
      auto it = owned_.find(fence.zone);
      expired = it != owned_.end() && it->second.fence.epoch == fence.epoch &&
                Clock::now() >= it->second.valid_until;
    }
    if (!expired) continue;
    // The renewal failed (a statement that timed out while the node was paused, say): say whether
    // another node has taken the zone meanwhile, which is what the operator needs to know.
    if (LeaseTakenOver(fence.zone, fence.epoch)) {
      Drop(fence.zone, fence.epoch,
           "lease lost: another node took the zone over (epoch " + std::to_string(fence.epoch) +
               " is no longer current); the renewal had failed: " + renewed.error().message,
           false);
    } else {
      Drop(fence.zone, fence.epoch, "lease not renewed in time: " + renewed.error().message, false);
    }
  }
  // After renewing, so that a writer stopped because another node took the zone (a paused node
  // whose session the server ended) is reported as the lease lost; Drop ignores a zone already
  // dropped above.
  for (const store::Fence& fence : stopped) DropStopped(fence.zone, fence.epoch);
}

bool ClusterNode::LeaseTakenOver(const std::string& zone, uint64_t epoch) {
  std::lock_guard<std::mutex> lock(acquire_mutex_);
  auto leases = acquire_leases_->List();
  if (!leases) return false;
  for (const store::LeaseRecord& lease : *leases) {
    if (lease.zone == zone && lease.owner == options_.node_id && lease.epoch == epoch) return false;
  }
  return true;
}

void ClusterNode::DropStopped(const std::string& zone, uint64_t epoch) {
  // Say why: a paused node's session is ended by the server (the lease row it held locked is
  // needed by the node taking over), so its commit fails because the zone is no longer its own.
  if (LeaseTakenOver(zone, epoch)) {
    Drop(zone, epoch,
         "lease lost: another node took the zone over (epoch " + std::to_string(epoch) +
             " is no longer current); its writes had stopped",
         false);
    return;
  }
  Drop(zone, epoch, "writes stopped after a failed commit; the zone is taken again and reloaded",
       true);
}

void ClusterNode::RefreshCache() {
  const Clock::time_point now = Clock::now();
  auto leases = heartbeat_leases_->List();
  auto nodes = heartbeat_leases_->Nodes();
  auto zones = read_store_->Zones();
  std::lock_guard<std::mutex> lock(mutex_);
  if (leases) {
    holders_.clear();
    for (const store::LeaseRecord& lease : *leases) {
      holders_[lease.zone] =
          Holder{lease.owner, lease.epoch, now + std::chrono::milliseconds(lease.expires_in_ms)};
    }
  }
  if (nodes) {
    for (const store::NodeRecord& node : *nodes) advertised_[node.node] = node.advertise;
  }
  if (zones) {
    for (const store::ZoneRecord& zone : *zones) served_.insert(zone.zone);
  }
}

std::string ClusterNode::StatusJson() {
  Result<std::vector<store::LeaseRecord>> leases = Error{""};
  Result<std::vector<store::NodeRecord>> nodes = Error{""};
  {
    std::lock_guard<std::mutex> lock(acquire_mutex_);
    leases = acquire_leases_->List();
    nodes = acquire_leases_->Nodes();
  }
  std::string out;
  JsonWriter w(&out);
  w.BeginObject().Key("node").String(options_.node_id).Key("lease_ms").Int(options_.lease_ms);
  w.Key("nodes").BeginArray();
  if (nodes) {
    for (const store::NodeRecord& node : *nodes) {
      w.BeginObject().Key("node").String(node.node).Key("advertise").String(node.advertise);
      w.Key("alive").Bool(node.seen_ms_ago <= options_.lease_ms);
      w.Key("seen_ms_ago").Int(node.seen_ms_ago).Key("up_ms").Int(node.up_for_ms).EndObject();
    }
  }
  w.EndArray().Key("zones").BeginArray();
  std::map<std::string, const store::LeaseRecord*> by_zone;
  if (leases) {
    for (const store::LeaseRecord& lease : *leases) by_zone[lease.zone] = &lease;
  }
  for (const std::string& zone : served_zones()) {
    w.BeginObject().Key("zone").String(zone);
    auto lease = by_zone.find(zone);
    if (lease == by_zone.end()) {
      w.Key("owner").Null().Key("epoch").Int(0).Key("live").Bool(false).EndObject();
      continue;
    }
    const store::LeaseRecord& record = *lease->second;
    w.Key("owner").String(record.owner).Key("epoch").Int(static_cast<int64_t>(record.epoch));
    w.Key("live").Bool(record.expires_in_ms > 0).Key("expires_in_ms").Int(record.expires_in_ms);
    w.Key("lease_age_ms").Int(record.renewed_ms_ago).Key("held_ms").Int(record.held_for_ms);
    w.EndObject();
  }
  w.EndArray();
  if (!leases || !nodes) {
    w.Key("error").String(!leases ? leases.error().message : nodes.error().message);
  }
  w.EndObject();
  return out;
}

void ClusterNode::Stop() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    if (stopping_) return;
    stopping_ = true;
    changed_.notify_all();
  }
  if (heartbeat_.joinable()) heartbeat_.join();
  std::vector<std::string> zones;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    for (const auto& [zone, owned] : owned_) zones.push_back(zone);
  }
  for (const std::string& zone : zones) Drop(zone, 0, "the node is stopping", true);
}

}  // namespace twoline::cluster
