// Signing OpenSSL-built structures (certificates, CMS SignerInfos) with a key held in a device.
//
// fw::SigningKey signs a whole message (it hashes on the host), while OpenSSL's X509_sign and
// TS_RESP_CTX sign through an EVP_PKEY with a digest. Instead of an EVP_PKEY whose sign method
// reaches the device with a bare digest (service/src/tls.cc does that for TPM provider keys, which
// take digests; fw::SigningKey does not), OpenSSL builds the structure with a *placeholder* key,
// which has the device key's public point (so OpenSSL's key-matches-certificate checks pass) and a
// random private scalar. The placeholder's signature is then always replaced by the device's
// signature over the exact signed bytes (the TBSCertificate, or the DER SET OF signed attributes),
// and that signature is verified with the device key's public key before anything is returned.
#ifndef SIGNET_TSA_SRC_DEVICE_SIGN_H_
#define SIGNET_TSA_SRC_DEVICE_SIGN_H_

#include <openssl/pkcs7.h>
#include <openssl/x509.h>

#include "signet/core/bytes.h"
#include "signet/core/ossl.h"
#include "signet/core/result.h"
#include "signet/firmware_iface/signing_key.h"

namespace signet::tsa::internal {

// PlaceholderKey returns an EC P-256 EVP_PKEY with the public point of `spki` (DER
// SubjectPublicKeyInfo of a P-256 key) and a random private scalar that does not match it.
// kInvalidArgument for another key type.
Result<ossl::UniquePtr<EVP_PKEY>> PlaceholderKey(ByteView spki);

// DerTlv encodes one DER TLV with a single-byte `tag` and `content` (definite, minimal length).
Bytes DerTlv(uint8_t tag, ByteView content);

// SignCertificateInDevice signs `cert` (every field set, issuer included) with `key`: it signs
// with a placeholder of `key` to fix the signature algorithm (ecdsa-with-SHA256) in both places,
// then re-assembles Certificate ::= SEQUENCE { tbs, algorithm, BIT STRING device signature }
// and parses it back. The device signature is verified first.
Result<ossl::UniquePtr<X509>> SignCertificateInDevice(X509* cert, fw::SigningKey& key);

// SignSignerInfoInDevice replaces the signature of `si` (whose signed attributes are final) with
// `key`'s signature over their DER (SET OF, RFC 5652 §5.4), verified before it is set.
Status SignSignerInfoInDevice(PKCS7_SIGNER_INFO* si, fw::SigningKey& key);

}  // namespace signet::tsa::internal

#endif  // SIGNET_TSA_SRC_DEVICE_SIGN_H_
