// `signet attest tls-key`: a TLS server key in the TPM and a CSR for it (see tls_key.h).
#include "signet/attester/tls_key.h"

#include <openssl/asn1.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <memory>
#include <utility>

#include "signet/attestation/tpm_structs.h"
#include "signet/core/encoding.h"
#include "signet/core/file.h"
#include "signet/core/hash.h"
#include "signet/core/ossl.h"

namespace signet::attester {
namespace {

namespace att = signet::attestation;

struct ReqFree {
  void operator()(X509_REQ* p) const { X509_REQ_free(p); }
};
struct GensFree {
  void operator()(GENERAL_NAMES* p) const { GENERAL_NAMES_free(p); }
};
struct ExtsFree {
  void operator()(STACK_OF(X509_EXTENSION) * p) const {
    sk_X509_EXTENSION_pop_free(p, X509_EXTENSION_free);
  }
};
struct AlgorFree {
  void operator()(X509_ALGOR* p) const { X509_ALGOR_free(p); }
};

// DER (X.690 §8.1.3) tag-length-value with a definite length; values here are < 64 KiB.
void AppendTlv(uint8_t tag, ByteView value, Bytes* out) {
  out->push_back(tag);
  const size_t n = value.size();
  if (n < 0x80) {
    out->push_back(static_cast<uint8_t>(n));
  } else if (n <= 0xff) {
    out->push_back(0x81);
    out->push_back(static_cast<uint8_t>(n));
  } else {
    out->push_back(0x82);
    out->push_back(static_cast<uint8_t>(n >> 8));
    out->push_back(static_cast<uint8_t>(n));
  }
  out->insert(out->end(), value.begin(), value.end());
}

Error OsslError(std::string what) {
  std::string queue = ossl::DrainErrors();
  if (!queue.empty()) what += " (" + queue + ")";
  return Internal(std::move(what));
}

Result<ossl::UniquePtr<X509_NAME>> SubjectName(std::string_view subject) {
  if (subject.empty() || subject.front() != '/' || subject.size() > 1024) {
    return InvalidArgument("--subject must look like /CN=name[/O=org...]");
  }
  ossl::UniquePtr<X509_NAME> name(X509_NAME_new());
  if (!name) return OsslError("cannot allocate a name");
  size_t pos = 1;
  while (pos <= subject.size()) {
    size_t end = subject.find('/', pos);
    if (end == std::string_view::npos) end = subject.size();
    std::string_view rdn = subject.substr(pos, end - pos);
    const size_t eq = rdn.find('=');
    if (eq == std::string_view::npos || eq == 0 || eq + 1 == rdn.size() ||
        rdn.find('\\') != std::string_view::npos) {
      return InvalidArgument("--subject: each part must be KEY=VALUE (no escapes)");
    }
    std::string key(rdn.substr(0, eq));
    std::string value(rdn.substr(eq + 1));
    if (X509_NAME_add_entry_by_txt(name.get(), key.c_str(), MBSTRING_UTF8,
                                   reinterpret_cast<const unsigned char*>(value.data()),
                                   static_cast<int>(value.size()), -1, 0) != 1) {
      ossl::DrainErrors();
      return InvalidArgument("--subject: unknown attribute " + key + " or bad value");
    }
    pos = end + 1;
  }
  return name;
}

Result<std::unique_ptr<GENERAL_NAMES, GensFree>> SubjectAltNames(const std::vector<std::string>& sans) {
  std::unique_ptr<GENERAL_NAMES, GensFree> gens(GENERAL_NAMES_new());
  if (!gens) return OsslError("cannot allocate names");
  for (const std::string& san : sans) {
    GENERAL_NAME* gen = nullptr;
    if (san.rfind("DNS:", 0) == 0 && san.size() > 4 && san.size() <= 253 + 4) {
      const std::string host = san.substr(4);
      for (char c : host) {
        const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                        c == '-' || c == '.' || c == '*';
        if (!ok) return InvalidArgument("--san DNS: names are letters, digits, '-', '.' and '*'");
      }
      ASN1_IA5STRING* ia5 = ASN1_IA5STRING_new();
      if (ia5 == nullptr || ASN1_STRING_set(ia5, host.data(), static_cast<int>(host.size())) != 1) {
        ASN1_IA5STRING_free(ia5);
        return OsslError("cannot encode a DNS name");
      }
      gen = GENERAL_NAME_new();
      if (gen == nullptr) {
        ASN1_IA5STRING_free(ia5);
        return OsslError("cannot allocate a name");
      }
      GENERAL_NAME_set0_value(gen, GEN_DNS, ia5);
    } else if (san.rfind("IP:", 0) == 0) {
      ASN1_OCTET_STRING* ip = a2i_IPADDRESS(san.c_str() + 3);
      if (ip == nullptr) {
        ossl::DrainErrors();
        return InvalidArgument("--san IP: needs an IPv4 or IPv6 literal");
      }
      gen = GENERAL_NAME_new();
      if (gen == nullptr) {
        ASN1_OCTET_STRING_free(ip);
        return OsslError("cannot allocate a name");
      }
      GENERAL_NAME_set0_value(gen, GEN_IPADD, ip);
    } else {
      return InvalidArgument("--san must be DNS:NAME or IP:ADDRESS");
    }
    if (sk_GENERAL_NAME_push(gens.get(), gen) <= 0) {
      GENERAL_NAME_free(gen);
      return OsslError("cannot add a name");
    }
  }
  return gens;
}

Status CheckTlsKeyPublic(const att::TpmPublic& pub) {
  constexpr uint32_t kRequired = att::kAttrFixedTpm | att::kAttrFixedParent |
                                 att::kAttrSensitiveDataOrigin | att::kAttrSign;
  if (pub.type != att::kTpmAlgEcc || pub.curve != att::kTpmEccNistP256 ||
      (pub.attributes & kRequired) != kRequired ||
      (pub.attributes & (att::kAttrDecrypt | att::kAttrRestricted)) != 0) {
    return Internal("the TPM returned a TLS key with unexpected attributes");
  }
  return OkStatus();
}

}  // namespace

Result<std::string> EncodeTss2PrivateKeyPem(const fw::TlsKeyBlob& key) {
  if (key.public_area.empty() || key.private_area.empty() || key.public_area.size() > 0xffff ||
      key.private_area.size() > 0xffff) {
    return InvalidArgument("a TLS key blob needs both areas, each at most 64 KiB");
  }
  // TPMKey ::= SEQUENCE { type OID, emptyAuth [0] EXPLICIT BOOLEAN, parent INTEGER,
  //                       pubkey OCTET STRING, privkey OCTET STRING }
  static constexpr uint8_t kLoadableKeyOid[] = {0x67, 0x81, 0x05, 0x0a, 0x01, 0x03};  // 2.23.133.10.1.3
  static constexpr uint8_t kEmptyAuthTrue[] = {0x01, 0x01, 0xff};
  const uint32_t parent = fw::kTlsKeyParentHandle;
  const uint8_t parent_int[] = {static_cast<uint8_t>(parent >> 24), static_cast<uint8_t>(parent >> 16),
                                static_cast<uint8_t>(parent >> 8), static_cast<uint8_t>(parent)};
  static_assert(fw::kTlsKeyParentHandle >> 31 == 0, "a positive INTEGER needs no leading zero");
  Bytes body;
  AppendTlv(0x06, ByteView(kLoadableKeyOid, sizeof(kLoadableKeyOid)), &body);
  AppendTlv(0xa0, ByteView(kEmptyAuthTrue, sizeof(kEmptyAuthTrue)), &body);
  AppendTlv(0x02, ByteView(parent_int, sizeof(parent_int)), &body);
  AppendTlv(0x04, key.public_area, &body);
  AppendTlv(0x04, key.private_area, &body);
  Bytes der;
  AppendTlv(0x30, body, &der);
  ossl::UniquePtr<BIO> bio(BIO_new(BIO_s_mem()));
  if (!bio || PEM_write_bio(bio.get(), "TSS2 PRIVATE KEY", "", der.data(), static_cast<long>(der.size())) <= 0) {
    return OsslError("cannot write the key PEM");
  }
  char* data = nullptr;
  long len = BIO_get_mem_data(bio.get(), &data);
  return std::string(data, static_cast<size_t>(len));
}

Result<Bytes> ParseSubject(std::string_view subject) {
  SIGNET_ASSIGN_OR_RETURN(ossl::UniquePtr<X509_NAME> name, SubjectName(subject));
  unsigned char* der = nullptr;
  int len = i2d_X509_NAME(name.get(), &der);
  if (len <= 0) return OsslError("cannot encode the subject");
  Bytes out(der, der + len);
  OPENSSL_free(der);
  return out;
}

Result<TlsKeyResult> MakeTlsKey(const TlsKeyOpts& opts, const TpmOpener& open_tpm) {
  // 1. Local inputs first.
  if (opts.out.empty() || opts.csr.empty()) return InvalidArgument("--out and --csr are required");
  if (opts.out == opts.csr) return InvalidArgument("--out and --csr must be different files");
  SIGNET_ASSIGN_OR_RETURN(ossl::UniquePtr<X509_NAME> subject, SubjectName(opts.subject));
  SIGNET_ASSIGN_OR_RETURN(auto gens, SubjectAltNames(opts.sans));

  std::string key_pem;
  std::string csr_pem;
  TlsKeyResult result;
  {
    SIGNET_ASSIGN_OR_RETURN(std::unique_ptr<fw::Tpm> tpm, open_tpm());
    // 2. The key, and what the TPM says it is.
    SIGNET_ASSIGN_OR_RETURN(fw::TlsKeyBlob blob, tpm->CreateTlsKey());
    SIGNET_ASSIGN_OR_RETURN(att::TpmPublic pub, att::ParseTpm2bPublic(blob.public_area));
    SIGNET_RETURN_IF_ERROR(CheckTlsKeyPublic(pub));
    SIGNET_ASSIGN_OR_RETURN(ossl::UniquePtr<EVP_PKEY> pkey, att::TpmPublicToKey(pub));
    SIGNET_ASSIGN_OR_RETURN(result.spki_der, ossl::PublicKeyToDer(pkey.get()));
    result.spki_sha256 = Sha256(ByteView(result.spki_der));

    // 3. CertificationRequestInfo, signed in the TPM.
    std::unique_ptr<X509_REQ, ReqFree> req(X509_REQ_new());
    if (!req || X509_REQ_set_version(req.get(), 0) != 1 ||
        X509_REQ_set_subject_name(req.get(), subject.get()) != 1 ||
        X509_REQ_set_pubkey(req.get(), pkey.get()) != 1) {
      return OsslError("cannot build the CSR");
    }
    if (sk_GENERAL_NAME_num(gens.get()) > 0) {
      STACK_OF(X509_EXTENSION)* raw_exts = nullptr;
      if (X509V3_add1_i2d(&raw_exts, NID_subject_alt_name, gens.get(), 0, X509V3_ADD_DEFAULT) != 1) {
        sk_X509_EXTENSION_pop_free(raw_exts, X509_EXTENSION_free);
        return OsslError("cannot encode the subjectAltName");
      }
      std::unique_ptr<STACK_OF(X509_EXTENSION), ExtsFree> exts(raw_exts);
      if (X509_REQ_add_extensions(req.get(), exts.get()) != 1) {
        return OsslError("cannot add the CSR extensions");
      }
    }
    unsigned char* tbs = nullptr;
    int tbs_len = i2d_re_X509_REQ_tbs(req.get(), &tbs);
    if (tbs_len <= 0) return OsslError("cannot encode the CSR");
    Bytes digest = Sha256(ByteView(tbs, static_cast<size_t>(tbs_len)));
    OPENSSL_free(tbs);
    SIGNET_ASSIGN_OR_RETURN(Bytes tpmt_sig, tpm->SignWithTlsKey(blob, digest));
    SIGNET_ASSIGN_OR_RETURN(att::TpmSignature sig, att::ParseTpmtSignature(tpmt_sig));
    if (sig.sig_alg != att::kTpmAlgEcdsa || sig.hash_alg != att::kTpmAlgSha256) {
      return Internal("the TPM signed the CSR with an unexpected scheme");
    }
    SIGNET_ASSIGN_OR_RETURN(Bytes sig_der, att::SignatureToDer(sig));
    std::unique_ptr<X509_ALGOR, AlgorFree> alg(X509_ALGOR_new());
    ASN1_BIT_STRING* bits = ASN1_BIT_STRING_new();
    if (!alg || bits == nullptr ||
        X509_ALGOR_set0(alg.get(), OBJ_nid2obj(NID_ecdsa_with_SHA256), V_ASN1_UNDEF, nullptr) != 1 ||
        ASN1_BIT_STRING_set(bits, sig_der.data(), static_cast<int>(sig_der.size())) != 1) {
      ASN1_BIT_STRING_free(bits);
      return OsslError("cannot encode the CSR signature");
    }
    bits->flags &= ~(ASN1_STRING_FLAG_BITS_LEFT | 0x07);
    bits->flags |= ASN1_STRING_FLAG_BITS_LEFT;
    X509_REQ_set0_signature(req.get(), bits);
    if (X509_REQ_set1_signature_algo(req.get(), alg.get()) != 1) return OsslError("cannot set the CSR algorithm");

    // 4. The CSR must verify under the key it carries.
    if (X509_REQ_verify(req.get(), pkey.get()) != 1) {
      return OsslError("the TPM's CSR signature does not verify");
    }
    ossl::UniquePtr<BIO> bio(BIO_new(BIO_s_mem()));
    if (!bio || PEM_write_bio_X509_REQ(bio.get(), req.get()) != 1) return OsslError("cannot write the CSR");
    char* data = nullptr;
    long len = BIO_get_mem_data(bio.get(), &data);
    csr_pem.assign(data, static_cast<size_t>(len));
    SIGNET_ASSIGN_OR_RETURN(key_pem, EncodeTss2PrivateKeyPem(blob));
  }  // 5. the TPM is released here

  SIGNET_RETURN_IF_ERROR(WriteFileAtomic(opts.out, key_pem, 0600));
  SIGNET_RETURN_IF_ERROR(WriteFileAtomic(opts.csr, csr_pem, 0644));
  return result;
}

}  // namespace signet::attester
