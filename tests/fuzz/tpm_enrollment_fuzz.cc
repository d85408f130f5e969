// Fuzzes the verifier-driven enrollment messages (tpm_enrollment.h): challenge.json, state.json,
// response.json and the trusted record document. The input is tried as each document; a
// "\n--\n" separator splits it into a state and a response, which then go through
// AcceptEnrollmentResponse (the comparison a verifier runs on attacker-supplied responses).
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "signet/attestation/tpm_enrollment.h"
#include "signet/core/ossl.h"

namespace att = signet::attestation;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  // Every parse is a fixed point of its serialiser.
  if (auto c = att::ParseEnrollmentChallenge(text); c.ok()) {
    auto again = att::ParseEnrollmentChallenge(att::SerializeEnrollmentChallenge(*c));
    if (!again.ok() || again->credential_blob != c->credential_blob ||
        again->encrypted_secret != c->encrypted_secret || again->ak_name != c->ak_name) {
      std::abort();
    }
  }
  if (auto s = att::ParseEnrollmentState(text); s.ok()) {
    auto again = att::ParseEnrollmentState(att::SerializeEnrollmentState(*s));
    if (!again.ok() || !again->secret.Equals(s->secret) || again->ak_name != s->ak_name) {
      std::abort();
    }
  }
  if (auto r = att::ParseEnrollmentResponse(text); r.ok()) {
    auto again = att::ParseEnrollmentResponse(att::SerializeEnrollmentResponse(*r));
    if (!again.ok() || !again->secret.Equals(r->secret)) std::abort();
  }
  if (auto rec = att::ParseTrustedEnrollmentRecord(text); rec.ok()) {
    auto again = att::ParseTrustedEnrollmentRecord(att::SerializeTrustedEnrollmentRecord(*rec));
    if (!again.ok() || again->ak_name != rec->ak_name) std::abort();
  }
  const auto sep = text.find("\n--\n");
  if (sep != std::string_view::npos) {
    auto s = att::ParseEnrollmentState(text.substr(0, sep));
    auto r = att::ParseEnrollmentResponse(text.substr(sep + 4));
    if (s.ok() && r.ok()) {
      auto rec = att::AcceptEnrollmentResponse(*s, *r, "2026-12-01T00:00:00Z");
      // Fail closed: a record only for the same challenge, Name and secret.
      if (rec.ok() && (s->challenge_id != r->challenge_id || s->ak_name != r->ak_name ||
                       !s->secret.Equals(r->secret) || rec->ak_name != s->ak_name)) {
        std::abort();
      }
    }
  }
  signet::ossl::DrainErrors();
  return 0;
}
