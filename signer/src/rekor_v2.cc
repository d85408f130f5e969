#include "signet/signer/rekor_v2.h"

#include <iterator>
#include <string_view>

#include "signet/core/encoding.h"
#include "signet/core/hash.h"

namespace signet::signer {

namespace {

JsonValue Verifier(ByteView spki_der, SignatureAlgorithm alg) {
  JsonValue pk;
  pk.Set("rawBytes", JsonValue::String(Base64Encode(spki_der)));
  JsonValue v;
  if (std::string details = KeyDetailsName(alg); !details.empty()) v.Set("keyDetails", JsonValue::String(details));
  v.Set("publicKey", std::move(pk));
  return v;
}

JsonValue Sha256Output(ByteView digest) {
  JsonValue h;
  h.Set("algorithm", JsonValue::String("SHA2_256")).Set("digest", JsonValue::String(Base64Encode(digest)));
  return h;
}

JsonValue Signature(ByteView signature, ByteView spki_der, SignatureAlgorithm alg) {
  JsonValue s;
  s.Set("content", JsonValue::String(Base64Encode(signature))).Set("verifier", Verifier(spki_der, alg));
  return s;
}

Result<std::string> Body(const char* kind, const char* spec_name, JsonValue spec) {
  JsonValue wrapper;
  wrapper.Set(spec_name, std::move(spec));
  JsonValue entry;
  entry.Set("apiVersion", JsonValue::String(kRekorV2ApiVersion))
      .Set("kind", JsonValue::String(kind))
      .Set("spec", std::move(wrapper));
  return WriteCanonicalJson(entry);
}

// Line returns the n-th (0-based) line of `text`, or nothing.
std::string_view Line(std::string_view text, int n) {
  for (int i = 0; i < n; ++i) {
    size_t nl = text.find('\n');
    if (nl == std::string_view::npos) return {};
    text.remove_prefix(nl + 1);
  }
  size_t nl = text.find('\n');
  return nl == std::string_view::npos ? std::string_view() : text.substr(0, nl);
}

}  // namespace

std::string KeyDetailsName(SignatureAlgorithm alg) {
  switch (alg) {
    case SignatureAlgorithm::kEcdsaP256Sha256:
      return "PKIX_ECDSA_P256_SHA_256";
    case SignatureAlgorithm::kEcdsaP384Sha384:
      return "PKIX_ECDSA_P384_SHA_384";
    case SignatureAlgorithm::kEd25519:
      return "PKIX_ED25519";
    case SignatureAlgorithm::kRsa2048Pkcs1Sha256:
      return "PKIX_RSA_PKCS1V15_2048_SHA256";
    case SignatureAlgorithm::kRsa3072PssSha256:
      return "PKIX_RSA_PSS_3072_SHA256";
    case SignatureAlgorithm::kRsaPssSha256:
      break;  // any size: no single name
  }
  return "";
}

Result<std::string> HashedRekordBody(ByteView sha256_digest, ByteView signature, ByteView spki_der,
                                     SignatureAlgorithm alg) {
  if (sha256_digest.size() != 32) return InvalidArgument("a hashedrekord digest must be 32 bytes of SHA-256");
  JsonValue spec;
  spec.Set("data", Sha256Output(sha256_digest)).Set("signature", Signature(signature, spki_der, alg));
  return Body(kRekorKindHashedRekord, "hashedRekordV002", std::move(spec));
}

Result<std::string> DsseBody(ByteView payload, ByteView signature, ByteView spki_der, SignatureAlgorithm alg) {
  JsonValue spec;
  spec.Set("payloadHash", Sha256Output(Sha256(payload)))
      .Set("signatures", JsonValue::MakeArray({Signature(signature, spki_der, alg)}));
  return Body(kRekorKindDsse, "dsseV002", std::move(spec));
}

Bytes LogKeyId(std::string_view origin, ByteView raw_ed25519_key) {
  Bytes msg(origin.begin(), origin.end());
  msg.push_back(0x0A);
  msg.push_back(0x01);
  msg.insert(msg.end(), raw_ed25519_key.begin(), raw_ed25519_key.end());
  return Sha256(msg);
}

Result<JsonValue> TlogEntryJson(const LoggedEntry& entry) {
  const std::string_view root = Line(entry.checkpoint, 2);
  auto root_hash = Base64Decode(root);
  if (!root_hash.ok() || root_hash->size() != 32) {
    return InvalidArgument("the checkpoint covering a log entry has no root hash");
  }
  JsonValue hashes = JsonValue::MakeArray();
  for (const Bytes& h : entry.inclusion_proof) hashes.Push(JsonValue::String(Base64Encode(h)));
  JsonValue checkpoint;
  checkpoint.Set("envelope", JsonValue::String(entry.checkpoint));
  JsonValue proof;
  proof.Set("logIndex", JsonValue::String(std::to_string(entry.index)))
      .Set("rootHash", JsonValue::String(std::string(root)))
      .Set("treeSize", JsonValue::String(std::to_string(entry.tree_size)))
      .Set("hashes", std::move(hashes))
      .Set("checkpoint", std::move(checkpoint));
  JsonValue log_id;
  log_id.Set("keyId", JsonValue::String(Base64Encode(entry.log_id)));
  JsonValue kind_version;
  kind_version.Set("kind", JsonValue::String(entry.kind)).Set("version", JsonValue::String(kRekorV2ApiVersion));
  JsonValue out;
  out.Set("logIndex", JsonValue::String(std::to_string(entry.index)))
      .Set("logId", std::move(log_id))
      .Set("kindVersion", std::move(kind_version))
      .Set("integratedTime", JsonValue::String("0"))
      .Set("inclusionProof", std::move(proof))
      .Set("canonicalizedBody", JsonValue::String(Base64Encode(AsBytes(entry.body))));
  return out;
}

Result<JsonValue> TrustedRootJson(const TrustedRootLog& log, const std::optional<TrustedRootTsa>& tsa) {
  if (log.raw_ed25519_key.size() != 32) return InvalidArgument("the log key is not a 32-byte Ed25519 key");
  // SubjectPublicKeyInfo of an Ed25519 key (RFC 8410): a fixed 12-byte prefix and the key.
  static constexpr uint8_t kEd25519SpkiPrefix[] = {0x30, 0x2a, 0x30, 0x05, 0x06, 0x03,
                                                   0x2b, 0x65, 0x70, 0x03, 0x21, 0x00};
  Bytes spki(std::begin(kEd25519SpkiPrefix), std::end(kEd25519SpkiPrefix));
  spki.insert(spki.end(), log.raw_ed25519_key.begin(), log.raw_ed25519_key.end());
  JsonValue valid_for;
  valid_for.Set("start", JsonValue::String(FormatRfc3339(log.valid_from)));
  JsonValue pk;
  pk.Set("rawBytes", JsonValue::String(Base64Encode(spki)))
      .Set("keyDetails", JsonValue::String(KeyDetailsName(SignatureAlgorithm::kEd25519)))
      .Set("validFor", std::move(valid_for));
  JsonValue log_id;
  log_id.Set("keyId", JsonValue::String(Base64Encode(LogKeyId(log.origin, log.raw_ed25519_key))));
  JsonValue tlog;
  tlog.Set("baseUrl", JsonValue::String("https://" + log.origin))
      .Set("hashAlgorithm", JsonValue::String("SHA2_256"))
      .Set("publicKey", std::move(pk))
      .Set("logId", std::move(log_id));
  JsonValue authorities = JsonValue::MakeArray();
  if (tsa) {
    if (tsa->chain_der.empty()) return InvalidArgument("the TSA chain is empty");
    JsonValue certs = JsonValue::MakeArray();
    for (const Bytes& der : tsa->chain_der) {
      JsonValue c;
      c.Set("rawBytes", JsonValue::String(Base64Encode(der)));
      certs.Push(std::move(c));
    }
    JsonValue chain;
    chain.Set("certificates", std::move(certs));
    JsonValue subject;
    subject.Set("organization", JsonValue::String(log.origin)).Set("commonName", JsonValue::String(tsa->common_name));
    JsonValue tsa_valid;
    tsa_valid.Set("start", JsonValue::String(FormatRfc3339(tsa->valid_from)));
    if (tsa->valid_to) tsa_valid.Set("end", JsonValue::String(FormatRfc3339(*tsa->valid_to)));
    JsonValue a;
    a.Set("subject", std::move(subject))
        .Set("uri", JsonValue::String(tsa->uri))
        .Set("certChain", std::move(chain))
        .Set("validFor", std::move(tsa_valid));
    authorities.Push(std::move(a));
  }
  JsonValue root;
  root.Set("mediaType", JsonValue::String(kTrustedRootMediaType))
      .Set("tlogs", JsonValue::MakeArray({std::move(tlog)}))
      .Set("certificateAuthorities", JsonValue::MakeArray())
      .Set("ctlogs", JsonValue::MakeArray())
      .Set("timestampAuthorities", std::move(authorities));
  return root;
}

}  // namespace signet::signer
