#include "signet/hsm/session_pool.h"

#include <algorithm>
#include <openssl/crypto.h>
#include <utility>

namespace signet::hsm {
namespace {

using Clock = std::chrono::steady_clock;

// PKCS#11 text fields are fixed-size and blank-padded (v2.40 §3.2).
std::string Trim(const unsigned char* data, size_t size) {
  std::string s(reinterpret_cast<const char*>(data), size);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\0')) s.pop_back();
  return s;
}

bool Matches(const std::optional<std::string>& want, const std::string& have) { return !want || *want == have; }

bool IsSessionLost(CK_RV rv) { return rv == CKR_SESSION_HANDLE_INVALID || rv == CKR_SESSION_CLOSED; }
bool IsTokenGone(CK_RV rv) {
  return rv == CKR_DEVICE_REMOVED || rv == CKR_TOKEN_NOT_PRESENT || rv == CKR_CRYPTOKI_NOT_INITIALIZED ||
         rv == CKR_SLOT_ID_INVALID || rv == CKR_TOKEN_NOT_RECOGNIZED;
}
bool IsHandleStale(CK_RV rv) { return rv == CKR_KEY_HANDLE_INVALID || rv == CKR_OBJECT_HANDLE_INVALID; }

constexpr int kMaxAttempts = 3;

}  // namespace

TokenSelector TokenSelector::FromUri(const Pkcs11Uri& uri) {
  TokenSelector s;
  s.label = uri.token;
  s.manufacturer = uri.manufacturer;
  s.serial = uri.serial;
  s.model = uri.model;
  s.slot_id = uri.slot_id;
  s.slot_description = uri.slot_description;
  s.slot_manufacturer = uri.slot_manufacturer;
  return s;
}

std::string TokenSelector::Describe() const {
  std::string out;
  auto add = [&](const char* name, const std::optional<std::string>& v) {
    if (!v) return;
    if (!out.empty()) out += ", ";
    out += std::string(name) + "=\"" + *v + "\"";
  };
  add("token", label);
  add("manufacturer", manufacturer);
  add("serial", serial);
  add("model", model);
  if (slot_id) out += std::string(out.empty() ? "" : ", ") + "slot-id=" + std::to_string(*slot_id);
  add("slot-description", slot_description);
  add("slot-manufacturer", slot_manufacturer);
  return out.empty() ? "any token" : out;
}

Result<TokenIdentity> FindToken(const Module& module, const TokenSelector& selector) {
  const CK_FUNCTION_LIST* fn = module.fn();
  std::vector<CK_SLOT_ID> slots;
  // The slot count can change between the two calls; retry on CKR_BUFFER_TOO_SMALL.
  for (int attempt = 0;; ++attempt) {
    CK_ULONG count = 0;
    CK_RV rv = fn->C_GetSlotList(CK_TRUE, nullptr, &count);
    if (rv != CKR_OK) return Pkcs11Error("C_GetSlotList", rv);
    slots.resize(count);
    if (count == 0) break;
    rv = fn->C_GetSlotList(CK_TRUE, slots.data(), &count);
    if (rv == CKR_BUFFER_TOO_SMALL && attempt < 3) continue;
    if (rv != CKR_OK) return Pkcs11Error("C_GetSlotList", rv);
    slots.resize(count);
    break;
  }
  std::vector<TokenIdentity> matches;
  std::string present;
  for (CK_SLOT_ID slot : slots) {
    CK_TOKEN_INFO info{};
    CK_RV rv = fn->C_GetTokenInfo(slot, &info);
    if (rv == CKR_TOKEN_NOT_PRESENT || rv == CKR_TOKEN_NOT_RECOGNIZED) continue;
    if (rv != CKR_OK) return Pkcs11Error("C_GetTokenInfo", rv);
    TokenIdentity id;
    id.slot = slot;
    id.label = Trim(info.label, sizeof info.label);
    id.manufacturer = Trim(info.manufacturerID, sizeof info.manufacturerID);
    id.model = Trim(info.model, sizeof info.model);
    id.serial = Trim(info.serialNumber, sizeof info.serialNumber);
    id.flags = info.flags;
    if ((info.flags & CKF_TOKEN_INITIALIZED) == 0) continue;
    if (!present.empty()) present += ", ";
    present += "\"" + id.label + "\" (serial " + id.serial + ", slot " + std::to_string(slot) + ")";
    bool match = Matches(selector.label, id.label) && Matches(selector.manufacturer, id.manufacturer) &&
                 Matches(selector.serial, id.serial) && Matches(selector.model, id.model) &&
                 (!selector.slot_id || *selector.slot_id == slot);
    if (match && (selector.slot_description || selector.slot_manufacturer)) {
      CK_SLOT_INFO slot_info{};
      rv = fn->C_GetSlotInfo(slot, &slot_info);
      if (rv != CKR_OK) return Pkcs11Error("C_GetSlotInfo", rv);
      match = Matches(selector.slot_description, Trim(slot_info.slotDescription, sizeof slot_info.slotDescription)) &&
              Matches(selector.slot_manufacturer, Trim(slot_info.manufacturerID, sizeof slot_info.manufacturerID));
    }
    if (match) matches.push_back(std::move(id));
  }
  if (present.empty()) present = "none";
  if (matches.empty()) {
    return NotFound("no token matches " + selector.Describe() + " in module \"" + module.path() +
                    "\"; tokens present: " + present);
  }
  if (matches.size() > 1) {
    return InvalidArgument(std::to_string(matches.size()) + " tokens match " + selector.Describe() +
                           "; name one with token= or serial=; tokens present: " + present);
  }
  return std::move(matches.front());
}

SessionPool::SessionPool(std::shared_ptr<Module> module, TokenSelector selector, std::optional<SecretBytes> pin,
                         PoolOptions options, TokenIdentity token)
    : module_(std::move(module)),
      fn_(module_->fn()),
      selector_(std::move(selector)),
      pin_(std::move(pin)),
      options_(options),
      token_(std::move(token)) {}

Result<std::unique_ptr<SessionPool>> SessionPool::Create(std::shared_ptr<Module> module, TokenSelector selector,
                                                         std::optional<SecretBytes> pin, PoolOptions options) {
  if (options.max_sessions == 0) return InvalidArgument("session pool: max_sessions must be at least 1");
  SIGNET_ASSIGN_OR_RETURN(TokenIdentity token, FindToken(*module, selector));
  if ((token.flags & CKF_USER_PIN_LOCKED) != 0) {
    return PermissionDenied("the user PIN of token \"" + token.label + "\" is locked; an SO must reset it");
  }
  if ((token.flags & CKF_LOGIN_REQUIRED) != 0 && !pin) {
    return FailedPrecondition("token \"" + token.label +
                              "\" requires a login: give pin-source in the URI or a PIN environment variable");
  }
  std::unique_ptr<SessionPool> pool(
      new SessionPool(std::move(module), std::move(selector), std::move(pin), options, std::move(token)));
  // Open and log in one session now so that a wrong PIN or a missing token shows up here.
  SIGNET_ASSIGN_OR_RETURN(Lease lease, pool->Acquire(false));
  pool->Release(lease, ReleaseMode::kKeep);
  return pool;
}

SessionPool::~SessionPool() {
  std::lock_guard<std::mutex> lock(mu_);
  if (!gone_) {
    for (CK_SESSION_HANDLE h : idle_) fn_->C_CloseSession(h);
  }
  idle_.clear();
}

TokenIdentity SessionPool::token() const {
  std::lock_guard<std::mutex> lock(mu_);
  return token_;
}

size_t SessionPool::open_sessions() const {
  std::lock_guard<std::mutex> lock(mu_);
  return open_;
}

size_t SessionPool::idle_sessions() const {
  std::lock_guard<std::mutex> lock(mu_);
  return idle_.size();
}

Error SessionPool::UnavailableLocked() const {
  const auto wait = std::chrono::duration_cast<std::chrono::milliseconds>(next_probe_ - Clock::now());
  return Unavailable("token \"" + token_.label + "\" is unavailable (" + CkrName(gone_rv_) +
                     "); reconnecting with backoff, next attempt in " +
                     std::to_string(std::max<int64_t>(0, wait.count())) + " ms")
      .WithDomain("pkcs11", static_cast<int64_t>(gone_rv_));
}

void SessionPool::MarkGoneLocked(CK_RV rv) {
  DropIdleLocked();
  if (gone_) return;
  gone_ = true;
  gone_rv_ = rv;
  backoff_ = options_.backoff_initial;
  next_probe_ = Clock::now() + backoff_;
  cv_.notify_all();
}

void SessionPool::DropIdleLocked() {
  // The handles are dead (closed underneath us, or from a finalised module) and their numbers
  // may already belong to someone else's new sessions: forget them, never close them.
  open_ -= idle_.size();
  idle_.clear();
  cv_.notify_all();
}

Status SessionPool::EnsureUsableLocked() {
  if (pin_rejected_) return *pin_rejected_;
  if (!gone_) return OkStatus();
  if (Clock::now() < next_probe_) return UnavailableLocked();
  // Probe: is the token back? This runs under mu_, so one thread probes and the rest wait.
  Result<TokenIdentity> found = FindToken(*module_, selector_);
  if (!found.ok()) {
    if (found.error().domain() == "pkcs11") gone_rv_ = static_cast<CK_RV>(found.error().native_code());
    backoff_ = std::min(backoff_ * 2, options_.backoff_max);
    next_probe_ = Clock::now() + backoff_;
    return UnavailableLocked();
  }
  token_ = std::move(found).value();
  gone_ = false;
  gone_rv_ = CKR_OK;
  ++generation_;
  return OkStatus();
}

Status SessionPool::Login(CK_SESSION_HANDLE session) {
  std::lock_guard<std::mutex> login_lock(login_mu_);
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (pin_rejected_) return *pin_rejected_;
  }
  if (!pin_) return FailedPrecondition("token \"" + token().label + "\" requires a login and no PIN was given");
  Bytes pin(pin_->Reveal().begin(), pin_->Reveal().end());
  const CK_RV rv = fn_->C_Login(session, CKU_USER, pin.data(), static_cast<CK_ULONG>(pin.size()));
  OPENSSL_cleanse(pin.data(), pin.size());
  if (rv == CKR_OK || rv == CKR_USER_ALREADY_LOGGED_IN) return OkStatus();
  const std::string label = token().label;
  if (rv == CKR_PIN_INCORRECT || rv == CKR_PIN_LOCKED || rv == CKR_PIN_EXPIRED || rv == CKR_PIN_LEN_RANGE) {
    Error error =
        (rv == CKR_PIN_LOCKED
             ? PermissionDenied("the user PIN of token \"" + label + "\" is locked; an SO must reset it")
             : PermissionDenied("login to token \"" + label + "\" failed: the PIN was rejected (" + CkrName(rv) + ")"))
            .WithDomain("pkcs11", static_cast<int64_t>(rv));
    std::lock_guard<std::mutex> lock(mu_);
    pin_rejected_ = error;
    return error;
  }
  return Pkcs11Error("C_Login to token \"" + label + "\"", rv);
}

Status SessionPool::EnsureLoggedIn(CK_SESSION_HANDLE session) {
  if (!pin_) return OkStatus();
  CK_SESSION_INFO info{};
  const CK_RV rv = fn_->C_GetSessionInfo(session, &info);
  if (rv != CKR_OK) return Pkcs11Error("C_GetSessionInfo", rv);
  if (info.state == CKS_RO_USER_FUNCTIONS || info.state == CKS_RW_USER_FUNCTIONS) return OkStatus();
  return Login(session);
}

Result<SessionPool::Lease> SessionPool::Acquire(bool read_write) {
  std::unique_lock<std::mutex> lock(mu_);
  const auto deadline = Clock::now() + options_.acquire_timeout;
  while (true) {
    SIGNET_RETURN_IF_ERROR(EnsureUsableLocked());
    if (!read_write && !idle_.empty()) {
      const CK_SESSION_HANDLE h = idle_.back();
      idle_.pop_back();
      return Lease{h, generation_, false};
    }
    if (open_ < options_.max_sessions) break;
    if (read_write && !idle_.empty()) {
      // Make room for the read/write session by closing an idle read-only one.
      fn_->C_CloseSession(idle_.back());
      idle_.pop_back();
      --open_;
      break;
    }
    if (cv_.wait_until(lock, deadline) == std::cv_status::timeout && Clock::now() >= deadline) {
      return ResourceExhausted("all " + std::to_string(options_.max_sessions) + " sessions of token \"" +
                               token_.label + "\" stayed busy for " +
                               std::to_string(options_.acquire_timeout.count()) + " ms");
    }
  }
  ++open_;
  const uint64_t generation = generation_;
  const CK_SLOT_ID slot = token_.slot;
  lock.unlock();

  CK_SESSION_HANDLE h = 0;
  const CK_FLAGS flags = CKF_SERIAL_SESSION | (read_write ? CKF_RW_SESSION : 0);
  CK_RV rv = fn_->C_OpenSession(slot, flags, nullptr, nullptr, &h);
  Status status;
  if (rv != CKR_OK) {
    if (rv == CKR_TOKEN_WRITE_PROTECTED) {
      status = Error(ErrorCode::kFailedPrecondition, "token \"" + token().label + "\" is read-only (CKR_TOKEN_WRITE_PROTECTED)")
                   .WithDomain("pkcs11", static_cast<int64_t>(rv));
    } else {
      status = Pkcs11Error("C_OpenSession", rv);
    }
  } else {
    status = EnsureLoggedIn(h);
    if (!status.ok()) fn_->C_CloseSession(h);
  }
  if (status.ok()) return Lease{h, generation, read_write};

  lock.lock();
  --open_;
  cv_.notify_one();
  if (rv != CKR_OK && IsTokenGone(rv) && generation == generation_) {
    MarkGoneLocked(rv);
    return UnavailableLocked();
  }
  return std::move(status).error();
}

void SessionPool::Release(const Lease& lease, ReleaseMode mode) {
  bool close = false;
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (lease.generation != generation_ || gone_) mode = ReleaseMode::kForget;
    if (mode == ReleaseMode::kKeep && !lease.read_write) {
      idle_.push_back(lease.handle);
    } else {
      close = mode != ReleaseMode::kForget;
      --open_;
    }
    cv_.notify_one();
  }
  if (close) fn_->C_CloseSession(lease.handle);
}

Status SessionPool::Execute(std::string_view what, const Op& op) { return Run(what, op, false); }
Status SessionPool::ExecuteReadWrite(std::string_view what, const Op& op) { return Run(what, op, true); }

Status SessionPool::ExecuteAsSecurityOfficer(std::string_view what, const SecretBytes& so_pin, const Op& so_op,
                                             const Op& user_op) {
  {
    // PKCS#11 refuses an SO login while any read-only session is open
    // (CKR_SESSION_READ_ONLY_EXISTS): close the idle ones; they reopen on demand.
    std::lock_guard<std::mutex> lock(mu_);
    for (CK_SESSION_HANDLE h : idle_) fn_->C_CloseSession(h);
    open_ -= idle_.size();
    idle_.clear();
    cv_.notify_all();
  }
  SIGNET_ASSIGN_OR_RETURN(Lease lease, Acquire(true));
  const std::string label = token().label;
  // Login state belongs to the application, not the session: log the user out on any session.
  (void)fn_->C_Logout(lease.handle);
  Status status;
  {
    std::lock_guard<std::mutex> login_lock(login_mu_);
    Bytes pin(so_pin.Reveal().begin(), so_pin.Reveal().end());
    const CK_RV rv = fn_->C_Login(lease.handle, CKU_SO, pin.data(), static_cast<CK_ULONG>(pin.size()));
    OPENSSL_cleanse(pin.data(), pin.size());
    if (rv == CKR_PIN_INCORRECT || rv == CKR_PIN_LOCKED || rv == CKR_PIN_LEN_RANGE || rv == CKR_PIN_EXPIRED) {
      status = Error(ErrorCode::kPermissionDenied, "security officer login to token \"" + label +
                                                       "\" failed: the SO PIN was rejected (" + CkrName(rv) + ")")
                   .WithDomain("pkcs11", static_cast<int64_t>(rv));
    } else if (rv != CKR_OK) {
      status = Pkcs11Error("security officer login to token \"" + label + "\"", rv);
    }
  }
  if (status.ok()) {
    const CK_RV rv = so_op(lease.handle, lease.generation);
    if (rv != CKR_OK) status = Pkcs11Error(std::string(what) + " (as security officer)", rv);
    (void)fn_->C_Logout(lease.handle);
  }
  // The user again, whatever happened: the pool's other sessions rely on that login.
  Status relogin = Login(lease.handle);
  if (status.ok() && !relogin.ok()) status = relogin;
  if (status.ok()) {
    const CK_RV rv = user_op(lease.handle, lease.generation);
    if (rv != CKR_OK) status = Pkcs11Error(what, rv);
  }
  Release(lease, ReleaseMode::kClose);
  return status;
}

Status SessionPool::Run(std::string_view what, const Op& op, bool read_write) {
  std::optional<Error> last;
  for (int attempt = 0; attempt < kMaxAttempts; ++attempt) {
    SIGNET_ASSIGN_OR_RETURN(Lease lease, Acquire(read_write));
    const CK_RV rv = op(lease.handle, lease.generation);
    if (rv == CKR_OK) {
      Release(lease, ReleaseMode::kKeep);
      return OkStatus();
    }
    last = Pkcs11Error(what, rv);
    if (IsSessionLost(rv)) {
      // Typically C_CloseAllSessions underneath us: every pooled session is dead, and the login
      // went with the last one. Fresh sessions log in again.
      Release(lease, ReleaseMode::kForget);
      std::lock_guard<std::mutex> lock(mu_);
      if (lease.generation == generation_) DropIdleLocked();
      continue;
    }
    if (rv == CKR_USER_NOT_LOGGED_IN) {
      Status login = Login(lease.handle);
      Release(lease, login.ok() ? ReleaseMode::kKeep : ReleaseMode::kClose);
      if (!login.ok()) return login;
      continue;
    }
    if (IsHandleStale(rv)) {
      // Private objects vanish from view when the login is lost, so a stale handle may really be
      // a logout (SoftHSM2 answers C_SignInit that way): make sure we are logged in, then retry.
      Status login = EnsureLoggedIn(lease.handle);
      Release(lease, login.ok() ? ReleaseMode::kKeep : ReleaseMode::kClose);
      if (!login.ok()) return login;
      continue;
    }
    if (IsTokenGone(rv)) {
      Release(lease, ReleaseMode::kForget);
      std::lock_guard<std::mutex> lock(mu_);
      if (lease.generation == generation_ || gone_) {
        MarkGoneLocked(rv);
        return UnavailableLocked();
      }
      continue;  // another thread already reconnected: retry in the new generation
    }
    // Any other failure: the session may hold a half-finished operation, so do not reuse it.
    Release(lease, ReleaseMode::kClose);
    return *std::move(last);
  }
  return *std::move(last);
}

}  // namespace signet::hsm
