// The table of embedded console files that src/web/embed.cmake generates from the built bundle.
// Internal to the web library: use FindWebAsset (web/assets.h).
// Thread-safety: immutable static data.
#pragma once

#include <cstddef>

namespace twoline::web {

struct EmbeddedFile {
  const char* path;  // URL path, "/index.html", "/assets/main-3KQ2F7.js"
  const char* content_type;
  const unsigned char* bytes;
  size_t size;
  bool immutable;      // the file name carries a content hash
  const char* sha256;  // hex digest of the bytes
};

extern const EmbeddedFile kEmbeddedFiles[];
extern const size_t kEmbeddedFileCount;

}  // namespace twoline::web
