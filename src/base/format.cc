#include "base/format.h"

#include <cstdarg>
#include <cstdio>

namespace twoline {

std::string FormatLine(const char* format, ...) {
  char line[512];
  va_list args;
  va_start(args, format);
  std::vsnprintf(line, sizeof line, format, args);
  va_end(args);
  return line;
}

}  // namespace twoline
