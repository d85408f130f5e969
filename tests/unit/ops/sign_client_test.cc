// `signet sign --signerd`: the request body, every status's exit code, and the malformed
// responses that must be refused with nothing written.
#include "sign_client.h"

#include <gtest/gtest.h>

#include <sys/stat.h>

#include <algorithm>
#include <string>

#include "signet/core/encoding.h"
#include "signet/core/file.h"
#include "signet/core/json.h"
#include "signet/policy/gate.h"
#include "test_env.h"

namespace signet::ops {
namespace {

constexpr char kImage[] = "registry.example/team/app@sha256:5891b5b522d5df086d0ff0b110fbd9d21bb4fc7163af34d08286a2e846f6be03";
constexpr char kSubject[] = "sha256:5891b5b522d5df086d0ff0b110fbd9d21bb4fc7163af34d08286a2e846f6be03";

std::string B64(std::string_view s) { return Base64Encode(AsBytes(s)); }

JsonValue Decision(bool allowed, std::string subject = kSubject) {
  return JsonValue::MakeObject({{"allowed", JsonValue::Bool(allowed)},
                                {"subject", JsonValue::String(std::move(subject))},
                                {"findings", JsonValue::MakeArray()}});
}

JsonValue Outputs() {
  return JsonValue::MakeObject({{"simplesigning.json", JsonValue::String(B64("{\"critical\":{}}"))},
                                {"simplesigning.sig", JsonValue::String(B64("MEUCIQ=="))},
                                {"image.sigstore.json", JsonValue::String(B64("{\"bundle\":1}"))},
                                {"vsa.sigstore.json", JsonValue::String(B64("{\"vsa\":1}"))}});
}

JsonValue Allowed() {
  return JsonValue::MakeObject({{"decision", Decision(true)},
                                {"outputs", Outputs()},
                                {"auditEntry", JsonValue::MakeObject({{"seq", JsonValue::String("7")},
                                                                      {"hash", JsonValue::String("sha256:ab")}})}});
}

SignerdReply Interpret(int status, const JsonValue& body, std::string_view retry_after = "") {
  return InterpretSignerdResponse(status, WriteJson(body), retry_after, kSubject);
}

TEST(SignClientRequestTest, HasTheIssueShape) {
  const std::string body = BuildSignerdRequest(kImage, {{"prov.json", "abc"}}, {{"sbom.json", "\x01\x02"}},
                                               {{"team", "core"}});
  auto parsed = ParseJson(body);
  ASSERT_TRUE(parsed.ok());
  EXPECT_EQ(*parsed->GetString("image"), kImage);
  const auto& prov = **parsed->GetArray("provenance");
  ASSERT_EQ(prov.size(), 1u);
  EXPECT_EQ(*prov[0].GetString("name"), "prov.json");
  EXPECT_EQ(*prov[0].GetString("content"), B64("abc"));
  const auto& att = **parsed->GetArray("attestations");
  ASSERT_EQ(att.size(), 1u);
  EXPECT_EQ(*att[0].GetString("content"), B64("\x01\x02"));
  EXPECT_EQ(*(*parsed->GetObject("annotations"))->GetString("team"), "core");
}

TEST(SignClientResponseTest, AllowedDecodesEveryOutputAndWritesTheDecisionAsLocalSigning) {
  SignerdReply r = Interpret(200, Allowed());
  ASSERT_EQ(r.exit_code, 0) << r.message;
  ASSERT_EQ(r.outputs.size(), 5u);
  EXPECT_EQ(r.outputs[0], std::make_pair(std::string("simplesigning.json"), std::string("{\"critical\":{}}")));
  EXPECT_EQ(r.outputs[1].second, "MEUCIQ==");
  EXPECT_EQ(r.outputs[2].first, "image.sigstore.json");
  EXPECT_EQ(r.outputs[3].first, "vsa.sigstore.json");
  EXPECT_EQ(r.outputs[4].first, "decision.json");
  EXPECT_EQ(r.outputs[4].second, WriteJson(Decision(true), 2) + "\n");
  ASSERT_TRUE(r.decision.has_value());
  EXPECT_EQ(*r.audit_seq, 7u);
  EXPECT_EQ(r.audit_hash, "sha256:ab");
}

TEST(SignClientResponseTest, AuditSeqAsANumberIsAccepted) {
  JsonValue body = Allowed();
  body.Set("auditEntry", JsonValue::MakeObject({{"seq", JsonValue::Uint(9)}, {"hash", JsonValue::String("h")}}));
  SignerdReply r = Interpret(200, body);
  ASSERT_EQ(r.exit_code, 0) << r.message;
  EXPECT_EQ(*r.audit_seq, 9u);
}

TEST(SignClientResponseTest, DenyIsExitOneWithTheDecisionAndNothingToWrite) {
  SignerdReply r = Interpret(200, JsonValue::MakeObject({{"decision", Decision(false)}}));
  EXPECT_EQ(r.exit_code, 1);
  ASSERT_TRUE(r.decision.has_value());
  EXPECT_TRUE(r.outputs.empty());
  // A deny may name no subject (a refused tag), or give an empty outputs object (proto3's
  // rendering of "no outputs").
  JsonValue d = Decision(false);
  d.Set("subject", JsonValue::Null());
  EXPECT_EQ(InterpretSignerdResponse(200, WriteJson(JsonValue::MakeObject({{"decision", d}})), "", "").exit_code, 1);
  r = Interpret(200, JsonValue::MakeObject({{"decision", Decision(false)}, {"outputs", JsonValue::MakeObject()}}));
  EXPECT_EQ(r.exit_code, 1);
}

TEST(SignClientResponseTest, EveryStatusHasItsExitCode) {
  const JsonValue err = JsonValue::MakeObject({{"code", JsonValue::String("IMAGE_NOT_ALLOWED")},
                                               {"message", JsonValue::String("caller pipeline-a")}});
  struct Case {
    int status;
    int exit_code;
  } cases[] = {{400, 2}, {401, 1}, {403, 1}, {404, 3}, {405, 3}, {413, 2}, {415, 3},
               {429, 3}, {500, 3}, {502, 3}, {503, 3}, {301, 3}, {204, 3}};
  for (const auto& c : cases) {
    SignerdReply r = Interpret(c.status, err);
    EXPECT_EQ(r.exit_code, c.exit_code) << c.status;
    EXPECT_TRUE(r.outputs.empty());
    EXPECT_FALSE(r.decision.has_value());
    EXPECT_NE(r.message.find(std::to_string(c.status) + " IMAGE_NOT_ALLOWED: caller pipeline-a"), std::string::npos)
        << r.message;
  }
}

TEST(SignClientResponseTest, RetryAfterIsKeptAndMadePrintable) {
  SignerdReply r = InterpretSignerdResponse(503, "{\"code\":\"NOT_READY\",\"message\":\"\"}", "5", kSubject);
  EXPECT_EQ(r.exit_code, 3);
  EXPECT_EQ(r.retry_after, "5");
  r = InterpretSignerdResponse(429, "", "1\x1b[2J", kSubject);
  EXPECT_EQ(r.exit_code, 3);
  EXPECT_EQ(r.retry_after, "1?[2J");
}

TEST(SignClientResponseTest, AnErrorBodyThatIsNotJsonStillNamesTheStatus) {
  SignerdReply r = InterpretSignerdResponse(502, "<html>bad gateway</html>", "", kSubject);
  EXPECT_EQ(r.exit_code, 3);
  EXPECT_EQ(r.message, "signerd answered 502 HTTP_502");
  r = InterpretSignerdResponse(403, "{\"code\":\"X\\u0007\",\"message\":\"a\\nb\"}", "", kSubject);
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_EQ(r.message, "signerd answered 403 X?: a?b");
}

// Every malformed 200 is exit 3 with nothing to write.
void ExpectMalformed(const std::string& body, const std::string& why) {
  SignerdReply r = InterpretSignerdResponse(200, body, "", kSubject);
  EXPECT_EQ(r.exit_code, 3) << why;
  EXPECT_TRUE(r.outputs.empty()) << why;
  EXPECT_FALSE(r.decision.has_value()) << why;
  EXPECT_NE(r.message.find("malformed"), std::string::npos) << why;
}

TEST(SignClientResponseTest, MalformedResponsesAreRefused) {
  ExpectMalformed("", "empty");
  ExpectMalformed("not json", "not json");
  ExpectMalformed("[]", "array");
  ExpectMalformed("{}", "no decision");
  ExpectMalformed(WriteJson(JsonValue::MakeObject({{"decision", JsonValue::MakeObject()}})), "no allowed");
  {
    JsonValue d = Decision(true);
    d.mutable_object().erase(d.mutable_object().begin() + 1);  // subject
    JsonValue b = Allowed();
    b.Set("decision", d);
    ExpectMalformed(WriteJson(b), "no subject");
  }
  {
    JsonValue b = Allowed();
    b.Set("decision", Decision(true, "sha256:" + std::string(64, '0')));
    ExpectMalformed(WriteJson(b), "another subject");
    b.Set("decision", Decision(false, "sha256:" + std::string(64, '0')));
    b.mutable_object().resize(1);
    ExpectMalformed(WriteJson(b), "a deny for another subject");
    JsonValue d = Decision(false);
    d.Set("subject", JsonValue::Int(1));
    b.Set("decision", d);
    ExpectMalformed(WriteJson(b), "a subject that is not a string");
  }
  // A reference without a digest can only be denied.
  EXPECT_EQ(InterpretSignerdResponse(200, WriteJson(Allowed()), "", "").exit_code, 3);
  {
    JsonValue b = Allowed();
    b.Set("extra", JsonValue::Bool(true));
    ExpectMalformed(WriteJson(b), "unknown top-level field");
  }
  {
    JsonValue b = Allowed();
    b.mutable_object().erase(b.mutable_object().begin() + 1);  // outputs
    ExpectMalformed(WriteJson(b), "allowed without outputs");
  }
  {
    JsonValue b = Allowed();
    b.Set("outputs", JsonValue::String("x"));
    ExpectMalformed(WriteJson(b), "outputs not an object");
  }
  for (const char* name : {"simplesigning.json", "simplesigning.sig", "image.sigstore.json", "vsa.sigstore.json"}) {
    JsonValue o = Outputs();
    auto& members = o.mutable_object();
    for (auto it = members.begin(); it != members.end(); ++it) {
      if (it->first == name) {
        members.erase(it);
        break;
      }
    }
    JsonValue b = Allowed();
    b.Set("outputs", o);
    ExpectMalformed(WriteJson(b), std::string("missing ") + name);
    JsonValue bad = Outputs();
    bad.Set(name, JsonValue::String("not base64!"));
    b.Set("outputs", bad);
    ExpectMalformed(WriteJson(b), std::string("bad base64 in ") + name);
    bad.Set(name, JsonValue::String("YWJj"));  // fine
    bad.Set(name, JsonValue::String(" YWJj"));
    b.Set("outputs", bad);
    ExpectMalformed(WriteJson(b), std::string("whitespace in ") + name);
    bad.Set(name, JsonValue::Int(1));
    b.Set("outputs", bad);
    ExpectMalformed(WriteJson(b), std::string("not a string: ") + name);
  }
  for (const char* name : {"decision.json", "evil.sh", "../simplesigning.json", "/etc/passwd", "sub/vsa.sigstore.json",
                           "simplesigning.json/", ".", "..", ""}) {
    JsonValue o = Outputs();
    o.Set(name, JsonValue::String(B64("x")));
    JsonValue b = Allowed();
    b.Set("outputs", o);
    ExpectMalformed(WriteJson(b), std::string("unknown output name ") + name);
  }
  // Repeated output names: the strict reader refuses duplicate keys.
  {
    std::string body = WriteJson(Allowed());
    const std::string key = "\"simplesigning.sig\":";
    const size_t at = body.find(key);
    body.insert(at, key + "\"" + B64("x") + "\",");
    ExpectMalformed(body, "repeated output name");
  }
  {
    JsonValue b = Allowed();
    b.Set("outputs", Outputs());
    b.mutable_object().erase(b.mutable_object().begin() + 2);  // auditEntry
    ExpectMalformed(WriteJson(b), "allowed without auditEntry");
  }
  for (const JsonValue& seq : {JsonValue::String("-1"), JsonValue::String(""), JsonValue::String("1e3"),
                               JsonValue::String("99999999999999999999999"), JsonValue::String("007"), JsonValue::String("+1"),
                               JsonValue::String("1 "), JsonValue::Int(-1),
                               JsonValue::NumberText("1.5"), JsonValue::Bool(true)}) {
    JsonValue b = Allowed();
    b.Set("auditEntry", JsonValue::MakeObject({{"seq", seq}, {"hash", JsonValue::String("h")}}));
    ExpectMalformed(WriteJson(b), "bad seq " + WriteJson(seq));
  }
  {
    JsonValue b = Allowed();
    b.Set("auditEntry", JsonValue::MakeObject({{"seq", JsonValue::String("1")}}));
    ExpectMalformed(WriteJson(b), "no hash");
  }
  {
    JsonValue b = JsonValue::MakeObject({{"decision", Decision(false)}, {"outputs", Outputs()}});
    ExpectMalformed(WriteJson(b), "outputs on a deny");
  }
}

// SortedKeys sorts every object's members by name, as a protobuf Struct may print them.
JsonValue SortedKeys(JsonValue v) {
  if (v.is_array()) {
    for (auto& item : v.mutable_array()) item = SortedKeys(item);
  } else if (v.is_object()) {
    for (auto& [k, child] : v.mutable_object()) child = SortedKeys(child);
    std::sort(v.mutable_object().begin(), v.mutable_object().end(),
              [](const auto& a, const auto& b) { return a.first > b.first; });
  }
  return v;
}

TEST(SignClientResponseTest, TheDecisionIsPrintedInLocalSigningsMemberOrder) {
  policy::Decision d;
  d.allowed = true;
  d.subject = kSubject;
  d.policy_digest = "sha256:00";
  d.findings.push_back({"EXCEPTION_EXPIRED", "m", "in.json"});
  policy::AcceptedProvenance p;
  p.input = "prov.json";
  p.builder = "b";
  p.signer = "keyless";
  p.san = "https://github.com/o/r/.github/workflows/w.yml@refs/tags/v1";
  p.issuer = "https://token.actions.githubusercontent.com";
  p.provenance.source = policy::SourceRef{"https://github.com/o/r", "refs/tags/v1", "abc"};
  p.trusted_time = Timestamp{};
  p.time_source = "tlog";
  d.provenance = p;
  d.attestations.push_back({"sbom.json", "https://spdx.dev/Document", "b", std::nullopt});
  d.waivers.push_back({"VULN_SEVERITY", "CVE-1", "me", "T-1", Timestamp{}, "scan.json"});
  const JsonValue local = d.ToJson();
  JsonValue body = Allowed();
  body.Set("decision", SortedKeys(local));
  ASSERT_NE(WriteJson(SortedKeys(local)), WriteJson(local));
  SignerdReply r = Interpret(200, body);
  ASSERT_EQ(r.exit_code, 0) << r.message;
  EXPECT_EQ(WriteJson(*r.decision, 2), WriteJson(local, 2));
  EXPECT_EQ(r.outputs[4].second, WriteJson(local, 2) + "\n");
  // Keyed provenance has signer.keys; a deny has no provenance.
  d.provenance->signer = "key";
  d.provenance->keys = {"k1"};
  d.allowed = false;
  const JsonValue keyed = d.ToJson();
  r = Interpret(200, JsonValue::MakeObject({{"decision", SortedKeys(keyed)}}));
  ASSERT_EQ(r.exit_code, 1) << r.message;
  EXPECT_EQ(WriteJson(*r.decision), WriteJson(keyed));
}

class SignClientWriteTest : public ::testing::Test {
 protected:
  void SetUp() override { dir_ = signet::testing::MakeTempDir(); }
  void TearDown() override { signet::testing::RemoveTree(dir_); }
  std::string dir_;
};

TEST_F(SignClientWriteTest, AnAllowedReplyIsWrittenAsLocalSigningWritesIt) {
  SignerdReply r = Interpret(200, Allowed());
  ASSERT_EQ(r.exit_code, 0);
  std::vector<std::string> written;
  ASSERT_TRUE(WriteSignerdOutputs(dir_ + "/out", r, &written).ok());
  ASSERT_EQ(written.size(), 5u);
  EXPECT_EQ(*ReadFile(dir_ + "/out/simplesigning.json", 1 << 20), "{\"critical\":{}}");
  EXPECT_EQ(*ReadFile(dir_ + "/out/decision.json", 1 << 20), WriteJson(Decision(true), 2) + "\n");
  struct stat st;
  ASSERT_EQ(::stat((dir_ + "/out/simplesigning.sig").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 07777, 0644u);
  ASSERT_EQ(::stat((dir_ + "/out").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 07777, 0755u);
}

TEST_F(SignClientWriteTest, NothingIsWrittenForAnythingButAnAllowedReply) {
  std::vector<std::string> written;
  for (const SignerdReply& r :
       {Interpret(200, JsonValue::MakeObject({{"decision", Decision(false)}})), Interpret(403, JsonValue()),
        InterpretSignerdResponse(200, "{\"decision\":{\"allowed\":true}}", "", kSubject), SignerdReply{}}) {
    EXPECT_FALSE(WriteSignerdOutputs(dir_ + "/out", r, &written).ok());
    struct stat st;
    EXPECT_NE(::lstat((dir_ + "/out").c_str(), &st), 0);
  }
  EXPECT_TRUE(written.empty());
}

}  // namespace
}  // namespace signet::ops
