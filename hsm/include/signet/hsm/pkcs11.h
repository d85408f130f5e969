// The subset of the PKCS#11 (Cryptoki) ABI that signet::hsm uses, written from the OASIS
// PKCS#11 v2.40 and v3.0 base specifications (§3 data types, §5 function list, appendix of
// constants). Only hsm/ and its tests include this header: nothing above hsm/ sees these types.
//
// Layout rules (PKCS#11 v2.40 §2.1 for Unix): CK_ULONG is `unsigned long`, structures use the
// platform's default packing, function pointers use the C calling convention.
#ifndef SIGNET_HSM_PKCS11_H_
#define SIGNET_HSM_PKCS11_H_

namespace signet::hsm {

extern "C" {

using CK_BYTE = unsigned char;
using CK_CHAR = unsigned char;
using CK_UTF8CHAR = unsigned char;
using CK_BBOOL = unsigned char;
using CK_ULONG = unsigned long;  // NOLINT(runtime/int): fixed by the PKCS#11 ABI
using CK_FLAGS = CK_ULONG;
using CK_RV = CK_ULONG;
using CK_SLOT_ID = CK_ULONG;
using CK_SESSION_HANDLE = CK_ULONG;
using CK_OBJECT_HANDLE = CK_ULONG;
using CK_OBJECT_CLASS = CK_ULONG;
using CK_KEY_TYPE = CK_ULONG;
using CK_ATTRIBUTE_TYPE = CK_ULONG;
using CK_MECHANISM_TYPE = CK_ULONG;
using CK_USER_TYPE = CK_ULONG;
using CK_STATE = CK_ULONG;
using CK_NOTIFICATION = CK_ULONG;
using CK_VOID_PTR = void*;

// CK_VERSION is a major.minor pair (v2.40 §3.1).
struct CK_VERSION {
  CK_BYTE major;
  CK_BYTE minor;
};

// CK_INFO describes the library (v2.40 §3.1).
struct CK_INFO {
  CK_VERSION cryptokiVersion;
  CK_UTF8CHAR manufacturerID[32];
  CK_FLAGS flags;
  CK_UTF8CHAR libraryDescription[32];
  CK_VERSION libraryVersion;
};

// CK_SLOT_INFO describes a slot (v2.40 §3.2).
struct CK_SLOT_INFO {
  CK_UTF8CHAR slotDescription[64];
  CK_UTF8CHAR manufacturerID[32];
  CK_FLAGS flags;
  CK_VERSION hardwareVersion;
  CK_VERSION firmwareVersion;
};

// CK_TOKEN_INFO describes a token (v2.40 §3.2). Text fields are blank-padded, not terminated.
struct CK_TOKEN_INFO {
  CK_UTF8CHAR label[32];
  CK_UTF8CHAR manufacturerID[32];
  CK_UTF8CHAR model[16];
  CK_CHAR serialNumber[16];
  CK_FLAGS flags;
  CK_ULONG ulMaxSessionCount;
  CK_ULONG ulSessionCount;
  CK_ULONG ulMaxRwSessionCount;
  CK_ULONG ulRwSessionCount;
  CK_ULONG ulMaxPinLen;
  CK_ULONG ulMinPinLen;
  CK_ULONG ulTotalPublicMemory;
  CK_ULONG ulFreePublicMemory;
  CK_ULONG ulTotalPrivateMemory;
  CK_ULONG ulFreePrivateMemory;
  CK_VERSION hardwareVersion;
  CK_VERSION firmwareVersion;
  CK_CHAR utcTime[16];
};

// CK_SESSION_INFO describes a session (v2.40 §3.3).
struct CK_SESSION_INFO {
  CK_SLOT_ID slotID;
  CK_STATE state;
  CK_FLAGS flags;
  CK_ULONG ulDeviceError;
};

// CK_ATTRIBUTE is one type/value pair of a template (v2.40 §3.4).
struct CK_ATTRIBUTE {
  CK_ATTRIBUTE_TYPE type;
  CK_VOID_PTR pValue;
  CK_ULONG ulValueLen;
};

// CK_MECHANISM selects a mechanism and its parameters (v2.40 §3.6).
struct CK_MECHANISM {
  CK_MECHANISM_TYPE mechanism;
  CK_VOID_PTR pParameter;
  CK_ULONG ulParameterLen;
};

// CK_MECHANISM_INFO describes a mechanism's key sizes and uses (v2.40 §3.6).
struct CK_MECHANISM_INFO {
  CK_ULONG ulMinKeySize;
  CK_ULONG ulMaxKeySize;
  CK_FLAGS flags;
};

// CK_RSA_PKCS_PSS_PARAMS parameterises CKM_RSA_PKCS_PSS (PKCS#11 Current Mechanisms §2.1.14).
struct CK_RSA_PKCS_PSS_PARAMS {
  CK_MECHANISM_TYPE hashAlg;
  CK_ULONG mgf;
  CK_ULONG sLen;
};

using CK_NOTIFY = CK_RV (*)(CK_SESSION_HANDLE, CK_NOTIFICATION, CK_VOID_PTR);
using CK_CREATEMUTEX = CK_RV (*)(CK_VOID_PTR*);
using CK_DESTROYMUTEX = CK_RV (*)(CK_VOID_PTR);
using CK_LOCKMUTEX = CK_RV (*)(CK_VOID_PTR);
using CK_UNLOCKMUTEX = CK_RV (*)(CK_VOID_PTR);

// CK_C_INITIALIZE_ARGS is C_Initialize's argument (v2.40 §5.4).
struct CK_C_INITIALIZE_ARGS {
  CK_CREATEMUTEX CreateMutex;
  CK_DESTROYMUTEX DestroyMutex;
  CK_LOCKMUTEX LockMutex;
  CK_UNLOCKMUTEX UnlockMutex;
  CK_FLAGS flags;
  CK_VOID_PTR pReserved;
};

struct CK_FUNCTION_LIST;
// CK_UNUSED_FN stands in for entry points signet never calls; only its size matters.
using CK_UNUSED_FN = CK_RV (*)();

// CK_FUNCTION_LIST is the v2.x function table (v2.40 §5.2). Its order is ABI: the v3.0
// CK_FUNCTION_LIST_3_0 starts with exactly these members, so a 3.0 table can be read as this.
struct CK_FUNCTION_LIST {
  CK_VERSION version;
  CK_RV (*C_Initialize)(CK_VOID_PTR init_args);
  CK_RV (*C_Finalize)(CK_VOID_PTR reserved);
  CK_RV (*C_GetInfo)(CK_INFO* info);
  CK_RV (*C_GetFunctionList)(CK_FUNCTION_LIST** list);
  CK_RV (*C_GetSlotList)(CK_BBOOL token_present, CK_SLOT_ID* slots, CK_ULONG* count);
  CK_RV (*C_GetSlotInfo)(CK_SLOT_ID slot, CK_SLOT_INFO* info);
  CK_RV (*C_GetTokenInfo)(CK_SLOT_ID slot, CK_TOKEN_INFO* info);
  CK_RV (*C_GetMechanismList)(CK_SLOT_ID slot, CK_MECHANISM_TYPE* list, CK_ULONG* count);
  CK_RV (*C_GetMechanismInfo)(CK_SLOT_ID slot, CK_MECHANISM_TYPE type, CK_MECHANISM_INFO* info);
  CK_UNUSED_FN C_InitToken;
  CK_UNUSED_FN C_InitPIN;
  CK_UNUSED_FN C_SetPIN;
  CK_RV (*C_OpenSession)(CK_SLOT_ID slot, CK_FLAGS flags, CK_VOID_PTR app, CK_NOTIFY notify,
                         CK_SESSION_HANDLE* session);
  CK_RV (*C_CloseSession)(CK_SESSION_HANDLE session);
  CK_RV (*C_CloseAllSessions)(CK_SLOT_ID slot);
  CK_RV (*C_GetSessionInfo)(CK_SESSION_HANDLE session, CK_SESSION_INFO* info);
  CK_UNUSED_FN C_GetOperationState;
  CK_UNUSED_FN C_SetOperationState;
  CK_RV (*C_Login)(CK_SESSION_HANDLE session, CK_USER_TYPE user, CK_UTF8CHAR* pin, CK_ULONG pin_len);
  CK_RV (*C_Logout)(CK_SESSION_HANDLE session);
  CK_UNUSED_FN C_CreateObject;
  CK_UNUSED_FN C_CopyObject;
  CK_RV (*C_DestroyObject)(CK_SESSION_HANDLE session, CK_OBJECT_HANDLE object);
  CK_UNUSED_FN C_GetObjectSize;
  CK_RV (*C_GetAttributeValue)(CK_SESSION_HANDLE session, CK_OBJECT_HANDLE object,
                               CK_ATTRIBUTE* templ, CK_ULONG count);
  CK_UNUSED_FN C_SetAttributeValue;
  CK_RV (*C_FindObjectsInit)(CK_SESSION_HANDLE session, CK_ATTRIBUTE* templ, CK_ULONG count);
  CK_RV (*C_FindObjects)(CK_SESSION_HANDLE session, CK_OBJECT_HANDLE* objects, CK_ULONG max,
                         CK_ULONG* count);
  CK_RV (*C_FindObjectsFinal)(CK_SESSION_HANDLE session);
  CK_UNUSED_FN C_EncryptInit;
  CK_UNUSED_FN C_Encrypt;
  CK_UNUSED_FN C_EncryptUpdate;
  CK_UNUSED_FN C_EncryptFinal;
  CK_UNUSED_FN C_DecryptInit;
  CK_UNUSED_FN C_Decrypt;
  CK_UNUSED_FN C_DecryptUpdate;
  CK_UNUSED_FN C_DecryptFinal;
  CK_UNUSED_FN C_DigestInit;
  CK_UNUSED_FN C_Digest;
  CK_UNUSED_FN C_DigestUpdate;
  CK_UNUSED_FN C_DigestKey;
  CK_UNUSED_FN C_DigestFinal;
  CK_RV (*C_SignInit)(CK_SESSION_HANDLE session, CK_MECHANISM* mechanism, CK_OBJECT_HANDLE key);
  CK_RV (*C_Sign)(CK_SESSION_HANDLE session, CK_BYTE* data, CK_ULONG data_len, CK_BYTE* signature,
                  CK_ULONG* signature_len);
  CK_UNUSED_FN C_SignUpdate;
  CK_UNUSED_FN C_SignFinal;
  CK_UNUSED_FN C_SignRecoverInit;
  CK_UNUSED_FN C_SignRecover;
  CK_UNUSED_FN C_VerifyInit;
  CK_UNUSED_FN C_Verify;
  CK_UNUSED_FN C_VerifyUpdate;
  CK_UNUSED_FN C_VerifyFinal;
  CK_UNUSED_FN C_VerifyRecoverInit;
  CK_UNUSED_FN C_VerifyRecover;
  CK_UNUSED_FN C_DigestEncryptUpdate;
  CK_UNUSED_FN C_DecryptDigestUpdate;
  CK_UNUSED_FN C_SignEncryptUpdate;
  CK_UNUSED_FN C_DecryptVerifyUpdate;
  CK_UNUSED_FN C_GenerateKey;
  CK_RV (*C_GenerateKeyPair)(CK_SESSION_HANDLE session, CK_MECHANISM* mechanism,
                             CK_ATTRIBUTE* public_templ, CK_ULONG public_count,
                             CK_ATTRIBUTE* private_templ, CK_ULONG private_count,
                             CK_OBJECT_HANDLE* public_key, CK_OBJECT_HANDLE* private_key);
  CK_UNUSED_FN C_WrapKey;
  CK_UNUSED_FN C_UnwrapKey;
  CK_UNUSED_FN C_DeriveKey;
  CK_UNUSED_FN C_SeedRandom;
  CK_RV (*C_GenerateRandom)(CK_SESSION_HANDLE session, CK_BYTE* data, CK_ULONG len);
  CK_UNUSED_FN C_GetFunctionStatus;
  CK_UNUSED_FN C_CancelFunction;
  CK_UNUSED_FN C_WaitForSlotEvent;
};

// CK_INTERFACE is one entry of the v3.0 interface list (v3.0 §3.8).
struct CK_INTERFACE {
  CK_CHAR* pInterfaceName;
  CK_VOID_PTR pFunctionList;
  CK_FLAGS flags;
};

using CK_C_GetFunctionList = CK_RV (*)(CK_FUNCTION_LIST** list);
using CK_C_GetInterface = CK_RV (*)(CK_UTF8CHAR* name, CK_VERSION* version, CK_INTERFACE** iface,
                                    CK_FLAGS flags);

}  // extern "C"

// Constants (PKCS#11 v2.40 / v3.0 tables, "Current Mechanisms" for mechanism numbers).
inline constexpr CK_ULONG CK_UNAVAILABLE_INFORMATION = ~0UL;
inline constexpr CK_BBOOL CK_TRUE = 1;
inline constexpr CK_BBOOL CK_FALSE = 0;

inline constexpr CK_FLAGS CKF_TOKEN_PRESENT = 0x1;        // slot flag
inline constexpr CK_FLAGS CKF_WRITE_PROTECTED = 0x2;      // token flag
inline constexpr CK_FLAGS CKF_LOGIN_REQUIRED = 0x4;       // token flag
inline constexpr CK_FLAGS CKF_TOKEN_INITIALIZED = 0x400;  // token flag
inline constexpr CK_FLAGS CKF_USER_PIN_COUNT_LOW = 0x10000;
inline constexpr CK_FLAGS CKF_USER_PIN_FINAL_TRY = 0x20000;
inline constexpr CK_FLAGS CKF_USER_PIN_LOCKED = 0x40000;
inline constexpr CK_FLAGS CKF_RW_SESSION = 0x2;           // session flag
inline constexpr CK_FLAGS CKF_SERIAL_SESSION = 0x4;       // session flag
inline constexpr CK_FLAGS CKF_OS_LOCKING_OK = 0x2;        // C_Initialize flag
inline constexpr CK_FLAGS CKF_SIGN = 0x800;               // mechanism flag
inline constexpr CK_FLAGS CKF_GENERATE_KEY_PAIR = 0x10000;  // mechanism flag

inline constexpr CK_USER_TYPE CKU_SO = 0;
inline constexpr CK_USER_TYPE CKU_USER = 1;
inline constexpr CK_STATE CKS_RO_PUBLIC_SESSION = 0;
inline constexpr CK_STATE CKS_RO_USER_FUNCTIONS = 1;
inline constexpr CK_STATE CKS_RW_PUBLIC_SESSION = 2;
inline constexpr CK_STATE CKS_RW_USER_FUNCTIONS = 3;
inline constexpr CK_STATE CKS_RW_SO_FUNCTIONS = 4;

inline constexpr CK_OBJECT_CLASS CKO_PUBLIC_KEY = 2;
inline constexpr CK_OBJECT_CLASS CKO_PRIVATE_KEY = 3;
inline constexpr CK_KEY_TYPE CKK_RSA = 0;
inline constexpr CK_KEY_TYPE CKK_EC = 3;
inline constexpr CK_KEY_TYPE CKK_EC_EDWARDS = 0x40;

inline constexpr CK_ATTRIBUTE_TYPE CKA_CLASS = 0x0;
inline constexpr CK_ATTRIBUTE_TYPE CKA_TOKEN = 0x1;
inline constexpr CK_ATTRIBUTE_TYPE CKA_PRIVATE = 0x2;
inline constexpr CK_ATTRIBUTE_TYPE CKA_LABEL = 0x3;
inline constexpr CK_ATTRIBUTE_TYPE CKA_VALUE = 0x11;
inline constexpr CK_ATTRIBUTE_TYPE CKA_KEY_TYPE = 0x100;
inline constexpr CK_ATTRIBUTE_TYPE CKA_ID = 0x102;
inline constexpr CK_ATTRIBUTE_TYPE CKA_SENSITIVE = 0x103;
inline constexpr CK_ATTRIBUTE_TYPE CKA_ENCRYPT = 0x104;
inline constexpr CK_ATTRIBUTE_TYPE CKA_DECRYPT = 0x105;
inline constexpr CK_ATTRIBUTE_TYPE CKA_WRAP = 0x106;
inline constexpr CK_ATTRIBUTE_TYPE CKA_UNWRAP = 0x107;
inline constexpr CK_ATTRIBUTE_TYPE CKA_SIGN = 0x108;
inline constexpr CK_ATTRIBUTE_TYPE CKA_SIGN_RECOVER = 0x109;
inline constexpr CK_ATTRIBUTE_TYPE CKA_VERIFY = 0x10A;
inline constexpr CK_ATTRIBUTE_TYPE CKA_VERIFY_RECOVER = 0x10B;
inline constexpr CK_ATTRIBUTE_TYPE CKA_DERIVE = 0x10C;
inline constexpr CK_ATTRIBUTE_TYPE CKA_MODULUS = 0x120;
inline constexpr CK_ATTRIBUTE_TYPE CKA_MODULUS_BITS = 0x121;
inline constexpr CK_ATTRIBUTE_TYPE CKA_PUBLIC_EXPONENT = 0x122;
inline constexpr CK_ATTRIBUTE_TYPE CKA_EXTRACTABLE = 0x162;
inline constexpr CK_ATTRIBUTE_TYPE CKA_LOCAL = 0x163;
inline constexpr CK_ATTRIBUTE_TYPE CKA_NEVER_EXTRACTABLE = 0x164;
inline constexpr CK_ATTRIBUTE_TYPE CKA_ALWAYS_SENSITIVE = 0x165;
inline constexpr CK_ATTRIBUTE_TYPE CKA_EC_PARAMS = 0x180;
inline constexpr CK_ATTRIBUTE_TYPE CKA_EC_POINT = 0x181;

inline constexpr CK_MECHANISM_TYPE CKM_RSA_PKCS_KEY_PAIR_GEN = 0x0;
inline constexpr CK_MECHANISM_TYPE CKM_RSA_PKCS_PSS = 0xD;
inline constexpr CK_MECHANISM_TYPE CKM_SHA256 = 0x250;
inline constexpr CK_MECHANISM_TYPE CKM_SHA384 = 0x260;
inline constexpr CK_MECHANISM_TYPE CKM_EC_KEY_PAIR_GEN = 0x1040;
inline constexpr CK_MECHANISM_TYPE CKM_ECDSA = 0x1041;
inline constexpr CK_MECHANISM_TYPE CKM_EC_EDWARDS_KEY_PAIR_GEN = 0x1055;
inline constexpr CK_MECHANISM_TYPE CKM_EDDSA = 0x1057;
inline constexpr CK_ULONG CKG_MGF1_SHA256 = 0x2;

inline constexpr CK_RV CKR_OK = 0x0;
inline constexpr CK_RV CKR_HOST_MEMORY = 0x2;
inline constexpr CK_RV CKR_SLOT_ID_INVALID = 0x3;
inline constexpr CK_RV CKR_GENERAL_ERROR = 0x5;
inline constexpr CK_RV CKR_FUNCTION_FAILED = 0x6;
inline constexpr CK_RV CKR_ARGUMENTS_BAD = 0x7;
inline constexpr CK_RV CKR_ATTRIBUTE_SENSITIVE = 0x11;
inline constexpr CK_RV CKR_ATTRIBUTE_TYPE_INVALID = 0x12;
inline constexpr CK_RV CKR_ATTRIBUTE_VALUE_INVALID = 0x13;
inline constexpr CK_RV CKR_DATA_INVALID = 0x20;
inline constexpr CK_RV CKR_DATA_LEN_RANGE = 0x21;
inline constexpr CK_RV CKR_DEVICE_ERROR = 0x30;
inline constexpr CK_RV CKR_DEVICE_MEMORY = 0x31;
inline constexpr CK_RV CKR_DEVICE_REMOVED = 0x32;
inline constexpr CK_RV CKR_FUNCTION_NOT_SUPPORTED = 0x54;
inline constexpr CK_RV CKR_KEY_HANDLE_INVALID = 0x60;
inline constexpr CK_RV CKR_KEY_SIZE_RANGE = 0x62;
inline constexpr CK_RV CKR_KEY_TYPE_INCONSISTENT = 0x63;
inline constexpr CK_RV CKR_KEY_FUNCTION_NOT_PERMITTED = 0x68;
inline constexpr CK_RV CKR_MECHANISM_INVALID = 0x70;
inline constexpr CK_RV CKR_MECHANISM_PARAM_INVALID = 0x71;
inline constexpr CK_RV CKR_OBJECT_HANDLE_INVALID = 0x82;
inline constexpr CK_RV CKR_OPERATION_ACTIVE = 0x90;
inline constexpr CK_RV CKR_OPERATION_NOT_INITIALIZED = 0x91;
inline constexpr CK_RV CKR_PIN_INCORRECT = 0xA0;
inline constexpr CK_RV CKR_PIN_INVALID = 0xA1;
inline constexpr CK_RV CKR_PIN_LEN_RANGE = 0xA2;
inline constexpr CK_RV CKR_PIN_EXPIRED = 0xA3;
inline constexpr CK_RV CKR_PIN_LOCKED = 0xA4;
inline constexpr CK_RV CKR_SESSION_CLOSED = 0xB0;
inline constexpr CK_RV CKR_SESSION_COUNT = 0xB1;
inline constexpr CK_RV CKR_SESSION_HANDLE_INVALID = 0xB3;
inline constexpr CK_RV CKR_SESSION_READ_ONLY = 0xB5;
inline constexpr CK_RV CKR_TEMPLATE_INCOMPLETE = 0xD0;
inline constexpr CK_RV CKR_TEMPLATE_INCONSISTENT = 0xD1;
inline constexpr CK_RV CKR_TOKEN_NOT_PRESENT = 0xE0;
inline constexpr CK_RV CKR_TOKEN_NOT_RECOGNIZED = 0xE1;
inline constexpr CK_RV CKR_TOKEN_WRITE_PROTECTED = 0xE2;
inline constexpr CK_RV CKR_USER_ALREADY_LOGGED_IN = 0x100;
inline constexpr CK_RV CKR_USER_NOT_LOGGED_IN = 0x101;
inline constexpr CK_RV CKR_USER_PIN_NOT_INITIALIZED = 0x102;
inline constexpr CK_RV CKR_BUFFER_TOO_SMALL = 0x150;
inline constexpr CK_RV CKR_CRYPTOKI_NOT_INITIALIZED = 0x190;
inline constexpr CK_RV CKR_CRYPTOKI_ALREADY_INITIALIZED = 0x191;
inline constexpr CK_RV CKR_FUNCTION_REJECTED = 0x200;

}  // namespace signet::hsm

#endif  // SIGNET_HSM_PKCS11_H_
