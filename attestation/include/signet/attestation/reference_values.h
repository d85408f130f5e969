// Reference values: the published digests of a Signet release's measured files.
//
// `signet attest reference --pcr N --measure KIND=PATH[=INSTALLED] ...` writes them from the
// release artifacts (PATH), recording the path the appliance measures the file at (INSTALLED,
// default PATH):
//
//   {"version":"signet-reference-v1","pcr":10,"measurements":[{"id":"binary:signet",
//     "kind":"binary","path":"/usr/bin/signet","sha256":"<64 hex>"}, ...]}
//
// The verifier matches each measured event by kind, digest and path (the path is part of the
// extended record, so it is bound like the digest) and requires every reference to be matched.
#ifndef SIGNET_ATTESTATION_REFERENCE_VALUES_H_
#define SIGNET_ATTESTATION_REFERENCE_VALUES_H_

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "signet/core/bytes.h"
#include "signet/core/result.h"

namespace signet::attestation {

// kReferenceVersion is the "version" member of a reference-values document.
inline constexpr const char kReferenceVersion[] = "signet-reference-v1";

// ReferenceMeasurement is one expected measurement.
struct ReferenceMeasurement {
  std::string id;    // "<kind>:<file name>", unique in the document
  std::string kind;  // binary | config | policy | trust_root
  std::string path;  // where the appliance measures it: must equal the event's path
  Bytes sha256;      // 32 bytes
};

// ReferenceValues is the whole document: the PCR measurements go to, and what they must be.
struct ReferenceValues {
  uint32_t pcr = 23;
  std::vector<ReferenceMeasurement> measurements;
};

// ParseReferenceValues parses a document strictly. Fails with kInvalidArgument on unknown
// members, an unknown kind, duplicate ids, a PCR above 23, no measurements, or bad hex.
Result<ReferenceValues> ParseReferenceValues(std::string_view json);
// SerializeReferenceValues renders the document pretty-printed with a trailing newline.
std::string SerializeReferenceValues(const ReferenceValues& ref);

}  // namespace signet::attestation

#endif  // SIGNET_ATTESTATION_REFERENCE_VALUES_H_
