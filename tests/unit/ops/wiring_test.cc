// The CLI wiring's local-input rules: unusable local configuration is exit 2, never 3.
#include "wiring.h"

#include <gtest/gtest.h>

#include <sys/stat.h>

#include <cstdlib>
#include <optional>
#include <string>

#include "signet/core/file.h"
#include "signet/ops/exit_codes.h"
#include "test_env.h"

namespace signet::ops {
namespace {

class StateDirTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = signet::testing::MakeTempDir();
    if (const char* old = std::getenv("SIGNET_STATE_DIR")) saved_ = old;
  }
  void TearDown() override {
    if (saved_) {
      setenv("SIGNET_STATE_DIR", saved_->c_str(), 1);
    } else {
      unsetenv("SIGNET_STATE_DIR");
    }
    signet::testing::RemoveTree(dir_);
  }
  std::string dir_;
  std::optional<std::string> saved_;
};

// Issue 12 item 27: a file as $SIGNET_STATE_DIR was accepted here and failed later, when the
// audit log was opened under it, as an internal error (exit 3).
TEST_F(StateDirTest, FileAsStateDirIsExit2) {
  ASSERT_TRUE(WriteFileAtomic(dir_ + "/state", "not a directory").ok());
  for (const std::string& state : {dir_ + "/state", dir_ + "/state/below"}) {
    setenv("SIGNET_STATE_DIR", state.c_str(), 1);
    auto path = DefaultAuditLogPath();
    ASSERT_FALSE(path.ok()) << state;
    EXPECT_EQ(ExitCodeFor(path.error()), kExitUsage) << state << ": " << path.error().ToString();
  }
}

TEST_F(StateDirTest, FifoAsStateDirIsExit2) {
  ASSERT_EQ(mkfifo((dir_ + "/fifo").c_str(), 0600), 0);
  setenv("SIGNET_STATE_DIR", (dir_ + "/fifo").c_str(), 1);
  auto path = DefaultAuditLogPath();
  ASSERT_FALSE(path.ok());
  EXPECT_EQ(ExitCodeFor(path.error()), kExitUsage);
}

TEST_F(StateDirTest, MissingStateDirIsCreatedPrivate) {
  const std::string state = dir_ + "/a/b";
  setenv("SIGNET_STATE_DIR", state.c_str(), 1);
  auto path = DefaultAuditLogPath();
  ASSERT_TRUE(path.ok()) << path.error().ToString();
  EXPECT_EQ(*path, state + "/audit.log");
  struct stat st {};
  ASSERT_EQ(stat(state.c_str(), &st), 0);
  EXPECT_TRUE(S_ISDIR(st.st_mode));
  EXPECT_EQ(st.st_mode & 077, 0u);
}

}  // namespace
}  // namespace signet::ops
