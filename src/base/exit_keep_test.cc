#include "base/exit_keep.h"

#include <gtest/gtest.h>

namespace twoline {
namespace {

struct Counted {
  explicit Counted(int* destroyed) : destroyed(destroyed) {}
  ~Counted() { ++*destroyed; }
  int* destroyed;
};

TEST(KeepUntilExit, DestroysAtOnceUnlessTheProcessEndsAfterTheCommand) {
  int destroyed = 0;
  ASSERT_FALSE(process_exits_after_command.load());
  KeepUntilExit(std::make_unique<Counted>(&destroyed));
  EXPECT_EQ(destroyed, 1);  // tests and other callers: freed as the pointer would be

  process_exits_after_command = true;
  KeepUntilExit(std::make_unique<Counted>(&destroyed));
  process_exits_after_command = false;
  EXPECT_EQ(destroyed, 1);  // the product binary: left to the process's exit

  KeepUntilExit(std::unique_ptr<Counted>());  // nothing to keep
  EXPECT_EQ(destroyed, 1);
}

}  // namespace
}  // namespace twoline
