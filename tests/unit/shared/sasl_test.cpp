// SASL decoders: base64 tables, PLAIN (RFC 4616) and LOGIN, including must-reject inputs.
#include "shared/auth/sasl.h"

#include <gtest/gtest.h>

#include <string>

namespace mailsuite::auth {
namespace {

using namespace std::string_literals;

TEST(Base64, EncodeTable) {
  struct Case {
    std::string in, out;
  } cases[] = {{"", ""},
               {"f", "Zg=="},
               {"fo", "Zm8="},
               {"foo", "Zm9v"},
               {"foob", "Zm9vYg=="},
               {"fooba", "Zm9vYmE="},
               {"foobar", "Zm9vYmFy"},
               {"\0a\0b"s, "AGEAYg=="},
               {"\xff\xfe"s, "//4="}};
  for (const Case& c : cases) {
    EXPECT_EQ(Base64Encode(c.in), c.out) << c.in;
    auto back = Base64Decode(c.out);
    ASSERT_TRUE(back.ok()) << c.out << ": " << back.error();
    EXPECT_EQ(*back, c.in);
  }
}

TEST(Base64, RoundTripAllByteValues) {
  std::string all;
  for (int i = 0; i < 256; ++i) all += static_cast<char>(i);
  for (size_t n = 0; n <= all.size(); n += 37) {
    auto back = Base64Decode(Base64Encode(all.substr(0, n)));
    ASSERT_TRUE(back.ok());
    EXPECT_EQ(*back, all.substr(0, n));
  }
}

TEST(Base64, MustReject) {
  const char* bad[] = {"Zg",    "Zg=",   "Z===",      "====", "Zm9v\r\n", " Zm9v",
                       "Zm 9v", "Zm9v=", "Zh==",      "Zm9=", "Zg==Zg==", "Zm-v",
                       "Zm_v",  "A=BC",  "Zm9vYmFy=", "*"};
  for (const char* b : bad) EXPECT_FALSE(Base64Decode(b).ok()) << b;
}

TEST(Sasl, IsCancelAndInitialResponse) {
  EXPECT_TRUE(IsCancel("*"));
  EXPECT_FALSE(IsCancel("* "));
  EXPECT_FALSE(IsCancel(""));
  auto empty = DecodeInitialResponse("=");
  ASSERT_TRUE(empty.ok());
  EXPECT_EQ(*empty, "");
  auto some = DecodeInitialResponse("Zm9v");
  ASSERT_TRUE(some.ok());
  EXPECT_EQ(*some, "foo");
  EXPECT_FALSE(DecodeInitialResponse("==").ok());
}

TEST(SaslPlain, Accepts) {
  struct Case {
    std::string raw, authzid, authcid, password;
  } cases[] = {
      {"\0tim\0tanstaaftanstaaf"s, "", "tim", "tanstaaftanstaaf"},
      {"Ursel\0Kurt\0xipj3plmq"s, "Ursel", "Kurt", "xipj3plmq"},
      {"\0bob@example.test\0p w\xc3\xa4rd"s, "", "bob@example.test", "p w\xc3\xa4rd"},
      {"\0"s + std::string(255, 'u') + "\0"s + std::string(255, 'p'), "", std::string(255, 'u'),
       std::string(255, 'p')},
  };
  for (const Case& c : cases) {
    auto creds = DecodePlain(Base64Encode(c.raw));
    ASSERT_TRUE(creds.ok()) << creds.error();
    EXPECT_EQ(creds->authzid, c.authzid);
    EXPECT_EQ(creds->authcid, c.authcid);
    EXPECT_EQ(creds->password, c.password);
  }
}

TEST(SaslPlain, MustReject) {
  std::string bad[] = {
      ""s,
      "tim"s,
      "\0tim"s,                                 // one NUL only
      "\0tim\0"s,                               // empty password
      "\0\0secret"s,                            // empty authcid
      "\0tim\0sec\0ret"s,                       // NUL in the password
      "a\0b\0c\0d"s,                            // three NULs
      "\0"s + std::string(256, 'u') + "\0pw"s,  // authcid too long
      "\0tim\0"s + std::string(256, 'p'),       // password too long
      std::string(256, 'z') + "\0tim\0pw"s,     // authzid too long
  };
  for (const std::string& b : bad) {
    EXPECT_FALSE(DecodePlain(Base64Encode(b)).ok()) << Base64Encode(b);
    EXPECT_FALSE(ParsePlain(b).ok());
  }
  EXPECT_FALSE(DecodePlain("AHRpbQB0YW5zdGFhZnRhbnN0YWFm=").ok());  // broken base64
  EXPECT_FALSE(DecodePlain("not base64!").ok());
}

TEST(SaslPlain, ErrorsDoNotEchoTheSecret) {
  auto r = DecodePlain(Base64Encode("\0tim\0sec\0ret-secret"s));
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().find("secret"), std::string::npos);
}

TEST(SaslLogin, PromptsAndSteps) {
  EXPECT_EQ(Base64Decode(kLoginUsernamePrompt).value(), "Username:");
  EXPECT_EQ(Base64Decode(kLoginPasswordPrompt).value(), "Password:");
  auto user = DecodeLoginStep(Base64Encode("bob@example.test"));
  ASSERT_TRUE(user.ok());
  EXPECT_EQ(*user, "bob@example.test");
  EXPECT_FALSE(DecodeLoginStep("").ok());
  EXPECT_FALSE(DecodeLoginStep(Base64Encode("a\0b"s)).ok());
  EXPECT_FALSE(DecodeLoginStep(Base64Encode(std::string(256, 'x'))).ok());
  EXPECT_FALSE(DecodeLoginStep("Ym9i!").ok());
}

// The exchange every protocol runs (SMTP AUTH, POP3 AUTH, IMAP AUTHENTICATE).
using Kind = SaslStep::Kind;

TEST(SaslExchangeTest, PlainWithAChallenge) {
  SaslExchange sasl("plain", std::nullopt);
  SaslStep step = sasl.Start();
  EXPECT_EQ(step.kind, Kind::kChallenge);
  EXPECT_EQ(step.challenge, "");
  step = sasl.Respond(Base64Encode("\0tim\0pw"s));
  ASSERT_EQ(step.kind, Kind::kCredentials);
  EXPECT_EQ(step.credentials.authzid, "");
  EXPECT_EQ(step.credentials.authcid, "tim");
  EXPECT_EQ(step.credentials.password, "pw");
  EXPECT_EQ(sasl.mechanism(), "PLAIN");
}

TEST(SaslExchangeTest, PlainWithAnInitialResponse) {
  SaslExchange sasl("PLAIN", Base64Encode("boss\0tim\0pw"s));
  SaslStep step = sasl.Start();
  ASSERT_EQ(step.kind, Kind::kCredentials);
  EXPECT_EQ(step.credentials.authzid, "boss");
  // "=" is an empty initial response (RFC 4954 4): PLAIN cannot be empty.
  EXPECT_EQ(SaslExchange("PLAIN", "=").Start().kind, Kind::kMalformed);
}

TEST(SaslExchangeTest, LoginAsksForUserThenPassword) {
  SaslExchange sasl("Login", std::nullopt);
  SaslStep step = sasl.Start();
  EXPECT_EQ(step.kind, Kind::kChallenge);
  EXPECT_EQ(step.challenge, kLoginUsernamePrompt);
  step = sasl.Respond(Base64Encode("bob"));
  EXPECT_EQ(step.kind, Kind::kChallenge);
  EXPECT_EQ(step.challenge, kLoginPasswordPrompt);
  step = sasl.Respond(Base64Encode("secret"));
  ASSERT_EQ(step.kind, Kind::kCredentials);
  EXPECT_EQ(step.credentials.authcid, "bob");
  EXPECT_EQ(step.credentials.password, "secret");
  // With the user name as initial response, the first challenge is the password's.
  SaslExchange with_initial("LOGIN", Base64Encode("bob"));
  EXPECT_EQ(with_initial.Start().challenge, kLoginPasswordPrompt);
}

TEST(SaslExchangeTest, StarCancelsAtAnyChallenge) {
  SaslExchange plain("PLAIN", std::nullopt);
  plain.Start();
  EXPECT_EQ(plain.Respond("*").kind, Kind::kCancelled);
  SaslExchange login("LOGIN", std::nullopt);
  login.Start();
  login.Respond(Base64Encode("bob"));
  EXPECT_EQ(login.Respond("*").kind, Kind::kCancelled);
}

TEST(SaslExchangeTest, BadResponsesAndMechanisms) {
  SaslExchange login("LOGIN", std::nullopt);
  login.Start();
  SaslStep step = login.Respond("not base64!");
  EXPECT_EQ(step.kind, Kind::kMalformed);
  EXPECT_FALSE(step.error.empty());
  EXPECT_EQ(login.Respond(Base64Encode("late")).kind, Kind::kMalformed) << "the exchange is over";
  EXPECT_EQ(SaslExchange("CRAM-MD5", std::nullopt).Start().kind, Kind::kUnknownMechanism);
  EXPECT_EQ(SaslExchange("", "x").Start().kind, Kind::kUnknownMechanism);
}

}  // namespace
}  // namespace mailsuite::auth
