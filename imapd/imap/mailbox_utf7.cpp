#include "mailbox_utf7.h"

#include <cstdint>
#include <vector>

namespace mailsuite::imapd {
namespace {

constexpr char kAlphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+,";

bool Printable(uint32_t cp) { return cp >= 0x20 && cp <= 0x7e; }

int Sextet(char c) {
  for (int i = 0; i < 64; ++i)
    if (kAlphabet[i] == c) return i;
  return -1;
}

// Decodes one UTF-8 sequence at text[i]; advances i. nullopt when malformed.
std::optional<uint32_t> NextCodePoint(std::string_view text, size_t& i) {
  unsigned char b = static_cast<unsigned char>(text[i]);
  size_t extra = 0;
  uint32_t cp = b;
  if (b < 0x80) {
    extra = 0;
  } else if ((b & 0xe0) == 0xc0) {
    extra = 1, cp = b & 0x1f;
  } else if ((b & 0xf0) == 0xe0) {
    extra = 2, cp = b & 0x0f;
  } else if ((b & 0xf8) == 0xf0) {
    extra = 3, cp = b & 0x07;
  } else {
    return std::nullopt;
  }
  if (text.size() - i <= extra) return std::nullopt;
  for (size_t k = 1; k <= extra; ++k) {
    unsigned char c = static_cast<unsigned char>(text[i + k]);
    if ((c & 0xc0) != 0x80) return std::nullopt;
    cp = (cp << 6) | (c & 0x3f);
  }
  static const uint32_t kMin[] = {0, 0x80, 0x800, 0x10000};
  if (cp < kMin[extra] || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) return std::nullopt;
  i += extra + 1;
  return cp;
}

void AppendUtf8(std::string& out, uint32_t cp) {
  if (cp < 0x80) {
    out += static_cast<char>(cp);
  } else if (cp < 0x800) {
    out += static_cast<char>(0xc0 | (cp >> 6));
    out += static_cast<char>(0x80 | (cp & 0x3f));
  } else if (cp < 0x10000) {
    out += static_cast<char>(0xe0 | (cp >> 12));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3f));
    out += static_cast<char>(0x80 | (cp & 0x3f));
  } else {
    out += static_cast<char>(0xf0 | (cp >> 18));
    out += static_cast<char>(0x80 | ((cp >> 12) & 0x3f));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3f));
    out += static_cast<char>(0x80 | (cp & 0x3f));
  }
}

// "&" + modified base64 of the UTF-16BE units + "-".
void AppendEncodedRun(std::string& out, const std::vector<uint16_t>& units) {
  std::vector<uint8_t> bytes;
  for (uint16_t u : units) {
    bytes.push_back(static_cast<uint8_t>(u >> 8));
    bytes.push_back(static_cast<uint8_t>(u & 0xff));
  }
  out += '&';
  uint32_t acc = 0;
  int bits = 0;
  for (uint8_t b : bytes) {
    acc = (acc << 8) | b;
    bits += 8;
    while (bits >= 6) {
      bits -= 6;
      out += kAlphabet[(acc >> bits) & 0x3f];
    }
  }
  if (bits > 0) out += kAlphabet[(acc << (6 - bits)) & 0x3f];
  out += '-';
}

}  // namespace

bool IsValidUtf8(std::string_view text) {
  for (size_t i = 0; i < text.size();)
    if (!NextCodePoint(text, i)) return false;
  return true;
}

std::optional<std::string> Utf8ToMailboxUtf7(std::string_view utf8) {
  std::string out;
  std::vector<uint16_t> run;
  for (size_t i = 0; i < utf8.size();) {
    auto cp = NextCodePoint(utf8, i);
    if (!cp) return std::nullopt;
    if (Printable(*cp)) {
      if (!run.empty()) {
        AppendEncodedRun(out, run);
        run.clear();
      }
      out += static_cast<char>(*cp);
      if (*cp == '&') out += '-';
      continue;
    }
    if (*cp >= 0x10000) {
      uint32_t v = *cp - 0x10000;
      run.push_back(static_cast<uint16_t>(0xd800 | (v >> 10)));
      run.push_back(static_cast<uint16_t>(0xdc00 | (v & 0x3ff)));
    } else {
      run.push_back(static_cast<uint16_t>(*cp));
    }
  }
  if (!run.empty()) AppendEncodedRun(out, run);
  return out;
}

std::optional<std::string> MailboxUtf7ToUtf8(std::string_view utf7) {
  std::string out;
  for (size_t i = 0; i < utf7.size(); ++i) {
    char c = utf7[i];
    if (!Printable(static_cast<unsigned char>(c))) return std::nullopt;
    if (c != '&') {
      out += c;
      continue;
    }
    size_t end = utf7.find('-', i + 1);
    if (end == std::string_view::npos) return std::nullopt;
    if (end == i + 1) {
      out += '&';
      i = end;
      continue;
    }
    // Modified base64 to bytes; the leftover bits of the last sextet must be zero.
    std::vector<uint8_t> bytes;
    uint32_t acc = 0;
    int bits = 0;
    for (size_t k = i + 1; k < end; ++k) {
      int v = Sextet(utf7[k]);
      if (v < 0) return std::nullopt;
      acc = (acc << 6) | static_cast<uint32_t>(v);
      bits += 6;
      if (bits >= 8) {
        bits -= 8;
        bytes.push_back(static_cast<uint8_t>((acc >> bits) & 0xff));
      }
    }
    if (bits >= 6 || (acc & ((1u << bits) - 1)) != 0 || bytes.size() % 2 != 0) return std::nullopt;
    for (size_t k = 0; k < bytes.size(); k += 2) {
      uint32_t u = (static_cast<uint32_t>(bytes[k]) << 8) | bytes[k + 1];
      if (u >= 0xd800 && u <= 0xdbff) {
        if (k + 3 >= bytes.size()) return std::nullopt;
        uint32_t low = (static_cast<uint32_t>(bytes[k + 2]) << 8) | bytes[k + 3];
        if (low < 0xdc00 || low > 0xdfff) return std::nullopt;
        u = 0x10000 + ((u - 0xd800) << 10) + (low - 0xdc00);
        k += 2;
      } else if (u >= 0xdc00 && u <= 0xdfff) {
        return std::nullopt;
      }
      if (Printable(u)) return std::nullopt;  // must have been written directly
      AppendUtf8(out, u);
    }
    i = end;
  }
  return out;
}

}  // namespace mailsuite::imapd
