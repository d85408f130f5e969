// signet::audit: parsers (the committed kubectl-shaped fixtures and hand-made negatives),
// reproducible sampling, admission review, drift, RunAudit on a scripted verifier, and HTML
// escaping of every input string.
#include <algorithm>
#include <map>
#include <set>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "signet/audit/audit.h"
#include "signet/audit/inputs.h"
#include "signet/audit/render.h"
#include "signet/core/file.h"
#include "signet/core/findings.h"
#include "signet/core/json.h"
#include "signet/core/time.h"
#include "signet/policy/policy.h"
#include "test_env.h"

namespace signet::audit {
namespace {

const std::string kGood = "sha256:7e9b6e7ba2842c91cf49f3e214d04a7a496f8214356f41d81a6e6dcad11f11e3";

std::string Fixture(const std::string& name) {
  auto text = ReadFile(testing::SourceDir() + "/tests/integration/audit/fixtures/" + name);
  EXPECT_TRUE(text.ok()) << name;
  return text.ok() ? *text : std::string();
}

std::string Hex(char c) { return std::string(64, c); }

// ---- pods ----

TEST(ParsePodsTest, ReadsTheKubectlFixture) {
  auto pods = ParsePods(Fixture("pods.json"));
  ASSERT_TRUE(pods.ok()) << pods.error().message();
  ASSERT_EQ(pods->size(), 9u);
  const RunningContainer& api = (*pods)[0];
  EXPECT_EQ(api.namespace_name, "payments");
  EXPECT_EQ(api.workload, "api");
  EXPECT_EQ(api.container, "app");
  EXPECT_EQ(api.running_repository, "us-central1-docker.pkg.dev/acme/app");
  EXPECT_EQ(api.running_digest, kGood);
  auto by_pod = [&](const std::string& pod) {
    return *std::find_if(pods->begin(), pods->end(), [&](const RunningContainer& c) { return c.pod == pod; });
  };
  EXPECT_EQ(by_pod("report-29412000-bq8rz").workload, "report");  // CronJob -> Job -> pod
  EXPECT_EQ(by_pod("frontend-6c7d8e9f0-abcde").image, "docker.io/library/busybox:1.36");
  EXPECT_FALSE(by_pod("frontend-6c7d8e9f0-abcde").running_digest.empty());
  // Docker's bare image ID names no manifest: no running digest.
  EXPECT_EQ(by_pod("node-exporter-4kq9z").running_digest, "");
  EXPECT_EQ(by_pod("node-exporter-4kq9z").workload, "node-exporter");
}

TEST(ParsePodsTest, ImageIdForms) {
  auto one = [](const std::string& image_id) {
    return ParsePods(R"({"kind":"Pod","metadata":{"name":"p","namespace":"n"},"spec":{"containers":[{"name":"c","image":"x:1"}]},
                        "status":{"containerStatuses":[{"name":"c","imageID":")" + image_id + R"("}]}})");
  };
  auto docker = one("docker-pullable://nginx@" + std::string("sha256:") + Hex('a'));
  ASSERT_TRUE(docker.ok());
  EXPECT_EQ((*docker)[0].running_repository, "nginx");
  EXPECT_EQ((*docker)[0].running_digest, "sha256:" + Hex('a'));
  auto bare = one("sha256:" + Hex('b'));
  ASSERT_TRUE(bare.ok());
  EXPECT_EQ((*bare)[0].running_digest, "");
  EXPECT_FALSE(one("nginx@sha256:" + Hex('A')).ok());         // uppercase
  EXPECT_FALSE(one("nginx@sha256:abc").ok());                 // short
  EXPECT_FALSE(one("nginx@sha512:" + Hex('a') + Hex('a')).ok());  // other algorithm
  EXPECT_FALSE(one("@sha256:" + Hex('a')).ok());              // no repository
}

TEST(ParsePodsTest, RefusesBrokenShapes) {
  EXPECT_FALSE(ParsePods("").ok());
  EXPECT_FALSE(ParsePods("[]").ok());
  EXPECT_FALSE(ParsePods(R"({"kind":"Service"})").ok());
  EXPECT_FALSE(ParsePods(R"({"items":{}})").ok());
  EXPECT_FALSE(ParsePods(R"({"items":[{"metadata":{"name":"p"},"spec":{"containers":[]}}]})").ok());  // no namespace
  EXPECT_FALSE(ParsePods(R"({"items":[{"metadata":{"name":"p","namespace":"n"}}]})").ok());          // no spec
  EXPECT_FALSE(ParsePods(R"({"items":[{"metadata":{"name":"p","namespace":"n"},"spec":{}}]})").ok());  // no containers
  EXPECT_FALSE(ParsePods(R"({"items":[{"metadata":{"name":"p","namespace":"n"},"spec":{"containers":[{"name":"c"}]}}]})").ok());
  EXPECT_FALSE(ParsePods(R"({"items":[{"metadata":{"name":"p","namespace":"n"},"spec":{"containers":[{"name":"c","image":7}]}}]})").ok());
  EXPECT_FALSE(ParsePods(R"({"items":[{"kind":"Node","metadata":{"name":"p","namespace":"n"},"spec":{"containers":[]}}]})").ok());
  EXPECT_FALSE(ParsePods(R"({"items":[],"items":[]})").ok());  // duplicate key
  EXPECT_FALSE(ParsePods(R"({"items":[]} x)").ok());           // trailing data
  // Tolerant: unknown fields and an empty list.
  auto empty = ParsePods(R"({"apiVersion":"v1","items":[],"kind":"List","metadata":{"resourceVersion":""},"extra":1})");
  ASSERT_TRUE(empty.ok());
  EXPECT_TRUE(empty->empty());
}

TEST(WorkloadNameTest, Owners) {
  EXPECT_EQ(WorkloadName("p", "", ""), "p");
  EXPECT_EQ(WorkloadName("web-5d4f8c7b9-abcde", "ReplicaSet", "web-5d4f8c7b9"), "web");
  EXPECT_EQ(WorkloadName("c-29412000-x", "Job", "c-29412000"), "c");
  EXPECT_EQ(WorkloadName("j-x", "Job", "migrate"), "migrate");
  EXPECT_EQ(WorkloadName("db-0", "StatefulSet", "db"), "db");
}

// ---- webhooks ----

TEST(ParseWebhooksTest, ReadsTheKubectlFixture) {
  auto hooks = ParseWebhooks(Fixture("vwc.json"));
  ASSERT_TRUE(hooks.ok()) << hooks.error().message();
  ASSERT_EQ(hooks->size(), 2u);
  const Webhook& signet = (*hooks)[1];
  EXPECT_EQ(signet.configuration, "signet-verifierd");
  EXPECT_EQ(signet.service_path, "/v1/admission");
  EXPECT_EQ(signet.failure_policy, "Fail");
  EXPECT_EQ(signet.timeout_seconds, 10);
  EXPECT_TRUE(signet.CoversPods());
  EXPECT_TRUE(PointsAtVerifier(signet, "https://verifierd.example"));
  EXPECT_FALSE((*hooks)[0].CoversPods());
  EXPECT_FALSE(PointsAtVerifier((*hooks)[0], "https://verifierd.example"));
  EXPECT_FALSE(signet.namespace_selector.Matches({{"kubernetes.io/metadata.name", "kube-system"}}));
  EXPECT_TRUE(signet.namespace_selector.Matches({{"kubernetes.io/metadata.name", "payments"}}));
}

std::string Hook(const std::string& fields) {
  return R"({"kind":"ValidatingWebhookConfiguration","metadata":{"name":"c"},"webhooks":[{"name":"w",)" + fields + "}]}";
}

TEST(ParseWebhooksTest, DefaultsAndRefusals) {
  auto url = ParseWebhooks(Hook(R"("clientConfig":{"url":"https://10.0.0.5:8443/v1/admission"})"));
  ASSERT_TRUE(url.ok()) << url.error().message();
  EXPECT_EQ((*url)[0].failure_policy, "Fail");  // the v1 default
  EXPECT_EQ((*url)[0].timeout_seconds, 10);
  EXPECT_TRUE(PointsAtVerifier((*url)[0], "https://10.0.0.5:8443"));
  EXPECT_TRUE(PointsAtVerifier((*url)[0], "https://elsewhere"));  // verifierd's route
  auto other = ParseWebhooks(Hook(R"("clientConfig":{"url":"https://10.0.0.5:8443/validate"})"));
  ASSERT_TRUE(other.ok());
  EXPECT_TRUE(PointsAtVerifier((*other)[0], "https://10.0.0.5:8443"));
  EXPECT_FALSE(PointsAtVerifier((*other)[0], "https://10.0.0.5"));
  EXPECT_FALSE(ParseWebhooks(Hook(R"("clientConfig":{})")).ok());  // neither url nor service
  EXPECT_FALSE(ParseWebhooks(Hook(R"("clientConfig":{"url":"https://a","service":{"namespace":"n","name":"s"}})")).ok());
  EXPECT_FALSE(ParseWebhooks(Hook(R"("clientConfig":{"url":"https://a"},"failurePolicy":"Maybe")")).ok());
  EXPECT_FALSE(ParseWebhooks(Hook(R"("clientConfig":{"url":"https://a"},"timeoutSeconds":31)")).ok());
  EXPECT_FALSE(ParseWebhooks(Hook(R"("clientConfig":{"url":"https://a"},"timeoutSeconds":0)")).ok());
  EXPECT_FALSE(ParseWebhooks(Hook(R"("clientConfig":{"url":"https://a"},"namespaceSelector":{"matchExpressions":[{"key":"k","operator":"Gt"}]})")).ok());
  EXPECT_FALSE(ParseWebhooks(R"({"kind":"MutatingWebhookConfiguration","metadata":{"name":"c"}})").ok());
  EXPECT_FALSE(ParseWebhooks(Hook(R"("clientConfig":{"service":{"namespace":"n","name":"s","port":70000}})")).ok());
}

TEST(LabelSelectorTest, Operators) {
  LabelSelector empty;
  EXPECT_TRUE(empty.Matches({}));
  LabelSelector s;
  s.match_labels = {{"team", "a"}};
  EXPECT_FALSE(s.Matches({{"kubernetes.io/metadata.name", "x"}}));  // an unknown label is absent
  EXPECT_TRUE(s.Matches({{"team", "a"}}));
  LabelSelector e;
  e.match_expressions = {{"k", "Exists", {}}};
  EXPECT_FALSE(e.Matches({}));
  e.match_expressions = {{"k", "DoesNotExist", {}}};
  EXPECT_TRUE(e.Matches({}));
  e.match_expressions = {{"k", "In", {"a", "b"}}};
  EXPECT_TRUE(e.Matches({{"k", "b"}}));
  EXPECT_FALSE(e.Matches({}));
  e.match_expressions = {{"k", "NotIn", {"a"}}};
  EXPECT_TRUE(e.Matches({}));
  EXPECT_FALSE(e.Matches({{"k", "a"}}));
}

// ---- rendered manifests ----

TEST(RenderedTest, ReadsHelmTemplateOutput) {
  auto images = ReadRenderedDirectory(testing::SourceDir() + "/tests/integration/audit/fixtures/rendered");
  ASSERT_TRUE(images.ok()) << images.error().message();
  ASSERT_EQ(images->size(), 5u);  // the Service is skipped
  EXPECT_EQ((*images)[0].file, "payments.yaml");
  EXPECT_EQ((*images)[0].workload, "api");
  EXPECT_EQ((*images)[0].namespace_name, "payments");
  EXPECT_EQ((*images)[2].kind, "CronJob");
  EXPECT_EQ((*images)[3].namespace_name, "");  // the shop chart leaves it to the release
}

TEST(RenderedTest, RefusalsAndSkips) {
  EXPECT_TRUE(ParseRenderedManifests("f", "").ok());
  EXPECT_TRUE(ParseRenderedManifests("f", "---\n---\n").ok());
  EXPECT_TRUE(ParseRenderedManifests("f", "kind: ConfigMap\ndata: {a: b}\n").ok());
  EXPECT_FALSE(ParseRenderedManifests("f", "kind: Pod\nmetadata: {name: p}\nspec: {containers: [{name: c}]}\n").ok());
  EXPECT_FALSE(ParseRenderedManifests("f", "kind: Pod\nspec: {containers: [{name: c, image: x}]}\n").ok());
  EXPECT_FALSE(ParseRenderedManifests("f", "a: &x 1\nb: *x\n").ok());  // aliases
  EXPECT_FALSE(ParseRenderedManifests("f", "a: 1\na: 2\n").ok());      // duplicate keys
  auto pod = ParseRenderedManifests("f", "---\nkind: Pod\nmetadata: {name: p}\nspec: {containers: [{name: c, image: 'x@sha256:" + Hex('c') + "'}]}\n--- # next\nkind: Job\nmetadata: {name: j}\nspec: {template: {spec: {initContainers: [{name: i, image: y}], containers: [{name: c, image: z}]}}}\n");
  ASSERT_TRUE(pod.ok()) << pod.error().message();
  ASSERT_EQ(pod->size(), 3u);
  EXPECT_EQ((*pod)[1].container, "i");
}

TEST(SplitImageTest, Forms) {
  auto p = SplitImage("host:5000/team/app:1.2@sha256:" + Hex('d'));
  EXPECT_EQ(p.repository, "host:5000/team/app");
  EXPECT_EQ(p.tag, "1.2");
  EXPECT_EQ(p.digest, "sha256:" + Hex('d'));
  EXPECT_EQ(SplitImage("host:5000/app").tag, "");
  EXPECT_EQ(SplitImage("nginx").repository, "nginx");
  EXPECT_TRUE(IsSha256Digest("sha256:" + Hex('e')));
  EXPECT_FALSE(IsSha256Digest("sha256:" + Hex('E')));
}

// ---- sampling ----

std::vector<SampleUnit> Units(int per_ns, const std::vector<std::string>& namespaces) {
  std::vector<RunningContainer> cs;
  for (const std::string& ns : namespaces) {
    for (int i = 0; i < per_ns; ++i) {
      RunningContainer c;
      c.namespace_name = ns;
      c.pod = "p" + std::to_string(i);
      c.container = "c";
      c.image = "r/" + ns + "/img" + std::to_string(i) + ":1";
      c.running_repository = "r/" + ns + "/img" + std::to_string(i);
      c.running_digest = "sha256:" + std::string(63, 'a') + std::to_string(i % 10);
      cs.push_back(c);
    }
  }
  return GroupContainers(cs);
}

std::vector<std::string> Keys(const std::vector<SampleUnit>& units) {
  std::vector<std::string> k;
  for (const SampleUnit& u : units) k.push_back(u.Key());
  return k;
}

TEST(SampleTest, ReproducibleAndOrderIndependent) {
  auto units = Units(10, {"a", "b", "c", "prod"});
  auto one = Sample(units, 7, "42", {"prod"});
  auto two = Sample(units, 7, "42", {"prod"});
  std::vector<SampleUnit> reversed(units.rbegin(), units.rend());
  auto three = Sample(reversed, 7, "42", {"prod"});
  EXPECT_EQ(Keys(one), Keys(two));
  EXPECT_EQ(Keys(one), Keys(three));
  EXPECT_EQ(one.size(), 7u);
  EXPECT_NE(Keys(one), Keys(Sample(units, 7, "43", {"prod"})));
  EXPECT_TRUE(std::is_sorted(one.begin(), one.end(), [](const SampleUnit& x, const SampleUnit& y) {
    return std::make_pair(x.namespace_name, x.Key()) < std::make_pair(y.namespace_name, y.Key());
  }));
}

TEST(SampleTest, CoversEveryProductionNamespaceFirst) {
  auto units = Units(20, {"a", "b", "p1", "p2", "p3"});
  for (int seed = 0; seed < 50; ++seed) {
    auto s = Sample(units, 3, std::to_string(seed), {"p1", "p2", "p3"});
    std::set<std::string> ns;
    for (const SampleUnit& u : s) ns.insert(u.namespace_name);
    EXPECT_EQ(ns, (std::set<std::string>{"p1", "p2", "p3"})) << seed;
  }
  // n smaller than the production namespaces: the first ones in the policy's order.
  auto s = Sample(units, 1, "x", {"p2", "p1"});
  ASSERT_EQ(s.size(), 1u);
  EXPECT_EQ(s[0].namespace_name, "p2");
  EXPECT_EQ(Sample(units, 1000, "x", {}).size(), units.size());
  EXPECT_TRUE(Sample({}, 5, "x", {"p"}).empty());
}

TEST(GroupTest, OneUnitPerNamespaceAndImage) {
  auto pods = ParsePods(Fixture("pods.json"));
  ASSERT_TRUE(pods.ok());
  auto units = GroupContainers(*pods);
  EXPECT_EQ(units.size(), 7u);  // api x2 and the report CronJob share one unit
  auto it = std::find_if(units.begin(), units.end(), [](const SampleUnit& u) { return u.running_digest == kGood; });
  ASSERT_NE(it, units.end());
  EXPECT_EQ(it->containers.size(), 3u);
}

// ---- the procedure on a scripted verifier ----

class ScriptedVerifier : public VerifierClient {
 public:
  std::map<std::string, VerifyOutcome> verdicts;  // by image; absent: denied, signature missing
  std::set<std::string> audit_namespaces;          // admitted with a warning
  std::set<std::string> open_namespaces;           // admitted silently
  bool fail = false;
  std::vector<std::string> asked;

  Result<VerifyOutcome> Verify(const std::string& image, const std::string& policy_name) override {
    if (fail) return Unavailable("down");
    asked.push_back(image + " " + policy_name);
    auto it = verdicts.find(image);
    if (it != verdicts.end()) return it->second;
    VerifyOutcome o;
    o.allowed = false;
    o.policy_digest = "sha256:" + Hex('1');
    o.chain = {{"reference", "PASS", "", ""}, {"signature", "MISSING", findings::kContProvSignatureMissing, "none"}};
    return o;
  }
  Result<AdmissionOutcome> Admit(const JsonValue& review) override {
    if (fail) return Unavailable("down");
    const JsonValue* req = review.Find("request");
    AdmissionOutcome o;
    o.uid = req->Find("uid")->string_value();
    std::string ns = req->Find("namespace")->string_value();
    if (audit_namespaces.count(ns)) {
      o.allowed = true;
      o.warnings = {"audit: would deny"};
    } else if (open_namespaces.count(ns)) {
      o.allowed = true;
    } else {
      o.message = "denied: CONT-PROV-SIGNATURE-MISSING";
    }
    return o;
  }
};

policy::Policy TestPolicy() {
  auto p = policy::ParsePolicy(R"(version: 1
builders:
  - name: b
    keys: [k.pem]
sources:
  - repo: https://github.com/acme/app
production_namespaces: [payments, shop]
exceptions:
  - finding: MUTABLE_REFERENCE
    subject: docker.io/library/busybox:1.36
    match: docker.io/library/busybox:1.36
    owner: platform@example.com
    expires: 2027-01-01T00:00:00Z
  - finding: VULN_SEVERITY
    subject: sha256:f28a892275aee4c99cf9f6e3be252853dac06f815848f3f8d44c3a910991acd8
    match: CVE-2026-0001
    owner: shop@example.com
    expires: 2026-06-01T00:00:00Z
)");
  EXPECT_TRUE(p.ok()) << (p.ok() ? "" : p.error().message());
  return p.ok() ? *p : policy::Policy();
}

AuditInputs Inputs(const policy::Policy& policy) {
  AuditInputs in;
  in.pods = *ParsePods(Fixture("pods.json"));
  in.webhooks = *ParseWebhooks(Fixture("vwc.json"));
  in.rendered = *ReadRenderedDirectory(testing::SourceDir() + "/tests/integration/audit/fixtures/rendered");
  in.policy = &policy;
  in.policy_file_digest = "sha256:" + Hex('1');
  in.verifier_url = "https://verifierd.signet.svc";
  in.at = *ParseRfc3339("2026-11-25T10:00:00Z");
  return in;
}

const ReportFinding* FindFinding(const Report& r, std::string_view code, std::string_view subject_part = "") {
  for (const ReportFinding& f : r.findings) {
    if (f.code == code && f.subject.find(subject_part) != std::string::npos) return &f;
  }
  return nullptr;
}

// Allowed is verifierd's answer for a signed image under the auditor's own policy.
VerifyOutcome Allowed(const AuditInputs& in) {
  VerifyOutcome good;
  good.allowed = true;
  good.policy_digest = in.policy_file_digest;
  good.chain = {{"reference", "PASS", "", ""}, {"signature", "PASS", "", ""}};
  return good;
}

TEST(RunAuditTest, TheFixtureStory) {
  policy::Policy policy = TestPolicy();
  AuditInputs in = Inputs(policy);
  ScriptedVerifier v;
  VerifyOutcome good = Allowed(in);
  v.verdicts["us-central1-docker.pkg.dev/acme/app@" + kGood] = good;
  v.audit_namespaces = {"sandbox"};
  auto r = RunAudit(in, v);
  ASSERT_TRUE(r.ok()) << r.error().message();
  EXPECT_EQ(r->population, 7u);
  EXPECT_EQ(r->images.size(), 7u);
  EXPECT_TRUE(r->probe.sent);
  EXPECT_TRUE(r->probe.denied);
  EXPECT_EQ(r->probe.namespace_name, "payments");
  EXPECT_EQ(v.asked.size(), 6u);  // node-exporter reports no digest
  EXPECT_EQ(v.asked[0].substr(v.asked[0].size() - 8), " default");
  // The drifted Helm value, the tag-only workload (waived), the expired exception, audit mode,
  // kube-system outside the webhook, the image without a digest.
  const ReportFinding* drift = FindFinding(*r, findings::kContProvRenderedDrift, "payments/worker");
  ASSERT_NE(drift, nullptr);
  EXPECT_EQ(drift->severity, Severity::kCritical);
  const ReportFinding* tag = FindFinding(*r, findings::kContProvMutableTag, "busybox");
  ASSERT_NE(tag, nullptr);
  EXPECT_EQ(tag->severity, Severity::kInfo);
  EXPECT_EQ(FindFinding(*r, findings::kContProvMutableTag, "worker")->severity, Severity::kCritical);
  EXPECT_EQ(FindFinding(*r, findings::kContProvStaleException, "cart")->severity, Severity::kCritical);
  EXPECT_EQ(FindFinding(*r, findings::kContProvAuditOnlyAdmission, "sandbox")->severity, Severity::kHigh);
  EXPECT_EQ(FindFinding(*r, findings::kContProvNamespaceNotCovered, "kube-system")->severity, Severity::kHigh);
  EXPECT_NE(FindFinding(*r, findings::kContProvRunningDigestUnknown, "node-exporter"), nullptr);
  EXPECT_EQ(FindFinding(*r, findings::kContProvUnsignedAdmitted), nullptr);
  EXPECT_EQ(FindFinding(*r, findings::kContProvAdmissionNotConfigured), nullptr);
  EXPECT_EQ(FindFinding(*r, findings::kContProvPolicyMismatch), nullptr);
  EXPECT_TRUE(r->HasCritical());
  for (const ImageRecord& rec : r->images) {
    if (rec.unit.running_digest == kGood) {
      EXPECT_EQ(rec.verdict, "allowed");
      EXPECT_EQ(rec.drift, "match");
    }
    if (rec.unit.image == "docker.io/library/busybox:1.36") {
      EXPECT_EQ(rec.drift, "not-pinned");
      ASSERT_EQ(rec.exceptions.size(), 1u);
      EXPECT_EQ(rec.exceptions[0].state, "live");
      EXPECT_EQ(rec.exceptions[0].owner, "platform@example.com");
    }
    if (rec.unit.namespace_name == "kube-system") {
      EXPECT_EQ(rec.drift, "not-rendered");
    }
  }
  std::map<std::string, std::string> modes;
  for (const NamespaceAdmission& n : r->namespaces) modes[n.name] = n.mode;
  EXPECT_EQ(modes["sandbox"], "audit");
  EXPECT_EQ(modes["payments"], "enforce");
  // Findings sorted by severity.
  EXPECT_TRUE(std::is_sorted(r->findings.begin(), r->findings.end(),
                             [](const ReportFinding& a, const ReportFinding& b) { return a.severity < b.severity; }));
  for (const ReportFinding& f : r->findings) EXPECT_TRUE(findings::IsRegisteredFinding(f.code)) << f.code;
}

TEST(RunAuditTest, SameInputsSameReport) {
  policy::Policy policy = TestPolicy();
  AuditInputs in = Inputs(policy);
  in.sample = 5;
  in.seed = "s";
  ScriptedVerifier v1, v2;
  auto a = RunAudit(in, v1);
  std::reverse(in.pods.begin(), in.pods.end());
  auto b = RunAudit(in, v2);
  ASSERT_TRUE(a.ok() && b.ok());
  EXPECT_EQ(*RenderJson(*a), *RenderJson(*b));
  EXPECT_EQ(RenderHtml(*a), RenderHtml(*b));
  EXPECT_EQ(a->images.size(), 5u);
  std::set<std::string> ns;
  for (const ImageRecord& rec : a->images) ns.insert(rec.unit.namespace_name);
  EXPECT_TRUE(ns.count("payments") && ns.count("shop"));
}

TEST(RunAuditTest, ProbeAdmittedIsCritical) {
  policy::Policy policy = TestPolicy();
  AuditInputs in = Inputs(policy);
  ScriptedVerifier v;
  v.open_namespaces = {"payments"};
  auto r = RunAudit(in, v);
  ASSERT_TRUE(r.ok());
  EXPECT_FALSE(r->probe.denied);
  const ReportFinding* f = FindFinding(*r, findings::kContProvUnsignedAdmitted, "payments");
  ASSERT_NE(f, nullptr);
  EXPECT_EQ(f->severity, Severity::kCritical);
  EXPECT_NE(RenderHtml(*r).find("ADMITTED"), std::string::npos);
}

TEST(RunAuditTest, AdmissionMisconfigurations) {
  policy::Policy policy = TestPolicy();
  AuditInputs in = Inputs(policy);
  in.webhooks.clear();
  ScriptedVerifier v;
  auto r = RunAudit(in, v);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(FindFinding(*r, findings::kContProvAdmissionNotConfigured)->severity, Severity::kCritical);
  EXPECT_EQ(FindFinding(*r, findings::kContProvNamespaceNotCovered, "payments")->severity, Severity::kCritical);

  in = Inputs(policy);
  in.webhooks[1].failure_policy = "Ignore";
  in.webhooks[1].rules.clear();
  auto r2 = RunAudit(in, v);
  ASSERT_TRUE(r2.ok());
  EXPECT_EQ(FindFinding(*r2, findings::kContProvAdmissionFailOpen)->severity, Severity::kCritical);
  EXPECT_NE(FindFinding(*r2, findings::kContProvNamespaceNotCovered, "signet-verifierd/"), nullptr);
}

TEST(RunAuditTest, VerifierFailureIsAnError) {
  policy::Policy policy = TestPolicy();
  AuditInputs in = Inputs(policy);
  ScriptedVerifier v;
  v.fail = true;
  EXPECT_FALSE(RunAudit(in, v).ok());
  in.policy = nullptr;
  EXPECT_FALSE(RunAudit(in, v).ok());
}

TEST(RunAuditTest, PolicyMismatchAndNoProductionNamespaces) {
  policy::Policy policy = TestPolicy();
  policy.production_namespaces.clear();
  AuditInputs in = Inputs(policy);
  in.policy_file_digest = "sha256:" + Hex('2');
  ScriptedVerifier v;
  auto r = RunAudit(in, v);
  ASSERT_TRUE(r.ok());
  EXPECT_NE(FindFinding(*r, findings::kContProvPolicyMismatch), nullptr);
  EXPECT_NE(FindFinding(*r, findings::kContProvProductionNotSampled, "(policy)"), nullptr);
  EXPECT_EQ(r->probe.namespace_name, "default");
}

// ---- verifier responses ----

TEST(ResponsesTest, VerifyAndAdmission) {
  auto v = ParseVerifyResponse(R"({"allowed":false,"image":"x","digest":"","policyDigest":"sha256:1","evaluatedAt":"t",
    "findings":[{"code":"MUTABLE_REFERENCE","message":"m","input":""}],"chain":[{"link":"reference","status":"FAIL","code":"CONT-PROV-MUTABLE-TAG","detail":"d"}]})");
  ASSERT_TRUE(v.ok()) << v.error().message();
  EXPECT_FALSE(v->allowed);
  ASSERT_EQ(v->chain.size(), 1u);
  EXPECT_EQ(v->chain[0].code, "CONT-PROV-MUTABLE-TAG");
  EXPECT_FALSE(ParseVerifyResponse(R"({"allowed":"yes"})").ok());
  EXPECT_FALSE(ParseVerifyResponse(R"({"allowed":true,"chain":{}})").ok());
  EXPECT_FALSE(ParseVerifyResponse("not json").ok());
  auto a = ParseAdmissionResponse(R"({"apiVersion":"admission.k8s.io/v1","kind":"AdmissionReview","response":{"uid":"u","allowed":false,"status":{"code":403,"message":"no"}}})");
  ASSERT_TRUE(a.ok());
  EXPECT_EQ(a->message, "no");
  EXPECT_FALSE(ParseAdmissionResponse(R"({"response":{"uid":"u"}})").ok());
  EXPECT_FALSE(ParseAdmissionResponse(R"({"request":{}})").ok());
  EXPECT_FALSE(ParseAdmissionResponse(R"({"response":{"uid":"u","allowed":true,"warnings":[1]}})").ok());
}

TEST(ResponsesTest, ProbeReviewShape) {
  JsonValue r = ProbeReview("u1", "payments", DefaultProbeImage());
  EXPECT_EQ(r.Find("kind")->string_value(), "AdmissionReview");
  const JsonValue* req = r.Find("request");
  EXPECT_EQ(req->Find("namespace")->string_value(), "payments");
  EXPECT_EQ(req->Find("operation")->string_value(), "CREATE");
  const JsonValue* image = req->Find("object")->Find("spec")->Find("containers")->array()[0].Find("image");
  EXPECT_TRUE(IsSha256Digest(SplitImage(image->string_value()).digest));
}

// ---- rendering ----

// The appliance's log holds a signing of kGood (labelled) and of a digest nobody runs; the
// shop image verifierd also allows was never signed by the appliance.
SigningLog TestSigningLog() {
  SigningLog log;
  log.origin = "log.example";
  log.tree_size = 9;
  SigningRecord good;
  good.log_index = 3;
  good.subject = "us-central1-docker.pkg.dev/acme/app@" + kGood;
  good.signed_at = "2026-11-20T09:00:00Z";
  good.key_id = Hex('a');
  good.key_label = "release-<2026>";
  good.policy_digest = "sha256:" + Hex('1');
  good.signatures = {{4, "hashedrekord", "MEUC", "PKIX_ECDSA_P256_SHA_256", Hex('a')},
                     {5, "dsse", "MEQC", "PKIX_ECDSA_P256_SHA_256", Hex('b')}};
  SigningRecord other = good;
  other.log_index = 6;
  other.subject = "us-central1-docker.pkg.dev/acme/app@sha256:" + Hex('9');
  log.records = {good, other};
  return log;
}

TEST(RunAuditTest, SigningRecordsFromTheAppliancesLog) {
  policy::Policy policy = TestPolicy();
  AuditInputs in = Inputs(policy);
  SigningLog log = TestSigningLog();
  in.signing_log = &log;
  ScriptedVerifier v;
  VerifyOutcome good = Allowed(in);
  v.verdicts["us-central1-docker.pkg.dev/acme/app@" + kGood] = good;
  // The shop image, allowed by verifierd, signed by someone the appliance's log does not know.
  std::string unlogged;
  for (const RunningContainer& c : in.pods) {
    if (c.namespace_name == "shop" && !c.running_digest.empty()) unlogged = c.running_repository + "@" + c.running_digest;
  }
  ASSERT_FALSE(unlogged.empty());
  v.verdicts[unlogged] = good;
  auto r = RunAudit(in, v);
  ASSERT_TRUE(r.ok()) << r.error().message();
  EXPECT_EQ(r->signing_log_origin, "log.example");
  EXPECT_EQ(r->signing_log_size, 9u);
  int logged = 0, not_logged = 0;
  for (const ImageRecord& rec : r->images) {
    if (rec.verified_reference.empty()) {
      EXPECT_EQ(rec.signing, "not-verified");
      continue;
    }
    if (rec.unit.running_digest == kGood) {
      ++logged;
      EXPECT_EQ(rec.signing, "logged");
      ASSERT_EQ(rec.signings.size(), 1u);  // the other record is about another digest
      EXPECT_EQ(rec.signings[0].key_label, "release-<2026>");
      EXPECT_EQ(rec.signings[0].signed_at, "2026-11-20T09:00:00Z");
      EXPECT_EQ(rec.signings[0].signatures.size(), 2u);
      EXPECT_TRUE(rec.signings[0].key_version.empty());
    } else {
      ++not_logged;
      EXPECT_EQ(rec.signing, "not-logged") << rec.verified_reference;
    }
  }
  EXPECT_EQ(logged, 1);
  EXPECT_GE(not_logged, 4);
  // Only the allowed-but-unlogged image is a finding; denied images without records are not.
  const ReportFinding* f = FindFinding(*r, findings::kContProvSigningNotLogged);
  ASSERT_NE(f, nullptr);
  EXPECT_EQ(f->severity, Severity::kHigh);
  EXPECT_NE(f->subject.find("shop"), std::string::npos);
  EXPECT_EQ(std::count_if(r->findings.begin(), r->findings.end(),
                          [](const ReportFinding& x) { return x.code == findings::kContProvSigningNotLogged; }),
            1);
  // report.json and report.html carry who signed, when, and the signatures (the label escaped).
  auto json = RenderJson(*r);
  ASSERT_TRUE(json.ok());
  EXPECT_NE(json->find("\"keyLabel\":\"release-<2026>\""), std::string::npos);
  EXPECT_NE(json->find("\"signedAt\":\"2026-11-20T09:00:00Z\""), std::string::npos);
  EXPECT_NE(json->find("\"keyVersion\":\"\""), std::string::npos);
  EXPECT_NE(json->find("\"signingLog\":{\"origin\":\"log.example\",\"treeSize\":9}"), std::string::npos);
  std::string html = RenderHtml(*r);
  EXPECT_NE(html.find("<span class=\"signer\">release-&lt;2026&gt;</span>"), std::string::npos);
  EXPECT_NE(html.find("data-signing=\"not-logged\""), std::string::npos);
  EXPECT_NE(html.find("another key"), std::string::npos);  // the dsse entry's key differs from the record's
  EXPECT_EQ(html.find("release-<2026>"), std::string::npos);

  // Without a log: "no-log" everywhere, no finding.
  in.signing_log = nullptr;
  auto r2 = RunAudit(in, v);
  ASSERT_TRUE(r2.ok());
  for (const ImageRecord& rec : r2->images) EXPECT_EQ(rec.signing, "no-log");
  EXPECT_EQ(FindFinding(*r2, findings::kContProvSigningNotLogged), nullptr);
  EXPECT_NE(RenderHtml(*r2).find("not given"), std::string::npos);
}

// With a release keyring (signet audit --keyring), each record names its key version and the
// keyring's verdict at the signing time; a refused key is a finding on the image it signed.
TEST(RunAuditTest, AKeyTheKeyringRefusesAtTheSigningTimeIsAFinding) {
  policy::Policy policy = TestPolicy();
  AuditInputs in = Inputs(policy);
  SigningLog log = TestSigningLog();
  log.records[0].key_version = "release-2026";
  log.records[0].key_verdict = findings::kKeyRevoked;
  log.records[0].key_verdict_message = "key release-2026 was revoked at or before the signature's trusted time";
  log.records[1].key_version = "release-2027";
  log.records[1].key_verdict = "valid";
  in.signing_log = &log;
  ScriptedVerifier v;
  v.verdicts["us-central1-docker.pkg.dev/acme/app@" + kGood] = Allowed(in);
  auto r = RunAudit(in, v);
  ASSERT_TRUE(r.ok()) << r.error().message();
  const ReportFinding* f = FindFinding(*r, findings::kKeyRevoked);
  ASSERT_NE(f, nullptr);
  EXPECT_NE(f->message.find("log index 3"), std::string::npos) << f->message;
  EXPECT_NE(f->message.find("revoked"), std::string::npos) << f->message;
  EXPECT_EQ(std::count_if(r->findings.begin(), r->findings.end(),
                          [](const ReportFinding& x) { return x.code == findings::kKeyRevoked; }),
            1);  // the valid record (another digest) adds nothing
  auto json = RenderJson(*r);
  ASSERT_TRUE(json.ok());
  EXPECT_NE(json->find("\"keyVersion\":\"release-2026\""), std::string::npos);
  EXPECT_NE(json->find("\"keyVerdict\":\"KEY_REVOKED\""), std::string::npos);
  std::string html = RenderHtml(*r);
  EXPECT_NE(html.find(" version release-2026"), std::string::npos);
  EXPECT_NE(html.find("key-verdict\">KEY_REVOKED</span>"), std::string::npos);
  // "valid" and "" (no keyring) are no finding.
  log.records[0].key_verdict = "valid";
  r = RunAudit(in, v);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(FindFinding(*r, findings::kKeyRevoked), nullptr);
  EXPECT_EQ(RenderHtml(*r).find("key-verdict"), std::string::npos);
}

TEST(SigningLogTest, ForMatchesTheDigestOnly) {
  SigningLog log = TestSigningLog();
  EXPECT_EQ(log.For(kGood).size(), 1u);
  EXPECT_EQ(log.For("sha256:" + Hex('9')).size(), 1u);
  EXPECT_TRUE(log.For("sha256:" + Hex('8')).empty());
  EXPECT_TRUE(log.For("").empty());
  EXPECT_TRUE(log.For("us-central1-docker.pkg.dev/acme/app@" + kGood).empty());  // a digest, not a reference
  EXPECT_TRUE(log.For("sha256:7E9B").empty());
}

TEST(RenderTest, HtmlEscapesEveryInputString) {
  EXPECT_EQ(HtmlEscape(R"(<a href="x">'&'</a>)"), "&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;");
  policy::Policy policy = TestPolicy();
  AuditInputs in = Inputs(policy);
  const std::string evil = "<script>alert(1)</script>\"'><img src=x onerror=alert(2)>";
  in.pods[0].namespace_name = "payments" + evil;
  in.pods[0].pod = evil;
  in.pods[0].image = evil;
  in.webhooks[0].name = evil;
  in.seed = evil;
  ScriptedVerifier v;
  auto r = RunAudit(in, v);
  ASSERT_TRUE(r.ok());
  std::string html = RenderHtml(*r);
  EXPECT_EQ(html.find("<script"), std::string::npos);
  EXPECT_EQ(html.find("<img"), std::string::npos);
  EXPECT_NE(html.find("&lt;script&gt;"), std::string::npos);
}

TEST(RenderTest, SelfContained) {
  policy::Policy policy = TestPolicy();
  AuditInputs in = Inputs(policy);
  ScriptedVerifier v;
  auto r = RunAudit(in, v);
  ASSERT_TRUE(r.ok());
  std::string html = RenderHtml(*r);
  for (const char* banned : {"<script", "<link", "<img", "<iframe", "url(", "@import", "src=", "href=", "xmlns"}) {
    EXPECT_EQ(html.find(banned), std::string::npos) << banned;
  }
  EXPECT_NE(html.find("default-src 'none'"), std::string::npos);
  EXPECT_NE(html.find("<svg id=\"verdict-chart\""), std::string::npos);
  size_t rows = 0;
  for (size_t p = html.find("class=\"image-row\""); p != std::string::npos; p = html.find("class=\"image-row\"", p + 1)) ++rows;
  EXPECT_EQ(rows, r->images.size());
  EXPECT_NE(html.find("id=\"probe-row\" data-denied=\"true\""), std::string::npos);
  // report.json: canonical, parses back, same rows.
  auto json = RenderJson(*r);
  ASSERT_TRUE(json.ok());
  auto back = ParseJson(*json);
  ASSERT_TRUE(back.ok());
  EXPECT_EQ(back->Find("images")->array().size(), r->images.size());
  EXPECT_EQ(*WriteCanonicalJson(*back), *json);
}

}  // namespace
}  // namespace signet::audit
