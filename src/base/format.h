// FormatLine: printf into a std::string, for the fixed-width tables of `--format table`.
// Thread-safety: pure.
#pragma once

#include <string>

namespace twoline {

// Lines longer than 511 bytes are cut.
std::string FormatLine(const char* format, ...) __attribute__((format(printf, 1, 2)));

}  // namespace twoline
