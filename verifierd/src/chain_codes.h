// The CONT-PROV codes of verifierd's chain[] links (issue 13). Stable strings: dashboards and
// admission messages match on them. (To move into the shared finding registry.)
#ifndef SIGNET_VERIFIERD_CHAIN_CODES_H_
#define SIGNET_VERIFIERD_CHAIN_CODES_H_

namespace signet::verifierd::chain_codes {

// reference: the deployed reference is not digest-pinned.
inline constexpr char kMutableTag[] = "CONT-PROV-MUTABLE-TAG";
// signature: a signature verifies but covers another digest or name, or does not verify.
inline constexpr char kSignatureDigestMismatch[] = "CONT-PROV-SIGNATURE-DIGEST-MISMATCH";
// signature: signed, but not by a key or identity the policy trusts.
inline constexpr char kWeakSignerIdentity[] = "CONT-PROV-WEAK-SIGNER-IDENTITY";
// signature: no signature found.
inline constexpr char kSignatureMissing[] = "CONT-PROV-SIGNATURE-MISSING";
// provenance: a provenance verified but fails the policy's builder/source/freshness checks.
inline constexpr char kBuilderNotApproved[] = "CONT-PROV-BUILDER-NOT-APPROVED";
// provenance: none given or none readable.
inline constexpr char kProvenanceMissing[] = "CONT-PROV-PROVENANCE-MISSING";
// sbom: the SBOM is about another digest.
inline constexpr char kSbomDigestMismatch[] = "CONT-PROV-SBOM-DIGEST-MISMATCH";
// sbom: a required SBOM is absent or none is acceptable.
inline constexpr char kSbomMissing[] = "CONT-PROV-SBOM-MISSING";
// scan: a required scan is absent or none is acceptable.
inline constexpr char kScanMissing[] = "CONT-PROV-SCAN-MISSING";
// scan: the scan reports a vulnerability above the limit, or is too old.
inline constexpr char kScanFailing[] = "CONT-PROV-SCAN-FAILING";
// exceptions: an exception matched but expired, or lacks an owner or expiry.
inline constexpr char kStaleException[] = "CONT-PROV-STALE-EXCEPTION";

}  // namespace signet::verifierd::chain_codes

#endif  // SIGNET_VERIFIERD_CHAIN_CODES_H_
