// gmock mocks of the firmware interfaces (firmware-iface/include/signet/firmware_iface/*.h):
// fw::SigningKey, fw::KeyStore and fw::Tpm. Shared by every unit test that needs a device it can
// script (a signature that does not verify, a device that goes away, a TPM error).
//
// A mock does nothing by default; tests set ON_CALL/EXPECT_CALL. DelegateToSoftwareKey-style
// helpers live with the tests that need them, so this header stays free of key material.
#ifndef SIGNET_TESTS_SUPPORT_FW_MOCKS_H_
#define SIGNET_TESTS_SUPPORT_FW_MOCKS_H_

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include <gmock/gmock.h>

#include "signet/firmware_iface/signing_key.h"
#include "signet/firmware_iface/tpm.h"

namespace signet::testing {

// MockSigningKey scripts a device-held key.
class MockSigningKey : public fw::SigningKey {
 public:
  MOCK_METHOD(SignatureAlgorithm, algorithm, (), (const, override));
  MOCK_METHOD(const Bytes&, public_key_spki, (), (const, override));
  MOCK_METHOD(std::string, key_id, (), (const, override));
  MOCK_METHOD(const fw::KeyAttributes&, attributes, (), (const, override));
  MOCK_METHOD(Result<Bytes>, Sign, (ByteView message), (override));
};

// MockKeyStore scripts a token.
class MockKeyStore : public fw::KeyStore {
 public:
  MOCK_METHOD(Result<std::unique_ptr<fw::SigningKey>>, FindKey, (std::string_view selector, const fw::OpenOptions& options),
              (override));
  MOCK_METHOD(Result<std::unique_ptr<fw::SigningKey>>, GenerateKey, (const fw::GenerateOptions& options), (override));
  MOCK_METHOD(Result<std::vector<fw::KeyInfo>>, ListKeys, (), (override));
  MOCK_METHOD(Result<std::vector<SignatureAlgorithm>>, SupportedAlgorithms, (), (override));
};

// MockTpm scripts a TPM 2.0.
class MockTpm : public fw::Tpm {
 public:
  MOCK_METHOD(Result<fw::TpmInfo>, Info, (), (override));
  MOCK_METHOD(Result<Bytes>, ReadPcr, (uint32_t pcr), (override));
  MOCK_METHOD(Status, ExtendPcr, (uint32_t pcr, ByteView digest), (override));
  MOCK_METHOD(Status, ResetPcr, (uint32_t pcr), (override));
  MOCK_METHOD(Result<Bytes>, ReadEkCertificate, (fw::EkType type), (override));
  MOCK_METHOD(Result<Bytes>, CreateEkPublic, (), (override));
  MOCK_METHOD(Result<fw::AkBlob>, CreateAk, (SignatureAlgorithm alg), (override));
  MOCK_METHOD(Result<Bytes>, ActivateCredential, (const fw::AkBlob& ak, const fw::Credential& credential), (override));
  MOCK_METHOD(Result<fw::QuoteResult>, Quote,
              (const fw::AkBlob& ak, ByteView qualifying_data, const std::vector<uint32_t>& pcrs), (override));
  MOCK_METHOD(Result<fw::TlsKeyBlob>, CreateTlsKey, (), (override));
  MOCK_METHOD(Result<Bytes>, SignWithTlsKey, (const fw::TlsKeyBlob& key, ByteView digest), (override));
};

}  // namespace signet::testing

#endif  // SIGNET_TESTS_SUPPORT_FW_MOCKS_H_
