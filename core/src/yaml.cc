#include "signet/core/yaml.h"

#include <sstream>

#include <yaml-cpp/eventhandler.h>
#include <yaml-cpp/exceptions.h>
#include <yaml-cpp/mark.h>
#include <yaml-cpp/parser.h>

namespace signet {
namespace {

// TreeBuilder receives yaml-cpp events. It never throws; it records the first error and
// ignores everything after it.
class TreeBuilder final : public YAML::EventHandler {
 public:
  void OnDocumentStart(const YAML::Mark& /*mark*/) override { ++documents_; }
  void OnDocumentEnd() override {}

  void OnNull(const YAML::Mark& mark, YAML::anchor_t anchor) override {
    if (!CheckAnchor(mark, anchor, "")) return;
    YamlNode n;
    n.kind = YamlNode::Kind::kNull;
    n.line = mark.line + 1;
    Add(std::move(n), mark);
  }
  void OnAlias(const YAML::Mark& mark, YAML::anchor_t /*anchor*/) override {
    Fail(mark, "aliases are not allowed");
  }
  void OnScalar(const YAML::Mark& mark, const std::string& tag, YAML::anchor_t anchor,
                const std::string& value) override {
    if (!CheckAnchor(mark, anchor, tag)) return;
    YamlNode n;
    n.kind = YamlNode::Kind::kScalar;
    n.scalar = value;
    n.quoted = (tag == "!");
    n.line = mark.line + 1;
    Add(std::move(n), mark);
  }
  void OnSequenceStart(const YAML::Mark& mark, const std::string& tag, YAML::anchor_t anchor,
                       YAML::EmitterStyle::value /*style*/) override {
    if (!CheckAnchor(mark, anchor, tag)) return;
    Open(YamlNode::Kind::kSequence, mark);
  }
  void OnSequenceEnd() override { Close(); }
  void OnMapStart(const YAML::Mark& mark, const std::string& tag, YAML::anchor_t anchor,
                  YAML::EmitterStyle::value /*style*/) override {
    if (!CheckAnchor(mark, anchor, tag)) return;
    Open(YamlNode::Kind::kMap, mark);
  }
  void OnMapEnd() override { Close(); }
  void OnAnchor(const YAML::Mark& mark, const std::string& /*name*/) override {
    Fail(mark, "anchors are not allowed");
  }

  bool failed() const { return !error_.empty(); }
  const std::string& error() const { return error_; }
  int documents() const { return documents_; }
  YamlNode TakeRoot() { return std::move(root_); }
  bool has_root() const { return has_root_; }

 private:
  struct Frame {
    YamlNode node;
    bool have_key = false;  // maps: a key scalar is pending
    std::string key;
    int key_line = 0;
  };

  bool CheckAnchor(const YAML::Mark& mark, YAML::anchor_t anchor, const std::string& tag) {
    if (failed()) return false;
    if (anchor != YAML::NullAnchor) {
      Fail(mark, "anchors are not allowed");
      return false;
    }
    // yaml-cpp reports "?" for plain and "!" for quoted nodes; anything else is an explicit tag.
    if (!tag.empty() && tag != "?" && tag != "!") {
      Fail(mark, "explicit tags are not allowed");
      return false;
    }
    return true;
  }

  void Fail(const YAML::Mark& mark, const std::string& what) {
    if (failed()) return;
    error_ = "line " + std::to_string(mark.line + 1) + ": " + what;
  }

  void Open(YamlNode::Kind kind, const YAML::Mark& mark) {
    if (failed()) return;
    if (stack_.size() >= kMaxYamlDepth) {
      Fail(mark, "nesting too deep");
      return;
    }
    if (!stack_.empty() && stack_.back().node.kind == YamlNode::Kind::kMap &&
        !stack_.back().have_key) {
      Fail(mark, "mapping keys must be scalars");
      return;
    }
    Frame f;
    f.node.kind = kind;
    f.node.line = mark.line + 1;
    stack_.push_back(std::move(f));
  }

  void Close() {
    if (failed() || stack_.empty()) return;
    YamlNode n = std::move(stack_.back().node);
    stack_.pop_back();
    YAML::Mark mark;
    mark.line = n.line - 1;
    Add(std::move(n), mark);
  }

  void Add(YamlNode n, const YAML::Mark& mark) {
    if (failed()) return;
    if (stack_.empty()) {
      if (has_root_) {
        Fail(mark, "more than one document");
        return;
      }
      root_ = std::move(n);
      has_root_ = true;
      return;
    }
    Frame& top = stack_.back();
    if (top.node.kind == YamlNode::Kind::kSequence) {
      top.node.items.push_back(std::move(n));
      return;
    }
    if (!top.have_key) {
      if (n.kind != YamlNode::Kind::kScalar) {
        Fail(mark, "mapping keys must be scalars");
        return;
      }
      for (const auto& m : top.node.members) {
        if (m.key == n.scalar) {
          Fail(mark, "duplicate key");
          return;
        }
      }
      top.have_key = true;
      top.key = std::move(n.scalar);
      return;
    }
    top.node.members.push_back(YamlMember{std::move(top.key), std::move(n)});
    top.have_key = false;
    top.key.clear();
  }

  std::vector<Frame> stack_;
  YamlNode root_;
  bool has_root_ = false;
  int documents_ = 0;
  std::string error_;
};

}  // namespace

const YamlNode* YamlNode::Find(std::string_view key) const {
  if (kind != Kind::kMap) return nullptr;
  for (const auto& m : members) {
    if (m.key == key) return &m.value;
  }
  return nullptr;
}

Result<YamlNode> ParseYaml(std::string_view text) {
  if (text.size() > kMaxYamlBytes) return InvalidArgument("YAML document too large");
  if (text.find('\0') != std::string_view::npos) return InvalidArgument("YAML contains a NUL byte");
  TreeBuilder builder;
  try {
    std::istringstream in{std::string(text)};
    YAML::Parser parser(in);
    while (!builder.failed() && parser.HandleNextDocument(builder)) {
    }
  } catch (const YAML::Exception& e) {
    return InvalidArgument("YAML syntax error at line " + std::to_string(e.mark.line + 1));
  } catch (const std::exception&) {
    return InvalidArgument("YAML syntax error");
  }
  if (builder.failed()) return InvalidArgument("YAML: " + builder.error());
  if (builder.documents() > 1) return InvalidArgument("YAML: more than one document");
  return builder.TakeRoot();
}

}  // namespace signet
