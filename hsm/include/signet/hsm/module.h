// signet::hsm — PKCS#11 modules loaded at run time. See hsm/ARCHITECTURE.md for the trust model.
#ifndef SIGNET_HSM_MODULE_H_
#define SIGNET_HSM_MODULE_H_

#include <memory>
#include <string>
#include <string_view>

#include "signet/core/result.h"
#include "signet/hsm/pkcs11.h"

namespace signet::hsm {

// kModuleName names this layer in diagnostics.
inline constexpr const char kModuleName[] = "hsm";

// CkrName returns the symbolic name of a PKCS#11 return value ("CKR_PIN_INCORRECT"), or
// "CKR_0x<hex>" for values it does not know.
std::string CkrName(CK_RV rv);

// Pkcs11Error builds an Error for a failed PKCS#11 call: the canonical code that fits `rv`
// (PIN problems are kPermissionDenied, a full token kResourceExhausted, a read-only token
// kFailedPrecondition, a missing mechanism kUnimplemented, a vanished device kUnavailable, the
// rest kInternal), the message "<what>: <CKR name>", domain "pkcs11" and native code `rv`.
Error Pkcs11Error(std::string_view what, CK_RV rv);

// Module is one PKCS#11 library, loaded and initialised once per process. Thread-safe: the
// module is initialised with CKF_OS_LOCKING_OK, so its functions may be called concurrently.
class Module {
 public:
  // Load dlopens `path`, takes its function table from C_GetInterface("PKCS 11") when exported
  // (PKCS#11 3.0) and from C_GetFunctionList otherwise, and calls C_Initialize with OS locking.
  // The file must be a regular file (checked without blocking, as every input): a FIFO, device
  // or directory is kInvalidArgument before dlopen sees it.
  // Loading the same file again while a Module for it is alive returns that same Module, so a
  // process initialises each module once. Errors: kNotFound if the file cannot be loaded or
  // exports neither entry point, kInternal (domain pkcs11) if C_Initialize fails. A module that
  // someone else in the process already initialised is used as is and not finalised by us. The
  // last owner calls C_Finalize; the library itself stays mapped for the life of the process.
  static Result<std::shared_ptr<Module>> Load(const std::string& path);

  // FromFunctionList wraps a function table that is already in memory (tests, statically linked
  // modules) and calls its C_Initialize with OS locking. It is not registered for sharing.
  static Result<std::shared_ptr<Module>> FromFunctionList(CK_FUNCTION_LIST* functions, std::string name);

  ~Module();
  Module(const Module&) = delete;
  Module& operator=(const Module&) = delete;

  // fn returns the function table. Valid while this Module lives.
  const CK_FUNCTION_LIST* fn() const { return functions_; }
  // path returns the file the module came from (or the name given to FromFunctionList).
  const std::string& path() const { return path_; }

 private:
  Module(void* handle, CK_FUNCTION_LIST* functions, std::string path)
      : handle_(handle), functions_(functions), path_(std::move(path)) {}
  Status Initialize();

  void* handle_;  // dlopen handle, or null; never dlclose()d (see ~Module)
  CK_FUNCTION_LIST* functions_;
  std::string path_;
  bool finalize_on_close_ = false;
};

}  // namespace signet::hsm

#endif  // SIGNET_HSM_MODULE_H_
