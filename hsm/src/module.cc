#include "signet/hsm/module.h"

#include <dlfcn.h>
#include <limits.h>
#include <stdlib.h>

#include <cstdio>
#include <map>
#include <mutex>

#include "signet/core/file.h"

namespace signet::hsm {
namespace {

struct CkrEntry {
  CK_RV rv;
  const char* name;
};

constexpr CkrEntry kCkrNames[] = {
    {CKR_OK, "CKR_OK"},
    {CKR_HOST_MEMORY, "CKR_HOST_MEMORY"},
    {CKR_SLOT_ID_INVALID, "CKR_SLOT_ID_INVALID"},
    {CKR_GENERAL_ERROR, "CKR_GENERAL_ERROR"},
    {CKR_FUNCTION_FAILED, "CKR_FUNCTION_FAILED"},
    {CKR_ARGUMENTS_BAD, "CKR_ARGUMENTS_BAD"},
    {CKR_ATTRIBUTE_SENSITIVE, "CKR_ATTRIBUTE_SENSITIVE"},
    {CKR_ATTRIBUTE_TYPE_INVALID, "CKR_ATTRIBUTE_TYPE_INVALID"},
    {CKR_ATTRIBUTE_VALUE_INVALID, "CKR_ATTRIBUTE_VALUE_INVALID"},
    {CKR_DATA_INVALID, "CKR_DATA_INVALID"},
    {CKR_DATA_LEN_RANGE, "CKR_DATA_LEN_RANGE"},
    {CKR_DEVICE_ERROR, "CKR_DEVICE_ERROR"},
    {CKR_DEVICE_MEMORY, "CKR_DEVICE_MEMORY"},
    {CKR_DEVICE_REMOVED, "CKR_DEVICE_REMOVED"},
    {CKR_FUNCTION_NOT_SUPPORTED, "CKR_FUNCTION_NOT_SUPPORTED"},
    {CKR_KEY_HANDLE_INVALID, "CKR_KEY_HANDLE_INVALID"},
    {CKR_KEY_SIZE_RANGE, "CKR_KEY_SIZE_RANGE"},
    {CKR_KEY_TYPE_INCONSISTENT, "CKR_KEY_TYPE_INCONSISTENT"},
    {CKR_KEY_FUNCTION_NOT_PERMITTED, "CKR_KEY_FUNCTION_NOT_PERMITTED"},
    {CKR_MECHANISM_INVALID, "CKR_MECHANISM_INVALID"},
    {CKR_MECHANISM_PARAM_INVALID, "CKR_MECHANISM_PARAM_INVALID"},
    {CKR_OBJECT_HANDLE_INVALID, "CKR_OBJECT_HANDLE_INVALID"},
    {CKR_OPERATION_ACTIVE, "CKR_OPERATION_ACTIVE"},
    {CKR_OPERATION_NOT_INITIALIZED, "CKR_OPERATION_NOT_INITIALIZED"},
    {CKR_PIN_INCORRECT, "CKR_PIN_INCORRECT"},
    {CKR_PIN_INVALID, "CKR_PIN_INVALID"},
    {CKR_PIN_LEN_RANGE, "CKR_PIN_LEN_RANGE"},
    {CKR_PIN_EXPIRED, "CKR_PIN_EXPIRED"},
    {CKR_PIN_LOCKED, "CKR_PIN_LOCKED"},
    {CKR_SESSION_CLOSED, "CKR_SESSION_CLOSED"},
    {CKR_SESSION_COUNT, "CKR_SESSION_COUNT"},
    {CKR_SESSION_HANDLE_INVALID, "CKR_SESSION_HANDLE_INVALID"},
    {CKR_SESSION_READ_ONLY, "CKR_SESSION_READ_ONLY"},
    {CKR_TEMPLATE_INCOMPLETE, "CKR_TEMPLATE_INCOMPLETE"},
    {CKR_TEMPLATE_INCONSISTENT, "CKR_TEMPLATE_INCONSISTENT"},
    {CKR_TOKEN_NOT_PRESENT, "CKR_TOKEN_NOT_PRESENT"},
    {CKR_TOKEN_NOT_RECOGNIZED, "CKR_TOKEN_NOT_RECOGNIZED"},
    {CKR_TOKEN_WRITE_PROTECTED, "CKR_TOKEN_WRITE_PROTECTED"},
    {CKR_USER_ALREADY_LOGGED_IN, "CKR_USER_ALREADY_LOGGED_IN"},
    {CKR_USER_NOT_LOGGED_IN, "CKR_USER_NOT_LOGGED_IN"},
    {CKR_USER_PIN_NOT_INITIALIZED, "CKR_USER_PIN_NOT_INITIALIZED"},
    {CKR_BUFFER_TOO_SMALL, "CKR_BUFFER_TOO_SMALL"},
    {CKR_CRYPTOKI_NOT_INITIALIZED, "CKR_CRYPTOKI_NOT_INITIALIZED"},
    {CKR_CRYPTOKI_ALREADY_INITIALIZED, "CKR_CRYPTOKI_ALREADY_INITIALIZED"},
    {CKR_FUNCTION_REJECTED, "CKR_FUNCTION_REJECTED"},
    {CKR_KEY_NOT_WRAPPABLE, "CKR_KEY_NOT_WRAPPABLE"},
    {CKR_KEY_UNEXTRACTABLE, "CKR_KEY_UNEXTRACTABLE"},
    {CKR_WRAPPED_KEY_INVALID, "CKR_WRAPPED_KEY_INVALID"},
    {CKR_WRAPPED_KEY_LEN_RANGE, "CKR_WRAPPED_KEY_LEN_RANGE"},
    {CKR_WRAPPING_KEY_TYPE_INCONSISTENT, "CKR_WRAPPING_KEY_TYPE_INCONSISTENT"},
    {CKR_SESSION_READ_ONLY_EXISTS, "CKR_SESSION_READ_ONLY_EXISTS"},
};

ErrorCode CodeFor(CK_RV rv) {
  switch (rv) {
    case CKR_PIN_INCORRECT:
    case CKR_PIN_INVALID:
    case CKR_PIN_LEN_RANGE:
    case CKR_PIN_EXPIRED:
    case CKR_PIN_LOCKED:
    case CKR_USER_PIN_NOT_INITIALIZED:
    case CKR_USER_NOT_LOGGED_IN:
    case CKR_KEY_FUNCTION_NOT_PERMITTED:
      return ErrorCode::kPermissionDenied;
    case CKR_DEVICE_MEMORY:
    case CKR_HOST_MEMORY:
    case CKR_SESSION_COUNT:
      return ErrorCode::kResourceExhausted;
    case CKR_TOKEN_WRITE_PROTECTED:
    case CKR_SESSION_READ_ONLY:
      return ErrorCode::kFailedPrecondition;
    case CKR_MECHANISM_INVALID:
    case CKR_MECHANISM_PARAM_INVALID:
    case CKR_FUNCTION_NOT_SUPPORTED:
    case CKR_KEY_SIZE_RANGE:
    case CKR_TEMPLATE_INCONSISTENT:
    case CKR_ATTRIBUTE_VALUE_INVALID:
      return ErrorCode::kUnimplemented;
    case CKR_DEVICE_REMOVED:
    case CKR_TOKEN_NOT_PRESENT:
    case CKR_DEVICE_ERROR:
    case CKR_CRYPTOKI_NOT_INITIALIZED:
      return ErrorCode::kUnavailable;
    case CKR_KEY_HANDLE_INVALID:
    case CKR_OBJECT_HANDLE_INVALID:
      return ErrorCode::kNotFound;
    default:
      return ErrorCode::kInternal;
  }
}

// The process-wide table that makes "initialise once per module per process" true. It holds
// weak references only: the last user of a module finalises and unloads it.
struct Registry {
  std::recursive_mutex mu;  // recursive: a Module that fails to initialise is destroyed under it
  std::map<std::string, std::weak_ptr<Module>> modules;
};

Registry& GetRegistry() {
  static Registry* registry = new Registry();  // never destroyed: modules may outlive statics
  return *registry;
}

}  // namespace

std::string CkrName(CK_RV rv) {
  for (const auto& e : kCkrNames) {
    if (e.rv == rv) return e.name;
  }
  char buf[32];
  std::snprintf(buf, sizeof buf, "CKR_0x%lX", rv);
  return buf;
}

Error Pkcs11Error(std::string_view what, CK_RV rv) {
  return Error(CodeFor(rv), std::string(what) + ": " + CkrName(rv)).WithDomain("pkcs11", static_cast<int64_t>(rv));
}

Result<std::shared_ptr<Module>> Module::Load(const std::string& path) {
  if (path.empty()) {
    return InvalidArgument("no PKCS#11 module given (use module-path in the URI, --module or SIGNET_PKCS11_MODULE)");
  }
  char resolved[PATH_MAX];
  if (realpath(path.c_str(), resolved) == nullptr) {
    return NotFound("PKCS#11 module \"" + path + "\" does not exist");
  }
  const std::string key(resolved);
  // A module is an input file like any other: regular files only, checked without blocking
  // (dlopen on a FIFO would wait forever for a writer; on a device it would read it).
  if (auto checked = OpenInputFile(key); !checked.ok()) {
    if (checked.error().code() == ErrorCode::kNotFound) {
      return NotFound("PKCS#11 module \"" + path + "\" does not exist");
    }
    return std::move(checked).error().Prefix("PKCS#11 module");
  }
  Registry& registry = GetRegistry();
  std::lock_guard<std::recursive_mutex> lock(registry.mu);
  if (auto it = registry.modules.find(key); it != registry.modules.end()) {
    if (auto existing = it->second.lock()) return existing;
  }
  void* handle = dlopen(key.c_str(), RTLD_NOW | RTLD_LOCAL);
  if (handle == nullptr) {
    const char* why = dlerror();
    return NotFound("cannot load PKCS#11 module \"" + path + "\": " + (why != nullptr ? why : "dlopen failed"));
  }
  CK_FUNCTION_LIST* functions = nullptr;
  // PKCS#11 3.0 §5.4: prefer C_GetInterface; its "PKCS 11" interface starts with the 2.x table.
  if (void* sym = dlsym(handle, "C_GetInterface"); sym != nullptr) {
    auto get_interface = reinterpret_cast<CK_C_GetInterface>(sym);
    CK_INTERFACE* iface = nullptr;
    static CK_UTF8CHAR kName[] = "PKCS 11";
    if (get_interface(kName, nullptr, &iface, 0) == CKR_OK && iface != nullptr && iface->pFunctionList != nullptr) {
      functions = static_cast<CK_FUNCTION_LIST*>(iface->pFunctionList);
    }
  }
  if (functions == nullptr) {
    if (void* sym = dlsym(handle, "C_GetFunctionList"); sym != nullptr) {
      auto get_list = reinterpret_cast<CK_C_GetFunctionList>(sym);
      const CK_RV rv = get_list(&functions);
      if (rv != CKR_OK) functions = nullptr;
    }
  }
  if (functions == nullptr) {
    dlclose(handle);
    return NotFound("\"" + path + "\" is not a PKCS#11 module (no C_GetInterface or C_GetFunctionList)");
  }
  if (functions->version.major < 2) {
    dlclose(handle);
    return Unimplemented("PKCS#11 module \"" + path + "\" implements Cryptoki " +
                         std::to_string(functions->version.major) + ".x; 2.x or later is required");
  }
  std::shared_ptr<Module> module(new Module(handle, functions, key));
  SIGNET_RETURN_IF_ERROR(module->Initialize());
  registry.modules[key] = module;
  return module;
}

Result<std::shared_ptr<Module>> Module::FromFunctionList(CK_FUNCTION_LIST* functions, std::string name) {
  if (functions == nullptr) return InvalidArgument("null PKCS#11 function list");
  std::shared_ptr<Module> module(new Module(nullptr, functions, std::move(name)));
  SIGNET_RETURN_IF_ERROR(module->Initialize());
  return module;
}

Status Module::Initialize() {
  CK_C_INITIALIZE_ARGS args{};
  args.flags = CKF_OS_LOCKING_OK;
  const CK_RV rv = functions_->C_Initialize(&args);
  if (rv == CKR_CRYPTOKI_ALREADY_INITIALIZED) return OkStatus();  // someone else owns finalisation
  if (rv != CKR_OK) {
    return Pkcs11Error("C_Initialize of PKCS#11 module \"" + path_ + "\"", rv);
  }
  finalize_on_close_ = true;
  return OkStatus();
}

Module::~Module() {
  if (finalize_on_close_) functions_->C_Finalize(nullptr);
  if (handle_ != nullptr) {
    Registry& registry = GetRegistry();
    std::lock_guard<std::recursive_mutex> lock(registry.mu);
    auto it = registry.modules.find(path_);
    if (it != registry.modules.end() && it->second.expired()) registry.modules.erase(it);
    // The library stays mapped (no dlclose): modules commonly leave atexit handlers, thread-local
    // destructors or OpenSSL callbacks behind, and unloading them under a live process is a known
    // source of crashes at exit. A later Load() re-initialises the same mapping.
  }
}

}  // namespace signet::hsm
