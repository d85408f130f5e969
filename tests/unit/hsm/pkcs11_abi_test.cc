// signet::hsm takes the PKCS#11 ABI from p11-kit's pkcs11.h (issue 12 item 16). These checks pin
// what signet itself adds or relies on, so a different or older header cannot slip in unnoticed:
//   - the header is p11-kit's (its revision macro), Cryptoki 2.40;
//   - the only hand-written declarations left, the v3.0 CK_INTERFACE and C_GetInterface types
//     (p11-kit 0.24 lacks them), have the layout of PKCS#11 v3.0 §3.8 on this platform;
//   - the v2.x function table starts where the v3.0 "PKCS 11" interface table starts (Module::Load
//     reads a 3.0 table through CK_FUNCTION_LIST), and its size is the 2.40 count of 68 entries.
#include <gtest/gtest.h>

#include <cstddef>
#include <type_traits>

#include "signet/hsm/module.h"
#include "signet/hsm/pkcs11.h"

#ifndef P11_KIT_CRYPTOKI_VERSION_REVISION
#error "signet/hsm/pkcs11.h must come from p11-kit (libp11-kit-dev)"
#endif

namespace {

TEST(Pkcs11AbiTest, HeaderIsP11KitsCryptoki240) {
  EXPECT_EQ(CRYPTOKI_VERSION_MAJOR, 2);
  EXPECT_GE(CRYPTOKI_VERSION_MINOR, 40);
}

TEST(Pkcs11AbiTest, InterfaceDeclarationHasTheV3Layout) {
  // v3.0 §3.8: { CK_CHAR_PTR pInterfaceName; CK_VOID_PTR pFunctionList; CK_FLAGS flags; }
  EXPECT_EQ(offsetof(CK_INTERFACE, pInterfaceName), 0u);
  EXPECT_EQ(offsetof(CK_INTERFACE, pFunctionList), sizeof(void*));
  EXPECT_EQ(offsetof(CK_INTERFACE, flags), 2 * sizeof(void*));
  EXPECT_EQ(sizeof(CK_INTERFACE), 2 * sizeof(void*) + sizeof(CK_ULONG));
  using Expected = CK_RV (*)(CK_UTF8CHAR*, CK_VERSION*, CK_INTERFACE**, CK_FLAGS);
  EXPECT_TRUE((std::is_same_v<CK_C_GetInterface, Expected>));
}

TEST(Pkcs11AbiTest, FunctionTableIsTheV2Prefix) {
  // CK_VERSION (2 bytes, padded to a pointer) followed by the 68 entry points of v2.40 §5.2, in
  // order; v3.0's CK_FUNCTION_LIST_3_0 starts with exactly these.
  EXPECT_EQ(sizeof(CK_FUNCTION_LIST), sizeof(void*) * (1 + 68));
  EXPECT_EQ(offsetof(CK_FUNCTION_LIST, C_Initialize), sizeof(void*));
  EXPECT_EQ(offsetof(CK_FUNCTION_LIST, C_GetInfo), 3 * sizeof(void*));
  EXPECT_EQ(offsetof(CK_FUNCTION_LIST, C_Login), 19 * sizeof(void*));
  EXPECT_EQ(offsetof(CK_FUNCTION_LIST, C_Sign), 44 * sizeof(void*));
  EXPECT_EQ(offsetof(CK_FUNCTION_LIST, C_WaitForSlotEvent), 68 * sizeof(void*));
  // The calls signet makes, with the argument types it passes.
  EXPECT_TRUE((std::is_same_v<decltype(CK_FUNCTION_LIST::C_Login), CK_RV (*)(CK_SESSION_HANDLE, CK_USER_TYPE,
                                                                              CK_UTF8CHAR*, CK_ULONG)>));
  EXPECT_TRUE((std::is_same_v<decltype(CK_FUNCTION_LIST::C_Sign),
                              CK_RV (*)(CK_SESSION_HANDLE, CK_BYTE*, CK_ULONG, CK_BYTE*, CK_ULONG*)>));
  EXPECT_TRUE((std::is_same_v<decltype(CK_FUNCTION_LIST::C_GetInfo), CK_RV (*)(CK_INFO*)>));
}

TEST(Pkcs11AbiTest, ConstantsSignetMapsToErrors) {
  // Spot checks against the OASIS constant tables: a header with different numbering would turn
  // a locked PIN into a retry, or a vanished token into an internal error.
  EXPECT_EQ(CKR_PIN_INCORRECT, 0xA0UL);
  EXPECT_EQ(CKR_PIN_LOCKED, 0xA4UL);
  EXPECT_EQ(CKR_DEVICE_REMOVED, 0x32UL);
  EXPECT_EQ(CKR_SESSION_HANDLE_INVALID, 0xB3UL);
  EXPECT_EQ(CKR_USER_NOT_LOGGED_IN, 0x101UL);
  EXPECT_EQ(CKM_EDDSA, 0x1057UL);
  EXPECT_EQ(CKA_NEVER_EXTRACTABLE, 0x164UL);
  EXPECT_EQ(signet::hsm::CkrName(CKR_PIN_LOCKED), "CKR_PIN_LOCKED");
}

}  // namespace
