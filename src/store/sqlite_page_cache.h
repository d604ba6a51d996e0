// SQLite's page caches in a region of their own that fork(2) does not copy.
//
// A background snapshot forks the server (store/snapshotter.h); the child needs the engine's
// memory, never SQLite's. The page caches were most of the server's resident memory (the writer's
// 128 MiB and the read models' 32 MiB of a 250 MB process), so the fork copied their page tables
// and, while the child lived, every page the committer and the views thread wrote into them was
// copied first (copy-on-write: 42,000 such faults in 4 s on a zone of 30 days). Reserved here and
// marked MADV_DONTFORK, they are simply absent from the child: the writer's pause to fork went
// from 6–13 ms to 2–6 ms (measured around fork() under 64 clients posting crossings).
//
// The region is given to SQLite with SQLITE_CONFIG_PAGECACHE before SQLite initializes; it is
// virtual memory until used (MAP_NORESERVE), and pages beyond it come from SQLite's own allocator
// as before. Only `serve` reserves it: SQLite threads a free list through every slot when it
// initializes, one page fault per slot (12,288), which took 0.14 s of every start on this guest
// (perf of a restart on 30 days), and the other commands never fork. The region is advised into
// huge pages (base/pages.h), so that the setup faults ~100 pages of 2 MiB instead: `serve`'s start
// on an empty database went from 0.31 to 0.13 s (perf: sqlite3PCacheBufferSetup and its faults
// had been 68% of it), at the price of the whole region being resident from the start (200 MB;
// it was 48 MB, growing to 200 MB as the caches fill). Thread-safety:
// ReserveSqlitePageCache is called once, before sqlite3_initialize (serve_command.cc, before it
// opens the database); the region is then read-only state.
#pragma once

#include <cstddef>

namespace twoline::store {

// Slots of 16 KiB pages (the store's page size) reserved for every connection's cache together.
inline constexpr size_t kPageCacheSlots = 12288;

// Reserves the region and hands it to SQLite; does nothing if SQLite is already initialized.
void ReserveSqlitePageCache();

// The reserved region, or nullptr if none was reserved (for tests).
const void* SqlitePageCacheRegion();

}  // namespace twoline::store
