// Fuzzes the share envelope opener (custody/share_envelope.h) with a fixed custodian key.
// Input forms:
//   - 0x01 || bytes: `bytes` (1..1024) is sealed as a share to the fixed key and opened again;
//     the round trip must give the same bytes and header (a valid ciphertext behind the parser);
//   - anything else: the input is a share file opened with the fixed key.
// Invariants: no crash, no leak; anything but a sealed file fails with kVerificationFailed.
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>
#include <optional>

#include "signet/core/secret.h"
#include "signet/custody/approval.h"
#include "signet/custody/share_envelope.h"

namespace {

// A throwaway P-256 key made for this harness only.
constexpr char kKeyPem[] =
    "-----BEGIN PRIVATE KEY-----\n"
    "MIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQgAO9k1nUIxJoG8sqO\n"
    "D/YWA+h6NbG6xxY37spRB1TEfMmhRANCAAR4btr/vV6cunjZ1LcBYtZxhW7XpwWG\n"
    "VnKQUS+sJ8jlYbpQITGqstgYK0pFWcjov5TDQZWFJTKtSbCyVQ+bm+3c\n"
    "-----END PRIVATE KEY-----\n";

struct Key {
  signet::ossl::UniquePtr<EVP_PKEY> priv;
  std::optional<signet::PublicKey> pub;
  Key() {
    auto k = signet::custody::ParseCustodianPrivateKey(signet::SecretBytes::FromString(kKeyPem));
    if (!k.ok()) std::abort();
    priv = std::move(*k);
    auto p = signet::PublicKey::FromEvp(priv.get());
    if (!p.ok()) std::abort();
    pub = *p;
  }
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static Key key;
  if (size >= 2 && size <= 1025 && data[0] == 0x01) {
    signet::custody::Share share{1, signet::SecretBytes(signet::ByteView(data + 1, size - 1))};
    signet::custody::ShareHeader h{"00112233445566778899aabbccddeeff", "alice", 1, 2, 3, "kcv"};
    auto file = signet::custody::SealShare(share, h, *key.pub);
    if (!file.ok()) std::abort();
    auto opened = signet::custody::OpenShare(*file, key.priv.get());
    if (!opened.ok() || !opened->share.bytes.Equals(share.bytes) || opened->header.custodian != "alice") std::abort();
    return 0;
  }
  auto opened = signet::custody::OpenShare(std::string_view(reinterpret_cast<const char*>(data), size), key.priv.get());
  if (!opened.ok() && opened.error().code() != signet::ErrorCode::kVerificationFailed) std::abort();
  return 0;
}
