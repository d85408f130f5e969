// Test helpers for custody/: fresh custodian keys, keyrings signed by a chosen set of custodians.
#ifndef SIGNET_TESTS_UNIT_CUSTODY_CUSTODY_TEST_UTIL_H_
#define SIGNET_TESTS_UNIT_CUSTODY_CUSTODY_TEST_UTIL_H_

#include <memory>
#include <string>
#include <vector>

#include "signet/core/ossl.h"
#include "signet/core/public_key.h"
#include "signet/core/secret.h"
#include "signet/custody/approval.h"
#include "signet/custody/keyring.h"

namespace signet::custody::testing {

// TestCustodian is a custodian with a fresh EC key.
struct TestCustodian {
  std::string name;
  SecretBytes private_pem;
  std::string public_pem;
  std::unique_ptr<ApprovalSigner> signer;
  PublicKey public_key() const { return signer->public_key(); }
  KeyringCustodian AsKeyringCustodian() const { return {name, public_pem, signer->key_id()}; }
  CustodianKey AsCustodianKey() const { return {name, signer->public_key()}; }
};

// MakeCustodian generates a key on `curve` ("P-256" or "P-384") or any OpenSSL key type/param
// given as `type` ("EC"/"ED25519").
TestCustodian MakeCustodian(const std::string& name, const std::string& curve = "P-256");
// PrivateKey parses the custodian's private PEM.
ossl::UniquePtr<EVP_PKEY> PrivateKey(const TestCustodian& c);
// PublicPemOf returns the PEM public key of a freshly generated key of `type`/`param`.
std::string FreshPublicPem(const char* type, const char* param, std::string* private_pem = nullptr);
// MakeKey returns a keyring key entry for a fresh P-256 release key.
KeyringKey MakeKey(const std::string& label, const std::string& not_before, const std::string& not_after,
                   const std::string& status = "active");
// kCeremony is a fixed ceremony id.
inline const std::string kCeremony = "00112233445566778899aabbccddeeff";
// MakeKeyring builds version 1 over `custodians` with `threshold`, the given keys, unsigned.
Keyring MakeKeyring(const std::vector<const TestCustodian*>& custodians, int threshold, std::vector<KeyringKey> keys);

}  // namespace signet::custody::testing

#endif  // SIGNET_TESTS_UNIT_CUSTODY_CUSTODY_TEST_UTIL_H_
