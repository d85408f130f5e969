// Evidence readers for the gate: they find the signed objects inside the files a caller hands
// to `signet gate`, and verify nothing.
//
// Accepted forms (detected from the content, never from the file name):
//   - a Sigstore bundle (any media type attestation::ParseBundle accepts);
//   - a bare DSSE envelope;
//   - a `.intoto.jsonl` file: one DSSE envelope or Sigstore bundle per non-empty line
//     (slsa-github-generator's format);
//   - a Google Cloud Build provenance file: provenance_summary.provenance[].envelope;
//   - a cosign attestation image manifest (OCI image manifest whose layers are
//     application/vnd.dsse.envelope.v1+json) together with its layer blob, given as another
//     input. The manifest's layer annotations carry the Fulcio certificate and the Rekor SET
//     (`dev.sigstore.cosign/bundle`); they are turned into a v0.1 Sigstore bundle so that one
//     verifier (attestation::VerifyBundle) checks chain, SET, log body and signature.
// Trust decision: a Candidate is UNVERIFIED. The gate verifies each one against the policy's
// keys and trusted root before reading any of its payload.
#ifndef SIGNET_POLICY_INPUTS_H_
#define SIGNET_POLICY_INPUTS_H_

#include <optional>
#include <string>
#include <vector>

#include "signet/attestation/bundle.h"
#include "signet/attestation/dsse.h"
#include "signet/core/result.h"

namespace signet::policy {

// EvidenceInput is one file handed to the gate: a display name and its bytes.
struct EvidenceInput {
  std::string name;
  std::string bytes;
};

// Candidate is one signed object found in the inputs. Exactly one of bundle / envelope is set.
struct Candidate {
  std::string origin;  // input name, with "#<n>" for the n-th object (1-based) of a multi-object file;
                       // for .intoto.jsonl, n is the line number
  std::string format;  // "sigstore-bundle", "dsse", "intoto-jsonl", "gcb", "cosign-manifest"
  size_t line = 0;     // 1-based line number in an .intoto.jsonl file, else 0
  std::optional<attestation::Bundle> bundle;
  std::optional<attestation::DsseEnvelope> envelope;
};

// InputProblem is an input (or one object in it) that could not be read.
struct InputProblem {
  std::string origin;
  std::string message;  // never quotes input content
  size_t line = 0;      // 1-based line number in an .intoto.jsonl file, else 0
};

// EvidenceSet is everything found in a list of inputs.
struct EvidenceSet {
  std::vector<Candidate> candidates;
  std::vector<InputProblem> problems;
};

// kMaxEvidenceBytes bounds one input; kMaxObjectsPerInput bounds objects per input.
inline constexpr size_t kMaxEvidenceBytes = 32 * 1024 * 1024;
inline constexpr size_t kMaxObjectsPerInput = 256;

// ReadEvidence finds the candidates in `inputs`. Steps:
//   1. Each input is parsed as strict JSON; if that fails it is read as JSON lines.
//   2. Its form is recognised by its members (mediaType bundle / payloadType envelope /
//      provenance_summary / OCI manifest layers); anything else is a problem.
//   3. A cosign manifest is paired with the input whose SHA-256 equals a layer's digest; that
//      input is consumed by the manifest and not read on its own.
// Never fails: an unreadable input or object becomes an InputProblem (the gate reports it as
// MALFORMED_INPUT) and the other objects are still returned.
EvidenceSet ReadEvidence(const std::vector<EvidenceInput>& inputs);

}  // namespace signet::policy

#endif  // SIGNET_POLICY_INPUTS_H_
