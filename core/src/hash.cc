#include "signet/core/hash.h"

#include <cerrno>
#include <cstdlib>
#include <cstring>

#include <openssl/evp.h>
#include <unistd.h>

#include "signet/core/file.h"

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
  // The same type checks as every input (regular files only, no blocking on a FIFO), then a
  // bounded buffer at a time: files of any size hash in constant memory.
  SIGNET_ASSIGN_OR_RETURN(UniqueFd fd, OpenInputFile(path));
  return HashOpenFile(alg, fd.get(), path);
}

Result<Bytes> HashOpenFile(HashAlgorithm alg, int fd, const std::string& path) {
  Hasher h(alg);
  uint8_t buf[65536];
  while (true) {
    const ssize_t n = ::read(fd, buf, sizeof buf);
    if (n < 0) {
      if (errno == EINTR) continue;
      return Internal("read error on " + path + ": " + std::strerror(errno));
    }
    if (n == 0) break;
    h.Update(ByteView(buf, static_cast<size_t>(n)));
  }
  return h.Finish();
}

}  // namespace signet
