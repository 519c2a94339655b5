#include "shared/mail/transfer_encoding.h"

#include <Poco/Base64Decoder.h>
#include <Poco/Base64Encoder.h>
#include <Poco/NumberParser.h>

#include <sstream>

namespace mailsuite::mail {
namespace {

bool IsBase64Char(char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '+' ||
         c == '/';
}

std::string DecodeBase64Lenient(std::string_view body) {
  // Poco's decoder stops at the first octet outside the alphabet, and real mail has stray ones;
  // keep only the alphabet, up to the padding.
  // Padding ends a run; some mailers concatenate runs ("...==" then more), so each is decoded.
  std::string out;
  out.reserve(body.size() / 4 * 3);
  std::string run;
  run.reserve(body.size());
  auto flush = [&out, &run] {
    if (run.size() % 4 == 1) run.pop_back();  // a lone sextet makes no octet
    while (run.size() % 4 != 0) run += '=';
    std::istringstream in(run);
    Poco::Base64Decoder decoder(in);
    char buf[4096];
    while (decoder.read(buf, sizeof buf) || decoder.gcount() > 0)
      out.append(buf, static_cast<size_t>(decoder.gcount()));
    run.clear();
  };
  for (char c : body) {
    if (c == '=') {
      if (!run.empty()) flush();
    } else if (IsBase64Char(c)) {
      run += c;
    }
  }
  if (!run.empty()) flush();
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
  std::string encoded = out.str();
  // Poco ends a last full line with CRLF too; the text that follows brings its own.
  if (encoded.size() >= 2 && encoded.compare(encoded.size() - 2, 2, "\r\n") == 0)
    encoded.resize(encoded.size() - 2);
  return encoded;
}

std::string WithCrlfLineEnds(std::string_view text) {
  std::string out;
  out.reserve(text.size() + text.size() / 32);
  for (size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    if (c == '\r' || c == '\n') {
      out += "\r\n";
      if (c == '\r' && i + 1 < text.size() && text[i + 1] == '\n') ++i;
    } else {
      out += c;
    }
  }
  return out;
}

}  // namespace mailsuite::mail
