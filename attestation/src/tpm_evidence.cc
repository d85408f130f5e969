// TPM evidence parsing and the nine-step verifier. See tpm_evidence.h.
#include "signet/attestation/tpm_evidence.h"

#include <ctime>
#include <optional>
#include <set>
#include <utility>

#include "signet/attestation/tpm_structs.h"
#include "signet/core/encoding.h"
#include "signet/core/hash.h"
#include "signet/core/ossl.h"
#include "signet/core/public_key.h"
#include "tpm_ek.h"
#include "tpm_json_util.h"

namespace signet::attestation {
namespace {

namespace f = findings;

constexpr size_t kMaxEvidenceBytes = 8 * 1024 * 1024;
constexpr size_t kMaxBlob = 4096;       // TPM structures are far smaller
constexpr size_t kMaxCert = 16 * 1024;  // one DER certificate
constexpr size_t kMaxChain = 8;

const char* const kClaims[] = {
    "",
    "ek_chain_trusted",
    "ek_is_enrolled_ek",
    "ak_attributes_and_enrollment",
    "quote_signature",
    "attest_structure",
    "freshness",
    "pcr_selection",
    "event_log_replay",
    "reference_values",
};
constexpr int kSteps = 9;

// Verification tracks the result while the steps run.
class Verification {
 public:
  Verification() {
    for (int i = 1; i <= kSteps; ++i) {
      result_.claims.push_back(ClaimResult{i, kClaims[i], "not_checked", ""});
    }
  }
  void Pass(int step) { result_.claims[static_cast<size_t>(step - 1)].result = "pass"; }
  TpmAttestationResult Fail(int step, std::string finding) {
    auto& c = result_.claims[static_cast<size_t>(step - 1)];
    c.result = "fail";
    c.finding = finding;
    result_.finding = std::move(finding);
    result_.trusted = false;
    return std::move(result_);
  }
  TpmAttestationResult Trusted() {
    result_.trusted = true;
    return std::move(result_);
  }
  TpmAttestationResult& result() { return result_; }

 private:
  TpmAttestationResult result_;
};

JsonValue B64(ByteView b) { return JsonValue::String(Base64Encode(b)); }

}  // namespace

Result<EnrollmentRecord> ParseEnrollmentRecord(const JsonValue& v) {
  SIGNET_RETURN_IF_ERROR(internal::ExpectExactMembers(
      v, "enrollment record", {"method", "ek_spki_sha256", "ak_name", "enrolled_at"}));
  EnrollmentRecord r;
  SIGNET_ASSIGN_OR_RETURN(r.method, v.GetString("method"));
  if (r.method != "tpm2-make-credential") return InvalidArgument("unknown enrollment method");
  SIGNET_ASSIGN_OR_RETURN(r.ek_spki_sha256, internal::GetHex(v, "ek_spki_sha256", 32));
  SIGNET_ASSIGN_OR_RETURN(r.ak_name, internal::GetHex(v, "ak_name", 0));
  if (r.ak_name.size() < 2 || r.ak_name.size() > 66) return InvalidArgument("bad AK name size");
  SIGNET_ASSIGN_OR_RETURN(r.enrolled_at, v.GetString("enrolled_at"));
  if (r.enrolled_at.size() > 64) return InvalidArgument("enrolled_at too long");
  return r;
}

JsonValue EnrollmentRecordToJson(const EnrollmentRecord& r) {
  JsonValue v = JsonValue::MakeObject();
  v.Set("method", JsonValue::String(r.method));
  v.Set("ek_spki_sha256", JsonValue::String(HexEncode(r.ek_spki_sha256)));
  v.Set("ak_name", JsonValue::String(HexEncode(r.ak_name)));
  v.Set("enrolled_at", JsonValue::String(r.enrolled_at));
  return v;
}

Result<TpmEvidence> ParseTpmEvidence(std::string_view json) {
  JsonLimits limits;
  limits.max_bytes = kMaxEvidenceBytes;
  limits.max_depth = 16;
  SIGNET_ASSIGN_OR_RETURN(JsonValue v, ParseJson(json, limits));
  SIGNET_RETURN_IF_ERROR(internal::ExpectExactMembers(
      v, "evidence",
      {"version", "attest", "signature", "ak_public", "ek_certificate", "ek_chain", "event_log",
       "nonce", "channel_binding", "tpm"},
      {"enrollment", "batch_root"}));
  SIGNET_ASSIGN_OR_RETURN(std::string version, v.GetString("version"));
  if (version != kTpmEvidenceVersion) return InvalidArgument("unsupported evidence version");
  TpmEvidence ev;
  SIGNET_ASSIGN_OR_RETURN(ev.attest, internal::GetBase64(v, "attest", kMaxBlob));
  SIGNET_ASSIGN_OR_RETURN(ev.signature, internal::GetBase64(v, "signature", kMaxBlob));
  SIGNET_ASSIGN_OR_RETURN(ev.ak_public, internal::GetBase64(v, "ak_public", kMaxBlob));
  SIGNET_ASSIGN_OR_RETURN(ev.ek_certificate, internal::GetBase64(v, "ek_certificate", kMaxCert));
  SIGNET_ASSIGN_OR_RETURN(const JsonValue::Array* chain, v.GetArray("ek_chain"));
  if (chain->size() > kMaxChain) return InvalidArgument("EK chain too long");
  for (const JsonValue& c : *chain) {
    if (!c.is_string()) return InvalidArgument("ek_chain entries must be base64 strings");
    auto der = Base64Decode(c.string_value());
    if (!der.ok() || der->size() > kMaxCert) return InvalidArgument("bad ek_chain entry");
    ev.ek_chain.push_back(std::move(der).value());
  }
  if (const JsonValue* e = v.Find("enrollment")) {
    SIGNET_ASSIGN_OR_RETURN(EnrollmentRecord r, ParseEnrollmentRecord(*e));
    ev.enrollment = std::move(r);
  }
  SIGNET_ASSIGN_OR_RETURN(const JsonValue* log, v.GetMember("event_log"));
  ev.event_log = *log;
  SIGNET_ASSIGN_OR_RETURN(ev.nonce, internal::GetHex(v, "nonce", 0));
  SIGNET_ASSIGN_OR_RETURN(ev.channel_binding, internal::GetHex(v, "channel_binding", 0));
  if (ev.nonce.size() > 64 || ev.channel_binding.size() > 64) {
    return InvalidArgument("nonce or channel binding too long");
  }
  SIGNET_ASSIGN_OR_RETURN(const JsonValue* tpm, v.GetObject("tpm"));
  SIGNET_RETURN_IF_ERROR(
      internal::ExpectExactMembers(*tpm, "tpm", {"manufacturer", "firmware_version"}));
  SIGNET_ASSIGN_OR_RETURN(ev.tpm_manufacturer, tpm->GetString("manufacturer"));
  if (ev.tpm_manufacturer.size() > 16) return InvalidArgument("manufacturer too long");
  SIGNET_ASSIGN_OR_RETURN(ev.tpm_firmware_version,
                          internal::GetBoundedUint(*tpm, "firmware_version", UINT64_MAX));
  if (v.Find("batch_root") != nullptr) {
    SIGNET_ASSIGN_OR_RETURN(ev.batch_root, internal::GetHex(v, "batch_root", 32));
  }
  return ev;
}

std::string SerializeTpmEvidence(const TpmEvidence& ev) { return WriteJson(TpmEvidenceToJson(ev), 2) + "\n"; }

Result<AttestationResponse> ParseAttestationResponse(std::string_view json) {
  JsonLimits limits;
  limits.max_bytes = kMaxEvidenceBytes;
  limits.max_depth = 17;
  SIGNET_ASSIGN_OR_RETURN(JsonValue v, ParseJson(json, limits));
  SIGNET_RETURN_IF_ERROR(internal::ExpectExactMembers(v, "attestation response", {"evidence", "batch"}));
  SIGNET_ASSIGN_OR_RETURN(const JsonValue* ev, v.GetObject("evidence"));
  AttestationResponse r;
  // The evidence is parsed by the one evidence parser, from its own text.
  SIGNET_ASSIGN_OR_RETURN(r.evidence, ParseTpmEvidence(WriteJson(*ev)));
  if (r.evidence.batch_root.empty()) return InvalidArgument("the evidence is not a batch quote");
  SIGNET_ASSIGN_OR_RETURN(const JsonValue* batch, v.GetObject("batch"));
  SIGNET_ASSIGN_OR_RETURN(r.batch, ParseBatchProofJson(*batch));
  return r;
}

std::string AttestationResponseToJson(const AttestationResponse& r) {
  JsonValue v = JsonValue::MakeObject();
  v.Set("evidence", TpmEvidenceToJson(r.evidence));
  v.Set("batch", BatchProofToJson(r.batch));
  return WriteJson(v);
}

JsonValue TpmEvidenceToJson(const TpmEvidence& ev) {
  JsonValue v = JsonValue::MakeObject();
  v.Set("version", JsonValue::String(kTpmEvidenceVersion));
  v.Set("attest", B64(ev.attest));
  v.Set("signature", B64(ev.signature));
  v.Set("ak_public", B64(ev.ak_public));
  v.Set("ek_certificate", B64(ev.ek_certificate));
  JsonValue chain = JsonValue::MakeArray();
  for (const auto& c : ev.ek_chain) chain.Push(B64(c));
  v.Set("ek_chain", std::move(chain));
  if (ev.enrollment) v.Set("enrollment", EnrollmentRecordToJson(*ev.enrollment));
  v.Set("event_log", ev.event_log);
  v.Set("nonce", JsonValue::String(HexEncode(ev.nonce)));
  v.Set("channel_binding", JsonValue::String(HexEncode(ev.channel_binding)));
  JsonValue tpm = JsonValue::MakeObject();
  tpm.Set("manufacturer", JsonValue::String(ev.tpm_manufacturer));
  tpm.Set("firmware_version", JsonValue::Uint(ev.tpm_firmware_version));
  v.Set("tpm", std::move(tpm));
  if (!ev.batch_root.empty()) v.Set("batch_root", JsonValue::String(HexEncode(ev.batch_root)));
  return v;
}

Status CheckNonceSizes(ByteView nonce, ByteView channel_binding) {
  if (nonce.size() != 32) return InvalidArgument("the nonce must be 32 bytes (64 hex digits)");
  if (!channel_binding.empty() && channel_binding.size() != 32) {
    return InvalidArgument("the channel binding must be empty or 32 bytes (64 hex digits)");
  }
  return OkStatus();
}

Result<Bytes> QualifyingData(ByteView nonce, ByteView channel_binding) {
  SIGNET_RETURN_IF_ERROR(CheckNonceSizes(nonce, channel_binding));
  Bytes msg = ToBytes(kQualifyingDataDomain);
  msg.insert(msg.end(), nonce.begin(), nonce.end());
  msg.insert(msg.end(), channel_binding.begin(), channel_binding.end());
  return Sha256(ByteView(msg));
}

class EkRoots {
 public:
  explicit EkRoots(ossl::UniquePtr<X509_STORE> store) : store_(std::move(store)) {}
  X509_STORE* store() const { return store_.get(); }

 private:
  ossl::UniquePtr<X509_STORE> store_;
};

Result<std::shared_ptr<const EkRoots>> ParseEkRoots(std::string_view pem) {
  SIGNET_ASSIGN_OR_RETURN(ossl::UniquePtr<X509_STORE> store, internal::NewEkRootStore(pem));
  return std::shared_ptr<const EkRoots>(std::make_shared<EkRoots>(std::move(store)));
}

Result<TpmAttestationResult> VerifyTpmEvidence(const TpmEvidence& ev,
                                               const TpmVerifyOptions& opt) {
  SIGNET_ASSIGN_OR_RETURN(Bytes expected_qd, QualifyingData(opt.nonce, opt.channel_binding));
  Verification v;
  v.result().tpm_manufacturer = ev.tpm_manufacturer;

  // 1. The EK certificate chains to a trusted EK root; an EKU, if present, says "EK certificate".
  SIGNET_ASSIGN_OR_RETURN(internal::EkCheck ek,
                          opt.ek_roots != nullptr
                              ? internal::CheckEkCertificate(ev.ek_certificate, ev.ek_chain, opt.ek_roots->store(),
                                                             opt.verification_time)
                              : internal::CheckEkCertificate(ev.ek_certificate, ev.ek_chain, opt.ek_roots_pem,
                                                             opt.verification_time));
  v.result().ek_eku_present = ek.eku_present;
  if (!ek.chain_trusted) return v.Fail(1, f::kEkChainUntrusted);
  if (!ek.eku_ok) return v.Fail(1, f::kEkEkuInvalid);
  v.Pass(1);

  // 2. The certified EK is the EK the AK was enrolled against, per the verifier's own record.
  //    The evidence's `enrollment` member is never consulted: only the appliance vouches for it.
  const std::optional<EnrollmentRecord>& enrollment = opt.trusted_enrollment;
  if (!enrollment) return v.Fail(2, f::kAkNotEnrolled);
  if (ek.spki_sha256.empty()) return v.Fail(2, f::kEkNotEnrolledEk);  // the key did not encode
  if (!ConstantTimeEqual(ek.spki_sha256, enrollment->ek_spki_sha256)) {
    return v.Fail(2, f::kEkNotEnrolledEk);
  }
  v.Pass(2);

  // 3. AK attributes, then its recomputed Name against the enrolled Name.
  auto ak = ParseTpm2bPublic(ev.ak_public);
  if (!ak.ok()) return v.Fail(3, f::kAkPublicMalformed);
  constexpr uint32_t kRequired =
      kAttrFixedTpm | kAttrFixedParent | kAttrSensitiveDataOrigin | kAttrRestricted | kAttrSign;
  if ((ak->attributes & kRequired) != kRequired || (ak->attributes & kAttrDecrypt) != 0) {
    return v.Fail(3, f::kAkAttributesInvalid);
  }
  auto name = ComputeName(*ak);
  if (!name.ok()) return v.Fail(3, f::kAkPublicMalformed);
  v.result().ak_name = *name;
  if (!ConstantTimeEqual(*name, enrollment->ak_name)) return v.Fail(3, f::kAkNotEnrolled);
  v.Pass(3);

  // 4. Signature algorithm allow-list, then the signature over the exact TPMS_ATTEST bytes.
  auto sig = ParseTpmtSignature(ev.signature);
  if (!sig.ok()) return v.Fail(4, f::kSignatureMalformed);
  // The AK profiles are those of the one vocabulary (core/public_key.h) a Tpm creates:
  // ecdsa-p256 (ECDSA, P-256, SHA-256) and rsa-2048 (RSASSA-PKCS1-v1_5, SHA-256).
  std::optional<SignatureAlgorithm> ak_alg;
  if (sig->sig_alg == kTpmAlgEcdsa && ak->type == kTpmAlgEcc && ak->curve == kTpmEccNistP256) {
    ak_alg = SignatureAlgorithm::kEcdsaP256Sha256;
  } else if (sig->sig_alg == kTpmAlgRsassa && ak->type == kTpmAlgRsa && ak->rsa_bits == 2048) {
    ak_alg = SignatureAlgorithm::kRsa2048Pkcs1Sha256;
  }
  const bool scheme_ok = ak->scheme == kTpmAlgNull ||
                         (ak->scheme == sig->sig_alg && ak->scheme_hash == sig->hash_alg);
  if (sig->hash_alg != kTpmAlgSha256 || !ak_alg || !scheme_ok) {
    return v.Fail(4, f::kSignatureAlgorithmNotAllowed);
  }
  auto body = ParseTpm2bAttestBody(ev.attest);
  if (!body.ok()) return v.Fail(4, f::kAttestMalformed);
  auto evp = TpmPublicToKey(*ak);
  if (!evp.ok()) {
    (void)ossl::DrainErrors();
    return v.Fail(4, f::kAkPublicMalformed);
  }
  auto key = PublicKey::FromEvp(evp->get(), *ak_alg);
  if (!key.ok()) return v.Fail(4, f::kSignatureAlgorithmNotAllowed);
  auto der_sig = SignatureToDer(*sig);
  if (!der_sig.ok()) {
    (void)ossl::DrainErrors();
    return v.Fail(4, f::kSignatureMalformed);
  }
  if (!key->Verify(*body, *der_sig).ok()) return v.Fail(4, f::kQuoteSignatureInvalid);
  v.Pass(4);

  // 5. Decode only now: complete unmarshalling, magic and type.
  auto quote = ParseTpmsAttestQuote(*body);
  if (!quote.ok()) {
    const std::string& finding = quote.error().finding();
    return v.Fail(5, finding.empty() ? f::kAttestMalformed : finding);
  }
  v.result().firmware_version = quote->firmware_version;
  v.result().clock = quote->clock;
  v.result().reset_count = quote->reset_count;
  v.result().restart_count = quote->restart_count;
  v.result().safe = quote->safe;
  v.Pass(5);

  // 6. Freshness and channel binding. The attester's claimed inputs are compared first only to
  //    name the mismatch precisely; the decision rests on the signed extraData. A batch quote
  //    signs a Merkle root instead: this verifier's own leaf must be proven under it.
  if (!ev.batch_root.empty()) {
    if (!opt.batch) return v.Fail(6, f::kBatchProofInvalid);
    Status fresh = VerifyBatchFreshness(quote->extra_data, ev.batch_root, *opt.batch, ev.nonce,
                                        ev.channel_binding, opt.nonce, opt.channel_binding);
    if (!fresh.ok()) return v.Fail(6, fresh.error().finding());
  } else {
    if (!ConstantTimeEqual(ev.nonce, opt.nonce)) return v.Fail(6, f::kNonceMismatch);
    if (!ConstantTimeEqual(ev.channel_binding, opt.channel_binding)) {
      return v.Fail(6, f::kChannelBindingMismatch);
    }
    if (!ConstantTimeEqual(quote->extra_data, expected_qd)) return v.Fail(6, f::kExtraDataMismatch);
  }
  v.Pass(6);

  // 7. A PCR that cannot be reset behind the verifier's back, and exactly that selection.
  if ((opt.reference.pcr == 16 || opt.reference.pcr == 23) && !opt.allow_resettable_pcr) {
    return v.Fail(7, f::kPcrResettable);
  }
  const std::vector<PcrSelection> want = {PcrSelection{kTpmAlgSha256, {opt.reference.pcr}}};
  if (quote->pcr_select != want) return v.Fail(7, f::kPcrSelectionMismatch);
  v.Pass(7);

  // 8. Replay the event log to the quoted digest. With one selected PCR the quoted digest is
  //    SHA-256 of that PCR's value (Part 3 TPM2_Quote: digest of the selected values).
  auto log = ParseEventLogJson(ev.event_log);
  if (!log.ok()) return v.Fail(8, f::kEventLogMalformed);
  if (!CheckSequence(*log).ok()) return v.Fail(8, f::kEventLogSequenceInvalid);
  for (const auto& e : log->events) {
    if (e.pcr != opt.reference.pcr) return v.Fail(8, f::kEventPcrNotQuoted);
  }
  auto replayed = ReplayEventLog(*log);
  Bytes pcr_value(32, 0);
  if (auto it = replayed.find(opt.reference.pcr); it != replayed.end()) pcr_value = it->second;
  if (!ConstantTimeEqual(Sha256(ByteView(pcr_value)), quote->pcr_digest)) {
    return v.Fail(8, f::kEventLogReplayMismatch);
  }
  v.Pass(8);

  // 9. Typed events against the reference values.
  bool separator_seen = false;
  std::set<std::string> matched;
  for (const auto& e : log->events) {
    MeasuredEvent m{e.seq, e.kind, e.path, HexEncode(e.sha256), ""};
    auto kind = ParseEventKind(e.kind);
    if (!kind.ok()) {
      v.result().measurements.push_back(m);
      return v.Fail(9, f::kEventKindUnknown);
    }
    if (separator_seen) {
      v.result().measurements.push_back(m);
      return v.Fail(9, f::kEventAfterSeparator);
    }
    if (*kind == EventKind::kSeparator) {
      separator_seen = true;
      if (!e.path.empty() || e.sha256 != Bytes(32, 0)) return v.Fail(9, f::kEventLogMalformed);
      v.result().measurements.push_back(m);
      continue;
    }
    // The path is bound too (it is in the extended record): same kind, digest and path.
    bool other_path = false;
    for (const auto& r : opt.reference.measurements) {
      if (r.kind != e.kind || !ConstantTimeEqual(r.sha256, e.sha256) || matched.count(r.id)) {
        continue;
      }
      if (r.path != e.path) {
        other_path = true;
        continue;
      }
      m.reference_id = r.id;
      break;
    }
    v.result().measurements.push_back(m);
    if (m.reference_id.empty()) {
      return v.Fail(9, other_path ? f::kReferencePathMismatch : f::kReferenceDigestMismatch);
    }
    matched.insert(m.reference_id);
    v.result().matched_reference_ids.push_back(m.reference_id);
  }
  if (!separator_seen) return v.Fail(9, f::kSeparatorMissing);
  if (matched.size() != opt.reference.measurements.size()) {
    return v.Fail(9, f::kReferenceMissing);
  }
  v.Pass(9);
  return v.Trusted();
}

JsonValue AttestationResultToJson(const TpmAttestationResult& r) {
  JsonValue v = JsonValue::MakeObject();
  v.Set("result", JsonValue::String(r.trusted ? "pass" : "fail"));
  if (!r.trusted) v.Set("finding", JsonValue::String(r.finding));
  JsonValue claims = JsonValue::MakeArray();
  for (const auto& c : r.claims) {
    JsonValue o = JsonValue::MakeObject();
    o.Set("step", JsonValue::Int(c.step));
    o.Set("claim", JsonValue::String(c.claim));
    o.Set("result", JsonValue::String(c.result));
    if (!c.finding.empty()) o.Set("finding", JsonValue::String(c.finding));
    claims.Push(std::move(o));
  }
  v.Set("claims", std::move(claims));
  JsonValue ms = JsonValue::MakeArray();
  for (const auto& m : r.measurements) {
    JsonValue o = JsonValue::MakeObject();
    o.Set("seq", JsonValue::Uint(m.seq));
    o.Set("kind", JsonValue::String(m.kind));
    o.Set("path", JsonValue::String(m.path));
    o.Set("sha256", JsonValue::String(m.sha256));
    o.Set("reference_id", m.reference_id.empty() ? JsonValue::Null()
                                                 : JsonValue::String(m.reference_id));
    ms.Push(std::move(o));
  }
  v.Set("measurements", std::move(ms));
  JsonValue ids = JsonValue::MakeArray();
  for (const auto& id : r.matched_reference_ids) ids.Push(JsonValue::String(id));
  v.Set("matched_reference_ids", std::move(ids));
  v.Set("ek_eku_present", JsonValue::Bool(r.ek_eku_present));
  JsonValue tpm = JsonValue::MakeObject();
  tpm.Set("ak_name", JsonValue::String(HexEncode(r.ak_name)));
  tpm.Set("manufacturer", JsonValue::String(r.tpm_manufacturer));
  tpm.Set("firmware_version", JsonValue::Uint(r.firmware_version));
  tpm.Set("clock", JsonValue::Uint(r.clock));
  tpm.Set("reset_count", JsonValue::Uint(r.reset_count));
  tpm.Set("restart_count", JsonValue::Uint(r.restart_count));
  tpm.Set("safe", JsonValue::Bool(r.safe));
  v.Set("tpm", std::move(tpm));
  return v;
}

}  // namespace signet::attestation
