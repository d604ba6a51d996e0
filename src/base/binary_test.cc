// The snapshot reader's strictness (base/binary.h): each value has one encoding that it accepts.
#include "base/binary.h"

#include <gtest/gtest.h>

#include <functional>
#include <map>
#include <string>

namespace twoline {
namespace {

std::string Encoded(const std::function<void(BinaryWriter&)>& write) {
  std::string out;
  BinaryWriter w(&out);
  write(w);
  return out;
}

TEST(BinaryReader, ABoolIsZeroOrOne) {
  for (uint8_t byte : {0, 1}) {
    std::string bytes(1, static_cast<char>(byte));
    BinaryReader in(bytes);
    EXPECT_EQ(in.Bool(), byte == 1);
    EXPECT_TRUE(in.ok());
  }
  for (uint8_t byte : {2, 0x80, 0xff}) {
    std::string bytes(1, static_cast<char>(byte));
    BinaryReader in(bytes);
    in.Bool();
    EXPECT_FALSE(in.ok()) << int{byte};
  }
}

TEST(BinaryReader, ANarrowedIntegerFitsItsType) {
  for (int64_t value : {int64_t{0}, int64_t{-1}, int64_t{INT32_MAX}, int64_t{INT32_MIN}}) {
    std::string bytes = Encoded([&](BinaryWriter& w) { w.I64(value); });
    BinaryReader in(bytes);
    EXPECT_EQ(in.I64AsI32(), value);
    EXPECT_TRUE(in.ok());
  }
  for (int64_t value : {int64_t{INT32_MAX} + 1, int64_t{INT32_MIN} - 1, INT64_MAX}) {
    std::string bytes = Encoded([&](BinaryWriter& w) { w.I64(value); });
    BinaryReader in(bytes);
    EXPECT_EQ(in.I64AsI32(), 0);
    EXPECT_FALSE(in.ok()) << value;
  }
}

TEST(BinaryReader, AnAbsentOptionalHasAZeroValue) {
  std::string present = Encoded([](BinaryWriter& w) {
    w.Bool(true);
    w.I64(20000);
  });
  BinaryReader a(present);
  EXPECT_EQ(a.OptionalI32(), std::optional<int32_t>(20000));
  EXPECT_TRUE(a.ok());
  std::string absent = Encoded([](BinaryWriter& w) {
    w.Bool(false);
    w.I64(0);
  });
  BinaryReader b(absent);
  EXPECT_EQ(b.OptionalI32(), std::nullopt);
  EXPECT_TRUE(b.ok());
  std::string absent_with_value = Encoded([](BinaryWriter& w) {
    w.Bool(false);
    w.I64(7);
  });
  BinaryReader c(absent_with_value);
  c.OptionalI32();
  EXPECT_FALSE(c.ok());
}

TEST(BinaryReader, AMapsKeysComeInIncreasingOrder) {
  auto load = [](std::initializer_list<const char*> keys) {
    std::string bytes;
    BinaryReader in(bytes);
    std::map<std::string, int, std::less<>> map;
    int value = 0;
    for (const char* key : keys) InsertLoaded(in, &map, std::string(key), value++);
    return std::make_pair(in.ok(), map.size());
  };
  EXPECT_EQ(load({"a", "b", "c"}), std::make_pair(true, size_t{3}));
  EXPECT_FALSE(load({"b", "a"}).first);  // out of order: it would load, and write back as a, b
  EXPECT_FALSE(load({"a", "a"}).first);  // twice
  EXPECT_FALSE(load({"a", "c", "b"}).first);
}

}  // namespace
}  // namespace twoline
