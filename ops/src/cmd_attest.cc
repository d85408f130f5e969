// `signet attest enroll|quote|verify|reference|export` and `signet launch`: TPM-quoted
// attestation of Signet's own build. The TPM side (tpm/) and the pure verifier (attestation/)
// meet only here.
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include <openssl/rand.h>

#include "signet/attestation/event_log.h"
#include "signet/attestation/reference_values.h"
#include "signet/attestation/tpm_evidence.h"
#include "signet/attestation/tpm_structs.h"
#include "signet/core/encoding.h"
#include "signet/core/file.h"
#include "signet/core/hash.h"
#include "signet/core/json.h"
#include "signet/core/ossl.h"
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

// ----- the AK file (ak.json) ---------------------------------------------------------------

struct AkFile {
  fw::AkBlob ak;
  Bytes ek_certificate;
  att::EnrollmentRecord enrollment;
};

std::string SerializeAkFile(const AkFile& f) {
  JsonValue v = JsonValue::MakeObject();
  v.Set("version", JsonValue::String(kAkFileVersion));
  v.Set("algorithm", JsonValue::String(std::string(fw::AkAlgorithmName(f.ak.algorithm))));
  v.Set("ak_public", JsonValue::String(Base64Encode(f.ak.public_area)));
  v.Set("ak_private", JsonValue::String(Base64Encode(f.ak.private_area)));
  v.Set("ak_name", JsonValue::String(HexEncode(f.ak.name)));
  v.Set("ek_certificate", JsonValue::String(Base64Encode(f.ek_certificate)));
  v.Set("enrollment", att::EnrollmentRecordToJson(f.enrollment));
  return WriteJson(v, 2) + "\n";
}

Result<Bytes> B64Member(const JsonValue& v, std::string_view key) {
  SIGNET_ASSIGN_OR_RETURN(std::string s, v.GetString(key));
  auto b = Base64Decode(s);
  if (!b.ok()) return InvalidArgument("member \"" + std::string(key) + "\" is not base64");
  return std::move(b).value();
}

Result<AkFile> LoadAkFile(const std::string& path) {
  SIGNET_ASSIGN_OR_RETURN(std::string text, ReadFile(path, 1024 * 1024));
  SIGNET_ASSIGN_OR_RETURN(JsonValue v, ParseJson(text));
  SIGNET_ASSIGN_OR_RETURN(std::string version, v.GetString("version"));
  if (version != kAkFileVersion) return InvalidArgument("not a signet AK file: " + path);
  AkFile f;
  SIGNET_ASSIGN_OR_RETURN(std::string alg, v.GetString("algorithm"));
  SIGNET_ASSIGN_OR_RETURN(f.ak.algorithm, fw::ParseAkAlgorithm(alg));
  SIGNET_ASSIGN_OR_RETURN(f.ak.public_area, B64Member(v, "ak_public"));
  SIGNET_ASSIGN_OR_RETURN(f.ak.private_area, B64Member(v, "ak_private"));
  SIGNET_ASSIGN_OR_RETURN(std::string name_hex, v.GetString("ak_name"));
  SIGNET_ASSIGN_OR_RETURN(f.ak.name, HexDecode(name_hex));
  SIGNET_ASSIGN_OR_RETURN(f.ek_certificate, B64Member(v, "ek_certificate"));
  SIGNET_ASSIGN_OR_RETURN(const JsonValue* e, v.GetObject("enrollment"));
  SIGNET_ASSIGN_OR_RETURN(f.enrollment, att::ParseEnrollmentRecord(*e));
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
  std::string path;
};

Result<std::vector<Measure>> ParseMeasures(const std::vector<std::string>& specs) {
  std::vector<Measure> out;
  for (const auto& s : specs) {
    auto eq = s.find('=');
    if (eq == std::string::npos || eq == 0 || eq + 1 == s.size()) {
      return InvalidArgument("--measure takes KIND=PATH");
    }
    SIGNET_ASSIGN_OR_RETURN(att::EventKind kind, att::ParseMeasuredKind(s.substr(0, eq)));
    std::error_code ec;
    std::string path = std::filesystem::absolute(s.substr(eq + 1), ec).lexically_normal().string();
    if (ec) return InvalidArgument("cannot resolve path " + s.substr(eq + 1));
    out.push_back({kind, path});
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
  SIGNET_ASSIGN_OR_RETURN(fw::AkAlgorithm alg, fw::ParseAkAlgorithm(o.algorithm));
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
    return VerificationFailed("EK_CERT_MISMATCH",
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
  f.enrollment.ek_spki_sha256 = Sha256(ByteView(cert_spki));
  f.enrollment.ak_name = ak_name;
  f.enrollment.enrolled_at = FormatRfc3339(SystemClock().Now());
  SIGNET_RETURN_IF_ERROR(WriteFileAtomic(o.out, SerializeAkFile(f), 0600));
  std::printf("enrolled AK %s (%s) against EK %s\n", HexEncode(ak_name).c_str(),
              std::string(fw::AkAlgorithmName(f.ak.algorithm)).c_str(),
              HexEncode(f.enrollment.ek_spki_sha256).substr(0, 16).c_str());
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
  ev.enrollment = ak.enrollment;
  ev.event_log = att::EventLogToJson(log);
  ev.nonce = nonce;
  ev.channel_binding = cb;
  return WriteFileAtomic(o.out, att::SerializeTpmEvidence(ev));
}

// ----- verify -------------------------------------------------------------------------------

struct VerifyOpts {
  std::string evidence, nonce, channel_binding, ek_roots, reference, out, enrollment;
};

// LoadEnrollment reads the verifier's own record: a bare enrollment record, or the
// "enrollment" member of an ak.json.
Result<att::EnrollmentRecord> LoadEnrollment(const std::string& path) {
  SIGNET_ASSIGN_OR_RETURN(std::string text, ReadFile(path, 1024 * 1024));
  SIGNET_ASSIGN_OR_RETURN(JsonValue v, ParseJson(text));
  if (const JsonValue* e = v.Find("enrollment")) return att::ParseEnrollmentRecord(*e);
  return att::ParseEnrollmentRecord(v);
}

Result<int> Verify(const VerifyOpts& o) {
  att::TpmVerifyOptions opt;
  SIGNET_ASSIGN_OR_RETURN(opt.nonce, ParseNonceHex(o.nonce, "--nonce"));
  SIGNET_ASSIGN_OR_RETURN(opt.channel_binding,
                          ParseNonceHex(o.channel_binding, "--channel-binding"));
  SIGNET_RETURN_IF_ERROR(att::CheckNonceSizes(opt.nonce, opt.channel_binding));
  SIGNET_ASSIGN_OR_RETURN(opt.ek_roots_pem, ReadFile(o.ek_roots, 1024 * 1024));
  SIGNET_ASSIGN_OR_RETURN(std::string ref_text, ReadFile(o.reference, 1024 * 1024));
  SIGNET_ASSIGN_OR_RETURN(opt.reference, att::ParseReferenceValues(ref_text));
  if (!o.enrollment.empty()) {
    SIGNET_ASSIGN_OR_RETURN(att::EnrollmentRecord rec, LoadEnrollment(o.enrollment));
    opt.trusted_enrollment = std::move(rec);
  }
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

// ----- reference ----------------------------------------------------------------------------

struct ReferenceOpts {
  std::vector<std::string> measures;
  std::string out;
  uint32_t pcr = 23;
};

Status Reference(const ReferenceOpts& o) {
  if (o.pcr > 23) return InvalidArgument("--pcr must be 0..23");
  SIGNET_ASSIGN_OR_RETURN(std::vector<Measure> ms, ParseMeasures(o.measures));
  att::ReferenceValues ref;
  ref.pcr = o.pcr;
  std::set<std::string> ids;
  for (const auto& m : ms) {
    att::ReferenceMeasurement rm;
    rm.kind = std::string(att::EventKindName(m.kind));
    rm.id = rm.kind + ":" + std::filesystem::path(m.path).filename().string();
    if (!ids.insert(rm.id).second) return InvalidArgument("two measurements would share id " + rm.id);
    rm.path = m.path;
    SIGNET_ASSIGN_OR_RETURN(rm.sha256, HashFile(HashAlgorithm::kSha256, m.path));
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
  std::string tcti, event_log;
  uint32_t pcr = 0;
  bool pcr_set = false;
  bool reset_pcr = false;
  std::vector<std::string> measures;
  std::vector<std::string> command;
};

// Measure extends one record per file and a separator, writing the log. It returns with the
// TPM connection closed, so the launched program (or anyone else) can use the TPM.
Status MeasureForLaunch(const LaunchOpts& o) {
  if (o.pcr > 23) return InvalidArgument("--pcr must be 0..23");
  if (o.command.empty()) return InvalidArgument("launch needs a command after --");
  SIGNET_ASSIGN_OR_RETURN(std::vector<Measure> ms, ParseMeasures(o.measures));
  att::EventLog log;
  if (!o.reset_pcr && std::filesystem::exists(o.event_log)) {
    // A later launch in the same boot appends to the boot's log; the verifier refuses events
    // after the first separator, so this is visible rather than silently accepted.
    SIGNET_ASSIGN_OR_RETURN(std::string text, ReadFile(o.event_log, 4 * 1024 * 1024));
    SIGNET_ASSIGN_OR_RETURN(log, att::ParseEventLog(text));
    SIGNET_RETURN_IF_ERROR(att::CheckSequence(log));
  }
  std::vector<att::EventRecord> records;
  for (const auto& m : ms) {
    att::EventRecord r;
    r.seq = log.events.size() + records.size();
    r.pcr = o.pcr;
    r.kind = std::string(att::EventKindName(m.kind));
    r.path = m.path;
    SIGNET_ASSIGN_OR_RETURN(r.sha256, HashFile(HashAlgorithm::kSha256, m.path));
    records.push_back(std::move(r));
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
  return WriteFileAtomic(o.event_log, att::SerializeEventLog(log));
}

int Launch(const LaunchOpts& o) {
  if (!o.pcr_set) return ReportError(InvalidArgument("--pcr is required"));
  if (Status s = MeasureForLaunch(o); !s.ok()) return ReportError(s.error());
  std::vector<char*> argv;
  for (const auto& a : o.command) argv.push_back(const_cast<char*>(a.c_str()));
  argv.push_back(nullptr);
  std::fflush(stdout);
  std::fflush(stderr);
  if (o.command[0].find('/') != std::string::npos) {
    execve(argv[0], argv.data(), environ);
  } else {
    execvp(argv[0], argv.data());
  }
  const int err = errno;
  return ReportError(Error(err == ENOENT ? ErrorCode::kNotFound : ErrorCode::kInternal,
                           "cannot execute " + o.command[0] + ": " + std::strerror(err)));
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
      "enroll", "Create an AK under the EK and enroll it with MakeCredential/ActivateCredential");
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
  verify->add_option("--enrollment", verify_o->enrollment,
                     "Your own enrollment record (or ak.json): trust it, not the evidence's copy");
  verify->callback([&cli, verify_o] {
    cli.action = [verify_o] {
      auto r = Verify(*verify_o);
      if (!r.ok()) return ReportError(r.error());
      return *r;
    };
  });

  auto ref_o = std::make_shared<ReferenceOpts>();
  auto* reference = attest->add_subcommand(
      "reference", "Write reference values from release artifacts");
  reference->add_option("--measure", ref_o->measures, "KIND=PATH (binary|config|policy|trust_root)")
      ->required();
  reference->add_option("--pcr", ref_o->pcr, "PCR the appliance measures into (default 23)");
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
      "launch", "Measure files into a PCR with a typed event log, then exec a command");
  launch->add_option("--tcti", launch_o->tcti, "TCTI string")->required();
  auto* pcr_opt = launch->add_option("--pcr", launch_o->pcr,
                                     "PCR to extend (production: non-resettable; tests: 23)");
  launch->add_option("--event-log", launch_o->event_log, "Event log file (appended)")->required();
  launch->add_option("--measure", launch_o->measures, "KIND=PATH (binary|config|policy|trust_root)")
      ->required();
  launch->add_flag("--reset-pcr", launch_o->reset_pcr,
                   "Reset the (debug, 16 or 23) PCR and start a new log first; tests only");
  launch->add_option("command", launch_o->command, "-- COMMAND ARGS...");
  launch->callback([&cli, launch_o, pcr_opt] {
    launch_o->pcr_set = pcr_opt->count() > 0;
    cli.action = [launch_o] { return Launch(*launch_o); };
  });
}

}  // namespace signet::ops
