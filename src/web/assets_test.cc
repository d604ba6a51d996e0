#include "web/assets.h"

#include <gtest/gtest.h>

#include <string>

#include "base/sha256.h"
#include "web/asset_table.h"

namespace twoline::web {
namespace {

TEST(WebAssets, RootServesTheConsolePage) {
  std::optional<StaticFile> page = FindWebAsset("/");
  ASSERT_TRUE(page.has_value());
  EXPECT_EQ(page->content_type, "text/html; charset=utf-8");
  EXPECT_NE(page->body.find("<div id=\"app\">"), std::string_view::npos);
  EXPECT_FALSE(page->immutable);
  EXPECT_EQ(CacheControl(*page), "no-cache");
  std::optional<StaticFile> same = FindWebAsset("/index.html");
  ASSERT_TRUE(same.has_value());
  EXPECT_EQ(same->body.data(), page->body.data());
}

TEST(WebAssets, ThePageNamesOnlyEmbeddedHashedFilesOfItsOwnOrigin) {
  std::string_view page = FindWebAsset("/")->body;
  int named = 0;
  for (size_t at = page.find("/assets/"); at != std::string_view::npos;
       at = page.find("/assets/", at + 1)) {
    size_t end = page.find('"', at);
    ASSERT_NE(end, std::string_view::npos);
    std::string_view path = page.substr(at, end - at);
    std::optional<StaticFile> file = FindWebAsset(path);
    ASSERT_TRUE(file.has_value()) << path;
    EXPECT_TRUE(file->immutable) << path;
    EXPECT_EQ(CacheControl(*file), "public, max-age=31536000, immutable");
    EXPECT_FALSE(file->body.empty());
    ++named;
  }
  EXPECT_EQ(named, 2);  // one script, one style sheet
  EXPECT_EQ(page.find("http://"), std::string_view::npos);
  EXPECT_EQ(page.find("https://"), std::string_view::npos);
}

TEST(WebAssets, ContentTypesFollowTheExtension) {
  for (size_t i = 0; i < kEmbeddedFileCount; ++i) {
    std::string_view path = kEmbeddedFiles[i].path;
    std::string_view type = FindWebAsset(path)->content_type;
    std::string_view expected = path.ends_with(".js")     ? "text/javascript; charset=utf-8"
                                : path.ends_with(".css")  ? "text/css; charset=utf-8"
                                : path.ends_with(".html") ? "text/html; charset=utf-8"
                                                          : "";
    ASSERT_FALSE(expected.empty()) << "unexpected file in the bundle: " << path;
    EXPECT_EQ(type, expected) << path;
  }
}

TEST(WebAssets, EtagIsTheContentHash) {
  for (size_t i = 0; i < kEmbeddedFileCount; ++i) {
    std::optional<StaticFile> file = FindWebAsset(kEmbeddedFiles[i].path);
    ASSERT_TRUE(file.has_value());
    std::string digest = ToHex(Sha256(file->body));
    EXPECT_EQ(digest, kEmbeddedFiles[i].sha256);
    EXPECT_EQ(file->etag, "\"" + digest.substr(0, 32) + "\"");
  }
}

TEST(WebAssets, UnknownPathsAreNotFound) {
  EXPECT_FALSE(FindWebAsset("").has_value());
  EXPECT_FALSE(FindWebAsset("/nothing.js").has_value());
  EXPECT_FALSE(FindWebAsset("/v1/zones").has_value());
  EXPECT_FALSE(FindWebAsset("/assets/").has_value());
  EXPECT_FALSE(FindWebAsset("/../index.html").has_value());
  EXPECT_FALSE(FindWebAsset("index.html").has_value());
}

}  // namespace
}  // namespace twoline::web
