// BatchingAttester: many clients' fresh nonces, one TPM quote (issue 14 part 4). See
// attester/ARCHITECTURE.md for the trust argument and attestation/attest_batch.h for the math.
//
// Requests (nonce, channel binding) queue. One worker thread owns the TPM: it takes everything
// that arrived within `batch_window` of the oldest waiting request, up to `max_batch`, builds
// the RFC 6962 tree, quotes the configured PCR once over SHA-256("signet-attest-batch-v1" ||
// root) with the AK of ak.json, and completes every waiter with the shared quote, its own nonce
// and channel binding, and its own inclusion proof. A single request gets a tree of size 1.
//
// Fail closed: a TPM error (or an unreadable event log) completes every waiter of that batch with
// kUnavailable (HTTP 503); nothing is ever answered from an earlier quote. The TPM is opened
// for each batch and closed after it (swtpm serves one client at a time), and the event log is
// re-read for each batch so the quoted PCR and the log agree.
#ifndef SIGNET_ATTESTER_BATCHING_H_
#define SIGNET_ATTESTER_BATCHING_H_

#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

#include "signet/attestation/tpm_enrollment.h"
#include "signet/attestation/tpm_evidence.h"
#include "signet/attester/ak_file.h"
#include "signet/attester/attester.h"
#include "signet/core/bytes.h"
#include "signet/core/result.h"

namespace signet::attester {

// BatchingOptions configure a BatchingAttester (verifierd's `attestation` section).
struct BatchingOptions {
  std::string ak;         // ak.json of `signet attest enroll`
  std::string event_log;  // the launch log `signet launch` appends to (re-read per batch)
  uint32_t pcr = 23;      // the one PCR quoted; every event of the log must extend it
  std::chrono::milliseconds batch_window{50};
  size_t max_batch = 4096;  // 1..attestation::kMaxBatchLeaves
  // min_quote_interval: at least this long between two quotes (0: none). A stand-in for a slow
  // discrete TPM in tests and benchmarks (config `attestation.min_quote_interval`).
  std::chrono::milliseconds min_quote_interval{0};
  // max_queue bounds the waiting requests; beyond it Attest answers kResourceExhausted (429).
  size_t max_queue = 65536;
  // on_quote is called (on the worker) once per TPM quote attempt, e.g. to count it.
  std::function<void()> on_quote;
};

// AkPublicParts are what a remote verifier needs to make its enrollment challenge.
struct AkPublicParts {
  Bytes ak_public;       // TPM2B_PUBLIC
  Bytes ak_name;         // TPM2B_NAME contents
  Bytes ek_certificate;  // DER
};

class BatchingAttester {
 public:
  // Start checks the options (kInvalidArgument: max_batch 0 or above kMaxBatchLeaves, a
  // window above 10 s, a PCR above 23), loads ak.json (its errors) and starts the worker. The TPM
  // is not opened until the first batch.
  static Result<std::unique_ptr<BatchingAttester>> Start(BatchingOptions options, TpmOpener open_tpm);

  // The destructor stops the worker; requests still queued get kUnavailable.
  ~BatchingAttester();
  BatchingAttester(const BatchingAttester&) = delete;
  BatchingAttester& operator=(const BatchingAttester&) = delete;

  // Attest queues (nonce, channel_binding) and blocks until its batch is quoted. Returns the
  // shared quote as this client's evidence (its nonce, channel binding and the batch root) and
  // its inclusion proof. kInvalidArgument for a nonce that is not 32 bytes or a channel binding
  // that is neither empty nor 32 bytes; kResourceExhausted when the queue is full; kUnavailable
  // when the TPM failed for this batch or the attester is stopping.
  Result<attestation::AttestationResponse> Attest(ByteView nonce, ByteView channel_binding);

  // PublicParts returns the AK's public area and Name and the EK certificate (no TPM).
  AkPublicParts PublicParts() const;

  // Activate answers a verifier's enrollment challenge with TPM2_ActivateCredential, serialised
  // with the quotes (one TPM user at a time). kInvalidArgument for a challenge made for another
  // AK; VerificationFailed CREDENTIAL_ACTIVATION_FAILED for a released secret of the wrong
  // size; TPM errors as kUnavailable.
  Result<attestation::EnrollmentResponse> Activate(const attestation::EnrollmentChallenge& challenge);

  // quotes counts TPM quote attempts; requests counts Attest calls that were queued.
  uint64_t quotes() const;
  uint64_t requests() const;

 private:
  struct Waiter;
  BatchingAttester(BatchingOptions options, TpmOpener open_tpm, AkFile ak);
  void Run();
  Result<attestation::TpmEvidence> QuoteRoot(ByteView root);

  const BatchingOptions options_;
  const TpmOpener open_tpm_;
  const AkFile ak_;
  std::mutex tpm_mu_;  // held for every TPM use (quote or activate)
  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::deque<std::shared_ptr<Waiter>> queue_;
  bool stopping_ = false;
  uint64_t quotes_ = 0, requests_ = 0;
  std::chrono::steady_clock::time_point last_quote_{};
  std::thread worker_;
};

}  // namespace signet::attester

#endif  // SIGNET_ATTESTER_BATCHING_H_
