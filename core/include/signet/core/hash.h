// SHA-2 helpers over OpenSSL's default provider.
#ifndef SIGNET_CORE_HASH_H_
#define SIGNET_CORE_HASH_H_

#include <string_view>

#include "signet/core/bytes.h"
#include "signet/core/result.h"

namespace signet {

enum class HashAlgorithm { kSha256, kSha384, kSha512 };

// HashName returns "sha256", "sha384" or "sha512".
std::string_view HashName(HashAlgorithm alg);
// HashSize returns the digest length in bytes.
size_t HashSize(HashAlgorithm alg);
// ParseHashName accepts exactly "sha256", "sha384" or "sha512".
Result<HashAlgorithm> ParseHashName(std::string_view name);

// Hash computes a digest. These cannot fail except on allocation failure, which aborts.
Bytes Hash(HashAlgorithm alg, ByteView data);
inline Bytes Sha256(ByteView data) { return Hash(HashAlgorithm::kSha256, data); }
inline Bytes Sha384(ByteView data) { return Hash(HashAlgorithm::kSha384, data); }
inline Bytes Sha512(ByteView data) { return Hash(HashAlgorithm::kSha512, data); }
inline Bytes Sha256(std::string_view data) { return Sha256(AsBytes(data)); }

// Hasher is an incremental digest for streaming large files.
class Hasher {
 public:
  explicit Hasher(HashAlgorithm alg);
  ~Hasher();
  Hasher(const Hasher&) = delete;
  Hasher& operator=(const Hasher&) = delete;
  void Update(ByteView data);
  Bytes Finish();

 private:
  void* ctx_;  // EVP_MD_CTX*, kept opaque so this header stays free of OpenSSL
};

// HashFile streams a regular file's contents through `alg` in 64 KiB chunks, so a file of any
// size is hashed in constant memory. The file is opened with OpenInputFile (file.h): a FIFO,
// device or directory is kInvalidArgument at once, a missing file kNotFound; a read error is
// kInternal.
Result<Bytes> HashFile(HashAlgorithm alg, const std::string& path);
// HashOpenFile streams the rest of an already opened regular file `fd` (not owned, e.g. from
// OpenInputFile) through `alg`, as HashFile does; `path` only names it in errors. Use it when
// the same descriptor is used afterwards (signet launch hashes the binary it then fexecve's).
Result<Bytes> HashOpenFile(HashAlgorithm alg, int fd, const std::string& path);
// Sha256File is HashFile with SHA-256.
inline Result<Bytes> Sha256File(const std::string& path) { return HashFile(HashAlgorithm::kSha256, path); }

}  // namespace signet

#endif  // SIGNET_CORE_HASH_H_
