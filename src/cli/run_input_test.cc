#include "cli/run_input.h"

#include <gtest/gtest.h>

#include <sstream>

namespace twoline::cli {
namespace {

std::string Registration(int n) {
  return R"({"id":"r-)" + std::to_string(n) +
         R"(","zone":"hengqin","at":"2026-03-02T08:00:00+08:00","type":"register_party","party":{"id":"P-)" +
         std::to_string(n) + R"(","name":"P","kind":"enterprise","credit":"general","lists":[]}})";
}

// Every line comes back once, in order, in batches of at most the size asked; a malformed line
// comes back as its decision naming its own line number.
TEST(RunInputTest, HandsBackEveryLineInOrderWithMalformedOnesAnswered) {
  std::stringstream in;
  for (int n = 1; n <= 23; ++n) in << (n % 5 == 0 ? "{not json" : Registration(n)) << "\n";
  RunInput input(in, 4);
  std::vector<RunLine> lines;
  while (auto batch = input.Next()) {
    EXPECT_LE(batch->size(), 4u);
    EXPECT_FALSE(batch->empty());
    for (RunLine& line : *batch) lines.push_back(std::move(line));
  }
  ASSERT_EQ(lines.size(), 23u);
  for (int n = 1; n <= 23; ++n) {
    const RunLine& line = lines[static_cast<size_t>(n - 1)];
    if (n % 5 == 0) {
      EXPECT_FALSE(line.parsed);
      EXPECT_NE(line.malformed.find("\"line\":" + std::to_string(n) + ","), std::string::npos) << line.malformed;
    } else {
      ASSERT_TRUE(line.parsed) << n;
      EXPECT_EQ(line.command.id, "r-" + std::to_string(n));
    }
  }
}

// std::cin is tied to std::cout: a read would flush std::cout from the reader's thread while the
// deciding thread writes to it (a run printed a batch of decisions twice). The input is untied
// while the reader runs, and tied again after.
TEST(RunInputTest, TheInputIsUntiedWhileTheReaderRuns) {
  std::stringstream in, out;
  in << Registration(1) << "\n";
  in.tie(&out);
  {
    RunInput input(in, 512);
    EXPECT_EQ(in.tie(), nullptr);
    while (input.Next()) {
    }
  }
  EXPECT_EQ(in.tie(), &out);
}

TEST(RunInputTest, AnEmptyInputEndsAtOnce) {
  std::stringstream in;
  RunInput input(in, 512);
  EXPECT_EQ(input.Next(), nullptr);
}

// A run that stops early (a failed write) drops what was read ahead and ends its reader.
TEST(RunInputTest, StoppingEarlyEndsTheReader) {
  std::stringstream in;
  for (int n = 1; n <= 20000; ++n) in << Registration(n) << "\n";
  {
    RunInput input(in, 16);
    auto first = input.Next();
    ASSERT_NE(first, nullptr);
    EXPECT_EQ(first->front().command.id, "r-1");
  }  // the destructor closes the queue and joins the reader
  SUCCEED();
}

}  // namespace
}  // namespace twoline::cli
