// Self-check of Signet's signature outputs for one image, with a pinned public key: what a
// pipeline runs after `signet sign` (and what any cosign-compatible verifier would check).
#ifndef SIGNET_POLICY_IMAGE_VERIFY_H_
#define SIGNET_POLICY_IMAGE_VERIFY_H_

#include <string>
#include <string_view>
#include <vector>

#include "signet/core/public_key.h"
#include "signet/core/result.h"
#include "signet/policy/image_ref.h"

namespace signet::policy {

// ImageCheck is the outcome for one output format found in the directory.
struct ImageCheck {
  std::string format;   // "simplesigning" or "sigstore-bundle"
  std::string file;
  bool ok = false;
  std::string finding;  // stable code when !ok
  std::string message;
};

// CheckSimpleSigningBytes checks one cosign simple-signing payload and its .sig file content
// (base64 DER, one trailing newline allowed) for `image` under `key`, as VerifyImageSignatures
// does for simplesigning.json/.sig. `file` only labels the result. With an empty
// image.repository only the digest is compared (a bare "sha256:..." subject). Never fails: a
// refusal is an ImageCheck with ok=false and a finding (SIGNATURE_INVALID, MALFORMED_INPUT,
// SUBJECT_MISMATCH).
ImageCheck CheckSimpleSigningBytes(const ImageRef& image, const PublicKey& key, std::string_view payload,
                                   std::string_view sig_text, std::string file);

// CheckCosignBundleBytes checks the bytes of a cosign v3 bundle (image.sigstore.json) for `image`
// under `key`, as VerifyImageSignatures does; empty image.repository as above. Never fails.
ImageCheck CheckCosignBundleBytes(const ImageRef& image, const PublicKey& key, std::string_view bundle,
                                  std::string file);

// VerifyImageSignatures checks every signature output present in `dir` for `image`:
//  - simplesigning.json + simplesigning.sig (cosign legacy): 1. the base64 DER signature
//    verifies over the exact payload bytes; 2. the payload is cosign's simple-signing JSON;
//    3. its docker-reference and docker-manifest-digest equal `image`.
//  - image.sigstore.json (cosign v3): 1. a Sigstore bundle v0.3 with a DSSE envelope;
//    2. the envelope verifies with `key` over PAE; 3. the payload is an in-toto Statement with
//    predicateType https://sigstore.dev/cosign/sign/v1; 4. a subject has the image's name and
//    sha256 digest.
// A signature that does not verify is finding SIGNATURE_INVALID, also when its base64 is not
// canonical (a signature, not unusable input: the CLI exits 1).
// Returns one ImageCheck per format found. Fails kNotFound if `dir` holds neither format, and
// kInvalidArgument for unreadable files.
Result<std::vector<ImageCheck>> VerifyImageSignatures(const ImageRef& image, const PublicKey& key,
                                                      const std::string& dir);

}  // namespace signet::policy

#endif  // SIGNET_POLICY_IMAGE_VERIFY_H_
