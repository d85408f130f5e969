#include "mock_pkcs11.h"

#include <cstdlib>

namespace signet::hsm::testing {
namespace {

using ::testing::_;
using ::testing::Invoke;
using ::testing::Return;

MockPkcs11* g_mock = nullptr;

MockPkcs11& M() {
  if (g_mock == nullptr) std::abort();
  return *g_mock;
}

extern "C" {
CK_RV FwdInitialize(CK_VOID_PTR a) { return M().Initialize(a); }
CK_RV FwdFinalize(CK_VOID_PTR a) { return M().Finalize(a); }
CK_RV FwdGetInfo(CK_INFO* i) { return M().GetInfo(i); }
CK_RV FwdGetSlotList(CK_BBOOL p, CK_SLOT_ID* s, CK_ULONG* n) { return M().GetSlotList(p, s, n); }
CK_RV FwdGetSlotInfo(CK_SLOT_ID s, CK_SLOT_INFO* i) { return M().GetSlotInfo(s, i); }
CK_RV FwdGetTokenInfo(CK_SLOT_ID s, CK_TOKEN_INFO* i) { return M().GetTokenInfo(s, i); }
CK_RV FwdGetMechanismList(CK_SLOT_ID s, CK_MECHANISM_TYPE* l, CK_ULONG* n) { return M().GetMechanismList(s, l, n); }
CK_RV FwdGetMechanismInfo(CK_SLOT_ID s, CK_MECHANISM_TYPE t, CK_MECHANISM_INFO* i) { return M().GetMechanismInfo(s, t, i); }
CK_RV FwdOpenSession(CK_SLOT_ID s, CK_FLAGS f, CK_VOID_PTR, CK_NOTIFY, CK_SESSION_HANDLE* h) { return M().OpenSession(s, f, h); }
CK_RV FwdCloseSession(CK_SESSION_HANDLE h) { return M().CloseSession(h); }
CK_RV FwdCloseAllSessions(CK_SLOT_ID s) { return M().CloseAllSessions(s); }
CK_RV FwdGetSessionInfo(CK_SESSION_HANDLE h, CK_SESSION_INFO* i) { return M().GetSessionInfo(h, i); }
CK_RV FwdLogin(CK_SESSION_HANDLE h, CK_USER_TYPE u, CK_UTF8CHAR* pin, CK_ULONG len) {
  return M().Login(h, u, std::string(reinterpret_cast<char*>(pin), len));
}
CK_RV FwdLogout(CK_SESSION_HANDLE h) { return M().Logout(h); }
CK_RV FwdDestroyObject(CK_SESSION_HANDLE h, CK_OBJECT_HANDLE o) { return M().DestroyObject(h, o); }
CK_RV FwdGetAttributeValue(CK_SESSION_HANDLE h, CK_OBJECT_HANDLE o, CK_ATTRIBUTE* t, CK_ULONG n) {
  return M().GetAttributeValue(h, o, t, n);
}
CK_RV FwdFindObjectsInit(CK_SESSION_HANDLE h, CK_ATTRIBUTE* t, CK_ULONG n) { return M().FindObjectsInit(h, t, n); }
CK_RV FwdFindObjects(CK_SESSION_HANDLE h, CK_OBJECT_HANDLE* o, CK_ULONG m, CK_ULONG* n) { return M().FindObjects(h, o, m, n); }
CK_RV FwdFindObjectsFinal(CK_SESSION_HANDLE h) { return M().FindObjectsFinal(h); }
CK_RV FwdSignInit(CK_SESSION_HANDLE h, CK_MECHANISM* m, CK_OBJECT_HANDLE k) { return M().SignInit(h, m, k); }
CK_RV FwdSign(CK_SESSION_HANDLE h, CK_BYTE* d, CK_ULONG dl, CK_BYTE* s, CK_ULONG* sl) { return M().Sign(h, d, dl, s, sl); }
CK_RV FwdGenerateKeyPair(CK_SESSION_HANDLE h, CK_MECHANISM* m, CK_ATTRIBUTE* pt, CK_ULONG pc, CK_ATTRIBUTE* vt,
                         CK_ULONG vc, CK_OBJECT_HANDLE* pk, CK_OBJECT_HANDLE* vk) {
  return M().GenerateKeyPair(h, m, pt, pc, vt, vc, pk, vk);
}
}

void Fill(unsigned char* field, size_t size, const char* text) {
  std::memset(field, ' ', size);
  std::memcpy(field, text, std::min(size, std::strlen(text)));
}

}  // namespace

MockPkcs11::MockPkcs11() {
  g_mock = this;
  ON_CALL(*this, Initialize(_)).WillByDefault(Return(CKR_OK));
  ON_CALL(*this, Finalize(_)).WillByDefault(Return(CKR_OK));
  ON_CALL(*this, GetInfo(_)).WillByDefault(Invoke([](CK_INFO* info) {
    std::memset(info, 0, sizeof *info);
    info->cryptokiVersion = {2, 40};
    Fill(info->manufacturerID, sizeof info->manufacturerID, "Signet tests");
    Fill(info->libraryDescription, sizeof info->libraryDescription, "gmock PKCS#11");
    info->libraryVersion = {1, 2};
    return CKR_OK;
  }));
  ON_CALL(*this, GetSlotList(_, _, _)).WillByDefault(Invoke([](CK_BBOOL, CK_SLOT_ID* slots, CK_ULONG* n) {
    if (slots != nullptr) {
      if (*n < 1) return CKR_BUFFER_TOO_SMALL;
      slots[0] = 7;
    }
    *n = 1;
    return CKR_OK;
  }));
  ON_CALL(*this, GetTokenInfo(_, _)).WillByDefault(Invoke([this](CK_SLOT_ID, CK_TOKEN_INFO* info) {
    std::memset(info, 0, sizeof *info);
    Fill(info->label, sizeof info->label, "mock");
    Fill(info->manufacturerID, sizeof info->manufacturerID, "Signet tests");
    Fill(info->model, sizeof info->model, "gmock");
    Fill(info->serialNumber, sizeof info->serialNumber, "0001");
    info->flags = token_flags.load();
    return CKR_OK;
  }));
  ON_CALL(*this, OpenSession(_, _, _)).WillByDefault(Invoke([this](CK_SLOT_ID, CK_FLAGS, CK_SESSION_HANDLE* h) {
    *h = next_session++;
    return CKR_OK;
  }));
  ON_CALL(*this, CloseSession(_)).WillByDefault(Return(CKR_OK));
  ON_CALL(*this, GetSessionInfo(_, _)).WillByDefault(Invoke([this](CK_SESSION_HANDLE, CK_SESSION_INFO* info) {
    std::memset(info, 0, sizeof *info);
    info->slotID = 7;
    info->state = logged_in ? CKS_RO_USER_FUNCTIONS : CKS_RO_PUBLIC_SESSION;
    return CKR_OK;
  }));
  ON_CALL(*this, Login(_, _, _)).WillByDefault(Invoke([this](CK_SESSION_HANDLE, CK_USER_TYPE, const std::string& p) {
    if (p != pin) return CKR_PIN_INCORRECT;
    if (logged_in.exchange(true)) return CKR_USER_ALREADY_LOGGED_IN;
    return CKR_OK;
  }));
  ON_CALL(*this, GetMechanismInfo(_, _, _)).WillByDefault(Invoke([](CK_SLOT_ID, CK_MECHANISM_TYPE t, CK_MECHANISM_INFO* i) {
    std::memset(i, 0, sizeof *i);
    if (t == CKM_EC_KEY_PAIR_GEN || t == CKM_RSA_PKCS_KEY_PAIR_GEN) i->flags = CKF_GENERATE_KEY_PAIR;
    else if (t == CKM_ECDSA || t == CKM_RSA_PKCS_PSS) i->flags = CKF_SIGN;
    else return CKR_MECHANISM_INVALID;  // no Ed25519 on the mock token
    i->ulMaxKeySize = 4096;
    return CKR_OK;
  }));
  ON_CALL(*this, FindObjectsInit(_, _, _)).WillByDefault(Return(CKR_OK));
  ON_CALL(*this, FindObjects(_, _, _, _)).WillByDefault(Invoke([](CK_SESSION_HANDLE, CK_OBJECT_HANDLE*, CK_ULONG, CK_ULONG* n) {
    *n = 0;
    return CKR_OK;
  }));
  ON_CALL(*this, FindObjectsFinal(_)).WillByDefault(Return(CKR_OK));
}

MockPkcs11::~MockPkcs11() { g_mock = nullptr; }

CK_FUNCTION_LIST* MockPkcs11::FunctionList() {
  static CK_FUNCTION_LIST table = [] {
    CK_FUNCTION_LIST t{};
    t.version = {2, 40};
    t.C_Initialize = FwdInitialize;
    t.C_Finalize = FwdFinalize;
    t.C_GetInfo = FwdGetInfo;
    t.C_GetSlotList = FwdGetSlotList;
    t.C_GetSlotInfo = FwdGetSlotInfo;
    t.C_GetTokenInfo = FwdGetTokenInfo;
    t.C_GetMechanismList = FwdGetMechanismList;
    t.C_GetMechanismInfo = FwdGetMechanismInfo;
    t.C_OpenSession = FwdOpenSession;
    t.C_CloseSession = FwdCloseSession;
    t.C_CloseAllSessions = FwdCloseAllSessions;
    t.C_GetSessionInfo = FwdGetSessionInfo;
    t.C_Login = FwdLogin;
    t.C_Logout = FwdLogout;
    t.C_DestroyObject = FwdDestroyObject;
    t.C_GetAttributeValue = FwdGetAttributeValue;
    t.C_FindObjectsInit = FwdFindObjectsInit;
    t.C_FindObjects = FwdFindObjects;
    t.C_FindObjectsFinal = FwdFindObjectsFinal;
    t.C_SignInit = FwdSignInit;
    t.C_Sign = FwdSign;
    t.C_GenerateKeyPair = FwdGenerateKeyPair;
    return t;
  }();
  return &table;
}

}  // namespace signet::hsm::testing
