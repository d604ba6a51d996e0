// ClusterHook: what the HTTP server asks a cluster node (cluster/node.h) — the whole interface
// between the API and cluster mode, so that the server's own code stays that of a single node.
//
// The server calls it only when it was given one (ServerOptions::cluster):
//   Serves(zone)          instead of "is this zone in my writer": every node serves every zone.
//   RouteZone(zone, req)  before anything that needs the zone's writer — a command, or a read
//                         computed from the engine (a declaration, the flows report). The answer is
//                         either this node's writer for the zone (the node holds, or just took, the
//                         zone's lease), or the reply to send as is: the owner's answer to the same
//                         request relayed over HTTP, or an error (503 with Retry-After while no
//                         node can write the zone). Reads from read models never need it: any node
//                         answers them from the shared database.
//   StatusJson()          the body of GET /v1/cluster (the server checks the admin or auditor
//   role).
// A relayed request carries the header X-Twoline-Forwarded-By; a node never relays such a request
// again (it answers it itself or refuses it with 503), so a stale view of who owns a zone cannot
// make requests loop.
// Thread-safety: implementations are called from every connection thread at once.
#pragma once

#include <memory>
#include <optional>
#include <string>

#include "store/writer.h"

namespace twoline::cluster {

inline constexpr const char* kForwardedByHeader = "X-Twoline-Forwarded-By";

// The parts of an HTTP request that the owner of a zone needs to answer it.
struct RelayRequest {
  std::string method;         // GET or POST
  std::string target;         // path and query string, as received
  std::string authorization;  // the client's Authorization header, relayed unchanged
  std::string content_type;
  std::string body;
  std::string forwarded_by;  // the X-Twoline-Forwarded-By header received ("" from a client)
};

struct RelayReply {
  int status = 200;
  std::string content_type = "application/json";
  std::string body;
  int retry_after_seconds = 0;  // > 0: send Retry-After
};

struct Route {
  std::shared_ptr<store::Writer> writer;  // this node writes the zone; null when `reply` is set
  std::optional<RelayReply> reply;
};

class ClusterHook {
 public:
  virtual ~ClusterHook() = default;
  virtual bool Serves(const std::string& zone) const = 0;
  virtual Route RouteZone(const std::string& zone, const RelayRequest& request) = 0;
  virtual std::string StatusJson() = 0;
};

}  // namespace twoline::cluster
