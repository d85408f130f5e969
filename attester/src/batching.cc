// BatchingAttester: the queue, the one TPM worker, and enrollment over the same TPM lock. See
// batching.h.
#include "signet/attester/batching.h"

#include <future>
#include <utility>
#include <vector>

#include <openssl/crypto.h>

#include "signet/attestation/attest_batch.h"
#include "signet/attestation/event_log.h"
#include "signet/core/file.h"
#include "signet/core/findings.h"
#include "signet/core/secret.h"

namespace signet::attester {

namespace att = signet::attestation;

struct BatchingAttester::Waiter {
  Bytes nonce;
  Bytes channel_binding;
  std::chrono::steady_clock::time_point arrived;
  std::promise<Result<att::AttestationResponse>> done;
};

namespace {

constexpr size_t kMaxEventLogBytes = 4 * 1024 * 1024;

// Unavailable keeps the TPM's reason (no secret in it) but always maps to 503.
Error AsUnavailable(const Error& e) {
  return Error(ErrorCode::kUnavailable, "TPM attestation unavailable: " + e.message());
}

}  // namespace

Result<std::unique_ptr<BatchingAttester>> BatchingAttester::Start(BatchingOptions options, TpmOpener open_tpm) {
  if (options.max_batch == 0 || options.max_batch > att::kMaxBatchLeaves) {
    return InvalidArgument("attestation.max_batch must be between 1 and " + std::to_string(att::kMaxBatchLeaves));
  }
  if (options.batch_window > std::chrono::seconds(10) || options.batch_window.count() < 0) {
    return InvalidArgument("attestation.batch_window must be between 0 and 10s");
  }
  if (options.min_quote_interval > std::chrono::seconds(10) || options.min_quote_interval.count() < 0) {
    return InvalidArgument("attestation.min_quote_interval must be between 0 and 10s");
  }
  if (options.pcr > 23) return InvalidArgument("attestation.pcr must be a PCR index 0..23");
  if (options.max_queue == 0) return InvalidArgument("the attestation queue needs room");
  if (!open_tpm) return InvalidArgument("no TPM configured");
  SIGNET_ASSIGN_OR_RETURN(AkFile ak, LoadAkFile(options.ak));
  std::unique_ptr<BatchingAttester> a(new BatchingAttester(std::move(options), std::move(open_tpm), std::move(ak)));
  a->worker_ = std::thread([p = a.get()] { p->Run(); });
  return a;
}

BatchingAttester::BatchingAttester(BatchingOptions options, TpmOpener open_tpm, AkFile ak)
    : options_(std::move(options)), open_tpm_(std::move(open_tpm)), ak_(std::move(ak)) {}

BatchingAttester::~BatchingAttester() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stopping_ = true;
  }
  cv_.notify_all();
  if (worker_.joinable()) worker_.join();
  for (auto& w : queue_) w->done.set_value(Error(ErrorCode::kUnavailable, "the attester is stopping"));
}

Result<att::AttestationResponse> BatchingAttester::Attest(ByteView nonce, ByteView channel_binding) {
  SIGNET_RETURN_IF_ERROR(att::CheckNonceSizes(nonce, channel_binding));
  auto w = std::make_shared<Waiter>();
  w->nonce.assign(nonce.begin(), nonce.end());
  w->channel_binding.assign(channel_binding.begin(), channel_binding.end());
  w->arrived = std::chrono::steady_clock::now();
  std::future<Result<att::AttestationResponse>> f = w->done.get_future();
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (stopping_) return Error(ErrorCode::kUnavailable, "the attester is stopping");
    if (queue_.size() >= options_.max_queue) {
      return Error(ErrorCode::kResourceExhausted, "too many attestation requests are waiting");
    }
    queue_.push_back(std::move(w));
    ++requests_;
  }
  cv_.notify_all();
  return f.get();
}

AkPublicParts BatchingAttester::PublicParts() const {
  return AkPublicParts{ak_.ak.public_area, ak_.ak.name, ak_.ek_certificate};
}

uint64_t BatchingAttester::quotes() const {
  std::lock_guard<std::mutex> lock(mu_);
  return quotes_;
}

uint64_t BatchingAttester::requests() const {
  std::lock_guard<std::mutex> lock(mu_);
  return requests_;
}

void BatchingAttester::Run() {
  using Clock = std::chrono::steady_clock;
  std::unique_lock<std::mutex> lock(mu_);
  while (true) {
    cv_.wait(lock, [&] { return stopping_ || !queue_.empty(); });
    if (stopping_) return;
    // The window opens at the oldest waiting request's arrival; a full batch closes it early.
    // The throttle holds the next quote back until min_quote_interval after the last one.
    const Clock::time_point earliest = last_quote_ + options_.min_quote_interval;
    const Clock::time_point close = std::max(queue_.front()->arrived + options_.batch_window, earliest);
    cv_.wait_until(lock, close, [&] {
      return stopping_ || (queue_.size() >= options_.max_batch && Clock::now() >= earliest);
    });
    if (stopping_) return;
    if (Clock::now() < earliest) continue;  // woken early by a full queue: wait out the throttle
    std::vector<std::shared_ptr<Waiter>> batch;
    const size_t n = std::min(queue_.size(), options_.max_batch);
    batch.reserve(n);
    for (size_t i = 0; i < n; ++i) {
      batch.push_back(std::move(queue_.front()));
      queue_.pop_front();
    }
    ++quotes_;
    last_quote_ = Clock::now();
    lock.unlock();

    std::vector<Bytes> leaves;
    leaves.reserve(batch.size());
    for (const auto& w : batch) leaves.push_back(*att::BatchLeafHash(w->nonce, w->channel_binding));
    Result<att::BatchTree> tree = att::BatchTree::Build(std::move(leaves));
    Result<att::TpmEvidence> quoted = tree.ok() ? QuoteRoot(tree->root()) : Result<att::TpmEvidence>(tree.error());
    if (options_.on_quote) options_.on_quote();
    for (size_t i = 0; i < batch.size(); ++i) {
      if (!quoted.ok()) {
        batch[i]->done.set_value(AsUnavailable(quoted.error()));
        continue;
      }
      att::AttestationResponse r;
      r.evidence = *quoted;
      r.evidence.nonce = batch[i]->nonce;
      r.evidence.channel_binding = batch[i]->channel_binding;
      Result<att::BatchProof> proof = tree->Proof(i);
      if (!proof.ok()) {
        batch[i]->done.set_value(AsUnavailable(proof.error()));
        continue;
      }
      r.batch = std::move(proof).value();
      batch[i]->done.set_value(std::move(r));
    }
    lock.lock();
  }
}

Result<att::TpmEvidence> BatchingAttester::QuoteRoot(ByteView root) {
  SIGNET_ASSIGN_OR_RETURN(Bytes qd, att::BatchQualifyingData(root));
  SIGNET_ASSIGN_OR_RETURN(std::string log_text, ReadFile(options_.event_log, kMaxEventLogBytes));
  SIGNET_ASSIGN_OR_RETURN(att::EventLog log, att::ParseEventLog(log_text));
  for (const auto& e : log.events) {
    if (e.pcr != options_.pcr) return FailedPrecondition("the event log extends a PCR other than attestation.pcr");
  }
  std::lock_guard<std::mutex> tpm_lock(tpm_mu_);
  SIGNET_ASSIGN_OR_RETURN(att::TpmEvidence ev, QuoteEvidence(ak_, qd, log, {options_.pcr}, open_tpm_));
  ev.batch_root.assign(root.begin(), root.end());
  return ev;
}

Result<att::EnrollmentResponse> BatchingAttester::Activate(const att::EnrollmentChallenge& c) {
  std::lock_guard<std::mutex> tpm_lock(tpm_mu_);
  Result<att::EnrollmentResponse> r = ActivateChallenge(ak_, c, open_tpm_);
  if (!r.ok() && r.error().code() != ErrorCode::kInvalidArgument && r.error().finding().empty()) {
    return AsUnavailable(r.error());
  }
  return r;
}

}  // namespace signet::attester
