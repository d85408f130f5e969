// Offline verification of a tile-based log directory and the local witness (issue 16 part 5).
//
// Nothing here touches hardware: the log's public key arrives as a note verifier key, the
// witness's private key as an Ed25519 key file.
#ifndef SIGNET_TRANSLOG_VERIFY_H_
#define SIGNET_TRANSLOG_VERIFY_H_

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "signet/attestation/checkpoint.h"
#include "signet/core/result.h"
#include "signet/translog/tree.h"

namespace signet::translog {

// TreeFromEntries recomputes the tree of the first `size` entries from the entry bundles under
// `log_dir`. A missing or malformed bundle is VerificationFailed("TLOG_TILES_INVALID", ...)
// naming the bundle's path.
Result<HashTree> TreeFromEntries(const std::string& log_dir, uint64_t size);

// LogReport describes a verified log.
struct LogReport {
  attestation::Checkpoint checkpoint;
  std::string note;           // the checkpoint note as stored
  uint64_t tiles_checked = 0;  // hash tiles and entry bundles compared
  std::optional<uint64_t> consistent_from;  // the older checkpoint's size, with --from
};

// VerifyLogDir checks the log directory `log_dir`:
//   1. log_dir/checkpoint verifies with `log_key` and its origin is the key's name
//      (CHECKPOINT_INVALID);
//   2. the tree recomputed from the entry bundles has the checkpoint's root (TLOG_TILES_INVALID);
//   3. every hash tile of that tree, full and partial, equals the recomputed one
//      (TLOG_TILES_INVALID naming the tile);
//   4. with `old_note`: it verifies with the same key and origin (CHECKPOINT_INVALID), is not
//      larger (TLOG_ROLLBACK), and a consistency proof from it to the checkpoint, produced from
//      the recomputed tree, verifies (CONSISTENCY_PROOF_INVALID).
// I/O errors other than a missing tile are kInternal / kNotFound.
Result<LogReport> VerifyLogDir(const std::string& log_dir, const attestation::NoteVerifierKey& log_key,
                               const std::optional<std::string>& old_note = std::nullopt);

// VerifiedEntries is a log's entries, proven to be exactly the tree its checkpoint signs.
struct VerifiedEntries {
  attestation::Checkpoint checkpoint;
  std::vector<std::string> entries;  // entries[i] is the entry at index i; size = tree size
};

// ReadVerifiedEntries reads every entry of the log directory `log_dir` for a reader that uses
// them (`signet audit` looks up signing records):
//   1. log_dir/checkpoint verifies with `log_key` (CHECKPOINT_INVALID);
//   2. the entry bundles of its tree are read once, and the tree recomputed from exactly those
//      bytes has the checkpoint's root (TLOG_TILES_INVALID).
// So the entries returned are the ones the signed checkpoint commits to, whatever changes on
// disk afterwards. Hash tiles are not read (VerifyLogDir checks them).
Result<VerifiedEntries> ReadVerifiedEntries(const std::string& log_dir, const attestation::NoteVerifierKey& log_key);

// WitnessResult is what one witness run produced.
struct WitnessResult {
  std::string cosigned;                  // the checkpoint note with the witness's cosignature
  std::optional<uint64_t> previous_size;  // the size the witness had seen before, if any
  uint64_t size = 0;
  std::string witness_verifier_key;      // "<name>+<id>+<base64(0x04 || key)>"
};

// kWitnessKeyFile, kWitnessVkeyFile and kWitnessCheckpointFile are the witness state files.
inline constexpr char kWitnessKeyFile[] = "witness.key";
inline constexpr char kWitnessVkeyFile[] = "witness.vkey";
inline constexpr char kWitnessCheckpointFile[] = "checkpoint";

// RunWitness runs the local witness once over `log_dir`, with its state in `state_dir`:
//   1. loads state_dir/witness.key (PKCS#8 PEM Ed25519) and witness.vkey; if neither exists,
//      creates them (the key 0600) with the key name `name`;
//   2. VerifyLogDir(log_dir, log_key, the checkpoint it saw last) — the log is refused when the
//      checkpoint does not verify, the tiles disagree, the tree shrank (TLOG_ROLLBACK) or it is
//      not consistent with what the witness saw (a fork: CONSISTENCY_PROOF_INVALID);
//   3. cosigns the new checkpoint (c2sp tlog-cosignature/v1, timestamp `now`) and stores the
//      cosigned note as state_dir/checkpoint (atomically). Nothing is stored on refusal.
Result<WitnessResult> RunWitness(const std::string& state_dir, const std::string& log_dir,
                                 const attestation::NoteVerifierKey& log_key, const std::string& name, uint64_t now);

}  // namespace signet::translog

#endif  // SIGNET_TRANSLOG_VERIFY_H_
