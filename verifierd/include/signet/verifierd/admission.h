// POST /v1/admission: a Kubernetes ValidatingWebhook (admission.k8s.io/v1 AdmissionReview).
//
// Every image of the object is checked: Pods, and the pod templates of Deployment, ReplicaSet,
// StatefulSet, DaemonSet, Job, CronJob and ReplicationController; containers, initContainers,
// ephemeralContainers and image volumes (volumes[].image.reference). Each digest-pinned image
// is verified under the policy "default" (with the evidence store); a tag-only reference is
// refused (CONT-PROV-MUTABLE-TAG) unless a live policy exception {finding: MUTABLE_REFERENCE,
// subject: REF, match: REF} with owner and expiry covers exactly that reference.
// Fail closed: a malformed review is a 400, an unknown kind is denied, an internal error or the
// `admission.deadline` denies ("verification timed out"), never allows.
#ifndef SIGNET_VERIFIERD_ADMISSION_H_
#define SIGNET_VERIFIERD_ADMISSION_H_

#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "signet/core/json.h"
#include "signet/core/result.h"
#include "signet/verifierd/verifier.h"

namespace signet::verifierd {

// PodImage is one image reference found in an object, with where it was found.
struct PodImage {
  std::string path;   // e.g. "spec.template.spec.initContainers[0].image"
  std::string image;  // the reference as written
};

// ExtractImages returns every image of `object` of kind `kind` (see above), in document order.
// Fails kInvalidArgument for an unknown kind (finding UNSUPPORTED_KIND) or a pod spec whose
// image fields have the wrong type.
Result<std::vector<PodImage>> ExtractImages(const JsonValue& object, std::string_view kind);

// ImageVerifier verifies one digest-pinned reference under the policy "default". `dry_run`
// means: no side effects (nothing is stored in the cache). Must be thread-safe.
using ImageVerifier = std::function<Result<v1::VerifyResponse>(const std::string& image, bool dry_run)>;

// AdmissionTrace tells the caller what to log.
struct AdmissionTrace {
  std::string uid;
  std::string verdict;  // "allow", "deny", "audit", "timeout"
  std::vector<std::string> codes;
  bool dry_run = false;
};

// kMaxWarningBytes bounds each warning (Kubernetes shows them to the user).
inline constexpr size_t kMaxWarningBytes = 120;

// HandleAdmission answers one AdmissionReview body. Steps: 1. strict JSON (core, limits) and
// the review's shape (apiVersion admission.k8s.io/v1, kind AdmissionReview, request.uid);
// 2. images extracted; 3. all images verified on a worker thread with `verify`, waited for at
// most `state.config().admission.deadline`: past it the review is denied ("verification timed
// out"); 4. refused images named with their code in status.message; in an audit namespace the
// review is allowed with warnings (each <= kMaxWarningBytes) and auditAnnotations. Returns the
// AdmissionReview response body, or kInvalidArgument (HTTP 400) for a malformed review.
Result<std::string> HandleAdmission(const VerifierState& state, std::string_view body, Timestamp now,
                                    const ImageVerifier& verify, AdmissionTrace* trace = nullptr);

// MakeImageVerifier returns an ImageVerifier over `state` (held) and `cache` (held) that calls
// HandleVerify with the policy "default", the store's evidence and the clock `now_fn`.
// `observe` (optional) is told whether each verification was a cache hit (metrics).
ImageVerifier MakeImageVerifier(std::shared_ptr<const VerifierState> state, std::shared_ptr<VerifyCache> cache,
                                std::function<Timestamp()> now_fn, std::function<void(bool)> observe = nullptr);

// ParseAdmissionReview only decodes a review (the fuzz target drives it): the strict checks of
// step 1 and image extraction. kInvalidArgument on malformed input.
Status ParseAdmissionReview(std::string_view body);

}  // namespace signet::verifierd

#endif  // SIGNET_VERIFIERD_ADMISSION_H_
