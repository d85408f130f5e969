// The PKCS#11 implementation of fw::KeyStore, and how it gets its module and PIN.
#ifndef SIGNET_HSM_KEY_STORE_H_
#define SIGNET_HSM_KEY_STORE_H_

#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "signet/core/result.h"
#include "signet/core/secret.h"
#include "signet/firmware_iface/signing_key.h"
#include "signet/hsm/module.h"
#include "signet/hsm/session_pool.h"
#include "signet/hsm/uri.h"

namespace signet::hsm {

// KeyStoreOptions says where the module and the PIN come from when the URI does not say.
struct KeyStoreOptions {
  // module_path is used when the URI has neither module-path nor module-name.
  std::string module_path;
  // pin_env names an environment variable holding the user PIN; used when the URI has neither
  // pin-source nor pin-value.
  std::string pin_env;
  PoolOptions pool;
};

// ResolveModulePath picks the module file: the URI's module-path, else its module-name looked up
// in the system PKCS#11 module folders, else options.module_path. kInvalidArgument if none is
// given, kNotFound if a module-name matches no file.
Result<std::string> ResolveModulePath(const Pkcs11Uri& uri, const KeyStoreOptions& options);

// ResolvePin reads the user PIN from the URI's pin-source (a file path or a file: URI; one
// trailing newline is removed), else its pin-value, else the environment variable `pin_env`.
// Returns nullopt when no source is given. The pin-source must be a regular file (opened without
// blocking: a FIFO, device or directory is kInvalidArgument at once) that no group or other
// permission bit opens to other users (kPermissionDenied otherwise). Errors (kInvalidArgument,
// kNotFound, kPermissionDenied) name the source, never the PIN; an empty PIN is refused.
Result<std::optional<SecretBytes>> ResolvePin(const Pkcs11Uri& uri, std::string_view pin_env);

// CheckLibraryAttributes enforces the URI's library-manufacturer, library-description and
// library-version (RFC 7512 §2.3) against the module's C_GetInfo: blank-padded text compared
// exactly, the version as "major.minor" ("M" means "M.0"). Returns OK when the URI names none.
// A mismatch is kInvalidArgument naming the attribute, the wanted and the reported value; a
// failing C_GetInfo is the Pkcs11Error for it.
Status CheckLibraryAttributes(const Module& module, const Pkcs11Uri& uri);

// OpenKeyStore opens the token named by the token attributes of `uri` (a key URI works too: its
// object attributes are ignored here) in the module chosen by ResolveModulePath, checked with
// CheckLibraryAttributes, with the PIN from ResolvePin, behind a SessionPool. Errors: those of Module::Load, FindToken and
// SessionPool::Create (a wrong or locked PIN is kPermissionDenied).
Result<std::unique_ptr<fw::KeyStore>> OpenKeyStore(std::string_view uri, const KeyStoreOptions& options);

// OpenKeyStoreWithModule is OpenKeyStore on a module that is already loaded (tests use a mock
// function table). The URI's module attributes are ignored.
Result<std::unique_ptr<fw::KeyStore>> OpenKeyStoreWithModule(std::shared_ptr<Module> module, std::string_view uri,
                                                             const KeyStoreOptions& options);

}  // namespace signet::hsm

#endif  // SIGNET_HSM_KEY_STORE_H_
