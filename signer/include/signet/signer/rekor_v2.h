// Rekor v2 entries for the appliance's transparency log, and their form inside a Sigstore bundle
// (issue 16 part 2).
//
// Each released signature is logged as one Rekor v2 entry (apiVersion 0.0.2) whose canonical JSON
// is the log entry (the Merkle leaf is RFC 6962 over exactly these bytes):
//   - a message signature (cosign simple signing): kind "hashedrekord",
//     {"apiVersion":"0.0.2","kind":"hashedrekord","spec":{"hashedRekordV002":{
//       "data":{"algorithm":"SHA2_256","digest":B64(SHA-256(message))},
//       "signature":{"content":B64(sig),"verifier":{"keyDetails":K,"publicKey":{"rawBytes":B64(SPKI)}}}}}}
//   - a DSSE envelope: kind "dsse",
//     {"apiVersion":"0.0.2","kind":"dsse","spec":{"dsseV002":{
//       "payloadHash":{"algorithm":"SHA2_256","digest":B64(SHA-256(payload))},
//       "signatures":[{"content":B64(sig),"verifier":{...}}]}}}
//     Why not hashedrekord over SHA-256(PAE), as rekor-tiles writes for DSSE: @sigstore/verify
//     3.1.1 (dist/bundle/dsse.js compareDigest) compares a DSSE bundle's entry digest with
//     SHA-256 of the payload, so it refuses such an entry ("digest mismatch", checked against the
//     rekor2-dsse-happy-path conformance vector); its dsse v0.0.2 path (dist/tlog/dsse.js) accepts
//     this form.
// The bundle's tlog entry (TlogEntryJson) is Rekor v2's: kindVersion, logIndex, logId.keyId,
// inclusionProof with the checkpoint envelope, integratedTime 0 and no inclusionPromise (SET).
#ifndef SIGNET_SIGNER_REKOR_V2_H_
#define SIGNET_SIGNER_REKOR_V2_H_

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "signet/core/bytes.h"
#include "signet/core/json.h"
#include "signet/core/public_key.h"
#include "signet/core/result.h"
#include "signet/core/time.h"

namespace signet::signer {

inline constexpr char kRekorV2ApiVersion[] = "0.0.2";
inline constexpr char kRekorKindHashedRekord[] = "hashedrekord";
inline constexpr char kRekorKindDsse[] = "dsse";

// KeyDetailsName returns the Sigstore PublicKeyDetails name of `alg` ("PKIX_ECDSA_P256_SHA_256",
// "PKIX_ED25519", ...); empty when no single name fits (RSA-PSS of any size), and the entry's
// verifier then has no keyDetails. Cannot fail.
std::string KeyDetailsName(SignatureAlgorithm alg);

// HashedRekordBody renders the canonical hashedrekord v0.0.2 entry of `signature` over a
// message whose SHA-256 is `sha256_digest` (32 bytes, else kInvalidArgument).
Result<std::string> HashedRekordBody(ByteView sha256_digest, ByteView signature, ByteView spki_der,
                                     SignatureAlgorithm alg);

// DsseBody renders the canonical dsse v0.0.2 entry of a one-signature DSSE envelope over
// `payload`.
Result<std::string> DsseBody(ByteView payload, ByteView signature, ByteView spki_der, SignatureAlgorithm alg);

// LoggedEntry is one entry as the log committed it.
struct LoggedEntry {
  std::string kind;                   // kRekorKindHashedRekord or kRekorKindDsse
  std::string body;                   // the entry bytes (canonicalizedBody)
  uint64_t index = 0;
  uint64_t tree_size = 0;
  std::string checkpoint;             // the signed note covering the entry
  std::vector<Bytes> inclusion_proof;
  Bytes log_id;                       // the log's key ID (see LogKeyId)
};

// LogKeyId returns the Rekor v2 log ID of an Ed25519 log key: SHA-256(origin || 0x0A || 0x01 ||
// raw public key), all 32 bytes. Its first 4 bytes are the signed-note key ID of the checkpoint
// signature, which is what @sigstore/verify matches (dist/tlog/checkpoint.js). Cannot fail.
Bytes LogKeyId(std::string_view origin, ByteView raw_ed25519_key);

// TlogEntryJson renders `entry` as a bundle's verificationMaterial.tlogEntries[] element.
// Fails kInvalidArgument when the checkpoint has no base64 root hash on its third line.
Result<JsonValue> TlogEntryJson(const LoggedEntry& entry);

// kTrustedRootMediaType is the media type of a Sigstore trusted root.
inline constexpr char kTrustedRootMediaType[] = "application/vnd.dev.sigstore.trustedroot+json;version=0.1";

// TrustedRootLog describes the appliance's log for a trusted root.
struct TrustedRootLog {
  std::string origin;      // the checkpoint origin (a bare host name): baseUrl https://<origin>
  Bytes raw_ed25519_key;   // the log key, 32 bytes
  Timestamp valid_from;    // tlogs[].publicKey.validFor.start
};

// TrustedRootTsa describes the appliance's TSA: its chain, leaf first (DER), and validity.
struct TrustedRootTsa {
  std::string uri;                  // timestampAuthorities[].uri
  std::string common_name;          // subject.commonName
  std::vector<Bytes> chain_der;     // leaf first
  Timestamp valid_from;
  std::optional<Timestamp> valid_to;
};

// TrustedRootJson renders a Sigstore trusted root (kTrustedRootMediaType) with one tlogs[]
// entry for `log` (hashAlgorithm SHA2_256, publicKey rawBytes = the Ed25519 SPKI DER with
// keyDetails PKIX_ED25519, logId.keyId = LogKeyId) and, when `tsa` is set, one
// timestampAuthorities[] entry; certificateAuthorities and ctlogs are empty. kInvalidArgument for
// a key that is not 32 bytes or an empty chain.
Result<JsonValue> TrustedRootJson(const TrustedRootLog& log, const std::optional<TrustedRootTsa>& tsa);

}  // namespace signet::signer

#endif  // SIGNET_SIGNER_REKOR_V2_H_
