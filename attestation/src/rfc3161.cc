#include "signet/attestation/rfc3161.h"

namespace signet::attestation {

Result<Timestamp> VerifyRfc3161(ByteView, ByteView, const std::vector<TsaTrust>&) {
  return Unimplemented("VerifyRfc3161 is being written");
}

}  // namespace signet::attestation
