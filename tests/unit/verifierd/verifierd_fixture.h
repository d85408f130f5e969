// Shared fixture of the verifierd unit tests: keys, a keyed builder policy, signed evidence and
// Signet's own outputs (release signatures, VSAs), all made in the test.
#ifndef SIGNET_TESTS_UNIT_VERIFIERD_FIXTURE_H_
#define SIGNET_TESTS_UNIT_VERIFIERD_FIXTURE_H_

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "gate_test_util.h"
#include "signet/attestation/dsse.h"
#include "signet/core/public_key.h"
#include "signet/core/encoding.h"
#include "signet/core/hash.h"
#include "signet/signer/cosign_formats.h"
#include "signet/verifierd/verifier.h"

namespace signet::verifierd::testing {

using policy::testutil::ProvenanceV1;
using policy::testutil::SignedEnvelope;
using policy::testutil::Statement;
using policy::testutil::TempDir;
using policy::testutil::TestKey;

inline constexpr char kDigest[] = "4c3f6a0e2b0b0d35c5f0f6f5a4a6d8c8e3b1b7f0d9a3c2e1f0a9b8c7d6e5f4a3";
inline constexpr char kOther[] = "9999999999999999999999999999999999999999999999999999999999999999";
inline constexpr char kRepoName[] = "ghcr.io/acme/api";
inline constexpr char kBuilderId[] = "https://build.example.internal/builder/v1";
inline constexpr char kBuildType[] = "https://build.example.internal/types/container/v1";
inline constexpr char kRepo[] = "https://git.example.internal/acme/api";
inline constexpr char kAt[] = "2026-11-25T10:00:00Z";
inline constexpr char kSlsa1[] = "https://slsa.dev/provenance/v1";
inline constexpr char kCdx[] = "https://cyclonedx.org/bom";
inline constexpr char kVuln[] = "https://cosign.sigstore.dev/attestation/vuln/v1";

inline std::string Image(const std::string& hex = kDigest) { return std::string(kRepoName) + "@sha256:" + hex; }

inline std::string TrivyScan(const std::string& id, const std::string& severity) {
  return R"({"scanner":{"uri":"pkg:github/aquasecurity/trivy@0.50.0","version":"0.50.0","result":{"SchemaVersion":2,"Results":[{"Target":"x","Vulnerabilities":[{"VulnerabilityID":")" +
         id + R"(","Severity":")" + severity + R"("}]}]}}})";
}

class VerifierdTest : public ::testing::Test {
 protected:
  void SetUp() override {
    builder_ = policy::testutil::MakeKey(dir_, "builder");
    scanner_ = policy::testutil::MakeKey(dir_, "scanner");
    release_ = policy::testutil::MakeKey(dir_, "release");
    other_ = policy::testutil::MakeKey(dir_, "other");
  }

  // Policy writes a keyed-builder policy; `top_extra` is appended.
  std::string Policy(const std::string& top_extra = "") {
    static int counter = 0;
    return dir_.Write("policy" + std::to_string(++counter) + ".yaml",
                      "version: 1\nbuilders:\n  - name: onprem\n    keys: [" + builder_.pub_path +
                          "]\n    builder_ids: [\"" + kBuilderId + "\"]\n    build_types: [\"" + kBuildType +
                          "\"]\n  - name: scanner\n    keys: [" + scanner_.pub_path + "]\nsources:\n  - repo: " +
                          kRepo + "\n    refs: [\"refs/tags/v?.?.?\"]\n" + top_extra);
  }
  static std::string Requirements(const std::string& extra = "") {
    return "require:\n  - predicate_type: " + std::string(kCdx) + "\n    signed_by: [scanner]\n  - predicate_type: " +
           kVuln + "\n    signed_by: [scanner]\n    max_severity: medium\n" + extra;
  }
  std::string ReleaseSigners() const { return "release_signers: [" + release_.pub_path + "]\n"; }

  // State loads `policy_path` as "default" exactly as the daemon does (lint errors refuse).
  std::shared_ptr<const VerifierState> State(const std::string& policy_path, bool fixed_time = true,
                                             const std::vector<std::string>& dirs = {}) {
    VerifierdConfig c;
    c.policies["default"] = policy_path;
    c.evidence_directories = dirs;
    if (fixed_time) c.evaluation_time = *ParseRfc3339(kAt);
    auto s = VerifierState::Load(c);
    EXPECT_TRUE(s.ok()) << (s.ok() ? "" : s.error().ToString());
    return s.ok() ? *s : nullptr;
  }

  std::string Prov(const std::string& hex = kDigest, const std::string& builder_id = kBuilderId) const {
    return SignedEnvelope(Statement(hex, kSlsa1, ProvenanceV1(builder_id, kBuildType, kRepo, "refs/tags/v1.2.3")),
                          {&builder_});
  }
  std::string Sbom(const std::string& hex = kDigest) const {
    return SignedEnvelope(Statement(hex, kCdx, R"({"bomFormat":"CycloneDX"})"), {&scanner_});
  }
  std::string Scan(const std::string& severity, const std::string& hex = kDigest) const {
    return SignedEnvelope(Statement(hex, kVuln, TrivyScan("CVE-2026-1234", severity)), {&scanner_});
  }

  static Bytes Spki(const TestKey& k) { return PublicKey::FromEvp(k.key.get())->spki_der(); }

  // CosignBundle is what `signet sign` writes as image.sigstore.json.
  static std::string CosignBundle(const TestKey& k, const std::string& hex = kDigest) {
    auto ref = policy::ParseImageRef(Image(hex));
    std::string payload = WriteJson(signer::CosignSignStatement(*ref));
    Bytes sig = policy::testutil::Sign(k, attestation::Pae(policy::kInTotoPayloadType, AsBytes(payload)));
    return signer::DsseBundle(policy::kInTotoPayloadType, AsBytes(payload), sig, Spki(k));
  }
  // SimpleSigning returns simplesigning.json and simplesigning.sig.
  static std::pair<std::string, std::string> SimpleSigning(const TestKey& k, const std::string& hex = kDigest) {
    auto ref = policy::ParseImageRef(Image(hex));
    std::string payload = signer::SimpleSigningPayload(*ref);
    return {payload, Base64Encode(policy::testutil::Sign(k, AsBytes(payload))) + "\n"};
  }
  // Vsa is what `signet sign` writes as vsa.sigstore.json.
  static std::string Vsa(const TestKey& k, const std::string& policy_path, const std::string& result = "PASSED",
                         const std::string& hex = kDigest) {
    auto ref = policy::ParseImageRef(Image(hex));
    signer::VsaParams p;
    p.verifier_id = "https://signet.example/appliance@0.1.0";
    p.time_verified = *ParseRfc3339("2026-11-25T09:30:00Z");
    p.policy_uri = "policy.yaml";
    p.policy_sha256 = HexEncode(Sha256(policy::testutil::ReadText(policy_path)));
    JsonValue st = signer::VsaStatement(*ref, p);
    if (result != "PASSED") st.mutable_object()[3].second.Set("verificationResult", JsonValue::String(result));
    std::string payload = WriteJson(st);
    Bytes sig = policy::testutil::Sign(k, attestation::Pae(policy::kInTotoPayloadType, AsBytes(payload)));
    return signer::DsseBundle(policy::kInTotoPayloadType, AsBytes(payload), sig, Spki(k));
  }

  static v1::VerifyRequest Req(const std::string& image,
                               const std::vector<std::tuple<std::string, std::string, std::string>>& ev) {
    v1::VerifyRequest r;
    r.set_image(image);
    r.set_policy("default");
    for (const auto& [name, content, role] : ev) {
      v1::Evidence* e = r.add_evidence();
      e->set_name(name);
      e->set_content(content);
      e->set_role(role);
    }
    return r;
  }

  static v1::VerifyResponse Verify(const VerifierState& s, const v1::VerifyRequest& r, VerifyCache* cache = nullptr,
                                   const std::string& now = kAt) {
    VerifyOptions o;
    o.now = *ParseRfc3339(now);
    auto resp = HandleVerify(s, cache, r, o);
    EXPECT_TRUE(resp.ok()) << (resp.ok() ? "" : resp.error().ToString());
    return resp.ok() ? *resp : v1::VerifyResponse();
  }

  static const v1::ChainLink& LinkOf(const v1::VerifyResponse& r, const std::string& name) {
    for (const auto& l : r.chain()) {
      if (l.link() == name) return l;
    }
    static v1::ChainLink none;
    ADD_FAILURE() << "no link " << name;
    return none;
  }
  static std::string Show(const v1::VerifyResponse& r) {
    auto t = PrintVerifyResponse(r);
    return t.ok() ? *t : "?";
  }

  TempDir dir_;
  TestKey builder_, scanner_, release_, other_;
};

}  // namespace signet::verifierd::testing

#endif  // SIGNET_TESTS_UNIT_VERIFIERD_FIXTURE_H_
