// MappedVector: a vector of fixed-size records whose first part is a read-only mapping of a file
// (records an earlier process wrote, paged in when read) and whose rest is in memory (records added
// since). A journal's entry offsets and leaf hashes (8 and 32 bytes an entry) grow with its history;
// mapped, they cost neither a read nor memory when the journal is opened.
//
// The mapped file must not shrink below the mapped part while it is mapped (reading a page past
// its end would fault): its owner only ever truncates it to exactly the mapped size before
// appending after it.
// Thread-safety: none; the owner locks.
#pragma once

#include <sys/mman.h>

#include <cstddef>
#include <type_traits>
#include <vector>

#include "base/check.h"

namespace twoline::store {

template <typename T>
class MappedVector {
  static_assert(std::is_trivially_copyable_v<T>);

 public:
  MappedVector() = default;
  MappedVector(const MappedVector&) = delete;
  MappedVector& operator=(const MappedVector&) = delete;
  ~MappedVector() { Unmap(); }

  // Replaces the contents with the first `count` records of `fd`'s file; false (and empty) when
  // the mapping fails.
  bool Map(int fd, size_t count) {
    clear();
    if (count == 0) return true;
    void* map = ::mmap(nullptr, count * sizeof(T), PROT_READ, MAP_SHARED, fd, 0);
    if (map == MAP_FAILED) return false;
    map_ = map;
    mapped_ = count;
    return true;
  }
  void clear() {
    Unmap();
    tail_.clear();
  }

  size_t size() const { return mapped_ + tail_.size(); }
  bool empty() const { return size() == 0; }
  // Records [0, mapped()) are the file's; the others are in memory.
  size_t mapped() const { return mapped_; }
  const T& operator[](size_t i) const {
    return i < mapped_ ? static_cast<const T*>(map_)[i] : tail_[i - mapped_];
  }
  const T& back() const { return (*this)[size() - 1]; }
  void push_back(const T& value) { tail_.push_back(value); }
  void reserve(size_t count) {
    if (count > mapped_) tail_.reserve(count - mapped_);
  }
  // The in-memory records from index `first` (>= mapped()) on, contiguous.
  const T* TailFrom(size_t first) const {
    CHECK(first >= mapped_ && first <= size());
    return tail_.data() + (first - mapped_);
  }
  // Appends records [first, last) to `out`.
  void CopyTo(size_t first, size_t last, std::vector<T>* out) const {
    CHECK(first <= last && last <= size());
    out->reserve(out->size() + (last - first));
    if (first < mapped_) {
      const T* base = static_cast<const T*>(map_);
      out->insert(out->end(), base + first, base + (last < mapped_ ? last : mapped_));
    }
    if (last > mapped_) {
      const size_t from = first > mapped_ ? first - mapped_ : 0;
      out->insert(out->end(), tail_.begin() + static_cast<std::ptrdiff_t>(from),
                  tail_.begin() + static_cast<std::ptrdiff_t>(last - mapped_));
    }
  }

 private:
  void Unmap() {
    if (map_ != nullptr) ::munmap(map_, mapped_ * sizeof(T));
    map_ = nullptr;
    mapped_ = 0;
  }

  void* map_ = nullptr;
  size_t mapped_ = 0;
  std::vector<T> tail_;
};

}  // namespace twoline::store
