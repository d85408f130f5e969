// The backup file format of `ceremony init` / `backup restore` (ops/src/backup_file.h): a round
// trip, and every malformed member refused with the member named.
#include "backup_file.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "signet/core/json.h"

namespace signet::ops {
namespace {

using ::testing::HasSubstr;

BackupFile Sample() {
  BackupFile f;
  f.ceremony = "00112233445566778899aabbccddeeff";
  f.key_id = std::string(64, 'a');
  f.wrapping_key_check = "ffeeddccbbaa99887766554433221100";
  f.wrapped.label = "release-2026";
  f.wrapped.id = Bytes{1, 2, 3, 4};
  f.wrapped.algorithm = SignatureAlgorithm::kEcdsaP384Sha384;
  f.wrapped.mechanism = "CKM_AES_KEY_WRAP_PAD";
  f.wrapped.ciphertext = Bytes(40, 0x5a);
  return f;
}

// Mutate renders Sample() with member `name` replaced (or removed when `value` is null).
std::string Mutate(const std::string& name, const JsonValue* value) {
  auto doc = ParseJson(SerializeBackupFile(Sample()));
  JsonValue out = JsonValue::MakeObject();
  for (const auto& [k, v] : doc->object()) {
    if (k != name) out.Set(k, v);
  }
  if (value != nullptr) out.Set(name, *value);
  return WriteJson(out);
}

TEST(BackupFileTest, RoundTrips) {
  auto parsed = ParseBackupFile(SerializeBackupFile(Sample()));
  ASSERT_TRUE(parsed.ok()) << parsed.error().ToString();
  EXPECT_EQ(parsed->ceremony, Sample().ceremony);
  EXPECT_EQ(parsed->wrapped.label, "release-2026");
  EXPECT_EQ(parsed->wrapped.id, (Bytes{1, 2, 3, 4}));
  EXPECT_EQ(parsed->wrapped.algorithm, SignatureAlgorithm::kEcdsaP384Sha384);
  EXPECT_EQ(parsed->wrapped.ciphertext, Bytes(40, 0x5a));
}

TEST(BackupFileTest, RefusesEveryMalformedMember) {
  const JsonValue bad_hex = JsonValue::String("XYZ");
  const JsonValue number = JsonValue::Int(7);
  const struct {
    std::string member;
    const JsonValue* value;
  } cases[] = {{"schema", &bad_hex},     {"ceremony", &bad_hex},  {"key_id", &bad_hex},
               {"wrapping_key_check", &bad_hex}, {"id", &bad_hex}, {"algorithm", &bad_hex},
               {"mechanism", &bad_hex},  {"wrapped", &bad_hex},   {"label", &number},
               {"ceremony", nullptr},    {"wrapped", nullptr},    {"extra", &number}};
  for (const auto& c : cases) {
    SCOPED_TRACE(c.member);
    auto parsed = ParseBackupFile(Mutate(c.member, c.value));
    ASSERT_FALSE(parsed.ok());
    EXPECT_EQ(parsed.error().code(), ErrorCode::kInvalidArgument);
    EXPECT_THAT(parsed.error().message(), HasSubstr(c.member));
  }
  const JsonValue control = JsonValue::String("a\nb");
  EXPECT_FALSE(ParseBackupFile(Mutate("label", &control)).ok());
  const JsonValue empty = JsonValue::String("");
  EXPECT_FALSE(ParseBackupFile(Mutate("label", &empty)).ok());
  EXPECT_FALSE(ParseBackupFile("[]").ok());
  EXPECT_FALSE(ParseBackupFile(std::string(kMaxBackupFileBytes + 1, ' ')).ok());
}

TEST(BackupFileTest, WrappingKeyCheckIsStableAndKeyDependent) {
  auto a = WrappingKeyCheck(SecretBytes(Bytes(32, 1)));
  auto b = WrappingKeyCheck(SecretBytes(Bytes(32, 1)));
  auto c = WrappingKeyCheck(SecretBytes(Bytes(32, 2)));
  ASSERT_TRUE(a.ok() && b.ok() && c.ok());
  EXPECT_EQ(*a, *b);
  EXPECT_NE(*a, *c);
  EXPECT_TRUE(IsLowerHex(*a, 32));
  EXPECT_EQ(WrappingKeyLabel("abc"), "signet-wrapping-abc");
}

}  // namespace
}  // namespace signet::ops
