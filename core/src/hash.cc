#include "signet/core/hash.h"

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>

#include <openssl/evp.h>

namespace signet {

namespace {
const EVP_MD* Md(HashAlgorithm alg) {
  switch (alg) {
    case HashAlgorithm::kSha256: return EVP_sha256();
    case HashAlgorithm::kSha384: return EVP_sha384();
    case HashAlgorithm::kSha512: return EVP_sha512();
  }
  std::abort();
}
}  // namespace

std::string_view HashName(HashAlgorithm alg) {
  switch (alg) {
    case HashAlgorithm::kSha256: return "sha256";
    case HashAlgorithm::kSha384: return "sha384";
    case HashAlgorithm::kSha512: return "sha512";
  }
  return "";
}

size_t HashSize(HashAlgorithm alg) {
  switch (alg) {
    case HashAlgorithm::kSha256: return 32;
    case HashAlgorithm::kSha384: return 48;
    case HashAlgorithm::kSha512: return 64;
  }
  return 0;
}

Result<HashAlgorithm> ParseHashName(std::string_view name) {
  if (name == "sha256") return HashAlgorithm::kSha256;
  if (name == "sha384") return HashAlgorithm::kSha384;
  if (name == "sha512") return HashAlgorithm::kSha512;
  return InvalidArgument("unsupported hash algorithm");
}

Bytes Hash(HashAlgorithm alg, ByteView data) {
  Bytes out(HashSize(alg));
  unsigned int n = 0;
  if (EVP_Digest(data.data(), data.size(), out.data(), &n, Md(alg), nullptr) != 1) std::abort();
  return out;
}

Hasher::Hasher(HashAlgorithm alg) : ctx_(EVP_MD_CTX_new()) {
  if (ctx_ == nullptr || EVP_DigestInit_ex(static_cast<EVP_MD_CTX*>(ctx_), Md(alg), nullptr) != 1) std::abort();
}
Hasher::~Hasher() { EVP_MD_CTX_free(static_cast<EVP_MD_CTX*>(ctx_)); }
void Hasher::Update(ByteView data) {
  if (EVP_DigestUpdate(static_cast<EVP_MD_CTX*>(ctx_), data.data(), data.size()) != 1) std::abort();
}
Bytes Hasher::Finish() {
  Bytes out(EVP_MAX_MD_SIZE);
  unsigned int n = 0;
  if (EVP_DigestFinal_ex(static_cast<EVP_MD_CTX*>(ctx_), out.data(), &n) != 1) std::abort();
  out.resize(n);
  return out;
}

Result<Bytes> HashFile(HashAlgorithm alg, const std::string& path) {
  std::FILE* f = std::fopen(path.c_str(), "rb");
  if (f == nullptr) return NotFound("cannot open " + path + ": " + std::strerror(errno));
  Hasher h(alg);
  uint8_t buf[65536];
  size_t n;
  while ((n = std::fread(buf, 1, sizeof buf, f)) > 0) h.Update(ByteView(buf, n));
  bool err = std::ferror(f) != 0;
  std::fclose(f);
  if (err) return Internal("read error on " + path);
  return h.Finish();
}

}  // namespace signet
