// Event log and reference values: canonical records, replay, strict parsing.
#include "signet/attestation/event_log.h"

#include <gtest/gtest.h>

#include "signet/attestation/reference_values.h"
#include "signet/core/encoding.h"
#include "signet/core/hash.h"

namespace signet::attestation {
namespace {

EventRecord Binary() {
  return EventRecord{0, 23, "binary", "/usr/bin/signet", Bytes(32, 0xab)};
}

TEST(EventLogTest, CanonicalRecordIsJcsAndItsDigestIsExtended) {
  EXPECT_EQ(CanonicalEventRecord(Binary()),
            "{\"kind\":\"binary\",\"path\":\"/usr/bin/signet\",\"pcr\":23,\"seq\":0,\"sha256\":\"" +
                std::string(64, 'a').replace(0, 64, HexEncode(Bytes(32, 0xab))) + "\"}");
  EXPECT_EQ(EventDigest(Binary()), Sha256(CanonicalEventRecord(Binary())));
  // Metadata is bound: the same file hash under another path or kind extends differently.
  EventRecord moved = Binary();
  moved.path = "/tmp/signet";
  EXPECT_NE(EventDigest(moved), EventDigest(Binary()));
  EventRecord as_config = Binary();
  as_config.kind = "config";
  EXPECT_NE(EventDigest(as_config), EventDigest(Binary()));
}

TEST(EventLogTest, ReplayFollowsTheExtendRule) {
  EventLog log;
  log.events.push_back(Binary());
  log.events.push_back(MakeSeparator(1, 23));
  Bytes pcr(32, 0);
  for (const auto& e : log.events) {
    Bytes d = EventDigest(e);
    pcr.insert(pcr.end(), d.begin(), d.end());
    pcr = Sha256(ByteView(pcr));
  }
  auto replayed = ReplayEventLog(log);
  ASSERT_EQ(replayed.size(), 1u);
  EXPECT_EQ(replayed[23], pcr);
  EXPECT_TRUE(ReplayEventLog(EventLog{}).empty());
}

TEST(EventLogTest, RoundTripsAndParsesStrictly) {
  EventLog log;
  log.events.push_back(Binary());
  log.events.push_back(MakeSeparator(1, 23));
  auto back = ParseEventLog(SerializeEventLog(log));
  ASSERT_TRUE(back.ok()) << back.error().ToString();
  ASSERT_EQ(back->events.size(), 2u);
  EXPECT_EQ(back->events[1].kind, "separator");
  EXPECT_TRUE(CheckSequence(*back).ok());

  const std::string head = "{\"version\":\"signet-event-log-v1\",\"events\":[";
  const std::string rec =
      "{\"seq\":0,\"pcr\":23,\"kind\":\"binary\",\"path\":\"/a\",\"sha256\":\"" +
      std::string(64, 'a') + "\"}";
  EXPECT_TRUE(ParseEventLog(head + rec + "]}").ok());
  // Unknown kinds parse (the verifier decides); everything else is strict.
  EXPECT_TRUE(ParseEventLog(head + "{\"seq\":0,\"pcr\":23,\"kind\":\"firmware\",\"path\":\"\","
                                   "\"sha256\":\"" + std::string(64, '0') + "\"}]}")
                  .ok());
  EXPECT_FALSE(ParseEventLog(head + rec + "]").ok());
  EXPECT_FALSE(ParseEventLog("{\"version\":\"v0\",\"events\":[]}").ok());
  EXPECT_FALSE(ParseEventLog(head + rec + "],\"extra\":1}").ok());
  std::string upper = rec;
  upper.replace(upper.find("aaaa"), 4, "AAAA");
  EXPECT_FALSE(ParseEventLog(head + upper + "]}").ok());
  std::string pcr24 = rec;
  pcr24.replace(pcr24.find("23"), 2, "24");
  EXPECT_FALSE(ParseEventLog(head + pcr24 + "]}").ok());
  std::string neg = rec;
  neg.replace(neg.find("\"seq\":0"), 7, "\"seq\":-1");
  EXPECT_FALSE(ParseEventLog(head + neg + "]}").ok());
  std::string dup = rec;
  dup.insert(1, "\"seq\":0,");
  EXPECT_FALSE(ParseEventLog(head + dup + "]}").ok());
  std::string missing = rec;
  missing.replace(missing.find("\"path\":\"/a\","), 12, "");
  EXPECT_FALSE(ParseEventLog(head + missing + "]}").ok());
  std::string long_kind = rec;
  long_kind.replace(long_kind.find("binary"), 6, std::string(65, 'k'));
  EXPECT_FALSE(ParseEventLog(head + long_kind + "]}").ok());
}

TEST(EventLogTest, SizeAndSequenceLimits) {
  EventLog big;
  for (size_t i = 0; i <= kMaxEvents; ++i) {
    EventRecord r = Binary();
    r.seq = i % 100;
    big.events.push_back(r);
  }
  EXPECT_FALSE(ParseEventLog(SerializeEventLog(big)).ok());
  EventLog gap;
  gap.events.push_back(Binary());
  gap.events.push_back(MakeSeparator(2, 23));
  EXPECT_FALSE(CheckSequence(gap).ok());
}

TEST(EventKindTest, NamesAndMeasuredKinds) {
  EXPECT_EQ(*ParseEventKind("trust_root"), EventKind::kTrustRoot);
  EXPECT_FALSE(ParseEventKind("Binary").ok());
  EXPECT_TRUE(ParseEventKind("separator").ok());
  EXPECT_FALSE(ParseMeasuredKind("separator").ok());
  EXPECT_TRUE(ParseMeasuredKind("policy").ok());
}

TEST(ReferenceValuesTest, RoundTripsAndParsesStrictly) {
  ReferenceValues ref;
  ref.measurements.push_back({"binary:signet", "binary", "/r/signet", Bytes(32, 1)});
  ref.measurements.push_back({"policy:p.json", "policy", "/r/p.json", Bytes(32, 2)});
  auto back = ParseReferenceValues(SerializeReferenceValues(ref));
  ASSERT_TRUE(back.ok()) << back.error().ToString();
  EXPECT_EQ(back->pcr, 23u);
  EXPECT_EQ(back->measurements[1].sha256, Bytes(32, 2));

  ReferenceValues dup = ref;
  dup.measurements[1].id = "binary:signet";
  EXPECT_FALSE(ParseReferenceValues(SerializeReferenceValues(dup)).ok());
  ReferenceValues sep = ref;
  sep.measurements[1].kind = "separator";
  EXPECT_FALSE(ParseReferenceValues(SerializeReferenceValues(sep)).ok());
  ReferenceValues empty;
  EXPECT_FALSE(ParseReferenceValues(SerializeReferenceValues(empty)).ok());
  ReferenceValues pcr = ref;
  pcr.pcr = 24;
  EXPECT_FALSE(ParseReferenceValues(SerializeReferenceValues(pcr)).ok());
  EXPECT_FALSE(ParseReferenceValues(SerializeReferenceValues(ref) + "{").ok());
}

}  // namespace
}  // namespace signet::attestation
