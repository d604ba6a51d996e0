#include "api/decision_feed.h"

#include <pthread.h>

#include <simdjson.h>

#include <algorithm>

#include "base/json_writer.h"
#include "engine/decision.h"

namespace twoline::api {

DecisionFeed::DecisionFeed(const std::string& zones_json, DecisionFeedOptions options)
    : options_(options) {
  simdjson::dom::parser parser;
  simdjson::dom::array zones;
  if (!parser.parse(zones_json).get(zones)) {
    for (simdjson::dom::element zone : zones) {
      std::string_view id;
      simdjson::dom::array gates;
      if (zone["id"].get(id) || zone["gates"].get(gates)) continue;
      for (simdjson::dom::element gate : gates) {
        std::string_view gate_id, line;
        if (!gate["id"].get(gate_id) && !gate["line"].get(line)) {
          gate_lines_[std::string(id)][std::string(gate_id)] = std::string(line);
        }
      }
    }
  }
  thread_ = std::thread([this] {
    pthread_setname_np(pthread_self(), "tl-feed");
    Heartbeat();
  });
}

DecisionFeed::~DecisionFeed() { Stop(); }

void DecisionFeed::Stop() {
  std::map<std::string, std::vector<Watcher>> streams;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    stopping_ = true;
    streams.swap(streams_);
  }
  wake_.notify_all();
  if (thread_.joinable() && thread_.get_id() != std::this_thread::get_id()) thread_.join();
  for (auto& [zone, list] : streams) {
    for (const Watcher& watcher : list) watcher.stream.Close();
  }
}

bool DecisionFeed::Open(const std::string& zone, const std::string& token,
                        const std::function<http::Stream()>& start) {
  std::lock_guard<std::mutex> lock(mutex_);
  if (stopping_) return false;
  DropClosed();
  // The token's streams, oldest first; over its limit, the oldest give way to the new one.
  std::vector<std::pair<std::chrono::steady_clock::time_point, Watcher*>> own;
  size_t total = 0;
  for (auto& [id, list] : streams_) {
    total += list.size();
    for (Watcher& watcher : list) {
      if (watcher.token == token) own.emplace_back(watcher.opened, &watcher);
    }
  }
  std::sort(own.begin(), own.end(),
            [](const auto& a, const auto& b) { return a.first < b.first; });
  for (size_t i = 0; own.size() - i >= options_.streams_per_token_max && i < own.size(); ++i) {
    own[i].second->stream.Close();
    ++stats_.shed_for_token;
    --total;
  }
  DropClosed();
  if (total >= options_.streams_max) {
    ++stats_.refused;
    return false;
  }
  http::Stream stream = start();
  ++stats_.opened;
  streams_[zone].push_back({std::move(stream), token, std::chrono::steady_clock::now()});
  return true;
}

void DecisionFeed::DropClosed() {
  for (auto it = streams_.begin(); it != streams_.end();) {
    std::erase_if(it->second, [](const Watcher& watcher) { return !watcher.stream.open(); });
    it = it->second.empty() ? streams_.erase(it) : std::next(it);
  }
}

size_t DecisionFeed::streams() {
  std::lock_guard<std::mutex> lock(mutex_);
  size_t count = 0;
  for (const auto& [zone, list] : streams_) {
    for (const Watcher& watcher : list) count += watcher.stream.open() ? 1 : 0;
  }
  return count;
}

DecisionFeedStats DecisionFeed::stats() {
  std::lock_guard<std::mutex> lock(mutex_);
  return stats_;
}

void DecisionFeed::SendAll(std::vector<Watcher>& watchers, const std::string& text) {
  std::erase_if(watchers, [&](const Watcher& watcher) { return !watcher.stream.Send(text); });
}

std::string DecisionFeed::EventOf(const std::string& zone,
                                  const store::CommittedCommand& committed) const {
  const engine::Command& command = *committed.command;
  const store::Answer& answer = *committed.answer;
  if (answer.duplicate || answer.outcome == engine::Outcome::kInvalid) return "";
  simdjson::dom::parser parser;
  simdjson::dom::element decision;
  uint64_t seq = 0;
  simdjson::dom::element reasons;
  if (parser.parse(answer.json).get(decision) || decision["seq"].get(seq) ||
      decision["reasons"].get(reasons)) {
    return "";
  }
  std::string data;
  JsonWriter w(&data);
  w.BeginObject().Key("seq").Int(static_cast<int64_t>(seq)).Key("id").String(command.id);
  w.Key("type").String(engine::CommandTypeName(command.type));
  w.Key("outcome").String(engine::OutcomeName(answer.outcome));
  w.Key("reasons").Raw(simdjson::minify(reasons)).Key("at").String(command.at_text);
  auto gate = [&](const std::string& id) {
    w.Key("gate").String(id);
    auto lines = gate_lines_.find(zone);
    if (lines == gate_lines_.end()) return;
    auto line = lines->second.find(id);
    if (line != lines->second.end()) w.Key("line").String(line->second);
  };
  if (const auto* cross = std::get_if<engine::CrossBody>(&command.body)) {
    gate(cross->gate);
    w.Key("direction")
        .String(policy::DirectionName(cross->direction))
        .Key("person")
        .String(cross->person);
  } else if (const auto* release = std::get_if<engine::ReleaseBody>(&command.body)) {
    gate(release->gate);
  } else if (const auto* declare = std::get_if<engine::DeclareBody>(&command.body)) {
    w.Key("declaration").String(declare->id);
  } else if (const auto* process = std::get_if<engine::ProcessBody>(&command.body)) {
    w.Key("declaration").String(process->id);
  } else if (const auto* inspect = std::get_if<engine::InspectBody>(&command.body)) {
    w.Key("declaration").String(inspect->declaration);
  } else if (const auto* cancel = std::get_if<engine::CancelBody>(&command.body)) {
    w.Key("declaration").String(cancel->declaration);
  }
  w.EndObject();
  return "event: decision\ndata: " + data + "\n\n";
}

void DecisionFeed::Publish(const std::string& zone,
                           const std::vector<store::CommittedCommand>& committed) {
  std::lock_guard<std::mutex> lock(mutex_);
  auto it = streams_.find(zone);
  if (it == streams_.end() || it->second.empty()) return;  // the usual case: nobody watches
  std::string text;
  for (const store::CommittedCommand& one : committed) text += EventOf(zone, one);
  if (!text.empty()) SendAll(it->second, text);
}

void DecisionFeed::Heartbeat() {
  std::unique_lock<std::mutex> lock(mutex_);
  while (!stopping_) {
    if (wake_.wait_for(lock, options_.heartbeat, [this] { return stopping_; })) break;
    const auto now = std::chrono::steady_clock::now();
    for (auto& [zone, list] : streams_) {
      for (const Watcher& watcher : list) {
        if (now - watcher.opened < options_.lifetime) continue;
        watcher.stream.Close();  // its client reconnects, and is authenticated again
        ++stats_.expired;
      }
      SendAll(list, ": heartbeat\n\n");
    }
  }
}

}  // namespace twoline::api
