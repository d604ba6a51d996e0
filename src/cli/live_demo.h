// The live demo: `twoline demo --live`. Starts `twoline serve` on an embedded database as a child
// process (127.0.0.1 only), creates an admin token, and drives a simulated day at Hengqin and the
// Hetao Shenzhen Park through the HTTP API at a compressed but realistic pace, with a progress line.
// Ctrl-C stops the traffic and the server cleanly.
// Thread-safety: runs on the calling thread; owns its child process.
#pragma once

#include <iosfwd>
#include <string>

namespace twoline::cli {

struct LiveDemoOptions {
  std::string directory = "demo-out";
  std::string listen = "127.0.0.1:8080";
  int speed = 120;                // simulated seconds per real second
  int hengqin_persons = 64200;    // a record day: 128,400 crossings
  int hetao_persons = 15000;
  int duration_seconds_max = 0;   // 0: until the day ends or Ctrl-C
};

int RunLiveDemo(const std::string& self_path, const LiveDemoOptions& options, std::ostream& out,
                std::ostream& err);

}  // namespace twoline::cli
