// The CONT-PROV codes of verifierd's chain[] links (issue 13), under short local names. The
// strings live in the one finding registry (core/findings.h); these are references to it.
#ifndef SIGNET_VERIFIERD_CHAIN_CODES_H_
#define SIGNET_VERIFIERD_CHAIN_CODES_H_

#include "signet/core/findings.h"

namespace signet::verifierd::chain_codes {

inline constexpr const char* kMutableTag = findings::kContProvMutableTag;
inline constexpr const char* kSignatureDigestMismatch = findings::kContProvSignatureDigestMismatch;
inline constexpr const char* kWeakSignerIdentity = findings::kContProvWeakSignerIdentity;
inline constexpr const char* kSignatureMissing = findings::kContProvSignatureMissing;
inline constexpr const char* kBuilderNotApproved = findings::kContProvBuilderNotApproved;
inline constexpr const char* kProvenanceMissing = findings::kContProvProvenanceMissing;
inline constexpr const char* kSbomDigestMismatch = findings::kContProvSbomDigestMismatch;
inline constexpr const char* kSbomMissing = findings::kContProvSbomMissing;
inline constexpr const char* kScanMissing = findings::kContProvScanMissing;
inline constexpr const char* kScanFailing = findings::kContProvScanFailing;
inline constexpr const char* kStaleException = findings::kContProvStaleException;

}  // namespace signet::verifierd::chain_codes

#endif  // SIGNET_VERIFIERD_CHAIN_CODES_H_
