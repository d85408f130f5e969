// `signet attest enroll|challenge|activate|accept|quote|verify|reference|export` and
// `signet launch`: TPM-quoted attestation of Signet's own build. The TPM side (tpm/) and the
// pure verifier (attestation/) meet only here.
//
// Every file input goes through OpenInput (non-blocking open, regular files only, bounded), so a
// FIFO, a device or a directory is refused with exit 2 instead of blocking or reading forever.
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <memory>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include <openssl/crypto.h>
#include <openssl/rand.h>

#include "signet/attestation/event_log.h"
#include "signet/attestation/reference_values.h"
#include "signet/attestation/tpm_enrollment.h"
#include "signet/attestation/tpm_evidence.h"
#include "signet/attestation/tpm_structs.h"
#include "signet/core/encoding.h"
#include "signet/core/file.h"
#include "signet/core/findings.h"
#include "signet/core/hash.h"
#include "signet/core/json.h"
#include "signet/core/ossl.h"
#include "signet/core/secret.h"
#include "signet/core/time.h"
#include "signet/firmware_iface/tpm.h"
#include "signet/ops/commands.h"
#include "signet/ops/exit_codes.h"
#include "signet/tpm/esys_tpm.h"

extern char** environ;

namespace signet::ops {
namespace {

namespace att = signet::attestation;

constexpr const char kAkFileVersion[] = "signet-tpm-ak-v1";

// Inputs go through core ReadFile / OpenInputFile: regular files only, never blocking.
std::string ErrnoText(std::string_view what, const std::string& path, int err) {
  return std::string(what) + " " + path + ": " + std::strerror(err);
}

// ----- the AK file (ak.json) ---------------------------------------------------------------

struct AkFile {
  fw::AkBlob ak;
  Bytes ek_certificate;
};

std::string SerializeAkFile(const AkFile& f) {
  JsonValue v = JsonValue::MakeObject();
  v.Set("version", JsonValue::String(kAkFileVersion));
  v.Set("algorithm", JsonValue::String(std::string(SignatureAlgorithmName(f.ak.algorithm))));
  v.Set("ak_public", JsonValue::String(Base64Encode(f.ak.public_area)));
  v.Set("ak_private", JsonValue::String(Base64Encode(f.ak.private_area)));
  v.Set("ak_name", JsonValue::String(HexEncode(f.ak.name)));
  v.Set("ek_certificate", JsonValue::String(Base64Encode(f.ek_certificate)));
  return WriteJson(v, 2) + "\n";
}

Result<Bytes> B64Member(const JsonValue& v, std::string_view key, const std::string& path) {
  auto s = v.GetString(key);
  if (!s.ok()) return InvalidArgument(path + ": member \"" + std::string(key) + "\" is missing");
  auto b = Base64Decode(*s);
  if (!b.ok()) return InvalidArgument(path + ": member \"" + std::string(key) + "\" is not base64");
  return std::move(b).value();
}

// ParseAkJson reads ak.json as JSON and checks its version; kInvalidArgument otherwise.
Result<JsonValue> ParseAkJson(const std::string& path) {
  SIGNET_ASSIGN_OR_RETURN(std::string text, ReadFile(path, 1024 * 1024));
  auto v = ParseJson(text);
  if (!v.ok() || !v->is_object()) return InvalidArgument(path + " is not a JSON object");
  auto version = v->GetString("version");
  if (!version.ok() || *version != kAkFileVersion) {
    return InvalidArgument("not a signet AK file: " + path);
  }
  return std::move(v).value();
}

// AkNameOf parses a TPM2B_PUBLIC and returns its Name, or kInvalidArgument.
Result<Bytes> AkNameOf(ByteView public_area, const std::string& path) {
  auto pub = att::ParseTpm2bPublic(public_area);
  if (!pub.ok()) return InvalidArgument(path + ": the AK public area does not parse");
  auto name = att::ComputeName(*pub);
  if (!name.ok()) return InvalidArgument(path + ": the AK public area has no usable Name");
  return std::move(name).value();
}

// LoadAkFile reads and checks ak.json: every member decodes, the public area parses, its Name
// is the recorded one and its type matches the algorithm, the private area is one TPM2B, and the
// EK certificate is DER. A tampered file is unusable local input (exit 2), never a TPM error.
// An "enrollment" member (written by older versions) is accepted and ignored.
Result<AkFile> LoadAkFile(const std::string& path) {
  SIGNET_ASSIGN_OR_RETURN(JsonValue v, ParseAkJson(path));
  for (const auto& [key, value] : v.object()) {
    if (key != "version" && key != "algorithm" && key != "ak_public" && key != "ak_private" &&
        key != "ak_name" && key != "ek_certificate" && key != "enrollment") {
      return InvalidArgument(path + ": unexpected member \"" + key + "\"");
    }
  }
  AkFile f;
  auto alg = v.GetString("algorithm");
  if (!alg.ok()) return InvalidArgument(path + ": member \"algorithm\" is missing");
  auto parsed_alg = fw::ParseAttestationKeyAlgorithm(*alg);
  if (!parsed_alg.ok()) return InvalidArgument(path + ": unknown AK algorithm");
  f.ak.algorithm = *parsed_alg;
  SIGNET_ASSIGN_OR_RETURN(f.ak.public_area, B64Member(v, "ak_public", path));
  SIGNET_ASSIGN_OR_RETURN(f.ak.private_area, B64Member(v, "ak_private", path));
  SIGNET_ASSIGN_OR_RETURN(f.ek_certificate, B64Member(v, "ek_certificate", path));
  auto name_hex = v.GetString("ak_name");
  if (!name_hex.ok()) return InvalidArgument(path + ": member \"ak_name\" is missing");
  auto name = HexDecode(*name_hex);
  if (!name.ok()) return InvalidArgument(path + ": member \"ak_name\" is not lowercase hex");
  f.ak.name = std::move(name).value();
  SIGNET_ASSIGN_OR_RETURN(Bytes computed, AkNameOf(f.ak.public_area, path));
  if (computed != f.ak.name) {
    return InvalidArgument(path + ": ak_name does not match the AK public area");
  }
  auto pub = att::ParseTpm2bPublic(f.ak.public_area);
  const bool type_ok = (f.ak.algorithm == SignatureAlgorithm::kEcdsaP256Sha256 &&
                        pub->type == att::kTpmAlgEcc) ||
                       (f.ak.algorithm == SignatureAlgorithm::kRsa2048Pkcs1Sha256 && pub->type == att::kTpmAlgRsa);
  if (!type_ok) return InvalidArgument(path + ": the AK public area is not a " + *alg + " key");
  const Bytes& priv = f.ak.private_area;
  if (priv.size() < 3 || (static_cast<size_t>(priv[0]) << 8 | priv[1]) != priv.size() - 2) {
    return InvalidArgument(path + ": ak_private is not a TPM2B_PRIVATE");
  }
  if (!ossl::ParseCertificateDer(f.ek_certificate).ok()) {
    (void)ossl::DrainErrors();
    return InvalidArgument(path + ": ek_certificate is not a DER certificate");
  }
  return f;
}

// ----- helpers ------------------------------------------------------------------------------

// TrimDer cuts an NV-stored certificate to its DER length (NV indices may be zero-padded).
Bytes TrimDer(const Bytes& der) {
  if (der.size() < 4 || der[0] != 0x30) return der;
  size_t len = 0, hdr = 0;
  if (der[1] < 0x80) {
    len = der[1];
    hdr = 2;
  } else if (der[1] == 0x81) {
    len = der[2];
    hdr = 3;
  } else if (der[1] == 0x82) {
    len = (static_cast<size_t>(der[2]) << 8) | der[3];
    hdr = 4;
  } else {
    return der;
  }
  if (hdr + len > der.size()) return der;
  for (size_t i = hdr + len; i < der.size(); ++i) {
    if (der[i] != 0 && der[i] != 0xff) return der;  // not padding: let the parser refuse it
  }
  return Bytes(der.begin(), der.begin() + static_cast<std::ptrdiff_t>(hdr + len));
}

Result<Bytes> ParseNonceHex(const std::string& hex, std::string_view what) {
  auto b = HexDecodeAnyCase(hex);
  if (!b.ok()) return InvalidArgument(std::string(what) + " must be hex");
  return std::move(b).value();
}

struct Measure {
  att::EventKind kind;
  std::string path;       // absolute, normalized: what is hashed (and, for launch, recorded)
  std::string installed;  // reference only: the path recorded (default: `path`)
};

Result<std::string> AbsolutePath(const std::string& p) {
  std::error_code ec;
  std::string out = std::filesystem::absolute(p, ec).lexically_normal().string();
  if (ec) return InvalidArgument("cannot resolve path " + p);
  return out;
}

// ParseMeasures reads KIND=PATH specs, and KIND=PATH=INSTALLED when `allow_installed` (the
// reference is computed from the release artifact PATH but binds the absolute path INSTALLED
// the appliance measures it at; the split is at the last "=/").
Result<std::vector<Measure>> ParseMeasures(const std::vector<std::string>& specs,
                                           bool allow_installed) {
  std::vector<Measure> out;
  for (const auto& s : specs) {
    auto eq = s.find('=');
    if (eq == std::string::npos || eq == 0 || eq + 1 == s.size()) {
      return InvalidArgument("--measure takes KIND=PATH");
    }
    SIGNET_ASSIGN_OR_RETURN(att::EventKind kind, att::ParseMeasuredKind(s.substr(0, eq)));
    std::string rest = s.substr(eq + 1), installed;
    if (allow_installed) {
      if (auto split = rest.rfind("=/"); split != std::string::npos && split > 0) {
        installed = rest.substr(split + 1);
        rest = rest.substr(0, split);
        if (std::filesystem::path(installed).lexically_normal().string() != installed) {
          return InvalidArgument("the installed path must be absolute and normalized");
        }
      }
    }
    SIGNET_ASSIGN_OR_RETURN(std::string path, AbsolutePath(rest));
    out.push_back({kind, path, installed.empty() ? path : installed});
  }
  if (out.empty()) return InvalidArgument("at least one --measure KIND=PATH is required");
  return out;
}

// OpenTpmQuietly opens the TPM with tpm2-tss's own stderr logging off (unless the operator set
// TSS2_LOG): failures reach the user once, as a Signet error carrying the decoded TSS2_RC.
Result<std::unique_ptr<fw::Tpm>> OpenTpmQuietly(const std::string& tcti) {
  (void)setenv("TSS2_LOG", "all+NONE", 0);
  return tpm::OpenTpm(tcti);
}

Result<Bytes> RandomBytes(size_t n) {
  Bytes b(n);
  if (RAND_bytes(b.data(), static_cast<int>(n)) != 1) {
    return ossl::OpenSslError(ErrorCode::kInternal, "RAND_bytes");
  }
  return b;
}

// ----- enroll -------------------------------------------------------------------------------

struct EnrollOpts {
  std::string tcti, out, algorithm = "ecdsa-p256";
};

Status Enroll(const EnrollOpts& o) {
  SIGNET_ASSIGN_OR_RETURN(SignatureAlgorithm alg, fw::ParseAttestationKeyAlgorithm(o.algorithm));
  SIGNET_ASSIGN_OR_RETURN(auto tpm, OpenTpmQuietly(o.tcti));
  // EK certificate from NV, and the EK recreated from the TCG template: they must agree.
  SIGNET_ASSIGN_OR_RETURN(Bytes ek_cert_raw, tpm->ReadEkCertificate(fw::EkType::kRsa2048));
  Bytes ek_cert = TrimDer(ek_cert_raw);
  SIGNET_ASSIGN_OR_RETURN(auto cert, ossl::ParseCertificateDer(ek_cert));
  SIGNET_ASSIGN_OR_RETURN(Bytes ek_public, tpm->CreateEkPublic());
  SIGNET_ASSIGN_OR_RETURN(att::TpmPublic ek, att::ParseTpm2bPublic(ek_public));
  SIGNET_ASSIGN_OR_RETURN(auto ek_key, att::TpmPublicToKey(ek));
  SIGNET_ASSIGN_OR_RETURN(Bytes ek_spki, ossl::PublicKeyToDer(ek_key.get()));
  SIGNET_ASSIGN_OR_RETURN(Bytes cert_spki, ossl::PublicKeyToDer(X509_get0_pubkey(cert.get())));
  if (!ConstantTimeEqual(ek_spki, cert_spki)) {
    return VerificationFailed(findings::kEkCertMismatch,
                              "the EK recreated from the TCG template is not the certified EK");
  }
  // The AK, under the EK.
  SIGNET_ASSIGN_OR_RETURN(fw::AkBlob ak, tpm->CreateAk(alg));
  SIGNET_ASSIGN_OR_RETURN(att::TpmPublic ak_pub, att::ParseTpm2bPublic(ak.public_area));
  SIGNET_ASSIGN_OR_RETURN(Bytes ak_name, att::ComputeName(ak_pub));
  if (ak_name != ak.name) return Internal("AK Name from the TPM does not match its public area");
  // Verifier side: MakeCredential in software; attester side: ActivateCredential on the TPM.
  SIGNET_ASSIGN_OR_RETURN(Bytes secret, RandomBytes(32));
  SIGNET_ASSIGN_OR_RETURN(Bytes seed, RandomBytes(32));
  SIGNET_ASSIGN_OR_RETURN(att::MakeCredentialOutput mc,
                          att::MakeCredential(ek, ak_name, secret, seed));
  OPENSSL_cleanse(seed.data(), seed.size());
  fw::Credential cred{mc.credential_blob, mc.encrypted_secret};
  SIGNET_ASSIGN_OR_RETURN(Bytes recovered, tpm->ActivateCredential(ak, cred));
  const bool activated = ConstantTimeEqual(recovered, secret);
  OPENSSL_cleanse(secret.data(), secret.size());
  OPENSSL_cleanse(recovered.data(), recovered.size());
  if (!activated) {
    return VerificationFailed("CREDENTIAL_ACTIVATION_FAILED",
                              "the TPM did not release the enrollment secret");
  }
  tpm.reset();  // release the TPM before touching the file system
  AkFile f;
  f.ak = std::move(ak);
  f.ek_certificate = ek_cert;
  SIGNET_RETURN_IF_ERROR(WriteFileAtomic(o.out, SerializeAkFile(f), 0600));
  // The local round trip above proves to this box that the AK activates; a verifier must run
  // its own (challenge/activate/accept) before it trusts the AK.
  std::printf("created AK %s (%s) under EK %s; a verifier enrolls it with `signet attest "
              "challenge`, `activate`, `accept`\n",
              HexEncode(ak_name).c_str(), std::string(SignatureAlgorithmName(f.ak.algorithm)).c_str(),
              HexEncode(Sha256(ByteView(cert_spki))).substr(0, 16).c_str());
  return OkStatus();
}

// ----- quote --------------------------------------------------------------------------------

struct QuoteOpts {
  std::string tcti, ak, nonce, channel_binding, event_log, out, ek_chain;
};

Status Quote(const QuoteOpts& o) {
  SIGNET_ASSIGN_OR_RETURN(Bytes nonce, ParseNonceHex(o.nonce, "--nonce"));
  SIGNET_ASSIGN_OR_RETURN(Bytes cb, ParseNonceHex(o.channel_binding, "--channel-binding"));
  SIGNET_ASSIGN_OR_RETURN(Bytes qd, att::QualifyingData(nonce, cb));
  SIGNET_ASSIGN_OR_RETURN(AkFile ak, LoadAkFile(o.ak));
  SIGNET_ASSIGN_OR_RETURN(std::string log_text, ReadFile(o.event_log, 4 * 1024 * 1024));
  SIGNET_ASSIGN_OR_RETURN(att::EventLog log, att::ParseEventLog(log_text));
  std::set<uint32_t> pcr_set;
  for (const auto& e : log.events) pcr_set.insert(e.pcr);
  if (pcr_set.empty()) return InvalidArgument("the event log is empty: nothing to quote");
  att::TpmEvidence ev;
  if (!o.ek_chain.empty()) {
    SIGNET_ASSIGN_OR_RETURN(std::string pem, ReadFile(o.ek_chain, 1024 * 1024));
    SIGNET_ASSIGN_OR_RETURN(auto certs, ossl::ParseCertificatesPem(pem));
    for (auto& c : certs) {
      SIGNET_ASSIGN_OR_RETURN(Bytes der, ossl::CertificateToDer(c.get()));
      ev.ek_chain.push_back(std::move(der));
    }
  }
  {
    SIGNET_ASSIGN_OR_RETURN(auto tpm, OpenTpmQuietly(o.tcti));
    SIGNET_ASSIGN_OR_RETURN(fw::TpmInfo info, tpm->Info());
    SIGNET_ASSIGN_OR_RETURN(fw::QuoteResult q,
                            tpm->Quote(ak.ak, qd, std::vector<uint32_t>(pcr_set.begin(),
                                                                        pcr_set.end())));
    ev.attest = std::move(q.attest);
    ev.signature = std::move(q.signature);
    ev.tpm_manufacturer = info.manufacturer;
    ev.tpm_firmware_version = info.firmware_version;
  }
  ev.ak_public = ak.ak.public_area;
  ev.ek_certificate = ak.ek_certificate;
  ev.event_log = att::EventLogToJson(log);
  ev.nonce = nonce;
  ev.channel_binding = cb;
  return WriteFileAtomic(o.out, att::SerializeTpmEvidence(ev));
}

// ----- verify -------------------------------------------------------------------------------

struct VerifyOpts {
  std::string evidence, nonce, channel_binding, ek_roots, reference, out, enrollment;
  bool allow_resettable_pcr = false;
};

constexpr const char kHowToEnroll[] =
    "--enrollment is required: pass the record your own enrollment produced. Enroll the AK "
    "once from this verifier: `signet attest challenge --ak ak.json --ek-roots ROOTS --out "
    "challenge.json --state state.json` (here), `signet attest activate --tcti T --ak ak.json "
    "--challenge challenge.json --out response.json` (on the appliance), then `signet attest "
    "accept --state state.json --response response.json --out enrollment.json` (here)";

Result<int> Verify(const VerifyOpts& o) {
  // Every local input first: a bad one is exit 2 and nothing is written.
  if (o.enrollment.empty()) return InvalidArgument(kHowToEnroll);
  att::TpmVerifyOptions opt;
  opt.allow_resettable_pcr = o.allow_resettable_pcr;
  SIGNET_ASSIGN_OR_RETURN(opt.nonce, ParseNonceHex(o.nonce, "--nonce"));
  SIGNET_ASSIGN_OR_RETURN(opt.channel_binding,
                          ParseNonceHex(o.channel_binding, "--channel-binding"));
  SIGNET_RETURN_IF_ERROR(att::CheckNonceSizes(opt.nonce, opt.channel_binding));
  SIGNET_ASSIGN_OR_RETURN(std::string record_text, ReadFile(o.enrollment, 64 * 1024));
  SIGNET_ASSIGN_OR_RETURN(att::EnrollmentRecord record,
                          att::ParseTrustedEnrollmentRecord(record_text));
  opt.trusted_enrollment = std::move(record);
  SIGNET_ASSIGN_OR_RETURN(opt.ek_roots_pem, ReadFile(o.ek_roots, 1024 * 1024));
  SIGNET_ASSIGN_OR_RETURN(std::string ref_text, ReadFile(o.reference, 1024 * 1024));
  SIGNET_ASSIGN_OR_RETURN(opt.reference, att::ParseReferenceValues(ref_text));
  SIGNET_ASSIGN_OR_RETURN(std::string ev_text, ReadFile(o.evidence, 8 * 1024 * 1024));
  SIGNET_ASSIGN_OR_RETURN(att::TpmEvidence ev, att::ParseTpmEvidence(ev_text));
  SIGNET_ASSIGN_OR_RETURN(att::TpmAttestationResult r, att::VerifyTpmEvidence(ev, opt));
  std::string json = WriteJson(att::AttestationResultToJson(r), 2) + "\n";
  if (!o.out.empty()) SIGNET_RETURN_IF_ERROR(WriteFileAtomic(o.out, json));
  std::fputs(json.c_str(), stdout);
  if (!r.trusted) {
    std::fprintf(stderr, "signet: attestation refused: %s\n", r.finding.c_str());
    return kExitDenied;
  }
  return kExitOk;
}

// ----- enrollment: challenge (verifier), activate (appliance), accept (verifier) -----------

struct ChallengeOpts {
  std::string ak, ek_roots, out, state;
};

// Challenge reads only the EK certificate and the AK public area from ak.json: the private
// blob and anything else the appliance wrote are not the verifier's business.
Status Challenge(const ChallengeOpts& o) {
  SIGNET_ASSIGN_OR_RETURN(JsonValue v, ParseAkJson(o.ak));
  SIGNET_ASSIGN_OR_RETURN(Bytes ek_cert, B64Member(v, "ek_certificate", o.ak));
  SIGNET_ASSIGN_OR_RETURN(Bytes ak_public, B64Member(v, "ak_public", o.ak));
  SIGNET_ASSIGN_OR_RETURN(std::string roots, ReadFile(o.ek_roots, 1024 * 1024));
  SIGNET_ASSIGN_OR_RETURN(std::string out_abs, AbsolutePath(o.out));
  SIGNET_ASSIGN_OR_RETURN(std::string state_abs, AbsolutePath(o.state));
  if (out_abs == state_abs) return InvalidArgument("--out and --state must be different files");
  SIGNET_ASSIGN_OR_RETURN(Bytes secret, RandomBytes(att::kEnrollSecretSize));
  SIGNET_ASSIGN_OR_RETURN(Bytes seed, RandomBytes(32));
  SIGNET_ASSIGN_OR_RETURN(Bytes id, RandomBytes(att::kChallengeIdSize));
  auto made = att::MakeEnrollmentChallenge(ek_cert, {}, ak_public, roots, 0, secret, seed, id,
                                           FormatRfc3339(SystemClock().Now()));
  OPENSSL_cleanse(secret.data(), secret.size());
  OPENSSL_cleanse(seed.data(), seed.size());
  if (!made.ok()) {
    if (made.error().code() == ErrorCode::kInvalidArgument) {
      return InvalidArgument(o.ak + ": " + made.error().message());
    }
    return std::move(made).error();
  }
  // The state (the secret) first, private; then the challenge that is useless without it.
  std::string state = att::SerializeEnrollmentState(made->state);
  Status st = WriteFileAtomic(o.state, state, 0600);
  OPENSSL_cleanse(state.data(), state.size());
  SIGNET_RETURN_IF_ERROR(st);
  SIGNET_RETURN_IF_ERROR(
      WriteFileAtomic(o.out, att::SerializeEnrollmentChallenge(made->challenge)));
  std::printf("challenge for AK %s written; keep %s private, send %s to the appliance\n",
              HexEncode(made->challenge.ak_name).c_str(), o.state.c_str(), o.out.c_str());
  return OkStatus();
}

struct ActivateOpts {
  std::string tcti, ak, challenge, out;
};

Status Activate(const ActivateOpts& o) {
  SIGNET_ASSIGN_OR_RETURN(AkFile ak, LoadAkFile(o.ak));
  SIGNET_ASSIGN_OR_RETURN(std::string text, ReadFile(o.challenge, 64 * 1024));
  SIGNET_ASSIGN_OR_RETURN(att::EnrollmentChallenge c, att::ParseEnrollmentChallenge(text));
  if (c.ak_name != ak.ak.name) {
    return InvalidArgument("the challenge was made for another AK than " + o.ak);
  }
  Bytes released;
  {
    SIGNET_ASSIGN_OR_RETURN(auto tpm, OpenTpmQuietly(o.tcti));
    fw::Credential cred{c.credential_blob, c.encrypted_secret};
    SIGNET_ASSIGN_OR_RETURN(released, tpm->ActivateCredential(ak.ak, cred));
  }
  att::EnrollmentResponse r;
  r.challenge_id = c.challenge_id;
  r.ak_name = c.ak_name;
  r.secret = SecretBytes(released);
  OPENSSL_cleanse(released.data(), released.size());
  if (r.secret.size() != att::kEnrollSecretSize) {
    return VerificationFailed(findings::kCredentialActivationFailed,
                              "the TPM released a secret of the wrong size");
  }
  std::string doc = att::SerializeEnrollmentResponse(r);
  Status st = WriteFileAtomic(o.out, doc, 0600);
  OPENSSL_cleanse(doc.data(), doc.size());
  return st;
}

struct AcceptOpts {
  std::string state, response, out;
};

Status Accept(const AcceptOpts& o) {
  SIGNET_ASSIGN_OR_RETURN(std::string state_text, ReadFile(o.state, 64 * 1024));
  auto state = att::ParseEnrollmentState(state_text);
  OPENSSL_cleanse(state_text.data(), state_text.size());
  if (!state.ok()) return std::move(state).error();
  SIGNET_ASSIGN_OR_RETURN(std::string resp_text, ReadFile(o.response, 64 * 1024));
  auto response = att::ParseEnrollmentResponse(resp_text);
  OPENSSL_cleanse(resp_text.data(), resp_text.size());
  if (!response.ok()) return std::move(response).error();
  SIGNET_ASSIGN_OR_RETURN(att::EnrollmentRecord record,
                          att::AcceptEnrollmentResponse(*state, *response,
                                                        FormatRfc3339(SystemClock().Now())));
  SIGNET_RETURN_IF_ERROR(WriteFileAtomic(o.out, att::SerializeTrustedEnrollmentRecord(record)));
  std::printf("enrolled AK %s against EK %s\n", HexEncode(record.ak_name).c_str(),
              HexEncode(record.ek_spki_sha256).substr(0, 16).c_str());
  return OkStatus();
}

// ----- reference ----------------------------------------------------------------------------

struct ReferenceOpts {
  std::vector<std::string> measures;
  std::string out;
  uint32_t pcr = 0;
};

Status Reference(const ReferenceOpts& o) {
  if (o.pcr > 23) return InvalidArgument("--pcr must be 0..23");
  SIGNET_ASSIGN_OR_RETURN(std::vector<Measure> ms, ParseMeasures(o.measures, true));
  att::ReferenceValues ref;
  ref.pcr = o.pcr;
  std::set<std::string> ids;
  for (const auto& m : ms) {
    att::ReferenceMeasurement rm;
    rm.kind = std::string(att::EventKindName(m.kind));
    rm.id = rm.kind + ":" + std::filesystem::path(m.installed).filename().string();
    if (!ids.insert(rm.id).second) return InvalidArgument("two measurements would share id " + rm.id);
    rm.path = m.installed;
    SIGNET_ASSIGN_OR_RETURN(UniqueFd fd, OpenInputFile(m.path));
    SIGNET_ASSIGN_OR_RETURN(rm.sha256, HashOpenFile(HashAlgorithm::kSha256, fd.get(), m.path));
    ref.measurements.push_back(std::move(rm));
  }
  return WriteFileAtomic(o.out, att::SerializeReferenceValues(ref));
}

// ----- export (tpm2-tools / openssl interoperability) ----------------------------------------

struct ExportOpts {
  std::string evidence, dir;
};

Status Export(const ExportOpts& o) {
  SIGNET_ASSIGN_OR_RETURN(std::string ev_text, ReadFile(o.evidence, 8 * 1024 * 1024));
  SIGNET_ASSIGN_OR_RETURN(att::TpmEvidence ev, att::ParseTpmEvidence(ev_text));
  SIGNET_ASSIGN_OR_RETURN(Bytes body, att::ParseTpm2bAttestBody(ev.attest));
  SIGNET_ASSIGN_OR_RETURN(att::TpmSignature sig, att::ParseTpmtSignature(ev.signature));
  SIGNET_ASSIGN_OR_RETURN(Bytes der_sig, att::SignatureToDer(sig));
  SIGNET_ASSIGN_OR_RETURN(att::TpmPublic ak, att::ParseTpm2bPublic(ev.ak_public));
  SIGNET_ASSIGN_OR_RETURN(auto key, att::TpmPublicToKey(ak));
  SIGNET_ASSIGN_OR_RETURN(std::string pem, ossl::PublicKeyToPem(key.get()));
  SIGNET_ASSIGN_OR_RETURN(att::EventLog log, att::ParseEventLogJson(ev.event_log));
  auto replayed = att::ReplayEventLog(log);
  Bytes pcr_values;  // "values" format: the selected PCR values concatenated in index order
  std::string pcr_list = "sha256:";
  for (const auto& [pcr, value] : replayed) {
    pcr_values.insert(pcr_values.end(), value.begin(), value.end());
    if (pcr_list.back() != ':') pcr_list += ",";
    pcr_list += std::to_string(pcr);
  }
  SIGNET_ASSIGN_OR_RETURN(Bytes qd, att::QualifyingData(ev.nonce, ev.channel_binding));
  const std::string d = o.dir + "/";
  SIGNET_RETURN_IF_ERROR(WriteFileAtomic(d + "quote.msg", AsString(body)));
  SIGNET_RETURN_IF_ERROR(WriteFileAtomic(d + "quote.sig", AsString(ev.signature)));
  SIGNET_RETURN_IF_ERROR(WriteFileAtomic(d + "quote.sig.der", AsString(der_sig)));
  SIGNET_RETURN_IF_ERROR(WriteFileAtomic(d + "ak.tpm2b.pub", AsString(ev.ak_public)));
  SIGNET_RETURN_IF_ERROR(WriteFileAtomic(d + "ak.pub.pem", pem));
  SIGNET_RETURN_IF_ERROR(WriteFileAtomic(d + "pcrs.bin", AsString(pcr_values)));
  SIGNET_RETURN_IF_ERROR(WriteFileAtomic(d + "pcr-list.txt", pcr_list + "\n"));
  SIGNET_RETURN_IF_ERROR(WriteFileAtomic(d + "qualification.hex", HexEncode(qd) + "\n"));
  return OkStatus();
}

// ----- launch -------------------------------------------------------------------------------

struct LaunchOpts {
  std::string tcti, event_log, pin_env;
  uint32_t pcr = 0;
  bool pcr_set = false;
  bool reset_pcr = false;
  std::vector<std::string> measures;
  std::vector<std::string> command;  // everything after "--", verbatim
};

// ScrubEnv removes `name` from this process's environment, wiping its value first, so neither
// the launched program nor anything else this process runs can read it.
void ScrubEnv(const std::string& name) {
  if (name.empty()) return;
  if (char* value = std::getenv(name.c_str()); value != nullptr) {
    OPENSSL_cleanse(value, std::strlen(value));
  }
  (void)unsetenv(name.c_str());
}

// MeasuredExec is the binary `launch` will execute: the descriptor its bytes were hashed from.
struct MeasuredExec {
  UniqueFd fd;
  bool script = false;  // starts with "#!": the interpreter reads it through /dev/fd/N
};

// MeasureForLaunch opens every measured file once (regular files only), hashes it from that
// descriptor, extends one record per file and a separator, and writes the log. The descriptor
// of the binary the command names is kept for the exec, so what runs is what was measured. It
// returns with the TPM connection closed, so the launched program can use the TPM.
Result<MeasuredExec> MeasureForLaunch(const LaunchOpts& o) {
  if (o.pcr > 23) return InvalidArgument("--pcr must be 0..23");
  if (o.command.empty()) return InvalidArgument("launch needs a command after --");
  SIGNET_ASSIGN_OR_RETURN(std::vector<Measure> ms, ParseMeasures(o.measures, false));
  SIGNET_ASSIGN_OR_RETURN(std::string exec_path, AbsolutePath(o.command[0]));
  att::EventLog log;
  if (!o.reset_pcr) {
    // A later launch in the same boot appends to the boot's log; the verifier refuses events
    // after the first separator, so this is visible rather than silently accepted.
    auto text = ReadFile(o.event_log, 4 * 1024 * 1024);
    if (text.ok()) {
      SIGNET_ASSIGN_OR_RETURN(log, att::ParseEventLog(*text));
      SIGNET_RETURN_IF_ERROR(att::CheckSequence(log));
    } else if (text.error().code() != ErrorCode::kNotFound) {
      return std::move(text).error();
    }
  }
  MeasuredExec exec;
  bool exec_found = false;
  std::vector<att::EventRecord> records;
  for (const auto& m : ms) {
    SIGNET_ASSIGN_OR_RETURN(UniqueFd fd, OpenInputFile(m.path));
    att::EventRecord r;
    r.seq = log.events.size() + records.size();
    r.pcr = o.pcr;
    r.kind = std::string(att::EventKindName(m.kind));
    r.path = m.path;
    SIGNET_ASSIGN_OR_RETURN(r.sha256, HashOpenFile(HashAlgorithm::kSha256, fd.get(), m.path));
    records.push_back(std::move(r));
    if (m.kind == att::EventKind::kBinary && m.path == exec_path && !exec_found) {
      char magic[2] = {0, 0};
      if (::pread(fd.get(), magic, 2, 0) < 0) return Internal(ErrnoText("read error on", m.path, errno));
      exec.script = magic[0] == '#' && magic[1] == '!';
      exec.fd = std::move(fd);
      exec_found = true;
    }
  }
  if (!exec_found) {
    return InvalidArgument("the command must be a measured binary: give --measure binary=" +
                           o.command[0] + " and the same path after --");
  }
  // Refuse before extending: a PCR should never record a launch that cannot happen.
  struct stat st;
  if (::fstat(exec.fd.get(), &st) != 0 || (st.st_mode & (S_IXUSR | S_IXGRP | S_IXOTH)) == 0) {
    return InvalidArgument(o.command[0] + " is not executable");
  }
  records.push_back(att::MakeSeparator(log.events.size() + records.size(), o.pcr));
  if (log.events.size() + records.size() > att::kMaxEvents) {
    return InvalidArgument("the event log would exceed its size limit");
  }
  {
    SIGNET_ASSIGN_OR_RETURN(auto tpm, OpenTpmQuietly(o.tcti));
    if (o.reset_pcr) SIGNET_RETURN_IF_ERROR(tpm->ResetPcr(o.pcr));
    for (const auto& r : records) {
      SIGNET_RETURN_IF_ERROR(tpm->ExtendPcr(o.pcr, att::EventDigest(r)));
      log.events.push_back(r);
    }
  }
  SIGNET_RETURN_IF_ERROR(WriteFileAtomic(o.event_log, att::SerializeEventLog(log)));
  return exec;
}

int Launch(const LaunchOpts& o) {
  ScrubEnv(o.pin_env);  // before anything else can exec
  if (!o.pcr_set) return ReportError(InvalidArgument("--pcr is required"));
  auto exec = MeasureForLaunch(o);
  if (!exec.ok()) return ReportError(exec.error());
  std::vector<char*> argv;
  for (const auto& a : o.command) argv.push_back(const_cast<char*>(a.c_str()));
  argv.push_back(nullptr);
  std::fflush(stdout);
  std::fflush(stderr);
  // A script's interpreter opens it as /dev/fd/N, so that descriptor must survive the exec; the
  // interpreter then reads the very file description that was hashed.
  if (exec->script) {
    const int flags = ::fcntl(exec->fd.get(), F_GETFD);
    if (flags < 0 || ::fcntl(exec->fd.get(), F_SETFD, flags & ~FD_CLOEXEC) != 0) {
      return ReportError(Internal(ErrnoText("fcntl failed on", o.command[0], errno)));
    }
  }
  ::fexecve(exec->fd.get(), argv.data(), environ);
  const int err = errno;
  // ENOENT here is a script's missing interpreter, EACCES/ENOEXEC a file that cannot run: the
  // operator's input (exit 2). The PCR already records the measurement; the log says so.
  const ErrorCode code = err == ENOENT                                     ? ErrorCode::kNotFound
                         : (err == EACCES || err == ENOEXEC || err == EPERM) ? ErrorCode::kInvalidArgument
                                                                             : ErrorCode::kInternal;
  return ReportError(Error(code, "cannot execute " + o.command[0] + ": " + std::strerror(err)));
}

template <typename Fn>
int RunStatus(Fn fn) {
  Status s = fn();
  if (!s.ok()) return ReportError(s.error());
  return kExitOk;
}

}  // namespace

void RegisterAttestCommands(Cli& cli) {
  auto* attest = cli.app.add_subcommand(
      "attest", "TPM attestation of this appliance: enroll an AK, quote, verify evidence");
  attest->require_subcommand(1);

  auto enroll_o = std::make_shared<EnrollOpts>();
  auto* enroll = attest->add_subcommand(
      "enroll",
      "Create an AK under the EK (self-checked by credential activation) and write ak.json; a verifier\n"
      "then enrolls it with `attest challenge`, `attest activate` and `attest accept`");
  enroll->add_option("--tcti", enroll_o->tcti, "TCTI string, e.g. device:/dev/tpmrm0")->required();
  enroll->add_option("--out", enroll_o->out, "Where to write ak.json")->required();
  enroll->add_option("--algorithm", enroll_o->algorithm, "ecdsa-p256 (default) or rsa-2048");
  enroll->callback([&cli, enroll_o] {
    cli.action = [enroll_o] { return RunStatus([&] { return Enroll(*enroll_o); }); };
  });

  auto quote_o = std::make_shared<QuoteOpts>();
  auto* quote = attest->add_subcommand("quote", "Quote the measured-launch PCR into evidence.json");
  quote->add_option("--tcti", quote_o->tcti, "TCTI string")->required();
  quote->add_option("--ak", quote_o->ak, "ak.json from `attest enroll`")->required();
  quote->add_option("--nonce", quote_o->nonce, "The verifier's fresh 32-byte nonce, hex")->required();
  quote->add_option("--channel-binding", quote_o->channel_binding,
                    "32 bytes, hex (SHA-256 of the TLS public key)");
  quote->add_option("--event-log", quote_o->event_log, "Event log from `signet launch`")->required();
  quote->add_option("--ek-chain", quote_o->ek_chain, "PEM intermediates for the EK certificate");
  quote->add_option("--out", quote_o->out, "Where to write evidence.json")->required();
  quote->callback([&cli, quote_o] {
    cli.action = [quote_o] { return RunStatus([&] { return Quote(*quote_o); }); };
  });

  auto verify_o = std::make_shared<VerifyOpts>();
  auto* verify = attest->add_subcommand(
      "verify", "Verify evidence (no TPM needed). Exit 0 trusted, 1 refused");
  verify->add_option("--evidence", verify_o->evidence, "evidence.json")->required();
  verify->add_option("--nonce", verify_o->nonce, "The nonce you issued, hex")->required();
  verify->add_option("--channel-binding", verify_o->channel_binding, "Expected channel binding");
  verify->add_option("--ek-roots", verify_o->ek_roots, "PEM file of trusted EK CAs")->required();
  verify->add_option("--reference", verify_o->reference, "Reference values JSON")->required();
  verify->add_option("--out", verify_o->out, "Also write the result JSON here");
  // Not ->required(): its absence gets a message that says how to enroll.
  verify->add_option("--enrollment", verify_o->enrollment,
                     "Required: the record `signet attest accept` wrote for this AK");
  verify->add_flag("--allow-resettable-pcr", verify_o->allow_resettable_pcr,
                   "Accept a reference PCR of 16 or 23 (resettable: tests and demos only)");
  verify->callback([&cli, verify_o] {
    cli.action = [verify_o] {
      auto r = Verify(*verify_o);
      if (!r.ok()) return ReportError(r.error());
      return *r;
    };
  });

  auto challenge_o = std::make_shared<ChallengeOpts>();
  auto* challenge = attest->add_subcommand(
      "challenge", "Verifier: check the EK chain, MakeCredential for the AK (no TPM needed)");
  challenge->add_option("--ak", challenge_o->ak, "ak.json (only ek_certificate and ak_public are read)")
      ->required();
  challenge->add_option("--ek-roots", challenge_o->ek_roots, "PEM file of trusted EK CAs")
      ->required();
  challenge->add_option("--out", challenge_o->out, "challenge.json, for the appliance")->required();
  challenge->add_option("--state", challenge_o->state, "state.json: the secret, keep it (0600)")
      ->required();
  challenge->callback([&cli, challenge_o] {
    cli.action = [challenge_o] { return RunStatus([&] { return Challenge(*challenge_o); }); };
  });

  auto activate_o = std::make_shared<ActivateOpts>();
  auto* activate = attest->add_subcommand(
      "activate", "Appliance: TPM2_ActivateCredential on a verifier's challenge");
  activate->add_option("--tcti", activate_o->tcti, "TCTI string")->required();
  activate->add_option("--ak", activate_o->ak, "ak.json from `attest enroll`")->required();
  activate->add_option("--challenge", activate_o->challenge, "challenge.json")->required();
  activate->add_option("--out", activate_o->out, "response.json, for the verifier")->required();
  activate->callback([&cli, activate_o] {
    cli.action = [activate_o] { return RunStatus([&] { return Activate(*activate_o); }); };
  });

  auto accept_o = std::make_shared<AcceptOpts>();
  auto* accept = attest->add_subcommand(
      "accept", "Verifier: compare the released secret, write the trusted enrollment record");
  accept->add_option("--state", accept_o->state, "state.json from `attest challenge`")->required();
  accept->add_option("--response", accept_o->response, "response.json from `attest activate`")
      ->required();
  accept->add_option("--out", accept_o->out, "enrollment.json, for `attest verify --enrollment`")
      ->required();
  accept->callback([&cli, accept_o] {
    cli.action = [accept_o] { return RunStatus([&] { return Accept(*accept_o); }); };
  });

  auto ref_o = std::make_shared<ReferenceOpts>();
  auto* reference = attest->add_subcommand(
      "reference", "Write reference values from release artifacts");
  reference->add_option("--measure", ref_o->measures,
                        "KIND=PATH[=INSTALLED] (binary|config|policy|trust_root)")
      ->required();
  reference->add_option("--pcr", ref_o->pcr, "PCR the appliance measures into (no default)")
      ->required();
  reference->add_option("--out", ref_o->out, "Where to write REF.json")->required();
  reference->callback([&cli, ref_o] {
    cli.action = [ref_o] { return RunStatus([&] { return Reference(*ref_o); }); };
  });

  auto export_o = std::make_shared<ExportOpts>();
  auto* exp = attest->add_subcommand(
      "export", "Write quote.msg, quote.sig, ak.tpm2b.pub, pcrs.bin ... for tpm2_checkquote/openssl");
  exp->add_option("--evidence", export_o->evidence, "evidence.json")->required();
  exp->add_option("--dir", export_o->dir, "Existing output directory")->required();
  exp->callback([&cli, export_o] {
    cli.action = [export_o] { return RunStatus([&] { return Export(*export_o); }); };
  });

  auto launch_o = std::make_shared<LaunchOpts>();
  auto* launch = cli.app.add_subcommand(
      "launch", "Measure files into a PCR with a typed event log, then exec the measured binary");
  launch->add_option("--tcti", launch_o->tcti, "TCTI string")->required();
  auto* pcr_opt = launch->add_option("--pcr", launch_o->pcr,
                                     "PCR to extend (production: non-resettable; tests: 23)");
  launch->add_option("--event-log", launch_o->event_log, "Event log file (appended)")->required();
  launch->add_option("--measure", launch_o->measures, "KIND=PATH (binary|config|policy|trust_root)")
      ->required();
  launch->add_flag("--reset-pcr", launch_o->reset_pcr,
                   "Reset the (debug, 16 or 23) PCR and start a new log first; tests only");
  launch->add_option("--pin-env", launch_o->pin_env,
                     "Environment variable holding a PIN: removed before the command runs");
  launch->footer("Everything after -- is the command, passed on unchanged; its first word must "
                 "be the path of a --measure binary=.");
  launch->callback([&cli, launch_o, pcr_opt] {
    launch_o->pcr_set = pcr_opt->count() > 0;
    cli.accepts_trailing = true;
    cli.action = [&cli, launch_o] {
      launch_o->command = cli.trailing;
      return Launch(*launch_o);
    };
  });
}

}  // namespace signet::ops
