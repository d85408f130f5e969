// hsm/pkcs11.h is written from the OASIS specification; this test checks every constant, every
// function-table offset and every structure size signet relies on against p11-kit's pkcs11.h,
// an independent transcription of the same ABI.
#include <gtest/gtest.h>

#include <map>
#include <string>

std::map<std::string, unsigned long> ReferenceAbi();
std::map<std::string, unsigned long> SignetAbi();

namespace {

TEST(Pkcs11AbiTest, MatchesAnIndependentHeader) {
  const auto reference = ReferenceAbi();
  const auto ours = SignetAbi();
  ASSERT_EQ(reference.size(), ours.size());
  ASSERT_GT(ours.size(), 130u);
  for (const auto& [name, value] : reference) {
    auto it = ours.find(name);
    ASSERT_NE(it, ours.end()) << name;
    EXPECT_EQ(it->second, value) << name;
  }
}

}  // namespace
