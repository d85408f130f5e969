#include "test_env.h"

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sys/wait.h>

namespace signet::testing {

std::string EnvOr(const char* name, const std::string& fallback) {
  const char* v = std::getenv(name);
  return v != nullptr && *v != '\0' ? std::string(v) : fallback;
}

std::string SourceDir() { return EnvOr("SIGNET_SOURCE_DIR", "."); }
std::string SharedDir() { return EnvOr("SIGNET_SHARED_DIR", SourceDir() + "/../shared"); }

bool LoadFixtureEnv(const std::string& name) {
  std::ifstream in(EnvOr("SIGNET_BINARY_DIR", ".") + "/fixtures/" + name + "/env");
  if (!in) return false;
  std::string line;
  while (std::getline(in, line)) {
    auto eq = line.find('=');
    if (eq == std::string::npos || line.empty() || line[0] == '#') continue;
    setenv(line.substr(0, eq).c_str(), line.substr(eq + 1).c_str(), /*overwrite=*/0);
  }
  return true;
}

int RunCommand(const std::string& cmd, std::string* output, bool merge_stderr) {
  std::string full = merge_stderr ? cmd + " 2>&1" : cmd;
  FILE* p = popen(full.c_str(), "r");
  if (p == nullptr) return -1;
  char buf[4096];
  size_t n;
  while ((n = fread(buf, 1, sizeof buf, p)) > 0) {
    if (output != nullptr) output->append(buf, n);
  }
  int status = pclose(p);
  if (status == -1 || !WIFEXITED(status)) return -1;
  return WEXITSTATUS(status);
}

std::string MakeTempDir() {
  std::string tmpl = (std::filesystem::temp_directory_path() / "signet-test-XXXXXX").string();
  if (mkdtemp(tmpl.data()) == nullptr) std::abort();
  return tmpl;
}

void RemoveTree(const std::string& path) {
  std::error_code ec;
  std::filesystem::remove_all(path, ec);
}

}  // namespace signet::testing
