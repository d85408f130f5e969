// A PKCS#11 module for tests that wraps a real one (SIGNET_FAULT_P11_TARGET, e.g. SoftHSM2) and
// injects one fault chosen by SIGNET_FAULT_P11_MODE:
//   locked    the token reports CKF_USER_PIN_LOCKED and C_Login returns CKR_PIN_LOCKED
//   readonly  the token reports CKF_WRITE_PROTECTED and read/write sessions are refused
//   full      C_GenerateKeyPair returns CKR_DEVICE_MEMORY
//   corrupt   C_Sign (the single-part call Signet uses) succeeds but flips one bit of the
//             signature it returns (a faulty device: the host must notice it does not verify)
//   slow      C_Sign first sleeps SIGNET_FAULT_P11_DELAY_MS (default 200) milliseconds: a slow
//             HSM, so that requests are surely in flight when a daemon is stopped
//   (unset)   everything passes through
// It exports only C_GetInterface (PKCS#11 3.0 style), so it also exercises that entry point.
// SoftHSM2 cannot lock a PIN or be made read-only for root, hence this shim.
#include <dlfcn.h>

#include <chrono>
#include <cstdlib>
#include <cstring>
#include <mutex>
#include <string>
#include <thread>

#include "signet/hsm/pkcs11.h"

using namespace signet::hsm;  // NOLINT: test shim mirroring the C API

namespace {

CK_FUNCTION_LIST g_real{};
CK_FUNCTION_LIST g_table{};
std::once_flag g_once;
bool g_ok = false;

std::string Mode() {
  const char* m = std::getenv("SIGNET_FAULT_P11_MODE");
  return m != nullptr ? m : "";
}

extern "C" {
CK_RV FaultGetTokenInfo(CK_SLOT_ID slot, CK_TOKEN_INFO* info) {
  const CK_RV rv = g_real.C_GetTokenInfo(slot, info);
  if (rv != CKR_OK) return rv;
  if (Mode() == "locked") info->flags |= CKF_USER_PIN_LOCKED;
  if (Mode() == "readonly") info->flags |= CKF_WRITE_PROTECTED;
  return rv;
}
CK_RV FaultLogin(CK_SESSION_HANDLE s, CK_USER_TYPE u, CK_UTF8CHAR* pin, CK_ULONG len) {
  if (Mode() == "locked") return CKR_PIN_LOCKED;
  return g_real.C_Login(s, u, pin, len);
}
CK_RV FaultOpenSession(CK_SLOT_ID slot, CK_FLAGS flags, CK_VOID_PTR app, CK_NOTIFY notify, CK_SESSION_HANDLE* h) {
  if (Mode() == "readonly" && (flags & CKF_RW_SESSION) != 0) return CKR_TOKEN_WRITE_PROTECTED;
  return g_real.C_OpenSession(slot, flags, app, notify, h);
}
CK_RV FaultGenerateKeyPair(CK_SESSION_HANDLE s, CK_MECHANISM* m, CK_ATTRIBUTE* pt, CK_ULONG pc, CK_ATTRIBUTE* vt,
                           CK_ULONG vc, CK_OBJECT_HANDLE* pk, CK_OBJECT_HANDLE* vk) {
  if (Mode() == "full") return CKR_DEVICE_MEMORY;
  return g_real.C_GenerateKeyPair(s, m, pt, pc, vt, vc, pk, vk);
}

// Corrupt flips the last bit of a signature the real module produced (for ECDSA that is the
// low bit of s, for RSA-PSS and Ed25519 a bit of the signature value).
void Corrupt(CK_RV rv, CK_BYTE* sig, const CK_ULONG* len) {
  if (rv == CKR_OK && sig != nullptr && len != nullptr && *len > 0 && Mode() == "corrupt") sig[*len - 1] ^= 0x01;
}
CK_RV FaultSign(CK_SESSION_HANDLE s, CK_BYTE* data, CK_ULONG data_len, CK_BYTE* sig, CK_ULONG* sig_len) {
  if (Mode() == "slow") {
    const char* ms = std::getenv("SIGNET_FAULT_P11_DELAY_MS");
    std::this_thread::sleep_for(std::chrono::milliseconds(ms != nullptr ? std::atoi(ms) : 200));
  }
  const CK_RV rv = g_real.C_Sign(s, data, data_len, sig, sig_len);
  Corrupt(rv, sig, sig_len);
  return rv;
}

void Load() {
  const char* target = std::getenv("SIGNET_FAULT_P11_TARGET");
  if (target == nullptr) return;
  void* lib = dlopen(target, RTLD_NOW | RTLD_LOCAL);
  if (lib == nullptr) return;
  auto get = reinterpret_cast<CK_C_GetFunctionList>(dlsym(lib, "C_GetFunctionList"));
  CK_FUNCTION_LIST* real = nullptr;
  if (get == nullptr || get(&real) != CKR_OK || real == nullptr) return;
  g_real = *real;
  g_table = *real;
  g_table.version = {2, 40};
  g_table.C_GetTokenInfo = FaultGetTokenInfo;
  g_table.C_Login = FaultLogin;
  g_table.C_OpenSession = FaultOpenSession;
  g_table.C_GenerateKeyPair = FaultGenerateKeyPair;
  g_table.C_Sign = FaultSign;
  g_ok = true;
}

}  // extern "C"

}  // namespace

extern "C" __attribute__((visibility("default"))) CK_RV C_GetInterface(CK_UTF8CHAR* name, CK_VERSION*, CK_INTERFACE** iface,
                                                            CK_FLAGS) {
  std::call_once(g_once, Load);
  if (!g_ok) return CKR_GENERAL_ERROR;
  if (name != nullptr && std::strcmp(reinterpret_cast<const char*>(name), "PKCS 11") != 0) return CKR_ARGUMENTS_BAD;
  static CK_UTF8CHAR kName[] = "PKCS 11";
  static CK_INTERFACE interface{kName, &g_table, 0};
  *iface = &interface;
  return CKR_OK;
}
