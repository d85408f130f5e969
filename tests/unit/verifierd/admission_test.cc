// /v1/admission without a socket: image extraction for every kind and field, uid echo, denials
// naming images, tag-only references and their exceptions, audit mode, the deadline, dryRun.
#include <future>

#include "signet/verifierd/admission.h"
#include "verifierd_fixture.h"

namespace signet::verifierd::testing {
namespace {

std::string PodSpec(const std::string& a, const std::string& b, const std::string& c, const std::string& d,
                    const std::string& vol) {
  return R"({"initContainers":[{"name":"i","image":")" + a + R"("}],"containers":[{"name":"c","image":")" + b +
         R"("},{"name":"c2","image":")" + c + R"("}],"ephemeralContainers":[{"name":"e","image":")" + d +
         R"("}],"volumes":[{"name":"v","image":{"reference":")" + vol + R"("}},{"name":"x","emptyDir":{}}]})";
}

std::string Object(const std::string& kind, const std::string& spec) {
  if (kind == "Pod") return R"({"kind":"Pod","spec":)" + spec + "}";
  if (kind == "CronJob") return R"({"kind":"CronJob","spec":{"jobTemplate":{"spec":{"template":{"spec":)" + spec + "}}}}}";
  return R"({"kind":")" + kind + R"(","spec":{"template":{"spec":)" + spec + "}}}";
}

std::string Review(const std::string& kind, const std::string& object, const std::string& ns = "default",
                   bool dry_run = false) {
  return R"({"apiVersion":"admission.k8s.io/v1","kind":"AdmissionReview","request":{"uid":"705ab4f5-6393-11e8-b7cc-42010a800002","kind":{"group":"","version":"v1","kind":")" +
         kind + R"("},"namespace":")" + ns + R"(","operation":"CREATE","dryRun":)" + (dry_run ? "true" : "false") +
         R"(,"object":)" + object + "}}";
}

TEST(AdmissionImages, EveryKindAndField) {
  const std::string spec = PodSpec("a", "b", "c", "d", "e");
  for (const std::string kind : {"Pod", "Deployment", "ReplicaSet", "StatefulSet", "DaemonSet", "Job", "CronJob",
                                 "ReplicationController"}) {
    auto obj = ParseJson(Object(kind, spec));
    ASSERT_TRUE(obj.ok());
    auto images = ExtractImages(*obj, kind);
    ASSERT_TRUE(images.ok()) << kind;
    std::vector<std::string> got;
    for (const auto& i : *images) got.push_back(i.image);
    EXPECT_EQ(got, (std::vector<std::string>{"a", "b", "c", "d", "e"})) << kind;
    const std::string prefix = kind == "Pod" ? "spec" : kind == "CronJob" ? "spec.jobTemplate.spec.template.spec"
                                                                          : "spec.template.spec";
    EXPECT_EQ((*images)[0].path, prefix + ".initContainers[0].image");
    EXPECT_EQ((*images)[2].path, prefix + ".containers[1].image");
    EXPECT_EQ((*images)[3].path, prefix + ".ephemeralContainers[0].image");
    EXPECT_EQ((*images)[4].path, prefix + ".volumes[0].image.reference");
  }
  auto svc = ParseJson(R"({"kind":"Service","spec":{}})");
  auto r = ExtractImages(*svc, "Service");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().finding(), "UNSUPPORTED_KIND");
  auto bad = ParseJson(R"({"spec":{"containers":[{"image":7}]}})");
  EXPECT_FALSE(ExtractImages(*bad, "Pod").ok());
  auto missing = ParseJson(R"({"spec":{}})");
  EXPECT_FALSE(ExtractImages(*missing, "Deployment").ok());
}

TEST(AdmissionImages, MalformedReviews) {
  for (const std::string body : {"", "{", "[]", R"({"apiVersion":"admission.k8s.io/v1beta1","kind":"AdmissionReview","request":{"uid":"u","kind":{"kind":"Pod"}}})",
                                 R"({"apiVersion":"admission.k8s.io/v1","kind":"AdmissionReview"})",
                                 R"({"apiVersion":"admission.k8s.io/v1","kind":"AdmissionReview","request":{"kind":{"kind":"Pod"}}})",
                                 R"({"apiVersion":"admission.k8s.io/v1","kind":"AdmissionReview","apiVersion":"admission.k8s.io/v1"})"}) {
    EXPECT_FALSE(ParseAdmissionReview(body).ok()) << body;
  }
}

class AdmissionTest : public VerifierdTest {
 protected:
  void SetUp() override {
    VerifierdTest::SetUp();
    ev_dir_ = std::make_unique<TempDir>();
    ev_dir_->Write("prov.json", Prov());
  }
  std::shared_ptr<const VerifierState> AdmissionState(const std::string& extra_policy = "",
                                                      const std::string& ns_audit = "sandbox") {
    VerifierdConfig c;
    c.policies["default"] = Policy(extra_policy);
    c.evidence_directories = {ev_dir_->path()};
    c.evaluation_time = *ParseRfc3339(kAt);
    c.admission.namespaces[ns_audit] = AdmissionMode::kAudit;
    c.admission.deadline = std::chrono::milliseconds(60000);
    auto s = VerifierState::Load(c);
    EXPECT_TRUE(s.ok()) << (s.ok() ? "" : s.error().ToString());
    return *s;
  }
  JsonValue Run(const std::shared_ptr<const VerifierState>& s, const std::string& body,
                std::shared_ptr<VerifyCache> cache = nullptr, AdmissionTrace* trace = nullptr) {
    Timestamp now = *ParseRfc3339(kAt);
    auto verify = MakeImageVerifier(s, cache, [now] { return now; });
    auto out = HandleAdmission(*s, body, now, verify, trace);
    EXPECT_TRUE(out.ok()) << (out.ok() ? "" : out.error().ToString());
    auto j = ParseJson(out.ok() ? *out : "{}");
    EXPECT_TRUE(j.ok());
    return *j;
  }
  std::unique_ptr<TempDir> ev_dir_;
};

TEST_F(AdmissionTest, AllowsVerifiedImagesAndEchoesUid) {
  auto s = AdmissionState();
  const std::string good = Image();
  auto j = Run(s, Review("Deployment", Object("Deployment", PodSpec(good, good, good, good, good))));
  EXPECT_EQ(j.Find("apiVersion")->string_value(), "admission.k8s.io/v1");
  EXPECT_EQ(j.Find("kind")->string_value(), "AdmissionReview");
  const JsonValue* resp = j.Find("response");
  EXPECT_EQ(resp->Find("uid")->string_value(), "705ab4f5-6393-11e8-b7cc-42010a800002");
  EXPECT_TRUE(resp->Find("allowed")->bool_value()) << WriteJson(j);
}

TEST_F(AdmissionTest, DenialNamesEachRefusedImageAndCode) {
  auto s = AdmissionState();
  const std::string good = Image();
  const std::string unknown = Image(kOther);  // no evidence anywhere
  const std::string tag = "docker.io/library/nginx:1.25";
  auto j = Run(s, Review("Pod", Object("Pod", PodSpec(good, unknown, good, good, tag))));
  const JsonValue* resp = j.Find("response");
  EXPECT_FALSE(resp->Find("allowed")->bool_value());
  const std::string msg = resp->Find("status")->Find("message")->string_value();
  EXPECT_EQ(resp->Find("status")->Find("code")->number_text(), "403");
  EXPECT_NE(msg.find(unknown + " (spec.containers[0].image): CONT-PROV-SIGNATURE-MISSING"), std::string::npos) << msg;
  EXPECT_NE(msg.find(tag + " (spec.volumes[0].image.reference): CONT-PROV-MUTABLE-TAG"), std::string::npos) << msg;
  EXPECT_EQ(msg.find(good), std::string::npos) << msg;
  // An unknown kind is denied, not allowed.
  j = Run(s, Review("Service", R"({"kind":"Service","spec":{}})"));
  EXPECT_FALSE(j.Find("response")->Find("allowed")->bool_value());
  // A DELETE (no object) has nothing to check.
  j = Run(s, R"({"apiVersion":"admission.k8s.io/v1","kind":"AdmissionReview","request":{"uid":"u1","kind":{"kind":"Pod"},"operation":"DELETE","object":null}})");
  EXPECT_TRUE(j.Find("response")->Find("allowed")->bool_value());
}

TEST_F(AdmissionTest, TagOnlyReferenceNeedsALiveException) {
  const std::string tag = "docker.io/library/nginx:1.25";
  auto ex = [&](const std::string& expires) {
    return "exceptions:\n  - finding: MUTABLE_REFERENCE\n    subject: " + tag + "\n    match: " + tag +
           "\n    owner: platform@example.com\n    expires: " + expires + "\n";
  };
  const std::string good = Image();
  const std::string body = Review("Pod", Object("Pod", PodSpec(good, tag, good, good, good)));
  EXPECT_FALSE(Run(AdmissionState(), body).Find("response")->Find("allowed")->bool_value());
  EXPECT_TRUE(Run(AdmissionState(ex("2027-01-01T00:00:00Z")), body).Find("response")->Find("allowed")->bool_value());
  auto j = Run(AdmissionState(ex("2026-01-01T00:00:00Z")), body);
  EXPECT_FALSE(j.Find("response")->Find("allowed")->bool_value());
  EXPECT_NE(j.Find("response")->Find("status")->Find("message")->string_value().find("expired"), std::string::npos);
  // Another tag is not covered.
  const std::string other = Review("Pod", Object("Pod", PodSpec(good, "docker.io/library/nginx:1.26", good, good, good)));
  EXPECT_FALSE(Run(AdmissionState(ex("2027-01-01T00:00:00Z")), other).Find("response")->Find("allowed")->bool_value());
}

TEST_F(AdmissionTest, AuditNamespaceAllowsWithShortWarnings) {
  auto s = AdmissionState();
  const std::string longtag = "registry.example.com/" + std::string(200, 'a') + ":latest";
  const std::string body = Review("Job", Object("Job", PodSpec(Image(), Image(kOther), longtag, Image(), Image())), "sandbox");
  auto j = Run(s, body);
  const JsonValue* resp = j.Find("response");
  EXPECT_TRUE(resp->Find("allowed")->bool_value());
  const auto& warnings = resp->Find("warnings")->array();
  ASSERT_EQ(warnings.size(), 2u);
  for (const auto& w : warnings) EXPECT_LE(w.string_value().size(), kMaxWarningBytes) << w.string_value();
  EXPECT_TRUE(warnings[0].string_value().find(Image(kOther).substr(0, 40)) != std::string::npos ||
              warnings[1].string_value().find(Image(kOther).substr(0, 40)) != std::string::npos);
  const std::string ann = resp->Find("auditAnnotations")->Find("refused-images")->string_value();
  EXPECT_NE(ann.find("CONT-PROV-MUTABLE-TAG"), std::string::npos);
  EXPECT_NE(ann.find("CONT-PROV-SIGNATURE-MISSING"), std::string::npos);
  // The same review in an enforce namespace is denied.
  EXPECT_FALSE(Run(s, Review("Job", Object("Job", PodSpec(Image(), Image(kOther), longtag, Image(), Image())), "prod"))
                   .Find("response")->Find("allowed")->bool_value());
}

TEST_F(AdmissionTest, DeadlineDeniesEvenInAudit) {
  VerifierdConfig c;
  c.policies["default"] = Policy();
  c.admission.deadline = std::chrono::milliseconds(1);
  c.admission.default_mode = AdmissionMode::kAudit;
  auto s = VerifierState::Load(c);
  ASSERT_TRUE(s.ok());
  // The injected verifier blocks until the test has its answer: the deadline must have passed.
  auto gate = std::make_shared<std::promise<void>>();
  std::shared_future<void> released = gate->get_future().share();
  ImageVerifier blocking = [released](const std::string&, bool) -> Result<v1::VerifyResponse> {
    released.wait();
    v1::VerifyResponse r;
    r.set_allowed(true);
    return r;
  };
  AdmissionTrace trace;
  auto out = HandleAdmission(**s, Review("Pod", Object("Pod", PodSpec(Image(), Image(), Image(), Image(), Image()))),
                             *ParseRfc3339(kAt), blocking, &trace);
  gate->set_value();
  ASSERT_TRUE(out.ok());
  auto j = ParseJson(*out);
  const JsonValue* resp = j->Find("response");
  EXPECT_FALSE(resp->Find("allowed")->bool_value());
  EXPECT_NE(resp->Find("status")->Find("message")->string_value().find("verification timed out"), std::string::npos);
  EXPECT_EQ(trace.verdict, "timeout");
}

TEST_F(AdmissionTest, DryRunHasNoSideEffects) {
  auto s = AdmissionState();
  auto cache = std::make_shared<VerifyCache>(100, std::chrono::minutes(5));
  const std::string spec = PodSpec(Image(), Image(), Image(), Image(), Image());
  AdmissionTrace trace;
  auto j = Run(s, Review("Pod", Object("Pod", spec), "default", true), cache, &trace);
  EXPECT_TRUE(j.Find("response")->Find("allowed")->bool_value());
  EXPECT_TRUE(trace.dry_run);
  EXPECT_EQ(cache->size(), 0u);
  Run(s, Review("Pod", Object("Pod", spec)), cache);
  EXPECT_EQ(cache->size(), 1u);
  EXPECT_EQ(cache->hits(), 0u);
  Run(s, Review("Pod", Object("Pod", spec)), cache);
  EXPECT_EQ(cache->hits(), 1u);
}

}  // namespace
}  // namespace signet::verifierd::testing
