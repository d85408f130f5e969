// The appliance's RFC 3161 timestamp authority (issue 16 part 3): its certificates (a TSA CA key
// certifying a TSA leaf key, both ECDSA P-256 in the HSM) and the TimestampAuthority that answers
// TimeStampReq queries with TimeStampResp tokens signed through fw::SigningKey.
//
// Files under the state directory (see tsa/ARCHITECTURE.md):
//   DIR/tsa/chain.pem    the leaf certificate, then the CA certificate (written by CreateTsaChain)
//   DIR/tsa/serial       the next serial number no process has reserved yet (decimal)
//   DIR/tsa/serial.lock  flock(2) target serialising reservations between processes
#ifndef SIGNET_TSA_AUTHORITY_H_
#define SIGNET_TSA_AUTHORITY_H_

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "signet/core/bytes.h"
#include "signet/core/result.h"
#include "signet/core/time.h"
#include "signet/firmware_iface/signing_key.h"

namespace signet::tsa {

// kTsaDirName is the TSA's directory under a state directory; kChainFileName its chain.
inline constexpr char kTsaDirName[] = "tsa";
inline constexpr char kChainFileName[] = "chain.pem";
inline constexpr char kSerialFileName[] = "serial";

// kDefaultPolicyOid is the TSA policy stamped into tokens unless configured otherwise: an arc
// under IANA's documentation enterprise number 32473 (RFC 5612), i.e. owned by nobody. An
// operator with a registered arc sets `tsa.policy_oid` in appliance.yaml.
inline constexpr char kDefaultPolicyOid[] = "1.3.6.1.4.1.32473.3161.1";

// kMaxQueryBytes bounds a TimeStampReq (a SHA-256 query with a nonce is under 100 bytes).
inline constexpr size_t kMaxQueryBytes = 8 * 1024;

// ChainPath returns DIR/tsa/chain.pem.
std::string ChainPath(const std::string& state_dir);

// ChainOptions controls CreateTsaChain.
struct ChainOptions {
  std::string name = "signet";  // the certificates' CN prefix (`signet log init` passes --origin)
  int64_t validity_days = 3650; // the leaf's validity; the CA's is one day longer on each side
};

// CreateTsaChain certifies the TSA: a self-signed CA certificate for `ca_key` (basicConstraints
// CA:true, pathlen 0, critical; keyUsage keyCertSign+cRLSign) and a leaf for `tsa_key` issued by
// it (CA:false; keyUsage digitalSignature; exactly one EKU, timeStamping, critical), both signed
// in the device, and writes them to DIR/tsa/chain.pem (leaf first, 0644, atomically; DIR/tsa is
// created 0700). Both keys must be ECDSA P-256 and distinct (kInvalidArgument). An existing
// chain.pem is kAlreadyExists and is left alone. Device errors pass through (kUnavailable).
Status CreateTsaChain(const std::string& state_dir, fw::SigningKey& tsa_key, fw::SigningKey& ca_key,
                      const Clock& clock, const ChainOptions& options);

// ClockSyncProbe reports whether the system clock is synchronised (true) or not (false); an
// Error when it cannot tell (which refuses like false).
using ClockSyncProbe = std::function<Result<bool>()>;

// SystemClockSynchronized asks the kernel (adjtimex(2) in read-only mode): false when it returns
// TIME_ERROR or reports STA_UNSYNC.
Result<bool> SystemClockSynchronized();

// AuthorityOptions configure a TimestampAuthority.
struct AuthorityOptions {
  std::string policy_oid = kDefaultPolicyOid;  // dotted decimal
  // require_synchronized_clock (appliance.yaml `tsa.require_synchronized_clock`, default true):
  // refuse to stamp while clock_synchronized says false. Only tests turn it off.
  bool require_synchronized_clock = true;
  ClockSyncProbe clock_synchronized;  // null: SystemClockSynchronized (a test seam)
  const Clock* clock = nullptr;       // null: the system clock; must outlive the authority
  uint32_t accuracy_seconds = 1;      // TSTInfo.accuracy
  uint64_t serial_block = 256;        // serials reserved durably per write of DIR/tsa/serial
};

// TimestampQuery is a strictly parsed TimeStampReq (RFC 3161 §2.4.1).
struct TimestampQuery {
  std::string hash_oid;         // messageImprint.hashAlgorithm, dotted decimal
  Bytes hashed_message;
  std::optional<std::string> policy_oid;
  std::optional<Bytes> nonce;   // the INTEGER's DER content octets
  bool cert_req = false;
  bool has_extensions = false;
};

// ParseTimestampQuery parses a DER TimeStampReq: at most kMaxQueryBytes, version 1, no trailing
// bytes, DER only (the input must re-encode to itself), hashAlgorithm parameters absent or NULL.
// kInvalidArgument otherwise. It does not judge the algorithm (Respond does).
Result<TimestampQuery> ParseTimestampQuery(ByteView der);

// TimestampAuthority stamps with the TSA leaf key. Thread-safe.
class TimestampAuthority {
 public:
  // Open reads DIR/tsa/chain.pem (leaf first) and checks that `key` is the leaf's key (ECDSA
  // P-256), that the leaf carries the critical timeStamping EKU and that it is issued by the next
  // certificate; it also checks the policy OID and that DIR/tsa/serial, if present, is a valid
  // counter. kNotFound without a chain, kInvalidArgument for a mismatch. `key` is shared: the
  // caller may keep using it.
  static Result<std::unique_ptr<TimestampAuthority>> Open(const std::string& state_dir,
                                                           std::shared_ptr<fw::SigningKey> key,
                                                           AuthorityOptions options);
  ~TimestampAuthority();

  // Respond answers a DER TimeStampReq with a DER TimeStampResp (RFC 3161 §2.4.2). A query that
  // does not parse is answered with status rejection + badDataFormat, a hash other than SHA-256
  // with rejection + badAlg, a policy other than ours with unacceptedPolicy, any extension with
  // unacceptedExtension, and an unsynchronised clock, or a clock behind a token already issued
  // (stepped back: genTime never runs backwards with the serials), with rejection +
  // timeNotAvailable: those are answers (Ok). A granted token echoes the nonce, carries the policy, a fresh serial number,
  // genTime, accuracy and (if certReq) the leaf certificate, and is signed in the device; its
  // signature is verified on the host before it is returned. Errors: kUnavailable (device gone),
  // kInternal (the serial counter could not be made durable, OpenSSL failure).
  Result<Bytes> Respond(ByteView der_timestamp_query);

  // StampData returns a granted DER TimeStampResp over SHA-256(data), with certReq set and a
  // random nonce: the bytes a Sigstore bundle carries base64-encoded in
  // verificationMaterial.timestampVerificationData.rfc3161Timestamps[].signedTimestamp
  // (@sigstore/verify 3.1.1 parses a whole TimeStampResp there and checks its imprint over the
  // bytes it is given, the bundle's signature). A refusal (clock not synchronised) is
  // kUnavailable with finding TSA_CLOCK_UNSYNCHRONIZED, a clock behind a token already issued
  // kUnavailable with CLOCK_STEPPED_BACK; other errors as Respond.
  Result<Bytes> StampData(ByteView data);

  // StampDigest is StampData for data known by its SHA-256 digest (32 bytes, else
  // kInvalidArgument): for large files hashed while streaming.
  Result<Bytes> StampDigest(ByteView sha256_digest);

  // chain_pem returns DIR/tsa/chain.pem as read at Open (leaf first).
  const std::string& chain_pem() const;

  class Impl;

 private:
  explicit TimestampAuthority(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace signet::tsa

#endif  // SIGNET_TSA_AUTHORITY_H_
