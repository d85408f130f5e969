// Offline log verification (recompute from the entries, compare every tile) and the witness.
#include "signet/translog/verify.h"

#include <sys/stat.h>
#include <unistd.h>

#include <openssl/evp.h>
#include <openssl/pem.h>

#include "signet/attestation/merkle.h"
#include "signet/core/file.h"
#include "signet/core/findings.h"
#include "signet/core/ossl.h"
#include "signet/translog/tiles.h"

namespace signet::translog {
namespace {

Error TilesInvalid(std::string m) { return VerificationFailed(findings::kTlogTilesInvalid, std::move(m)); }

// ReadTile reads one tile; a missing tile is a verification failure, not an I/O error.
Result<std::string> ReadTile(const std::string& log_dir, const TileId& t) {
  auto data = ReadFile(log_dir + "/" + TilePath(t), kMaxBundleBytes);
  if (!data.ok()) {
    if (data.error().code() == ErrorCode::kNotFound) return TilesInvalid("tile " + TilePath(t) + " is missing");
    return std::move(data).error();
  }
  return data;
}

Result<attestation::Checkpoint> VerifyNote(std::string_view note, const attestation::NoteVerifierKey& key) {
  SIGNET_ASSIGN_OR_RETURN(attestation::Checkpoint cp, attestation::VerifyCheckpoint(note, {key.note_key()}));
  if (cp.origin != key.name) {
    return VerificationFailed(findings::kCheckpointInvalid, "the checkpoint's origin is not the log key's name");
  }
  return cp;
}

}  // namespace

namespace {

// ReadEntriesInto appends the first `size` entries under `log_dir` to `tree` and, when `out` is
// set, to *out, bundle by bundle.
Status ReadEntriesInto(const std::string& log_dir, uint64_t size, HashTree* tree, std::vector<std::string>* out) {
  for (const TileId& t : TilesFor(size)) {
    if (t.level != kEntriesLevel) continue;
    SIGNET_ASSIGN_OR_RETURN(std::string data, ReadTile(log_dir, t));
    auto entries = ParseEntryBundle(AsBytes(data), t.width);
    if (!entries.ok()) return TilesInvalid("entry bundle " + TilePath(t) + " is malformed");
    for (std::string& e : *entries) {
      tree->AppendEntry(AsBytes(e));
      if (out != nullptr) out->push_back(std::move(e));
    }
  }
  return OkStatus();
}

}  // namespace

Result<HashTree> TreeFromEntries(const std::string& log_dir, uint64_t size) {
  HashTree tree;
  SIGNET_RETURN_IF_ERROR(ReadEntriesInto(log_dir, size, &tree, nullptr));
  return tree;
}

Result<LogReport> VerifyLogDir(const std::string& log_dir, const attestation::NoteVerifierKey& log_key,
                               const std::optional<std::string>& old_note) {
  LogReport report;
  // 1. The checkpoint.
  auto note = ReadFile(log_dir + "/checkpoint", attestation::kMaxCheckpointBytes);
  if (!note.ok()) return std::move(note).error().Prefix("reading the checkpoint");
  report.note = std::move(*note);
  SIGNET_ASSIGN_OR_RETURN(report.checkpoint, VerifyNote(report.note, log_key));
  const uint64_t size = report.checkpoint.tree_size;
  // 2. The tree from the entries.
  SIGNET_ASSIGN_OR_RETURN(HashTree tree, TreeFromEntries(log_dir, size));
  SIGNET_ASSIGN_OR_RETURN(Bytes root, tree.Root(size));
  if (root != report.checkpoint.root_hash) return TilesInvalid("the entries do not give the checkpoint's root hash");
  // 3. Every hash tile.
  for (const TileId& t : TilesFor(size)) {
    ++report.tiles_checked;
    if (t.level == kEntriesLevel) continue;
    SIGNET_ASSIGN_OR_RETURN(std::string data, ReadTile(log_dir, t));
    SIGNET_ASSIGN_OR_RETURN(Bytes want, tree.TileData(t, size));
    if (data.size() != want.size() || !std::equal(want.begin(), want.end(), reinterpret_cast<const uint8_t*>(data.data()))) {
      return TilesInvalid("tile " + TilePath(t) + " differs from the tree recomputed from the entries");
    }
  }
  // 4. Consistency with an older checkpoint.
  if (old_note) {
    SIGNET_ASSIGN_OR_RETURN(attestation::Checkpoint old, VerifyNote(*old_note, log_key));
    if (old.tree_size > size) {
      return VerificationFailed(findings::kTlogRollback, "the log is smaller than the older checkpoint (rolled back)");
    }
    SIGNET_ASSIGN_OR_RETURN(std::vector<Bytes> proof, tree.ConsistencyProof(old.tree_size, size));
    SIGNET_RETURN_IF_ERROR(
        attestation::VerifyConsistencyProof(old.tree_size, size, old.root_hash, report.checkpoint.root_hash, proof));
    report.consistent_from = old.tree_size;
  }
  return report;
}

Result<VerifiedEntries> ReadVerifiedEntries(const std::string& log_dir, const attestation::NoteVerifierKey& log_key) {
  VerifiedEntries out;
  // 1. The checkpoint.
  auto note = ReadFile(log_dir + "/checkpoint", attestation::kMaxCheckpointBytes);
  if (!note.ok()) return std::move(note).error().Prefix("reading the checkpoint");
  SIGNET_ASSIGN_OR_RETURN(out.checkpoint, VerifyNote(*note, log_key));
  const uint64_t size = out.checkpoint.tree_size;
  // 2. The entries, and the tree of exactly these bytes.
  HashTree tree;
  SIGNET_RETURN_IF_ERROR(ReadEntriesInto(log_dir, size, &tree, &out.entries));
  SIGNET_ASSIGN_OR_RETURN(Bytes root, tree.Root(size));
  if (out.entries.size() != size || root != out.checkpoint.root_hash) {
    return TilesInvalid("the entries do not give the checkpoint's root hash");
  }
  return out;
}

namespace {

struct WitnessKey {
  ossl::UniquePtr<EVP_PKEY> key;
  attestation::NoteVerifierKey vkey;
};

Result<WitnessKey> LoadOrCreateWitnessKey(const std::string& state_dir, const std::string& name) {
  const std::string key_path = state_dir + "/" + kWitnessKeyFile;
  const std::string vkey_path = state_dir + "/" + kWitnessVkeyFile;
  WitnessKey out;
  if (::access(key_path.c_str(), F_OK) != 0) {
    if (::access(vkey_path.c_str(), F_OK) == 0) return FailedPrecondition("witness.vkey exists without witness.key");
    ossl::UniquePtr<EVP_PKEY_CTX> ctx(EVP_PKEY_CTX_new_id(EVP_PKEY_ED25519, nullptr));
    EVP_PKEY* raw = nullptr;
    if (!ctx || EVP_PKEY_keygen_init(ctx.get()) != 1 || EVP_PKEY_keygen(ctx.get(), &raw) != 1) {
      return ossl::OpenSslError(ErrorCode::kInternal, "generating the witness key");
    }
    out.key.reset(raw);
    ossl::UniquePtr<BIO> bio(BIO_new(BIO_s_mem()));
    if (!bio || PEM_write_bio_PrivateKey(bio.get(), out.key.get(), nullptr, nullptr, 0, nullptr, nullptr) != 1) {
      return ossl::OpenSslError(ErrorCode::kInternal, "encoding the witness key");
    }
    char* pem = nullptr;
    long len = BIO_get_mem_data(bio.get(), &pem);
    // The PEM holds the private key: it lives only in the BIO and the 0600 file.
    SIGNET_RETURN_IF_ERROR(WriteFileAtomic(key_path, std::string_view(pem, static_cast<size_t>(len)), 0600));
    Bytes pub(32);
    size_t pub_len = pub.size();
    if (EVP_PKEY_get_raw_public_key(out.key.get(), pub.data(), &pub_len) != 1) {
      return ossl::OpenSslError(ErrorCode::kInternal, "reading the witness public key");
    }
    std::string vkey = attestation::FormatNoteVerifierKey(name, attestation::kNoteAlgCosignatureV1, pub);
    SIGNET_RETURN_IF_ERROR(WriteFileAtomic(vkey_path, vkey + "\n", 0644));
  } else {
    auto pem = ReadFile(key_path, 16 * 1024);
    if (!pem.ok()) return std::move(pem).error().Prefix("reading the witness key");
    ossl::UniquePtr<BIO> bio(BIO_new_mem_buf(pem->data(), static_cast<int>(pem->size())));
    out.key.reset(bio ? PEM_read_bio_PrivateKey(bio.get(), nullptr, nullptr, nullptr) : nullptr);
    OPENSSL_cleanse(pem->data(), pem->size());
    if (!out.key || EVP_PKEY_get_base_id(out.key.get()) != EVP_PKEY_ED25519) {
      ossl::DrainErrors();
      return InvalidArgument("witness.key is not an Ed25519 private key (PKCS#8 PEM)");
    }
  }
  auto vtext = ReadFile(vkey_path, attestation::kMaxNoteVerifierKeyBytes);
  if (!vtext.ok()) return std::move(vtext).error().Prefix("reading the witness verifier key");
  SIGNET_ASSIGN_OR_RETURN(out.vkey, attestation::ParseNoteVerifierKey(*vtext));
  Bytes pub(32);
  size_t pub_len = pub.size();
  if (EVP_PKEY_get_raw_public_key(out.key.get(), pub.data(), &pub_len) != 1 || pub != out.vkey.public_key ||
      out.vkey.alg != attestation::kNoteAlgCosignatureV1) {
    ossl::DrainErrors();
    return InvalidArgument("witness.vkey does not match witness.key");
  }
  return out;
}

}  // namespace

Result<WitnessResult> RunWitness(const std::string& state_dir, const std::string& log_dir,
                                 const attestation::NoteVerifierKey& log_key, const std::string& name, uint64_t now) {
  // 1. The witness key.
  SIGNET_ASSIGN_OR_RETURN(WitnessKey wkey, LoadOrCreateWitnessKey(state_dir, name));
  // 2. What it saw before, and the log now.
  const std::string seen_path = state_dir + "/" + kWitnessCheckpointFile;
  std::optional<std::string> seen;
  if (::access(seen_path.c_str(), F_OK) == 0) {
    auto text = ReadFile(seen_path, attestation::kMaxCheckpointBytes);
    if (!text.ok()) return std::move(text).error().Prefix("reading the witness state");
    seen = std::move(*text);
  }
  SIGNET_ASSIGN_OR_RETURN(LogReport report, VerifyLogDir(log_dir, log_key, seen));
  WitnessResult out;
  out.previous_size = report.consistent_from;
  out.size = report.checkpoint.tree_size;
  out.witness_verifier_key = attestation::FormatNoteVerifierKey(wkey.vkey.name, wkey.vkey.alg, wkey.vkey.public_key);
  // 3. Cosign (tlog-cosignature/v1) and remember.
  std::string msg = attestation::CosignatureMessage(attestation::CheckpointText(report.checkpoint), now);
  ossl::UniquePtr<EVP_MD_CTX> ctx(EVP_MD_CTX_new());
  Bytes sig(64);
  size_t sig_len = sig.size();
  if (!ctx || EVP_DigestSignInit(ctx.get(), nullptr, nullptr, nullptr, wkey.key.get()) != 1 ||
      EVP_DigestSign(ctx.get(), sig.data(), &sig_len, reinterpret_cast<const uint8_t*>(msg.data()), msg.size()) != 1 ||
      sig_len != 64) {
    return ossl::OpenSslError(ErrorCode::kInternal, "cosigning the checkpoint");
  }
  out.cosigned = report.note + attestation::CosignatureLine(wkey.vkey.name, wkey.vkey.key_id, now, sig);
  SIGNET_RETURN_IF_ERROR(WriteFileAtomic(seen_path, out.cosigned, 0644));
  return out;
}

}  // namespace signet::translog
