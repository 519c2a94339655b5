#include "shared/mail/text_decode.h"

#include <Poco/Encodings.h>
#include <Poco/Net/MessageHeader.h>
#include <Poco/String.h>
#include <Poco/TextConverter.h>
#include <Poco/TextEncoding.h>
#include <Poco/UTF8Encoding.h>

#include <mutex>

namespace mailsuite::mail {
namespace {

// RFC 5322 2.2.3: CRLF followed by whitespace is folding, not a line break. RFC 2047 6.2:
// whitespace between two encoded words is not part of the text (Poco's decoder keeps it).
std::string Unfold(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '\r' && i + 2 < text.size() && text[i + 1] == '\n' &&
        (text[i + 2] == ' ' || text[i + 2] == '\t')) {
      ++i;
      continue;
    }
    if (text[i] == '\n' && i + 1 < text.size() && (text[i + 1] == ' ' || text[i + 1] == '\t'))
      continue;
    out += text[i];
  }
  std::string joined;
  joined.reserve(out.size());
  for (size_t i = 0; i < out.size(); ++i) {
    joined += out[i];
    if (out[i] != '=' || i == 0 || out[i - 1] != '?') continue;
    size_t next = out.find_first_not_of(" \t", i + 1);
    if (next != std::string::npos && next > i + 1 && out.compare(next, 2, "=?") == 0)
      i = next - 1;  // skip the whitespace between "?=" and "=?"
  }
  return joined;
}

// Poco's extra tables (ISO-8859-x, Windows-125x, KOI8, …) join its built-in ones once.
void RegisterCharsets() {
  static std::once_flag registered;
  std::call_once(registered, [] { Poco::registerExtraEncodings(); });
}

// The table for `charset` when text in it needs converting to UTF-8; null for UTF-8, US-ASCII,
// an empty or an unknown charset.
Poco::TextEncoding* ConvertingEncoding(std::string_view charset) {
  const std::string name(charset);
  if (name.empty() || Poco::icompare(name, "utf-8") == 0 || Poco::icompare(name, "us-ascii") == 0)
    return nullptr;
  RegisterCharsets();
  return Poco::TextEncoding::find(name);
}

}  // namespace

std::string DecodeHeaderText(std::string_view header) {
  if (header.find("=?") == std::string_view::npos) return std::string(header);
  RegisterCharsets();
  try {
    return Poco::Net::MessageHeader::decodeWord(Unfold(header), "UTF-8");
  } catch (const Poco::Exception&) {
    return std::string(header);  // a broken encoded word: the raw text still matches
  }
}

bool ConvertsCharset(std::string_view charset) { return ConvertingEncoding(charset) != nullptr; }

std::string CharsetToUtf8(std::string_view text, std::string_view charset) {
  Poco::TextEncoding* from = ConvertingEncoding(charset);
  if (!from) return std::string(text);
  Poco::UTF8Encoding utf8;
  Poco::TextConverter converter(*from, utf8);
  std::string out;
  converter.convert(text.data(), static_cast<int>(text.size()), out);
  return out;
}

}  // namespace mailsuite::mail
