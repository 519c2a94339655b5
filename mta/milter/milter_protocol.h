// The Sendmail milter protocol, version 6 (libmilter's mfdef.h, as Postfix speaks it): the MTA
// sends one packet per SMTP event, the filter answers with an action and, at end of message,
// with changes to the message. Every packet is a 32-bit length in network order (counting the
// command byte), a command byte, and data; strings in data end with NUL.
// Pure: bytes in, packets and replies out. No I/O (milter_client.h does that).
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "shared/result.h"

namespace mailsuite::mta::milter {

inline constexpr uint32_t kProtocolVersion = 6;
// The largest body chunk the MTA sends (MILTER_CHUNK_SIZE) and the largest packet we take from
// a filter: a replaced body arrives in chunks, headers and replies are short.
inline constexpr size_t kChunkSize = 65535;
inline constexpr size_t kMaxReplyData = 1024 * 1024;

// Commands, MTA to filter (SMFIC_*).
namespace command {
inline constexpr char kAbort = 'A';
inline constexpr char kBody = 'B';
inline constexpr char kConnect = 'C';
inline constexpr char kMacro = 'D';
inline constexpr char kEndOfBody = 'E';
inline constexpr char kHelo = 'H';
inline constexpr char kHeader = 'L';
inline constexpr char kMail = 'M';
inline constexpr char kEndOfHeaders = 'N';
inline constexpr char kOptionNegotiation = 'O';
inline constexpr char kQuit = 'Q';
inline constexpr char kRcpt = 'R';
inline constexpr char kData = 'T';
}  // namespace command

// Actions the MTA allows the filter (SMFIF_*), offered in option negotiation.
namespace action {
inline constexpr uint32_t kAddHeaders = 0x01;
inline constexpr uint32_t kChangeBody = 0x02;
inline constexpr uint32_t kAddRecipient = 0x04;
inline constexpr uint32_t kDeleteRecipient = 0x08;
inline constexpr uint32_t kChangeHeaders = 0x10;
inline constexpr uint32_t kQuarantine = 0x20;
inline constexpr uint32_t kChangeSender = 0x40;
inline constexpr uint32_t kAddRecipientWithArgs = 0x80;
inline constexpr uint32_t kSetSymbolList = 0x100;
inline constexpr uint32_t kAll = 0x1ff;
}  // namespace action

// Protocol steps (SMFIP_*): what the filter does not want sent, or will not answer.
namespace step {
inline constexpr uint32_t kNoConnect = 0x1;
inline constexpr uint32_t kNoHelo = 0x2;
inline constexpr uint32_t kNoMail = 0x4;
inline constexpr uint32_t kNoRcpt = 0x8;
inline constexpr uint32_t kNoBody = 0x10;
inline constexpr uint32_t kNoHeaders = 0x20;
inline constexpr uint32_t kNoEndOfHeaders = 0x40;
inline constexpr uint32_t kNoReplyHeader = 0x80;
inline constexpr uint32_t kNoUnknown = 0x100;
inline constexpr uint32_t kNoData = 0x200;
inline constexpr uint32_t kSkip = 0x400;  // the MTA understands SMFIR_SKIP
inline constexpr uint32_t kNoReplyConnect = 0x1000;
inline constexpr uint32_t kNoReplyHelo = 0x2000;
inline constexpr uint32_t kNoReplyMail = 0x4000;
inline constexpr uint32_t kNoReplyRcpt = 0x8000;
inline constexpr uint32_t kNoReplyData = 0x10000;
inline constexpr uint32_t kNoReplyUnknown = 0x20000;
inline constexpr uint32_t kNoReplyEndOfHeaders = 0x40000;
inline constexpr uint32_t kNoReplyBody = 0x80000;
inline constexpr uint32_t kHeaderLeadingSpace = 0x100000;
// Every step this MTA can leave out or run without a reply. Not SMFIP_RCPT_REJ (we never send
// rejected recipients) and not SMFIP_NOUNKNOWN's opposite (we never send unknown commands).
inline constexpr uint32_t kOffered = 0x1ff7ff;
}  // namespace step

// Macro stages of SMFIR_SETSYMLIST (SMFIM_*).
enum class Stage : uint32_t {
  kConnect = 0,
  kHelo = 1,
  kMail = 2,
  kRcpt = 3,
  kData = 4,
  kEndOfMessage = 5,
  kEndOfHeaders = 6,
};

using Macros = std::vector<std::pair<std::string, std::string>>;

// ---- MTA to filter ------------------------------------------------------------------------
std::string EncodePacket(char command, std::string_view data);
std::string EncodeOptionNegotiation(uint32_t actions, uint32_t steps);
// SMFIC_MACRO for the command that follows it.
std::string EncodeMacros(char for_command, const Macros& macros);
// SMFIC_CONNECT: `family` '4', '6' or 'U' (unknown: no port or address follows).
std::string EncodeConnect(std::string_view hostname, char family, uint16_t port,
                          std::string_view address);
// SMFIC_HELO, SMFIC_MAIL and SMFIC_RCPT: NUL-terminated strings.
std::string EncodeStrings(char command, const std::vector<std::string>& strings);
std::string EncodeHeader(std::string_view name, std::string_view value);

// ---- filter to MTA ------------------------------------------------------------------------
struct Packet {
  char command = 0;
  std::string data;
};

// Collects bytes from a filter and cuts them into packets.
class PacketReader {
 public:
  enum class Outcome { kPacket, kNeedMore, kMalformed };
  void Feed(std::string_view bytes) { buffer_.append(bytes); }
  // kMalformed for an empty packet or one longer than kMaxReplyData: the stream is lost.
  Outcome Next(Packet* out);

 private:
  std::string buffer_;
};

// The filter's answer to option negotiation.
struct Negotiation {
  uint32_t version = 0;
  uint32_t actions = 0;  // what it may do (a subset of what we offered)
  uint32_t steps = 0;    // what it does not want sent or answered
  // SMFIR_SETSYMLIST: the macros it wants per stage, when it asked.
  std::map<Stage, std::vector<std::string>> macros;
};
Result<Negotiation> ParseNegotiation(const Packet& packet);

// One packet from the filter, decoded.
struct Reply {
  enum class Kind {
    kContinue,         // 'c'
    kAccept,           // 'a': no more of this filter for the message (or session)
    kReject,           // 'r'
    kTempfail,         // 't'
    kDiscard,          // 'd': accept and throw away
    kReplyCode,        // 'y': reject or tempfail with this reply
    kSkip,             // 's': no more body chunks
    kProgress,         // 'p': still working, wait on
    kQuarantine,       // 'q'
    kConnectionFail,   // 'f'
    kShutdown,         // '4': 421
    kAddHeader,        // 'h'
    kInsertHeader,     // 'i'
    kChangeHeader,     // 'm': empty value deletes
    kAddRecipient,     // '+' and '2'
    kDeleteRecipient,  // '-'
    kChangeSender,     // 'e'
    kReplaceBody,      // 'b': one chunk of the new body
  };
  Kind kind = Kind::kContinue;
  // kReplyCode: the reply, one line per element ("550 5.7.1 Spam"), continuation marks fixed
  // up when sent. code is 4xx or 5xx.
  int code = 0;
  std::vector<std::string> lines;
  uint32_t index = 0;           // kInsertHeader (0 = first), kChangeHeader (1 = first of name)
  std::string name, value;      // header changes; value's folds are "\n" + whitespace
  std::string address, params;  // recipient and sender changes: "<a@b>" or "a@b", ESMTP args
  bool with_params = false;     // '2' (SMFIR_ADDRCPT_PAR) rather than '+'; 'e' always
  std::string text;             // kReplaceBody: the chunk; kQuarantine: the reason
};
// Fails for an unknown command, a short or malformed packet, or an unusable reply code.
Result<Reply> ParseReply(const Packet& packet);

// A kReplyCode's lines as they go on the wire: "550-..." for every line but the last.
std::vector<std::string> WireLines(const std::vector<std::string>& lines);

// True for the replies that only come at end of message (changes to it).
bool IsModification(Reply::Kind kind);

}  // namespace mailsuite::mta::milter
