// Memory by the page: anonymous regions straight from the kernel, and huge-page advice.
//
// MapZeroPages gives a zero-filled region that costs nothing until its pages are touched (the
// engine's growing containers and hash tables take their memory here, so that growing never writes
// what it has not used). AdviseHugePages asks for transparent huge pages on the 2 MiB-aligned part of
// a region: one fault where 4 KiB pages take 512. Advice only: ignored where unsupported.
// Thread-safety: both are plain system calls.
#pragma once

#include <sys/mman.h>

#include <atomic>

#include <cstddef>
#include <cstdint>

namespace twoline {

// Whether new memory is advised into huge pages (AdviseHugePages, and the product binary's heap:
// src/cli/main_huge_pages.cc). A start that loads a large state gains from them; a server that has
// started does not: with the kernel's defrag setting `madvise`, a fault in an advised region may
// compact memory to find a free 2 MiB page, and on this kind of guest such a fault stalled the
// thread taking it for about 5 ms (the committer, in the middle of a group commit: 20-25 stalls in
// 6 s under load, none with the advice off). `serve` turns it off once its zones are loaded.
inline std::atomic<bool> huge_pages_for_new_memory{true};

inline void AdviseHugePages(void* data, size_t size) {
  if (!huge_pages_for_new_memory.load(std::memory_order_relaxed)) return;
  constexpr uintptr_t kHuge = uintptr_t{2} << 20;
  const uintptr_t start = reinterpret_cast<uintptr_t>(data);
  const uintptr_t begin = (start + kHuge - 1) & ~(kHuge - 1);
  const uintptr_t end = (start + size) & ~(kHuge - 1);
  if (end > begin) (void)::madvise(reinterpret_cast<void*>(begin), end - begin, MADV_HUGEPAGE);
}

// `bytes` rounded up to whole pages; with `reserve_only`, address space the system need not back
// (MAP_NORESERVE). nullptr when the kernel refuses.
inline void* MapZeroPages(size_t bytes, bool reserve_only) {
  int flags = MAP_PRIVATE | MAP_ANONYMOUS | (reserve_only ? MAP_NORESERVE : 0);
  void* map = ::mmap(nullptr, bytes, PROT_READ | PROT_WRITE, flags, -1, 0);
  if (map == MAP_FAILED) return nullptr;
  AdviseHugePages(map, bytes);
  return map;
}

inline void UnmapPages(void* data, size_t bytes) {
  if (data != nullptr) ::munmap(data, bytes);
}

}  // namespace twoline
