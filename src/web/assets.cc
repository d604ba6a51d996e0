#include "web/assets.h"

#include <string>
#include <unordered_map>

#include "base/check.h"
#include "web/asset_table.h"

namespace twoline::web {
namespace {

struct Entry {
  StaticFile file;
  std::string etag;  // owns the text that file.etag views
};

// Path -> file, built once from the generated table.
const std::unordered_map<std::string_view, Entry>& Index() {
  static const auto* index = [] {
    auto* map = new std::unordered_map<std::string_view, Entry>();
    for (size_t i = 0; i < kEmbeddedFileCount; ++i) {
      const EmbeddedFile& embedded = kEmbeddedFiles[i];
      CHECK(embedded.path[0] == '/');
      Entry& entry = (*map)[embedded.path];
      entry.etag = std::string("\"") + std::string(embedded.sha256).substr(0, 32) + "\"";
      entry.file.content_type = embedded.content_type;
      entry.file.body =
          std::string_view(reinterpret_cast<const char*>(embedded.bytes), embedded.size);
      entry.file.immutable = embedded.immutable;
      entry.file.etag = entry.etag;  // nodes of an unordered_map never move
    }
    CHECK(map->count("/index.html") == 1);
    return map;
  }();
  return *index;
}

}  // namespace

std::optional<StaticFile> FindWebAsset(std::string_view path) {
  if (path == "/") path = "/index.html";
  const auto& index = Index();
  auto found = index.find(path);
  if (found == index.end()) return std::nullopt;
  return found->second.file;
}

std::string_view CacheControl(const StaticFile& file) {
  return file.immutable ? "public, max-age=31536000, immutable" : "no-cache";
}

}  // namespace twoline::web
