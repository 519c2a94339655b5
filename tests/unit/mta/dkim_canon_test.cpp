// DKIM's pure parts: canonicalization (RFC 6376 3.4, with the RFC's own example of 3.4.5),
// header selection (5.4.2), tag lists (3.2), signature fields and key records.
#include <gtest/gtest.h>

#include "dkim/dkim_canon.h"
#include "dkim/dkim_tags.h"

namespace mailsuite::mta::dkim {
namespace {

TEST(DkimCanonTest, TheExampleOfRfc6376Section3_4_5) {
  EXPECT_EQ(CanonicalHeader("A: X\r\n", Canon::kRelaxed), "a:X\r\n");
  EXPECT_EQ(CanonicalHeader("B : Y\t\r\n\tZ  \r\n", Canon::kRelaxed), "b:Y Z\r\n");
  EXPECT_EQ(CanonicalHeader("B : Y\t\r\n\tZ  \r\n", Canon::kSimple), "B : Y\t\r\n\tZ  \r\n");
  const char* body = " C \r\nD \t E\r\n\r\n\r\n";
  EXPECT_EQ(CanonicalBody(body, Canon::kRelaxed), " C\r\nD E\r\n");
  EXPECT_EQ(CanonicalBody(body, Canon::kSimple), " C \r\nD \t E\r\n");
}

TEST(DkimCanonTest, BodyEdges) {
  EXPECT_EQ(CanonicalBody("", Canon::kSimple), "\r\n");  // 3.4.3
  EXPECT_EQ(CanonicalBody("", Canon::kRelaxed), "");     // 3.4.4 (erratum 1384)
  EXPECT_EQ(CanonicalBody("\r\n\r\n", Canon::kSimple), "\r\n");
  EXPECT_EQ(CanonicalBody("x", Canon::kRelaxed), "x\r\n") << "a missing last CRLF is added";
  EXPECT_EQ(CanonicalBody("x", Canon::kSimple), "x\r\n");
  EXPECT_EQ(CanonicalBody("x\r\n \t\r\n  \r\n", Canon::kRelaxed), "x\r\n")
      << "lines of only WSP are empty once relaxed";
  EXPECT_EQ(CanonicalBody("x\r\n \t\r\n", Canon::kSimple), "x\r\n \t\r\n");
  EXPECT_EQ(CanonicalBody("\tindented\r\n\r\ny\r\n", Canon::kRelaxed), " indented\r\n\r\ny\r\n");
  EXPECT_EQ(CanonicalBody("\xc3\xa9\t\xc3\xa9 \r\n", Canon::kRelaxed), "\xc3\xa9 \xc3\xa9\r\n");
}

TEST(DkimCanonTest, SplitAndSelectTakeFieldsFromTheBottom) {
  SplitMessage m = SplitHeader("Received: a\r\nTo: x\r\n  y\r\nreceived: b\r\n\r\nbody\r\n");
  ASSERT_EQ(m.fields.size(), 3u);
  EXPECT_EQ(m.fields[1].raw, "To: x\r\n  y\r\n");
  EXPECT_EQ(m.body, "body\r\n");
  auto chosen = SelectHeaders(m.fields, {"Received", "to", "RECEIVED", "received", "cc"});
  ASSERT_EQ(chosen.size(), 3u) << "a name with no field left selects nothing";
  EXPECT_EQ(chosen[0], "received: b\r\n");
  EXPECT_EQ(chosen[1], "To: x\r\n  y\r\n");
  EXPECT_EQ(chosen[2], "Received: a\r\n");
  EXPECT_EQ(SplitHeader("Subject: only a header").body, "");
}

TEST(DkimCanonTest, AContinuationAfterALineThatIsNoFieldBelongsToNothing) {
  // A field's text is one range of the message: nothing a line without a colon hides can be
  // glued to the field above it (that once let a forged A-R field survive its removal).
  SplitMessage m = SplitHeader("A: 1\r\nno colon here\r\n\tB: forged\r\nC: 3\r\n\r\n");
  ASSERT_EQ(m.fields.size(), 2u);
  EXPECT_EQ(m.fields[0].raw, "A: 1\r\n");
  EXPECT_EQ(m.fields[1].raw, "C: 3\r\n");
}

TEST(DkimTagsTest, TagLists) {
  auto tags = ParseTagList(" v = 1 ;a=rsa-sha256;\r\n\tb=ab cd;");
  ASSERT_TRUE(tags);
  EXPECT_EQ((*tags)["v"], "1");
  EXPECT_EQ((*tags)["b"], "ab cd");
  EXPECT_FALSE(ParseTagList("v=1; v=1")) << "a tag twice";
  EXPECT_FALSE(ParseTagList("v=1;; a=x")) << "an empty spec in the middle";
  EXPECT_FALSE(ParseTagList("1v=1"));
  EXPECT_FALSE(ParseTagList("novalue"));
  EXPECT_TRUE(ParseTagList(""));
  EXPECT_EQ(DecodeBase64("YW\r\n Jj"), "abc") << "FWS inside base64 is skipped";
  EXPECT_FALSE(DecodeBase64("YWJj$$$$"));
  EXPECT_FALSE(DecodeBase64("11qYAYKxCrfVS/7TyWQHcg7hOvPapiMlrwIaaPcHURo=b=ZGVm"))
      << "data after the padding (a fuzzer found this one leaking)";
}

TEST(DkimTagsTest, SignaturesNeedTheirTagsAndFrom) {
  const std::string good = "v=1; a=rsa-sha256; d=Example.ORG; s=sel; h=from:to; bh=YWJj; b=ZGVm";
  auto sig = ParseSignature(good);
  ASSERT_TRUE(sig.ok()) << sig.error();
  EXPECT_EQ(sig->domain, "example.org");
  EXPECT_EQ(sig->header_canon, Canon::kSimple);
  EXPECT_EQ(sig->body_canon, Canon::kSimple);
  EXPECT_EQ(sig->body_hash, "abc");
  EXPECT_EQ(sig->identity, "@example.org");
  EXPECT_EQ(ParseSignature(good + "; c=relaxed")->body_canon, Canon::kSimple);
  EXPECT_EQ(ParseSignature(good + "; c=relaxed")->header_canon, Canon::kRelaxed);
  EXPECT_EQ(ParseSignature(good + "; l=12")->body_length, 12u);
  EXPECT_TRUE(ParseSignature(good + "; i=user@mail.example.org").ok());
  for (const std::string& bad :
       {std::string("v=1; a=rsa-sha256; d=example.org; s=sel; h=to; bh=YWJj; b=ZGVm"),
        good + "; i=user@example.net", good + "; i=user@badexample.org", good + "; c=odd",
        good + "; l=x", std::string("v=2; a=rsa-sha256; d=e.org; s=s; h=from; bh=YWJj; b=ZGVm"),
        std::string("v=1; a=rsa-sha1; d=e.org; s=s; h=from; bh=YWJj; b=ZGVm"),
        std::string("v=1; a=rsa-sha256; d=e.org/x; s=s; h=from; bh=YWJj; b=ZGVm"),
        std::string("v=1; a=rsa-sha256; d=e.org; s=s; h=from; bh=YWJj"),
        // A trailing dot would make "attacker.com." align with anything under "com.".
        std::string("v=1; a=rsa-sha256; d=example.org.; s=s; h=from; bh=YWJj; b=ZGVm"),
        std::string("v=1; a=rsa-sha256; d=org; s=s; h=from; bh=YWJj; b=ZGVm"),
        std::string("v=1; a=rsa-sha256; d=e..org; s=s; h=from; bh=YWJj; b=ZGVm"),
        std::string("v=1; a=rsa-sha256; d=e.org; s=a..b; h=from; bh=YWJj; b=ZGVm"),
        std::string("v=1; a=rsa-sha256; d=e.org; s=") + std::string(64, 'x') +
            "; h=from; bh=YWJj; b=ZGVm"})
    EXPECT_FALSE(ParseSignature(bad).ok()) << bad;
  std::string many = "v=1; a=rsa-sha256; d=e.org; s=s; bh=YWJj; b=ZGVm; h=from";
  for (size_t i = 0; i < kMaxSignedFields; ++i) many += ":x";
  EXPECT_FALSE(ParseSignature(many).ok()) << "h= is bounded";
  EXPECT_TRUE(ParseSignature("v=1; a=rsa-sha256; d=e.org; s=a.b_c; h=from; bh=YWJj; b=ZGVm").ok());
}

TEST(DkimTagsTest, KeyRecords) {
  auto rsa = ParseKeyRecord("v=DKIM1; k=rsa; p=YWJj");
  ASSERT_TRUE(rsa.ok());
  EXPECT_EQ(rsa->public_key, "abc");
  EXPECT_EQ(ParseKeyRecord("p=YWJj")->algorithm, Algorithm::kRsaSha256) << "k=rsa by default";
  EXPECT_EQ(ParseKeyRecord("k=ed25519; p=YWJj")->algorithm, Algorithm::kEd25519Sha256);
  EXPECT_TRUE(ParseKeyRecord("v=DKIM1; p=")->public_key.empty()) << "revoked";
  EXPECT_TRUE(ParseKeyRecord("t=y:s; p=YWJj")->strict_identity);
  EXPECT_FALSE(ParseKeyRecord("k=rsa; v=DKIM1; p=YWJj").ok()) << "v= must come first";
  EXPECT_FALSE(ParseKeyRecord("v=DKIM2; p=YWJj").ok());
  EXPECT_FALSE(ParseKeyRecord("k=dsa; p=YWJj").ok());
  EXPECT_FALSE(ParseKeyRecord("h=sha1; p=YWJj").ok());
  EXPECT_FALSE(ParseKeyRecord("s=tlsrpt; p=YWJj").ok());
  EXPECT_FALSE(ParseKeyRecord("v=DKIM1; k=rsa").ok());
}

TEST(DkimTagsTest, TheSignatureValueIsRemovedForHashing) {
  EXPECT_EQ(WithoutSignatureValue("DKIM-Signature: v=1; bh=YWJj;\r\n\tb=abc\r\n\t def\r\n"),
            "DKIM-Signature: v=1; bh=YWJj;\r\n\tb=\r\n");
  EXPECT_EQ(WithoutSignatureValue("DKIM-Signature: b = abc ; bh=x\r\n"),
            "DKIM-Signature: b =; bh=x\r\n");
}

}  // namespace
}  // namespace mailsuite::mta::dkim
