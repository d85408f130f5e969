// registry_probe: one registry::Registry call per run, for the registry tests (against a scripted
// registry and against Debian's docker-registry). Prints the result on stdout; on an error prints
// "ERROR <code> <finding>: <message>" and exits 1.
//
//   registry_probe --host H [--config FILE] [--ca PEM] OP ARGS...
//     manifest REPO REF            digest, media type, then one line per child (index) or layer
//     exists REPO REF              "true" / "false"
//     blob REPO DIGEST             digest and size
//     put-blob REPO FILE           digest
//     put-manifest REPO REF TYPE FILE   digest
//     tags REPO                    one tag per line
//     referrers REPO DIGEST [TYPE] one "digest artifactType" per line
//     push-sig REPO DIGEST PAYLOAD SIG      the .sig manifest's digest (registry/push.h)
//     push-referrer REPO DIGEST TYPE FILE   the referrer's digest (subject read from the registry)
#include <cstdio>
#include <fstream>
#include <iostream>
#include <sstream>
#include <string>
#include <vector>

#include "signet/registry/push.h"
#include "signet/registry/registry.h"

namespace {

using signet::registry::Registry;

int Fail(const signet::Error& error) {
  std::printf("ERROR %s %s: %s\n", std::string(signet::ErrorCodeName(error.code())).c_str(),
              error.finding().empty() ? "-" : error.finding().c_str(), error.message().c_str());
  return 1;
}

std::string ReadAll(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

int Usage() {
  std::fprintf(stderr, "usage: registry_probe --host H [--config FILE] [--ca PEM] OP ARGS...\n");
  return 2;
}

}  // namespace

int main(int argc, char** argv) {
  std::vector<std::string> args(argv + 1, argv + argc);
  signet::registry::RegistryOptions options;
  options.use_system_store = false;
  options.timeout = std::chrono::milliseconds(10000);
  std::string host;
  size_t i = 0;
  for (; i + 1 < args.size() && args[i].rfind("--", 0) == 0; i += 2) {
    if (args[i] == "--host") host = args[i + 1];
    else if (args[i] == "--config") options.registry_config = args[i + 1];
    else if (args[i] == "--ca") options.registry_ca = args[i + 1];
    else return Usage();
  }
  if (host.empty() || i >= args.size()) return Usage();
  std::string op = args[i];
  std::vector<std::string> rest(args.begin() + static_cast<long>(i) + 1, args.end());
  auto registry = Registry::Open(host, options);
  if (!registry.ok()) return Fail(registry.error());
  Registry& r = **registry;

  if (op == "manifest" && rest.size() == 2) {
    auto m = r.GetManifest(rest[0], rest[1]);
    if (!m.ok()) return Fail(m.error());
    std::printf("%s %s\n", m->digest.c_str(), m->media_type.c_str());
    for (const auto& d : m->is_index ? m->manifests : m->layers) {
      std::string platform = d.platform ? d.platform->os + "/" + d.platform->architecture : "-";
      std::printf("%s %s %s\n", d.digest.c_str(), d.media_type.c_str(), platform.c_str());
    }
    return 0;
  }
  if (op == "exists" && rest.size() == 2) {
    auto e = r.ManifestExists(rest[0], rest[1]);
    if (!e.ok()) return Fail(e.error());
    std::printf("%s\n", *e ? "true" : "false");
    return 0;
  }
  if (op == "blob" && rest.size() == 2) {
    auto b = r.GetBlob(rest[0], rest[1]);
    if (!b.ok()) return Fail(b.error());
    std::printf("%s %zu\n", rest[1].c_str(), b->size());
    return 0;
  }
  if (op == "put-blob" && rest.size() == 2) {
    auto d = r.PutBlob(rest[0], ReadAll(rest[1]));
    if (!d.ok()) return Fail(d.error());
    std::printf("%s\n", d->c_str());
    return 0;
  }
  if (op == "put-manifest" && rest.size() == 4) {
    auto d = r.PutManifest(rest[0], rest[1], rest[2], ReadAll(rest[3]));
    if (!d.ok()) return Fail(d.error());
    std::printf("%s\n", d->c_str());
    return 0;
  }
  if (op == "tags" && rest.size() == 1) {
    auto t = r.ListTags(rest[0]);
    if (!t.ok()) return Fail(t.error());
    for (const auto& tag : *t) std::printf("%s\n", tag.c_str());
    return 0;
  }
  if (op == "referrers" && (rest.size() == 2 || rest.size() == 3)) {
    auto refs = r.Referrers(rest[0], rest[1], rest.size() == 3 ? rest[2] : "");
    if (!refs.ok()) return Fail(refs.error());
    for (const auto& d : *refs) std::printf("%s %s\n", d.digest.c_str(), d.artifact_type.c_str());
    return 0;
  }
  if (op == "push-sig" && rest.size() == 4) {
    auto d = signet::registry::PushCosignSignature(r, rest[0], rest[1], ReadAll(rest[2]), rest[3]);
    if (!d.ok()) return Fail(d.error());
    std::printf("%s\n", d->c_str());
    return 0;
  }
  if (op == "push-referrer" && rest.size() == 4) {
    auto m = r.GetManifest(rest[0], rest[1]);
    if (!m.ok()) return Fail(m.error());
    signet::registry::Descriptor subject;
    subject.media_type = m->media_type;
    subject.digest = m->digest;
    subject.size = static_cast<int64_t>(m->bytes.size());
    signet::registry::ReferrerArtifact artifact;
    artifact.artifact_type = rest[2];
    artifact.media_type = rest[2];
    artifact.bytes = ReadAll(rest[3]);
    auto d = signet::registry::PushReferrer(r, rest[0], subject, artifact);
    if (!d.ok()) return Fail(d.error());
    std::printf("%s\n", d->c_str());
    return 0;
  }
  return Usage();
}
