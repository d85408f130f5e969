// The appliance's AK file (ak.json): the attestation key `signet attest enroll` created under the
// EK, and the EK certificate it was created under. See attester/ARCHITECTURE.md.
//
// The file holds no secret: ak_private is the TPM2B_PRIVATE the TPM returned, encrypted and
// integrity-protected under the EK's seed, so it loads only on the TPM that made it.
#ifndef SIGNET_ATTESTER_AK_FILE_H_
#define SIGNET_ATTESTER_AK_FILE_H_

#include <string>
#include <string_view>

#include "signet/core/bytes.h"
#include "signet/core/json.h"
#include "signet/core/result.h"
#include "signet/firmware_iface/tpm.h"

namespace signet::attester {

// kAkFileVersion is the "version" member every ak.json carries.
inline constexpr char kAkFileVersion[] = "signet-tpm-ak-v1";

// kMaxAkFileBytes bounds what LoadAkFile / ParseAkJson read.
inline constexpr size_t kMaxAkFileBytes = 1024 * 1024;

// AkFile is the content of ak.json.
struct AkFile {
  fw::AkBlob ak;
  Bytes ek_certificate;  // DER
};

// SerializeAkFile renders `f` as ak.json (pretty JSON, trailing newline). Cannot fail.
std::string SerializeAkFile(const AkFile& f);

// ParseAkJson reads the file at `path` (regular files only, bounded) as a JSON object and checks
// its version. kInvalidArgument for anything that is not a signet AK file; the ReadFile error
// (kNotFound, kInvalidArgument for a FIFO or device, ...) when it cannot be read.
Result<JsonValue> ParseAkJson(const std::string& path);

// B64Member returns the base64-decoded string member `key` of `v`; kInvalidArgument naming
// `path` and the member when it is missing or not base64.
Result<Bytes> B64Member(const JsonValue& v, std::string_view key, const std::string& path);

// LoadAkFile reads and checks ak.json: every member decodes, the public area parses, its Name
// is the recorded one and its type matches the algorithm, the private area is one TPM2B, and the
// EK certificate is DER. A tampered file is unusable local input (kInvalidArgument, exit 2),
// never a TPM error. An "enrollment" member (written by older versions) is accepted and ignored;
// any other unknown member is refused.
Result<AkFile> LoadAkFile(const std::string& path);

// TrimDer cuts an NV-stored certificate to its DER length (NV indices may be zero- or
// 0xff-padded). Anything that is not padding after the DER is kept, so the parser refuses it.
Bytes TrimDer(const Bytes& der);

}  // namespace signet::attester

#endif  // SIGNET_ATTESTER_AK_FILE_H_
