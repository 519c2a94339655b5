// Packet framing and reply decoding for the milter protocol; see milter_protocol.h.
#include "milter_protocol.h"

#include <Poco/StringTokenizer.h>

#include <cctype>

namespace mailsuite::mta::milter {
namespace {

void AppendUint32(std::string& out, uint32_t v) {
  out += static_cast<char>((v >> 24) & 0xff);
  out += static_cast<char>((v >> 16) & 0xff);
  out += static_cast<char>((v >> 8) & 0xff);
  out += static_cast<char>(v & 0xff);
}

uint32_t ReadUint32(std::string_view data, size_t at) {
  auto b = [&](size_t i) {
    return static_cast<uint32_t>(static_cast<unsigned char>(data[at + i]));
  };
  return (b(0) << 24) | (b(1) << 16) | (b(2) << 8) | b(3);
}

void AppendString(std::string& out, std::string_view s) {
  out.append(s.substr(0, s.find('\0')));  // a NUL inside would end the string early anyway
  out += '\0';
}

// Reads NUL-terminated strings from `data` starting at `at`. Fails on a missing terminator.
Result<std::vector<std::string>> SplitStrings(std::string_view data, size_t at = 0) {
  std::vector<std::string> out;
  while (at < data.size()) {
    size_t nul = data.find('\0', at);
    if (nul == std::string_view::npos) return Status::Error("string without its NUL");
    out.emplace_back(data.substr(at, nul - at));
    at = nul + 1;
  }
  return out;
}

bool Printable(std::string_view s) {
  for (unsigned char c : s)
    if (c < 0x20 || c == 0x7f) return false;
  return true;
}

// SMFIR_REPLYCODE: "550 5.7.1 text" or several lines joined by CRLF, each starting with the
// same 4xx or 5xx code.
Result<Reply> ParseReplyCode(std::string_view data) {
  if (!data.empty() && data.back() == '\0') data.remove_suffix(1);
  Reply r;
  r.kind = Reply::Kind::kReplyCode;
  size_t at = 0;
  while (at <= data.size()) {
    size_t end = data.find("\r\n", at);
    std::string_view line = data.substr(at, end == std::string_view::npos ? data.npos : end - at);
    if (line.size() < 3 || !std::isdigit(static_cast<unsigned char>(line[0])) ||
        !std::isdigit(static_cast<unsigned char>(line[1])) ||
        !std::isdigit(static_cast<unsigned char>(line[2])) || (line[0] != '4' && line[0] != '5'))
      return Status::Error("reply code is not 4xx or 5xx");
    if (line.size() > 3 && line[3] != ' ' && line[3] != '-')
      return Status::Error("reply code not followed by a space");
    for (unsigned char ch : line)  // text is printable; a tab is allowed
      if ((ch < 0x20 && ch != '\t') || ch == 0x7f)
        return Status::Error("control character in reply text");
    int code = std::stoi(std::string(line.substr(0, 3)));
    if (r.code != 0 && code != r.code) return Status::Error("reply lines with different codes");
    r.code = code;
    std::string text = line.size() > 4 ? std::string(line.substr(4)) : std::string();
    r.lines.push_back(std::string(line.substr(0, 3)) + (text.empty() ? "" : " " + text));
    if (end == std::string_view::npos) break;
    at = end + 2;
  }
  if (r.lines.size() > 32 || data.size() > 8192) return Status::Error("reply too long");
  return r;
}

// A header change: [uint32 index] name NUL value NUL.
Result<Reply> ParseHeaderChange(Reply::Kind kind, std::string_view data, bool indexed) {
  Reply r;
  r.kind = kind;
  size_t at = 0;
  if (indexed) {
    if (data.size() < 4) return Status::Error("header change without its index");
    r.index = ReadUint32(data, 0);
    at = 4;
  }
  auto strings = SplitStrings(data, at);
  if (!strings.ok() || strings->size() != 2)
    return Status::Error("header change is not name, value");
  r.name = (*strings)[0];
  r.value = (*strings)[1];
  if (r.name.empty() || r.name.size() > 998) return Status::Error("header name empty or too long");
  for (unsigned char c : r.name)  // RFC 5322 2.2: printable US-ASCII but ":"
    if (c <= 32 || c >= 127 || c == ':') return Status::Error("bad character in a header name");
  for (unsigned char c : r.value)  // folds are LF + whitespace; no other control characters
    if ((c < 32 && c != '\t' && c != '\n' && c != '\r') || c == 127)
      return Status::Error("control character in a header value");
  return r;
}

// An envelope change: address NUL [ESMTP arguments NUL].
Result<Reply> ParseEnvelopeChange(Reply::Kind kind, std::string_view data, bool with_params) {
  auto strings = SplitStrings(data);
  if (!strings.ok() || strings->empty() || strings->size() > (with_params ? 2u : 1u))
    return Status::Error("envelope change is not an address");
  Reply r;
  r.kind = kind;
  r.with_params = with_params;
  r.address = (*strings)[0];
  if (strings->size() == 2) r.params = (*strings)[1];
  if (r.address.empty() || r.address.size() > 512 || !Printable(r.address) || !Printable(r.params))
    return Status::Error("unusable address in an envelope change");
  return r;
}

}  // namespace

std::string EncodePacket(char command, std::string_view data) {
  std::string out;
  out.reserve(5 + data.size());
  AppendUint32(out, static_cast<uint32_t>(data.size() + 1));
  out += command;
  out.append(data);
  return out;
}

std::string EncodeOptionNegotiation(uint32_t actions, uint32_t steps) {
  std::string data;
  AppendUint32(data, kProtocolVersion);
  AppendUint32(data, actions);
  AppendUint32(data, steps);
  return EncodePacket(command::kOptionNegotiation, data);
}

std::string EncodeMacros(char for_command, const Macros& macros) {
  std::string data(1, for_command);
  for (const auto& [name, value] : macros) {
    AppendString(data, name);
    AppendString(data, value);
  }
  return EncodePacket(command::kMacro, data);
}

std::string EncodeConnect(std::string_view hostname, char family, uint16_t port,
                          std::string_view address) {
  std::string data;
  AppendString(data, hostname);
  data += family;
  if (family != 'U') {
    data += static_cast<char>(port >> 8);
    data += static_cast<char>(port & 0xff);
    AppendString(data, address);
  }
  return EncodePacket(command::kConnect, data);
}

std::string EncodeStrings(char command, const std::vector<std::string>& strings) {
  std::string data;
  for (const std::string& s : strings) AppendString(data, s);
  return EncodePacket(command, data);
}

std::string EncodeHeader(std::string_view name, std::string_view value) {
  std::string data;
  AppendString(data, name);
  AppendString(data, value);
  return EncodePacket(command::kHeader, data);
}

PacketReader::Outcome PacketReader::Next(Packet* out) {
  if (buffer_.size() < 4) return Outcome::kNeedMore;
  uint32_t length = ReadUint32(buffer_, 0);
  if (length == 0 || length > kMaxReplyData) return Outcome::kMalformed;
  if (buffer_.size() < 4 + static_cast<size_t>(length)) return Outcome::kNeedMore;
  out->command = buffer_[4];
  out->data.assign(buffer_, 5, length - 1);
  buffer_.erase(0, 4 + static_cast<size_t>(length));
  return Outcome::kPacket;
}

Result<Negotiation> ParseNegotiation(const Packet& packet) {
  if (packet.command != command::kOptionNegotiation || packet.data.size() < 12)
    return Status::Error("not an option negotiation reply");
  Negotiation n;
  n.version = ReadUint32(packet.data, 0);
  n.actions = ReadUint32(packet.data, 4);
  n.steps = ReadUint32(packet.data, 8);
  if (n.version < 2 || n.version > kProtocolVersion)
    return Status::Error("filter speaks milter protocol version " + std::to_string(n.version));
  // SMFIR_SETSYMLIST, inside the negotiation: (uint32 stage, "name name ..." NUL) pairs.
  size_t at = 12;
  while (at < packet.data.size()) {
    if (packet.data.size() - at < 5) return Status::Error("truncated macro list");
    uint32_t stage = ReadUint32(packet.data, at);
    at += 4;
    size_t nul = packet.data.find('\0', at);
    if (nul == std::string::npos) return Status::Error("macro list without its NUL");
    if (stage <= static_cast<uint32_t>(Stage::kEndOfHeaders)) {
      Poco::StringTokenizer names(packet.data.substr(at, nul - at), " ",
                                  Poco::StringTokenizer::TOK_IGNORE_EMPTY);
      n.macros[static_cast<Stage>(stage)].assign(names.begin(), names.end());
    }
    at = nul + 1;
  }
  return n;
}

Result<Reply> ParseReply(const Packet& packet) {
  using K = Reply::Kind;
  auto bare = [&](K kind) -> Result<Reply> {
    Reply r;
    r.kind = kind;
    return r;
  };
  const std::string& d = packet.data;
  switch (packet.command) {
    case 'c':
      return bare(K::kContinue);
    case 'a':
      return bare(K::kAccept);
    case 'r':
      return bare(K::kReject);
    case 't':
      return bare(K::kTempfail);
    case 'd':
      return bare(K::kDiscard);
    case 's':
      return bare(K::kSkip);
    case 'p':
      return bare(K::kProgress);
    case 'f':
      return bare(K::kConnectionFail);
    case '4':
      return bare(K::kShutdown);
    case 'y':
      return ParseReplyCode(d);
    case 'q': {
      Reply r;
      r.kind = K::kQuarantine;
      r.text = d.substr(0, d.find('\0'));
      if (!Printable(r.text)) return Status::Error("control character in a quarantine reason");
      return r;
    }
    case 'h':
      return ParseHeaderChange(K::kAddHeader, d, false);
    case 'i':
      return ParseHeaderChange(K::kInsertHeader, d, true);
    case 'm':
      return ParseHeaderChange(K::kChangeHeader, d, true);
    case '+':
      return ParseEnvelopeChange(K::kAddRecipient, d, false);
    case '2':
      return ParseEnvelopeChange(K::kAddRecipient, d, true);
    case '-':
      return ParseEnvelopeChange(K::kDeleteRecipient, d, false);
    case 'e':
      return ParseEnvelopeChange(K::kChangeSender, d, true);
    case 'b': {
      Reply r;
      r.kind = K::kReplaceBody;
      r.text = d;
      return r;
    }
    default:
      return Status::Error(
          "unknown reply '" +
          std::string(Printable(std::string(1, packet.command))
                          ? std::string(1, packet.command)
                          : "\\x" + std::to_string(static_cast<unsigned char>(packet.command))) +
          "'");
  }
}

std::vector<std::string> WireLines(const std::vector<std::string>& lines) {
  std::vector<std::string> out = lines;
  for (size_t i = 0; i + 1 < out.size(); ++i)
    if (out[i].size() > 3)
      out[i][3] = '-';
    else
      out[i] += '-';
  return out;
}

bool IsModification(Reply::Kind kind) {
  using K = Reply::Kind;
  switch (kind) {
    case K::kAddHeader:
    case K::kInsertHeader:
    case K::kChangeHeader:
    case K::kAddRecipient:
    case K::kDeleteRecipient:
    case K::kChangeSender:
    case K::kReplaceBody:
    case K::kQuarantine:
      return true;
    default:
      return false;
  }
}

}  // namespace mailsuite::mta::milter
