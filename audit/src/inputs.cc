// Parsers of the cluster inputs (inputs.h). Kubernetes object shapes: core/v1 Pod and
// PodList, admissionregistration.k8s.io/v1 ValidatingWebhookConfiguration, meta/v1
// LabelSelector (k8s.io/api, k8s.io/apimachinery types.go).
#include "signet/audit/inputs.h"

#include <algorithm>
#include <filesystem>
#include <map>
#include <set>

#include "signet/core/file.h"
#include "signet/core/json.h"
#include "signet/core/yaml.h"

namespace signet::audit {
namespace {

Error Bad(const std::string& where, const std::string& what) { return InvalidArgument(where + ": " + what); }

// Str reads an optional string member ("" when absent or null), bounded.
Result<std::string> Str(const JsonValue& obj, std::string_view key, const std::string& where) {
  const JsonValue* v = obj.Find(key);
  if (v == nullptr || v->is_null()) return std::string();
  if (!v->is_string()) return Bad(where + "." + std::string(key), "must be a string");
  if (v->string_value().size() > kMaxStringBytes) return Bad(where + "." + std::string(key), "too long");
  return v->string_value();
}

Result<std::string> RequiredStr(const JsonValue& obj, std::string_view key, const std::string& where) {
  SIGNET_ASSIGN_OR_RETURN(std::string s, Str(obj, key, where));
  if (s.empty()) return Bad(where + "." + std::string(key), "missing");
  return s;
}

// Items returns the objects of a List (`kind` ending in "List", or `items` present), or the
// document itself when it is a single object of `single_kind`.
Result<std::vector<const JsonValue*>> Items(const JsonValue& doc, std::string_view single_kind) {
  if (!doc.is_object()) return Bad("(document)", "must be a JSON object");
  std::vector<const JsonValue*> out;
  if (const JsonValue* items = doc.Find("items")) {
    if (!items->is_array()) return Bad("items", "must be a list");
    if (items->array().size() > kMaxItems) return Bad("items", "too many");
    for (const JsonValue& item : items->array()) out.push_back(&item);
    return out;
  }
  const JsonValue* kind = doc.Find("kind");
  if (kind == nullptr || !kind->is_string() || kind->string_value() != single_kind) {
    return Bad("kind", "must be a List or a " + std::string(single_kind));
  }
  out.push_back(&doc);
  return out;
}

bool IsLowerHex(std::string_view s) {
  return std::all_of(s.begin(), s.end(), [](char c) { return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'); });
}

// SplitImageId reads a container status imageID: "docker-pullable://REPO@sha256:HEX",
// "docker://sha256:HEX" (an image ID, not a manifest digest), "REPO@sha256:HEX" (containerd),
// "sha256:HEX" (an image ID). Only a REPO@digest form names the running manifest.
Status SplitImageId(std::string_view id, const std::string& where, RunningContainer* c) {
  for (std::string_view prefix : {"docker-pullable://", "docker://", "containerd://", "cri-o://"}) {
    if (id.substr(0, prefix.size()) == prefix) {
      id.remove_prefix(prefix.size());
      break;
    }
  }
  size_t at = id.rfind('@');
  if (at == std::string_view::npos) return OkStatus();  // an image ID: no manifest digest
  std::string_view digest = id.substr(at + 1);
  if (!IsSha256Digest(digest) || at == 0) return Bad(where + ".imageID", "not REPO@sha256:<64 lowercase hex>");
  c->running_repository = std::string(id.substr(0, at));
  c->running_digest = std::string(digest);
  return OkStatus();
}

Status ParseContainers(const JsonValue& pod, const std::string& where, const JsonValue& spec, const JsonValue* status,
                       bool init, const RunningContainer& base, std::vector<RunningContainer>* out) {
  const char* key = init ? "initContainers" : "containers";
  const char* status_key = init ? "initContainerStatuses" : "containerStatuses";
  const JsonValue* list = spec.Find(key);
  if (list == nullptr || list->is_null()) {
    if (init) return OkStatus();
    return Bad(where + ".spec.containers", "missing");
  }
  if (!list->is_array()) return Bad(where + ".spec." + key, "must be a list");
  const JsonValue* statuses = status != nullptr ? status->Find(status_key) : nullptr;
  if (statuses != nullptr && !statuses->is_null() && !statuses->is_array()) {
    return Bad(where + ".status." + status_key, "must be a list");
  }
  (void)pod;
  for (size_t i = 0; i < list->array().size(); ++i) {
    const JsonValue& c = list->array()[i];
    std::string cw = where + ".spec." + key + "[" + std::to_string(i) + "]";
    if (!c.is_object()) return Bad(cw, "must be an object");
    RunningContainer rc = base;
    rc.init = init;
    SIGNET_ASSIGN_OR_RETURN(rc.container, RequiredStr(c, "name", cw));
    SIGNET_ASSIGN_OR_RETURN(rc.image, RequiredStr(c, "image", cw));
    if (statuses != nullptr && statuses->is_array()) {
      for (size_t j = 0; j < statuses->array().size(); ++j) {
        const JsonValue& s = statuses->array()[j];
        std::string sw = where + ".status." + status_key + "[" + std::to_string(j) + "]";
        if (!s.is_object()) return Bad(sw, "must be an object");
        SIGNET_ASSIGN_OR_RETURN(std::string name, Str(s, "name", sw));
        if (name != rc.container) continue;
        SIGNET_ASSIGN_OR_RETURN(rc.image_id, Str(s, "imageID", sw));
        SIGNET_RETURN_IF_ERROR(SplitImageId(rc.image_id, sw, &rc));
        break;
      }
    }
    if (out->size() >= kMaxItems) return Bad("items", "too many containers");
    out->push_back(std::move(rc));
  }
  return OkStatus();
}

Result<std::vector<std::string>> StringList(const JsonValue* v, const std::string& where) {
  std::vector<std::string> out;
  if (v == nullptr || v->is_null()) return out;
  if (!v->is_array()) return Bad(where, "must be a list");
  for (const JsonValue& s : v->array()) {
    if (!s.is_string() || s.string_value().size() > kMaxStringBytes) return Bad(where, "must be a list of strings");
    out.push_back(s.string_value());
  }
  return out;
}

Result<LabelSelector> ParseSelector(const JsonValue* v, const std::string& where) {
  LabelSelector sel;
  if (v == nullptr || v->is_null()) return sel;
  if (!v->is_object()) return Bad(where, "must be an object");
  if (const JsonValue* ml = v->Find("matchLabels"); ml != nullptr && !ml->is_null()) {
    if (!ml->is_object()) return Bad(where + ".matchLabels", "must be an object");
    for (const auto& [k, val] : ml->object()) {
      if (!val.is_string()) return Bad(where + ".matchLabels", "values must be strings");
      sel.match_labels.emplace_back(k, val.string_value());
    }
  }
  if (const JsonValue* me = v->Find("matchExpressions"); me != nullptr && !me->is_null()) {
    if (!me->is_array()) return Bad(where + ".matchExpressions", "must be a list");
    for (size_t i = 0; i < me->array().size(); ++i) {
      const JsonValue& e = me->array()[i];
      std::string ew = where + ".matchExpressions[" + std::to_string(i) + "]";
      if (!e.is_object()) return Bad(ew, "must be an object");
      LabelRequirement r;
      SIGNET_ASSIGN_OR_RETURN(r.key, RequiredStr(e, "key", ew));
      SIGNET_ASSIGN_OR_RETURN(r.op, RequiredStr(e, "operator", ew));
      if (r.op != "In" && r.op != "NotIn" && r.op != "Exists" && r.op != "DoesNotExist") {
        return Bad(ew + ".operator", "must be In, NotIn, Exists or DoesNotExist");
      }
      SIGNET_ASSIGN_OR_RETURN(r.values, StringList(e.Find("values"), ew + ".values"));
      sel.match_expressions.push_back(std::move(r));
    }
  }
  return sel;
}

}  // namespace

bool IsSha256Digest(std::string_view digest) {
  return digest.size() == 71 && digest.substr(0, 7) == "sha256:" && IsLowerHex(digest.substr(7));
}

ImageParts SplitImage(std::string_view image) {
  ImageParts p;
  size_t at = image.find('@');
  if (at != std::string_view::npos) {
    p.digest = std::string(image.substr(at + 1));
    image = image.substr(0, at);
  }
  size_t slash = image.rfind('/');
  size_t colon = image.rfind(':');
  if (colon != std::string_view::npos && (slash == std::string_view::npos || colon > slash)) {
    p.tag = std::string(image.substr(colon + 1));
    image = image.substr(0, colon);
  }
  p.repository = std::string(image);
  return p;
}

std::string WorkloadName(std::string_view pod, std::string_view owner_kind, std::string_view owner_name) {
  if (owner_name.empty()) return std::string(pod);
  if (owner_kind == "ReplicaSet" || owner_kind == "Job") {
    // Deployment "web" owns ReplicaSet "web-<pod-template-hash>"; CronJob "c" owns Job "c-<time>".
    size_t dash = owner_name.rfind('-');
    if (dash != std::string_view::npos && dash > 0 && dash + 1 < owner_name.size()) {
      std::string_view suffix = owner_name.substr(dash + 1);
      bool hashlike = std::all_of(suffix.begin(), suffix.end(),
                                  [](char c) { return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z'); });
      if (hashlike && (owner_kind == "ReplicaSet" ||
                       std::all_of(suffix.begin(), suffix.end(), [](char c) { return c >= '0' && c <= '9'; }))) {
        return std::string(owner_name.substr(0, dash));
      }
    }
  }
  return std::string(owner_name);
}

Result<std::vector<RunningContainer>> ParsePods(std::string_view json) {
  JsonLimits limits;
  limits.max_bytes = kMaxInputBytes;
  SIGNET_ASSIGN_OR_RETURN(JsonValue doc, ParseJson(json, limits));
  SIGNET_ASSIGN_OR_RETURN(auto items, Items(doc, "Pod"));
  std::vector<RunningContainer> out;
  for (size_t i = 0; i < items.size(); ++i) {
    const JsonValue& pod = *items[i];
    std::string where = "items[" + std::to_string(i) + "]";
    if (!pod.is_object()) return Bad(where, "must be an object");
    if (const JsonValue* kind = pod.Find("kind"); kind != nullptr && (!kind->is_string() || kind->string_value() != "Pod")) {
      return Bad(where + ".kind", "must be Pod");
    }
    const JsonValue* meta = pod.Find("metadata");
    if (meta == nullptr || !meta->is_object()) return Bad(where + ".metadata", "missing");
    RunningContainer base;
    SIGNET_ASSIGN_OR_RETURN(base.pod, RequiredStr(*meta, "name", where + ".metadata"));
    SIGNET_ASSIGN_OR_RETURN(base.namespace_name, RequiredStr(*meta, "namespace", where + ".metadata"));
    std::string owner_kind, owner_name;
    if (const JsonValue* owners = meta->Find("ownerReferences"); owners != nullptr && !owners->is_null()) {
      if (!owners->is_array()) return Bad(where + ".metadata.ownerReferences", "must be a list");
      for (const JsonValue& o : owners->array()) {
        if (!o.is_object()) return Bad(where + ".metadata.ownerReferences", "must be a list of objects");
        const JsonValue* controller = o.Find("controller");
        if (controller != nullptr && controller->is_bool() && !controller->bool_value()) continue;
        SIGNET_ASSIGN_OR_RETURN(owner_kind, Str(o, "kind", where + ".metadata.ownerReferences"));
        SIGNET_ASSIGN_OR_RETURN(owner_name, Str(o, "name", where + ".metadata.ownerReferences"));
        break;
      }
    }
    base.workload = WorkloadName(base.pod, owner_kind, owner_name);
    const JsonValue* spec = pod.Find("spec");
    if (spec == nullptr || !spec->is_object()) return Bad(where + ".spec", "missing");
    const JsonValue* status = pod.Find("status");
    if (status != nullptr && !status->is_null() && !status->is_object()) return Bad(where + ".status", "must be an object");
    SIGNET_RETURN_IF_ERROR(ParseContainers(pod, where, *spec, status, /*init=*/true, base, &out));
    SIGNET_RETURN_IF_ERROR(ParseContainers(pod, where, *spec, status, /*init=*/false, base, &out));
  }
  return out;
}

bool LabelSelector::Matches(const std::vector<std::pair<std::string, std::string>>& labels) const {
  auto find = [&](const std::string& key) -> const std::string* {
    for (const auto& [k, v] : labels) {
      if (k == key) return &v;
    }
    return nullptr;
  };
  for (const auto& [k, v] : match_labels) {
    const std::string* have = find(k);
    if (have == nullptr || *have != v) return false;
  }
  for (const LabelRequirement& r : match_expressions) {
    const std::string* have = find(r.key);
    bool in = have != nullptr && std::find(r.values.begin(), r.values.end(), *have) != r.values.end();
    if (r.op == "In" && !in) return false;
    if (r.op == "NotIn" && in) return false;
    if (r.op == "Exists" && have == nullptr) return false;
    if (r.op == "DoesNotExist" && have != nullptr) return false;
  }
  return true;
}

std::string Webhook::Target() const {
  if (!url.empty()) return url;
  return "service " + service_namespace + "/" + service_name + ":" + std::to_string(service_port) + service_path;
}

bool Webhook::CoversPods() const {
  // Pod-bearing resources and their API groups (core "", apps, batch).
  static const std::map<std::string, std::string> kPodBearing = {
      {"pods", ""},         {"replicationcontrollers", ""}, {"deployments", "apps"}, {"statefulsets", "apps"},
      {"daemonsets", "apps"}, {"replicasets", "apps"},        {"jobs", "batch"},       {"cronjobs", "batch"}};
  for (const WebhookRule& r : rules) {
    bool create = std::any_of(r.operations.begin(), r.operations.end(),
                              [](const std::string& o) { return o == "CREATE" || o == "*"; });
    if (!create) continue;
    auto group_ok = [&](const std::string& group) {
      return std::any_of(r.api_groups.begin(), r.api_groups.end(),
                         [&](const std::string& g) { return g == "*" || g == group; });
    };
    for (const std::string& res : r.resources) {
      for (const auto& [resource, group] : kPodBearing) {
        if ((res == "*" || res == "*/*" || res == resource) && group_ok(group)) return true;
      }
    }
  }
  return false;
}

Result<std::vector<Webhook>> ParseWebhooks(std::string_view json) {
  JsonLimits limits;
  limits.max_bytes = kMaxInputBytes;
  SIGNET_ASSIGN_OR_RETURN(JsonValue doc, ParseJson(json, limits));
  SIGNET_ASSIGN_OR_RETURN(auto items, Items(doc, "ValidatingWebhookConfiguration"));
  std::vector<Webhook> out;
  for (size_t i = 0; i < items.size(); ++i) {
    const JsonValue& cfg = *items[i];
    std::string where = "items[" + std::to_string(i) + "]";
    if (!cfg.is_object()) return Bad(where, "must be an object");
    if (const JsonValue* kind = cfg.Find("kind");
        kind != nullptr && (!kind->is_string() || kind->string_value() != "ValidatingWebhookConfiguration")) {
      return Bad(where + ".kind", "must be ValidatingWebhookConfiguration");
    }
    const JsonValue* meta = cfg.Find("metadata");
    if (meta == nullptr || !meta->is_object()) return Bad(where + ".metadata", "missing");
    SIGNET_ASSIGN_OR_RETURN(std::string config_name, RequiredStr(*meta, "name", where + ".metadata"));
    const JsonValue* hooks = cfg.Find("webhooks");
    if (hooks == nullptr || hooks->is_null()) continue;  // a configuration with no webhook
    if (!hooks->is_array()) return Bad(where + ".webhooks", "must be a list");
    for (size_t j = 0; j < hooks->array().size(); ++j) {
      const JsonValue& h = hooks->array()[j];
      std::string hw = where + ".webhooks[" + std::to_string(j) + "]";
      if (!h.is_object()) return Bad(hw, "must be an object");
      Webhook w;
      w.configuration = config_name;
      SIGNET_ASSIGN_OR_RETURN(w.name, RequiredStr(h, "name", hw));
      const JsonValue* cc = h.Find("clientConfig");
      if (cc == nullptr || !cc->is_object()) return Bad(hw + ".clientConfig", "missing");
      SIGNET_ASSIGN_OR_RETURN(w.url, Str(*cc, "url", hw + ".clientConfig"));
      if (const JsonValue* svc = cc->Find("service"); svc != nullptr && !svc->is_null()) {
        std::string sw = hw + ".clientConfig.service";
        if (!svc->is_object()) return Bad(sw, "must be an object");
        SIGNET_ASSIGN_OR_RETURN(w.service_namespace, RequiredStr(*svc, "namespace", sw));
        SIGNET_ASSIGN_OR_RETURN(w.service_name, RequiredStr(*svc, "name", sw));
        SIGNET_ASSIGN_OR_RETURN(w.service_path, Str(*svc, "path", sw));
        if (const JsonValue* port = svc->Find("port"); port != nullptr && !port->is_null()) {
          auto p = port->AsInt64();
          if (!p.ok() || *p < 1 || *p > 65535) return Bad(sw + ".port", "must be 1..65535");
          w.service_port = static_cast<int>(*p);
        }
      }
      if (w.url.empty() == w.service_name.empty()) return Bad(hw + ".clientConfig", "needs exactly one of url and service");
      SIGNET_ASSIGN_OR_RETURN(w.failure_policy, Str(h, "failurePolicy", hw));
      if (w.failure_policy.empty()) w.failure_policy = "Fail";
      if (w.failure_policy != "Fail" && w.failure_policy != "Ignore") return Bad(hw + ".failurePolicy", "must be Fail or Ignore");
      if (const JsonValue* t = h.Find("timeoutSeconds"); t != nullptr && !t->is_null()) {
        auto secs = t->AsInt64();
        if (!secs.ok() || *secs < 1 || *secs > 30) return Bad(hw + ".timeoutSeconds", "must be 1..30");
        w.timeout_seconds = static_cast<int>(*secs);
      }
      SIGNET_ASSIGN_OR_RETURN(w.namespace_selector, ParseSelector(h.Find("namespaceSelector"), hw + ".namespaceSelector"));
      if (const JsonValue* rules = h.Find("rules"); rules != nullptr && !rules->is_null()) {
        if (!rules->is_array()) return Bad(hw + ".rules", "must be a list");
        for (size_t k = 0; k < rules->array().size(); ++k) {
          const JsonValue& r = rules->array()[k];
          std::string rw = hw + ".rules[" + std::to_string(k) + "]";
          if (!r.is_object()) return Bad(rw, "must be an object");
          WebhookRule rule;
          SIGNET_ASSIGN_OR_RETURN(rule.operations, StringList(r.Find("operations"), rw + ".operations"));
          SIGNET_ASSIGN_OR_RETURN(rule.api_groups, StringList(r.Find("apiGroups"), rw + ".apiGroups"));
          SIGNET_ASSIGN_OR_RETURN(rule.resources, StringList(r.Find("resources"), rw + ".resources"));
          w.rules.push_back(std::move(rule));
        }
      }
      if (out.size() >= kMaxItems) return Bad("items", "too many webhooks");
      out.push_back(std::move(w));
    }
  }
  return out;
}

namespace {

const YamlNode* Path(const YamlNode& n, std::initializer_list<std::string_view> keys) {
  const YamlNode* cur = &n;
  for (std::string_view k : keys) {
    if (cur->kind != YamlNode::Kind::kMap) return nullptr;
    cur = cur->Find(k);
    if (cur == nullptr) return nullptr;
  }
  return cur;
}

std::string ScalarOr(const YamlNode* n) {
  return n != nullptr && n->kind == YamlNode::Kind::kScalar ? n->scalar : std::string();
}

Status CollectContainers(const YamlNode* pod_spec, const RenderedImage& base, const std::string& where,
                         std::vector<RenderedImage>* out) {
  if (pod_spec == nullptr || pod_spec->kind != YamlNode::Kind::kMap) return Bad(where, "no pod spec");
  for (std::string_view key : {"initContainers", "containers"}) {
    const YamlNode* list = pod_spec->Find(key);
    if (list == nullptr || list->kind == YamlNode::Kind::kNull) continue;
    if (list->kind != YamlNode::Kind::kSequence) return Bad(where + "." + std::string(key), "must be a list");
    for (size_t i = 0; i < list->items.size(); ++i) {
      const YamlNode& c = list->items[i];
      std::string cw = where + "." + std::string(key) + "[" + std::to_string(i) + "] (line " + std::to_string(c.line) + ")";
      const YamlNode* image = c.Find("image");
      const YamlNode* name = c.Find("name");
      if (image == nullptr || image->kind != YamlNode::Kind::kScalar || image->scalar.empty()) {
        return Bad(cw + ".image", "must be a string");
      }
      RenderedImage r = base;
      r.container = ScalarOr(name);
      r.image = image->scalar;
      if (out->size() >= kMaxItems) return Bad(where, "too many containers");
      out->push_back(std::move(r));
    }
  }
  return OkStatus();
}

}  // namespace

Result<std::vector<RenderedImage>> ParseRenderedManifests(std::string_view file, std::string_view text) {
  std::vector<RenderedImage> out;
  // Split on document markers: a line that is "---" (optionally followed by spaces or a comment).
  std::vector<std::string_view> docs;
  size_t start = 0, pos = 0;
  while (pos <= text.size()) {
    size_t nl = text.find('\n', pos);
    std::string_view line = text.substr(pos, nl == std::string_view::npos ? std::string_view::npos : nl - pos);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    bool marker = line.substr(0, 3) == "---" && (line.size() == 3 || line[3] == ' ' || line[3] == '\t');
    if (marker) {
      docs.push_back(text.substr(start, pos - start));
      start = nl == std::string_view::npos ? text.size() : nl + 1;
    }
    if (nl == std::string_view::npos) break;
    pos = nl + 1;
  }
  docs.push_back(text.substr(start));
  for (size_t d = 0; d < docs.size(); ++d) {
    std::string where = std::string(file) + " document " + std::to_string(d + 1);
    auto tree = ParseYaml(docs[d]);
    if (!tree.ok()) return Bad(where, tree.error().message());
    const YamlNode& root = *tree;
    if (root.kind == YamlNode::Kind::kNull) continue;
    if (root.kind != YamlNode::Kind::kMap) return Bad(where, "must be a mapping");
    std::string kind = ScalarOr(root.Find("kind"));
    const YamlNode* spec = nullptr;
    if (kind == "Pod") {
      spec = root.Find("spec");
    } else if (kind == "Deployment" || kind == "StatefulSet" || kind == "DaemonSet" || kind == "ReplicaSet" ||
               kind == "Job" || kind == "ReplicationController") {
      spec = Path(root, {"spec", "template", "spec"});
    } else if (kind == "CronJob") {
      spec = Path(root, {"spec", "jobTemplate", "spec", "template", "spec"});
    } else {
      continue;
    }
    RenderedImage base;
    base.file = std::string(file);
    base.kind = kind;
    base.workload = ScalarOr(Path(root, {"metadata", "name"}));
    base.namespace_name = ScalarOr(Path(root, {"metadata", "namespace"}));
    if (base.workload.empty()) return Bad(where + ".metadata.name", "missing");
    SIGNET_RETURN_IF_ERROR(CollectContainers(spec, base, where + " " + kind + " spec", &out));
  }
  return out;
}

Result<std::vector<RenderedImage>> ReadRenderedDirectory(const std::string& dir) {
  namespace fs = std::filesystem;
  std::error_code ec;
  if (!fs::is_directory(dir, ec)) return InvalidArgument("--rendered: not a directory: " + dir);
  std::vector<fs::path> files;
  for (fs::recursive_directory_iterator it(dir, fs::directory_options::none, ec), end; !ec && it != end;
       it.increment(ec)) {
    if (it->is_symlink(ec)) continue;
    if (!it->is_regular_file(ec)) continue;
    std::string ext = it->path().extension().string();
    if (ext == ".yaml" || ext == ".yml") files.push_back(it->path());
    if (files.size() > kMaxItems) return InvalidArgument("--rendered: too many files");
  }
  if (ec) return InvalidArgument("--rendered: cannot list " + dir + ": " + ec.message());
  std::sort(files.begin(), files.end());
  std::vector<RenderedImage> out;
  for (const fs::path& f : files) {
    std::string rel = fs::relative(f, dir, ec).string();
    SIGNET_ASSIGN_OR_RETURN(std::string text, ReadFile(f.string(), 16 * 1024 * 1024));
    SIGNET_ASSIGN_OR_RETURN(auto images, ParseRenderedManifests(rel, text));
    out.insert(out.end(), images.begin(), images.end());
  }
  return out;
}

}  // namespace signet::audit
