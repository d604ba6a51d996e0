// The scheduling of one thread (Linux: nice values and policies are per thread).
//
// A server gives the stages every request passes one at a time a raised priority and its
// background work idle priority (store/writer.h, store/sqlite_store.h, store/snapshotter.cc).
// Lowering a priority is always allowed; raising one, including leaving SCHED_IDLE, needs
// CAP_SYS_NICE or an RLIMIT_NICE that allows the nice value asked for.
// Thread-safety: each function acts on the calling thread, or on the thread named.
#pragma once

#include <sys/types.h>

namespace twoline {

// Sets the calling thread's nice value; false when the system refuses it.
bool SetThreadNice(int nice);
// Whether the calling thread may raise its priority: lowers its nice value by one and, when that
// was allowed, puts it back.
bool MayRaisePriority();
// Puts the calling thread under SCHED_IDLE.
void SetThreadIdle();
// Puts thread `thread` (a kernel thread id; 0: the calling thread) under SCHED_OTHER at its nice
// value; false when refused.
bool SetThreadNormal(pid_t thread);

}  // namespace twoline
