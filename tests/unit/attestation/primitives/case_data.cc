#include "case_data.h"

#include <cstdlib>

#include <gtest/gtest.h>

#include "signet/attestation/merkle.h"
#include "signet/core/encoding.h"
#include "signet/core/file.h"
#include "test_env.h"

namespace signet::attestation::testdata {
namespace {

template <typename T>
T Must(Result<T> r, const char* what) {
  if (!r.ok()) {
    ADD_FAILURE() << what << ": " << r.error().ToString();
    std::abort();
  }
  return std::move(r).value();
}

std::string ReadText(const std::string& path) {
  return Must(ReadFile(path), path.c_str());
}

std::optional<Timestamp> Window(const JsonValue* valid_for, const char* key) {
  if (valid_for == nullptr) return std::nullopt;
  const JsonValue* v = valid_for->Find(key);
  if (v == nullptr) return std::nullopt;
  return Must(ParseRfc3339(v->string_value()), "validFor time");
}

// ParseKey accepts SPKI DER, falling back to a PKCS#1 RSAPublicKey (old CT log entries).
ossl::UniquePtr<EVP_PKEY> ParseKey(const Bytes& der) {
  auto k = ossl::ParsePublicKeyDer(der);
  if (k.ok()) return std::move(k).value();
  const unsigned char* p = der.data();
  ossl::UniquePtr<EVP_PKEY> rsa(d2i_PublicKey(EVP_PKEY_RSA, nullptr, &p, static_cast<long>(der.size())));
  ossl::DrainErrors();
  return rsa;
}

std::vector<TrustedRoot::Log> Logs(const JsonValue& root, const char* member) {
  std::vector<TrustedRoot::Log> out;
  const JsonValue* arr = root.Find(member);
  if (arr == nullptr) return out;
  for (const JsonValue& e : arr->array()) {
    TrustedRoot::Log log;
    const JsonValue* pk = e.Find("publicKey");
    log.key = ParseKey(Must(Base64Decode(pk->Find("rawBytes")->string_value()), "rawBytes"));
    log.log_id = Must(Base64Decode(e.Find("logId")->Find("keyId")->string_value()), "keyId");
    log.start = Window(pk->Find("validFor"), "start");
    log.end = Window(pk->Find("validFor"), "end");
    if (log.key) out.push_back(std::move(log));
  }
  return out;
}

std::vector<TrustedRoot::CertChain> Chains(const JsonValue& root, const char* member) {
  std::vector<TrustedRoot::CertChain> out;
  const JsonValue* arr = root.Find(member);
  if (arr == nullptr) return out;
  for (const JsonValue& e : arr->array()) {
    TrustedRoot::CertChain chain;
    for (const JsonValue& c : e.Find("certChain")->Find("certificates")->array()) {
      Bytes der = Must(Base64Decode(c.Find("rawBytes")->string_value()), "rawBytes");
      chain.certs.push_back(Must(ossl::ParseCertificateDer(der), "certificate"));
    }
    chain.start = Window(e.Find("validFor"), "start");
    chain.end = Window(e.Find("validFor"), "end");
    out.push_back(std::move(chain));
  }
  return out;
}

}  // namespace

std::string ConformanceDir() { return signet::testing::SharedDir() + "/conformance/bundle-verify"; }

std::vector<NoteKey> TrustedRoot::NoteKeys() const {
  std::vector<NoteKey> out;
  for (const Log& l : tlogs) out.push_back(NoteKey{l.log_id, l.key.get()});
  return out;
}

std::vector<CtLogKey> TrustedRoot::CtLogKeys() const {
  std::vector<CtLogKey> out;
  for (const Log& l : ctlogs) out.push_back(CtLogKey{l.log_id, l.key.get(), l.start, l.end});
  return out;
}

std::vector<TsaTrust> TrustedRoot::TsaTrusts() const {
  std::vector<TsaTrust> out;
  for (const CertChain& c : tsas) {
    TsaTrust t;
    for (const auto& x : c.certs) t.chain.push_back(x.get());
    t.valid_from = c.start;
    t.valid_to = c.end;
    out.push_back(std::move(t));
  }
  return out;
}

X509* TrustedRoot::IssuerOf(X509* leaf) const {
  for (const CertChain& c : cas) {
    for (const auto& x : c.certs) {
      if (X509_check_issued(x.get(), leaf) == X509_V_OK) return x.get();
    }
  }
  return nullptr;
}

TrustedRoot LoadTrustedRoot(const std::string& path) {
  JsonValue root = Must(ParseJson(ReadText(path)), path.c_str());
  TrustedRoot tr;
  tr.tlogs = Logs(root, "tlogs");
  tr.ctlogs = Logs(root, "ctlogs");
  tr.cas = Chains(root, "certificateAuthorities");
  tr.tsas = Chains(root, "timestampAuthorities");
  return tr;
}

Case LoadCase(const std::string& name) {
  Case c;
  c.name = name;
  std::string dir = ConformanceDir() + "/" + name;
  c.bundle = Must(ParseJson(ReadText(dir + "/bundle.sigstore.json")), "bundle");
  std::string root_path = dir + "/trusted_root.json";
  if (!ReadFile(root_path).ok()) {
    root_path = signet::testing::SharedDir() + "/vectors/trust/trusted_root.sigstore-public-good.json";
  }
  c.root = LoadTrustedRoot(root_path);
  return c;
}

Bytes Case::LeafDer() const {
  const JsonValue* vm = bundle.Find("verificationMaterial");
  const JsonValue* cert = vm->Find("certificate");
  if (cert == nullptr) {
    cert = &vm->Find("x509CertificateChain")->Find("certificates")->array().at(0);
  }
  return Must(Base64Decode(cert->Find("rawBytes")->string_value()), "cert rawBytes");
}

Bytes Case::Signature() const {
  if (const JsonValue* ms = bundle.Find("messageSignature")) {
    return Must(Base64Decode(ms->Find("signature")->string_value()), "signature");
  }
  const JsonValue& sig = bundle.Find("dsseEnvelope")->Find("signatures")->array().at(0);
  return Must(Base64Decode(sig.Find("sig")->string_value()), "dsse sig");
}

std::vector<Bytes> Case::Timestamps() const {
  std::vector<Bytes> out;
  const JsonValue* tvd = bundle.Find("verificationMaterial")->Find("timestampVerificationData");
  if (tvd == nullptr || tvd->Find("rfc3161Timestamps") == nullptr) return out;
  for (const JsonValue& t : tvd->Find("rfc3161Timestamps")->array()) {
    out.push_back(Must(Base64Decode(t.Find("signedTimestamp")->string_value()), "timestamp"));
  }
  return out;
}

const JsonValue& Case::Entry() const {
  return bundle.Find("verificationMaterial")->Find("tlogEntries")->array().at(0);
}

bool Case::HasInclusionProof() const {
  const JsonValue* ip = Entry().Find("inclusionProof");
  return ip != nullptr && ip->Find("checkpoint") != nullptr;
}

std::string Case::CheckpointEnvelope() const {
  return Entry().Find("inclusionProof")->Find("checkpoint")->Find("envelope")->string_value();
}

uint64_t Case::ProofIndex() const {
  return std::strtoull(Entry().Find("inclusionProof")->Find("logIndex")->string_value().c_str(),
                       nullptr, 10);
}

uint64_t Case::ProofTreeSize() const {
  return std::strtoull(Entry().Find("inclusionProof")->Find("treeSize")->string_value().c_str(),
                       nullptr, 10);
}

Bytes Case::ProofRoot() const {
  return Must(Base64Decode(Entry().Find("inclusionProof")->Find("rootHash")->string_value()),
              "rootHash");
}

std::vector<Bytes> Case::ProofHashes() const {
  std::vector<Bytes> out;
  for (const JsonValue& h : Entry().Find("inclusionProof")->Find("hashes")->array()) {
    out.push_back(Must(Base64Decode(h.string_value()), "hash"));
  }
  return out;
}

Bytes Case::LeafHash() const {
  return MerkleLeafHash(
      Must(Base64Decode(Entry().Find("canonicalizedBody")->string_value()), "body"));
}

}  // namespace signet::attestation::testdata
