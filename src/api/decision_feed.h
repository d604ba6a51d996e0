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
// Thread-safety: every method is safe from any thread; Publish runs on the writer's committer
// thread and only formats and queues.
#pragma once

#include <chrono>
#include <condition_variable>
#include <map>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "http/server.h"
#include "store/writer.h"

namespace twoline::api {

class DecisionFeed {
 public:
  // `zones_json`: the served zones' profiles (as GET /v1/zones), for the line of each gate.
  DecisionFeed(const std::string& zones_json, std::chrono::milliseconds heartbeat);
  ~DecisionFeed();
  DecisionFeed(const DecisionFeed&) = delete;
  DecisionFeed& operator=(const DecisionFeed&) = delete;

  void Add(const std::string& zone, http::Stream stream);
  void Publish(const std::string& zone, const std::vector<store::CommittedCommand>& committed);
  // Open streams (closed ones are dropped at the next publish or heartbeat).
  size_t streams();
  // Closes every stream and ends the heartbeat.
  void Stop();

  // The event of one committed command ("" when it was not journaled).
  std::string EventOf(const std::string& zone, const store::CommittedCommand& committed) const;

 private:
  void Heartbeat();
  void SendAll(std::vector<http::Stream>& streams, const std::string& text);

  const std::chrono::milliseconds heartbeat_;
  std::map<std::string, std::map<std::string, std::string>> gate_lines_;  // zone -> gate -> line
  std::mutex mutex_;
  std::condition_variable wake_;
  bool stopping_ = false;
  std::map<std::string, std::vector<http::Stream>> streams_;
  std::thread thread_;
};

}  // namespace twoline::api
