// The finding-code registry: unique codes, one format, a meaning each, and every quoted code
// literal in the source tree registered (so no module can invent a code the registry lacks).
#include "signet/core/findings.h"

#include <filesystem>
#include <fstream>
#include <regex>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "signet/core/result.h"
#include "test_env.h"

namespace signet {
namespace {

namespace fs = std::filesystem;

// A finding code: UPPER_SNAKE_CASE with at least one '_' (SIGNATURE_INVALID), or a verifierd
// chain code CONT-PROV-UPPER-KEBAB. (UNSUPPORTED is the one single-word code.)
const std::regex kSnake("^[A-Z][A-Z0-9]*(_[A-Z0-9]+)+$");
const std::regex kChain("^CONT-PROV(-[A-Z0-9]+)+$");

bool WellFormed(std::string_view code) {
  const std::string s(code);
  return std::regex_match(s, kSnake) || std::regex_match(s, kChain) || s == "UNSUPPORTED";
}

TEST(FindingsTest, CodesAreUniqueWellFormedAndExplained) {
  std::set<std::string_view> seen;
  for (const findings::Finding& f : findings::kRegistry) {
    EXPECT_TRUE(seen.insert(f.code).second) << "duplicate code " << f.code;
    EXPECT_TRUE(WellFormed(f.code)) << f.code;
    EXPECT_FALSE(f.meaning.empty()) << f.code;
    EXPECT_EQ(f.meaning.find('\n'), std::string_view::npos) << f.code;
    EXPECT_LE(f.meaning.size(), 160u) << f.code << ": one line";
  }
  EXPECT_GE(seen.size(), 90u);
}

TEST(FindingsTest, LookupIsExact) {
  EXPECT_TRUE(findings::IsRegisteredFinding(findings::kSignatureInvalid));
  EXPECT_TRUE(findings::IsRegisteredFinding("CONT-PROV-MUTABLE-TAG"));
  EXPECT_TRUE(findings::IsRegisteredFinding("QUOTE_SIGNATURE_INVALID"));
  EXPECT_FALSE(findings::IsRegisteredFinding(""));
  EXPECT_FALSE(findings::IsRegisteredFinding("signature_invalid"));
  EXPECT_FALSE(findings::IsRegisteredFinding("SIGNATURE_INVALID "));
  EXPECT_FALSE(findings::IsRegisteredFinding("CONT-PROV-"));
  EXPECT_EQ(findings::Meaning("NO_SUCH_CODE"), "");
  EXPECT_NE(findings::Meaning(findings::kContProvScanFailing), "");
  static_assert(findings::IsRegisteredFinding("MUTABLE_REFERENCE"));
}

TEST(FindingsTest, TheIssueChainCodesAreRegistered) {
  for (const char* code :
       {"CONT-PROV-MUTABLE-TAG", "CONT-PROV-SIGNATURE-DIGEST-MISMATCH", "CONT-PROV-WEAK-SIGNER-IDENTITY",
        "CONT-PROV-SIGNATURE-MISSING", "CONT-PROV-BUILDER-NOT-APPROVED", "CONT-PROV-PROVENANCE-MISSING",
        "CONT-PROV-SBOM-DIGEST-MISMATCH", "CONT-PROV-SBOM-MISSING", "CONT-PROV-SCAN-MISSING",
        "CONT-PROV-SCAN-FAILING", "CONT-PROV-STALE-EXCEPTION"}) {
    EXPECT_TRUE(findings::IsRegisteredFinding(code)) << code;
  }
}

// NotAFinding says which quoted UPPER_SNAKE literals are other vocabularies, each for a reason:
// PKCS#11 and TPM/TSS constant names, environment variables, ErrorCode names (result.h), build
// substitution keys read from provenance, SLSA-style verified levels, CLI metavariables.
bool NotAFinding(const std::string& s) {
  static const char* const kPrefixes[] = {"CKR_", "CKM_", "CKA_", "CKK_", "CKO_", "CKF_", "CKU_", "CKS_", "TPM",
                                          "TSS2_", "ESYS_", "SIGNET_", "SOFTHSM2_", "XDG_", "GITHUB_",
                                          "OPENSSL_", "SHA2_", "PKIX_"};
  for (const char* p : kPrefixes) {
    if (s.rfind(p, 0) == 0) return true;
  }
  static const std::regex kLevel("^[A-Z0-9_]+_LEVEL_[0-9]+$");  // verified levels, e.g. SLSA_BUILD_LEVEL_3
  if (std::regex_match(s, kLevel)) return true;
  for (int c = static_cast<int>(ErrorCode::kOk); c <= static_cast<int>(ErrorCode::kVerificationFailed); ++c) {
    if (s == ErrorCodeName(static_cast<ErrorCode>(c))) return true;
  }
  static const std::set<std::string> kNames = {
      "TAG_NAME", "BRANCH_NAME", "TRIGGER_NAME",  // Cloud Build substitutions in provenance
      "FILE_OR_DIGEST",                           // CLI positional metavariable
      "MY_PIN",                                   // an environment variable name in a backend test
      "CREDENTIALS_DIRECTORY",                    // systemd's LoadCredential= directory (signerd)
  };
  return kNames.count(s) != 0;
}

// Every quoted literal shaped like a finding code, in every C++ and proto source of the tree
// (build trees and this test excepted), is registered or declared NotAFinding above.
TEST(FindingsTest, EveryQuotedCodeLiteralInTheTreeIsRegistered) {
  const fs::path root = testing::SourceDir();
  ASSERT_TRUE(fs::is_directory(root / "core")) << root;
  const std::regex literal("\"([A-Z][A-Z0-9]*(?:_[A-Z0-9]+)+|CONT-PROV(?:-[A-Z0-9]+)+)\"");
  std::vector<std::string> unregistered;
  size_t files = 0, codes = 0;
  for (auto it = fs::recursive_directory_iterator(root); it != fs::recursive_directory_iterator(); ++it) {
    const fs::path& p = it->path();
    const std::string name = p.filename().string();
    if (it->is_directory()) {
      if (name == "build" || (!name.empty() && name[0] == '.')) it.disable_recursion_pending();
      continue;
    }
    const std::string ext = p.extension().string();
    if (ext != ".cc" && ext != ".h" && ext != ".proto") continue;
    if (name == "findings_test.cc") continue;
    std::ifstream in(p);
    std::stringstream buf;
    buf << in.rdbuf();
    const std::string text = buf.str();
    ++files;
    for (std::sregex_iterator m(text.begin(), text.end(), literal), end; m != end; ++m) {
      const std::string code = (*m)[1].str();
      if (NotAFinding(code)) continue;
      ++codes;
      if (!findings::IsRegisteredFinding(code)) {
        unregistered.push_back(fs::relative(p, root).string() + ": " + code);
      }
    }
  }
  EXPECT_GT(files, 100u);
  EXPECT_GT(codes, 50u);
  std::string list;
  for (const auto& u : unregistered) list += "\n  " + u;
  EXPECT_TRUE(unregistered.empty()) << "finding codes missing from core/findings.h:" << list;
}

}  // namespace
}  // namespace signet
