#include "signet/attestation/sct.h"

namespace signet::attestation {

Status VerifyEmbeddedScts(X509*, X509*, const std::vector<CtLogKey>&) {
  return Unimplemented("VerifyEmbeddedScts is being written");
}

}  // namespace signet::attestation
