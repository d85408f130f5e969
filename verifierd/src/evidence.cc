#include "signet/verifierd/evidence.h"

#include <algorithm>
#include <filesystem>
#include <system_error>

#include "signet/core/encoding.h"
#include "signet/core/file.h"
#include "signet/core/hash.h"
#include "signet/core/json.h"
#include "signet/policy/image_ref.h"
#include "signet/policy/provenance.h"

namespace signet::verifierd {

namespace {

bool IsLowerHex64(const std::string& s) {
  return s.size() == 64 && s.find_first_not_of("0123456789abcdef") == std::string::npos;
}

// PeekPayload reads an UNVERIFIED in-toto payload: only its predicateType and sha256 subjects.
void PeekPayload(const Bytes& payload, std::vector<PeekedStatement>& out) {
  auto v = ParseJson(std::string_view(reinterpret_cast<const char*>(payload.data()), payload.size()));
  if (!v.ok() || !v->is_object()) return;
  PeekedStatement st;
  if (const JsonValue* pt = v->Find("predicateType"); pt != nullptr && pt->is_string()) {
    st.predicate_type = pt->string_value();
  }
  if (const JsonValue* subs = v->Find("subject"); subs != nullptr && subs->is_array()) {
    for (const auto& s : subs->array()) {
      const JsonValue* d = s.Find("digest");
      const JsonValue* h = d != nullptr ? d->Find("sha256") : nullptr;
      if (h != nullptr && h->is_string() && IsLowerHex64(h->string_value())) {
        st.sha256_subjects.push_back(h->string_value());
      }
    }
  }
  out.push_back(std::move(st));
}

// SimpleSigningDigest returns the hex digest a cosign simple-signing payload names, or "".
std::string SimpleSigningDigest(const std::string& bytes) {
  if (bytes.find("cosign container image signature") == std::string::npos) return "";
  auto v = ParseJson(bytes);
  if (!v.ok()) return "";
  const JsonValue* critical = v->Find("critical");
  const JsonValue* type = critical != nullptr ? critical->Find("type") : nullptr;
  const JsonValue* image = critical != nullptr ? critical->Find("image") : nullptr;
  const JsonValue* digest = image != nullptr ? image->Find("docker-manifest-digest") : nullptr;
  if (type == nullptr || !type->is_string() || type->string_value() != "cosign container image signature" ||
      digest == nullptr || !digest->is_string()) {
    return "";
  }
  const std::string& d = digest->string_value();
  if (d.rfind("sha256:", 0) != 0 || !IsLowerHex64(d.substr(7))) return "";
  return d.substr(7);
}

}  // namespace

std::vector<PeekedStatement> PeekStatements(const std::string& name, const std::string& bytes) {
  std::vector<PeekedStatement> out;
  policy::EvidenceSet set = policy::ReadEvidence({policy::EvidenceInput{name, bytes}});
  for (const auto& c : set.candidates) {
    if (c.envelope) {
      PeekPayload(c.envelope->payload, out);
    } else if (c.bundle && c.bundle->dsse_envelope) {
      PeekPayload(c.bundle->dsse_envelope->payload, out);
    }
  }
  return out;
}

EvidenceFile ClassifyEvidence(std::string name, std::string bytes) {
  EvidenceFile f;
  f.name = std::move(name);
  f.bytes = std::move(bytes);
  f.sha256 = HexEncode(Sha256(f.bytes));
  if (std::string d = SimpleSigningDigest(f.bytes); !d.empty()) {
    f.role = EvidenceRole::kSimpleSigning;
    f.subject_digests.insert(d);
    return f;
  }
  bool provenance = false, signature = false, vsa = false, other = false;
  for (const auto& st : PeekStatements(f.name, f.bytes)) {
    f.predicate_types.insert(st.predicate_type);
    f.subject_digests.insert(st.sha256_subjects.begin(), st.sha256_subjects.end());
    if (policy::IsSlsaProvenanceType(st.predicate_type)) {
      provenance = true;
    } else if (st.predicate_type == policy::kCosignSignPredicate) {
      signature = true;
    } else if (st.predicate_type == policy::kVsaPredicate) {
      vsa = true;
    } else {
      other = true;
    }
  }
  if (provenance || (!signature && !vsa && !other)) {
    f.role = EvidenceRole::kProvenance;
  } else if (other) {
    f.role = EvidenceRole::kAttestation;
  } else if (signature && !vsa) {
    f.role = EvidenceRole::kSignature;
  } else if (vsa && !signature) {
    f.role = EvidenceRole::kVsa;
  } else {
    f.role = EvidenceRole::kAttestation;  // a mixed file is no Signet output: let the gate judge it
  }
  return f;
}

void PairSimpleSignatures(std::vector<EvidenceFile>& files) {
  std::vector<bool> consumed(files.size(), false);
  for (size_t i = 0; i < files.size(); ++i) {
    if (files[i].role != EvidenceRole::kSimpleSigning) continue;
    std::string stem = files[i].name;
    if (stem.size() > 5 && stem.compare(stem.size() - 5, 5, ".json") == 0) stem.resize(stem.size() - 5);
    for (size_t j = 0; j < files.size(); ++j) {
      if (j != i && !consumed[j] && files[j].name == stem + ".sig") {
        files[i].signature = files[j].bytes;
        consumed[j] = true;
        break;
      }
    }
  }
  std::vector<EvidenceFile> out;
  for (size_t i = 0; i < files.size(); ++i) {
    if (!consumed[i]) out.push_back(std::move(files[i]));
  }
  files = std::move(out);
}

Result<std::shared_ptr<const EvidenceStore>> EvidenceStore::Build(const std::vector<std::string>& directories) {
  auto store = std::make_shared<EvidenceStore>();
  std::vector<EvidenceFile> files;
  for (const auto& dir : directories) {
    std::error_code ec;
    auto st = std::filesystem::symlink_status(dir, ec);
    if (ec || !std::filesystem::is_directory(st)) {
      return InvalidArgument("evidence directory " + dir + " is not a directory (a symbolic link is not followed)");
    }
    // recursive_directory_iterator without follow_directory_symlink never enters a linked
    // directory; symlink_status() below refuses linked files, so nothing outside the tree is read.
    std::filesystem::recursive_directory_iterator it(dir, std::filesystem::directory_options::skip_permission_denied, ec);
    if (ec) return InvalidArgument("evidence directory " + dir + " cannot be read");
    std::vector<std::string> paths;
    for (; it != std::filesystem::recursive_directory_iterator(); it.increment(ec)) {
      if (ec) break;
      auto s = it->symlink_status(ec);
      if (ec) {
        ++store->stats_.skipped;
        ec.clear();
        continue;
      }
      if (std::filesystem::is_directory(s)) continue;
      if (!std::filesystem::is_regular_file(s)) {
        ++store->stats_.skipped;
        continue;
      }
      paths.push_back(it->path().string());
    }
    if (ec) return InvalidArgument("evidence directory " + dir + " cannot be read completely");
    std::sort(paths.begin(), paths.end());
    for (const auto& p : paths) {
      auto bytes = ReadFile(p, policy::kMaxEvidenceBytes);
      if (!bytes.ok()) {
        ++store->stats_.skipped;
        continue;
      }
      std::string rel = std::filesystem::path(p).lexically_relative(dir).string();
      files.push_back(ClassifyEvidence(rel, std::move(*bytes)));
    }
  }
  PairSimpleSignatures(files);
  for (auto& f : files) {
    if (f.subject_digests.empty()) {
      ++store->stats_.skipped;  // names no digest: nothing would ever look it up
      continue;
    }
    ++store->stats_.files;
    auto shared = std::make_shared<const EvidenceFile>(std::move(f));
    for (const auto& d : shared->subject_digests) store->by_digest_[d].push_back(shared);
  }
  return std::shared_ptr<const EvidenceStore>(std::move(store));
}

std::vector<std::shared_ptr<const EvidenceFile>> EvidenceStore::Lookup(const std::string& digest_hex) const {
  auto it = by_digest_.find(digest_hex);
  if (it == by_digest_.end()) return {};
  return it->second;
}

}  // namespace signet::verifierd
