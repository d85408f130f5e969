#include "signet/attestation/checkpoint.h"

#include <gtest/gtest.h>

#include "case_data.h"
#include "signet/core/encoding.h"
#include "signet/core/hash.h"

namespace signet::attestation {
namespace {

constexpr char kDash[] = "\xE2\x80\x94";  // U+2014

bool IsCheckpointFailure(const Result<Checkpoint>& r) {
  return !r.ok() && r.error().code() == ErrorCode::kVerificationFailed &&
         r.error().finding() == "CHECKPOINT_INVALID";
}

// ---- Real checkpoints from the conformance suite ------------------------------------------

struct RealCase {
  const char* name;
  bool valid;
};

class ConformanceCheckpointTest : public ::testing::TestWithParam<RealCase> {};

TEST_P(ConformanceCheckpointTest, VerifiesAsExpected) {
  auto c = testdata::LoadCase(GetParam().name);
  auto keys = c.root.NoteKeys();
  auto cp = VerifyCheckpoint(c.CheckpointEnvelope(), keys);
  if (GetParam().valid) {
    ASSERT_TRUE(cp.ok()) << cp.error().ToString();
    EXPECT_EQ(cp->tree_size, c.ProofTreeSize());
    EXPECT_EQ(cp->root_hash, c.ProofRoot());
  } else {
    EXPECT_TRUE(IsCheckpointFailure(cp));
  }
}

INSTANTIATE_TEST_SUITE_P(
    Cases, ConformanceCheckpointTest,
    ::testing::Values(RealCase{"happy-path-v0.3", true},                 // Rekor v1, ECDSA
                      RealCase{"intoto-with-custom-trust-root", true},   // private log
                      RealCase{"rekor2-happy-path", true},               // Rekor v2, Ed25519
                      RealCase{"rekor2-checkpoint-cosigned", true},
                      RealCase{"rekor2-checkpoint-multiple-cosigs", true},
                      RealCase{"rekor2-checkpoint-origin-not-first", true},
                      RealCase{"rekor2-checkpoint-two-sigs-cosigned", true},
                      RealCase{"rekor2-checkpoint-two-sigs-from-origin", true},
                      RealCase{"checkpoint-bad-keyhint_fail", false},
                      RealCase{"invalid-checkpoint-signature_fail", false},
                      RealCase{"rekor2-checkpoint-missing-log-signature_fail", false},
                      RealCase{"rekor2-checkpoint-missing-origin_fail", false},
                      RealCase{"rekor2-checkpoint-missing-root-hash_fail", false},
                      RealCase{"rekor2-checkpoint-missing-size_fail", false},
                      RealCase{"rekor2-checkpoint-no-matching-signature_fail", false}),
    [](const auto& param_info) {
      std::string n = param_info.param.name;
      for (char& ch : n) {
        if (!isalnum(static_cast<unsigned char>(ch))) ch = '_';
      }
      return n;
    });

TEST(CheckpointTest, RealRekorV1CheckpointParsesExtensionLine) {
  auto c = testdata::LoadCase("intoto-with-custom-trust-root");
  auto cp = VerifyCheckpoint(c.CheckpointEnvelope(), c.root.NoteKeys());
  ASSERT_TRUE(cp.ok());
  EXPECT_EQ(cp->origin, "localhost:8000 - 124190645164477");
  EXPECT_EQ(cp->tree_size, 1u);
  ASSERT_EQ(cp->extensions.size(), 1u);
  EXPECT_EQ(cp->extensions[0], "Timestamp: 1675209600000000000");
}

TEST(CheckpointTest, WrongRootHashCaseIsSelfConsistentButDoesNotMatchTheProof) {
  auto c = testdata::LoadCase("checkpoint-wrong-roothash_fail");
  auto cp = VerifyCheckpoint(c.CheckpointEnvelope(), c.root.NoteKeys());
  ASSERT_TRUE(cp.ok());  // the signature is genuine ...
  EXPECT_NE(cp->root_hash, c.ProofRoot());  // ... for another tree: callers compare roots.
}

// Mutations of a genuine Rekor v2 (Ed25519) checkpoint.
class RealMutationTest : public ::testing::Test {
 protected:
  void SetUp() override {
    c_ = std::make_unique<testdata::Case>(testdata::LoadCase("rekor2-happy-path"));
    env_ = c_->CheckpointEnvelope();
    keys_ = c_->root.NoteKeys();
    ASSERT_TRUE(VerifyCheckpoint(env_, keys_).ok());
    sig_line_start_ = env_.find(kDash);
    ASSERT_NE(sig_line_start_, std::string::npos);
  }
  // SigLine returns (prefix up to base64, decoded blob, suffix).
  void SplitSig(std::string* prefix, Bytes* blob) {
    size_t sp = env_.rfind(' ');
    *prefix = env_.substr(0, sp + 1);
    std::string b64 = env_.substr(sp + 1, env_.size() - sp - 2);
    *blob = Base64Decode(b64).value();
  }
  std::unique_ptr<testdata::Case> c_;
  std::string env_;
  std::vector<NoteKey> keys_;
  size_t sig_line_start_ = 0;
};

TEST_F(RealMutationTest, FlippedSignatureByteFails) {
  std::string prefix;
  Bytes blob;
  SplitSig(&prefix, &blob);
  for (size_t i : {size_t{4}, size_t{30}, blob.size() - 1}) {
    Bytes bad = blob;
    bad[i] ^= 0x01;
    EXPECT_TRUE(IsCheckpointFailure(VerifyCheckpoint(prefix + Base64Encode(bad) + "\n", keys_)));
  }
}

TEST_F(RealMutationTest, WrongKeyHintFails) {
  std::string prefix;
  Bytes blob;
  SplitSig(&prefix, &blob);
  blob[0] ^= 0x01;
  EXPECT_TRUE(IsCheckpointFailure(VerifyCheckpoint(prefix + Base64Encode(blob) + "\n", keys_)));
}

TEST_F(RealMutationTest, FlippedBodyByteFails) {
  std::string bad = env_;
  bad[env_.find('\n') + 1] = '8';  // tree size 736 -> 836
  EXPECT_TRUE(IsCheckpointFailure(VerifyCheckpoint(bad, keys_)));
}

TEST_F(RealMutationTest, TrailingGarbageFails) {
  EXPECT_TRUE(IsCheckpointFailure(VerifyCheckpoint(env_ + "x", keys_)));
  EXPECT_TRUE(IsCheckpointFailure(VerifyCheckpoint(env_ + "\n", keys_)));
  EXPECT_TRUE(IsCheckpointFailure(VerifyCheckpoint(env_ + "garbage\n", keys_)));
  EXPECT_TRUE(IsCheckpointFailure(VerifyCheckpoint(env_.substr(0, env_.size() - 1), keys_)));
  EXPECT_TRUE(IsCheckpointFailure(VerifyCheckpoint(env_ + std::string(1, '\0'), keys_)));
}

TEST_F(RealMutationTest, NoKeysOrOtherLogKeyFails) {
  EXPECT_TRUE(IsCheckpointFailure(VerifyCheckpoint(env_, {})));
  // The right hint with the wrong key (the Rekor v1 key of the same root).
  std::vector<NoteKey> swapped;
  for (const NoteKey& k : keys_) {
    for (const NoteKey& other : keys_) {
      if (other.key != k.key) swapped.push_back(NoteKey{k.log_id, other.key});
    }
  }
  ASSERT_FALSE(swapped.empty());
  EXPECT_TRUE(IsCheckpointFailure(VerifyCheckpoint(env_, swapped)));
}

// ---- Synthetic notes signed in the test: syntax checks with otherwise valid signatures -----

enum class KeyKind { kEd25519, kP256 };

class SyntheticNoteTest : public ::testing::TestWithParam<KeyKind> {
 protected:
  void SetUp() override {
    key_.reset(GetParam() == KeyKind::kEd25519 ? EVP_PKEY_Q_keygen(nullptr, nullptr, "ED25519")
                                               : EVP_EC_gen("P-256"));
    ASSERT_TRUE(key_);
    log_id_ = Sha256(std::string_view("synthetic log id"));
    keys_ = {NoteKey{log_id_, key_.get()}};
  }
  Bytes Sign(std::string_view text) {
    ossl::UniquePtr<EVP_MD_CTX> ctx(EVP_MD_CTX_new());
    const EVP_MD* md = GetParam() == KeyKind::kEd25519 ? nullptr : EVP_sha256();
    EXPECT_EQ(EVP_DigestSignInit(ctx.get(), nullptr, md, nullptr, key_.get()), 1);
    size_t len = 0;
    EXPECT_EQ(EVP_DigestSign(ctx.get(), nullptr, &len, AsBytes(text).data(), text.size()), 1);
    Bytes sig(len);
    EXPECT_EQ(EVP_DigestSign(ctx.get(), sig.data(), &len, AsBytes(text).data(), text.size()), 1);
    sig.resize(len);
    return sig;
  }
  std::string SigLine(std::string_view text, std::string_view name = "example.com/log") {
    Bytes blob(log_id_.begin(), log_id_.begin() + 4);
    Bytes sig = Sign(text);
    blob.insert(blob.end(), sig.begin(), sig.end());
    return std::string(kDash) + " " + std::string(name) + " " + Base64Encode(blob) + "\n";
  }
  // Note signs `text` and appends the signature block.
  std::string Note(std::string_view text) { return std::string(text) + "\n" + SigLine(text); }
  Result<Checkpoint> Verify(std::string_view note) { return VerifyCheckpoint(note, keys_); }

  ossl::UniquePtr<EVP_PKEY> key_;
  Bytes log_id_;
  std::vector<NoteKey> keys_;
  const std::string root_b64_ = Base64Encode(Bytes(32, 0xAB));
};

TEST_P(SyntheticNoteTest, WellFormedNoteVerifies) {
  std::string text = "example.com/log\n42\n" + root_b64_ + "\nextra one\nextra two\n";
  auto cp = Verify(Note(text));
  ASSERT_TRUE(cp.ok()) << cp.error().ToString();
  EXPECT_EQ(cp->origin, "example.com/log");
  EXPECT_EQ(cp->tree_size, 42u);
  EXPECT_EQ(cp->root_hash, Bytes(32, 0xAB));
  EXPECT_EQ(cp->extensions, (std::vector<std::string>{"extra one", "extra two"}));
  // Unknown cosignatures before and after are tolerated.
  std::string witness = std::string(kDash) + " witness.example " +
                        Base64Encode(Bytes(72, 0x11)) + "\n";
  EXPECT_TRUE(Verify(text + "\n" + witness + SigLine(text) + witness).ok());
  // Size 0 and the largest uint64 are fine.
  std::string zero = "o\n0\n" + root_b64_ + "\n";
  EXPECT_TRUE(Verify(Note(zero)).ok());
  std::string max = "o\n18446744073709551615\n" + root_b64_ + "\n";
  EXPECT_TRUE(Verify(Note(max)).ok());
}

TEST_P(SyntheticNoteTest, MissingOrMalformedBodyLinesFail) {
  const std::vector<std::string> bad_bodies = {
      "42\n" + root_b64_ + "\n",                       // missing origin
      "o\n" + root_b64_ + "\n",                        // missing size
      "o\n42\n",                                       // missing root hash
      "\n42\n" + root_b64_ + "\n",                     // empty origin
      "o\n042\n" + root_b64_ + "\n",                   // leading zero
      "o\n-1\n" + root_b64_ + "\n",                    // sign
      "o\n+1\n" + root_b64_ + "\n",                    // sign
      "o\n18446744073709551616\n" + root_b64_ + "\n",  // overflow
      "o\n4 2\n" + root_b64_ + "\n",                   // space
      "o\n42\n" + Base64Encode(Bytes(31, 1)) + "\n",   // 31-byte root
      "o\n42\n" + Base64Encode(Bytes(33, 1)) + "\n",   // 33-byte root
      "o\n42\n" + Base64Encode(Bytes(32, 1), Base64Alphabet::kStandard, false) + "\n",
      "o\n42\n" + Base64Encode(Bytes(32, 0xFB), Base64Alphabet::kUrlSafe) + "\n",
      "o\n42\n" + root_b64_ + "\n\nafter empty\n",  // empty extension line (would split here)
  };
  for (const std::string& body : bad_bodies) {
    EXPECT_TRUE(IsCheckpointFailure(Verify(Note(body)))) << body;
  }
}

TEST_P(SyntheticNoteTest, MalformedSignatureBlockFails) {
  std::string text = "o\n7\n" + root_b64_ + "\n";
  std::string line = SigLine(text);
  std::string b64 = line.substr(line.rfind(' ') + 1);
  b64.pop_back();
  const std::vector<std::string> bad = {
      text,                                                // no signature block at all
      text + "\n",                                         // empty signature block
      text + "\n" + line.substr(0, line.size() - 1),       // no final newline
      text + "\n" + "- o " + b64 + "\n",                   // ASCII hyphen
      text + "\n" + kDash + "o " + b64 + "\n",             // no space after dash
      text + "\n" + kDash + " " + b64 + "\n",              // no name
      text + "\n" + kDash + " o+x " + b64 + "\n",          // '+' in name
      text + "\n" + kDash + " o\xC2\xA0x " + b64 + "\n",   // NBSP in name
      text + "\n" + kDash + " o  " + b64 + "\n",           // double space
      text + "\n" + kDash + " o " + b64 + " \n",           // trailing space
      text + "\n" + kDash + " o " + b64.substr(1) + "\n",  // broken base64
      text + "\n" + kDash + " o AAAAAA==\n",               // hint only, no signature
      text + "\n" + line + "\n",                           // blank line after signatures
      text + "\n" + line + "junk\n",                       // non-signature line
      text + "\r\n" + line,                                // CR
      "o\r\n7\n" + root_b64_ + "\n\n" + line,              // CR in body
      "o\t\n7\n" + root_b64_ + "\n\n" + line,              // control char
      "o\xFF\n7\n" + root_b64_ + "\n\n" + line,            // invalid UTF-8
  };
  for (const std::string& note : bad) {
    EXPECT_TRUE(IsCheckpointFailure(Verify(note))) << note;
  }
  ASSERT_TRUE(Verify(text + "\n" + line).ok());
}

TEST_P(SyntheticNoteTest, TooManySignaturesOrTooLargeFails) {
  std::string text = "o\n7\n" + root_b64_ + "\n";
  std::string witness = std::string(kDash) + " w " + Base64Encode(Bytes(68, 0x22)) + "\n";
  std::string many;
  for (int i = 0; i < 99; ++i) many += witness;
  EXPECT_TRUE(Verify(text + "\n" + many + SigLine(text)).ok());  // 100 lines
  EXPECT_TRUE(IsCheckpointFailure(Verify(text + "\n" + many + witness + SigLine(text))));
  std::string big = "o\n7\n" + root_b64_ + "\n" + std::string(kMaxCheckpointBytes, 'x') + "\n";
  EXPECT_TRUE(IsCheckpointFailure(Verify(Note(big))));
  EXPECT_TRUE(IsCheckpointFailure(Verify("")));
}

TEST_P(SyntheticNoteTest, NameIsNotTrustedButSignatureCoversOrigin) {
  // Rekor v1 signs origin "host - treeid" under the name "host": names need not equal origin.
  std::string text = "rekor.example - 123\n7\n" + root_b64_ + "\n";
  EXPECT_TRUE(Verify(text + "\n" + SigLine(text, "rekor.example")).ok());
  // Changing the origin after signing breaks the signature.
  std::string line = SigLine(text, "rekor.example");
  EXPECT_TRUE(IsCheckpointFailure(Verify("rekor.evil - 123\n7\n" + root_b64_ + "\n\n" + line)));
}

TEST_P(SyntheticNoteTest, UnsupportedKeyTypeNeverVerifies) {
  ossl::UniquePtr<EVP_PKEY> p384(EVP_EC_gen("P-384"));
  std::vector<NoteKey> keys = {NoteKey{log_id_, p384.get()}, NoteKey{log_id_, nullptr},
                               NoteKey{Bytes{1, 2}, key_.get()}};
  std::string text = "o\n7\n" + root_b64_ + "\n";
  EXPECT_TRUE(IsCheckpointFailure(VerifyCheckpoint(Note(text), keys)));
}

INSTANTIATE_TEST_SUITE_P(Keys, SyntheticNoteTest,
                         ::testing::Values(KeyKind::kEd25519, KeyKind::kP256),
                         [](const auto& param_info) {
                           return param_info.param == KeyKind::kEd25519 ? "Ed25519" : "P256";
                         });

}  // namespace
}  // namespace signet::attestation
