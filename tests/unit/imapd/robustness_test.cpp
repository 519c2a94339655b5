// Random command lines from IMAP-ish tokens against a selected session (run under ASan/UBSan
// in the sanitizer build): every line gets an answer and nothing crashes or hangs.
#include <random>

#include "session_fixture.h"

namespace mailsuite::imapd {
namespace {

TEST_F(ImapSessionTest, RandomCommandsNeverCrash) {
  Deliver(
      "From: a@b\r\nSubject: x\r\nContent-Type: multipart/mixed; boundary=q\r\n\r\n"
      "--q\r\nContent-Type: message/rfc822\r\n\r\nSubject: inner\r\n\r\nhi\r\n--q--\r\n");
  Deliver("Subject: two\r\n\r\nbody\r\n");
  const char* tokens[] = {"FETCH",
                          "UID",
                          "STORE",
                          "SEARCH",
                          "COPY",
                          "LIST",
                          "STATUS",
                          "SELECT",
                          "EXPUNGE",
                          "1",
                          "*",
                          "1:*",
                          "2:1",
                          "0",
                          "4294967295",
                          "1,2",
                          "(",
                          ")",
                          "FLAGS",
                          "+FLAGS.SILENT",
                          "\\Seen",
                          "\\Deleted",
                          "BODY[]",
                          "BODY.PEEK[1.1.HEADER]",
                          "BODY[2.TEXT]<0.3>",
                          "BODY[HEADER.FIELDS (Subject)]",
                          "BODY[1.MIME]",
                          "BODYSTRUCTURE",
                          "ENVELOPE",
                          "NOT",
                          "OR",
                          "SUBJECT",
                          "\"x\"",
                          "INBOX",
                          "\"\"",
                          "%",
                          "CHARSET",
                          "UTF-8",
                          "{3+}\r\nabc",
                          "NIL",
                          "RFC822",
                          "ALL",
                          "SINCE",
                          "1-Jan-2020",
                          "LARGER",
                          "HEADER",
                          "Trash",
                          "(UNSEEN)"};
  std::mt19937 rng(42);
  // Sessions of 15 commands stay under the bad-command limit, so every command is run.
  for (int session = 0; session < 80; ++session) {
    std::string input = kLogin + "s SELECT INBOX\r\n";
    for (int i = 0; i < 15; ++i) {
      input += "t" + std::to_string(i);
      int n = 1 + static_cast<int>(rng() % 6);
      for (int j = 0; j < n; ++j) {
        input += ' ';
        input += tokens[rng() % std::size(tokens)];
      }
      input += "\r\n";
    }
    input += "z LOGOUT\r\n";
    std::string out = TalkRaw(input);
    EXPECT_NE(out.find("z OK LOGOUT"), std::string::npos) << input << "\n---\n" << out;
  }
}

}  // namespace
}  // namespace mailsuite::imapd
