#include "signet/hsm/key_store.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/rand.h>

#include <array>
#include <atomic>
#include <cerrno>
#include <charconv>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <map>
#include <utility>
#include <vector>

#include "signet/core/encoding.h"
#include "signet/core/file.h"
#include "signet/core/hash.h"
#include "signet/core/ossl.h"
#include "signet/hsm/key_material.h"

namespace signet::hsm {
namespace {

using fw::KeyAttributes;

constexpr size_t kMaxPinBytes = 256;
constexpr CK_ULONG kFindBatch = 64;
constexpr size_t kMaxSignatureBytes = 1024;  // RSA-8192 fits; we only make RSA-3072

// ---------------------------------------------------------------------------------------------
// Small PKCS#11 helpers. Each returns the CK_RV so they compose inside SessionPool ops.

// FindObjects collects every object matching `templ` (at most `limit`).
CK_RV FindObjects(const CK_FUNCTION_LIST* fn, CK_SESSION_HANDLE s, std::vector<CK_ATTRIBUTE>& templ,
                  std::vector<CK_OBJECT_HANDLE>* out, size_t limit = 4096) {
  out->clear();
  CK_RV rv = fn->C_FindObjectsInit(s, templ.data(), static_cast<CK_ULONG>(templ.size()));
  if (rv != CKR_OK) return rv;
  std::array<CK_OBJECT_HANDLE, kFindBatch> batch{};
  while (out->size() < limit) {
    CK_ULONG n = 0;
    rv = fn->C_FindObjects(s, batch.data(), kFindBatch, &n);
    if (rv != CKR_OK || n == 0) break;
    out->insert(out->end(), batch.begin(), batch.begin() + static_cast<std::ptrdiff_t>(n));
  }
  const CK_RV final_rv = fn->C_FindObjectsFinal(s);
  return rv != CKR_OK ? rv : final_rv;
}

// ReadAttributes reads the given attributes of `object`; absent or sensitive ones stay nullopt.
CK_RV ReadAttributes(const CK_FUNCTION_LIST* fn, CK_SESSION_HANDLE s, CK_OBJECT_HANDLE object,
                     const std::vector<CK_ATTRIBUTE_TYPE>& types, std::map<CK_ATTRIBUTE_TYPE, Bytes>* out) {
  out->clear();
  std::vector<CK_ATTRIBUTE> templ;
  for (CK_ATTRIBUTE_TYPE t : types) templ.push_back({t, nullptr, 0});
  CK_RV rv = fn->C_GetAttributeValue(s, object, templ.data(), static_cast<CK_ULONG>(templ.size()));
  // v2.40 §5.7: these two codes still fill in every attribute that could be read.
  if (rv != CKR_OK && rv != CKR_ATTRIBUTE_TYPE_INVALID && rv != CKR_ATTRIBUTE_SENSITIVE) return rv;
  std::vector<Bytes> buffers(templ.size());
  for (size_t i = 0; i < templ.size(); ++i) {
    if (templ[i].ulValueLen == CK_UNAVAILABLE_INFORMATION) continue;
    buffers[i].resize(templ[i].ulValueLen);
    templ[i].pValue = buffers[i].empty() ? nullptr : buffers[i].data();
  }
  std::vector<CK_ATTRIBUTE> wanted;
  std::vector<size_t> index;
  for (size_t i = 0; i < templ.size(); ++i) {
    if (templ[i].ulValueLen == CK_UNAVAILABLE_INFORMATION) continue;
    if (templ[i].ulValueLen == 0) {
      (*out)[templ[i].type] = Bytes();
      continue;
    }
    wanted.push_back(templ[i]);
    index.push_back(i);
  }
  if (wanted.empty()) return CKR_OK;
  rv = fn->C_GetAttributeValue(s, object, wanted.data(), static_cast<CK_ULONG>(wanted.size()));
  if (rv != CKR_OK && rv != CKR_ATTRIBUTE_TYPE_INVALID && rv != CKR_ATTRIBUTE_SENSITIVE) return rv;
  for (size_t j = 0; j < wanted.size(); ++j) {
    if (wanted[j].ulValueLen == CK_UNAVAILABLE_INFORMATION) continue;
    Bytes value = std::move(buffers[index[j]]);
    value.resize(std::min<size_t>(value.size(), wanted[j].ulValueLen));
    (*out)[wanted[j].type] = std::move(value);
  }
  return CKR_OK;
}

bool Flag(const std::map<CK_ATTRIBUTE_TYPE, Bytes>& attrs, CK_ATTRIBUTE_TYPE t, bool absent) {
  auto it = attrs.find(t);
  if (it == attrs.end() || it->second.size() != sizeof(CK_BBOOL)) return absent;
  return it->second[0] != 0;
}

std::optional<CK_ULONG> Ulong(const std::map<CK_ATTRIBUTE_TYPE, Bytes>& attrs, CK_ATTRIBUTE_TYPE t) {
  auto it = attrs.find(t);
  if (it == attrs.end() || it->second.size() != sizeof(CK_ULONG)) return std::nullopt;
  CK_ULONG v = 0;
  std::memcpy(&v, it->second.data(), sizeof v);
  return v;
}

Bytes Value(const std::map<CK_ATTRIBUTE_TYPE, Bytes>& attrs, CK_ATTRIBUTE_TYPE t) {
  auto it = attrs.find(t);
  return it == attrs.end() ? Bytes() : it->second;
}

// KeyObject is everything read from one private key and its public half.
struct KeyObject {
  CK_OBJECT_HANDLE handle = 0;
  KeyAttributes attributes;
  CK_KEY_TYPE key_type = CK_UNAVAILABLE_INFORMATION;
  Bytes ec_params;
  Bytes ec_point;   // from the public object (or the private one if the token offers it)
  Bytes modulus;
  Bytes exponent;
};

const std::vector<CK_ATTRIBUTE_TYPE> kPrivateAttributes = {
    CKA_LABEL, CKA_ID, CKA_KEY_TYPE, CKA_TOKEN, CKA_PRIVATE, CKA_SENSITIVE, CKA_EXTRACTABLE, CKA_ALWAYS_SENSITIVE,
    CKA_NEVER_EXTRACTABLE, CKA_SIGN, CKA_DECRYPT, CKA_UNWRAP, CKA_DERIVE, CKA_EC_PARAMS, CKA_EC_POINT,
    CKA_MODULUS, CKA_PUBLIC_EXPONENT, CKA_WRAP_WITH_TRUSTED};

CK_RV ReadKeyObject(const CK_FUNCTION_LIST* fn, CK_SESSION_HANDLE s, CK_OBJECT_HANDLE h, KeyObject* key) {
  std::map<CK_ATTRIBUTE_TYPE, Bytes> a;
  CK_RV rv = ReadAttributes(fn, s, h, kPrivateAttributes, &a);
  if (rv != CKR_OK) return rv;
  key->handle = h;
  const Bytes label = Value(a, CKA_LABEL);
  key->attributes.label.assign(label.begin(), label.end());
  key->attributes.id = Value(a, CKA_ID);
  key->attributes.token = Flag(a, CKA_TOKEN, false);
  key->attributes.is_private = Flag(a, CKA_PRIVATE, true);
  key->attributes.sensitive = Flag(a, CKA_SENSITIVE, false);
  key->attributes.extractable = Flag(a, CKA_EXTRACTABLE, true);
  key->attributes.always_sensitive = Flag(a, CKA_ALWAYS_SENSITIVE, false);
  key->attributes.never_extractable = Flag(a, CKA_NEVER_EXTRACTABLE, false);
  key->attributes.can_sign = Flag(a, CKA_SIGN, false);
  key->attributes.can_decrypt = Flag(a, CKA_DECRYPT, false);
  key->attributes.can_unwrap = Flag(a, CKA_UNWRAP, false);
  key->attributes.can_derive = Flag(a, CKA_DERIVE, false);
  key->attributes.wrap_with_trusted = Flag(a, CKA_WRAP_WITH_TRUSTED, false);
  key->key_type = Ulong(a, CKA_KEY_TYPE).value_or(CK_UNAVAILABLE_INFORMATION);
  key->ec_params = Value(a, CKA_EC_PARAMS);
  key->ec_point = Value(a, CKA_EC_POINT);
  key->modulus = Value(a, CKA_MODULUS);
  key->exponent = Value(a, CKA_PUBLIC_EXPONENT);

  // The public half: the public-key object with the same CKA_ID (or label, if there is no id).
  CK_OBJECT_CLASS pub_class = CKO_PUBLIC_KEY;
  std::vector<CK_ATTRIBUTE> templ = {{CKA_CLASS, &pub_class, sizeof pub_class}};
  Bytes id = key->attributes.id;
  std::string lbl = key->attributes.label;
  if (!id.empty()) {
    templ.push_back({CKA_ID, id.data(), static_cast<CK_ULONG>(id.size())});
  } else if (!lbl.empty()) {
    templ.push_back({CKA_LABEL, lbl.data(), static_cast<CK_ULONG>(lbl.size())});
  } else {
    return CKR_OK;
  }
  std::vector<CK_OBJECT_HANDLE> pubs;
  rv = FindObjects(fn, s, templ, &pubs, 2);
  if (rv != CKR_OK) return rv;
  if (pubs.size() != 1) return CKR_OK;  // none, or ambiguous: fall back to the private object
  std::map<CK_ATTRIBUTE_TYPE, Bytes> p;
  rv = ReadAttributes(fn, s, pubs[0], {CKA_EC_PARAMS, CKA_EC_POINT, CKA_MODULUS, CKA_PUBLIC_EXPONENT}, &p);
  if (rv != CKR_OK) return rv;
  if (Bytes v = Value(p, CKA_EC_POINT); !v.empty()) key->ec_point = std::move(v);
  if (Bytes v = Value(p, CKA_EC_PARAMS); !v.empty() && key->ec_params.empty()) key->ec_params = std::move(v);
  if (Bytes v = Value(p, CKA_MODULUS); !v.empty()) key->modulus = std::move(v);
  if (Bytes v = Value(p, CKA_PUBLIC_EXPONENT); !v.empty()) key->exponent = std::move(v);
  return CKR_OK;
}

// Algorithm and SPKI of a key object; kUnimplemented for profiles Signet does not sign with.
Result<SignatureAlgorithm> AlgorithmOf(const KeyObject& key) {
  if (key.key_type == CKK_EC || key.key_type == CKK_EC_EDWARDS) {
    SIGNET_ASSIGN_OR_RETURN(SignatureAlgorithm alg, AlgorithmFromEcParams(key.ec_params));
    if ((alg == SignatureAlgorithm::kEd25519) != (key.key_type == CKK_EC_EDWARDS)) {
      return Unimplemented("key type and CKA_EC_PARAMS disagree");
    }
    return alg;
  }
  if (key.key_type == CKK_RSA) {
    size_t bits = key.modulus.size() * 8;
    if (!key.modulus.empty() && key.modulus[0] != 0) {
      for (uint8_t b = key.modulus[0]; (b & 0x80) == 0; b = static_cast<uint8_t>(b << 1)) --bits;
    }
    if (bits != 3072) {
      return Unimplemented("RSA key with a " + std::to_string(bits) + "-bit modulus (only rsa-3072 is supported)");
    }
    return SignatureAlgorithm::kRsa3072PssSha256;
  }
  return Unimplemented("key type " + std::to_string(key.key_type) + " is not supported");
}

Result<Bytes> SpkiOf(SignatureAlgorithm alg, const KeyObject& key) {
  if (alg == SignatureAlgorithm::kRsa3072PssSha256) {
    if (key.modulus.empty() || key.exponent.empty()) {
      return NotFound("the RSA public key (modulus and exponent) of key \"" + key.attributes.label +
                      "\" cannot be read from the token");
    }
    return SpkiFromRsa(key.modulus, key.exponent);
  }
  if (key.ec_point.empty()) {
    return NotFound("the public key object of key \"" + key.attributes.label + "\" is missing (no CKA_EC_POINT)");
  }
  SIGNET_ASSIGN_OR_RETURN(Bytes point, EcPointFromAttribute(key.ec_point, PointSize(alg)));
  return SpkiFromEcPoint(alg, point);
}

CK_MECHANISM_TYPE SignMechanism(SignatureAlgorithm alg) {
  switch (alg) {
    case SignatureAlgorithm::kEcdsaP256Sha256:
    case SignatureAlgorithm::kEcdsaP384Sha384: return CKM_ECDSA;
    case SignatureAlgorithm::kEd25519: return CKM_EDDSA;
    case SignatureAlgorithm::kRsa3072PssSha256: return CKM_RSA_PKCS_PSS;
    case SignatureAlgorithm::kRsa2048Pkcs1Sha256:
    case SignatureAlgorithm::kRsaPssSha256: break;  // not signing key profiles (GenerateKey refuses them)
  }
  return CKM_ECDSA;
}

CK_MECHANISM_TYPE GenerateMechanism(SignatureAlgorithm alg) {
  switch (alg) {
    case SignatureAlgorithm::kEcdsaP256Sha256:
    case SignatureAlgorithm::kEcdsaP384Sha384: return CKM_EC_KEY_PAIR_GEN;
    case SignatureAlgorithm::kEd25519: return CKM_EC_EDWARDS_KEY_PAIR_GEN;
    case SignatureAlgorithm::kRsa3072PssSha256: return CKM_RSA_PKCS_KEY_PAIR_GEN;
    case SignatureAlgorithm::kRsa2048Pkcs1Sha256:
    case SignatureAlgorithm::kRsaPssSha256: break;  // not signing key profiles (GenerateKey refuses them)
  }
  return CKM_EC_KEY_PAIR_GEN;
}

std::string MechanismName(CK_MECHANISM_TYPE m) {
  switch (m) {
    case CKM_ECDSA: return "CKM_ECDSA";
    case CKM_EDDSA: return "CKM_EDDSA";
    case CKM_RSA_PKCS_PSS: return "CKM_RSA_PKCS_PSS";
    case CKM_EC_KEY_PAIR_GEN: return "CKM_EC_KEY_PAIR_GEN";
    case CKM_EC_EDWARDS_KEY_PAIR_GEN: return "CKM_EC_EDWARDS_KEY_PAIR_GEN";
    case CKM_RSA_PKCS_KEY_PAIR_GEN: return "CKM_RSA_PKCS_KEY_PAIR_GEN";
    case CKM_AES_KEY_WRAP_KWP: return "CKM_AES_KEY_WRAP_KWP";
    case CKM_AES_KEY_WRAP_PAD: return "CKM_AES_KEY_WRAP_PAD";
    default: return "mechanism";
  }
}

// ---------------------------------------------------------------------------------------------

struct TokenContext {
  std::shared_ptr<Module> module;
  std::unique_ptr<SessionPool> pool;
  std::string module_path;  // rendered into key URIs; empty for in-memory modules
};

std::string KeyUri(const TokenContext& ctx, const KeyAttributes& attrs) {
  Pkcs11Uri uri;
  uri.token = ctx.pool->token().label;
  if (!attrs.label.empty()) uri.object = attrs.label;
  if (!attrs.id.empty()) uri.id = attrs.id;
  uri.type = ObjectType::kPrivate;
  if (!ctx.module_path.empty()) uri.module_path = ctx.module_path;
  return uri.Format();
}

class Pkcs11SigningKey final : public fw::SigningKey {
 public:
  Pkcs11SigningKey(std::shared_ptr<TokenContext> ctx, SignatureAlgorithm alg, Bytes spki, KeyAttributes attrs,
                   CK_OBJECT_HANDLE handle, uint64_t generation)
      : ctx_(std::move(ctx)), alg_(alg), spki_(std::move(spki)), attrs_(std::move(attrs)),
        key_id_(HexEncode(Sha256(spki_))), sign_what_("signing with key " + key_id_), handle_(handle),
        handle_generation_(generation) {
    // Fetch the digest once: OpenSSL 3's implicit fetch per EVP_Digest takes a global lock, which
    // shows up as contention at a few thousand signatures per second.
    const char* md = alg == SignatureAlgorithm::kEcdsaP384Sha384 ? "SHA384" : alg == SignatureAlgorithm::kEd25519 ? nullptr : "SHA256";
    if (md != nullptr) md_.reset(EVP_MD_fetch(nullptr, md, nullptr));
  }

  SignatureAlgorithm algorithm() const override { return alg_; }
  const Bytes& public_key_spki() const override { return spki_; }
  std::string key_id() const override { return key_id_; }
  const KeyAttributes& attributes() const override { return attrs_; }

  Result<Bytes> Sign(ByteView message) override {
    Bytes input;
    CK_MECHANISM mechanism{SignMechanism(alg_), nullptr, 0};
    CK_RSA_PKCS_PSS_PARAMS pss{CKM_SHA256, CKG_MGF1_SHA256, 32};
    if (alg_ == SignatureAlgorithm::kEd25519) {
      input.assign(message.begin(), message.end());  // EdDSA signs the message itself
    } else {
      input.resize(EVP_MAX_MD_SIZE);
      unsigned int len = 0;
      if (!md_ || EVP_Digest(message.data(), message.size(), input.data(), &len, md_.get(), nullptr) != 1) {
        return ossl::OpenSslError(ErrorCode::kInternal, "hashing the message");
      }
      input.resize(len);
    }
    if (alg_ == SignatureAlgorithm::kRsa3072PssSha256) {
      mechanism.pParameter = &pss;
      mechanism.ulParameterLen = sizeof pss;
    }
    const CK_FUNCTION_LIST* fn = ctx_->module->fn();
    std::array<CK_BYTE, kMaxSignatureBytes> sig{};
    CK_ULONG sig_len = 0;
    Status status = ctx_->pool->Execute(sign_what_, [&](CK_SESSION_HANDLE s, uint64_t gen) -> CK_RV {
      CK_OBJECT_HANDLE h = 0;
      CK_RV rv = HandleFor(fn, s, gen, &h);
      if (rv != CKR_OK) return rv;
      rv = fn->C_SignInit(s, &mechanism, h);
      if (rv == CKR_KEY_HANDLE_INVALID || rv == CKR_OBJECT_HANDLE_INVALID) handle_generation_.store(0);
      if (rv != CKR_OK) return rv;
      sig_len = static_cast<CK_ULONG>(sig.size());
      return fn->C_Sign(s, input.data(), static_cast<CK_ULONG>(input.size()), sig.data(), &sig_len);
    });
    if (!status.ok()) return std::move(status).error();
    ByteView raw(sig.data(), std::min<size_t>(sig_len, sig.size()));
    if (alg_ == SignatureAlgorithm::kEcdsaP256Sha256 || alg_ == SignatureAlgorithm::kEcdsaP384Sha384) return EcdsaRawToDer(raw, CoordinateSize(alg_));
    return Bytes(raw.begin(), raw.end());
  }

 private:
  // HandleFor returns the cached object handle, looking the key up again (by CKA_ID, else label)
  // after a reconnect: handles do not survive C_Finalize.
  CK_RV HandleFor(const CK_FUNCTION_LIST* fn, CK_SESSION_HANDLE s, uint64_t generation, CK_OBJECT_HANDLE* out) {
    if (handle_generation_.load(std::memory_order_acquire) == generation) {
      *out = handle_.load(std::memory_order_relaxed);
      return CKR_OK;
    }
    CK_OBJECT_CLASS cls = CKO_PRIVATE_KEY;
    std::vector<CK_ATTRIBUTE> templ = {{CKA_CLASS, &cls, sizeof cls}};
    Bytes id = attrs_.id;
    std::string label = attrs_.label;
    if (!id.empty()) templ.push_back({CKA_ID, id.data(), static_cast<CK_ULONG>(id.size())});
    if (!label.empty()) templ.push_back({CKA_LABEL, label.data(), static_cast<CK_ULONG>(label.size())});
    std::vector<CK_OBJECT_HANDLE> found;
    const CK_RV rv = FindObjects(fn, s, templ, &found, 2);
    if (rv != CKR_OK) return rv;
    if (found.size() != 1) return CKR_KEY_HANDLE_INVALID;  // gone (or duplicated) since it was opened
    handle_.store(found[0], std::memory_order_relaxed);
    handle_generation_.store(generation, std::memory_order_release);
    *out = found[0];
    return CKR_OK;
  }

  const std::shared_ptr<TokenContext> ctx_;
  const SignatureAlgorithm alg_;
  const Bytes spki_;
  const KeyAttributes attrs_;
  const std::string key_id_;
  const std::string sign_what_;
  ossl::UniquePtr<EVP_MD> md_;
  std::atomic<CK_OBJECT_HANDLE> handle_;
  std::atomic<uint64_t> handle_generation_;
};

Status CheckStrength(const KeyAttributes& a, const std::string& uri, const fw::OpenOptions& options) {
  if (!a.can_sign) return FailedPrecondition("key " + uri + " cannot sign (CKA_SIGN=false)");
  if (options.allow_weak) return OkStatus();
  if (!a.sensitive) {
    return FailedPrecondition("key " + uri + " is not sensitive (CKA_SENSITIVE=false); refusing to use it "
                              "unless weak keys are explicitly allowed");
  }
  // A backup-capable key leaves the token only wrapped under a trusted key: not weak.
  if (a.extractable && !fw::IsBackupCapable(a)) {
    return FailedPrecondition("key " + uri + " is extractable (CKA_EXTRACTABLE=true) without CKA_WRAP_WITH_TRUSTED; "
                              "refusing to use it unless weak keys are explicitly allowed");
  }
  return OkStatus();
}

class Pkcs11KeyStore final : public fw::KeyStore {
 public:
  explicit Pkcs11KeyStore(std::shared_ptr<TokenContext> ctx) : ctx_(std::move(ctx)) {}

  Result<std::unique_ptr<fw::SigningKey>> FindKey(std::string_view selector, const fw::OpenOptions& options) override {
    SIGNET_ASSIGN_OR_RETURN(Pkcs11Uri uri, ParsePkcs11Uri(selector));
    const TokenIdentity token = ctx_->pool->token();
    if ((uri.token && *uri.token != token.label) || (uri.serial && *uri.serial != token.serial)) {
      return InvalidArgument("key URI names another token than the open one (\"" + token.label + "\")");
    }
    if (uri.type && *uri.type != ObjectType::kPrivate) {
      return InvalidArgument("key URI has type=" + std::string(ObjectTypeName(*uri.type)) +
                             "; only private keys sign (use type=private or leave it out)");
    }
    const CK_FUNCTION_LIST* fn = ctx_->module->fn();
    std::vector<KeyObject> matches;
    uint64_t generation = 0;
    SIGNET_RETURN_IF_ERROR(ctx_->pool->Execute("looking up key", [&](CK_SESSION_HANDLE s, uint64_t gen) -> CK_RV {
      generation = gen;
      matches.clear();
      CK_OBJECT_CLASS cls = CKO_PRIVATE_KEY;
      std::vector<CK_ATTRIBUTE> templ = {{CKA_CLASS, &cls, sizeof cls}};
      Bytes id = uri.id.value_or(Bytes());
      std::string label = uri.object.value_or("");
      if (uri.id) templ.push_back({CKA_ID, id.empty() ? nullptr : id.data(), static_cast<CK_ULONG>(id.size())});
      if (uri.object) templ.push_back({CKA_LABEL, label.empty() ? nullptr : label.data(), static_cast<CK_ULONG>(label.size())});
      std::vector<CK_OBJECT_HANDLE> handles;
      CK_RV rv = FindObjects(fn, s, templ, &handles, 64);
      if (rv != CKR_OK) return rv;
      for (CK_OBJECT_HANDLE h : handles) {
        KeyObject key;
        rv = ReadKeyObject(fn, s, h, &key);
        if (rv != CKR_OK) return rv;
        matches.push_back(std::move(key));
      }
      return CKR_OK;
    }));
    const std::string shown = uri.Format();
    if (matches.empty()) return NotFound("no private key matches " + shown + " on token \"" + token.label + "\"");
    if (matches.size() > 1) {
      std::string candidates;
      for (const auto& m : matches) candidates += "\n  " + KeyUri(*ctx_, m.attributes);
      return InvalidArgument(std::to_string(matches.size()) + " private keys match " + shown +
                             "; name one with object= and id=. Candidates:" + candidates);
    }
    return Open(std::move(matches.front()), generation, options);
  }

  Result<std::unique_ptr<fw::SigningKey>> GenerateKey(const fw::GenerateOptions& options) override {
    SIGNET_RETURN_IF_ERROR(CheckProfile(options.algorithm));
    const std::string& label = options.label;
    const TokenIdentity token = ctx_->pool->token();
    SIGNET_RETURN_IF_ERROR(CheckWritable(token));
    SIGNET_RETURN_IF_ERROR(CheckMechanisms(options.algorithm));
    const CK_FUNCTION_LIST* fn = ctx_->module->fn();

    // 1. The label must be free, so that object=<label> selects the new key alone.
    SIGNET_RETURN_IF_ERROR(CheckLabelFree(label));
    std::string lbl = label;

    // 2. A fresh random CKA_ID (16 bytes: collisions are not a practical concern).
    Bytes id(16);
    if (RAND_bytes(id.data(), static_cast<int>(id.size())) != 1) return Internal("RAND_bytes failed");

    // 3. Generate. Template per the issue: token, private, sensitive, never extractable, sign only.
    CK_BBOOL yes = CK_TRUE, no = CK_FALSE;
    CK_ULONG modulus_bits = 3072;
    CK_BYTE exponent[] = {0x01, 0x00, 0x01};
    Bytes ec_params;
    if (options.algorithm != SignatureAlgorithm::kRsa3072PssSha256) {
      SIGNET_ASSIGN_OR_RETURN(ec_params, EcParamsFor(options.algorithm));
    }
    std::vector<CK_ATTRIBUTE> pub = {
        {CKA_TOKEN, &yes, 1},   {CKA_PRIVATE, &no, 1},
        {CKA_VERIFY, &yes, 1},  {CKA_ENCRYPT, &no, 1},
        {CKA_WRAP, &no, 1},     {CKA_LABEL, lbl.data(), static_cast<CK_ULONG>(lbl.size())},
        {CKA_ID, id.data(), static_cast<CK_ULONG>(id.size())},
    };
    if (options.algorithm == SignatureAlgorithm::kRsa3072PssSha256) {
      pub.push_back({CKA_MODULUS_BITS, &modulus_bits, sizeof modulus_bits});
      pub.push_back({CKA_PUBLIC_EXPONENT, exponent, sizeof exponent});
    } else {
      pub.push_back({CKA_EC_PARAMS, ec_params.data(), static_cast<CK_ULONG>(ec_params.size())});
    }
    std::vector<CK_ATTRIBUTE> priv = {
        {CKA_TOKEN, &yes, 1},      {CKA_PRIVATE, &yes, 1},   {CKA_SENSITIVE, &yes, 1},
        {CKA_EXTRACTABLE, options.backup ? &yes : &no, 1}, {CKA_WRAP_WITH_TRUSTED, options.backup ? &yes : &no, 1},
        {CKA_SIGN, &yes, 1},      {CKA_DECRYPT, &no, 1},
        {CKA_UNWRAP, &no, 1},      {CKA_DERIVE, &no, 1},     {CKA_SIGN_RECOVER, &no, 1},
        {CKA_LABEL, lbl.data(), static_cast<CK_ULONG>(lbl.size())},
        {CKA_ID, id.data(), static_cast<CK_ULONG>(id.size())},
    };
    CK_MECHANISM mechanism{GenerateMechanism(options.algorithm), nullptr, 0};
    CK_OBJECT_HANDLE pub_h = 0, priv_h = 0;
    Status generated = ctx_->pool->ExecuteReadWrite("generating the key pair", [&](CK_SESSION_HANDLE s, uint64_t) -> CK_RV {
      return fn->C_GenerateKeyPair(s, &mechanism, pub.data(), static_cast<CK_ULONG>(pub.size()), priv.data(),
                                   static_cast<CK_ULONG>(priv.size()), &pub_h, &priv_h);
    });
    if (!generated.ok()) {
      Error e = std::move(generated).error();
      if (e.domain() == "pkcs11" && e.native_code() == static_cast<int64_t>(CKR_DEVICE_MEMORY)) {
        return Error(ErrorCode::kResourceExhausted, "token \"" + token.label + "\" is full (CKR_DEVICE_MEMORY)")
            .WithDomain("pkcs11", e.native_code());
      }
      return std::move(e).Prefix("generating a " + std::string(SignatureAlgorithmName(options.algorithm)) +
                                 " key on token \"" + token.label + "\"");
    }

    // 4. Read it back through the normal path and self-test it; on any failure remove both halves
    // so that nothing half-created stays on the token.
    Result<std::unique_ptr<fw::SigningKey>> key = OpenGenerated(fn, priv_h, options.algorithm, options.backup);
    Status ok = key.ok() ? fw::SelfTest(**key) : Status(key.error());
    if (!ok.ok()) return RemovePair(priv_h, pub_h, std::move(ok).error(), "new key");
    return key;
  }

  Result<std::vector<fw::KeyInfo>> ListKeys() override {
    const CK_FUNCTION_LIST* fn = ctx_->module->fn();
    std::vector<KeyObject> keys;
    SIGNET_RETURN_IF_ERROR(ctx_->pool->Execute("listing keys", [&](CK_SESSION_HANDLE s, uint64_t) -> CK_RV {
      keys.clear();
      CK_OBJECT_CLASS cls = CKO_PRIVATE_KEY;
      std::vector<CK_ATTRIBUTE> templ = {{CKA_CLASS, &cls, sizeof cls}};
      std::vector<CK_OBJECT_HANDLE> handles;
      CK_RV rv = FindObjects(fn, s, templ, &handles);
      if (rv != CKR_OK) return rv;
      for (CK_OBJECT_HANDLE h : handles) {
        KeyObject key;
        rv = ReadKeyObject(fn, s, h, &key);
        if (rv != CKR_OK) return rv;
        keys.push_back(std::move(key));
      }
      return CKR_OK;
    }));
    std::vector<fw::KeyInfo> out;
    for (const KeyObject& key : keys) {
      Result<SignatureAlgorithm> alg = AlgorithmOf(key);
      if (!alg.ok()) continue;  // a key Signet cannot sign with (documented in the README)
      fw::KeyInfo info;
      info.uri = KeyUri(*ctx_, key.attributes);
      info.algorithm = *alg;
      info.attributes = key.attributes;
      Result<Bytes> spki = SpkiOf(*alg, key);
      if (spki.ok()) info.public_key_spki = std::move(spki).value();
      out.push_back(std::move(info));
    }
    return out;
  }

  Result<std::vector<SignatureAlgorithm>> SupportedAlgorithms() override {
    std::vector<SignatureAlgorithm> out;
    for (SignatureAlgorithm alg : {SignatureAlgorithm::kEcdsaP256Sha256, SignatureAlgorithm::kEcdsaP384Sha384, SignatureAlgorithm::kEd25519,
                             SignatureAlgorithm::kRsa3072PssSha256}) {
      Status s = CheckMechanisms(alg);
      if (s.ok()) {
        out.push_back(alg);
      } else if (s.error().code() != ErrorCode::kUnimplemented) {
        return std::move(s).error();
      }
    }
    return out;
  }

  Status ImportWrappingKey(std::string_view label_view, const SecretBytes& value, const SecretBytes& so_pin) override {
    if (value.size() != 32) return InvalidArgument("the wrapping key must be 32 bytes (AES-256)");
    const std::string label(label_view);
    const TokenIdentity token = ctx_->pool->token();
    SIGNET_RETURN_IF_ERROR(CheckWritable(token));
    SIGNET_RETURN_IF_ERROR(CheckLabelFree(label));
    const CK_FUNCTION_LIST* fn = ctx_->module->fn();
    // 1. The security officer creates a public *session* object marked CKA_TRUSTED: only an SO may
    // set CKA_TRUSTED, and an SO cannot create private objects (SoftHSM2: CKR_USER_NOT_LOGGED_IN).
    // 2. The user copies it into a private token object (C_CopyObject may turn CKA_PRIVATE on;
    // CKA_TRUSTED is copied) and destroys the session object, which would die with the session
    // anyway. So the key value is never stored on the token outside a private object.
    // See hsm/ARCHITECTURE.md.
    CK_OBJECT_CLASS cls = CKO_SECRET_KEY;
    CK_KEY_TYPE type = CKK_AES;
    CK_BBOOL yes = CK_TRUE, no = CK_FALSE;
    std::string lbl = label;
    CK_OBJECT_HANDLE session_h = CK_INVALID_HANDLE, token_h = CK_INVALID_HANDLE;
    bool honoured = false;
    Status created = ctx_->pool->ExecuteAsSecurityOfficer(
        "creating the trusted wrapping key",
        so_pin,
        [&](CK_SESSION_HANDLE s, uint64_t) -> CK_RV {
          // PKCS#11 reads templates only; the module never writes through CKA_VALUE here.
          std::vector<CK_ATTRIBUTE> templ = {
              {CKA_CLASS, &cls, sizeof cls},   {CKA_KEY_TYPE, &type, sizeof type}, {CKA_TOKEN, &no, 1},
              {CKA_PRIVATE, &no, 1},           {CKA_SENSITIVE, &yes, 1},           {CKA_EXTRACTABLE, &no, 1},
              {CKA_WRAP, &yes, 1},             {CKA_UNWRAP, &yes, 1},              {CKA_ENCRYPT, &no, 1},
              {CKA_DECRYPT, &no, 1},           {CKA_SIGN, &no, 1},                 {CKA_VERIFY, &no, 1},
              {CKA_DERIVE, &no, 1},            {CKA_TRUSTED, &yes, 1},
              {CKA_VALUE, const_cast<uint8_t*>(value.Reveal().data()), static_cast<CK_ULONG>(value.size())},
          };
          return fn->C_CreateObject(s, templ.data(), static_cast<CK_ULONG>(templ.size()), &session_h);
        },
        [&](CK_SESSION_HANDLE s, uint64_t) -> CK_RV {
          std::vector<CK_ATTRIBUTE> copy = {{CKA_TOKEN, &yes, 1}, {CKA_PRIVATE, &yes, 1},
                                            {CKA_LABEL, lbl.data(), static_cast<CK_ULONG>(lbl.size())}};
          CK_RV rv = fn->C_CopyObject(s, session_h, copy.data(), static_cast<CK_ULONG>(copy.size()), &token_h);
          (void)fn->C_DestroyObject(s, session_h);
          if (rv != CKR_OK) return rv;
          // 3. Read it back on this session (SoftHSM2 forgets object handles once a slot's last
          // session closes): the token must have kept what the template asked for.
          std::map<CK_ATTRIBUTE_TYPE, Bytes> a;
          rv = ReadAttributes(fn, s, token_h,
                              {CKA_TRUSTED, CKA_TOKEN, CKA_PRIVATE, CKA_SENSITIVE, CKA_EXTRACTABLE, CKA_WRAP, CKA_UNWRAP}, &a);
          honoured = rv == CKR_OK && Flag(a, CKA_TRUSTED, false) && Flag(a, CKA_TOKEN, false) &&
                     Flag(a, CKA_PRIVATE, false) && Flag(a, CKA_SENSITIVE, false) && !Flag(a, CKA_EXTRACTABLE, true) &&
                     Flag(a, CKA_WRAP, false) && Flag(a, CKA_UNWRAP, false);
          if (!honoured) (void)fn->C_DestroyObject(s, token_h);
          return rv;
        });
    if (!created.ok()) return std::move(created).error().Prefix("wrapping key \"" + label + "\" on token \"" + token.label + "\"");
    if (!honoured) {
      return Internal("token \"" + token.label + "\" did not keep the wrapping key's attributes (trusted, private, "
                      "sensitive, non-extractable, wrap/unwrap); it was removed");
    }
    return OkStatus();
  }

  Status DestroyWrappingKey(std::string_view label) override {
    const CK_FUNCTION_LIST* fn = ctx_->module->fn();
    std::string lbl(label);
    bool found = false;
    SIGNET_RETURN_IF_ERROR(ctx_->pool->ExecuteReadWrite("destroying the wrapping key", [&](CK_SESSION_HANDLE s, uint64_t) -> CK_RV {
      std::vector<CK_OBJECT_HANDLE> handles;
      CK_RV rv = FindWrappingKeys(fn, s, lbl, &handles);
      if (rv != CKR_OK) return rv;
      found = !handles.empty();
      for (CK_OBJECT_HANDLE h : handles) {
        rv = fn->C_DestroyObject(s, h);
        if (rv != CKR_OK) return rv;
      }
      return CKR_OK;
    }));
    if (!found) return NotFound("no wrapping key \"" + lbl + "\" on token \"" + ctx_->pool->token().label + "\"");
    return OkStatus();
  }

  Result<fw::WrappedKey> WrapKey(std::string_view wrapping_label, const fw::SigningKey& key) override {
    const fw::KeyAttributes& attrs = key.attributes();
    if (!fw::IsBackupCapable(attrs)) {
      return FailedPrecondition("key \"" + attrs.label +
                                "\" is not backup-capable (it needs CKA_SENSITIVE, CKA_EXTRACTABLE and CKA_WRAP_WITH_TRUSTED)");
    }
    SIGNET_ASSIGN_OR_RETURN(CK_MECHANISM_TYPE mech, WrapMechanism(CKF_WRAP));
    const CK_FUNCTION_LIST* fn = ctx_->module->fn();
    std::string lbl(wrapping_label);
    Bytes out;
    size_t wrapping_keys = 0;
    CK_RV wrap_rv = CKR_OK;
    SIGNET_RETURN_IF_ERROR(ctx_->pool->Execute("wrapping key " + attrs.label, [&](CK_SESSION_HANDLE s, uint64_t) -> CK_RV {
      std::vector<CK_OBJECT_HANDLE> wrapping;
      CK_RV rv = FindWrappingKeys(fn, s, lbl, &wrapping);
      if (rv != CKR_OK) return rv;
      wrapping_keys = wrapping.size();
      if (wrapping.size() != 1) return CKR_OK;
      CK_OBJECT_HANDLE h = CK_INVALID_HANDLE;
      rv = FindPrivateKey(fn, s, attrs, &h);
      if (rv != CKR_OK) return rv;
      CK_MECHANISM m{mech, nullptr, 0};
      CK_ULONG len = 0;
      rv = fn->C_WrapKey(s, &m, wrapping[0], h, nullptr, &len);
      if (rv == CKR_OK) {
        out.resize(len);
        rv = fn->C_WrapKey(s, &m, wrapping[0], h, out.data(), &len);
        out.resize(std::min<size_t>(len, out.size()));
      }
      if (rv == CKR_KEY_NOT_WRAPPABLE || rv == CKR_KEY_UNEXTRACTABLE || rv == CKR_WRAPPING_KEY_TYPE_INCONSISTENT) {
        wrap_rv = rv;  // a refusal, not a session problem: report it below
        return CKR_OK;
      }
      return rv;
    }));
    if (wrapping_keys != 1) {
      return NotFound(std::to_string(wrapping_keys) + " wrapping keys labelled \"" + lbl + "\" on token \"" +
                      ctx_->pool->token().label + "\" (exactly one is needed)");
    }
    if (wrap_rv != CKR_OK) {
      return Error(ErrorCode::kFailedPrecondition, "token refused to wrap key \"" + attrs.label + "\" under \"" + lbl +
                                                       "\" (" + CkrName(wrap_rv) + "; is the wrapping key CKA_TRUSTED?)")
          .WithDomain("pkcs11", static_cast<int64_t>(wrap_rv));
    }
    fw::WrappedKey wrapped;
    wrapped.label = attrs.label;
    wrapped.id = attrs.id;
    wrapped.algorithm = key.algorithm();
    wrapped.mechanism = MechanismName(mech);
    wrapped.ciphertext = std::move(out);
    return wrapped;
  }

  Result<std::unique_ptr<fw::SigningKey>> UnwrapKey(std::string_view wrapping_label, const fw::WrappedKey& wrapped,
                                                    ByteView public_key_spki) override {
    SIGNET_RETURN_IF_ERROR(CheckProfile(wrapped.algorithm));
    if (wrapped.mechanism != "CKM_AES_KEY_WRAP_KWP" && wrapped.mechanism != "CKM_AES_KEY_WRAP_PAD") {
      return InvalidArgument("unknown wrapping mechanism \"" + wrapped.mechanism + "\"");
    }
    if (wrapped.id.empty() || wrapped.id.size() > 64) return InvalidArgument("wrapped key id must be 1 to 64 bytes");
    if (wrapped.ciphertext.empty() || wrapped.ciphertext.size() > 8192) {
      return InvalidArgument("wrapped key must be 1 to 8192 bytes");
    }
    // Both names are RFC 5649: KWP where offered, else PAD, whichever wrapped it.
    SIGNET_ASSIGN_OR_RETURN(CK_MECHANISM_TYPE mech, WrapMechanism(CKF_UNWRAP));
    SIGNET_ASSIGN_OR_RETURN(PublicKeyFields pub_fields, PublicKeyFieldsFromSpki(wrapped.algorithm, public_key_spki));
    const TokenIdentity token = ctx_->pool->token();
    SIGNET_RETURN_IF_ERROR(CheckWritable(token));
    SIGNET_RETURN_IF_ERROR(CheckLabelFree(wrapped.label));
    const CK_FUNCTION_LIST* fn = ctx_->module->fn();

    CK_OBJECT_CLASS priv_class = CKO_PRIVATE_KEY, pub_class = CKO_PUBLIC_KEY;
    CK_KEY_TYPE key_type = wrapped.algorithm == SignatureAlgorithm::kRsa3072PssSha256 ? CKK_RSA
                           : wrapped.algorithm == SignatureAlgorithm::kEd25519       ? CKK_EC_EDWARDS
                                                                                      : CKK_EC;
    CK_BBOOL yes = CK_TRUE, no = CK_FALSE;
    std::string lbl = wrapped.label;
    Bytes id = wrapped.id;
    Bytes ciphertext = wrapped.ciphertext;
    std::string wrapping(wrapping_label);
    size_t wrapping_keys = 0;
    CK_OBJECT_HANDLE priv_h = CK_INVALID_HANDLE, pub_h = CK_INVALID_HANDLE;
    CK_RV unwrap_rv = CKR_OK;
    // 1. Unwrap as a backup-capable, sensitive, sign-only private key with its label and id, and
    // recreate the public key object from the keyring's public key.
    Status restored = ctx_->pool->ExecuteReadWrite("restoring key " + lbl, [&](CK_SESSION_HANDLE s, uint64_t) -> CK_RV {
      std::vector<CK_OBJECT_HANDLE> wrapping_h;
      CK_RV rv = FindWrappingKeys(fn, s, wrapping, &wrapping_h);
      if (rv != CKR_OK) return rv;
      wrapping_keys = wrapping_h.size();
      if (wrapping_h.size() != 1) return CKR_OK;
      std::vector<CK_ATTRIBUTE> priv = {
          {CKA_CLASS, &priv_class, sizeof priv_class}, {CKA_KEY_TYPE, &key_type, sizeof key_type},
          {CKA_TOKEN, &yes, 1}, {CKA_PRIVATE, &yes, 1}, {CKA_SENSITIVE, &yes, 1}, {CKA_EXTRACTABLE, &yes, 1},
          {CKA_WRAP_WITH_TRUSTED, &yes, 1}, {CKA_SIGN, &yes, 1}, {CKA_DECRYPT, &no, 1}, {CKA_UNWRAP, &no, 1},
          {CKA_DERIVE, &no, 1}, {CKA_SIGN_RECOVER, &no, 1},
          {CKA_LABEL, lbl.data(), static_cast<CK_ULONG>(lbl.size())},
          {CKA_ID, id.data(), static_cast<CK_ULONG>(id.size())},
      };
      CK_MECHANISM m{mech, nullptr, 0};
      rv = fn->C_UnwrapKey(s, &m, wrapping_h[0], ciphertext.data(), static_cast<CK_ULONG>(ciphertext.size()),
                           priv.data(), static_cast<CK_ULONG>(priv.size()), &priv_h);
      if (rv == CKR_WRAPPED_KEY_INVALID || rv == CKR_WRAPPED_KEY_LEN_RANGE || rv == CKR_ENCRYPTED_DATA_INVALID ||
          rv == CKR_ENCRYPTED_DATA_LEN_RANGE || rv == CKR_TEMPLATE_INCONSISTENT || rv == CKR_GENERAL_ERROR) {
        // SoftHSM2 answers a ciphertext that fails RFC 5649's integrity check with CKR_GENERAL_ERROR.
        unwrap_rv = rv;
        return CKR_OK;
      }
      if (rv != CKR_OK) return rv;
      std::vector<CK_ATTRIBUTE> pub = {
          {CKA_CLASS, &pub_class, sizeof pub_class}, {CKA_KEY_TYPE, &key_type, sizeof key_type},
          {CKA_TOKEN, &yes, 1}, {CKA_PRIVATE, &no, 1}, {CKA_VERIFY, &yes, 1}, {CKA_ENCRYPT, &no, 1},
          {CKA_WRAP, &no, 1},
          {CKA_LABEL, lbl.data(), static_cast<CK_ULONG>(lbl.size())},
          {CKA_ID, id.data(), static_cast<CK_ULONG>(id.size())},
      };
      if (key_type == CKK_RSA) {
        pub.push_back({CKA_MODULUS, pub_fields.modulus.data(), static_cast<CK_ULONG>(pub_fields.modulus.size())});
        pub.push_back({CKA_PUBLIC_EXPONENT, pub_fields.exponent.data(), static_cast<CK_ULONG>(pub_fields.exponent.size())});
      } else {
        pub.push_back({CKA_EC_PARAMS, pub_fields.ec_params.data(), static_cast<CK_ULONG>(pub_fields.ec_params.size())});
        pub.push_back({CKA_EC_POINT, pub_fields.ec_point.data(), static_cast<CK_ULONG>(pub_fields.ec_point.size())});
      }
      rv = fn->C_CreateObject(s, pub.data(), static_cast<CK_ULONG>(pub.size()), &pub_h);
      if (rv != CKR_OK) (void)fn->C_DestroyObject(s, priv_h);
      return rv;
    });
    if (!restored.ok()) return std::move(restored).error().Prefix("restoring key \"" + lbl + "\" on token \"" + token.label + "\"");
    if (wrapping_keys != 1) {
      return NotFound(std::to_string(wrapping_keys) + " wrapping keys labelled \"" + wrapping + "\" on token \"" +
                      token.label + "\" (exactly one is needed)");
    }
    if (unwrap_rv != CKR_OK) {
      return Error(ErrorCode::kVerificationFailed, "the backup of key \"" + lbl + "\" does not unwrap under the "
                                                   "reconstructed wrapping key (" + CkrName(unwrap_rv) + ")")
          .WithDomain("pkcs11", static_cast<int64_t>(unwrap_rv));
    }
    // 2. The restored private key must sign for the keyring's public key: a self-test against it
    // (the public object we created holds exactly that key, so SelfTest verifies with it).
    Result<std::unique_ptr<fw::SigningKey>> key = OpenGenerated(fn, priv_h, wrapped.algorithm, true);
    if (!key.ok()) return RemovePair(priv_h, pub_h, std::move(key).error(), "restored key \"" + lbl + "\"");
    Status matches = fw::SelfTest(**key);
    if (!matches.ok()) {
      return RemovePair(priv_h, pub_h,
                        Error(ErrorCode::kVerificationFailed, "it does not sign for the public key it was restored "
                                                              "for (" + matches.error().message() + ")"),
                        "restored key \"" + lbl + "\"");
    }
    return key;
  }

  Status DestroyKey(const fw::SigningKey& key) override {
    const CK_FUNCTION_LIST* fn = ctx_->module->fn();
    const fw::KeyAttributes& attrs = key.attributes();
    bool found = false;
    SIGNET_RETURN_IF_ERROR(ctx_->pool->ExecuteReadWrite("destroying key " + attrs.label, [&](CK_SESSION_HANDLE s, uint64_t) -> CK_RV {
      CK_OBJECT_HANDLE h = CK_INVALID_HANDLE;
      CK_RV rv = FindPrivateKey(fn, s, attrs, &h);
      if (rv == CKR_KEY_HANDLE_INVALID) return CKR_OK;
      if (rv != CKR_OK) return rv;
      found = true;
      CK_OBJECT_CLASS pub_class = CKO_PUBLIC_KEY;
      Bytes id = attrs.id;
      std::vector<CK_ATTRIBUTE> templ = {{CKA_CLASS, &pub_class, sizeof pub_class},
                                         {CKA_ID, id.data(), static_cast<CK_ULONG>(id.size())}};
      std::vector<CK_OBJECT_HANDLE> pubs;
      if (!id.empty()) {
        rv = FindObjects(fn, s, templ, &pubs, 2);
        if (rv != CKR_OK) return rv;
      }
      rv = fn->C_DestroyObject(s, h);
      if (rv != CKR_OK) return rv;
      for (CK_OBJECT_HANDLE p : pubs) {
        rv = fn->C_DestroyObject(s, p);
        if (rv != CKR_OK) return rv;
      }
      return CKR_OK;
    }));
    if (!found) return NotFound("key \"" + attrs.label + "\" is no longer on token \"" + ctx_->pool->token().label + "\"");
    return OkStatus();
  }

 private:
  static Status CheckProfile(SignatureAlgorithm alg) {
    if (!fw::IsSigningKeyAlgorithm(alg)) {
      return InvalidArgument(std::string(SignatureAlgorithmName(alg)) +
                             " is not a signing key profile (use ecdsa-p256, ecdsa-p384, ed25519 or rsa-3072)");
    }
    return OkStatus();
  }

  static Status CheckWritable(const TokenIdentity& token) {
    if ((token.flags & CKF_WRITE_PROTECTED) != 0) {
      return FailedPrecondition("token \"" + token.label + "\" is read-only (CKF_WRITE_PROTECTED)");
    }
    return OkStatus();
  }

  // CheckLabelFree refuses a malformed label or one that an object on the token already has.
  Status CheckLabelFree(const std::string& label) {
    if (label.empty() || label.size() > 128) return InvalidArgument("key label must be 1 to 128 bytes");
    for (unsigned char c : label) {
      if (c < 0x20 || c == 0x7F) return InvalidArgument("key label must not contain control characters");
    }
    const CK_FUNCTION_LIST* fn = ctx_->module->fn();
    std::string lbl = label;
    size_t existing = 0;
    SIGNET_RETURN_IF_ERROR(ctx_->pool->Execute("checking the key label", [&](CK_SESSION_HANDLE s, uint64_t) -> CK_RV {
      std::vector<CK_ATTRIBUTE> templ = {{CKA_LABEL, lbl.data(), static_cast<CK_ULONG>(lbl.size())}};
      std::vector<CK_OBJECT_HANDLE> found;
      const CK_RV rv = FindObjects(fn, s, templ, &found, 1);
      existing = found.size();
      return rv;
    }));
    if (existing != 0) {
      return AlreadyExists("an object labelled \"" + label + "\" already exists on token \"" + ctx_->pool->token().label + "\"");
    }
    return OkStatus();
  }

  // FindWrappingKeys finds the AES secret keys labelled `label`.
  static CK_RV FindWrappingKeys(const CK_FUNCTION_LIST* fn, CK_SESSION_HANDLE s, std::string& label,
                                std::vector<CK_OBJECT_HANDLE>* out) {
    CK_OBJECT_CLASS cls = CKO_SECRET_KEY;
    std::vector<CK_ATTRIBUTE> templ = {{CKA_CLASS, &cls, sizeof cls},
                                       {CKA_LABEL, label.data(), static_cast<CK_ULONG>(label.size())}};
    return FindObjects(fn, s, templ, out, 2);
  }

  // FindPrivateKey finds the one private key with `attrs`' CKA_ID and label (CKR_KEY_HANDLE_INVALID
  // when there is not exactly one).
  static CK_RV FindPrivateKey(const CK_FUNCTION_LIST* fn, CK_SESSION_HANDLE s, const fw::KeyAttributes& attrs,
                              CK_OBJECT_HANDLE* out) {
    CK_OBJECT_CLASS cls = CKO_PRIVATE_KEY;
    Bytes id = attrs.id;
    std::string label = attrs.label;
    std::vector<CK_ATTRIBUTE> templ = {{CKA_CLASS, &cls, sizeof cls}};
    if (!id.empty()) templ.push_back({CKA_ID, id.data(), static_cast<CK_ULONG>(id.size())});
    if (!label.empty()) templ.push_back({CKA_LABEL, label.data(), static_cast<CK_ULONG>(label.size())});
    std::vector<CK_OBJECT_HANDLE> found;
    const CK_RV rv = FindObjects(fn, s, templ, &found, 2);
    if (rv != CKR_OK) return rv;
    if (found.size() != 1) return CKR_KEY_HANDLE_INVALID;
    *out = found[0];
    return CKR_OK;
  }

  // WrapMechanism picks CKM_AES_KEY_WRAP_KWP where the token offers it with `flag` (CKF_WRAP or
  // CKF_UNWRAP), else CKM_AES_KEY_WRAP_PAD (SoftHSM2 2.6 has only PAD; both are RFC 5649).
  Result<CK_MECHANISM_TYPE> WrapMechanism(CK_FLAGS flag) {
    const CK_FUNCTION_LIST* fn = ctx_->module->fn();
    const TokenIdentity token = ctx_->pool->token();
    for (CK_MECHANISM_TYPE mech : {CK_MECHANISM_TYPE{CKM_AES_KEY_WRAP_KWP}, CK_MECHANISM_TYPE{CKM_AES_KEY_WRAP_PAD}}) {
      CK_MECHANISM_INFO info{};
      const CK_RV rv = fn->C_GetMechanismInfo(token.slot, mech, &info);
      if (rv == CKR_OK && (info.flags & flag) != 0) return mech;
      if (rv != CKR_OK && rv != CKR_MECHANISM_INVALID) return Pkcs11Error("C_GetMechanismInfo", rv);
    }
    return Unimplemented("token \"" + token.label + "\" offers neither CKM_AES_KEY_WRAP_KWP nor CKM_AES_KEY_WRAP_PAD");
  }

  // CheckMechanisms confirms that the token offers the key-generation and signing mechanisms of
  // `alg` with the right flags; kUnimplemented naming the missing mechanism otherwise.
  Status CheckMechanisms(SignatureAlgorithm alg) {
    const CK_FUNCTION_LIST* fn = ctx_->module->fn();
    const TokenIdentity token = ctx_->pool->token();
    for (auto [mech, flag] : {std::pair{GenerateMechanism(alg), CKF_GENERATE_KEY_PAIR}, std::pair{SignMechanism(alg), CKF_SIGN}}) {
      CK_MECHANISM_INFO info{};
      const CK_RV rv = fn->C_GetMechanismInfo(token.slot, mech, &info);
      if (rv == CKR_MECHANISM_INVALID || (rv == CKR_OK && (info.flags & flag) == 0)) {
        return Unimplemented("token \"" + token.label + "\" does not offer " + MechanismName(mech) + ", so " +
                             std::string(SignatureAlgorithmName(alg)) + " keys cannot be used on it");
      }
      if (rv != CKR_OK) return Pkcs11Error("C_GetMechanismInfo", rv);
      if (alg == SignatureAlgorithm::kRsa3072PssSha256 && info.ulMaxKeySize != 0 && info.ulMaxKeySize < 3072) {
        return Unimplemented("token \"" + token.label + "\" supports RSA keys up to " +
                             std::to_string(info.ulMaxKeySize) + " bits only; rsa-3072 needs 3072");
      }
    }
    return OkStatus();
  }

  // RemovePair destroys a key pair that failed its checks and returns `error` saying so.
  Error RemovePair(CK_OBJECT_HANDLE priv_h, CK_OBJECT_HANDLE pub_h, Error error, const std::string& what) {
    const CK_FUNCTION_LIST* fn = ctx_->module->fn();
    const Status removed = ctx_->pool->ExecuteReadWrite("removing the failed key", [&](CK_SESSION_HANDLE s, uint64_t) -> CK_RV {
      const CK_RV rv1 = fn->C_DestroyObject(s, priv_h);
      const CK_RV rv2 = fn->C_DestroyObject(s, pub_h);
      return rv1 != CKR_OK ? rv1 : rv2;
    });
    if (!removed.ok()) {
      return std::move(error).Prefix(what + " failed its checks and could NOT be removed (" + removed.error().message() + ")");
    }
    return std::move(error).Prefix(what + " failed its checks and was removed");
  }

  Result<std::unique_ptr<fw::SigningKey>> OpenGenerated(const CK_FUNCTION_LIST* fn, CK_OBJECT_HANDLE priv_h,
                                                        SignatureAlgorithm expected, bool backup) {
    KeyObject key;
    uint64_t generation = 0;
    SIGNET_RETURN_IF_ERROR(ctx_->pool->Execute("reading the new key", [&](CK_SESSION_HANDLE s, uint64_t gen) -> CK_RV {
      generation = gen;
      return ReadKeyObject(fn, s, priv_h, &key);
    }));
    const KeyAttributes& a = key.attributes;
    // The token must have honoured the template.
    const bool export_ok = backup ? fw::IsBackupCapable(a) : !a.extractable;
    if (!a.sensitive || !export_ok || !a.is_private || !a.token || a.can_decrypt || a.can_unwrap || a.can_derive) {
      return Internal(backup ? "token did not honour the key template (sensitive, extractable only with "
                               "CKA_WRAP_WITH_TRUSTED, private, sign-only)"
                             : "token did not honour the key template (sensitive, non-extractable, private, sign-only)");
    }
    SIGNET_ASSIGN_OR_RETURN(std::unique_ptr<fw::SigningKey> opened, Open(std::move(key), generation, fw::OpenOptions{}));
    if (opened->algorithm() != expected) return Internal("token generated a different key type than requested");
    return opened;
  }

  Result<std::unique_ptr<fw::SigningKey>> Open(KeyObject key, uint64_t generation, const fw::OpenOptions& options) {
    const std::string uri = KeyUri(*ctx_, key.attributes);
    SIGNET_RETURN_IF_ERROR(CheckStrength(key.attributes, uri, options));
    SIGNET_ASSIGN_OR_RETURN(SignatureAlgorithm alg, AlgorithmOf(key));
    SIGNET_ASSIGN_OR_RETURN(Bytes spki, SpkiOf(alg, key));
    return std::unique_ptr<fw::SigningKey>(
        new Pkcs11SigningKey(ctx_, alg, std::move(spki), std::move(key.attributes), key.handle, generation));
  }

  std::shared_ptr<TokenContext> ctx_;
};

const char* const kModuleDirs[] = {"/usr/lib/x86_64-linux-gnu/pkcs11", "/usr/lib/pkcs11",
                                   "/usr/lib/x86_64-linux-gnu/softhsm", "/usr/lib/softhsm"};

}  // namespace

Result<std::string> ResolveModulePath(const Pkcs11Uri& uri, const KeyStoreOptions& options) {
  if (uri.module_path) return *uri.module_path;
  if (uri.module_name) {
    const std::string& name = *uri.module_name;
    if (name.find('/') != std::string::npos) return InvalidArgument("module-name must not contain '/'");
    for (const char* dir : kModuleDirs) {
      for (const std::string& file : {name + ".so", "lib" + name + ".so"}) {
        const std::string path = std::string(dir) + "/" + file;
        if (access(path.c_str(), R_OK) == 0) return path;
      }
    }
    return NotFound("no PKCS#11 module named \"" + name + "\" in the system module folders");
  }
  if (!options.module_path.empty()) return options.module_path;
  return InvalidArgument("no PKCS#11 module given (use module-path in the URI, --module or SIGNET_PKCS11_MODULE)");
}

Result<std::optional<SecretBytes>> ResolvePin(const Pkcs11Uri& uri, std::string_view pin_env) {
  Bytes buffer;
  auto finish = [&](std::string_view source) -> Result<std::optional<SecretBytes>> {
    // One trailing newline (what `echo` writes) is not part of the PIN.
    size_t n = buffer.size();
    if (n > 0 && buffer[n - 1] == '\n') --n;
    if (n > 0 && buffer[n - 1] == '\r') --n;
    SecretBytes pin(ByteView(buffer.data(), n));
    OPENSSL_cleanse(buffer.data(), buffer.size());
    if (pin.empty()) return InvalidArgument("the PIN from " + std::string(source) + " is empty");
    return std::optional<SecretBytes>(std::move(pin));
  };
  if (uri.pin_source) {
    std::string path = *uri.pin_source;
    if (path.rfind("file:", 0) == 0) {
      path = path.substr(5);
      if (path.rfind("//", 0) == 0) path = path.substr(2);  // file:///abs -> /abs
    }
    if (path.empty()) return InvalidArgument("pin-source is empty");
    // Regular files only, opened without blocking (a FIFO or a directory is refused at once),
    // and private to their owner: a PIN that other users can read is no longer a secret.
    struct stat st {};
    auto opened = OpenInputFile(path, &st);
    if (!opened.ok()) {
      if (opened.error().code() == ErrorCode::kNotFound) {
        return NotFound("cannot read the PIN file named by pin-source (\"" + path + "\")");
      }
      return std::move(opened).error().Prefix("pin-source");
    }
    if ((st.st_mode & (S_IRWXG | S_IRWXO)) != 0) {
      char mode[8];
      std::snprintf(mode, sizeof mode, "%04o", static_cast<unsigned>(st.st_mode & 07777));
      return PermissionDenied("pin-source: the PIN file \"" + path + "\" is accessible to other users (mode " + mode +
                              "); make it private to its owner (chmod 600)");
    }
    const int fd = opened->get();
    buffer.resize(kMaxPinBytes + 1);
    size_t got = 0;
    while (got < buffer.size()) {
      const ssize_t r = read(fd, buffer.data() + got, buffer.size() - got);
      if (r < 0) {
        if (errno == EINTR) continue;
        OPENSSL_cleanse(buffer.data(), buffer.size());
        return Internal("reading the PIN file \"" + path + "\" failed");
      }
      if (r == 0) break;
      got += static_cast<size_t>(r);
    }
    opened->Reset();
    if (got > kMaxPinBytes) {
      OPENSSL_cleanse(buffer.data(), buffer.size());
      return InvalidArgument("the PIN file \"" + path + "\" is longer than 256 bytes");
    }
    buffer.resize(got);
    return finish("pin-source \"" + path + "\"");
  }
  if (uri.pin_value) {
    if (uri.pin_value->empty()) return InvalidArgument("pin-value is empty");
    return std::optional<SecretBytes>(SecretBytes(uri.pin_value->Reveal()));
  }
  if (!pin_env.empty()) {
    const std::string name(pin_env);
    const char* value = std::getenv(name.c_str());
    if (value == nullptr) return NotFound("the PIN environment variable " + name + " is not set");
    const size_t len = std::strlen(value);
    if (len > kMaxPinBytes) return InvalidArgument("the PIN in " + name + " is longer than 256 bytes");
    buffer.assign(value, value + len);
    return finish("environment variable " + name);
  }
  return std::optional<SecretBytes>();
}

Status CheckLibraryAttributes(const Module& module, const Pkcs11Uri& uri) {
  if (!uri.library_manufacturer && !uri.library_description && !uri.library_version) return OkStatus();
  if (module.fn()->C_GetInfo == nullptr) {
    return Unimplemented("PKCS#11 module \"" + module.path() + "\" has no C_GetInfo to check library-* against");
  }
  CK_INFO info{};
  const CK_RV rv = module.fn()->C_GetInfo(&info);
  if (rv != CKR_OK) return Pkcs11Error("C_GetInfo of PKCS#11 module \"" + module.path() + "\"", rv);
  // PKCS#11 v2.40 §3.1: text fields are blank-padded, not terminated.
  auto trim = [](const unsigned char* data, size_t size) {
    std::string t(reinterpret_cast<const char*>(data), size);
    while (!t.empty() && (t.back() == ' ' || t.back() == '\0')) t.pop_back();
    return t;
  };
  const std::string manufacturer = trim(info.manufacturerID, sizeof info.manufacturerID);
  const std::string description = trim(info.libraryDescription, sizeof info.libraryDescription);
  const std::string version =
      std::to_string(info.libraryVersion.major) + "." + std::to_string(info.libraryVersion.minor);
  auto mismatch = [&](const char* attribute, const std::string& wanted, const std::string& have) {
    return InvalidArgument("PKCS#11 module \"" + module.path() + "\" does not match the URI: " + attribute + "=\"" +
                           wanted + "\" was asked for, the module reports \"" + have + "\" (C_GetInfo)");
  };
  if (uri.library_manufacturer && *uri.library_manufacturer != manufacturer) {
    return mismatch("library-manufacturer", *uri.library_manufacturer, manufacturer);
  }
  if (uri.library_description && *uri.library_description != description) {
    return mismatch("library-description", *uri.library_description, description);
  }
  if (uri.library_version) {
    // RFC 7512 §2.3: "M" or "M.N"; a missing minor version is 0. ParsePkcs11Uri checked the form.
    const std::string& want = *uri.library_version;
    const size_t dot = want.find('.');
    auto number = [](std::string_view digits, unsigned& out) {
      auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), out);
      return !digits.empty() && ec == std::errc() && end == digits.data() + digits.size();
    };
    unsigned major = 0, minor = 0;
    const std::string_view text(want);
    if (!number(text.substr(0, dot), major) || (dot != std::string::npos && !number(text.substr(dot + 1), minor))) {
      return InvalidArgument("pkcs11 URI: library-version must be M or M.N (decimal)");
    }
    if (major != static_cast<unsigned>(info.libraryVersion.major) ||
        minor != static_cast<unsigned>(info.libraryVersion.minor)) {
      return mismatch("library-version", want, version);
    }
  }
  return OkStatus();
}

Result<std::unique_ptr<fw::KeyStore>> OpenKeyStoreWithModule(std::shared_ptr<Module> module, std::string_view uri_text,
                                                             const KeyStoreOptions& options) {
  SIGNET_ASSIGN_OR_RETURN(Pkcs11Uri uri, ParsePkcs11Uri(uri_text));
  SIGNET_RETURN_IF_ERROR(CheckLibraryAttributes(*module, uri));
  SIGNET_ASSIGN_OR_RETURN(std::optional<SecretBytes> pin, ResolvePin(uri, options.pin_env));
  auto ctx = std::make_shared<TokenContext>();
  ctx->module = module;
  if (module->path().find('/') != std::string::npos) ctx->module_path = module->path();
  SIGNET_ASSIGN_OR_RETURN(ctx->pool, SessionPool::Create(module, TokenSelector::FromUri(uri), std::move(pin), options.pool));
  return std::unique_ptr<fw::KeyStore>(new Pkcs11KeyStore(std::move(ctx)));
}

Result<std::unique_ptr<fw::KeyStore>> OpenKeyStore(std::string_view uri_text, const KeyStoreOptions& options) {
  SIGNET_ASSIGN_OR_RETURN(Pkcs11Uri uri, ParsePkcs11Uri(uri_text));
  SIGNET_ASSIGN_OR_RETURN(std::string path, ResolveModulePath(uri, options));
  SIGNET_ASSIGN_OR_RETURN(std::shared_ptr<Module> module, Module::Load(path));
  return OpenKeyStoreWithModule(std::move(module), uri_text, options);
}

}  // namespace signet::hsm
