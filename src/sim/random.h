// Random: the simulator's seeded pseudo-random generator (xoshiro256**, seeded with splitmix64).
//
// Every draw the simulator makes goes through this class, and every helper here is written out in
// full rather than taken from <random> or <algorithm>: std::uniform_int_distribution and
// std::shuffle are implementation-defined, so libstdc++ and libc++ would produce different days
// from the same seed. With this class the same seed gives the same bytes on every compiler.
// Thread-safety: not shared; one generator per simulation.
#pragma once

#include <cstddef>
#include <cstdint>
#include <utility>
#include <vector>

#include "base/check.h"

namespace twoline::sim {

class Random {
 public:
  explicit Random(uint64_t seed) {
    // splitmix64 spreads any seed (even 0) over the whole state; xoshiro must not start at zero.
    for (uint64_t& word : state_) {
      seed += 0x9e3779b97f4a7c15ULL;
      uint64_t z = seed;
      z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
      z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
      word = z ^ (z >> 31);
    }
  }

  uint64_t Next() {
    uint64_t result = Rotate(state_[1] * 5, 7) * 9;
    uint64_t shifted = state_[1] << 17;
    state_[2] ^= state_[0];
    state_[3] ^= state_[1];
    state_[1] ^= state_[2];
    state_[0] ^= state_[3];
    state_[2] ^= shifted;
    state_[3] = Rotate(state_[3], 45);
    return result;
  }

  // Uniform in [low, high], both inclusive. Multiply-shift keeps the bias below 2^-32 for the
  // ranges a simulation uses, which is far below anything a test could see.
  int64_t Uniform(int64_t low, int64_t high) {
    CHECK(low <= high);
    uint64_t span = static_cast<uint64_t>(high - low) + 1;
    if (span == 0) return static_cast<int64_t>(Next());  // the whole 64-bit range
    unsigned __int128 product = static_cast<unsigned __int128>(Next()) * span;
    return low + static_cast<int64_t>(product >> 64);
  }

  // An index in [0, count).
  size_t Index(size_t count) {
    CHECK(count > 0);
    return static_cast<size_t>(Uniform(0, static_cast<int64_t>(count) - 1));
  }

  // True with probability per_million / 1,000,000.
  bool Chance(int64_t per_million) { return Uniform(0, 999999) < per_million; }

  template <typename T>
  const T& Pick(const std::vector<T>& items) {
    return items[Index(items.size())];
  }
  template <typename T, size_t N>
  const T& Pick(const T (&items)[N]) {
    return items[Index(N)];
  }

  // An index drawn with probability proportional to weights[i] (non-negative, not all zero).
  size_t Weighted(const int* weights, size_t count) {
    int64_t total = 0;
    for (size_t i = 0; i < count; ++i) total += weights[i];
    CHECK(total > 0);
    int64_t draw = Uniform(0, total - 1);
    for (size_t i = 0; i < count; ++i) {
      if (draw < weights[i]) return i;
      draw -= weights[i];
    }
    return count - 1;
  }

  // Fisher-Yates, written out for the reason given at the top of this file.
  template <typename T>
  void Shuffle(std::vector<T>* items) {
    for (size_t i = items->size(); i > 1; --i) {
      size_t j = Index(i);
      std::swap((*items)[i - 1], (*items)[j]);
    }
  }

 private:
  static uint64_t Rotate(uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }
  uint64_t state_[4];
};

}  // namespace twoline::sim
