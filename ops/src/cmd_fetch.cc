// `signet fetch-evidence REG/REPO@sha256:HEX --out DIR`: copy the signatures and attestations a
// registry holds about one image into a directory that `signet gate`, `signet verify-image` and
// verifierd's evidence store read like local files. Nothing is verified here (see
// registry/evidence.h); everything fetched is digest-checked.
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <memory>
#include <string>

#include "signet/core/encoding.h"
#include "signet/core/file.h"
#include "signet/core/hash.h"
#include "signet/core/json.h"
#include "signet/core/unique_fd.h"
#include "signet/ops/commands.h"
#include "signet/ops/exit_codes.h"
#include "signet/registry/evidence.h"
#include "signet/registry/registry.h"

namespace signet::ops {
namespace {

namespace fs = std::filesystem;

struct FetchFlags {
  std::string reference, out, registry_config, registry_ca;
  bool json = false;
};

Status WriteSynced(const std::string& path, std::string_view data) {
  UniqueFd fd(::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0644));
  if (!fd.valid()) return Internal("cannot create " + path + ": " + std::strerror(errno));
  size_t done = 0;
  while (done < data.size()) {
    ssize_t n = ::write(fd.get(), data.data() + done, data.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return Internal("cannot write " + path + ": " + std::strerror(errno));
    done += static_cast<size_t>(n);
  }
  if (::fsync(fd.get()) != 0) return Internal("cannot sync " + path + ": " + std::strerror(errno));
  return OkStatus();
}

Status SyncDirectory(const std::string& dir) {
  UniqueFd fd(::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (!fd.valid() || ::fsync(fd.get()) != 0) return Internal("cannot sync directory " + dir);
  return OkStatus();
}

// CheckOut refuses an --out that exists and is anything but an empty directory (Signet never
// deletes what it did not write) or whose parent does not exist.
Status CheckOut(const std::string& out) {
  std::error_code ec;
  fs::path path(out);
  fs::path parent = path.has_parent_path() ? path.parent_path() : fs::path(".");
  if (!fs::is_directory(parent, ec)) return NotFound("--out: the parent directory does not exist");
  fs::file_status st = fs::symlink_status(path, ec);
  if (ec || st.type() == fs::file_type::not_found) return OkStatus();
  if (st.type() != fs::file_type::directory || !fs::is_empty(path, ec)) {
    return InvalidArgument("--out must be a new or empty directory: " + out);
  }
  return OkStatus();
}

// Publish writes every item and evidence.json into a staging directory beside `out`, then renames
// it into place: a reader sees no directory or the whole set.
Status Publish(const std::string& out, const registry::FetchedEvidence& evidence, const std::string& reference,
               std::string* index_json) {
  fs::path path(out);
  std::string parent = path.has_parent_path() ? path.parent_path().string() : std::string(".");
  std::string tmpl = (fs::path(parent) / ("." + path.filename().string() + ".fetch-XXXXXX")).string();
  std::vector<char> buffer(tmpl.begin(), tmpl.end());
  buffer.push_back('\0');
  if (::mkdtemp(buffer.data()) == nullptr) return Internal("cannot create a staging directory beside --out");
  std::string staging(buffer.data());
  auto discard = [&] {
    std::error_code ec;
    fs::remove_all(staging, ec);
  };
  JsonValue items = JsonValue::MakeArray();
  for (const registry::EvidenceItem& item : evidence.items) {
    Status written = WriteSynced(staging + "/" + item.name, item.bytes);
    if (!written.ok()) {
      discard();
      return written;
    }
    JsonValue entry;
    entry.Set("name", JsonValue::String(item.name))
        .Set("sha256", JsonValue::String(HexEncode(Sha256(item.bytes))))
        .Set("source", JsonValue::String(item.source));
    items.Push(std::move(entry));
  }
  JsonValue index;
  index.Set("image", JsonValue::String(reference))
      .Set("digest", JsonValue::String(evidence.image.digest))
      .Set("mediaType", JsonValue::String(evidence.image.media_type))
      .Set("items", std::move(items));
  *index_json = WriteJson(index, 2);
  Status written = WriteSynced(staging + "/evidence.json", *index_json + "\n");
  if (written.ok()) written = SyncDirectory(staging);
  if (!written.ok()) {
    discard();
    return written;
  }
  std::error_code ec;
  if (fs::is_directory(path, ec)) fs::remove(path, ec);  // CheckOut allowed only an empty one
  if (::rename(staging.c_str(), out.c_str()) != 0) {
    int err = errno;
    discard();
    return Internal("cannot move the evidence into --out: " + std::string(std::strerror(err)));
  }
  return SyncDirectory(parent);
}

int RunFetch(const FetchFlags& f) {
  auto location = registry::SplitImageReference(f.reference);
  if (!location.ok()) return ReportError(location.error());
  if (Status out = CheckOut(f.out); !out.ok()) return ReportError(out.error());
  registry::RegistryOptions options;
  options.registry_config = f.registry_config;
  options.registry_ca = f.registry_ca;
  auto reg = registry::Registry::Open(location->host, options);
  if (!reg.ok()) return ReportError(reg.error());
  auto evidence = registry::FetchEvidence(**reg, location->repository, location->digest);
  if (!evidence.ok()) return ReportError(evidence.error());
  std::string index;
  if (Status published = Publish(f.out, *evidence, f.reference, &index); !published.ok()) {
    return ReportError(published.error());
  }
  if (f.json) {
    std::printf("%s\n", index.c_str());
  } else {
    std::printf("fetched %zu evidence file(s) for %s into %s\n", evidence->items.size(), f.reference.c_str(),
                f.out.c_str());
    for (const auto& item : evidence->items) std::printf("  %s  (%s)\n", item.name.c_str(), item.source.c_str());
  }
  return kExitOk;
}

}  // namespace

void RegisterFetchCommand(Cli& cli) {
  auto flags = std::make_shared<FetchFlags>();
  auto* fetch = cli.app.add_subcommand(
      "fetch-evidence",
      "Copy what a registry holds about one image into a new directory: cosign's signature,\n"
      "attestation and SBOM tags (sha256-<hex>.sig/.att/.sbom) and OCI 1.1 referrers (the\n"
      "referrers API, or the sha256-<hex> referrers tag). Every manifest and blob is checked against\n"
      "its digest; nothing is verified against a policy (use `signet gate` or verifierd on the\n"
      "directory). A simple-signing payload is written as <stem>.json with its signature in\n"
      "<stem>.sig; evidence.json lists every file with its SHA-256 and where it came from.\n"
      "The directory appears whole or not at all.\n"
      "Exit 0: fetched; 1: content did not match its digest (REGISTRY_DIGEST_MISMATCH) or the\n"
      "reference has no digest; 2: bad reference, --out not new/empty, image not found, bad\n"
      "registry config, credentials missing or refused; 3: registry unreachable or failing.");
  fetch->add_option("IMAGE", flags->reference, "REGISTRY/REPO@sha256:HEX")->required();
  fetch->add_option("--out", flags->out, "A new (or empty) directory to write the evidence into")->required();
  fetch->add_option("--registry-config", flags->registry_config,
                    "A docker config.json with the registry's credentials (auths entries; helpers are not run)");
  fetch->add_option("--registry-ca", flags->registry_ca,
                    "A PEM CA bundle trusted for the registry in addition to the system store");
  fetch->add_flag("--json", flags->json, "Print evidence.json instead of a summary");
  fetch->callback([&cli, flags] { cli.action = [flags] { return RunFetch(*flags); }; });
}

}  // namespace signet::ops
