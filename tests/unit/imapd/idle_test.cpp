// IDLE (RFC 2177): changes reported while idling, DONE / anything else, the idle timeout.
#include <functional>

#include "session_fixture.h"

namespace mailsuite::imapd {
namespace {

const std::string kMsg = "From: carol@example.org\r\nSubject: s\r\n\r\nbody\r\n";

// Each wait for input runs the next step's action (another process changing the store), then
// the step's text arrives; a step without text is a wait that timed out.
class IdleTransport : public net::MemoryTransport {
 public:
  using Step = std::pair<std::function<void()>, std::string>;
  IdleTransport(std::string input, std::vector<Step> steps)
      : MemoryTransport(std::move(input)), steps_(std::move(steps)) {}
  bool WaitReadable(std::chrono::milliseconds) override {
    if (next_ >= steps_.size()) return true;  // the end of the input
    Step& step = steps_[next_++];
    if (step.first) step.first();
    AddInput(step.second);
    return !step.second.empty();
  }

 private:
  std::vector<Step> steps_;
  size_t next_ = 0;
};

TEST_F(ImapSessionTest, IdleReportsChangesUntilDone) {
  Deliver(kMsg);
  Deliver(kMsg);
  auto inbox = BoxId();
  IdleTransport t(kLogin + "s SELECT INBOX\r\ni IDLE\r\n",
                  {{nullptr, ""},
                   {[&] {
                      store::Flags f;
                      f.system = store::kFlagFlagged;
                      store_->UpdateFlags(inbox, {1}, store::FlagOperation::kAdd, f);
                      store_->Expunge(inbox, {2});
                      Deliver(kMsg);
                    },
                    ""},
                   {nullptr, "done\r\nj IDLE\r\n"},
                   {nullptr, "NOOP\r\n"}});
  auto r = Lines(TalkOver(t));
  auto plus = std::find(r.begin(), r.end(), "+ idling");
  ASSERT_NE(plus, r.end());
  // RECENT follows EXISTS (RFC 3501 7.3.2); the fixture's delivery is not \Recent here.
  std::vector<std::string> want = {
      "+ idling",   "* 2 EXPUNGE",        "* 1 FETCH (FLAGS (\\Flagged))",
      "* 2 EXISTS", "* 0 RECENT",         "i OK IDLE terminated",
      "+ idling",   "j BAD Expected DONE"};
  ASSERT_GE(r.end() - plus, 8);
  EXPECT_EQ(std::vector<std::string>(plus, plus + 8), want);
}

TEST_F(ImapSessionTest, IdleTimeoutAndState) {
  config_.imap.idle_timeout = 0;
  IdleTransport t("i IDLE\r\n" + kLogin + "j IDLE\r\n", {{nullptr, ""}, {nullptr, "k NOOP\r\n"}});
  auto r = Lines(TalkOver(t));
  EXPECT_EQ(Grep(r, "i ")[0], "i BAD Command not valid in this state");
  EXPECT_EQ(r.back(), "* BYE Autologout; idle for too long");
  EXPECT_TRUE(Grep(r, "k ").empty());
}

}  // namespace
}  // namespace mailsuite::imapd
