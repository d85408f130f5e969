// `signet attest enroll|challenge|activate|accept|quote|verify|reference|export` and
// `signet launch`: TPM-quoted attestation of Signet's own build.
//
// A thin shell: flags, printing and exit codes. The appliance side (AK file, enroll, activate,
// quote, export, measured launch) is the attester library; the verifier side (verify,
// challenge, accept, reference) calls the pure verifier in attestation/ directly. The TPM is
// opened only through the Backends main() built, bound to --tcti.
//
// Every file input goes through OpenInput (non-blocking open, regular files only, bounded), so a
// FIFO, a device or a directory is refused with exit 2 instead of blocking or reading forever.
#include <cstdio>
#include <filesystem>
#include <memory>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include <openssl/crypto.h>

#include "signet/attestation/event_log.h"
#include "signet/attestation/reference_values.h"
#include "signet/attestation/tpm_enrollment.h"
#include "signet/attestation/tpm_evidence.h"
#include "signet/attester/ak_file.h"
#include "signet/attester/attester.h"
#include "signet/attester/launch.h"
#include "signet/attester/tls_key.h"
#include "signet/core/encoding.h"
#include "signet/core/file.h"
#include "signet/core/findings.h"
#include "signet/core/hash.h"
#include "signet/core/json.h"
#include "signet/core/time.h"
#include "signet/firmware_iface/tpm.h"
#include "signet/ops/backends.h"
#include "signet/ops/commands.h"
#include "signet/ops/exit_codes.h"
#include "signet/service/client.h"

namespace signet::ops {
namespace {

namespace att = signet::attestation;
using attester::AbsolutePath;
using attester::B64Member;
using attester::Measure;
using attester::ParseAkJson;
using attester::ParseMeasures;
using attester::ParseNonceHex;
using attester::RandomBytes;

// TpmFor binds `backends` to the --tcti a command was given; the attester opens it lazily.
attester::TpmOpener TpmFor(Backends& backends, const std::string& tcti) {
  return [&backends, tcti] { return backends.OpenTpm(TpmConfig{tcti}); };
}

// ----- enroll (appliance) -------------------------------------------------------------------

struct EnrollFlags {
  std::string tcti;
  attester::EnrollOpts opts;
};

Status Enroll(Backends& backends, const EnrollFlags& f) {
  SIGNET_ASSIGN_OR_RETURN(attester::EnrollResult r, attester::Enroll(f.opts, TpmFor(backends, f.tcti)));
  // The local round trip proves to this box that the AK activates; a verifier must run its own
  // (challenge/activate/accept) before it trusts the AK.
  std::printf("created AK %s (%s) under EK %s; a verifier enrolls it with `signet attest "
              "challenge`, `activate`, `accept`\n",
              HexEncode(r.ak_name).c_str(), std::string(SignatureAlgorithmName(r.algorithm)).c_str(),
              HexEncode(r.ek_spki_sha256).substr(0, 16).c_str());
  return OkStatus();
}

// ----- quote, activate (appliance) ----------------------------------------------------------

struct QuoteFlags {
  std::string tcti;
  attester::QuoteOpts opts;
};

struct ActivateFlags {
  std::string tcti;
  attester::ActivateOpts opts;
};

// ----- verify -------------------------------------------------------------------------------

struct VerifyOpts {
  std::string evidence, nonce, channel_binding, ek_roots, reference, out, enrollment;
  bool allow_resettable_pcr = false;
  std::string url, cacert;  // --url mode (issue 14): fetch fresh evidence from a daemon
  bool json = false;
};

constexpr const char kHowToEnroll[] =
    "--enrollment is required: pass the record your own enrollment produced. Enroll the AK "
    "once from this verifier: `signet attest challenge --ak ak.json --ek-roots ROOTS --out "
    "challenge.json --state state.json` (here), `signet attest activate --tcti T --ak ak.json "
    "--challenge challenge.json --out response.json` (on the appliance), then `signet attest "
    "accept --state state.json --response response.json --out enrollment.json` (here)";

Result<int> VerifyUrl(const VerifyOpts& o);

Result<int> Verify(const VerifyOpts& o) {
  // Every local input first: a bad one is exit 2 and nothing is written.
  if (o.enrollment.empty()) return InvalidArgument(kHowToEnroll);
  if (!o.url.empty()) return VerifyUrl(o);
  if (o.evidence.empty() || o.nonce.empty()) {
    return InvalidArgument("give --evidence and --nonce, or --url (and --cacert) to fetch fresh evidence");
  }
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

// ----- verify --url (issue 14) ---------------------------------------------------------------

// VerifyUrl attests a running daemon: a fresh nonce, POST /v1/attestation over TLS (the server
// must chain to --cacert and name the URL's host), the channel binding of THAT connection's peer
// certificate, then every check of VerifyTpmEvidence including the batch proof. Exit 0 trusted,
// 1 refused (the finding on stderr), 2 bad local input, 3 the daemon could not be reached or
// answered with an error status.
Result<int> VerifyUrl(const VerifyOpts& o) {
  if (!o.evidence.empty() || !o.nonce.empty() || !o.channel_binding.empty()) {
    return InvalidArgument("--url fetches fresh evidence: --evidence, --nonce and --channel-binding do not apply");
  }
  if (o.cacert.empty()) return InvalidArgument("--url needs --cacert (the CA the daemon's TLS certificate chains to)");
  att::TpmVerifyOptions opt;
  opt.allow_resettable_pcr = o.allow_resettable_pcr;
  SIGNET_ASSIGN_OR_RETURN(std::string record_text, ReadFile(o.enrollment, 64 * 1024));
  SIGNET_ASSIGN_OR_RETURN(att::EnrollmentRecord record, att::ParseTrustedEnrollmentRecord(record_text));
  opt.trusted_enrollment = std::move(record);
  SIGNET_ASSIGN_OR_RETURN(opt.ek_roots_pem, ReadFile(o.ek_roots, 1024 * 1024));
  SIGNET_ASSIGN_OR_RETURN(std::string ref_text, ReadFile(o.reference, 1024 * 1024));
  SIGNET_ASSIGN_OR_RETURN(opt.reference, att::ParseReferenceValues(ref_text));
  SIGNET_ASSIGN_OR_RETURN(service::HttpsUrl url, service::ParseHttpsUrl(o.url));
  service::ClientOptions copts;
  copts.ca_file = o.cacert;
  copts.max_response_body = 16 * 1024 * 1024;
  SIGNET_ASSIGN_OR_RETURN(std::unique_ptr<service::HttpsClient> client,
                          service::HttpsClient::Create(std::move(url), std::move(copts)));
  // 1. A fresh nonce, never reused.
  SIGNET_ASSIGN_OR_RETURN(opt.nonce, RandomBytes(32));
  JsonValue req = JsonValue::MakeObject();
  req.Set("nonce", JsonValue::String(HexEncode(opt.nonce)));
  SIGNET_ASSIGN_OR_RETURN(service::ClientResponse resp, client->PostJson("/v1/attestation", WriteJson(req)));
  if (resp.status != 200) {
    std::string code;
    if (auto body = ParseJson(resp.body); body.ok()) {
      if (auto c = body->GetString("code"); c.ok()) code = *c;
    }
    return Unavailable("the daemon answered HTTP " + std::to_string(resp.status) + (code.empty() ? "" : " " + code));
  }
  // 2. The channel binding of the connection that carried this answer (its peer certificate).
  auto cb = HexDecode(client->channel_binding());
  if (!cb.ok() || cb->size() != 32) return Internal("the TLS connection has no peer certificate binding");
  opt.channel_binding = std::move(cb).value();
  // 3. The answer, strictly; a malformed one is refused like bad evidence.
  auto answer = att::ParseAttestationResponse(resp.body);
  if (!answer.ok()) {
    std::fprintf(stderr, "signet: attestation refused: %s (%s)\n", findings::kMalformedEvidence,
                 answer.error().message().c_str());
    return kExitDenied;
  }
  opt.batch = answer->batch;
  // 4. Every step: EK chain, enrollment, AK, signature, structure, batch freshness and channel
  //    binding, PCR selection, event-log replay, reference values.
  SIGNET_ASSIGN_OR_RETURN(att::TpmAttestationResult r, att::VerifyTpmEvidence(answer->evidence, opt));
  std::string json = WriteJson(att::AttestationResultToJson(r), 2) + "\n";
  if (!o.out.empty()) SIGNET_RETURN_IF_ERROR(WriteFileAtomic(o.out, json));
  if (o.json) std::fputs(json.c_str(), stdout);
  if (!r.trusted) {
    std::fprintf(stderr, "signet: attestation refused: %s\n", r.finding.c_str());
    return kExitDenied;
  }
  if (!o.json) {
    std::printf("attestation verified: %s (AK %s, %zu measurements, batch leaf %llu of %llu)\n", o.url.c_str(),
                HexEncode(r.ak_name).substr(0, 16).c_str(), r.measurements.size(),
                static_cast<unsigned long long>(answer->batch.leaf_index),
                static_cast<unsigned long long>(answer->batch.tree_size));
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

// ----- launch -------------------------------------------------------------------------------

struct LaunchFlags {
  std::string tcti;
  attester::LaunchOpts opts;
};

// ----- tls-key (appliance) ------------------------------------------------------------------

struct TlsKeyFlags {
  std::string tcti;
  attester::TlsKeyOpts opts;
};

Status TlsKey(Backends& backends, const TlsKeyFlags& f) {
  SIGNET_ASSIGN_OR_RETURN(attester::TlsKeyResult r, attester::MakeTlsKey(f.opts, TpmFor(backends, f.tcti)));
  std::printf("created a TPM-resident TLS key (ecdsa-p256, fixedTPM|fixedParent) in %s and its CSR in %s;\n"
              "a certificate for it has channel binding sha256(SPKI) = %s\n",
              f.opts.out.c_str(), f.opts.csr.c_str(), HexEncode(r.spki_sha256).c_str());
  return OkStatus();
}

template <typename Fn>
int RunStatus(Fn fn) {
  Status s = fn();
  if (!s.ok()) return ReportError(s.error());
  return kExitOk;
}

}  // namespace

void RegisterAttestCommands(Cli& cli, Backends& backends) {
  auto* attest = cli.app.add_subcommand(
      "attest", "TPM attestation of this appliance: enroll an AK, quote, verify evidence");
  attest->require_subcommand(1);

  auto enroll_o = std::make_shared<EnrollFlags>();
  auto* enroll = attest->add_subcommand(
      "enroll",
      "Create an AK under the EK (self-checked by credential activation) and write ak.json; a verifier\n"
      "then enrolls it with `attest challenge`, `attest activate` and `attest accept`");
  enroll->add_option("--tcti", enroll_o->tcti, "TCTI string, e.g. device:/dev/tpmrm0")->required();
  enroll->add_option("--out", enroll_o->opts.out, "Where to write ak.json")->required();
  enroll->add_option("--algorithm", enroll_o->opts.algorithm, "ecdsa-p256 (default) or rsa-2048");
  enroll->callback([&cli, &backends, enroll_o] {
    cli.action = [&backends, enroll_o] { return RunStatus([&] { return Enroll(backends, *enroll_o); }); };
  });

  auto quote_o = std::make_shared<QuoteFlags>();
  auto* quote = attest->add_subcommand("quote", "Quote the measured-launch PCR into evidence.json");
  quote->add_option("--tcti", quote_o->tcti, "TCTI string")->required();
  quote->add_option("--ak", quote_o->opts.ak, "ak.json from `attest enroll`")->required();
  quote->add_option("--nonce", quote_o->opts.nonce, "The verifier's fresh 32-byte nonce, hex")->required();
  quote->add_option("--channel-binding", quote_o->opts.channel_binding,
                    "32 bytes, hex (SHA-256 of the TLS public key)");
  quote->add_option("--event-log", quote_o->opts.event_log, "Event log from `signet launch`")->required();
  quote->add_option("--ek-chain", quote_o->opts.ek_chain, "PEM intermediates for the EK certificate");
  quote->add_option("--out", quote_o->opts.out, "Where to write evidence.json")->required();
  quote->callback([&cli, &backends, quote_o] {
    cli.action = [&backends, quote_o] {
      return RunStatus([&] { return attester::Quote(quote_o->opts, TpmFor(backends, quote_o->tcti)); });
    };
  });

  auto verify_o = std::make_shared<VerifyOpts>();
  auto* verify = attest->add_subcommand(
      "verify", "Verify evidence (no TPM needed). Exit 0 trusted, 1 refused");
  verify->add_option("--evidence", verify_o->evidence, "evidence.json (or --url)");
  verify->add_option("--nonce", verify_o->nonce, "The nonce you issued, hex (with --evidence)");
  verify->add_option("--url", verify_o->url,
                     "https://HOST:PORT of a daemon serving POST /v1/attestation: fetch fresh evidence with a\n"
                     "fresh nonce, bound to the TLS key of the connection used");
  verify->add_option("--cacert", verify_o->cacert, "PEM CA the daemon's TLS certificate chains to (with --url)");
  verify->add_flag("--json", verify_o->json, "With --url: print the verified claims as JSON");
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

  auto activate_o = std::make_shared<ActivateFlags>();
  auto* activate = attest->add_subcommand(
      "activate", "Appliance: TPM2_ActivateCredential on a verifier's challenge");
  activate->add_option("--tcti", activate_o->tcti, "TCTI string")->required();
  activate->add_option("--ak", activate_o->opts.ak, "ak.json from `attest enroll`")->required();
  activate->add_option("--challenge", activate_o->opts.challenge, "challenge.json")->required();
  activate->add_option("--out", activate_o->opts.out, "response.json, for the verifier")->required();
  activate->callback([&cli, &backends, activate_o] {
    cli.action = [&backends, activate_o] {
      return RunStatus([&] { return attester::Activate(activate_o->opts, TpmFor(backends, activate_o->tcti)); });
    };
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

  auto tls_o = std::make_shared<TlsKeyFlags>();
  auto* tls_key = attest->add_subcommand(
      "tls-key",
      "Create a non-duplicable TLS server key in the TPM (TSS2 PRIVATE KEY file for the tpm2-openssl\n"
      "provider: `tls.key: tpm2:FILE`) and a CSR for it signed inside the TPM");
  tls_key->add_option("--tcti", tls_o->tcti, "TCTI string, e.g. device:/dev/tpmrm0")->required();
  tls_key->add_option("--out", tls_o->opts.out, "Key file to write (TSS2 PRIVATE KEY PEM, 0600)")->required();
  tls_key->add_option("--csr", tls_o->opts.csr, "CSR file to write (PEM)")->required();
  tls_key->add_option("--subject", tls_o->opts.subject, "CSR subject, /CN=name[/O=org...] (default /CN=signet)");
  tls_key->add_option("--san", tls_o->opts.sans, "subjectAltName DNS:NAME or IP:ADDRESS (repeatable)");
  tls_key->callback([&cli, &backends, tls_o] {
    cli.action = [&backends, tls_o] { return RunStatus([&] { return TlsKey(backends, *tls_o); }); };
  });

  auto export_o = std::make_shared<attester::ExportOpts>();
  auto* exp = attest->add_subcommand(
      "export", "Write quote.msg, quote.sig, ak.tpm2b.pub, pcrs.bin ... for tpm2_checkquote/openssl");
  exp->add_option("--evidence", export_o->evidence, "evidence.json")->required();
  exp->add_option("--dir", export_o->dir, "Existing output directory")->required();
  exp->callback([&cli, export_o] {
    cli.action = [export_o] { return RunStatus([&] { return attester::Export(*export_o); }); };
  });

  auto launch_o = std::make_shared<LaunchFlags>();
  auto* launch = cli.app.add_subcommand(
      "launch", "Measure files into a PCR with a typed event log, then exec the measured binary");
  launch->add_option("--tcti", launch_o->tcti, "TCTI string")->required();
  auto* pcr_opt = launch->add_option("--pcr", launch_o->opts.pcr,
                                     "PCR to extend (production: non-resettable; tests: 23)");
  launch->add_option("--event-log", launch_o->opts.event_log, "Event log file (appended)")->required();
  launch->add_option("--measure", launch_o->opts.measures, "KIND=PATH (binary|config|policy|trust_root)")
      ->required();
  launch->add_flag("--reset-pcr", launch_o->opts.reset_pcr,
                   "Reset the (debug, 16 or 23) PCR and start a new log first; tests only");
  launch->add_option("--pin-env", launch_o->opts.pin_env,
                     "Environment variable holding a PIN: removed before the command runs");
  launch->footer("Everything after -- is the command, passed on unchanged; its first word must "
                 "be the path of a --measure binary=.");
  launch->callback([&cli, &backends, launch_o, pcr_opt] {
    launch_o->opts.pcr_set = pcr_opt->count() > 0;
    cli.accepts_trailing = true;
    cli.action = [&cli, &backends, launch_o] {
      launch_o->opts.command = cli.trailing;
      // Returns only when the measured binary could not be executed.
      return ReportError(attester::Launch(launch_o->opts, TpmFor(backends, launch_o->tcti)));
    };
  });
}

}  // namespace signet::ops
