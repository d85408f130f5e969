// c2sp.org/signed-note and c2sp.org/tlog-checkpoint verification.
#include "signet/attestation/checkpoint.h"

#include <charconv>

#include "signet/core/findings.h"
#include "signet/core/encoding.h"
#include "signet/core/hash.h"
#include "signet/core/json.h"
#include "signet/core/ossl.h"

namespace signet::attestation {
namespace {

constexpr const char* kFinding = findings::kCheckpointInvalid;
// "— " : U+2014 EM DASH in UTF-8, then a space (c2sp signed-note).
constexpr std::string_view kSigPrefix = "\xE2\x80\x94 ";
constexpr size_t kKeyHintSize = 4;
// Go's golang.org/x/mod/sumdb/note refuses notes with more than 100 signatures; so do we.
constexpr size_t kMaxSignatures = 100;

Error Invalid(std::string message) { return VerificationFailed(kFinding, std::move(message)); }

struct SignatureLine {
  std::string_view name;
  Bytes hint;  // 4 bytes
  Bytes sig;
};

// ValidName: c2sp signed-note key names are non-empty and contain neither Unicode spaces nor '+'.
// We accept printable ASCII without space/'+' plus any non-ASCII UTF-8 (already validated) that
// is not a Unicode space we know of.
bool ValidName(std::string_view name) {
  if (name.empty()) return false;
  for (size_t i = 0; i < name.size(); ++i) {
    unsigned char c = static_cast<unsigned char>(name[i]);
    if (c <= 0x20 || c == 0x7F || c == '+') return false;
    // U+0085, U+00A0 (C2 85, C2 A0); U+1680 (E1 9A 80); U+2000-U+200A, U+2028, U+2029,
    // U+202F, U+205F (E2 80 xx / E2 81 9F); U+3000 (E3 80 80).
    if (c == 0xC2 && i + 1 < name.size()) {
      unsigned char d = static_cast<unsigned char>(name[i + 1]);
      if (d == 0x85 || d == 0xA0) return false;
    }
    if (c == 0xE1 && name.substr(i, 3) == "\xE1\x9A\x80") return false;
    if (c == 0xE2 && i + 2 < name.size() && static_cast<unsigned char>(name[i + 1]) == 0x80) {
      unsigned char d = static_cast<unsigned char>(name[i + 2]);
      if (d <= 0x8A || d == 0xA8 || d == 0xA9 || d == 0xAF) return false;
    }
    if (c == 0xE2 && name.substr(i, 3) == "\xE2\x81\x9F") return false;
    if (c == 0xE3 && name.substr(i, 3) == "\xE3\x80\x80") return false;
  }
  return true;
}

// SplitLines splits text that ends in '\n' into its lines (without the '\n').
std::vector<std::string_view> SplitLines(std::string_view text) {
  std::vector<std::string_view> lines;
  size_t start = 0;
  while (start < text.size()) {
    size_t nl = text.find('\n', start);
    lines.push_back(text.substr(start, nl - start));
    start = nl + 1;
  }
  return lines;
}

Result<SignatureLine> ParseSignatureLine(std::string_view line) {
  if (line.substr(0, kSigPrefix.size()) != kSigPrefix) {
    return Invalid("signature line does not start with an em dash");
  }
  std::string_view rest = line.substr(kSigPrefix.size());
  size_t sp = rest.find(' ');
  if (sp == std::string_view::npos) return Invalid("signature line has no signature");
  SignatureLine out;
  out.name = rest.substr(0, sp);
  if (!ValidName(out.name)) return Invalid("signature line has an invalid key name");
  auto raw = Base64Decode(rest.substr(sp + 1));
  if (!raw.ok()) return Invalid("signature line has invalid base64");
  // At least the key hint and one signature byte.
  if (raw->size() <= kKeyHintSize) return Invalid("signature line is too short");
  out.hint.assign(raw->begin(), raw->begin() + kKeyHintSize);
  out.sig.assign(raw->begin() + kKeyHintSize, raw->end());
  return out;
}

// ParseDecimal reads an unsigned decimal without sign, leading zeros or overflow.
bool ParseDecimal(std::string_view s, uint64_t* out) {
  if (s.empty() || s.size() > 20) return false;
  if (s.size() > 1 && s[0] == '0') return false;
  for (char c : s) {
    if (c < '0' || c > '9') return false;
  }
  auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), *out);
  return ec == std::errc() && ptr == s.data() + s.size();
}

// ParseBody implements c2sp.org/tlog-checkpoint: origin, size, root hash, extension lines.
Result<Checkpoint> ParseBody(std::string_view text) {
  std::vector<std::string_view> lines = SplitLines(text);
  if (lines.size() < 3) return Invalid("checkpoint body has fewer than three lines");
  Checkpoint cp;
  if (lines[0].empty()) return Invalid("checkpoint origin is empty");
  cp.origin = std::string(lines[0]);
  if (!ParseDecimal(lines[1], &cp.tree_size)) return Invalid("checkpoint tree size is invalid");
  auto root = Base64Decode(lines[2]);
  if (!root.ok() || root->size() != 32) return Invalid("checkpoint root hash is invalid");
  cp.root_hash = std::move(*root);
  for (size_t i = 3; i < lines.size(); ++i) {
    if (lines[i].empty()) return Invalid("checkpoint has an empty extension line");
    cp.extensions.emplace_back(lines[i]);
  }
  return cp;
}

bool IsP256(EVP_PKEY* key) {
  if (EVP_PKEY_get_base_id(key) != EVP_PKEY_EC) return false;
  char group[64] = {0};
  size_t len = 0;
  if (EVP_PKEY_get_utf8_string_param(key, "group", group, sizeof group, &len) != 1) {
    ossl::DrainErrors();
    return false;
  }
  return std::string_view(group, len) == "prime256v1";
}

// VerifyNoteSignature checks one signature over the note text with a pinned key.
bool VerifyNoteSignature(EVP_PKEY* key, ByteView text, const Bytes& sig) {
  if (key == nullptr) return false;
  const EVP_MD* md = nullptr;
  if (EVP_PKEY_get_base_id(key) == EVP_PKEY_ED25519) {
    if (sig.size() != 64) return false;
  } else if (IsP256(key)) {
    md = EVP_sha256();
  } else {
    return false;  // only Ed25519 and ECDSA P-256 log keys are allowed
  }
  ossl::UniquePtr<EVP_MD_CTX> ctx(EVP_MD_CTX_new());
  bool ok = ctx && EVP_DigestVerifyInit(ctx.get(), nullptr, md, nullptr, key) == 1 &&
            EVP_DigestVerify(ctx.get(), sig.data(), sig.size(), text.data(), text.size()) == 1;
  ossl::DrainErrors();
  return ok;
}

// ParsedNote is a note split and parsed by VerifyCheckpoint steps 1-3.
struct ParsedNote {
  std::string_view text;
  std::vector<SignatureLine> lines;
  Checkpoint cp;
};

Result<ParsedNote> ParseNote(std::string_view envelope) {
  if (envelope.empty() || envelope.size() > kMaxCheckpointBytes) {
    return Invalid("checkpoint size is out of range");
  }
  if (!ValidateUtf8(envelope)) return Invalid("checkpoint is not valid UTF-8");
  for (char c : envelope) {
    unsigned char u = static_cast<unsigned char>(c);
    if ((u < 0x20 && u != '\n') || u == 0x7F) {
      return Invalid("checkpoint contains a control character");
    }
  }
  size_t split = envelope.rfind("\n\n");
  if (split == std::string_view::npos) return Invalid("checkpoint has no signature block");
  ParsedNote out;
  out.text = envelope.substr(0, split + 1);
  std::string_view sigs = envelope.substr(split + 2);
  if (sigs.empty() || sigs.back() != '\n') return Invalid("checkpoint has no signature lines");
  for (std::string_view line : SplitLines(sigs)) {
    if (out.lines.size() == kMaxSignatures) return Invalid("checkpoint has too many signatures");
    SIGNET_ASSIGN_OR_RETURN(SignatureLine sl, ParseSignatureLine(line));
    out.lines.push_back(std::move(sl));
  }
  SIGNET_ASSIGN_OR_RETURN(out.cp, ParseBody(out.text));
  return out;
}

ossl::UniquePtr<EVP_PKEY> Ed25519Key(ByteView raw) {
  ossl::UniquePtr<EVP_PKEY> key(EVP_PKEY_new_raw_public_key(EVP_PKEY_ED25519, nullptr, raw.data(), raw.size()));
  if (!key) ossl::DrainErrors();
  return key;
}

}  // namespace

Result<Checkpoint> VerifyCheckpoint(std::string_view envelope, const std::vector<NoteKey>& keys) {
  // 1.-3. Split the note strictly, parse every signature line, then the body (before any
  //       signature check, so malformed text is refused the same way whatever the keys).
  SIGNET_ASSIGN_OR_RETURN(ParsedNote note, ParseNote(envelope));

  // 4./5. Verify the lines whose key hint names a pinned log key; ignore the others.
  for (const SignatureLine& sl : note.lines) {
    for (const NoteKey& k : keys) {
      if (k.log_id.size() < kKeyHintSize) continue;
      if (!std::equal(sl.hint.begin(), sl.hint.end(), k.log_id.begin())) continue;
      if (VerifyNoteSignature(k.key, AsBytes(note.text), sl.sig)) return std::move(note.cp);
    }
  }
  return Invalid("no checkpoint signature verifies with a trusted log key");
}

}  // namespace signet::attestation

namespace signet::attestation {

Bytes NoteKeyId(std::string_view name, uint8_t alg, ByteView public_key) {
  Hasher h(HashAlgorithm::kSha256);
  h.Update(AsBytes(name));
  const uint8_t sep[2] = {0x0A, alg};
  h.Update(ByteView(sep, 2));
  h.Update(public_key);
  Bytes digest = h.Finish();
  digest.resize(kKeyHintSize);
  return digest;
}

Result<NoteVerifierKey> ParseNoteVerifierKey(std::string_view text) {
  auto bad = [](std::string what) {
    return InvalidArgument("note verifier key: " + what).WithFinding(findings::kMalformedInput);
  };
  if (text.size() > kMaxNoteVerifierKeyBytes) return bad("too long");
  while (!text.empty() && (text.back() == '\n' || text.back() == ' ' || text.back() == '\t')) text.remove_suffix(1);
  while (!text.empty() && (text.front() == '\n' || text.front() == ' ' || text.front() == '\t')) text.remove_prefix(1);
  if (!ValidateUtf8(text)) return bad("not UTF-8");
  // The name may not contain '+' (but the base64 key may), so the first two '+' delimit it.
  size_t p1 = text.find('+');
  if (p1 == std::string_view::npos) return bad("expected <name>+<id>+<key>");
  size_t p2 = text.find('+', p1 + 1);
  if (p2 == std::string_view::npos) return bad("expected <name>+<id>+<key>");
  NoteVerifierKey out;
  out.name = std::string(text.substr(0, p1));
  if (!ValidName(out.name)) return bad("invalid key name");
  std::string_view hex = text.substr(p1 + 1, p2 - p1 - 1);
  if (hex.size() != 2 * kKeyHintSize) return bad("key ID is not 8 hex digits");
  auto id = HexDecode(hex);
  if (!id.ok()) return bad("key ID is not lowercase hex");
  auto raw = Base64Decode(text.substr(p2 + 1));
  if (!raw.ok() || raw->size() != 33) return bad("key is not base64 of 33 bytes");
  out.alg = (*raw)[0];
  if (out.alg != kNoteAlgEd25519 && out.alg != kNoteAlgCosignatureV1) return bad("unsupported key type");
  out.public_key.assign(raw->begin() + 1, raw->end());
  out.key_id = NoteKeyId(out.name, out.alg, out.public_key);
  if (out.key_id != *id) return bad("key ID does not match the name and key");
  out.pkey = Ed25519Key(out.public_key);
  if (!out.pkey) return bad("not an Ed25519 key");
  return out;
}

std::string FormatNoteVerifierKey(std::string_view name, uint8_t alg, ByteView public_key) {
  Bytes raw;
  raw.push_back(alg);
  raw.insert(raw.end(), public_key.begin(), public_key.end());
  return std::string(name) + "+" + HexEncode(NoteKeyId(name, alg, public_key)) + "+" + Base64Encode(raw);
}

Result<Bytes> Ed25519RawPublicKey(ByteView spki_der) {
  SIGNET_ASSIGN_OR_RETURN(ossl::UniquePtr<EVP_PKEY> key, ossl::ParsePublicKeyDer(spki_der));
  if (EVP_PKEY_get_base_id(key.get()) != EVP_PKEY_ED25519) return InvalidArgument("the key is not Ed25519");
  Bytes raw(32);
  size_t len = raw.size();
  if (EVP_PKEY_get_raw_public_key(key.get(), raw.data(), &len) != 1 || len != 32) {
    ossl::DrainErrors();
    return InvalidArgument("cannot read the raw Ed25519 public key");
  }
  return raw;
}

std::string CheckpointText(const Checkpoint& cp) {
  std::string out = cp.origin + "\n" + std::to_string(cp.tree_size) + "\n" + Base64Encode(cp.root_hash) + "\n";
  for (const std::string& e : cp.extensions) out += e + "\n";
  return out;
}

std::string CosignatureMessage(std::string_view checkpoint_text, uint64_t timestamp) {
  return "cosignature/v1\ntime " + std::to_string(timestamp) + "\n" + std::string(checkpoint_text);
}

std::string CosignatureLine(std::string_view name, ByteView key_id, uint64_t timestamp, ByteView signature) {
  Bytes raw(key_id.begin(), key_id.end());
  for (int i = 7; i >= 0; --i) raw.push_back(static_cast<uint8_t>(timestamp >> (8 * i)));
  raw.insert(raw.end(), signature.begin(), signature.end());
  return std::string(kSigPrefix) + std::string(name) + " " + Base64Encode(raw) + "\n";
}

Result<uint64_t> VerifyCosignature(std::string_view envelope, const NoteVerifierKey& witness) {
  auto invalid = [](std::string m) { return VerificationFailed(findings::kCosignatureInvalid, std::move(m)); };
  // 1. Parse the note.
  auto note = ParseNote(envelope);
  if (!note.ok()) return invalid("checkpoint note is malformed");
  if (witness.alg != kNoteAlgCosignatureV1 || !witness.pkey) return invalid("witness key is not a cosignature/v1 key");
  // 2./3. The witness's line.
  for (const SignatureLine& sl : note->lines) {
    if (sl.name != witness.name || sl.hint != witness.key_id) continue;
    if (sl.sig.size() != 8 + 64) continue;
    uint64_t ts = 0;
    for (size_t i = 0; i < 8; ++i) ts = (ts << 8) | sl.sig[i];
    Bytes sig(sl.sig.begin() + 8, sl.sig.end());
    if (VerifyNoteSignature(witness.pkey.get(), AsBytes(CosignatureMessage(note->text, ts)), sig)) return ts;
  }
  return invalid("no cosignature from the witness key verifies");
}

}  // namespace signet::attestation
