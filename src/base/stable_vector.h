// StableVector: a vector whose elements never move while it grows. The engine's registries and
// ledger (persons, their documents, lots, postings) grow with the zone's history; a std::vector
// doubles by moving every element into fresh memory, so the command that crosses a power of two
// pays for the whole history (on 16 days of history, a quarter of a day's deciding time went to
// moving postings and persons and faulting in the pages they moved to). Here the elements live in
// one reservation of address space (16 GiB, not backed until touched), so appending costs the same
// on day 300 as on day 1, and elements stay contiguous (`data()` and pointer arithmetic work).
//
// When the reservation cannot be had (a system that refuses to overcommit address space) or is
// full, the vector falls back to growing like std::vector: a larger region, elements moved.
// Invariants: elements [0, size_) are constructed; capacity_ elements fit in the region.
// Thread-safety: none, like std::vector.
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <initializer_list>
#include <memory>
#include <new>
#include <type_traits>
#include <utility>

#include "base/check.h"
#include "base/pages.h"

namespace twoline {

template <typename T>
class StableVector {
 public:
  using value_type = T;
  using size_type = size_t;
  using iterator = T*;
  using const_iterator = const T*;
  using reference = T&;
  using const_reference = const T&;

  // Address space reserved at the first append (bytes): untouched pages cost nothing.
  static constexpr size_t kReserveBytes = size_t{1} << 34;

  StableVector() = default;
  // A vector that reserves `reserve_bytes` of address space instead (tests: a reservation that
  // fills up).
  explicit StableVector(size_t reserve_bytes) : reserve_bytes_(reserve_bytes) {}
  StableVector(std::initializer_list<T> values) {
    for (const T& value : values) push_back(value);
  }
  StableVector(const StableVector& other) : reserve_bytes_(other.reserve_bytes_) { CopyFrom(other); }
  StableVector(StableVector&& other) noexcept { Swap(other); }
  StableVector& operator=(const StableVector& other) {
    if (this != &other) {
      clear();
      CopyFrom(other);
    }
    return *this;
  }
  StableVector& operator=(StableVector&& other) noexcept {
    if (this != &other) {
      StableVector gone(std::move(other));
      Swap(gone);
    }
    return *this;
  }
  ~StableVector() {
    clear();
    Release();
  }

  size_t size() const { return size_; }
  bool empty() const { return size_ == 0; }
  size_t capacity() const { return capacity_; }
  T* data() { return data_; }
  const T* data() const { return data_; }
  T* begin() { return data_; }
  T* end() { return data_ + size_; }
  const T* begin() const { return data_; }
  const T* end() const { return data_ + size_; }
  T& operator[](size_t i) { return data_[i]; }
  const T& operator[](size_t i) const { return data_[i]; }
  T& front() { return data_[0]; }
  const T& front() const { return data_[0]; }
  T& back() { return data_[size_ - 1]; }
  const T& back() const { return data_[size_ - 1]; }

  void push_back(const T& value) { emplace_back(value); }
  void push_back(T&& value) { emplace_back(std::move(value)); }
  template <typename... Args>
  T& emplace_back(Args&&... args) {
    if (size_ == capacity_) {
      // The arguments may name an element that growing moves: make the new element first.
      T value(std::forward<Args>(args)...);
      Grow(size_ + 1);
      return *new (data_ + size_++) T(std::move(value));
    }
    return *new (data_ + size_++) T(std::forward<Args>(args)...);
  }
  void pop_back() {
    --size_;
    data_[size_].~T();
  }
  void resize(size_t count) {
    if (count > capacity_) Grow(count);
    while (size_ < count) new (data_ + size_++) T();
    while (size_ > count) pop_back();
  }
  void reserve(size_t count) {
    if (count > capacity_) Grow(count);
  }
  void clear() {
    if constexpr (std::is_trivially_destructible_v<T>) {
      size_ = 0;
    } else {
      while (size_ > 0) pop_back();
    }
  }

 private:
  struct Region {
    T* data = nullptr;
    size_t capacity = 0;
    size_t bytes = 0;
  };

  static Region Map(size_t bytes, bool reserve_only) {
    const size_t page = 4096;
    bytes = (bytes + page - 1) / page * page;
    void* map = MapZeroPages(bytes, reserve_only);
    if (map == nullptr) return Region{};
    return Region{static_cast<T*>(map), bytes / sizeof(T), bytes};
  }

  void Grow(size_t needed) {
    Region region;
    if (data_ == nullptr && needed * sizeof(T) <= reserve_bytes_) {
      region = Map(reserve_bytes_, /*reserve_only=*/true);
    }
    if (region.data == nullptr) {
      // No reservation, or it is full: grow as std::vector does.
      size_t count = std::max({needed, capacity_ * 2, size_t{16}});
      region = Map(count * sizeof(T), /*reserve_only=*/false);
      if (region.data == nullptr) throw std::bad_alloc();
    }
    for (size_t i = 0; i < size_; ++i) {
      new (region.data + i) T(std::move_if_noexcept(data_[i]));
      data_[i].~T();
    }
    Release();
    data_ = region.data;
    capacity_ = region.capacity;
    bytes_ = region.bytes;
  }

  void Release() {
    UnmapPages(data_, bytes_);
    data_ = nullptr;
    capacity_ = 0;
    bytes_ = 0;
  }

  void CopyFrom(const StableVector& other) {
    reserve(other.size_);
    for (const T& value : other) emplace_back(value);
  }

  void Swap(StableVector& other) noexcept {
    std::swap(data_, other.data_);
    std::swap(size_, other.size_);
    std::swap(capacity_, other.capacity_);
    std::swap(bytes_, other.bytes_);
    std::swap(reserve_bytes_, other.reserve_bytes_);
  }

  T* data_ = nullptr;
  size_t size_ = 0;
  size_t capacity_ = 0;
  size_t bytes_ = 0;  // of the mapping at data_
  size_t reserve_bytes_ = kReserveBytes;
};

}  // namespace twoline
