#include "signet/verifierd/admission.h"

#include <chrono>
#include <condition_variable>
#include <mutex>
#include <optional>
#include <set>
#include <thread>

#include "signet/core/findings.h"
#include "signet/policy/gate.h"

namespace signet::verifierd {

namespace {

constexpr char kUnsupportedKind[] = "UNSUPPORTED_KIND";
constexpr char kMutableTag[] = "CONT-PROV-MUTABLE-TAG";

Status ImageField(const JsonValue& container, const std::string& path, std::vector<PodImage>& out) {
  const JsonValue* image = container.Find("image");
  if (image == nullptr) return OkStatus();  // the API server refuses containers without one
  if (!image->is_string()) return InvalidArgument(path + ".image must be a string");
  out.push_back(PodImage{path + ".image", image->string_value()});
  return OkStatus();
}

Status PodSpecImages(const JsonValue& spec, const std::string& path, std::vector<PodImage>& out) {
  if (!spec.is_object()) return InvalidArgument(path + " must be an object");
  for (const char* list : {"initContainers", "containers", "ephemeralContainers"}) {
    const JsonValue* cs = spec.Find(list);
    if (cs == nullptr || cs->is_null()) continue;
    if (!cs->is_array()) return InvalidArgument(path + "." + list + " must be a list");
    for (size_t i = 0; i < cs->array().size(); ++i) {
      const JsonValue& c = cs->array()[i];
      const std::string p = path + "." + list + "[" + std::to_string(i) + "]";
      if (!c.is_object()) return InvalidArgument(p + " must be an object");
      SIGNET_RETURN_IF_ERROR(ImageField(c, p, out));
    }
  }
  const JsonValue* vols = spec.Find("volumes");
  if (vols != nullptr && !vols->is_null()) {
    if (!vols->is_array()) return InvalidArgument(path + ".volumes must be a list");
    for (size_t i = 0; i < vols->array().size(); ++i) {
      const JsonValue& v = vols->array()[i];
      const JsonValue* img = v.Find("image");
      if (img == nullptr || img->is_null()) continue;
      const std::string p = path + ".volumes[" + std::to_string(i) + "].image";
      const JsonValue* ref = img->Find("reference");
      if (ref == nullptr) continue;
      if (!ref->is_string()) return InvalidArgument(p + ".reference must be a string");
      out.push_back(PodImage{p + ".reference", ref->string_value()});
    }
  }
  return OkStatus();
}

const JsonValue* Walk(const JsonValue& root, std::initializer_list<const char*> keys) {
  const JsonValue* cur = &root;
  for (const char* k : keys) {
    cur = cur->Find(k);
    if (cur == nullptr) return nullptr;
  }
  return cur;
}

// Truncate cuts `s` to at most `n` bytes without splitting a UTF-8 sequence.
std::string Truncate(std::string s, size_t n) {
  if (s.size() <= n) return s;
  size_t cut = n;
  while (cut > 0 && (static_cast<unsigned char>(s[cut]) & 0xC0) == 0x80) --cut;
  s.resize(cut);
  return s;
}

struct ReviewInput {
  std::string uid;
  std::string ns;
  bool dry_run = false;
  bool has_object = false;
  std::string kind;
  Result<std::vector<PodImage>> images = std::vector<PodImage>{};
};

Result<ReviewInput> Decode(std::string_view body) {
  JsonLimits limits;
  limits.max_depth = 64;
  auto v = ParseJson(body, limits);
  if (!v.ok()) return InvalidArgument("the body is not strict JSON: " + v.error().message());
  if (!v->is_object()) return InvalidArgument("the body must be an AdmissionReview object");
  const JsonValue* api = v->Find("apiVersion");
  const JsonValue* kind = v->Find("kind");
  if (api == nullptr || !api->is_string() || api->string_value() != "admission.k8s.io/v1" || kind == nullptr ||
      !kind->is_string() || kind->string_value() != "AdmissionReview") {
    return InvalidArgument("not an admission.k8s.io/v1 AdmissionReview");
  }
  const JsonValue* req = v->Find("request");
  if (req == nullptr || !req->is_object()) return InvalidArgument("the AdmissionReview has no request");
  ReviewInput in;
  const JsonValue* uid = req->Find("uid");
  if (uid == nullptr || !uid->is_string() || uid->string_value().empty() || uid->string_value().size() > 128) {
    return InvalidArgument("request.uid must be a string of 1-128 bytes");
  }
  in.uid = uid->string_value();
  if (const JsonValue* ns = req->Find("namespace"); ns != nullptr && !ns->is_null()) {
    if (!ns->is_string()) return InvalidArgument("request.namespace must be a string");
    in.ns = ns->string_value();
  }
  if (const JsonValue* dr = req->Find("dryRun"); dr != nullptr && !dr->is_null()) {
    if (!dr->is_bool()) return InvalidArgument("request.dryRun must be a boolean");
    in.dry_run = dr->bool_value();
  }
  const JsonValue* k = Walk(*req, {"kind", "kind"});
  if (k == nullptr || !k->is_string()) return InvalidArgument("request.kind.kind must be a string");
  in.kind = k->string_value();
  const JsonValue* object = req->Find("object");
  if (object != nullptr && !object->is_null()) {
    if (!object->is_object()) return InvalidArgument("request.object must be an object");
    in.has_object = true;
    in.images = ExtractImages(*object, in.kind);
    if (!in.images.ok() && in.images.error().finding() != kUnsupportedKind) return in.images.error();
  }
  return in;
}

// Outcome is the verdict of one image.
struct ImageOutcome {
  bool allowed = false;
  std::string code;
  std::string detail;
};

ImageOutcome Judge(const Result<v1::VerifyResponse>& r) {
  ImageOutcome o;
  if (!r.ok()) {
    o.code = r.error().finding().empty() ? "INTERNAL" : r.error().finding();
    o.detail = "verification failed";
    return o;
  }
  o.allowed = r->allowed();
  if (o.allowed) return o;
  // A registry failure (registry_evidence.h) is named as such, not as the evidence it hid.
  if (r->findings_size() > 0 && r->findings(0).input() == "registry") {
    o.code = r->findings(0).code();
    o.detail = r->findings(0).message();
    return o;
  }
  for (const auto& l : r->chain()) {
    if (l.status() == "FAIL" || l.status() == "MISSING") {
      o.code = l.code();
      o.detail = l.link() + ": " + l.detail();
      return o;
    }
  }
  o.code = r->findings_size() > 0 ? r->findings(0).code() : "DENIED";
  o.detail = r->findings_size() > 0 ? r->findings(0).message() : "denied";
  return o;
}

// TagException finds a live MUTABLE_REFERENCE exception for exactly `ref`.
const policy::PolicyException* TagException(const VerifierState& state, const std::string& ref) {
  const PolicyEntry* e = state.FindPolicy("default");
  if (e == nullptr) return nullptr;
  for (const auto& ex : e->gate->policy().policy.exceptions) {
    if (ex.finding == findings::kMutableReference && ex.subject == ref) return &ex;
  }
  return nullptr;
}

struct Job {
  std::mutex mu;
  std::condition_variable cv;
  bool done = false;
  std::vector<Result<v1::VerifyResponse>> results;
};

}  // namespace

Result<std::vector<PodImage>> ExtractImages(const JsonValue& object, std::string_view kind) {
  std::vector<PodImage> out;
  const JsonValue* spec = nullptr;
  std::string path;
  if (kind == "Pod") {
    spec = object.Find("spec");
    path = "spec";
  } else if (kind == "Deployment" || kind == "ReplicaSet" || kind == "StatefulSet" || kind == "DaemonSet" ||
             kind == "Job" || kind == "ReplicationController") {
    spec = Walk(object, {"spec", "template", "spec"});
    path = "spec.template.spec";
  } else if (kind == "CronJob") {
    spec = Walk(object, {"spec", "jobTemplate", "spec", "template", "spec"});
    path = "spec.jobTemplate.spec.template.spec";
  } else {
    return InvalidArgument("verifierd does not check this kind of object").WithFinding(kUnsupportedKind);
  }
  if (spec == nullptr) return InvalidArgument(path + " is missing");
  SIGNET_RETURN_IF_ERROR(PodSpecImages(*spec, path, out));
  return out;
}

Status ParseAdmissionReview(std::string_view body) {
  auto in = Decode(body);
  if (!in.ok()) return std::move(in).error();
  return OkStatus();
}

Result<std::string> HandleAdmission(const VerifierState& state, std::string_view body, Timestamp now,
                                    const ImageVerifier& verify, AdmissionTrace* trace) {
  // 1. Decode.
  SIGNET_ASSIGN_OR_RETURN(ReviewInput in, Decode(body));
  const AdmissionConfig& ac = state.config().admission;
  const bool audit = ac.ModeFor(in.ns) == AdmissionMode::kAudit;
  JsonValue response;
  response.Set("uid", JsonValue::String(in.uid));
  std::vector<std::string> refusals;   // "IMAGE (PATH): CODE"
  std::vector<std::string> codes;
  bool timed_out = false;
  if (in.has_object && !in.images.ok()) {
    refusals.push_back("kind " + in.kind + ": " + kUnsupportedKind);
    codes.push_back(kUnsupportedKind);
  } else if (in.has_object) {
    // 2. Images: tag-only references are judged here, digests by the verifier (once each).
    std::vector<std::string> to_verify;
    std::vector<PodImage> images = *in.images;
    for (const auto& im : images) {
      auto hex = policy::ParseSubjectDigest(im.image);
      if (hex.ok()) {
        if (std::find(to_verify.begin(), to_verify.end(), im.image) == to_verify.end()) to_verify.push_back(im.image);
        continue;
      }
      const policy::PolicyException* ex = TagException(state, im.image);
      const bool live = ex != nullptr && !ex->owner.empty() && ex->expires && now < *ex->expires;
      if (!live) {
        refusals.push_back(im.image + " (" + im.path + "): " + kMutableTag +
                           (ex != nullptr ? " (its exception has expired or lacks an owner or expiry)" : ""));
        codes.push_back(kMutableTag);
      }
    }
    // 3. Verify on a worker, under the deadline. The worker owns copies of everything it uses,
    // so a review that timed out can be answered while it still runs.
    if (!to_verify.empty()) {
      auto job = std::make_shared<Job>();
      const bool dry_run = in.dry_run;
      std::thread([job, to_verify, verify, dry_run]() {
        std::vector<Result<v1::VerifyResponse>> results;
        for (const auto& image : to_verify) results.push_back(verify(image, dry_run));
        std::lock_guard<std::mutex> lock(job->mu);
        job->results = std::move(results);
        job->done = true;
        job->cv.notify_all();
      }).detach();
      std::unique_lock<std::mutex> lock(job->mu);
      if (!job->cv.wait_for(lock, ac.deadline, [&] { return job->done; })) {
        timed_out = true;
      } else {
        for (size_t i = 0; i < to_verify.size(); ++i) {
          ImageOutcome o = Judge(job->results[i]);
          if (o.allowed) continue;
          std::string paths;
          for (const auto& im : images) {
            if (im.image == to_verify[i]) paths += (paths.empty() ? "" : ", ") + im.path;
          }
          refusals.push_back(to_verify[i] + " (" + paths + "): " + o.code + " (" + o.detail + ")");
          codes.push_back(o.code);
        }
      }
    }
  }
  // 4. Answer.
  std::string verdict;
  if (timed_out) {
    // Never allowed, not even in audit mode: nothing was verified.
    JsonValue status;
    status.Set("code", JsonValue::Int(403))
        .Set("message", JsonValue::String("verifierd: verification timed out after " +
                                          std::to_string(ac.deadline.count()) + " ms; denied"));
    response.Set("allowed", JsonValue::Bool(false)).Set("status", std::move(status));
    verdict = "timeout";
    codes.push_back("TIMEOUT");
  } else if (refusals.empty()) {
    response.Set("allowed", JsonValue::Bool(true));
    verdict = "allow";
  } else if (audit) {
    JsonValue warnings = JsonValue::MakeArray();
    std::string joined;
    for (const auto& r : refusals) {
      warnings.Push(JsonValue::String(Truncate("verifierd audit: " + r, kMaxWarningBytes)));
      joined += (joined.empty() ? "" : "; ") + r;
    }
    JsonValue annotations;
    annotations.Set("refused-images", JsonValue::String(Truncate(joined, 4096)));
    response.Set("allowed", JsonValue::Bool(true))
        .Set("warnings", std::move(warnings))
        .Set("auditAnnotations", std::move(annotations));
    verdict = "audit";
  } else {
    std::string message = "verifierd denied " + std::to_string(refusals.size()) + " image(s): ";
    for (size_t i = 0; i < refusals.size(); ++i) message += (i ? "; " : "") + refusals[i];
    JsonValue status;
    status.Set("code", JsonValue::Int(403)).Set("message", JsonValue::String(Truncate(message, 16384)));
    response.Set("allowed", JsonValue::Bool(false)).Set("status", std::move(status));
    verdict = "deny";
  }
  if (trace != nullptr) {
    trace->uid = in.uid;
    trace->verdict = verdict;
    trace->codes = codes;
    trace->dry_run = in.dry_run;
  }
  JsonValue review;
  review.Set("apiVersion", JsonValue::String("admission.k8s.io/v1"))
      .Set("kind", JsonValue::String("AdmissionReview"))
      .Set("response", std::move(response));
  return WriteJson(review);
}

ImageVerifier MakeImageVerifier(std::shared_ptr<const VerifierState> state, std::shared_ptr<VerifyCache> cache,
                                std::function<Timestamp()> now_fn, std::function<void(bool)> observe) {
  return [state = std::move(state), cache = std::move(cache), now_fn = std::move(now_fn),
          observe = std::move(observe)](const std::string& image, bool dry_run) -> Result<v1::VerifyResponse> {
    v1::VerifyRequest req;
    req.set_image(image);
    req.set_policy("default");
    VerifyOptions opts;
    opts.now = now_fn();
    opts.store_in_cache = !dry_run;
    VerifyTrace trace;
    auto r = HandleVerify(*state, cache.get(), req, opts, &trace);
    if (observe) observe(trace.cache_hit);
    return r;
  };
}

}  // namespace signet::verifierd
