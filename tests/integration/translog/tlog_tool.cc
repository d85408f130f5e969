// tlog_tool: drives translog/ for the integration tests with a software Ed25519 key (the HSM
// path is covered by `signet log init` in translog_cli.sh).
//   tlog_tool init STATE ORIGIN KEY.pem          create the log and appliance.yaml; print the vkey
//   tlog_tool append STATE KEY.pem COUNT PREFIX [MAX_BATCH]  append COUNT entries "PREFIX-<i>" through
//                                                AppendAsync; print "ACK <entry> <index> <size>"
//                                                (one write(2) per entry) once each is committed
//   tlog_tool check STATE ACKFILE...             every ACK'd entry is at its index in the
//                                                committed log and covered by its checkpoint
//   tlog_tool proofs STATE OUT.json              inclusion and consistency proofs (from the
//                                                entries) for the Go peer to check
#include <unistd.h>

#include <atomic>
#include <condition_variable>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <mutex>
#include <sstream>
#include <string>

#include "signet/attestation/checkpoint.h"
#include "signet/core/encoding.h"
#include "signet/core/file.h"
#include "signet/core/json.h"
#include "signet/translog/appliance_config.h"
#include "signet/translog/log.h"
#include "signet/translog/tiles.h"
#include "signet/translog/verify.h"
#include "soft_ed25519_key.h"

using namespace signet;

namespace {

int Fail(const std::string& what) {
  std::fprintf(stderr, "tlog_tool: %s\n", what.c_str());
  return 1;
}

Result<attestation::Checkpoint> Committed(const std::string& state, std::string* note_out) {
  SIGNET_ASSIGN_OR_RETURN(translog::ApplianceConfig cfg, translog::ReadApplianceConfig(state));
  SIGNET_ASSIGN_OR_RETURN(attestation::NoteVerifierKey vkey, attestation::ParseNoteVerifierKey(cfg.log_verifier_key));
  SIGNET_ASSIGN_OR_RETURN(std::string note, ReadFile(state + "/log/checkpoint"));
  if (note_out) *note_out = note;
  return attestation::VerifyCheckpoint(note, {vkey.note_key()});
}

// Entries reads the first `size` entries from the entry bundles.
Result<std::vector<std::string>> Entries(const std::string& log_dir, uint64_t size) {
  std::vector<std::string> out;
  for (const translog::TileId& t : translog::TilesFor(size)) {
    if (t.level != translog::kEntriesLevel) continue;
    SIGNET_ASSIGN_OR_RETURN(std::string data, ReadFile(log_dir + "/" + translog::TilePath(t)));
    SIGNET_ASSIGN_OR_RETURN(std::vector<std::string> e, translog::ParseEntryBundle(AsBytes(data), t.width));
    out.insert(out.end(), e.begin(), e.end());
  }
  return out;
}

int Init(const std::string& state, const std::string& origin, const std::string& key_path) {
  auto key = testing::SoftEd25519Key::Load(key_path);
  if (!key) return Fail("cannot load " + key_path);
  auto signer = translog::NoteSigner::Create(origin, *key);
  if (!signer.ok()) return Fail(signer.error().ToString());
  if (auto st = translog::WriteApplianceConfig(state, {origin, "file:" + key_path, signer->verifier_key()}); !st.ok()) {
    return Fail(st.error().ToString());
  }
  if (auto st = translog::TransparencyLog::Create(state, *signer); !st.ok()) return Fail(st.error().ToString());
  std::printf("%s\n", signer->verifier_key().c_str());
  return 0;
}

int Append(const std::string& state, const std::string& key_path, uint64_t count, const std::string& prefix,
           size_t max_batch) {
  auto key = testing::SoftEd25519Key::Load(key_path);
  if (!key) return Fail("cannot load " + key_path);
  auto cfg = translog::ReadApplianceConfig(state);
  if (!cfg.ok()) return Fail(cfg.error().ToString());
  auto signer = translog::NoteSigner::Create(cfg->origin, *key);
  if (!signer.ok()) return Fail(signer.error().ToString());
  translog::LogOptions options;
  options.max_batch = max_batch;  // small batches: many commit points for the kill loop to hit
  auto log = translog::TransparencyLog::Open(state, *signer, options);
  if (!log.ok()) return Fail(log.error().ToString());
  std::mutex mu;
  std::condition_variable cv;
  uint64_t done = 0;
  bool failed = false;
  for (uint64_t i = 0; i < count; ++i) {
    std::string entry = prefix + "-" + std::to_string(i);
    (*log)->AppendAsync(entry, [&, entry](Result<translog::Integrated> r) {
      std::lock_guard<std::mutex> lock(mu);
      if (r.ok()) {
        std::string line = "ACK " + entry + " " + std::to_string(r->index) + " " + std::to_string(r->tree_size) + "\n";
        ssize_t n = ::write(1, line.data(), line.size());
        (void)n;
      } else {
        failed = true;
      }
      ++done;
      cv.notify_all();
    });
    // Keep the queue short so each batch is small and commits come often.
    std::unique_lock<std::mutex> lock(mu);
    cv.wait(lock, [&] { return i + 1 - done < 256; });
  }
  std::unique_lock<std::mutex> lock(mu);
  cv.wait(lock, [&] { return done == count; });
  return failed ? Fail("an append failed") : 0;
}

int Check(const std::string& state, int argc, char** argv) {
  std::string note;
  auto cp = Committed(state, &note);
  if (!cp.ok()) return Fail(cp.error().ToString());
  auto entries = Entries(state + "/log", cp->tree_size);
  if (!entries.ok()) return Fail(entries.error().ToString());
  uint64_t acks = 0;
  for (int a = 0; a < argc; ++a) {
    std::ifstream in(argv[a]);
    std::string line;
    while (std::getline(in, line)) {
      std::istringstream ls(line);
      std::string tag, entry;
      uint64_t index = 0, size = 0;
      if (!(ls >> tag >> entry >> index >> size) || tag != "ACK") continue;  // a line cut by the kill
      ++acks;
      if (index >= cp->tree_size || size > cp->tree_size) {
        return Fail("acknowledged entry " + entry + " is not covered by the checkpoint");
      }
      if ((*entries)[index] != entry) return Fail("acknowledged entry " + entry + " is not at its index");
    }
  }
  std::printf("%llu acknowledged entries present and covered (tree size %llu)\n", static_cast<unsigned long long>(acks),
              static_cast<unsigned long long>(cp->tree_size));
  return 0;
}

int Proofs(const std::string& state, const std::string& out_path) {
  auto cp = Committed(state, nullptr);
  if (!cp.ok()) return Fail(cp.error().ToString());
  const uint64_t n = cp->tree_size;
  auto tree = translog::TreeFromEntries(state + "/log", n);
  if (!tree.ok()) return Fail(tree.error().ToString());
  auto hashes = [](const std::vector<Bytes>& proof) {
    JsonValue arr = JsonValue::MakeArray();
    for (const Bytes& h : proof) arr.Push(JsonValue::String(Base64Encode(h)));
    return arr;
  };
  JsonValue inc = JsonValue::MakeArray();
  JsonValue con = JsonValue::MakeArray();
  for (uint64_t i = 0; i < n; i = i < 300 ? i + 1 : i * 2 + 7) {
    auto p = tree->InclusionProof(i, n);
    if (!p.ok()) return Fail(p.error().ToString());
    JsonValue e;
    e.Set("index", JsonValue::Uint(i)).Set("proof", hashes(*p));
    inc.Push(std::move(e));
  }
  for (uint64_t m = 1; m <= n; m = m < 300 ? m + 1 : m * 2 + 3) {
    auto p = tree->ConsistencyProof(m, n);
    if (!p.ok()) return Fail(p.error().ToString());
    JsonValue e;
    e.Set("old", JsonValue::Uint(m)).Set("proof", hashes(*p));
    con.Push(std::move(e));
  }
  JsonValue out;
  out.Set("size", JsonValue::Uint(n)).Set("inclusion", std::move(inc)).Set("consistency", std::move(con));
  if (auto st = WriteFileAtomic(out_path, WriteJson(out, 0)); !st.ok()) return Fail(st.error().ToString());
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  std::string cmd = argc > 1 ? argv[1] : "";
  if (cmd == "init" && argc == 5) return Init(argv[2], argv[3], argv[4]);
  if (cmd == "append" && (argc == 6 || argc == 7)) {
    return Append(argv[2], argv[3], std::strtoull(argv[4], nullptr, 10), argv[5],
                  argc == 7 ? std::strtoull(argv[6], nullptr, 10) : 64);
  }
  if (cmd == "check" && argc >= 3) return Check(argv[2], argc - 3, argv + 3);
  if (cmd == "proofs" && argc == 4) return Proofs(argv[2], argv[3]);
  std::fprintf(stderr, "usage: tlog_tool init|append|check|proofs ...\n");
  return 2;
}
