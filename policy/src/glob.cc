#include "signet/policy/glob.h"

#include <algorithm>
#include <vector>

namespace signet::policy {

bool GlobMatch(std::string_view pattern, std::string_view text) {
  // Classic two-row dynamic programme: reach[j] is true when pattern[0..i) matches text[0..j).
  // Quadratic but bounded, with no backtracking blow-up on adversarial inputs.
  std::vector<char> reach(text.size() + 1, 0), next(text.size() + 1, 0);
  reach[0] = 1;
  for (char p : pattern) {
    std::fill(next.begin(), next.end(), 0);
    if (p == '*') {
      // '*' extends any reached position over a run of non-'/' characters (including empty).
      for (size_t j = 0; j <= text.size(); ++j) {
        if (reach[j]) {
          next[j] = 1;
        } else if (j > 0 && next[j - 1] && text[j - 1] != '/') {
          next[j] = 1;
        }
      }
    } else {
      for (size_t j = 0; j < text.size(); ++j) {
        if (!reach[j]) continue;
        if ((p == '?' && text[j] != '/') || (p != '?' && text[j] == p)) next[j + 1] = 1;
      }
    }
    reach.swap(next);
  }
  return reach[text.size()] != 0;
}

bool GlobMatchAny(const std::vector<std::string>& patterns, std::string_view text) {
  for (const auto& p : patterns) {
    if (GlobMatch(p, text)) return true;
  }
  return false;
}

bool IsLiteralPattern(std::string_view pattern) {
  return pattern.find_first_of("*?") == std::string_view::npos;
}

}  // namespace signet::policy
