// WakeBatch: the wake-ups of other threads that one burst of hand-overs on this thread causes,
// given once at its end. A thread that hands a batch's answers over one by one (the committer,
// giving each request of a group commit to the thread that sends it) would otherwise wake the
// receiver for nearly every answer: the receiver drains its list faster than answers come, and
// finds it empty each time. perf of the server under 64 clients found such a futex wake-up, and the
// receiver's sleep after it, on almost every request.
//
//   {
//     WakeBatch burst;        // on this thread, until the end of the scope
//     ... receiver.Ready(x);  // Ready: if (!WakeBatch::Defer(this, &Wake)) Wake(this);
//   }                         // each receiver deferred to is woken once, here
//
// Thread-safety: a scope and its deferrals belong to one thread; scopes may nest (the outermost
// wakes).
#pragma once

#include <algorithm>
#include <utility>
#include <vector>

namespace twoline {

class WakeBatch {
 public:
  using Wake = void (*)(void* receiver);

  WakeBatch() { ++Deferred().depth; }
  ~WakeBatch() {
    State& state = Deferred();
    if (--state.depth > 0) return;
    std::vector<std::pair<void*, Wake>> wakes;
    wakes.swap(state.wakes);
    for (const auto& [receiver, wake] : wakes) wake(receiver);
  }
  WakeBatch(const WakeBatch&) = delete;
  WakeBatch& operator=(const WakeBatch&) = delete;

  // Inside a scope on this thread: `wake(receiver)` runs at the scope's end, once however often
  // the receiver defers; true, and `*added` (when given) tells whether this call is the one that
  // added it. Outside any scope: false, and the caller wakes at once. A receiver must outlive the
  // wakes deferred to it: one that may end first counts what it added and waits for its wake-ups.
  static bool Defer(void* receiver, Wake wake, bool* added = nullptr) {
    State& state = Deferred();
    if (added != nullptr) *added = false;
    if (state.depth == 0) return false;
    auto same = [&](const std::pair<void*, Wake>& one) { return one.first == receiver; };
    if (std::none_of(state.wakes.begin(), state.wakes.end(), same)) {
      state.wakes.emplace_back(receiver, wake);
      if (added != nullptr) *added = true;
    }
    return true;
  }

 private:
  struct State {
    int depth = 0;
    std::vector<std::pair<void*, Wake>> wakes;
  };
  static State& Deferred() {
    thread_local State state;
    return state;
  }
};

}  // namespace twoline
