// Anchored globs for policy allow-lists (refs, builder ids, build types).
//
// Policy lists are matched with a deliberately tiny language so that no pattern can match more
// than its author can see at a glance: the whole string must match (there is no implicit prefix
// or suffix), `*` matches any run of characters other than '/', `?` matches exactly one
// character other than '/', and every other character matches itself. There are no character
// classes, no escapes, no alternation and no regular expressions.
#ifndef SIGNET_POLICY_GLOB_H_
#define SIGNET_POLICY_GLOB_H_

#include <string>
#include <string_view>
#include <vector>

namespace signet::policy {

// GlobMatch reports whether `text` matches `pattern` as a whole (anchored at both ends).
// `*` and `?` never match '/', so "refs/tags/*" does not match "refs/tags/a/b". Runs in
// O(|pattern| * |text|) time and never fails.
bool GlobMatch(std::string_view pattern, std::string_view text);

// GlobMatchAny reports whether `text` matches at least one of `patterns`. An empty list matches
// nothing: an empty allow-list approves nothing.
bool GlobMatchAny(const std::vector<std::string>& patterns, std::string_view text);

// IsLiteralPattern reports whether `pattern` contains no wildcard, i.e. matches one string only.
bool IsLiteralPattern(std::string_view pattern);

}  // namespace signet::policy

#endif  // SIGNET_POLICY_GLOB_H_
