#include "signet/core/file.h"

#include <gtest/gtest.h>

#include "test_env.h"

namespace signet {
namespace {

TEST(FileTest, AtomicWriteThenRead) {
  std::string dir = testing::MakeTempDir();
  std::string path = dir + "/out.json";
  ASSERT_TRUE(WriteFileAtomic(path, "first").ok());
  ASSERT_TRUE(WriteFileAtomic(path, "second").ok());
  EXPECT_EQ(*ReadFile(path), "second");
  EXPECT_FALSE(ReadFile(path, 3).ok());  // size limit
  EXPECT_EQ(ReadFile(dir + "/missing").error().code(), ErrorCode::kNotFound);
  EXPECT_FALSE(ReadFile(dir).ok());      // not a regular file
  testing::RemoveTree(dir);
}

TEST(FileTest, UnwritableTargetLeavesNothing) {
  // A regular file where the directory should be: creation fails even for root.
  std::string dir = testing::MakeTempDir();
  ASSERT_TRUE(WriteFileAtomic(dir + "/blocker", "x").ok());
  EXPECT_FALSE(WriteFileAtomic(dir + "/blocker/out", "data").ok());
  EXPECT_EQ(*ReadFile(dir + "/blocker"), "x");
  testing::RemoveTree(dir);
}

TEST(FileTest, MissingDirectoryFails) {
  EXPECT_FALSE(WriteFileAtomic("/nonexistent-signet-dir/x", "data").ok());
}

}  // namespace
}  // namespace signet
