// Fuzzes the bounds-checked TPM 2.0 structure parsers. The first byte picks the structure;
// the rest is the marshaled input.
#include <cstdint>
#include <cstdlib>

#include "signet/attestation/tpm_structs.h"
#include "signet/core/ossl.h"

namespace att = signet::attestation;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  signet::ByteView in(data + 1, size - 1);
  switch (data[0] % 4) {
    case 0: {
      auto pub = att::ParseTpm2bPublic(in);
      if (pub.ok()) {
        if (!att::ComputeName(*pub).ok()) std::abort();
        (void)att::TpmPublicToKey(*pub);
      }
      break;
    }
    case 1: {
      auto body = att::ParseTpm2bAttestBody(in);
      if (body.ok()) (void)att::ParseTpmsAttestQuote(*body);
      break;
    }
    case 2: {
      auto q = att::ParseTpmsAttestQuote(in);
      if (q.ok() && (q->extra_data.size() > 64 || q->pcr_digest.size() > 64)) std::abort();
      break;
    }
    default: {
      auto sig = att::ParseTpmtSignature(in);
      if (sig.ok()) (void)att::SignatureToDer(*sig);
      break;
    }
  }
  signet::ossl::DrainErrors();
  return 0;
}
