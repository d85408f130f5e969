// The PKCS#11 (Cryptoki) ABI, from p11-kit's pkcs11.h (Debian libp11-kit-dev,
// /usr/include/p11-kit-1/p11-kit/pkcs11.h): one maintained transcription of the OASIS headers,
// used by p11-kit, GnuTLS and the PKCS#11 modules on the same system, instead of a hand-written
// copy. Only hsm/, its tests and the test shim include this header: nothing above hsm/ sees a
// PKCS#11 type.
//
// The one thing added here: p11-kit 0.24 (Debian 12) speaks Cryptoki 2.40 and lacks the v3.0
// interface discovery (PKCS#11 v3.0 §3.8 CK_INTERFACE, §5.2 C_GetInterface). Module::Load prefers
// C_GetInterface when a module exports it; those two declarations follow the v3.0 specification
// and are checked by tests/unit/hsm/pkcs11_abi_test.cc. When p11-kit provides them (0.25+,
// CKF_INTERFACE_FORK_SAFE defined), its own definitions are used.
#ifndef SIGNET_HSM_PKCS11_H_
#define SIGNET_HSM_PKCS11_H_

// The header lives in p11-kit's own include directory; naming it from /usr/include keeps every
// target that includes us (including the test shim, which links nothing) free of extra flags.
#include <p11-kit-1/p11-kit/pkcs11.h>

#ifndef CKF_INTERFACE_FORK_SAFE
extern "C" {

// CK_INTERFACE is one entry of the v3.0 interface list (v3.0 §3.8).
typedef struct CK_INTERFACE {
  CK_CHAR* pInterfaceName;
  CK_VOID_PTR pFunctionList;
  CK_FLAGS flags;
} CK_INTERFACE;

// CK_C_GetInterface is the type of C_GetInterface (v3.0 §5.2).
typedef CK_RV (*CK_C_GetInterface)(CK_UTF8CHAR* pInterfaceName, CK_VERSION* pVersion, CK_INTERFACE** ppInterface,
                                   CK_FLAGS flags);

}  // extern "C"
#endif  // CKF_INTERFACE_FORK_SAFE

// CKM_AES_KEY_WRAP_KWP is RFC 5649 key wrapping under its PKCS#11 v3.0 name (v3.0 Current
// Mechanisms §2.14.3); p11-kit 0.24 knows only the pre-3.0 CKM_AES_KEY_WRAP_PAD.
#ifndef CKM_AES_KEY_WRAP_KWP
#define CKM_AES_KEY_WRAP_KWP 0x0000210BUL
#endif

// The PKCS#11 names are global C names; this namespace only keeps `using namespace
// signet::hsm` in the test shim meaningful.
namespace signet::hsm {}

#endif  // SIGNET_HSM_PKCS11_H_
