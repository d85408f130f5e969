#include "sign_client.h"

#include <algorithm>
#include <charconv>
#include <iterator>
#include <system_error>
#include <vector>

#include "signet/core/encoding.h"
#include "signet/signer/signing.h"

namespace signet::ops {
namespace {

// Printable makes server-chosen text safe for a terminal: printable ASCII only, bounded.
std::string Printable(std::string_view text, size_t max = 300) {
  std::string out;
  for (char c : text.substr(0, max)) out += (c >= 0x20 && c < 0x7f) ? c : '?';
  if (text.size() > max) out += "...";
  return out;
}

JsonValue EvidenceArray(const std::vector<policy::EvidenceInput>& inputs) {
  JsonValue arr = JsonValue::MakeArray();
  for (const auto& in : inputs) {
    arr.Push(JsonValue::MakeObject({{"name", JsonValue::String(in.name)},
                                    {"content", JsonValue::String(Base64Encode(AsBytes(in.bytes)))}}));
  }
  return arr;
}

// kDecisionOrder is the member order of policy::Decision::ToJson, per the name of the member
// holding the object (an array's items take the array's name; "" is the decision itself).
// signerd carries the decision as a protobuf Struct, whose JSON printing does not keep member
// order; OrderLikeLocal restores it so that the printed decision and decision.json are the bytes
// local signing writes. sign_client_test checks this table against Decision::ToJson.
struct MemberOrder {
  std::string_view parent;
  std::vector<std::string_view> keys;
};
const std::vector<MemberOrder>& DecisionOrder() {
  static const std::vector<MemberOrder> kOrder = {
      {"", {"allowed", "subject", "policy_digest", "evaluated_at", "findings", "verified"}},
      {"findings", {"code", "message", "input"}},
      {"verified", {"provenance", "attestations", "waivers"}},
      {"provenance",
       {"input", "builder", "signer", "predicate_type", "builder_id", "build_type", "source", "trigger", "trusted_time",
        "time_source"}},
      {"signer", {"kind", "san", "issuer", "ref", "keys"}},
      {"source", {"repo", "ref", "commit"}},
      {"attestations", {"input", "predicate_type", "builder", "trusted_time"}},
      {"waivers", {"finding", "match", "owner", "ticket", "expires", "input"}},
  };
  return kOrder;
}

void OrderLikeLocal(JsonValue& v, std::string_view parent) {
  if (v.is_array()) {
    for (JsonValue& item : v.mutable_array()) OrderLikeLocal(item, parent);
    return;
  }
  if (!v.is_object()) return;
  for (auto& [k, child] : v.mutable_object()) OrderLikeLocal(child, k);
  const std::vector<std::string_view>* keys = nullptr;
  for (const auto& o : DecisionOrder()) {
    if (o.parent == parent) keys = &o.keys;
  }
  if (keys == nullptr) return;
  auto rank = [keys](const std::string& k) {
    return static_cast<size_t>(std::find(keys->begin(), keys->end(), k) - keys->begin());  // unknown: last
  };
  std::stable_sort(v.mutable_object().begin(), v.mutable_object().end(),
                   [&rank](const JsonValue::Member& a, const JsonValue::Member& b) { return rank(a.first) < rank(b.first); });
}

SignerdReply Malformed(std::string why) {
  SignerdReply r;
  r.exit_code = 3;
  r.message = "signerd sent a malformed response (" + std::move(why) + "); nothing was written";
  return r;
}

// ErrorReply describes a non-200 response: "signerd answered STATUS CODE: MESSAGE".
SignerdReply ErrorReply(int status, std::string_view body, int exit_code) {
  SignerdReply r;
  r.exit_code = exit_code;
  std::string code = "HTTP_" + std::to_string(status);
  std::string message;
  if (auto parsed = ParseJson(body); parsed.ok() && parsed->is_object()) {
    if (auto c = parsed->GetString("code"); c.ok() && !c->empty()) code = Printable(*c, 64);
    if (auto m = parsed->GetString("message"); m.ok()) message = Printable(*m);
  }
  r.message = "signerd answered " + std::to_string(status) + " " + code;
  if (!message.empty()) r.message += ": " + message;
  return r;
}

SignerdReply InterpretOk(std::string_view body, std::string_view expected_digest) {
  auto parsed = ParseJson(body);
  if (!parsed.ok()) return Malformed("not JSON");
  if (!parsed->is_object()) return Malformed("not a JSON object");
  for (const auto& [k, v] : parsed->object()) {
    if (k != "decision" && k != "outputs" && k != "auditEntry") return Malformed("unknown field");
  }
  auto decision = parsed->GetObject("decision");
  if (!decision.ok()) return Malformed("no decision");
  auto allowed = (*decision)->GetBool("allowed");
  if (!allowed.ok()) return Malformed("the decision has no allowed");
  // The decision names the digest it was made for (signet gate's "subject": "sha256:HEX"). An
  // allowed decision must be for the requested digest; a deny may name it or nothing.
  const JsonValue* subject = (*decision)->Find("subject");
  const bool names_it = subject != nullptr && subject->is_string() && !expected_digest.empty() &&
                        subject->string_value() == expected_digest;
  if (*allowed && !names_it) return Malformed("the allowed decision is not for the requested digest");
  if (!*allowed && !names_it && !(subject == nullptr || subject->is_null() || subject->is_string())) {
    return Malformed("the decision's subject is not a string");
  }
  if (!*allowed && !names_it && subject != nullptr && subject->is_string() && !expected_digest.empty()) {
    return Malformed("the decision is for another digest");
  }
  const JsonValue* outputs = parsed->Find("outputs");
  if (outputs != nullptr && !outputs->is_object()) return Malformed("outputs is not an object");

  SignerdReply r;
  JsonValue ordered = **decision;
  OrderLikeLocal(ordered, "");
  if (!*allowed) {
    if (outputs != nullptr && !outputs->object().empty()) return Malformed("outputs on a deny");
    r.exit_code = 1;
    r.decision = std::move(ordered);
    return r;
  }

  if (outputs == nullptr) return Malformed("an allowed decision without outputs");
  for (const auto& [name, value] : outputs->object()) {
    if (std::find_if(std::begin(kSignerdOutputFiles), std::end(kSignerdOutputFiles),
                     [&name](const char* n) { return name == n; }) == std::end(kSignerdOutputFiles)) {
      return Malformed("an unknown output name");
    }
    if (!value.is_string()) return Malformed("an output is not a string");
  }
  for (const char* name : signer::kOutputFiles) {
    const std::string file = name;
    if (file == "decision.json") {
      r.outputs.emplace_back(file, WriteJson(ordered, 2) + "\n");  // as local signing writes it
      continue;
    }
    const JsonValue* value = outputs->Find(file);
    if (value == nullptr) return Malformed("output " + file + " is missing");
    auto bytes = Base64Decode(value->string_value());
    if (!bytes.ok()) return Malformed("output " + file + " is not base64");
    r.outputs.emplace_back(file, std::string(bytes->begin(), bytes->end()));
  }
  auto entry = parsed->GetObject("auditEntry");
  if (!entry.ok()) return Malformed("an allowed decision without auditEntry");
  const JsonValue* seq = (*entry)->Find("seq");
  // proto3 JSON prints a uint64 as a string; accept the number form too.
  std::optional<uint64_t> seq_value;
  if (seq != nullptr && seq->is_number()) {
    if (auto n = seq->AsUint64(); n.ok()) seq_value = *n;
  } else if (seq != nullptr && seq->is_string()) {
    const std::string& text = seq->string_value();
    uint64_t n = 0;
    const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), n);
    const bool canonical = !text.empty() && (text == "0" || text[0] != '0');
    if (ec == std::errc() && end == text.data() + text.size() && canonical) seq_value = n;
  }
  if (!seq_value) return Malformed("auditEntry.seq is not an unsigned integer");
  auto hash = (*entry)->GetString("hash");
  if (!hash.ok() || hash->empty()) return Malformed("auditEntry.hash is missing");
  r.exit_code = 0;
  r.decision = std::move(ordered);
  r.audit_seq = seq_value;
  r.audit_hash = Printable(*hash, 200);
  return r;
}

}  // namespace

std::string BuildSignerdRequest(std::string_view image, const std::vector<policy::EvidenceInput>& provenance,
                                const std::vector<policy::EvidenceInput>& attestations,
                                const std::map<std::string, std::string>& annotations) {
  JsonValue ann = JsonValue::MakeObject();
  for (const auto& [k, v] : annotations) ann.Set(k, JsonValue::String(v));
  JsonValue req = JsonValue::MakeObject({{"image", JsonValue::String(std::string(image))},
                                         {"provenance", EvidenceArray(provenance)},
                                         {"attestations", EvidenceArray(attestations)},
                                         {"annotations", std::move(ann)}});
  return WriteJson(req);
}

SignerdReply InterpretSignerdResponse(int status, std::string_view body, std::string_view retry_after,
                                      std::string_view expected_digest) {
  SignerdReply r;
  if (status == 200) {
    r = InterpretOk(body, expected_digest);
  } else if (status == 401 || status == 403) {
    r = ErrorReply(status, body, 1);
  } else if (status == 400 || status == 413) {
    r = ErrorReply(status, body, 2);
  } else {
    r = ErrorReply(status, body, 3);
  }
  if (!retry_after.empty()) r.retry_after = Printable(retry_after, 64);
  return r;
}

Status WriteSignerdOutputs(const std::string& out_dir, const SignerdReply& reply, std::vector<std::string>* written) {
  if (reply.exit_code != 0 || reply.outputs.size() != std::size(signer::kOutputFiles)) {
    return Internal("refusing to write outputs of a reply that did not allow");
  }
  signer::SignOutcome outcome;
  outcome.outputs = reply.outputs;
  SIGNET_RETURN_IF_ERROR(signer::WriteOutputs(out_dir, outcome));
  *written = std::move(outcome.written);
  return OkStatus();
}

}  // namespace signet::ops
