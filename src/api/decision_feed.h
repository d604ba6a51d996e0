// DecisionFeed: the live decisions of each zone for GET /v1/zones/{zone}/stream (server-sent
// events).
//
// The writer calls Publish after every durable group commit (store::WriterOptions::on_committed);
// the feed turns each journaled decision of a zone into one event
//   event: decision
//   data:
//   {"seq","id","type","outcome","reasons":[...],"at","gate","line","direction","person","declaration"}
// (the members that apply to the command) and queues it on every open stream of that zone. Nothing
// waits for a client: a stream whose client does not keep up is closed by the HTTP layer once its
// buffer is full (http::Stream), so a slow consumer never makes the server grow. A comment line
// (": heartbeat") goes to every stream every `heartbeat` so that idle connections stay open through
// proxies and closed ones are noticed.
//
// Streams are bounded so that watchers cannot hold the server's connections: a token may hold at
// most streams_per_token_max open streams (opening one more closes its oldest: a console reloaded,
// or a connection that died unseen, gives way to the new one), the server at most streams_max (a
// new stream beyond is refused 503 with Retry-After; the rest of the connection table stays for
// gate work), and a stream is closed after `lifetime` (a browser's EventSource reconnects by
// itself, after the `retry` the stream names; the token is checked again then, so a revoked token's
// stream ends within one lifetime).
// Thread-safety: every method is safe from any thread; Publish runs on the writer's committer
// thread and only formats and queues.
#pragma once

#include <chrono>
#include <condition_variable>
#include <functional>
#include <map>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "http/server.h"
#include "store/writer.h"

namespace twoline::api {

struct DecisionFeedOptions {
  std::chrono::milliseconds heartbeat{15000};
  size_t streams_max = 256;
  size_t streams_per_token_max = 8;
  std::chrono::milliseconds lifetime{30 * 60 * 1000};
  std::chrono::milliseconds reconnect_after{2000};  // the `retry` a stream tells its client
};

// Counters for metrics.
struct DecisionFeedStats {
  uint64_t opened = 0;
  uint64_t refused = 0;        // the server held streams_max open streams
  uint64_t shed_for_token = 0; // a token's oldest, closed for its newest
  uint64_t expired = 0;        // closed at the end of their lifetime
};

class DecisionFeed {
 public:
  // `zones_json`: the served zones' profiles (as GET /v1/zones), for the line of each gate.
  DecisionFeed(const std::string& zones_json, DecisionFeedOptions options);
  DecisionFeed(const std::string& zones_json, std::chrono::milliseconds heartbeat)
      : DecisionFeed(zones_json, DecisionFeedOptions{heartbeat}) {}
  ~DecisionFeed();
  DecisionFeed(const DecisionFeed&) = delete;
  DecisionFeed& operator=(const DecisionFeed&) = delete;

  // Opens a stream of `zone` for `token`: `start` starts it (sends the response's head) and is
  // called only when the stream is admitted. False, without calling `start`, when the server holds
  // streams_max streams already.
  bool Open(const std::string& zone, const std::string& token,
            const std::function<http::Stream()>& start);
  void Publish(const std::string& zone, const std::vector<store::CommittedCommand>& committed);
  // Open streams (closed ones are dropped at the next publish or heartbeat).
  size_t streams();
  DecisionFeedStats stats();
  const DecisionFeedOptions& options() const { return options_; }
  // Closes every stream and ends the heartbeat.
  void Stop();

  // The event of one committed command ("" when it was not journaled).
  std::string EventOf(const std::string& zone, const store::CommittedCommand& committed) const;

 private:
  void Heartbeat();
  struct Watcher {
    http::Stream stream;
    std::string token;
    std::chrono::steady_clock::time_point opened;
  };
  void SendAll(std::vector<Watcher>& watchers, const std::string& text);
  void DropClosed();  // with mutex_ held

  const DecisionFeedOptions options_;
  std::map<std::string, std::map<std::string, std::string>> gate_lines_;  // zone -> gate -> line
  std::mutex mutex_;
  std::condition_variable wake_;
  bool stopping_ = false;
  std::map<std::string, std::vector<Watcher>> streams_;
  DecisionFeedStats stats_;
  std::thread thread_;
};

}  // namespace twoline::api
