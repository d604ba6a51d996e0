#include "cluster/forwarder.h"

#include <httplib.h>

#include "base/json_writer.h"

namespace twoline::cluster {

RelayReply Unavailable(const std::string& code, const std::string& message,
                       int retry_after_seconds) {
  RelayReply reply;
  reply.status = 503;
  reply.retry_after_seconds = retry_after_seconds;
  JsonWriter w(&reply.body);
  w.BeginObject().Key("error").String(code).Key("message").String(message).EndObject();
  return reply;
}

Forwarder::Forwarder(ForwarderOptions options) : options_(std::move(options)) {}

Forwarder::~Forwarder() = default;

std::unique_ptr<httplib::Client> Forwarder::Take(const std::string& base_url) {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    auto& idle = idle_[base_url];
    if (!idle.empty()) {
      std::unique_ptr<httplib::Client> client = std::move(idle.back());
      idle.pop_back();
      return client;
    }
  }
  auto client = std::make_unique<httplib::Client>(base_url);
  client->set_keep_alive(true);
  client->set_tcp_nodelay(true);
  client->set_connection_timeout(options_.connect_timeout_ms / 1000,
                                 (options_.connect_timeout_ms % 1000) * 1000);
  client->set_read_timeout(options_.reply_timeout_ms / 1000,
                           (options_.reply_timeout_ms % 1000) * 1000);
  client->set_write_timeout(options_.reply_timeout_ms / 1000,
                            (options_.reply_timeout_ms % 1000) * 1000);
  return client;
}

void Forwarder::Give(const std::string& base_url, std::unique_ptr<httplib::Client> client) {
  std::lock_guard<std::mutex> lock(mutex_);
  auto& idle = idle_[base_url];
  if (idle.size() < options_.idle_connections_per_node) idle.push_back(std::move(client));
}

RelayReply Forwarder::Forward(const std::string& base_url, const RelayRequest& request) {
  std::unique_ptr<httplib::Client> client = Take(base_url);
  httplib::Headers headers = {{kForwardedByHeader, options_.node_id}};
  if (!request.authorization.empty()) headers.emplace("Authorization", request.authorization);
  httplib::Result result =
      request.method == "POST"
          ? client->Post(request.target, headers, request.body,
                         request.content_type.empty() ? "application/json" : request.content_type)
          : client->Get(request.target, headers);
  if (!result) {
    // The connection is in an unknown state: drop it rather than pool it.
    return Unavailable("unavailable",
                       "the node owning this zone did not answer (" +
                           httplib::to_string(result.error()) + "); retry with the same command id",
                       1);
  }
  RelayReply reply;
  reply.status = result->status;
  reply.body = std::move(result->body);
  reply.content_type = result->get_header_value("Content-Type");
  if (result->has_header("Retry-After")) {
    reply.retry_after_seconds = std::atoi(result->get_header_value("Retry-After").c_str());
  }
  Give(base_url, std::move(client));
  return reply;
}

}  // namespace twoline::cluster
