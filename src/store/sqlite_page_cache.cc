#include "store/sqlite_page_cache.h"

#include <sqlite3.h>
#include <sys/mman.h>

#include "base/pages.h"

namespace twoline::store {
namespace {

void* region = nullptr;

}  // namespace

void ReserveSqlitePageCache() {
  int header = 0;
  if (sqlite3_config(SQLITE_CONFIG_PCACHE_HDRSZ, &header) != SQLITE_OK) return;
  const size_t slot = (16384 + static_cast<size_t>(header) + 15) / 16 * 16;
  const size_t size = slot * kPageCacheSlots;
  void* reserved = mmap(nullptr, size, PROT_READ | PROT_WRITE,
                        MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
  if (reserved == MAP_FAILED) return;
  // Without DONTFORK the region is worse than SQLite's own allocations (no gain, and 200 MB of
  // address space), so it is used only with it.
  // SQLite touches every slot when it initializes: in huge pages that is ~100 faults, not 12,288.
  AdviseHugePages(reserved, size);
  if (madvise(reserved, size, MADV_DONTFORK) != 0 ||
      sqlite3_config(SQLITE_CONFIG_PAGECACHE, reserved, static_cast<int>(slot),
                     static_cast<int>(kPageCacheSlots)) != SQLITE_OK) {
    munmap(reserved, size);
    return;
  }
  region = reserved;
}

const void* SqlitePageCacheRegion() { return region; }

}  // namespace twoline::store
