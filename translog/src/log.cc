// The tile-based transparency log writer: batching, commit point, crash recovery.
#include "signet/translog/log.h"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <future>
#include <set>

#include "fsio.h"
#include "signet/attestation/checkpoint.h"
#include "signet/core/encoding.h"
#include "signet/core/file.h"
#include "signet/core/ossl.h"
#include "signet/translog/tiles.h"

namespace signet::translog {
namespace {

// U+2014 EM DASH and a space start every signature line (c2sp signed-note).
constexpr char kSigPrefix[] = "\xE2\x80\x94 ";
constexpr size_t kMaxStateBytes = attestation::kMaxCheckpointBytes + 64;

std::string CheckpointTextFor(const std::string& origin, uint64_t size, const Bytes& root) {
  attestation::Checkpoint cp;
  cp.origin = origin;
  cp.tree_size = size;
  cp.root_hash = root;
  return attestation::CheckpointText(cp);
}

// VerifyOwnCheckpoint checks `note` with the signer's own public key.
Result<attestation::Checkpoint> VerifyOwnCheckpoint(const NoteSigner& signer, std::string_view note) {
  SIGNET_ASSIGN_OR_RETURN(attestation::NoteVerifierKey vkey, attestation::ParseNoteVerifierKey(signer.verifier_key()));
  auto cp = attestation::VerifyCheckpoint(note, {vkey.note_key()});
  if (!cp.ok()) return FailedPrecondition("the committed checkpoint does not verify with the log key");
  if (cp->origin != signer.origin()) return FailedPrecondition("the committed checkpoint has another origin");
  return cp;
}

Status ReadTileFile(const std::string& log_dir, const TileId& tile, std::string* out) {
  auto data = ReadFile(log_dir + "/" + TilePath(tile), kMaxBundleBytes);
  if (!data.ok()) return FailedPrecondition("the committed tile " + TilePath(tile) + " cannot be read");
  *out = std::move(*data);
  return OkStatus();
}

}  // namespace

// --- NoteSigner ---

Result<NoteSigner> NoteSigner::Create(std::string origin, fw::SigningKey& key) {
  if (key.algorithm() != SignatureAlgorithm::kEd25519) {
    return InvalidArgument("the log key must be an Ed25519 key (c2sp signed-note)");
  }
  if (origin.empty() || origin.size() > 255 || origin.find_first_of(" +\n\t/") != std::string::npos) {
    return InvalidArgument("the log origin must be a bare host name (no spaces, '+' or '/')");
  }
  SIGNET_ASSIGN_OR_RETURN(Bytes raw, attestation::Ed25519RawPublicKey(key.public_key_spki()));
  NoteSigner s;
  s.origin_ = std::move(origin);
  s.key_id_ = attestation::NoteKeyId(s.origin_, attestation::kNoteAlgEd25519, raw);
  s.verifier_key_ = attestation::FormatNoteVerifierKey(s.origin_, attestation::kNoteAlgEd25519, raw);
  s.key_ = &key;
  return s;
}

Result<std::string> NoteSigner::Sign(std::string_view text) const {
  SIGNET_ASSIGN_OR_RETURN(Bytes sig, key_->Sign(AsBytes(text)));
  if (sig.size() != 64) return Internal("the log key returned a signature that is not 64 bytes");
  Bytes raw = key_id_;
  raw.insert(raw.end(), sig.begin(), sig.end());
  return std::string(text) + "\n" + kSigPrefix + origin_ + " " + Base64Encode(raw) + "\n";
}

// --- TransparencyLog ---

Status TransparencyLog::Create(const std::string& state_dir, const NoteSigner& signer) {
  const std::string state_path = state_dir + "/" + kStateFileName;
  if (::access(state_path.c_str(), F_OK) == 0) return AlreadyExists("a log already exists in " + state_dir);
  const std::string log_dir = state_dir + "/" + kLogDirName;
  if (::mkdir(log_dir.c_str(), 0755) != 0 && errno != EEXIST) {
    return Internal("cannot create " + log_dir + ": " + std::strerror(errno));
  }
  HashTree empty;
  SIGNET_ASSIGN_OR_RETURN(Bytes root, empty.Root(0));
  SIGNET_ASSIGN_OR_RETURN(std::string note, signer.Sign(CheckpointTextFor(signer.origin(), 0, root)));
  SIGNET_RETURN_IF_ERROR(WriteFileAtomic(state_path, std::string(kStateMagic) + note, 0644));
  return WriteFileAtomic(log_dir + "/checkpoint", note, 0644);
}

Result<std::string> ReadStateCheckpoint(const std::string& state_dir) {
  auto text = ReadFile(state_dir + "/" + kStateFileName, kMaxStateBytes);
  if (!text.ok()) {
    if (text.error().code() == ErrorCode::kNotFound) return NotFound("no log in " + state_dir + " (run `signet log init`)");
    return std::move(text).error();
  }
  std::string_view magic = kStateMagic;
  if (text->compare(0, magic.size(), magic) != 0) return FailedPrecondition("log-state is not a Signet log state file");
  return text->substr(magic.size());
}

TransparencyLog::TransparencyLog(std::string state_dir, NoteSigner signer, LogOptions options)
    : state_dir_(std::move(state_dir)),
      log_dir_(state_dir_ + "/" + kLogDirName),
      signer_(std::move(signer)),
      options_(options) {}

Result<std::unique_ptr<TransparencyLog>> TransparencyLog::Open(const std::string& state_dir, NoteSigner signer,
                                                                LogOptions options) {
  if (options.max_batch == 0) return InvalidArgument("max_batch must be positive");
  std::unique_ptr<TransparencyLog> log(new TransparencyLog(state_dir, std::move(signer), options));
  // 0. One writer per state directory.
  const std::string lock_path = state_dir + "/" + kLockFileName;
  log->lock_fd_ = UniqueFd(::open(lock_path.c_str(), O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0600));
  if (!log->lock_fd_.valid()) return Internal("cannot open " + lock_path + ": " + std::strerror(errno));
  if (::flock(log->lock_fd_.get(), LOCK_EX | LOCK_NB) != 0) {
    return Unavailable("another process is writing the log in " + state_dir);
  }
  SIGNET_RETURN_IF_ERROR(log->LoadCommitted());
  log->thread_ = std::thread([raw = log.get()] { raw->Run(); });
  return log;
}

// LoadCommitted is Open's recovery (the header comment), also run by the committer on Recover.
Status TransparencyLog::LoadCommitted() {
  // 1. The committed tree.
  SIGNET_ASSIGN_OR_RETURN(std::string note, ReadStateCheckpoint(state_dir_));
  SIGNET_ASSIGN_OR_RETURN(attestation::Checkpoint cp, VerifyOwnCheckpoint(signer_, note));
  const uint64_t size = cp.tree_size;

  // 2. The public checkpoint is the committed one (before any tile is removed: the tiles of the
  //    committed tree were all in place before the commit point).
  auto published = ReadFile(log_dir_ + "/checkpoint", kMaxStateBytes);
  if (!published.ok() || *published != note) {
    SIGNET_RETURN_IF_ERROR(WriteFileAtomic(log_dir_ + "/checkpoint", note, 0644));
  }

  // 3. Remove temporary files and every tile the committed tree does not define (a batch that
  //    never committed, or partial tiles a later tile superseded).
  std::set<std::string> keep;
  for (const TileId& t : TilesFor(size)) keep.insert(TilePath(t));
  SIGNET_ASSIGN_OR_RETURN(std::vector<std::string> files, internal::ListFiles(log_dir_));
  for (const std::string& rel : files) {
    bool temp = rel.find(internal::kTempMarker) != std::string::npos;
    bool stale = !temp && ParseTilePath(rel).ok() && keep.count(rel) == 0;
    if (temp || stale) ::unlink((log_dir_ + "/" + rel).c_str());
  }
  SIGNET_ASSIGN_OR_RETURN(std::vector<std::string> top, internal::ListFiles(state_dir_));
  for (const std::string& rel : top) {
    if (rel.find('/') == std::string::npos && rel.find(internal::kTempMarker) != std::string::npos) {
      ::unlink((state_dir_ + "/" + rel).c_str());
    }
  }

  // 4. Rebuild the tree from the level-0 tiles; it must give the committed root.
  tree_.Truncate(0);
  tail_entries_.clear();
  publish_error_ = OkStatus();
  for (const TileId& t : TilesFor(size)) {
    if (t.level != 0) continue;
    std::string data;
    SIGNET_RETURN_IF_ERROR(ReadTileFile(log_dir_, t, &data));
    auto hashes = ParseHashTile(AsBytes(data), t.width);
    if (!hashes.ok()) return FailedPrecondition("the committed tile " + TilePath(t) + " is malformed");
    for (const Bytes& h : *hashes) {
      Hash hh;
      std::copy(h.begin(), h.end(), hh.begin());
      tree_.AppendLeafHash(hh);
    }
  }
  SIGNET_ASSIGN_OR_RETURN(Bytes root, tree_.Root(size));
  if (tree_.size() != size || root != cp.root_hash) {
    return FailedPrecondition("the stored tiles do not give the committed root (run `signet log verify`)");
  }
  // 5. The entries of the last, partial bundle (the next batch rewrites that bundle).
  if (size % kTileWidth != 0) {
    TileId t{kEntriesLevel, size / kTileWidth, size % kTileWidth};
    std::string data;
    SIGNET_RETURN_IF_ERROR(ReadTileFile(log_dir_, t, &data));
    auto entries = ParseEntryBundle(AsBytes(data), t.width);
    if (!entries.ok()) return FailedPrecondition("the committed entry bundle " + TilePath(t) + " is malformed");
    auto got = tree_.TileData(TileId{0, t.index, t.width}, size);
    if (!got.ok()) return FailedPrecondition("the committed tree has no tile " + TilePath(t));
    for (uint64_t i = 0; i < t.width; ++i) {
      Hash want = LeafHash(AsBytes((*entries)[i]));
      if (!std::equal(want.begin(), want.end(), got->begin() + static_cast<std::ptrdiff_t>(i * 32))) {
        return FailedPrecondition("the committed entry bundle " + TilePath(t) + " does not match its hashes");
      }
    }
    tail_entries_ = std::move(*entries);
  }
  {
    std::lock_guard<std::mutex> lock(mu_);
    checkpoint_ = std::move(note);
    committed_size_ = size;
  }
  return OkStatus();
}

TransparencyLog::~TransparencyLog() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stop_ = true;
  }
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
}

void TransparencyLog::AppendAsync(std::string entry, Callback done) {
  if (entry.size() > kMaxEntryBytes) {
    done(InvalidArgument("a log entry is longer than 65535 bytes"));
    return;
  }
  {
    std::lock_guard<std::mutex> lock(mu_);
    queue_.push_back(Pending{std::move(entry), std::move(done), nullptr});
  }
  cv_.notify_one();
}

Status TransparencyLog::Recover() {
  std::promise<Status> promise;
  auto future = promise.get_future();
  {
    std::lock_guard<std::mutex> lock(mu_);
    Pending p;
    p.recovered = [&promise](Status st) { promise.set_value(std::move(st)); };
    queue_.push_back(std::move(p));
  }
  cv_.notify_one();
  return future.get();
}

Result<Integrated> TransparencyLog::Append(std::string entry) {
  std::promise<Result<Integrated>> promise;
  auto future = promise.get_future();
  AppendAsync(std::move(entry), [&promise](Result<Integrated> r) { promise.set_value(std::move(r)); });
  return future.get();
}

std::string TransparencyLog::checkpoint() const {
  std::lock_guard<std::mutex> lock(mu_);
  return checkpoint_;
}

uint64_t TransparencyLog::size() const {
  std::lock_guard<std::mutex> lock(mu_);
  return committed_size_;
}

void TransparencyLog::Run() {
  while (true) {
    std::vector<Pending> batch;
    std::function<void(Status)> recover;
    Status broken = OkStatus();
    {
      std::unique_lock<std::mutex> lock(mu_);
      cv_.wait(lock, [this] { return stop_ || !queue_.empty(); });
      if (queue_.empty()) return;  // stop_ and drained
      // A recovery request is served alone, after every entry queued before it.
      if (queue_.front().recovered) {
        recover = std::move(queue_.front().recovered);
        queue_.pop_front();
      }
      while (!recover && !queue_.empty() && !queue_.front().recovered && batch.size() < options_.max_batch) {
        batch.push_back(std::move(queue_.front()));
        queue_.pop_front();
      }
      broken = broken_;
    }
    if (recover) {
      // Re-read the committed state from disk, exactly as Open does after a crash: what a failed
      // batch left behind (renamed tiles, temporary files, a lagging public checkpoint) is
      // undone or republished, and the in-memory tree is the committed one again.
      Status st = LoadCommitted();
      if (st.ok()) {
        std::lock_guard<std::mutex> lock(mu_);
        broken_ = OkStatus();
      }
      recover(std::move(st));
      continue;
    }
    if (!broken.ok()) {
      for (Pending& p : batch) p.done(broken.error());
      continue;
    }
    std::vector<std::string> entries;
    entries.reserve(batch.size());
    for (Pending& p : batch) entries.push_back(std::move(p.entry));
    const uint64_t first = tree_.size();
    std::string note;
    Status st = CommitBatch(entries, &note);
    if (!st.ok()) {
      {
        std::lock_guard<std::mutex> lock(mu_);
        broken_ = st;
      }
      for (Pending& p : batch) p.done(st.error());
      continue;
    }
    const uint64_t n = tree_.size();
    {
      std::lock_guard<std::mutex> lock(mu_);
      checkpoint_ = note;
      committed_size_ = n;
      // The batch is committed, but the public checkpoint lags: refuse more until reopened.
      if (!publish_error_.ok()) broken_ = publish_error_;
    }
    for (size_t i = 0; i < batch.size(); ++i) {
      auto proof = tree_.InclusionProof(first + i, n);
      if (!proof.ok()) {
        batch[i].done(proof.error());
        continue;
      }
      batch[i].done(Integrated{first + i, n, note, std::move(*proof)});
    }
  }
}

Status TransparencyLog::CommitBatch(const std::vector<std::string>& entries, std::string* note) {
  const uint64_t old_size = tree_.size();
  const uint64_t new_size = old_size + entries.size();
  // The entries from the start of the first changed bundle.
  std::vector<std::string> all = tail_entries_;
  all.insert(all.end(), entries.begin(), entries.end());
  const uint64_t base = (old_size / kTileWidth) * kTileWidth;
  for (const std::string& e : entries) tree_.AppendEntry(AsBytes(e));
  auto rollback = [&](Status st) {
    tree_.Truncate(old_size);
    return st;
  };

  // 1. Stage every changed tile.
  internal::DurableBatch files;
  const std::vector<TileId> changed = TilesChanged(old_size, new_size);
  for (const TileId& t : changed) {
    Bytes data;
    if (t.level == kEntriesLevel) {
      auto from = all.begin() + static_cast<std::ptrdiff_t>(t.index * kTileWidth - base);
      std::vector<std::string> bundle(from, from + static_cast<std::ptrdiff_t>(t.width));
      auto enc = EncodeEntryBundle(bundle);
      if (!enc.ok()) return rollback(enc.error());
      data = std::move(*enc);
    } else {
      auto tile = tree_.TileData(t, new_size);
      if (!tile.ok()) return rollback(tile.error());
      data = std::move(*tile);
    }
    Status st = files.Stage(log_dir_ + "/" + TilePath(t), data);
    if (!st.ok()) return rollback(st);
  }
  // 2. Rename them into place; fsync their directories once.
  if (Status st = files.Commit(); !st.ok()) return rollback(st);

  // 3. One checkpoint signature for the batch.
  auto root = tree_.Root(new_size);
  if (!root.ok()) return rollback(root.error());
  auto signed_note = signer_.Sign(CheckpointTextFor(signer_.origin(), new_size, *root));
  if (!signed_note.ok()) return rollback(signed_note.error());

  // 4. The commit point, then the public checkpoint.
  if (Status st = WriteFileAtomic(state_dir_ + "/" + kStateFileName, std::string(kStateMagic) + *signed_note, 0644);
      !st.ok()) {
    return rollback(st);
  }
  // From here on the batch is committed. The public checkpoint is renamed into place without an
  // fsync: log-state is the durable copy, and Open republishes it after a power loss.
  Status published = internal::ReplaceWithoutSync(log_dir_ + "/checkpoint", AsBytes(*signed_note));

  // 5. Superseded partial tiles go, unless the public checkpoint still names the old tree (its
  //    readers need them; Recover or Open republishes and removes them then).
  for (const TileId& t : changed) {
    if (!published.ok()) break;
    unsigned shift = t.level == kEntriesLevel ? 0 : kTileHeight * static_cast<unsigned>(t.level);
    uint64_t old_count = old_size >> shift;
    if (old_count <= t.index * kTileWidth) continue;
    uint64_t old_width = old_count - t.index * kTileWidth;
    if (old_width < kTileWidth && old_width != t.width) {
      ::unlink((log_dir_ + "/" + TilePath(TileId{t.level, t.index, old_width})).c_str());
    }
  }
  const uint64_t tail_start = (new_size / kTileWidth) * kTileWidth;
  tail_entries_.assign(all.begin() + static_cast<std::ptrdiff_t>(tail_start - base), all.end());
  *note = std::move(*signed_note);
  publish_error_ = published;
  return OkStatus();
}

}  // namespace signet::translog
