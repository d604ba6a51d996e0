// libFuzzer target: the journal reader (journal::EntryFromJsonLine) on arbitrary bytes. A line it
// accepts is canonical: writing the entry back gives the same bytes.
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "journal/entry.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view line(reinterpret_cast<const char*>(data), size);
  auto entry = twoline::journal::EntryFromJsonLine(line);
  if (!entry.ok()) return 0;
  std::string written = twoline::journal::EntryToJsonLine(*entry);
  if (written.size() != line.size() + 1 || written.compare(0, line.size(), line) != 0) std::abort();
  return 0;
}
