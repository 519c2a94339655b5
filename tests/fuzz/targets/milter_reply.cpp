// What a content filter sends back (the milter protocol, mta/milter): packets cut from a byte
// stream, negotiation, verdicts and changes, and those changes applied to a message.
#include "../fuzz_target.h"
#include "milter/message_edits.h"
#include "milter/milter_protocol.h"

namespace mailsuite::mta::milter {
namespace {

const char kMessage[] = "Received: from x\r\n\tby y\r\nSubject: s\r\nX-A: 1\r\n\r\nBody\r\n";

MAILSUITE_FUZZ_TARGET(milter_reply) {
  PacketReader reader;
  // Fed in two parts, so packets also cross a read.
  reader.Feed(input.substr(0, input.size() / 2));
  reader.Feed(input.substr(input.size() / 2));
  std::vector<Reply> changes;
  Packet packet;
  for (int n = 0; n < 1000 && reader.Next(&packet) == PacketReader::Outcome::kPacket; ++n) {
    (void)ParseNegotiation(packet);
    auto reply = ParseReply(packet);
    if (!reply) continue;
    if (reply->kind == Reply::Kind::kReplyCode) {
      FUZZ_CHECK(reply->code >= 400 && reply->code < 600);
      FUZZ_CHECK(!reply->lines.empty());
      for (const std::string& line : WireLines(reply->lines))
        FUZZ_CHECK(line.find_first_of("\r\n") == std::string::npos);
    }
    if (IsModification(reply->kind)) changes.push_back(std::move(*reply));
  }
  for (bool leading_space : {false, true}) {
    std::string edited = ApplyContentChanges(kMessage, changes, leading_space);
    // Whatever a filter sends, the result has a header section that ends in a blank line.
    FUZZ_CHECK(edited.find("\r\n\r\n") != std::string::npos);
    (void)SplitForFilter(edited, leading_space);
  }
}

}  // namespace
}  // namespace mailsuite::mta::milter
