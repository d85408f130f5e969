// Verifier-driven AK enrollment. See tpm_enrollment.h.
#include "signet/attestation/tpm_enrollment.h"

#include <openssl/core_names.h>
#include <openssl/crypto.h>

#include <utility>

#include "signet/attestation/tpm_structs.h"
#include "signet/core/byte_cursor.h"
#include "signet/core/encoding.h"
#include "signet/core/json.h"
#include "signet/core/ossl.h"
#include "tpm_ek.h"
#include "tpm_json_util.h"

namespace signet::attestation {
namespace {

namespace tf = findings;

constexpr size_t kMaxDocBytes = 64 * 1024;
constexpr size_t kMaxBlob = 4096;
constexpr size_t kMaxTimeText = 64;

JsonLimits DocLimits() {
  JsonLimits limits;
  limits.max_bytes = kMaxDocBytes;
  limits.max_depth = 4;
  return limits;
}

// ParseDoc parses `json` and checks its version and exact member set.
Result<JsonValue> ParseDoc(std::string_view json, std::string_view what,
                           std::string_view version,
                           std::initializer_list<std::string_view> members) {
  SIGNET_ASSIGN_OR_RETURN(JsonValue v, ParseJson(json, DocLimits()));
  SIGNET_RETURN_IF_ERROR(internal::ExpectExactMembers(v, what, members));
  SIGNET_ASSIGN_OR_RETURN(std::string got, v.GetString("version"));
  if (got != version) return InvalidArgument(std::string(what) + ": unsupported version");
  return v;
}

Result<Bytes> GetName(const JsonValue& v) {
  SIGNET_ASSIGN_OR_RETURN(Bytes name, internal::GetHex(v, "ak_name", 0));
  // A SHA-256 Name: nameAlg || digest (MakeCredential binds only those).
  if (name.size() != 34 || name[0] != 0x00 || name[1] != kTpmAlgSha256) {
    return InvalidArgument("ak_name must be a SHA-256 TPM Name");
  }
  return name;
}

Result<SecretBytes> GetSecret(const JsonValue& v) {
  SIGNET_ASSIGN_OR_RETURN(std::string text, v.GetString("secret"));
  auto bytes = Base64Decode(text);
  OPENSSL_cleanse(text.data(), text.size());
  if (!bytes.ok() || bytes->size() != kEnrollSecretSize) {
    if (bytes.ok()) OPENSSL_cleanse(bytes->data(), bytes->size());
    return InvalidArgument("member \"secret\" must be base64 of " +
                           std::to_string(kEnrollSecretSize) + " bytes");
  }
  SecretBytes secret(*bytes);
  OPENSSL_cleanse(bytes->data(), bytes->size());
  return secret;
}

Result<std::string> GetTime(const JsonValue& v, std::string_view key) {
  SIGNET_ASSIGN_OR_RETURN(std::string t, v.GetString(key));
  if (t.size() > kMaxTimeText) return InvalidArgument(std::string(key) + " too long");
  return t;
}

// SerializeWithSecret renders `v` with the secret added (its base64 temporary is wiped).
std::string SerializeWithSecret(JsonValue v, const SecretBytes& secret) {
  std::string b64 = Base64Encode(secret.Reveal());
  v.Set("secret", JsonValue::String(b64));
  OPENSSL_cleanse(b64.data(), b64.size());
  // The document is the secret's one intended copy (state.json 0600, or the response); the
  // caller writes it and drops it.
  return WriteJson(v, 2) + "\n";
}

// EkPublicFromCertificate builds the TPMT_PUBLIC of the TCG default RSA EK (template L-1) with
// the certificate's modulus, which is what MakeCredential needs.
Result<TpmPublic> EkPublicFromCertificate(ByteView ek_certificate) {
  SIGNET_ASSIGN_OR_RETURN(auto cert, ossl::ParseCertificateDer(ek_certificate));
  EVP_PKEY* key = X509_get0_pubkey(cert.get());
  if (key == nullptr || EVP_PKEY_get_base_id(key) != EVP_PKEY_RSA || EVP_PKEY_get_bits(key) != 2048) {
    (void)ossl::DrainErrors();
    return InvalidArgument("the EK certificate must certify an RSA-2048 EK (TCG template L-1)");
  }
  BIGNUM* n_raw = nullptr;
  BIGNUM* e_raw = nullptr;
  if (EVP_PKEY_get_bn_param(key, OSSL_PKEY_PARAM_RSA_N, &n_raw) != 1 ||
      EVP_PKEY_get_bn_param(key, OSSL_PKEY_PARAM_RSA_E, &e_raw) != 1) {
    BN_free(n_raw);
    BN_free(e_raw);
    return ossl::OpenSslError(ErrorCode::kInvalidArgument, "reading the EK's RSA key");
  }
  ossl::UniquePtr<BIGNUM> n(n_raw), e(e_raw);
  if (BN_num_bytes(e.get()) > 4) return InvalidArgument("EK exponent out of range");
  TpmPublic pub;
  pub.type = kTpmAlgRsa;
  pub.name_alg = kTpmAlgSha256;
  pub.attributes = kAttrFixedTpm | kAttrFixedParent | kAttrSensitiveDataOrigin |
                   kAttrAdminWithPolicy | kAttrRestricted | kAttrDecrypt;
  pub.symmetric = kTpmAlgAes;
  pub.symmetric_bits = 128;
  pub.symmetric_mode = kTpmAlgCfb;
  pub.rsa_bits = 2048;
  const BN_ULONG exp = BN_get_word(e.get());
  pub.rsa_exponent = exp == 65537 ? 0 : static_cast<uint32_t>(exp);
  pub.rsa_modulus.assign(256, 0);
  if (BN_bn2binpad(n.get(), pub.rsa_modulus.data(), 256) != 256) {
    return InvalidArgument("EK modulus is not 2048 bits");
  }
  return pub;
}

}  // namespace

Result<EnrollmentChallengeAndState> MakeEnrollmentChallenge(
    ByteView ek_certificate, const std::vector<Bytes>& ek_chain, ByteView ak_public,
    std::string_view ek_roots_pem, int64_t verification_time, ByteView secret, ByteView seed,
    ByteView challenge_id, std::string created_at) {
  if (secret.size() != kEnrollSecretSize || seed.size() != 32 ||
      challenge_id.size() != kChallengeIdSize) {
    return InvalidArgument("enrollment secret, seed or challenge id has the wrong size");
  }
  // 1. The EK certificate: pinned chain, EKU.
  SIGNET_ASSIGN_OR_RETURN(internal::EkCheck ek, internal::CheckEkCertificate(
                                                    ek_certificate, ek_chain, ek_roots_pem,
                                                    verification_time));
  if (!ek.chain_trusted) {
    return VerificationFailed(tf::kEkChainUntrusted,
                              "the EK certificate does not chain to a trusted EK root");
  }
  if (!ek.eku_ok) {
    return VerificationFailed(tf::kEkEkuInvalid,
                              "the EK certificate's extended key usage lacks tcg-kp-EKCertificate");
  }
  // 2. The EK's public key in the shape TPM2_ActivateCredential will use.
  SIGNET_ASSIGN_OR_RETURN(TpmPublic ek_pub, EkPublicFromCertificate(ek_certificate));
  SIGNET_ASSIGN_OR_RETURN(Bytes ek_spki_sha256, internal::EkSpkiSha256(ek_certificate));
  // 3. The AK: parses, restricted signing key that never leaves its TPM; its Name.
  auto ak = ParseTpm2bPublic(ak_public);
  if (!ak.ok()) return InvalidArgument("the AK public area does not parse");
  constexpr uint32_t kRequired =
      kAttrFixedTpm | kAttrFixedParent | kAttrSensitiveDataOrigin | kAttrRestricted | kAttrSign;
  if ((ak->attributes & kRequired) != kRequired || (ak->attributes & kAttrDecrypt) != 0) {
    return VerificationFailed(tf::kAkAttributesInvalid,
                              "the AK is not a restricted signing key fixed to its TPM");
  }
  SIGNET_ASSIGN_OR_RETURN(Bytes ak_name, ComputeName(*ak));
  if (ak_name.size() != 34) return InvalidArgument("the AK must use SHA-256 as name algorithm");
  // 4. MakeCredential for that Name, to that EK.
  SIGNET_ASSIGN_OR_RETURN(MakeCredentialOutput mc, MakeCredential(ek_pub, ak_name, secret, seed));
  EnrollmentChallengeAndState out;
  out.challenge.challenge_id = Bytes(challenge_id.begin(), challenge_id.end());
  out.challenge.ak_name = ak_name;
  out.challenge.credential_blob = std::move(mc.credential_blob);
  out.challenge.encrypted_secret = std::move(mc.encrypted_secret);
  out.state.challenge_id = out.challenge.challenge_id;
  out.state.ek_spki_sha256 = std::move(ek_spki_sha256);
  out.state.ak_name = std::move(ak_name);
  out.state.secret = SecretBytes(secret);
  out.state.created_at = std::move(created_at);
  return out;
}

Result<EnrollmentRecord> AcceptEnrollmentResponse(const EnrollmentState& state,
                                                  const EnrollmentResponse& response,
                                                  std::string enrolled_at) {
  if (!ConstantTimeEqual(state.challenge_id, response.challenge_id) ||
      !ConstantTimeEqual(state.ak_name, response.ak_name)) {
    return VerificationFailed(findings::kEnrollmentResponseMismatch,
                              "the response answers another enrollment challenge");
  }
  if (state.secret.size() != kEnrollSecretSize || !state.secret.Equals(response.secret)) {
    return VerificationFailed(findings::kCredentialActivationFailed,
                              "the TPM did not release the enrollment secret");
  }
  EnrollmentRecord r;
  r.ek_spki_sha256 = state.ek_spki_sha256;
  r.ak_name = state.ak_name;
  r.enrolled_at = std::move(enrolled_at);
  return r;
}

Result<EnrollmentChallenge> ParseEnrollmentChallenge(std::string_view json) {
  SIGNET_ASSIGN_OR_RETURN(
      JsonValue v,
      ParseDoc(json, "enrollment challenge", kEnrollChallengeVersion,
               {"version", "challenge_id", "ak_name", "credential_blob", "encrypted_secret"}));
  EnrollmentChallenge c;
  SIGNET_ASSIGN_OR_RETURN(c.challenge_id, internal::GetHex(v, "challenge_id", kChallengeIdSize));
  SIGNET_ASSIGN_OR_RETURN(c.ak_name, GetName(v));
  SIGNET_ASSIGN_OR_RETURN(c.credential_blob, internal::GetBase64(v, "credential_blob", kMaxBlob));
  SIGNET_ASSIGN_OR_RETURN(c.encrypted_secret,
                          internal::GetBase64(v, "encrypted_secret", kMaxBlob));
  // Both are size-prefixed TPM2B structures whose prefix covers exactly the rest.
  for (const Bytes* b : {&c.credential_blob, &c.encrypted_secret}) {
    ByteCursor cursor(*b);
    ByteView body;
    if (!cursor.ReadU16Prefixed(&body) || body.empty() || !cursor.Empty()) {
      return InvalidArgument("credential_blob/encrypted_secret must be non-empty TPM2B values");
    }
  }
  return c;
}

std::string SerializeEnrollmentChallenge(const EnrollmentChallenge& c) {
  JsonValue v = JsonValue::MakeObject();
  v.Set("version", JsonValue::String(kEnrollChallengeVersion));
  v.Set("challenge_id", JsonValue::String(HexEncode(c.challenge_id)));
  v.Set("ak_name", JsonValue::String(HexEncode(c.ak_name)));
  v.Set("credential_blob", JsonValue::String(Base64Encode(c.credential_blob)));
  v.Set("encrypted_secret", JsonValue::String(Base64Encode(c.encrypted_secret)));
  return WriteJson(v, 2) + "\n";
}

Result<EnrollmentState> ParseEnrollmentState(std::string_view json) {
  SIGNET_ASSIGN_OR_RETURN(JsonValue v, ParseDoc(json, "enrollment state", kEnrollStateVersion,
                                                {"version", "challenge_id", "ek_spki_sha256",
                                                 "ak_name", "secret", "created_at"}));
  EnrollmentState s;
  SIGNET_ASSIGN_OR_RETURN(s.challenge_id, internal::GetHex(v, "challenge_id", kChallengeIdSize));
  SIGNET_ASSIGN_OR_RETURN(s.ek_spki_sha256, internal::GetHex(v, "ek_spki_sha256", 32));
  SIGNET_ASSIGN_OR_RETURN(s.ak_name, GetName(v));
  SIGNET_ASSIGN_OR_RETURN(s.secret, GetSecret(v));
  SIGNET_ASSIGN_OR_RETURN(s.created_at, GetTime(v, "created_at"));
  return s;
}

std::string SerializeEnrollmentState(const EnrollmentState& s) {
  JsonValue v = JsonValue::MakeObject();
  v.Set("version", JsonValue::String(kEnrollStateVersion));
  v.Set("challenge_id", JsonValue::String(HexEncode(s.challenge_id)));
  v.Set("ek_spki_sha256", JsonValue::String(HexEncode(s.ek_spki_sha256)));
  v.Set("ak_name", JsonValue::String(HexEncode(s.ak_name)));
  v.Set("created_at", JsonValue::String(s.created_at));
  return SerializeWithSecret(std::move(v), s.secret);
}

Result<EnrollmentResponse> ParseEnrollmentResponse(std::string_view json) {
  SIGNET_ASSIGN_OR_RETURN(JsonValue v,
                          ParseDoc(json, "enrollment response", kEnrollResponseVersion,
                                   {"version", "challenge_id", "ak_name", "secret"}));
  EnrollmentResponse r;
  SIGNET_ASSIGN_OR_RETURN(r.challenge_id, internal::GetHex(v, "challenge_id", kChallengeIdSize));
  SIGNET_ASSIGN_OR_RETURN(r.ak_name, GetName(v));
  SIGNET_ASSIGN_OR_RETURN(r.secret, GetSecret(v));
  return r;
}

std::string SerializeEnrollmentResponse(const EnrollmentResponse& r) {
  JsonValue v = JsonValue::MakeObject();
  v.Set("version", JsonValue::String(kEnrollResponseVersion));
  v.Set("challenge_id", JsonValue::String(HexEncode(r.challenge_id)));
  v.Set("ak_name", JsonValue::String(HexEncode(r.ak_name)));
  return SerializeWithSecret(std::move(v), r.secret);
}

Result<EnrollmentRecord> ParseTrustedEnrollmentRecord(std::string_view json) {
  SIGNET_ASSIGN_OR_RETURN(JsonValue v, ParseJson(json, DocLimits()));
  if (!v.is_object() || v.Find("version") == nullptr) {
    return InvalidArgument(
        "not an enrollment record from `signet attest accept` (an ak.json or a record copied "
        "from evidence only says what the appliance claims)");
  }
  SIGNET_ASSIGN_OR_RETURN(std::string version, v.GetString("version"));
  if (version != kEnrollmentRecordVersion) {
    return InvalidArgument("enrollment record: unsupported version");
  }
  JsonValue::Object rest;
  for (const auto& m : v.object()) {
    if (m.first != "version") rest.push_back(m);
  }
  return ParseEnrollmentRecord(JsonValue::MakeObject(std::move(rest)));
}

std::string SerializeTrustedEnrollmentRecord(const EnrollmentRecord& r) {
  JsonValue v = JsonValue::MakeObject();
  v.Set("version", JsonValue::String(kEnrollmentRecordVersion));
  JsonValue record = EnrollmentRecordToJson(r);
  for (auto& m : record.mutable_object()) v.Set(m.first, std::move(m.second));
  return WriteJson(v, 2) + "\n";
}

}  // namespace signet::attestation
