#include "base/thread_priority.h"

#include <sched.h>
#include <sys/resource.h>

namespace twoline {

// With `who` 0, PRIO_PROCESS names the calling thread on Linux, not the whole process.
bool SetThreadNice(int nice) { return setpriority(PRIO_PROCESS, 0, nice) == 0; }

bool MayRaisePriority() {
  const int nice = getpriority(PRIO_PROCESS, 0);
  if (!SetThreadNice(nice - 1)) return false;
  (void)SetThreadNice(nice);
  return true;
}

void SetThreadIdle() {
  sched_param param{};
  (void)sched_setscheduler(0, SCHED_IDLE, &param);
}

bool SetThreadNormal(pid_t thread) {
  sched_param param{};
  return sched_setscheduler(thread, SCHED_OTHER, &param) == 0;
}

}  // namespace twoline
