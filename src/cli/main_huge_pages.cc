// The heap in transparent huge pages: tcmalloc takes its memory from the system through this
// allocator, which maps 2 MiB-aligned regions and advises the kernel to back them with huge pages.
//
// Loading a snapshot allocates millions of small objects (registries, ledger, declaration records);
// on 17 days of history perf put a quarter of the start in tcmalloc carving fresh spans and the page
// faults under it. One 2 MiB page is one fault where 4 KiB pages are 512: the start went from 2.54 s
// to 1.71 s (docs/architecture.md has the measurement), for about a fifth more peak memory.
//
// Installed by a global constructor, before main and before any thread, as gperftools asks. Falls
// back to tcmalloc's own system allocator when a mapping fails. TWOLINE_HUGE_PAGES=0 in the
// environment leaves tcmalloc's allocator alone. Freed memory is kept, not released to the kernel
// (below). Only in builds that link tcmalloc (CMakeLists.txt).
#include <gperftools/malloc_extension.h>
#include <sys/mman.h>

#include <cstdint>
#include <cstdlib>
#include <cstring>

#include "base/pages.h"

namespace {

class HugePageSysAllocator : public SysAllocator {
 public:
  explicit HugePageSysAllocator(SysAllocator* fallback) : fallback_(fallback) {}

  void* Alloc(size_t size, size_t* actual_size, size_t alignment) override {
    constexpr size_t kHugePage = size_t{2} << 20;
    const size_t align = alignment < kHugePage ? kHugePage : alignment;
    if ((align & (align - 1)) != 0) return Fallback(size, actual_size, alignment);
    const size_t rounded = (size + kHugePage - 1) & ~(kHugePage - 1);
    if (rounded < size) return nullptr;  // overflow
    // Map the size plus the alignment, then unmap what lies before the aligned start and after its end.
    const size_t mapped = rounded + align;
    void* map = ::mmap(nullptr, mapped, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (map == MAP_FAILED) return Fallback(size, actual_size, alignment);
    const uintptr_t begin = reinterpret_cast<uintptr_t>(map);
    const uintptr_t aligned = (begin + align - 1) & ~static_cast<uintptr_t>(align - 1);
    if (aligned > begin) ::munmap(map, aligned - begin);
    const uintptr_t end = begin + mapped;
    if (end > aligned + rounded) {
      ::munmap(reinterpret_cast<void*>(aligned + rounded), end - (aligned + rounded));
    }
    if (twoline::huge_pages_for_new_memory.load(std::memory_order_relaxed)) {
      (void)::madvise(reinterpret_cast<void*>(aligned), rounded, MADV_HUGEPAGE);
    }
    if (actual_size != nullptr) *actual_size = rounded;
    return reinterpret_cast<void*>(aligned);
  }

 private:
  void* Fallback(size_t size, size_t* actual_size, size_t alignment) {
    return fallback_ == nullptr ? nullptr : fallback_->Alloc(size, actual_size, alignment);
  }

  SysAllocator* fallback_;
};

struct InstallHugePageHeap {
  InstallHugePageHeap() {
    const char* setting = std::getenv("TWOLINE_HUGE_PAGES");
    if (setting != nullptr && std::strcmp(setting, "0") == 0) return;
    MallocExtension* extension = MallocExtension::instance();
    SysAllocator* fallback = extension->GetSystemAllocator();
    if (fallback == nullptr) return;  // an allocator without pluggable system allocators
    static HugePageSysAllocator allocator(fallback);
    extension->SetSystemAllocator(&allocator);
    // tcmalloc gives freed spans back to the kernel a little at a time (MADV_DONTNEED); inside a
    // huge page that costs the whole 2 MiB page, faulted in and zeroed again at the next touch.
    // perf of `run --journal` on the record day put 17% of its samples in that zeroing; kept, the
    // heap stays at its peak (which the process reaches again anyway). docs/architecture.md.
    extension->SetMemoryReleaseRate(0);
  }
};

const InstallHugePageHeap install_huge_page_heap;

}  // namespace
