// SessionPool logic against a gmock of the PKCS#11 function table.
#include "signet/hsm/session_pool.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <chrono>
#include <thread>

#include "mock_pkcs11.h"

namespace signet::hsm {
namespace {

using ::testing::_;
using ::testing::HasSubstr;
using ::testing::NiceMock;
using ::testing::Return;
using testing::MockPkcs11;

class SessionPoolTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto module = Module::FromFunctionList(mock_.FunctionList(), "mock");
    ASSERT_TRUE(module.ok());
    module_ = *module;
  }

  Result<std::unique_ptr<SessionPool>> MakePool(std::string pin = "1234", size_t max_sessions = 4) {
    PoolOptions options;
    options.max_sessions = max_sessions;
    options.acquire_timeout = std::chrono::milliseconds(200);
    options.backoff_initial = std::chrono::milliseconds(30);
    options.backoff_max = std::chrono::milliseconds(120);
    TokenSelector selector;
    selector.label = "mock";
    return SessionPool::Create(module_, selector, SecretBytes::FromString(pin), options);
  }

  NiceMock<MockPkcs11> mock_;
  std::shared_ptr<Module> module_;
};

SessionPool::Op Ok() {
  return [](CK_SESSION_HANDLE, uint64_t) { return CKR_OK; };
}

TEST_F(SessionPoolTest, LogsInOnceAndReusesSessions) {
  EXPECT_CALL(mock_, OpenSession(7, CKF_SERIAL_SESSION, _)).Times(1);
  EXPECT_CALL(mock_, Login(_, CKU_USER, "1234")).Times(1);
  auto pool = MakePool();
  ASSERT_TRUE(pool.ok()) << pool.error().ToString();
  for (int i = 0; i < 5; ++i) ASSERT_TRUE((*pool)->Execute("op", Ok()).ok());
  EXPECT_EQ((*pool)->open_sessions(), 1u);
  EXPECT_EQ((*pool)->token().label, "mock");
  EXPECT_EQ((*pool)->token().serial, "0001");
}

TEST_F(SessionPoolTest, WrongPinIsPermissionDeniedAndNeverRetried) {
  EXPECT_CALL(mock_, Login(_, _, _)).Times(1);
  auto pool = MakePool("9999");
  ASSERT_FALSE(pool.ok());
  EXPECT_EQ(pool.error().code(), ErrorCode::kPermissionDenied);
  EXPECT_THAT(pool.error().message(), HasSubstr("PIN was rejected"));
  EXPECT_THAT(pool.error().message(), ::testing::Not(HasSubstr("9999")));
  EXPECT_EQ(pool.error().native_code(), static_cast<int64_t>(CKR_PIN_INCORRECT));
}

TEST_F(SessionPoolTest, LockedPinRefusedWithoutLoginAttempt) {
  mock_.token_flags = CKF_LOGIN_REQUIRED | CKF_TOKEN_INITIALIZED | CKF_USER_PIN_LOCKED;
  EXPECT_CALL(mock_, Login(_, _, _)).Times(0);
  auto pool = MakePool();
  ASSERT_FALSE(pool.ok());
  EXPECT_EQ(pool.error().code(), ErrorCode::kPermissionDenied);
  EXPECT_THAT(pool.error().message(), HasSubstr("locked"));
}

TEST_F(SessionPoolTest, LockedPinDuringLogin) {
  ON_CALL(mock_, Login(_, _, _)).WillByDefault(Return(CKR_PIN_LOCKED));
  auto pool = MakePool();
  ASSERT_FALSE(pool.ok());
  EXPECT_EQ(pool.error().code(), ErrorCode::kPermissionDenied);
  EXPECT_THAT(pool.error().message(), HasSubstr("locked"));
}

TEST_F(SessionPoolTest, MissingPinForLoginTokenIsFailedPrecondition) {
  TokenSelector selector;
  auto pool = SessionPool::Create(module_, selector, std::nullopt, PoolOptions{});
  ASSERT_FALSE(pool.ok());
  EXPECT_EQ(pool.error().code(), ErrorCode::kFailedPrecondition);
}

TEST_F(SessionPoolTest, NoMatchingTokenListsTokensPresent) {
  TokenSelector selector;
  selector.label = "other";
  auto pool = SessionPool::Create(module_, selector, SecretBytes::FromString("1234"), PoolOptions{});
  ASSERT_FALSE(pool.ok());
  EXPECT_EQ(pool.error().code(), ErrorCode::kNotFound);
  EXPECT_THAT(pool.error().message(), HasSubstr("\"mock\" (serial 0001, slot 7)"));
}

TEST_F(SessionPoolTest, TwoMatchingTokensAreAmbiguous) {
  ON_CALL(mock_, GetSlotList(_, _, _)).WillByDefault([](CK_BBOOL, CK_SLOT_ID* slots, CK_ULONG* n) {
    if (slots != nullptr) {
      slots[0] = 7;
      slots[1] = 8;
    }
    *n = 2;
    return CKR_OK;
  });
  TokenSelector selector;
  auto pool = SessionPool::Create(module_, selector, SecretBytes::FromString("1234"), PoolOptions{});
  ASSERT_FALSE(pool.ok());
  EXPECT_EQ(pool.error().code(), ErrorCode::kInvalidArgument);
  EXPECT_THAT(pool.error().message(), HasSubstr("2 tokens match"));
}

TEST_F(SessionPoolTest, RecoversFromClosedSessions) {
  auto pool = MakePool();
  ASSERT_TRUE(pool.ok());
  // All sessions closed underneath us: the handle is invalid and the login is gone.
  mock_.logged_in = false;
  int calls = 0;
  EXPECT_CALL(mock_, Login(_, _, _)).Times(1);
  Status s = (*pool)->Execute("op", [&](CK_SESSION_HANDLE, uint64_t) {
    return ++calls == 1 ? CKR_SESSION_HANDLE_INVALID : CKR_OK;
  });
  ASSERT_TRUE(s.ok()) << s.error().ToString();
  EXPECT_EQ(calls, 2);
  EXPECT_EQ((*pool)->open_sessions(), 1u);
}

TEST_F(SessionPoolTest, SessionClosedIsAlsoRecovered) {
  auto pool = MakePool();
  ASSERT_TRUE(pool.ok());
  int calls = 0;
  ASSERT_TRUE((*pool)->Execute("op", [&](CK_SESSION_HANDLE, uint64_t) {
    return ++calls == 1 ? CKR_SESSION_CLOSED : CKR_OK;
  }).ok());
  EXPECT_EQ(calls, 2);
}

TEST_F(SessionPoolTest, RecoversFromLogout) {
  auto pool = MakePool();
  ASSERT_TRUE(pool.ok());
  mock_.logged_in = false;
  EXPECT_CALL(mock_, Login(_, _, "1234")).Times(1);
  int calls = 0;
  ASSERT_TRUE((*pool)->Execute("op", [&](CK_SESSION_HANDLE, uint64_t) {
    return ++calls == 1 ? CKR_USER_NOT_LOGGED_IN : CKR_OK;
  }).ok());
  EXPECT_EQ(calls, 2);
}

TEST_F(SessionPoolTest, GivesUpAfterRepeatedSessionLoss) {
  auto pool = MakePool();
  ASSERT_TRUE(pool.ok());
  Status s = (*pool)->Execute("op", [](CK_SESSION_HANDLE, uint64_t) { return CKR_SESSION_HANDLE_INVALID; });
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.error().native_code(), static_cast<int64_t>(CKR_SESSION_HANDLE_INVALID));
}

TEST_F(SessionPoolTest, DeviceRemovedIsUnavailableThenRecoversWithBackoff) {
  auto pool = MakePool();
  ASSERT_TRUE(pool.ok());
  uint64_t first_generation = 0;
  ASSERT_TRUE((*pool)->Execute("op", [&](CK_SESSION_HANDLE, uint64_t g) {
    first_generation = g;
    return CKR_OK;
  }).ok());

  // The token disappears.
  ON_CALL(mock_, GetSlotList(_, _, _)).WillByDefault([](CK_BBOOL, CK_SLOT_ID*, CK_ULONG* n) {
    *n = 0;
    return CKR_OK;
  });
  Status s = (*pool)->Execute("op", [](CK_SESSION_HANDLE, uint64_t) { return CKR_DEVICE_REMOVED; });
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.error().code(), ErrorCode::kUnavailable);
  EXPECT_THAT(s.error().message(), HasSubstr("token \"mock\" is unavailable (CKR_DEVICE_REMOVED)"));

  // Within the backoff window the op is not even tried.
  int tried = 0;
  s = (*pool)->Execute("op", [&](CK_SESSION_HANDLE, uint64_t) { ++tried; return CKR_OK; });
  EXPECT_EQ(s.error().code(), ErrorCode::kUnavailable);
  EXPECT_EQ(tried, 0);

  // After the backoff the pool probes; the token is still gone, so the delay grows.
  std::this_thread::sleep_for(std::chrono::milliseconds(40));
  s = (*pool)->Execute("op", [&](CK_SESSION_HANDLE, uint64_t) { ++tried; return CKR_OK; });
  EXPECT_EQ(s.error().code(), ErrorCode::kUnavailable);
  EXPECT_EQ(tried, 0);

  // The token comes back (login state was lost with it).
  ON_CALL(mock_, GetSlotList(_, _, _)).WillByDefault([](CK_BBOOL, CK_SLOT_ID* slots, CK_ULONG* n) {
    if (slots != nullptr) slots[0] = 7;
    *n = 1;
    return CKR_OK;
  });
  mock_.logged_in = false;
  std::this_thread::sleep_for(std::chrono::milliseconds(130));
  uint64_t generation = 0;
  s = (*pool)->Execute("op", [&](CK_SESSION_HANDLE, uint64_t g) { generation = g; return CKR_OK; });
  ASSERT_TRUE(s.ok()) << s.error().ToString();
  EXPECT_GT(generation, first_generation);
  EXPECT_TRUE(mock_.logged_in);
}

TEST_F(SessionPoolTest, NotInitializedMarksTokenGone) {
  auto pool = MakePool();
  ASSERT_TRUE(pool.ok());
  ON_CALL(mock_, GetSlotList(_, _, _)).WillByDefault(Return(CKR_CRYPTOKI_NOT_INITIALIZED));
  Status s = (*pool)->Execute("op", [](CK_SESSION_HANDLE, uint64_t) { return CKR_CRYPTOKI_NOT_INITIALIZED; });
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.error().code(), ErrorCode::kUnavailable);
  EXPECT_THAT(s.error().message(), HasSubstr("CKR_CRYPTOKI_NOT_INITIALIZED"));
}

TEST_F(SessionPoolTest, OtherErrorsAreReportedAndTheSessionIsNotReused) {
  auto pool = MakePool();
  ASSERT_TRUE(pool.ok());
  EXPECT_CALL(mock_, CloseSession(_)).Times(1);
  Status s = (*pool)->Execute("signing", [](CK_SESSION_HANDLE, uint64_t) { return CKR_FUNCTION_FAILED; });
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.error().code(), ErrorCode::kInternal);
  EXPECT_EQ(s.error().message(), "signing: CKR_FUNCTION_FAILED");
  EXPECT_EQ(s.error().domain(), "pkcs11");
  EXPECT_EQ((*pool)->open_sessions(), 0u);
}

TEST_F(SessionPoolTest, StaleHandleIsRetriedOnce) {
  auto pool = MakePool();
  ASSERT_TRUE(pool.ok());
  int calls = 0;
  ASSERT_TRUE((*pool)->Execute("op", [&](CK_SESSION_HANDLE, uint64_t) {
    return ++calls == 1 ? CKR_KEY_HANDLE_INVALID : CKR_OK;
  }).ok());
  EXPECT_EQ(calls, 2);
}

TEST_F(SessionPoolTest, StaleHandleAfterLogoutLogsInAgain) {
  auto pool = MakePool();
  ASSERT_TRUE(pool.ok());
  mock_.logged_in = false;  // logged out underneath: private keys are no longer visible
  EXPECT_CALL(mock_, Login(_, _, "1234")).Times(1);
  int calls = 0;
  ASSERT_TRUE((*pool)->Execute("op", [&](CK_SESSION_HANDLE, uint64_t) {
    ++calls;
    return mock_.logged_in ? CKR_OK : CKR_KEY_HANDLE_INVALID;
  }).ok());
  EXPECT_EQ(calls, 2);
}

TEST_F(SessionPoolTest, BoundedAndWaitsForAFreeSession) {
  auto pool = MakePool("1234", /*max_sessions=*/1);
  ASSERT_TRUE(pool.ok());
  EXPECT_CALL(mock_, OpenSession(_, _, _)).Times(0);  // the one from Create is reused
  std::atomic<bool> inside{false};
  std::thread holder([&] {
    ASSERT_TRUE((*pool)->Execute("hold", [&](CK_SESSION_HANDLE, uint64_t) {
      inside = true;
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
      return CKR_OK;
    }).ok());
  });
  while (!inside) std::this_thread::yield();
  // Waits (< acquire_timeout of 200 ms) for the holder, then runs on the same session.
  EXPECT_TRUE((*pool)->Execute("wait", Ok()).ok());
  holder.join();
  EXPECT_EQ((*pool)->open_sessions(), 1u);
}

TEST_F(SessionPoolTest, AcquireTimesOutWhenAllSessionsStayBusy) {
  auto pool = MakePool("1234", /*max_sessions=*/1);
  ASSERT_TRUE(pool.ok());
  std::atomic<bool> inside{false}, release{false};
  std::thread holder([&] {
    ASSERT_TRUE((*pool)->Execute("hold", [&](CK_SESSION_HANDLE, uint64_t) {
      inside = true;
      while (!release) std::this_thread::sleep_for(std::chrono::milliseconds(5));
      return CKR_OK;
    }).ok());
  });
  while (!inside) std::this_thread::yield();
  Status s = (*pool)->Execute("wait", Ok());
  release = true;
  holder.join();
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.error().code(), ErrorCode::kResourceExhausted);
  EXPECT_THAT(s.error().message(), HasSubstr("all 1 sessions"));
}

TEST_F(SessionPoolTest, ReadWriteSessionOnWriteProtectedToken) {
  auto pool = MakePool();
  ASSERT_TRUE(pool.ok());
  ON_CALL(mock_, OpenSession(_, CKF_SERIAL_SESSION | CKF_RW_SESSION, _)).WillByDefault(Return(CKR_TOKEN_WRITE_PROTECTED));
  Status s = (*pool)->ExecuteReadWrite("generate", Ok());
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.error().code(), ErrorCode::kFailedPrecondition);
  EXPECT_THAT(s.error().message(), HasSubstr("read-only"));
}

TEST_F(SessionPoolTest, ReadWriteSessionsAreClosedAfterUse) {
  auto pool = MakePool();
  ASSERT_TRUE(pool.ok());
  EXPECT_CALL(mock_, OpenSession(_, CKF_SERIAL_SESSION | CKF_RW_SESSION, _)).WillOnce([](CK_SLOT_ID, CK_FLAGS, CK_SESSION_HANDLE* h) {
    *h = 555;
    return CKR_OK;
  });
  EXPECT_CALL(mock_, CloseSession(555)).Times(1);
  EXPECT_CALL(mock_, CloseSession(::testing::Ne(555))).Times(::testing::AnyNumber());  // pool teardown
  ASSERT_TRUE((*pool)->ExecuteReadWrite("generate", Ok()).ok());
  EXPECT_EQ((*pool)->open_sessions(), 1u);  // the pooled read-only one
}

TEST_F(SessionPoolTest, ConcurrentUseStaysWithinBound) {
  auto pool = MakePool("1234", /*max_sessions=*/3);
  ASSERT_TRUE(pool.ok());
  std::atomic<int> in_flight{0}, max_in_flight{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 8; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < 50; ++i) {
        ASSERT_TRUE((*pool)->Execute("op", [&](CK_SESSION_HANDLE, uint64_t) {
          const int now = ++in_flight;
          int seen = max_in_flight.load();
          while (now > seen && !max_in_flight.compare_exchange_weak(seen, now)) {
          }
          std::this_thread::yield();
          --in_flight;
          return CKR_OK;
        }).ok());
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_LE(max_in_flight.load(), 3);
  EXPECT_LE((*pool)->open_sessions(), 3u);
}

TEST(ModuleTest, LoadMissingFileIsNotFound) {
  auto m = Module::Load("/nonexistent/libnothing.so");
  ASSERT_FALSE(m.ok());
  EXPECT_EQ(m.error().code(), ErrorCode::kNotFound);
  EXPECT_THAT(m.error().message(), HasSubstr("does not exist"));
}

TEST(ModuleTest, LoadNonModuleIsNotFound) {
  // libc is a shared object but not a PKCS#11 module.
  auto m = Module::Load("/lib/x86_64-linux-gnu/libc.so.6");
  ASSERT_FALSE(m.ok());
  EXPECT_EQ(m.error().code(), ErrorCode::kNotFound);
  EXPECT_THAT(m.error().message(), HasSubstr("not a PKCS#11 module"));
}

TEST(ModuleTest, EmptyPathIsInvalid) {
  auto m = Module::Load("");
  ASSERT_FALSE(m.ok());
  EXPECT_EQ(m.error().code(), ErrorCode::kInvalidArgument);
}

TEST(ModuleTest, InitializeFailureIsReported) {
  NiceMock<MockPkcs11> mock;
  ON_CALL(mock, Initialize(_)).WillByDefault(Return(CKR_GENERAL_ERROR));
  auto m = Module::FromFunctionList(mock.FunctionList(), "mock");
  ASSERT_FALSE(m.ok());
  EXPECT_THAT(m.error().message(), HasSubstr("CKR_GENERAL_ERROR"));
}

TEST(ModuleTest, InitializesWithOsLockingAndFinalizes) {
  NiceMock<MockPkcs11> mock;
  EXPECT_CALL(mock, Initialize(_)).WillOnce([](CK_VOID_PTR args) {
    auto* a = static_cast<CK_C_INITIALIZE_ARGS*>(args);
    return a != nullptr && (a->flags & CKF_OS_LOCKING_OK) != 0 && a->CreateMutex == nullptr ? CKR_OK : CKR_ARGUMENTS_BAD;
  });
  EXPECT_CALL(mock, Finalize(_)).Times(1);
  auto m = Module::FromFunctionList(mock.FunctionList(), "mock");
  ASSERT_TRUE(m.ok());
}

TEST(ModuleTest, AlreadyInitializedIsNotFinalized) {
  NiceMock<MockPkcs11> mock;
  ON_CALL(mock, Initialize(_)).WillByDefault(Return(CKR_CRYPTOKI_ALREADY_INITIALIZED));
  EXPECT_CALL(mock, Finalize(_)).Times(0);
  auto m = Module::FromFunctionList(mock.FunctionList(), "mock");
  ASSERT_TRUE(m.ok());
}

TEST(CkrNameTest, KnownAndUnknown) {
  EXPECT_EQ(CkrName(CKR_PIN_INCORRECT), "CKR_PIN_INCORRECT");
  EXPECT_EQ(CkrName(0x8000ABCDUL), "CKR_0x8000ABCD");
  EXPECT_EQ(Pkcs11Error("x", CKR_DEVICE_MEMORY).code(), ErrorCode::kResourceExhausted);
  EXPECT_EQ(Pkcs11Error("x", CKR_TOKEN_WRITE_PROTECTED).code(), ErrorCode::kFailedPrecondition);
  EXPECT_EQ(Pkcs11Error("x", CKR_DEVICE_REMOVED).code(), ErrorCode::kUnavailable);
  EXPECT_EQ(Pkcs11Error("x", CKR_PIN_LOCKED).code(), ErrorCode::kPermissionDenied);
  EXPECT_EQ(Pkcs11Error("x", CKR_MECHANISM_INVALID).code(), ErrorCode::kUnimplemented);
}

}  // namespace
}  // namespace signet::hsm
