// Fuzzes the TSA's query side (tsa/authority.h): ParseTimestampQuery, and Respond on an authority
// made at start-up (software P-256 keys, a temporary state directory, the clock check off).
// Invariants: no crash, no leak; Respond answers every input with a TimeStampResp (Ok) that
// parses, and grants only a query ParseTimestampQuery accepted with a 32-byte SHA-256 imprint.
#include <openssl/ts.h>
#include <stdlib.h>

#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <memory>
#include <string>

#include "signet/core/ossl.h"
#include "signet/tsa/authority.h"
#include "soft_p256_key.h"

namespace {

std::string g_dir;
void RemoveDir() { std::filesystem::remove_all(g_dir); }

signet::tsa::TimestampAuthority* Authority() {
  static std::unique_ptr<signet::tsa::TimestampAuthority> authority = [] {
    std::string tmpl = (std::filesystem::temp_directory_path() / "signet-tsa-fuzz-XXXXXX").string();
    g_dir = ::mkdtemp(tmpl.data());
    std::atexit(RemoveDir);
    std::shared_ptr<signet::fw::SigningKey> leaf(signet::testing::SoftP256Key::Generate());
    auto ca = signet::testing::SoftP256Key::Generate();
    signet::SystemClock clock;
    if (!signet::tsa::CreateTsaChain(g_dir, *leaf, *ca, clock, {}).ok()) std::abort();
    signet::tsa::AuthorityOptions options;
    options.require_synchronized_clock = false;
    auto opened = signet::tsa::TimestampAuthority::Open(g_dir, leaf, options);
    if (!opened.ok()) std::abort();
    return std::move(*opened);
  }();
  return authority.get();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  signet::ByteView in(data, size);
  auto query = signet::tsa::ParseTimestampQuery(in);
  auto reply = Authority()->Respond(in);
  if (!reply.ok()) std::abort();  // software keys never fail: every input gets an answer
  const unsigned char* p = reply->data();
  signet::ossl::UniquePtr<TS_RESP> resp(d2i_TS_RESP(nullptr, &p, static_cast<long>(reply->size())));
  if (!resp) std::abort();
  const ASN1_INTEGER* status = TS_STATUS_INFO_get0_status(TS_RESP_get_status_info(resp.get()));
  const bool granted = ASN1_INTEGER_get(status) == TS_STATUS_GRANTED;
  if (granted && (!query.ok() || query->hash_oid != "2.16.840.1.101.3.4.2.1" || query->hashed_message.size() != 32)) {
    std::abort();
  }
  return 0;
}
