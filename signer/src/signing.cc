#include "signet/signer/signing.h"

#include <cerrno>
#include <cstring>
#include <sys/stat.h>
#include <unistd.h>

#include "signet/attestation/dsse.h"
#include "signet/attestation/public_key.h"
#include "signet/core/encoding.h"
#include "signet/core/file.h"
#include "signet/core/hash.h"

namespace signet::signer {

namespace {

std::vector<AuditInput> InputDigests(const SignRequest& req) {
  std::vector<AuditInput> out;
  for (const auto* list : {&req.provenance, &req.attestations}) {
    for (const auto& in : *list) out.push_back({in.name, HexEncode(Sha256(AsBytes(in.bytes)))});
  }
  return out;
}

AuditRecord MakeRecord(const SignRequest& req, const Decision& d, const std::string& key_id) {
  AuditRecord r;
  r.time = d.evaluated_at;
  r.subject = req.image.ToString();
  r.policy_digest = d.policy_digest;
  r.inputs = InputDigests(req);
  r.decision = d.allowed ? "allow" : "deny";
  r.key_id = key_id;
  for (const auto& f : d.findings) r.findings.push_back(f.code);
  return r;
}

// SignAndCheck signs `message` on the device and verifies the result on the host.
Result<Bytes> SignAndCheck(fw::SigningKey& key, const attestation::PublicKey& pub, ByteView message) {
  SIGNET_ASSIGN_OR_RETURN(Bytes sig, key.Sign(message));
  if (!pub.Verify(message, sig).ok()) {
    return Internal("the signing device returned a signature that does not verify; nothing released");
  }
  return sig;
}

}  // namespace

Status CheckOutputDir(const std::string& dir) {
  if (dir.empty()) return InvalidArgument("output directory is empty");
  struct stat st;
  if (::stat(dir.c_str(), &st) != 0) {
    if (errno != ENOENT) return InvalidArgument("cannot use output directory " + dir + ": " + std::strerror(errno));
    if (::mkdir(dir.c_str(), 0755) != 0) {
      return (errno == ENOENT ? NotFound("parent of output directory does not exist: " + dir)
                              : PermissionDenied("cannot create output directory " + dir + ": " + std::strerror(errno)));
    }
  } else if (!S_ISDIR(st.st_mode)) {
    return InvalidArgument("output path is not a directory: " + dir);
  }
  std::string probe = dir + "/.signet-probe-XXXXXX";
  int fd = ::mkstemp(probe.data());
  if (fd < 0) return PermissionDenied("output directory is not writable: " + dir + ": " + std::strerror(errno));
  ::close(fd);
  ::unlink(probe.c_str());
  return OkStatus();
}

Result<SignOutcome> DecideAndSign(const Gate& gate, fw::SigningKey& key, const SignRequest& req,
                                  AuditRecord* record) {
  SignOutcome out;
  // 1. Decide.
  GateRequest gr;
  gr.subject = req.image.ToString();
  gr.provenance = req.provenance;
  gr.attestations = req.attestations;
  gr.at = req.at;
  out.decision = gate.Evaluate(gr);
  const Decision& d = out.decision;

  if (!d.allowed) {
    // Deny: only the audit record.
    *record = MakeRecord(req, d, "");
    return out;
  }

  // 2. Sign the three payloads and check each signature on the host.
  SIGNET_ASSIGN_OR_RETURN(attestation::PublicKey pub, attestation::PublicKey::FromSpkiDer(key.public_key_spki()));
  std::string simple = SimpleSigningPayload(req.image, req.annotations);
  SIGNET_ASSIGN_OR_RETURN(std::string statement, WriteCanonicalJson(CosignSignStatement(req.image)));
  VsaParams vp;
  vp.verifier_id = req.verifier_id;
  vp.time_verified = d.evaluated_at;
  vp.policy_uri = req.policy_uri;
  vp.policy_sha256 = d.policy_digest.substr(d.policy_digest.find(':') + 1);
  for (const auto& in : InputDigests(req)) vp.inputs.push_back({in.name, in.sha256});
  vp.verified_levels = req.verified_levels;
  SIGNET_ASSIGN_OR_RETURN(std::string vsa, WriteCanonicalJson(VsaStatement(req.image, vp)));

  SIGNET_ASSIGN_OR_RETURN(Bytes simple_sig, SignAndCheck(key, pub, AsBytes(simple)));
  SIGNET_ASSIGN_OR_RETURN(Bytes stmt_sig, SignAndCheck(key, pub, attestation::Pae(kInTotoPayloadType, AsBytes(statement))));
  SIGNET_ASSIGN_OR_RETURN(Bytes vsa_sig, SignAndCheck(key, pub, attestation::Pae(kInTotoPayloadType, AsBytes(vsa))));

  *record = MakeRecord(req, d, key.key_id());

  out.outputs = {
      {"simplesigning.json", std::move(simple)},
      {"simplesigning.sig", Base64Encode(simple_sig)},
      {"image.sigstore.json", DsseBundle(kInTotoPayloadType, AsBytes(statement), stmt_sig, key.public_key_spki())},
      {"vsa.sigstore.json", DsseBundle(kInTotoPayloadType, AsBytes(vsa), vsa_sig, key.public_key_spki())},
      {"decision.json", WriteJson(d.ToJson(), 2) + "\n"},
  };
  return out;
}

Result<SignOutcome> DecideSignAndLog(const Gate& gate, fw::SigningKey& key, AuditLog& log, const SignRequest& req) {
  AuditRecord record;
  SIGNET_ASSIGN_OR_RETURN(SignOutcome out, DecideAndSign(gate, key, req, &record));
  // 3. The decision is durable before any signature leaves this process.
  SIGNET_ASSIGN_OR_RETURN(out.audit_entry, log.Append(record));
  return out;
}

Status WriteOutputs(const std::string& out_dir, SignOutcome& outcome) {
  for (const auto& [name, content] : outcome.outputs) {
    std::string path = out_dir + "/" + name;
    SIGNET_RETURN_IF_ERROR(WriteFileAtomic(path, content));
    outcome.written.push_back(path);
  }
  return OkStatus();
}

Result<SignOutcome> SignImage(const Gate& gate, fw::SigningKey& key, AuditLog& log, const SignRequest& req) {
  SIGNET_ASSIGN_OR_RETURN(SignOutcome out, DecideSignAndLog(gate, key, log, req));
  // 4. Outputs, each atomically, only after the audit entry is durable.
  SIGNET_RETURN_IF_ERROR(WriteOutputs(req.out_dir, out));
  return out;
}

}  // namespace signet::signer
