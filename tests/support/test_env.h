// Test helpers: locating the shared vectors and the hardware fixtures.
//
// Hardware fixtures (scripts/fixtures/*) write KEY=VALUE lines to
// $SIGNET_BINARY_DIR/fixtures/<name>/env. LoadFixtureEnv() exports them unless the variable is
// already set, which is how a real PKCS#11 module or TPM replaces the software one.
#ifndef SIGNET_TESTS_SUPPORT_TEST_ENV_H_
#define SIGNET_TESTS_SUPPORT_TEST_ENV_H_

#include <string>

namespace signet::testing {

// EnvOr returns getenv(name) or `fallback`.
std::string EnvOr(const char* name, const std::string& fallback);
// SharedDir returns ../shared (vectors, conformance).
std::string SharedDir();
// SourceDir returns the project source folder.
std::string SourceDir();
// LoadFixtureEnv exports the variables a fixture wrote; returns false if it never ran.
bool LoadFixtureEnv(const std::string& name);
// RunCommand runs `cmd` with /bin/sh, captures stdout (and stderr when merge_stderr), returns
// the exit status (or -1 if it could not run).
int RunCommand(const std::string& cmd, std::string* output = nullptr, bool merge_stderr = true);
// TempDir creates a fresh temporary directory under $TMPDIR; the caller removes it.
std::string MakeTempDir();
// RemoveTree deletes a directory tree.
void RemoveTree(const std::string& path);

}  // namespace signet::testing

#endif  // SIGNET_TESTS_SUPPORT_TEST_ENV_H_
