#include "test_util.h"

#include <cstdio>
#include <cstdlib>

#include <openssl/rsa.h>

#include "signet/core/file.h"

namespace signet::attestation::testutil {

std::string Shared(const std::string& relative) {
  const char* dir = std::getenv("SIGNET_SHARED_DIR");
  std::string path = std::string(dir ? dir : "../shared") + "/" + relative;
  auto data = ReadFile(path);
  if (!data.ok()) {
    std::fprintf(stderr, "missing shared file %s\n", path.c_str());
    std::abort();
  }
  return *data;
}

std::string Conformance(const std::string& name, const std::string& file) {
  return Shared("conformance/bundle-verify/" + name + "/" + file);
}

std::string PublicGoodRoot() { return Shared("vectors/trust/trusted_root.sigstore-public-good.json"); }

ossl::UniquePtr<EVP_PKEY> NewKey(const std::string& type) {
  EVP_PKEY* k = nullptr;
  if (type == "P-256" || type == "P-384") {
    k = EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", type.c_str());
  } else if (type == "ED25519") {
    k = EVP_PKEY_Q_keygen(nullptr, nullptr, "ED25519");
  } else {
    k = EVP_PKEY_Q_keygen(nullptr, nullptr, "RSA", static_cast<size_t>(2048));
  }
  if (k == nullptr) std::abort();
  return ossl::UniquePtr<EVP_PKEY>(k);
}

PublicKey Public(EVP_PKEY* key) {
  auto der = ossl::PublicKeyToDer(key);
  auto pk = PublicKey::FromSpkiDer(*der);
  if (!pk.ok()) std::abort();
  return *pk;
}

Bytes Sign(EVP_PKEY* key, ByteView msg) {
  ossl::UniquePtr<EVP_MD_CTX> ctx(EVP_MD_CTX_new());
  EVP_PKEY_CTX* pctx = nullptr;
  const EVP_MD* md = nullptr;
  int id = EVP_PKEY_get_base_id(key);
  if (id == EVP_PKEY_EC) md = EVP_PKEY_get_bits(key) > 256 ? EVP_sha384() : EVP_sha256();
  if (id == EVP_PKEY_RSA) md = EVP_sha256();
  if (EVP_DigestSignInit(ctx.get(), &pctx, md, nullptr, key) != 1) std::abort();
  if (id == EVP_PKEY_RSA) {
    EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_PKCS1_PSS_PADDING);
    EVP_PKEY_CTX_set_rsa_pss_saltlen(pctx, RSA_PSS_SALTLEN_DIGEST);
  }
  size_t len = 0;
  if (EVP_DigestSign(ctx.get(), nullptr, &len, msg.data(), msg.size()) != 1) std::abort();
  Bytes sig(len);
  if (EVP_DigestSign(ctx.get(), sig.data(), &len, msg.data(), msg.size()) != 1) std::abort();
  sig.resize(len);
  return sig;
}

Bytes Flip(Bytes b, long index) {
  size_t i = index < 0 ? b.size() - static_cast<size_t>(-index) : static_cast<size_t>(index);
  b.at(i) ^= 0x01;
  return b;
}

JsonValue* JsonAt(JsonValue& doc, std::string_view path) {
  JsonValue* cur = &doc;
  while (!path.empty()) {
    size_t dot = path.find('.');
    std::string_view part = path.substr(0, dot);
    path = dot == std::string_view::npos ? std::string_view() : path.substr(dot + 1);
    if (cur->is_array()) {
      cur = &cur->mutable_array().at(std::stoul(std::string(part)));
    } else {
      JsonValue* next = nullptr;
      for (auto& [k, v] : cur->mutable_object()) {
        if (k == part) next = &v;
      }
      if (next == nullptr) {
        std::fprintf(stderr, "JsonAt: no member %.*s\n", static_cast<int>(part.size()), part.data());
        std::abort();
      }
      cur = next;
    }
  }
  return cur;
}

}  // namespace signet::attestation::testutil
