#include "shared/mail/transfer_encoding.h"

#include <Poco/Base64Decoder.h>
#include <Poco/Base64Encoder.h>
#include <Poco/NumberParser.h>

#include <sstream>

#include "shared/mail/mime.h"

namespace mailsuite::mail {
namespace {

bool IsBase64Char(char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '+' ||
         c == '/';
}

std::string DecodeBase64Lenient(std::string_view body) {
  // Poco's decoder stops at the first octet outside the alphabet, and real mail has stray ones;
  // keep only the alphabet, up to the padding.
  std::string clean;
  clean.reserve(body.size());
  for (char c : body) {
    if (c == '=') break;
    if (IsBase64Char(c)) clean += c;
  }
  if (clean.size() % 4 == 1) clean.pop_back();  // a lone sextet makes no octet
  while (clean.size() % 4 != 0) clean += '=';
  std::istringstream in(clean);
  Poco::Base64Decoder decoder(in);
  std::string out;
  out.reserve(clean.size() / 4 * 3);
  char buf[4096];
  while (decoder.read(buf, sizeof buf) || decoder.gcount() > 0)
    out.append(buf, static_cast<size_t>(decoder.gcount()));
  return out;
}

bool IsHex(char c) {
  return (c >= '0' && c <= '9') || (c >= 'A' && c <= 'F') || (c >= 'a' && c <= 'f');
}

bool IsSpace(char c) { return c == ' ' || c == '\t'; }

}  // namespace

bool KnownTransferEncoding(std::string_view e) {
  return e == "7bit" || e == "8bit" || e == "binary" || e == "base64" || e == "quoted-printable";
}

std::optional<std::string> DecodeTransferEncoding(std::string_view encoding,
                                                  std::string_view body) {
  if (encoding == "7bit" || encoding == "8bit" || encoding == "binary") return std::string(body);
  if (encoding == "base64") return DecodeBase64Lenient(body);
  if (encoding == "quoted-printable") return DecodeQuotedPrintable(body);
  return std::nullopt;
}

std::string DecodeQuotedPrintable(std::string_view body) {
  // Poco's QuotedPrintableDecoder keeps trailing whitespace (RFC 2045 6.7 rule 3 says to drop
  // it) and stops at a soft line break followed by whitespace, which real mail has.
  std::string out;
  out.reserve(body.size());
  size_t pos = 0;
  while (pos < body.size()) {
    size_t eol = body.find('\n', pos);
    const bool has_eol = eol != std::string_view::npos;
    std::string_view line = body.substr(pos, has_eol ? eol - pos : body.npos);
    pos = has_eol ? eol + 1 : body.size();
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    while (!line.empty() && IsSpace(line.back())) line.remove_suffix(1);
    bool soft_break = false;
    for (size_t i = 0; i < line.size(); ++i) {
      if (line[i] != '=') {
        out += line[i];
      } else if (i + 1 == line.size()) {
        soft_break = true;  // "=" ends the line (after the trailing whitespace went)
      } else if (i + 2 < line.size() && IsHex(line[i + 1]) && IsHex(line[i + 2])) {
        out += static_cast<char>(Poco::NumberParser::parseHex(std::string(line.substr(i + 1, 2))));
        i += 2;
      } else {
        out += '=';  // no valid escape: kept as it is, as readers do
      }
    }
    if (has_eol && !soft_break) out += "\r\n";
  }
  return out;
}

std::string EncodeBase64Lines(std::string_view data) {
  std::ostringstream out;
  {
    Poco::Base64Encoder encoder(out);
    encoder.rdbuf()->setLineLength(76);  // lines end in CRLF
    encoder.write(data.data(), static_cast<std::streamsize>(data.size()));
    encoder.close();
  }
  return out.str();
}

namespace {

bool NeedsBase64(const MimePart& part, std::string_view message) {
  if (part.encoding == "base64" || part.encoding == "quoted-printable") return false;
  if (part.encoding == "binary") return true;
  return message.substr(part.body_offset(), part.body_size).find('\0') != std::string_view::npos;
}

// The part's header without its Content-Transfer-Encoding fields, with "base64" instead, before
// the blank line that ends it.
std::string Base64Header(std::string_view header) {
  std::string out;
  bool skipping = false;
  size_t pos = 0;
  while (pos < header.size()) {
    size_t eol = header.find('\n', pos);
    size_t next = eol == std::string_view::npos ? header.size() : eol + 1;
    std::string_view line = header.substr(pos, next - pos);
    pos = next;
    if (line == "\r\n" || line == "\n") break;
    if (!IsSpace(line[0])) {
      constexpr std::string_view kName = "content-transfer-encoding:";
      skipping = line.size() >= kName.size();
      for (size_t i = 0; skipping && i < kName.size(); ++i)
        skipping = static_cast<char>(std::tolower(static_cast<unsigned char>(line[i]))) == kName[i];
    }
    if (!skipping) out.append(line);
  }
  out += "Content-Transfer-Encoding: base64\r\n\r\n";
  return out;
}

// Appends `message` from *copied up to the end of `part`, rewriting the parts that need it.
void Rewrite(const MimePart& part, std::string_view message, uint64_t* copied, std::string& out,
             bool* changed) {
  if (!part.children.empty()) {
    for (const MimePart& child : part.children) Rewrite(child, message, copied, out, changed);
    return;
  }
  if (!NeedsBase64(part, message) || part.offset < *copied) return;
  out.append(message.substr(*copied, part.offset - *copied));
  out += Base64Header(message.substr(part.offset, part.header_size));
  out += EncodeBase64Lines(message.substr(part.body_offset(), part.body_size));
  *copied = part.body_offset() + part.body_size;
  *changed = true;
}

}  // namespace

std::optional<std::string> EncodeBinaryParts(std::string_view message) {
  MimeTree tree = ParseMime(message);
  std::string out;
  uint64_t copied = 0;
  bool changed = false;
  Rewrite(tree.root, message, &copied, out, &changed);
  if (!changed) return std::nullopt;
  if (copied < message.size()) out.append(message.substr(copied));
  return out;
}

}  // namespace mailsuite::mail
