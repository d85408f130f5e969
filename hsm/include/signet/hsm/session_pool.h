// SessionPool: a bounded, thread-safe pool of logged-in PKCS#11 sessions on one token.
#ifndef SIGNET_HSM_SESSION_POOL_H_
#define SIGNET_HSM_SESSION_POOL_H_

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "signet/core/result.h"
#include "signet/core/secret.h"
#include "signet/hsm/module.h"
#include "signet/hsm/pkcs11.h"
#include "signet/hsm/uri.h"

namespace signet::hsm {

// TokenSelector holds the token-identifying attributes of a pkcs11: URI (RFC 7512 §2.3).
// Unset attributes match any token.
struct TokenSelector {
  std::optional<std::string> label;
  std::optional<std::string> manufacturer;
  std::optional<std::string> serial;
  std::optional<std::string> model;
  std::optional<uint64_t> slot_id;
  std::optional<std::string> slot_description;
  std::optional<std::string> slot_manufacturer;

  // FromUri copies the token and slot attributes of `uri`.
  static TokenSelector FromUri(const Pkcs11Uri& uri);
  // Describe renders the selector for error messages, e.g. `token="signet-test"`.
  std::string Describe() const;
};

// TokenIdentity is what C_GetTokenInfo reported for the selected token (blank padding removed).
struct TokenIdentity {
  CK_SLOT_ID slot = 0;
  std::string label;
  std::string manufacturer;
  std::string model;
  std::string serial;
  CK_FLAGS flags = 0;
};

// FindToken returns the single present token matching `selector`. No match is kNotFound and
// several are kInvalidArgument; both messages list the tokens that are present. A module that
// cannot enumerate slots yields its PKCS#11 error (kUnavailable if it is not initialised).
Result<TokenIdentity> FindToken(const Module& module, const TokenSelector& selector);

// PoolOptions bounds the pool and its reconnect backoff.
struct PoolOptions {
  size_t max_sessions = 16;                              // upper bound on open sessions
  std::chrono::milliseconds acquire_timeout{30000};      // wait for a free session at most this long
  std::chrono::milliseconds backoff_initial{50};         // first reconnect delay after a loss
  std::chrono::milliseconds backoff_max{5000};           // the delay doubles up to this
};

// SessionPool keeps at most max_sessions sessions open on one token and logs in once per token
// (PKCS#11 login state is shared by all of an application's sessions on a token).
//
// Recovery: an operation that fails with CKR_SESSION_HANDLE_INVALID or CKR_SESSION_CLOSED drops
// the pooled sessions and is retried on a fresh one; CKR_USER_NOT_LOGGED_IN logs in again and
// retries; CKR_DEVICE_REMOVED, CKR_TOKEN_NOT_PRESENT, CKR_CRYPTOKI_NOT_INITIALIZED and
// CKR_SLOT_ID_INVALID mark the token as gone. While it is gone every call returns kUnavailable
// at once; the pool probes for the token again after a delay that doubles from backoff_initial
// to backoff_max, and a successful probe starts a new generation (object handles from older
// generations must be looked up again). A rejected PIN is never retried (it would lock the
// token): after CKR_PIN_INCORRECT or CKR_PIN_LOCKED every call returns kPermissionDenied.
class SessionPool {
 public:
  // Op runs one PKCS#11 operation on a logged-in session. `generation` changes each time the
  // token is reconnected. It returns the CK_RV that decides what the pool does next; an Op that
  // fails with CKR_KEY_HANDLE_INVALID or CKR_OBJECT_HANDLE_INVALID is retried after the pool has
  // checked the login (private objects disappear from view on logout); the Op should forget its
  // cached handles first. Every Op runs at most three times.
  using Op = std::function<CK_RV(CK_SESSION_HANDLE session, uint64_t generation)>;

  // Create finds the token, refuses a locked user PIN (kPermissionDenied) and a token that needs
  // a login when `pin` is empty (kFailedPrecondition), then opens and logs in one session, so a
  // wrong PIN is reported here (kPermissionDenied, the PIN itself never appears).
  static Result<std::unique_ptr<SessionPool>> Create(std::shared_ptr<Module> module, TokenSelector selector,
                                                     std::optional<SecretBytes> pin, PoolOptions options);
  ~SessionPool();
  SessionPool(const SessionPool&) = delete;
  SessionPool& operator=(const SessionPool&) = delete;

  // Execute runs `op` on a pooled read-only session with the recovery described above. `what`
  // names the operation in errors. Errors: kUnavailable while the token is gone,
  // kResourceExhausted if no session frees up within acquire_timeout, otherwise Pkcs11Error().
  Status Execute(std::string_view what, const Op& op);
  // ExecuteReadWrite is Execute on a fresh read/write session that is closed afterwards (key
  // generation and deletion). A write-protected token gives kFailedPrecondition.
  Status ExecuteReadWrite(std::string_view what, const Op& op);
  // ExecuteAsSecurityOfficer runs `so_op` on a fresh read/write session logged in as the security
  // officer, then `user_op` on the same session logged in as the user again, and closes it (so
  // session objects so_op creates are there for user_op, and gone afterwards). A PKCS#11
  // application has one login state per token, so the user is logged out meanwhile: this is for
  // the CLI's one-shot ceremonies, never concurrently with other operations of the pool. Each op
  // runs once (no retries). A rejected SO PIN is kPermissionDenied (the PIN never appears; it is
  // not retried); the user is logged in again whatever happens.
  Status ExecuteAsSecurityOfficer(std::string_view what, const SecretBytes& so_pin, const Op& so_op, const Op& user_op);

  // token returns the identity of the token as last resolved.
  TokenIdentity token() const;
  // module returns the module the pool uses.
  const Module& module() const { return *module_; }
  // open_sessions returns the number of sessions the pool holds open (idle or in use).
  size_t open_sessions() const;
  // idle_sessions returns the number of idle pooled sessions.
  size_t idle_sessions() const;

 private:
  struct Lease {
    CK_SESSION_HANDLE handle = 0;
    uint64_t generation = 0;
    bool read_write = false;
  };
  enum class ReleaseMode { kKeep, kClose, kForget };

  SessionPool(std::shared_ptr<Module> module, TokenSelector selector, std::optional<SecretBytes> pin,
              PoolOptions options, TokenIdentity token);
  Status Run(std::string_view what, const Op& op, bool read_write);
  Result<Lease> Acquire(bool read_write);
  void Release(const Lease& lease, ReleaseMode mode);
  Status EnsureUsableLocked();
  Status EnsureLoggedIn(CK_SESSION_HANDLE session);
  Status Login(CK_SESSION_HANDLE session);
  void DropIdleLocked();
  void MarkGoneLocked(CK_RV rv);
  Error UnavailableLocked() const;

  const std::shared_ptr<Module> module_;
  const CK_FUNCTION_LIST* const fn_;
  const TokenSelector selector_;
  const std::optional<SecretBytes> pin_;
  const PoolOptions options_;

  mutable std::mutex mu_;
  std::condition_variable cv_;
  TokenIdentity token_;                 // guarded by mu_
  std::vector<CK_SESSION_HANDLE> idle_; // guarded by mu_
  size_t open_ = 0;                     // guarded by mu_: idle + leased
  uint64_t generation_ = 1;             // guarded by mu_
  bool gone_ = false;                   // guarded by mu_
  CK_RV gone_rv_ = CKR_OK;              // guarded by mu_
  std::chrono::milliseconds backoff_{0};                 // guarded by mu_
  std::chrono::steady_clock::time_point next_probe_{};   // guarded by mu_
  std::optional<Error> pin_rejected_;   // guarded by mu_

  std::mutex login_mu_;  // serialises C_Login so the token sees one login
};

}  // namespace signet::hsm

#endif  // SIGNET_HSM_SESSION_POOL_H_
