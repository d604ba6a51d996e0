// Objects left to the process's exit instead of freed one allocation at a time.
//
// A zone's engine state is millions of small objects (persons, lots, postings, decided ids). Freeing
// them when a command returns costs time the user waits for and nothing else: the process exits
// right after and the kernel takes its memory back whole. perf of a restart on 30 simulated days put
// 126 ms of it in `State::~State` after the decision was made (docs/architecture.md, §6). The product
// binary's main sets `process_exits_after_command`; then KeepUntilExit keeps the object, reachable
// from a global (so leak checkers do not report it), and never destroys it. Elsewhere (tests, which
// run many commands in one process) it is destroyed at once, as if the pointer went out of scope.
// Thread-safety: KeepUntilExit may be called from any thread.
#pragma once

#include <atomic>
#include <memory>
#include <mutex>
#include <vector>

namespace twoline {

inline std::atomic<bool> process_exits_after_command{false};

template <typename T>
void KeepUntilExit(std::unique_ptr<T> object) {
  if (object == nullptr || !process_exits_after_command.load(std::memory_order_relaxed)) return;
  // Never destroyed (no destructor runs at exit either): reachable, so not a leak to a checker.
  static auto* const kept = new std::vector<const void*>();
  static auto* const mutex = new std::mutex();
  std::lock_guard<std::mutex> lock(*mutex);
  kept->push_back(object.release());
}

}  // namespace twoline
