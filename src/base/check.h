// CHECK: an always-on assertion for programming errors (never for user input).
//
// A failed CHECK prints the condition with file and line and aborts, in every build type: a broken
// invariant in a customs ledger must stop the process rather than journal a wrong decision.
#pragma once

#include <cstdio>
#include <cstdlib>

#define CHECK(condition)                                                                     \
  do {                                                                                       \
    if (!(condition)) {                                                                      \
      std::fprintf(stderr, "%s:%d: CHECK failed: %s\n", __FILE__, __LINE__, #condition);     \
      std::abort();                                                                          \
    }                                                                                        \
  } while (0)
