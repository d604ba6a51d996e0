// The browser console's files (HTML, JavaScript, CSS), compiled into the binary so that one file
// serves the API and the console.
//
// The bundle under web/ is built by esbuild during the build and turned into a C++ table by
// src/web/embed.cmake (path, content type, bytes, SHA-256). Files whose names carry esbuild's
// content hash (`/assets/main-3KQ2F7.js`) never change under their name and may be cached for good;
// the page that names them (`/index.html`, also served at `/`) is revalidated with its ETag.
// Thread-safety: the table is immutable static data; FindWebAsset may be called from any thread.
#pragma once

#include <optional>
#include <string_view>

namespace twoline::web {

struct StaticFile {
  std::string_view content_type;  // e.g. "text/javascript; charset=utf-8"
  std::string_view body;          // the bytes, static storage
  bool immutable = false;         // true: the name changes when the content does (cache for a year)
  std::string_view etag;  // quoted strong ETag from the content's SHA-256, e.g. "\"3fa2…\""
};

// The console file served at `path` (a URL path without query), or nullopt when there is none.
// `/` is the console's page; every other file is named as the bundle names it.
std::optional<StaticFile> FindWebAsset(std::string_view path);

// The Cache-Control header value for `file`.
std::string_view CacheControl(const StaticFile& file);

}  // namespace twoline::web
