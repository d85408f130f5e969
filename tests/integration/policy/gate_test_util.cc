#include "gate_test_util.h"

#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

#include <openssl/pem.h>

#include "signet/attestation/dsse.h"
#include "signet/core/encoding.h"
#include "signet/core/file.h"
#include "signet/core/hash.h"
#include "signet/core/json.h"
#include "test_env.h"

#ifdef SIGNET_VERIFIERD_PARITY
#include "signet/verifierd/verifier.h"
#endif

namespace signet::policy::testutil {

#ifdef SIGNET_VERIFIERD_PARITY
namespace {

// CheckParity runs the case again through verifierd's /v1/verify handler, at the HTTP level
// (request body -> response body), with the same policy file, the same evidence files with the
// roles `signet gate` was given (--provenance / --attestation), and evaluation_time = the case's
// time, and expects the gate's decision: allowed, digest, policyDigest and every finding
// (code, message, input) in order (issue 13: "every gate test case also goes through /v1/verify").
void CheckParity(const std::string& policy_path, const std::string& subject, const std::vector<EvidenceInput>& prov,
                 const std::vector<EvidenceInput>& atts, Timestamp at, const Decision& d) {
  auto lp = LoadPolicy(policy_path);
  ASSERT_TRUE(lp.ok());
  std::optional<attestation::TrustedRoot> root;
  if (!lp->trusted_root_path.empty()) {
    auto r = attestation::TrustedRoot::Parse(ReadText(lp->trusted_root_path));
    ASSERT_TRUE(r.ok());
    root = std::move(*r);
  }
  auto gate = Gate::Create(std::move(*lp), std::move(root));
  ASSERT_TRUE(gate.ok());
  verifierd::PolicyEntry entry;
  entry.name = "parity";
  entry.gate = std::make_shared<const Gate>(std::move(*gate));
  verifierd::VerifierdConfig config;
  config.evaluation_time = at;
  auto state = verifierd::VerifierState::FromGates({entry}, config, nullptr);
  JsonValue evidence = JsonValue::MakeArray();
  auto add = [&](const std::vector<EvidenceInput>& in, const char* role) {
    for (const auto& e : in) {
      JsonValue item;
      item.Set("name", JsonValue::String(e.name))
          .Set("content", JsonValue::String(Base64Encode(AsBytes(e.bytes))))
          .Set("role", JsonValue::String(role));
      evidence.Push(std::move(item));
    }
  };
  add(prov, "provenance");
  add(atts, "attestation");
  JsonValue body;
  body.Set("image", JsonValue::String(subject)).Set("policy", JsonValue::String("parity")).Set("evidence", std::move(evidence));
  verifierd::VerifyOptions opts;
  opts.now = at + std::chrono::hours(24 * 365);  // never used: evaluation_time wins
  verifierd::HttpResult http = verifierd::HandleVerifyBody(*state, nullptr, WriteJson(body), opts);
  ASSERT_EQ(http.status, 200) << http.body;
  auto resp = ParseJson(http.body);
  ASSERT_TRUE(resp.ok()) << http.body;
  EXPECT_EQ(resp->Find("allowed")->bool_value(), d.allowed) << http.body << "\n" << Describe(d);
  EXPECT_EQ(resp->Find("digest")->string_value(), d.subject);
  EXPECT_EQ(resp->Find("policyDigest")->string_value(), d.policy_digest);
  EXPECT_EQ(resp->Find("evaluatedAt")->string_value(), FormatRfc3339(d.evaluated_at));
  const auto& fs = resp->Find("findings")->array();
  ASSERT_EQ(fs.size(), d.findings.size()) << http.body << "\n" << Describe(d);
  for (size_t i = 0; i < fs.size(); ++i) {
    EXPECT_EQ(fs[i].Find("code")->string_value(), d.findings[i].code);
    EXPECT_EQ(fs[i].Find("message")->string_value(), d.findings[i].message);
    EXPECT_EQ(fs[i].Find("input")->string_value(), d.findings[i].input);
  }
  EXPECT_EQ(resp->Find("chain")->array().size(), 6u);
}

}  // namespace
#endif

std::string Vec(const std::string& rel) { return signet::testing::SharedDir() + "/vectors/" + rel; }

std::string ReadText(const std::string& path) {
  auto t = ReadFile(path);
  EXPECT_TRUE(t.ok()) << path;
  return t.ok() ? *t : std::string();
}

std::string FileDigest(const std::string& path) {
  return "sha256:" + HexEncode(Sha256(ReadText(path)));
}

TempDir::TempDir() : path_(signet::testing::MakeTempDir()) {}
TempDir::~TempDir() { signet::testing::RemoveTree(path_); }

std::string TempDir::Write(const std::string& name, const std::string& content) const {
  std::string p = path_ + "/" + name;
  std::ofstream out(p, std::ios::binary);
  out << content;
  return p;
}

Decision Evaluate(const std::string& policy_path, const std::string& subject,
                  const std::vector<std::string>& provenance,
                  const std::vector<std::string>& attestations, const std::string& at) {
  auto lp = LoadPolicy(policy_path);
  EXPECT_TRUE(lp.ok()) << (lp.ok() ? "" : lp.error().ToString());
  if (!lp.ok()) return Decision{};
  std::optional<attestation::TrustedRoot> root;
  if (!lp->trusted_root_path.empty()) {
    auto r = attestation::TrustedRoot::Parse(ReadText(lp->trusted_root_path));
    EXPECT_TRUE(r.ok());
    if (r.ok()) root = std::move(*r);
  }
  auto gate = Gate::Create(std::move(*lp), std::move(root));
  EXPECT_TRUE(gate.ok());
  if (!gate.ok()) return Decision{};
  GateRequest req;
  req.subject = subject;
  for (const auto& p : provenance) req.provenance.push_back({p, ReadText(p)});
  for (const auto& p : attestations) req.attestations.push_back({p, ReadText(p)});
  auto t = ParseRfc3339(at);
  EXPECT_TRUE(t.ok());
  req.at = *t;
#ifdef SIGNET_VERIFIERD_PARITY
  Decision d = gate->Evaluate(req);
  CheckParity(policy_path, subject, req.provenance, req.attestations, req.at, d);
  return d;
#else
  return gate->Evaluate(req);
#endif
}

std::set<std::string> Codes(const Decision& d) {
  std::set<std::string> out;
  for (const auto& f : d.findings) out.insert(f.code);
  return out;
}

std::string Describe(const Decision& d) { return WriteJson(d.ToJson(), 2); }

TestKey MakeKey(const TempDir& dir, const std::string& name, const std::string& type) {
  TestKey k;
  EVP_PKEY* raw = type == "ed25519" ? EVP_PKEY_Q_keygen(nullptr, nullptr, "ED25519")
                                    : EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "P-256");
  EXPECT_NE(raw, nullptr);
  k.key.reset(raw);
  ossl::UniquePtr<BIO> bio(BIO_new(BIO_s_mem()));
  EXPECT_EQ(PEM_write_bio_PUBKEY(bio.get(), raw), 1);
  char* data = nullptr;
  long len = BIO_get_mem_data(bio.get(), &data);
  k.pub_path = dir.Write(name + ".pub", std::string(data, static_cast<size_t>(len)));
  return k;
}

Bytes Sign(const TestKey& key, ByteView message) {
  ossl::UniquePtr<EVP_MD_CTX> ctx(EVP_MD_CTX_new());
  const bool ed = EVP_PKEY_get_id(key.key.get()) == EVP_PKEY_ED25519;
  EXPECT_EQ(EVP_DigestSignInit(ctx.get(), nullptr, ed ? nullptr : EVP_sha256(), nullptr, key.key.get()), 1);
  size_t len = 0;
  EXPECT_EQ(EVP_DigestSign(ctx.get(), nullptr, &len, message.data(), message.size()), 1);
  Bytes sig(len);
  EXPECT_EQ(EVP_DigestSign(ctx.get(), sig.data(), &len, message.data(), message.size()), 1);
  sig.resize(len);
  return sig;
}

std::string Envelope(const std::string& payload_type, const std::string& payload,
                     const std::vector<DsseSig>& sigs) {
  JsonValue env = JsonValue::MakeObject();
  env.Set("payload", JsonValue::String(Base64Encode(AsBytes(payload))));
  env.Set("payloadType", JsonValue::String(payload_type));
  JsonValue arr = JsonValue::MakeArray();
  for (const auto& s : sigs) {
    JsonValue o = JsonValue::MakeObject();
    o.Set("keyid", JsonValue::String(s.keyid));
    o.Set("sig", JsonValue::String(Base64Encode(s.sig)));
    arr.Push(std::move(o));
  }
  env.Set("signatures", std::move(arr));
  return WriteJson(env);
}

std::string SignedEnvelope(const std::string& payload, const std::vector<const TestKey*>& keys,
                           const std::string& payload_type) {
  Bytes pae = attestation::Pae(payload_type, AsBytes(payload));
  std::vector<DsseSig> sigs;
  for (const TestKey* k : keys) sigs.push_back({"", Sign(*k, pae)});
  return Envelope(payload_type, payload, sigs);
}

std::string Statement(const std::string& digest_hex, const std::string& predicate_type,
                      const std::string& predicate_json) {
  return R"({"_type":"https://in-toto.io/Statement/v1","subject":[{"name":"ghcr.io/acme/api","digest":{"sha256":")" +
         digest_hex + R"("}}],"predicateType":")" + predicate_type + R"(","predicate":)" +
         predicate_json + "}";
}

std::string ProvenanceV1(const std::string& builder_id, const std::string& build_type,
                         const std::string& repo, const std::string& ref,
                         const std::string& finished_on) {
  return R"({"buildDefinition":{"buildType":")" + build_type +
         R"(","externalParameters":{"source":{"uri":"git+)" + repo + "@" + ref +
         R"(","digest":{"gitCommit":"0123456789abcdef0123456789abcdef01234567"}}},"resolvedDependencies":[]},"runDetails":{"builder":{"id":")" +
         builder_id + R"("},"metadata":{"invocationId":"run-1","startedOn":"2026-11-25T08:59:00Z","finishedOn":")" +
         finished_on + R"("}}})";
}

}  // namespace signet::policy::testutil
