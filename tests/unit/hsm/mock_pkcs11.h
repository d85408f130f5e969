// A gmock of the PKCS#11 function table: MockPkcs11 has one mock method per entry point signet
// calls, and FunctionList() returns a CK_FUNCTION_LIST whose entries forward to the active mock.
// The defaults model a healthy token in slot 7 labelled "mock" that needs a login, in a library
// that reports manufacturer "Signet tests", description "gmock PKCS#11" and version 1.2.
#ifndef SIGNET_TESTS_UNIT_HSM_MOCK_PKCS11_H_
#define SIGNET_TESTS_UNIT_HSM_MOCK_PKCS11_H_

#include <gmock/gmock.h>

#include <atomic>
#include <cstring>
#include <set>

#include "signet/hsm/pkcs11.h"

namespace signet::hsm::testing {

class MockPkcs11 {
 public:
  MockPkcs11();
  ~MockPkcs11();

  MOCK_METHOD(CK_RV, Initialize, (CK_VOID_PTR));
  MOCK_METHOD(CK_RV, Finalize, (CK_VOID_PTR));
  MOCK_METHOD(CK_RV, GetInfo, (CK_INFO*));
  MOCK_METHOD(CK_RV, GetSlotList, (CK_BBOOL, CK_SLOT_ID*, CK_ULONG*));
  MOCK_METHOD(CK_RV, GetSlotInfo, (CK_SLOT_ID, CK_SLOT_INFO*));
  MOCK_METHOD(CK_RV, GetTokenInfo, (CK_SLOT_ID, CK_TOKEN_INFO*));
  MOCK_METHOD(CK_RV, GetMechanismList, (CK_SLOT_ID, CK_MECHANISM_TYPE*, CK_ULONG*));
  MOCK_METHOD(CK_RV, GetMechanismInfo, (CK_SLOT_ID, CK_MECHANISM_TYPE, CK_MECHANISM_INFO*));
  MOCK_METHOD(CK_RV, OpenSession, (CK_SLOT_ID, CK_FLAGS, CK_SESSION_HANDLE*));
  MOCK_METHOD(CK_RV, CloseSession, (CK_SESSION_HANDLE));
  MOCK_METHOD(CK_RV, CloseAllSessions, (CK_SLOT_ID));
  MOCK_METHOD(CK_RV, GetSessionInfo, (CK_SESSION_HANDLE, CK_SESSION_INFO*));
  MOCK_METHOD(CK_RV, Login, (CK_SESSION_HANDLE, CK_USER_TYPE, std::string));
  MOCK_METHOD(CK_RV, Logout, (CK_SESSION_HANDLE));
  MOCK_METHOD(CK_RV, DestroyObject, (CK_SESSION_HANDLE, CK_OBJECT_HANDLE));
  MOCK_METHOD(CK_RV, GetAttributeValue, (CK_SESSION_HANDLE, CK_OBJECT_HANDLE, CK_ATTRIBUTE*, CK_ULONG));
  MOCK_METHOD(CK_RV, FindObjectsInit, (CK_SESSION_HANDLE, CK_ATTRIBUTE*, CK_ULONG));
  MOCK_METHOD(CK_RV, FindObjects, (CK_SESSION_HANDLE, CK_OBJECT_HANDLE*, CK_ULONG, CK_ULONG*));
  MOCK_METHOD(CK_RV, FindObjectsFinal, (CK_SESSION_HANDLE));
  MOCK_METHOD(CK_RV, SignInit, (CK_SESSION_HANDLE, CK_MECHANISM*, CK_OBJECT_HANDLE));
  MOCK_METHOD(CK_RV, Sign, (CK_SESSION_HANDLE, CK_BYTE*, CK_ULONG, CK_BYTE*, CK_ULONG*));
  MOCK_METHOD(CK_RV, GenerateKeyPair, (CK_SESSION_HANDLE, CK_MECHANISM*, CK_ATTRIBUTE*, CK_ULONG, CK_ATTRIBUTE*,
                                       CK_ULONG, CK_OBJECT_HANDLE*, CK_OBJECT_HANDLE*));

  // FunctionList returns the table that forwards to this mock.
  CK_FUNCTION_LIST* FunctionList();

  // State behind the default actions.
  std::atomic<bool> logged_in{false};
  std::atomic<CK_SESSION_HANDLE> next_session{100};
  std::atomic<CK_FLAGS> token_flags{CKF_LOGIN_REQUIRED | CKF_TOKEN_INITIALIZED};
  std::string pin = "1234";
};

}  // namespace signet::hsm::testing

#endif  // SIGNET_TESTS_UNIT_HSM_MOCK_PKCS11_H_
