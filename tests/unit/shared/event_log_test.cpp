#include "shared/event_log.h"

#include <gtest/gtest.h>

namespace mailsuite {
namespace {

TEST(EventLineTest, PlainValuesStandAloneAndOthersAreQuoted) {
  EventLine e("received");
  e.Add("msgid", "0a1b000001-1").Add("queue", 17).Add("from", "<a@example.org>").Add("helo", "");
  e.Add("reply", "250 2.0.0 Ok: queued as 9").Add("odd", "a=b");
  EXPECT_EQ(e.text(),
            "event=received msgid=0a1b000001-1 queue=17 from=<a@example.org> helo=\"\" "
            "reply=\"250 2.0.0 Ok: queued as 9\" odd=\"a=b\"");
}

TEST(EventLineTest, APeersTextCannotAddFieldsOrLines) {
  EventLine e("deferred");
  e.Add("reply", "451 \"x\" queue=99\r\nevent=forged \\");
  EXPECT_EQ(e.text(),
            "event=deferred reply=\"451 \\\"x\\\" queue=99\\x0d\\x0aevent=forged \\x5c\"");
  EventLine cut("bounced");
  cut.Add("reply", std::string(300, 'r'), 10);
  EXPECT_EQ(cut.text(), "event=bounced reply=rrrrrrrrrr...");
}

}  // namespace
}  // namespace mailsuite
