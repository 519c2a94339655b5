// DKIM keys on disk, signing and verification (mta/dkim, shared/mail/dkim_keys.h): keys made by
// GenerateDkimKey sign, VerifyDkim checks what DkimSigner wrote against the published record,
// and any change to a signed header or the body fails. Interop with an independent
// implementation (dkimpy) is checked end to end in tests/e2e/test_dkim.py.
#include <gtest/gtest.h>
#include <stdlib.h>
#include <sys/stat.h>

#include <filesystem>
#include <fstream>
#include <map>

#include "dkim/dkim_signer.h"
#include "dkim/dkim_verifier.h"
#include "shared/mail/dkim_keys.h"
#include "shared/mail/header_scan.h"

namespace mailsuite::mta {
namespace {

namespace fs = std::filesystem;
using mail::DkimKey;
using mail::DkimKeyType;

const char kMessage[] =
    "From: Alice <alice@example.org>\r\n"
    "To: bob@example.net\r\n"
    "Subject: a subject that is folded\r\n"
    " over two lines\r\n"
    "Date: Sun, 06 Dec 2026 10:00:00 +0000\r\n"
    "Message-ID: <1@example.org>\r\n"
    "\r\n"
    "Body line with trailing space   \r\n"
    "8-bit: \xc3\xa9t\xc3\xa9\r\n"
    "\r\n"
    "\r\n";

class DkimTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/dkim-test-XXXXXX";
    ASSERT_NE(mkdtemp(tmpl), nullptr);
    dir_ = tmpl;
  }
  void TearDown() override { fs::remove_all(dir_); }

  DkimKey Generate(const std::string& domain, const std::string& selector, DkimKeyType type,
                   bool active = true) {
    auto key = mail::GenerateDkimKey(dir_, domain, selector, type, active);
    EXPECT_TRUE(key.ok()) << key.error();
    auto record = mail::DkimDnsRecord(*key);
    EXPECT_TRUE(record.ok());
    dns_[selector + "._domainkey." + domain] = *record;
    return *key;
  }

  TxtLookup Lookup() {
    return [this](const std::string& name) {
      TxtLookupAnswer a;
      auto it = dns_.find(name);
      if (temporary_) {
        a.status = TxtLookupAnswer::Status::kTemporary;
      } else if (it == dns_.end()) {
        a.status = TxtLookupAnswer::Status::kNotFound;
      } else {
        a.status = TxtLookupAnswer::Status::kFound;
        a.records.push_back(it->second);
      }
      return a;
    };
  }

  std::string Signed(const std::string& message) {
    DkimSigner signer(dir_);
    EXPECT_TRUE(signer.Reload().ok());
    auto fields = signer.Sign(message);
    EXPECT_TRUE(fields.ok()) << fields.error();
    return *fields + message;
  }

  std::string dir_;
  std::map<std::string, std::string> dns_;
  bool temporary_ = false;
};

TEST_F(DkimTest, KeysAreWrittenPrivatelyAndListedWithTheirState) {
  Generate("Example.ORG", "r1", DkimKeyType::kRsa);
  Generate("example.org", "e1", DkimKeyType::kEd25519, false);
  std::vector<std::string> problems;
  auto keys = mail::ListDkimKeys(dir_, &problems);
  ASSERT_TRUE(keys.ok());
  EXPECT_TRUE(problems.empty());
  ASSERT_EQ(keys->size(), 2u);
  EXPECT_EQ((*keys)[0].selector, "e1");
  EXPECT_EQ((*keys)[0].type, DkimKeyType::kEd25519);
  EXPECT_FALSE((*keys)[0].active);
  EXPECT_EQ((*keys)[1].domain, "example.org");
  EXPECT_TRUE((*keys)[1].active);
  struct stat st {};
  ASSERT_EQ(::stat((*keys)[1].path.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  ASSERT_EQ(::stat((dir_ + "/example.org").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0700u);

  EXPECT_FALSE(mail::GenerateDkimKey(dir_, "example.org", "r1", DkimKeyType::kRsa, true).ok())
      << "an existing selector is never overwritten";
  EXPECT_FALSE(mail::GenerateDkimKey(dir_, "example.org", "a.b", DkimKeyType::kRsa, true).ok());
  EXPECT_FALSE(mail::GenerateDkimKey(dir_, "../etc", "x", DkimKeyType::kRsa, true).ok());
}

TEST_F(DkimTest, AFileThatIsNotAKeyIsAProblemNotAKey) {
  fs::create_directories(dir_ + "/example.org");
  std::ofstream(dir_ + "/example.org/broken.key") << "not a key\n";
  std::vector<std::string> problems;
  auto keys = mail::ListDkimKeys(dir_, &problems);
  ASSERT_TRUE(keys.ok());
  EXPECT_TRUE(keys->empty());
  ASSERT_EQ(problems.size(), 1u);
  EXPECT_NE(problems[0].find("broken.key"), std::string::npos);
}

TEST_F(DkimTest, DnsRecordsHaveTheRfcForms) {
  auto rsa = mail::DkimDnsRecord(Generate("example.org", "r", DkimKeyType::kRsa));
  auto ed = mail::DkimDnsRecord(Generate("example.org", "e", DkimKeyType::kEd25519));
  ASSERT_TRUE(rsa.ok() && ed.ok());
  EXPECT_EQ(rsa->rfind("v=DKIM1; k=rsa; p=MIIBIjAN", 0), 0u) << *rsa;  // 2048-bit SPKI
  EXPECT_EQ(rsa->size(), std::string("v=DKIM1; k=rsa; p=").size() + 392);
  EXPECT_EQ(ed->rfind("v=DKIM1; k=ed25519; p=", 0), 0u);
  EXPECT_EQ(ed->size(), std::string("v=DKIM1; k=ed25519; p=").size() + 44);  // 32 octets
  std::string quoted = mail::QuoteTxtRecord(*rsa);
  EXPECT_EQ(quoted.substr(0, 1), "\"");
  EXPECT_NE(quoted.find("\" \""), std::string::npos) << "split into strings of <= 255 octets";
  EXPECT_EQ(quoted.find("\" \""), 256u);
}

TEST_F(DkimTest, ActivatingAKeyPutsTheOtherOfItsTypeOnStandby) {
  Generate("example.org", "old", DkimKeyType::kRsa);
  Generate("example.org", "ed", DkimKeyType::kEd25519);
  Generate("example.org", "new", DkimKeyType::kRsa, false);
  auto changed = mail::ActivateDkimKey(dir_, "example.org", "new");
  ASSERT_TRUE(changed.ok()) << changed.error();
  ASSERT_EQ(changed->size(), 2u);
  auto keys = mail::ListDkimKeys(dir_);
  std::map<std::string, bool> active;
  for (const DkimKey& k : *keys) active[k.selector] = k.active;
  EXPECT_EQ(active, (std::map<std::string, bool>{{"ed", true}, {"new", true}, {"old", false}}));
  EXPECT_FALSE(mail::ActivateDkimKey(dir_, "example.org", "nope").ok());
  EXPECT_TRUE(mail::RemoveDkimKey(dir_, "example.org", "old").ok());
  EXPECT_EQ(mail::ListDkimKeys(dir_)->size(), 2u);
}

TEST_F(DkimTest, BothKeyTypesSignAndVerify) {
  Generate("example.org", "r", DkimKeyType::kRsa);
  Generate("example.org", "e", DkimKeyType::kEd25519);
  std::string message = Signed(kMessage);
  ASSERT_EQ(message.rfind("DKIM-Signature: v=1; a=ed25519-sha256; c=relaxed/relaxed;", 0), 0u)
      << message;
  EXPECT_EQ(mail::CountHeaderFields(message, "DKIM-Signature"), 2);
  auto results = VerifyDkim(message, Lookup());
  ASSERT_EQ(results.size(), 2u);
  for (const DkimResult& r : results) {
    EXPECT_EQ(r.outcome, DkimOutcome::kPass) << r.selector << ": " << r.reason;
    EXPECT_EQ(r.domain, "example.org");
    EXPECT_EQ(r.b_prefix.size(), 8u);
  }
  EXPECT_EQ(results[0].algorithm, "ed25519-sha256");
  EXPECT_EQ(results[1].algorithm, "rsa-sha256");
}

TEST_F(DkimTest, RelaxedCanonicalizationSurvivesWhatRelaysDo) {
  Generate("example.org", "r", DkimKeyType::kRsa);
  std::string message = Signed(kMessage);
  // RFC 6376 3.4.2/3.4.4: refolding a header, changing the case of a field name, and spaces
  // at line ends or runs of them in the body do not change the relaxed forms.
  std::string relayed = message;
  relayed.replace(relayed.find("To: bob@example.net"), 19, "to:   bob@example.net");
  relayed.replace(relayed.find("trailing space   "), 17, "trailing  space");
  relayed.insert(0, "Received: from relay.example.net by mx.example.net; today\r\n");
  auto results = VerifyDkim(relayed, Lookup());
  ASSERT_EQ(results.size(), 1u);
  EXPECT_EQ(results[0].outcome, DkimOutcome::kPass) << results[0].reason;
}

TEST_F(DkimTest, ChangedBodyOrHeaderOrAddedFromFails) {
  Generate("example.org", "r", DkimKeyType::kRsa);
  Generate("example.org", "e", DkimKeyType::kEd25519);
  std::string message = Signed(kMessage);
  std::string body_changed = message;
  body_changed.replace(body_changed.find("Body line"), 9, "Body LINE");
  std::string header_changed = message;
  header_changed.replace(header_changed.find("Subject: a"), 10, "Subject: A");
  // Oversigning (RFC 6376 8.15): a second From: added on top breaks the signature.
  std::string from_added = message;
  from_added.insert(from_added.find("From: Alice"), "From: attacker@evil.example\r\n");
  for (const std::string& m : {body_changed, header_changed, from_added}) {
    auto results = VerifyDkim(m, Lookup());
    ASSERT_EQ(results.size(), 2u);
    for (const DkimResult& r : results) EXPECT_EQ(r.outcome, DkimOutcome::kFail) << r.reason;
  }
  auto results = VerifyDkim(body_changed, Lookup());
  EXPECT_EQ(results[0].reason, "body hash did not verify");
}

TEST_F(DkimTest, KeyMissingRevokedOrUnreachable) {
  Generate("example.org", "r", DkimKeyType::kRsa);
  std::string message = Signed(kMessage);
  dns_.clear();
  auto missing = VerifyDkim(message, Lookup());
  ASSERT_EQ(missing.size(), 1u);
  EXPECT_EQ(missing[0].outcome, DkimOutcome::kPermError);
  dns_["r._domainkey.example.org"] = "v=DKIM1; k=rsa; p=";  // RFC 6376 3.6.1: revoked
  auto revoked = VerifyDkim(message, Lookup());
  EXPECT_EQ(revoked[0].outcome, DkimOutcome::kPermError);
  temporary_ = true;
  auto unreachable = VerifyDkim(message, Lookup());
  EXPECT_EQ(unreachable[0].outcome, DkimOutcome::kTempError);
}

TEST_F(DkimTest, UnsignedAndMalformedSignatures) {
  EXPECT_TRUE(VerifyDkim(kMessage, Lookup()).empty());
  std::string bad = std::string("DKIM-Signature: v=1; a=rsa-sha256; d=example.org\r\n") + kMessage;
  auto results = VerifyDkim(bad, Lookup());
  ASSERT_EQ(results.size(), 1u);
  EXPECT_EQ(results[0].outcome, DkimOutcome::kPermError);
}

TEST_F(DkimTest, AtMostEightSignaturesAreChecked) {
  Generate("example.org", "r", DkimKeyType::kRsa);
  std::string message = kMessage;
  for (int i = 0; i < 12; ++i) message = Signed(message);
  int lookups = 0;
  TxtLookup counting = [&](const std::string& name) {
    ++lookups;
    return Lookup()(name);
  };
  auto results = VerifyDkim(message, counting);
  EXPECT_EQ(lookups, kMaxDkimSignatures);
  ASSERT_EQ(results.size(), static_cast<size_t>(kMaxDkimSignatures));
  for (const DkimResult& r : results) EXPECT_EQ(r.outcome, DkimOutcome::kPass);
}

TEST_F(DkimTest, TheAuthorDomainOrItsClosestParentWithKeysSigns) {
  Generate("example.org", "r", DkimKeyType::kRsa);
  DkimSigner signer(dir_);
  ASSERT_TRUE(signer.Reload().ok());
  EXPECT_EQ(signer.KeyCount(), 1u);
  EXPECT_EQ(signer.SigningDomain("example.org"), "example.org");
  EXPECT_EQ(signer.SigningDomain("mail.example.org"), "example.org");
  EXPECT_EQ(signer.SigningDomain("example.net"), "");
  EXPECT_EQ(signer.SigningDomain("org"), "");
  auto unsigned_mail = signer.Sign("From: someone@example.net\r\n\r\nx\r\n");
  ASSERT_TRUE(unsigned_mail.ok());
  EXPECT_EQ(*unsigned_mail, "");
  auto two_froms = signer.Sign("From: a@example.org\r\nFrom: b@example.org\r\n\r\nx\r\n");
  EXPECT_EQ(*two_froms, "") << "no single author: not signed";
  auto bounce = signer.Sign("From: MAILER-DAEMON@mail.example.org\r\n\r\nx\r\n");
  EXPECT_NE(bounce->find("d=example.org;"), std::string::npos);
}

TEST_F(DkimTest, ReloadPicksUpANewKeyAndKeepsTheOldSetOnError) {
  DkimSigner signer(dir_);
  ASSERT_TRUE(signer.Reload().ok());
  EXPECT_EQ(signer.KeyCount(), 0u);
  Generate("example.org", "r", DkimKeyType::kRsa);
  ASSERT_TRUE(signer.Reload().ok());
  EXPECT_EQ(signer.KeyCount(), 1u);
  ::chmod(dir_.c_str(), 0);
  if (::access(dir_.c_str(), R_OK) != 0) {  // root reads it anyway
    EXPECT_FALSE(signer.Reload().ok());
    EXPECT_EQ(signer.KeyCount(), 1u);
  }
  ::chmod(dir_.c_str(), 0700);
}

// RFC 8463 Appendix A.3: a message signed by someone else, with both algorithms (keys in A.2).
TEST(DkimRfcVectorTest, BothSignaturesOfRfc8463AppendixAVerify) {
  const std::string message =
      "DKIM-Signature: v=1; a=ed25519-sha256; c=relaxed/relaxed;\r\n"
      " d=football.example.com; i=@football.example.com;\r\n"
      " q=dns/txt; s=brisbane; t=1528637909; h=from : to :\r\n"
      " subject : date : message-id : from : subject : date;\r\n"
      " bh=2jUSOH9NhtVGCQWNr9BrIAPreKQjO6Sn7XIkfJVOzv8=;\r\n"
      " b=/gCrinpcQOoIfuHNQIbq4pgh9kyIK3AQUdt9OdqQehSwhEIug4D11Bus\r\n"
      " Fa3bT3FY5OsU7ZbnKELq+eXdp1Q1Dw==\r\n"
      "DKIM-Signature: v=1; a=rsa-sha256; c=relaxed/relaxed;\r\n"
      " d=football.example.com; i=@football.example.com;\r\n"
      " q=dns/txt; s=test; t=1528637909; h=from : to : subject :\r\n"
      " date : message-id : from : subject : date;\r\n"
      " bh=2jUSOH9NhtVGCQWNr9BrIAPreKQjO6Sn7XIkfJVOzv8=;\r\n"
      " b=F45dVWDfMbQDGHJFlXUNB2HKfbCeLRyhDXgFpEL8GwpsRe0IeIixNTe3\r\n"
      " DhCVlUrSjV4BwcVcOF6+FF3Zo9Rpo1tFOeS9mPYQTnGdaSGsgeefOsk2Jz\r\n"
      " dA+L10TeYt9BgDfQNZtKdN1WO//KgIqXP7OdEFE4LjFYNcUxZQ4FADY+8=\r\n"
      "From: Joe SixPack <joe@football.example.com>\r\n"
      "To: Suzie Q <suzie@shopping.example.net>\r\n"
      "Subject: Is dinner ready?\r\n"
      "Date: Fri, 11 Jul 2003 21:00:37 -0700 (PDT)\r\n"
      "Message-ID: <20030712040037.46341.5F8J@football.example.com>\r\n"
      "\r\n"
      "Hi.\r\n"
      "\r\n"
      "We lost the game.  Are you hungry yet?\r\n"
      "\r\n"
      "Joe.\r\n";
  std::map<std::string, std::string> dns = {
      {"brisbane._domainkey.football.example.com",
       "v=DKIM1; k=ed25519; p=11qYAYKxCrfVS/7TyWQHOg7hcvPapiMlrwIaaPcHURo="},
      {"test._domainkey.football.example.com",
       "v=DKIM1; k=rsa; p=MIGfMA0GCSqGSIb3DQEBAQUAA4GNADCBiQKBgQDkHlOQoBTzWRiGs5V6NpP3idY6Wk08a5qhd"
       "R6wy5bdOKb2jLQiY/J16JYi0Qvx/byYzCNb3W91y3FutACDfzwQ/BC/e/8uBsCR+yz1Lxj+PL6lHvqMKrM3rG4hst"
       "T5QjvHO9PzoxZyVYLzBfO2EeC3Ip3G+2kryOTIKT+l/K4w3QIDAQAB"}};
  TxtLookup lookup = [&](const std::string& name) {
    TxtLookupAnswer a;
    a.status = TxtLookupAnswer::Status::kFound;
    a.records.push_back(dns.at(name));
    return a;
  };
  auto results = VerifyDkim(message, lookup);
  ASSERT_EQ(results.size(), 2u);
  EXPECT_EQ(results[0].outcome, DkimOutcome::kPass) << results[0].reason;
  EXPECT_EQ(results[0].algorithm, "ed25519-sha256");
  EXPECT_EQ(results[1].outcome, DkimOutcome::kPass) << results[1].reason;
  EXPECT_EQ(results[1].b_prefix, "F45dVWDf");
}

TEST(AuthorDomainTest, OneFromFieldWithOneDomain) {
  EXPECT_EQ(mail::AuthorDomain("From: A <a@Example.ORG>\r\n\r\n"), "example.org");
  EXPECT_EQ(mail::AuthorDomain("from: a@x.example, b@x.example\r\n\r\n"), "x.example");
  EXPECT_EQ(mail::AuthorDomain("From: a@x.example, b@y.example\r\n\r\n"), "");
  EXPECT_EQ(mail::AuthorDomain("From: a@x.example\r\nFrom: a@x.example\r\n\r\n"), "");
  EXPECT_EQ(mail::AuthorDomain("Subject: none\r\n\r\nFrom: a@x.example\r\n"), "");
  EXPECT_EQ(mail::AuthorDomain("From: \"Folded\r\n Name\" <a@x.example>\r\n\r\n"), "x.example");
  EXPECT_EQ(mail::AuthorDomain("From: undisclosed\r\n\r\n"), "");
  EXPECT_EQ(mail::AuthorDomain("From: a@example.org.\r\n\r\n"), "");
  EXPECT_EQ(mail::AuthorDomain("From : a@x.example\r\nFrom: a@x.example\r\n\r\n"), "")
      << "the obsolete form with WSP before the colon counts as a From: field";
  auto several = mail::AuthorDomains("From: a@x.example, b@Y.example, c@x.example\r\n\r\n");
  ASSERT_TRUE(several);
  EXPECT_EQ(*several, (std::vector<std::string>{"x.example", "y.example"}));
  EXPECT_TRUE(mail::AuthorDomains("Subject: s\r\n\r\n")->empty());
  EXPECT_FALSE(mail::AuthorDomains("From: a@x.example\r\nFrom: b@x.example\r\n\r\n"));
}

TEST(HeaderFieldValuesTest, UnfoldsAndKeepsOrder) {
  auto v = mail::HeaderFieldValues(
      "X-A: one\r\nx-a:two\r\n  more\r\nX-B: no\r\nX-A: three\r\n\r\nX-A: body\r\n", "X-A");
  EXPECT_EQ(v, (std::vector<std::string>{"one", "two  more", "three"}));
}

}  // namespace
}  // namespace mailsuite::mta
