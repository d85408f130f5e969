// The cluster inputs of `signet audit`: what `kubectl get pods -A -o json` and `kubectl get
// validatingwebhookconfigurations -o json` print, and rendered manifests (`helm template`).
//
// The parsers are strict where a value is used (types, digest syntax, sizes, UTF-8, duplicate keys:
// core/json.h) and tolerant of the rest of the real shape: unknown fields are ignored, because
// every Kubernetes release adds some. Nothing here is trusted: the report says what the inputs
// claim and the verifier decides. Errors are kInvalidArgument naming the item and field, never
// quoting a value.
#ifndef SIGNET_AUDIT_INPUTS_H_
#define SIGNET_AUDIT_INPUTS_H_

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "signet/core/result.h"

namespace signet::audit {

// Limits on the inputs (a cluster-wide pod list of a large cluster is tens of MiB).
inline constexpr size_t kMaxInputBytes = 64 * 1024 * 1024;
inline constexpr size_t kMaxItems = 100000;
inline constexpr size_t kMaxStringBytes = 4096;

// RunningContainer is one container of one pod, as the kubelet reports it.
struct RunningContainer {
  std::string namespace_name;
  std::string pod;
  std::string workload;   // the owning Deployment/StatefulSet/... name (see WorkloadName), or the pod
  std::string container;
  bool init = false;      // an initContainer
  std::string image;      // spec image as deployed (may be a tag)
  std::string image_id;   // status imageID as reported ("" while the container has not started)
  // repository and digest of the running image, from imageID ("docker-pullable://" and the
  // containerd form "REPO@sha256:HEX"); both "" when imageID names no manifest digest.
  std::string running_repository;
  std::string running_digest;  // "sha256:<64 lowercase hex>"
};

// ParsePods reads a `kubectl get pods -A -o json` List (or a single Pod). Each container of
// spec.containers and spec.initContainers is paired with its status entry by name. Refused:
// not JSON, not a List/Pod, an item without metadata.name/namespace or spec.containers, a
// container without name/image, an imageID with '@' whose digest is not sha256:<64 lowercase
// hex>, more than kMaxItems containers, a string over kMaxStringBytes.
Result<std::vector<RunningContainer>> ParsePods(std::string_view json);

// WorkloadName is the name of the object that owns a pod: a ReplicaSet owner's name without its
// pod-template-hash suffix (the Deployment), a Job owned by a CronJob likewise, any other owner
// as named, the pod itself when it has none.
std::string WorkloadName(std::string_view pod, std::string_view owner_kind, std::string_view owner_name);

// LabelRequirement is one namespaceSelector.matchExpressions entry.
struct LabelRequirement {
  std::string key;
  std::string op;  // In, NotIn, Exists, DoesNotExist
  std::vector<std::string> values;
};

// LabelSelector is a metav1.LabelSelector. Empty: matches everything.
struct LabelSelector {
  std::vector<std::pair<std::string, std::string>> match_labels;
  std::vector<LabelRequirement> match_expressions;
  // Matches evaluates the selector on `labels` (a missing key is absent).
  bool Matches(const std::vector<std::pair<std::string, std::string>>& labels) const;
};

// WebhookRule is one rules[] entry (admissionregistration.k8s.io/v1 RuleWithOperations).
struct WebhookRule {
  std::vector<std::string> operations;
  std::vector<std::string> api_groups;
  std::vector<std::string> resources;
};

// Webhook is one webhooks[] entry of a ValidatingWebhookConfiguration.
struct Webhook {
  std::string configuration;  // metadata.name of the configuration
  std::string name;
  std::string url;                // clientConfig.url, or ""
  std::string service_namespace;  // clientConfig.service.*, or ""
  std::string service_name;
  std::string service_path;
  int service_port = 443;
  std::string failure_policy;  // "Fail" or "Ignore" (default Fail in v1)
  int timeout_seconds = 10;    // default 10 in v1
  LabelSelector namespace_selector;
  std::vector<WebhookRule> rules;
  // Target renders where the webhook sends reviews: the URL, or "service NS/NAME:PORT/PATH".
  std::string Target() const;
  // CoversPods is true when some rule matches CREATE of pods (or "*") in the core group (or "*"),
  // or of a workload kind that carries a pod template (deployments, ...).
  bool CoversPods() const;
};

// ParseWebhooks reads `kubectl get validatingwebhookconfigurations -o json` (a List, or one
// configuration). Refused: not JSON, an item that is not a ValidatingWebhookConfiguration, a
// webhook without name or clientConfig, a failurePolicy other than Fail/Ignore, a
// timeoutSeconds outside 1..30, an operator outside In/NotIn/Exists/DoesNotExist.
Result<std::vector<Webhook>> ParseWebhooks(std::string_view json);

// RenderedImage is one container image of a rendered manifest.
struct RenderedImage {
  std::string file;            // the manifest file (relative to the directory)
  std::string kind;
  std::string namespace_name;  // metadata.namespace, "" when the manifest leaves it to the release
  std::string workload;        // metadata.name
  std::string container;
  std::string image;
};

// ParseRenderedManifests reads the YAML documents of one file (separated by "---" lines, as
// `helm template` prints them) and returns every container of every pod template (Pod,
// Deployment, StatefulSet, DaemonSet, ReplicaSet, Job, CronJob, ReplicationController).
// Documents of other kinds and empty documents are skipped. Refused: YAML core/yaml.h refuses
// (aliases, duplicate keys, depth), a workload without metadata.name, a container without a
// string image.
Result<std::vector<RenderedImage>> ParseRenderedManifests(std::string_view file, std::string_view text);

// ReadRenderedDirectory parses every *.yaml / *.yml file under `dir` (recursively, sorted by path;
// symlinks are not followed). kInvalidArgument naming the file on a parse error.
Result<std::vector<RenderedImage>> ReadRenderedDirectory(const std::string& dir);

// SplitImage splits "REPO[:TAG][@sha256:HEX]" into repository, tag and digest ("" when absent).
// A registry port (host:5000/x) is not a tag.
struct ImageParts {
  std::string repository, tag, digest;
};
ImageParts SplitImage(std::string_view image);

// IsSha256Digest is true for "sha256:" followed by 64 lowercase hex digits.
bool IsSha256Digest(std::string_view digest);

}  // namespace signet::audit

#endif  // SIGNET_AUDIT_INPUTS_H_
