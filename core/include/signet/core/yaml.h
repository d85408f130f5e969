// Strict YAML reader (config and policy files) that turns yaml-cpp's event stream into a small tree.
//
// yaml-cpp throws and, through its Node API, silently accepts duplicate mapping keys and
// expands aliases (a "billion laughs" vector). This adapter drives yaml-cpp's event parser,
// catches every exception and refuses: aliases and anchors, explicit tags, duplicate keys,
// non-scalar keys, more than one document, nesting deeper than kMaxYamlDepth and inputs larger
// than kMaxYamlBytes. Errors are kInvalidArgument with a line number and never quote values.
#ifndef SIGNET_CORE_YAML_H_
#define SIGNET_CORE_YAML_H_

#include <cstddef>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "signet/core/result.h"

namespace signet {

inline constexpr size_t kMaxYamlBytes = 1024 * 1024;
inline constexpr size_t kMaxYamlDepth = 16;

struct YamlMember;

// YamlNode is one node of the parsed document.
struct YamlNode {
  enum class Kind { kNull, kScalar, kSequence, kMap };
  Kind kind = Kind::kNull;
  std::string scalar;     // kScalar
  bool quoted = false;    // kScalar written with quotes (never a null/bool/number)
  int line = 0;           // 1-based line of the node's start
  std::vector<YamlNode> items;                          // kSequence
  std::vector<YamlMember> members;  // kMap, document order, unique keys

  // Find returns the member `key` of a map, or nullptr.
  const YamlNode* Find(std::string_view key) const;
};

// YamlMember is one key/value pair of a mapping. (A struct rather than std::pair so the
// recursive type is complete where the standard library needs it, with clang as with gcc.)
struct YamlMember {
  std::string key;
  YamlNode value;
};

// ParseYaml parses exactly one YAML document into a tree under the rules above. An empty
// document yields a kNull root.
Result<YamlNode> ParseYaml(std::string_view text);

}  // namespace signet

#endif  // SIGNET_CORE_YAML_H_
