// Small OpenSSL helpers shared by the benchmark drivers (not product code).
#ifndef SIGNET_BENCH_BENCH_CRYPTO_H_
#define SIGNET_BENCH_BENCH_CRYPTO_H_

#include <openssl/evp.h>

#include "signet/core/bytes.h"
#include "signet/core/ossl.h"

namespace signet::bench {

// SignSha256Der signs `msg` with `key` (SHA-256; DER for ECDSA) to make benchmark inputs.
inline Bytes SignSha256Der(EVP_PKEY* key, ByteView msg) {
  ossl::UniquePtr<EVP_MD_CTX> ctx(EVP_MD_CTX_new());
  size_t len = 0;
  EVP_DigestSignInit(ctx.get(), nullptr, EVP_sha256(), nullptr, key);
  EVP_DigestSign(ctx.get(), nullptr, &len, msg.data(), msg.size());
  Bytes sig(len);
  EVP_DigestSign(ctx.get(), sig.data(), &len, msg.data(), msg.size());
  sig.resize(len);
  return sig;
}

}  // namespace signet::bench

#endif  // SIGNET_BENCH_BENCH_CRYPTO_H_
