// Forwarder: relays an HTTP request to another node of the cluster (its advertised base URL) and
// returns the node's reply, over a small pool of keep-alive connections per node.
//
// A relay that got no complete reply — the node refused the connection, died or timed out while
// answering — is a 503 "unavailable" with Retry-After: the command may or may not have been decided
// there, and the client's retry with the same id is answered with the original decision if it was
// (command ids are idempotency keys), so a client never needs to know which happened.
// Thread-safety: Forward may be called from any thread.
#pragma once

#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "cluster/cluster_hook.h"

namespace httplib {
class Client;
}

namespace twoline::cluster {

struct ForwarderOptions {
  int connect_timeout_ms = 1000;
  int reply_timeout_ms = 10000;  // the owner may queue a command behind a group commit
  size_t idle_connections_per_node = 32;
  std::string node_id;  // sent in X-Twoline-Forwarded-By
};

class Forwarder {
 public:
  explicit Forwarder(ForwarderOptions options);
  ~Forwarder();

  // `base_url`: http://HOST:PORT of the owner.
  RelayReply Forward(const std::string& base_url, const RelayRequest& request);

 private:
  std::unique_ptr<httplib::Client> Take(const std::string& base_url);
  void Give(const std::string& base_url, std::unique_ptr<httplib::Client> client);

  const ForwarderOptions options_;
  std::mutex mutex_;
  std::map<std::string, std::vector<std::unique_ptr<httplib::Client>>> idle_;
};

// The reply for a request that could not be answered now: 503 with Retry-After.
RelayReply Unavailable(const std::string& code, const std::string& message,
                       int retry_after_seconds);

}  // namespace twoline::cluster
