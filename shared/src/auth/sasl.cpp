// Strict base64 and the PLAIN/LOGIN SASL decoders; see shared/auth/sasl.h.
#include "shared/auth/sasl.h"

#include <array>
#include <cstdint>

namespace mailsuite::auth {
namespace {

constexpr char kAlphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

constexpr std::array<int8_t, 256> MakeDecodeTable() {
  std::array<int8_t, 256> table{};
  for (auto& v : table) v = -1;
  for (int i = 0; i < 64; ++i)
    table[static_cast<unsigned char>(kAlphabet[i])] = static_cast<int8_t>(i);
  return table;
}
constexpr std::array<int8_t, 256> kDecode = MakeDecodeTable();

Status CheckField(std::string_view value, const char* what, bool allow_empty) {
  if (!allow_empty && value.empty()) return Status::Error(std::string(what) + " is empty");
  if (value.size() > kMaxSaslFieldLength) {
    return Status::Error(std::string(what) + " is longer than 255 octets");
  }
  return Status::Ok();
}

}  // namespace

std::string Base64Encode(std::string_view data) {
  std::string out;
  out.reserve((data.size() + 2) / 3 * 4);
  size_t i = 0;
  for (; i + 3 <= data.size(); i += 3) {
    uint32_t n = (static_cast<unsigned char>(data[i]) << 16) |
                 (static_cast<unsigned char>(data[i + 1]) << 8) |
                 static_cast<unsigned char>(data[i + 2]);
    out += kAlphabet[(n >> 18) & 63];
    out += kAlphabet[(n >> 12) & 63];
    out += kAlphabet[(n >> 6) & 63];
    out += kAlphabet[n & 63];
  }
  size_t rest = data.size() - i;
  if (rest == 1) {
    uint32_t n = static_cast<unsigned char>(data[i]) << 16;
    out += kAlphabet[(n >> 18) & 63];
    out += kAlphabet[(n >> 12) & 63];
    out += "==";
  } else if (rest == 2) {
    uint32_t n = (static_cast<unsigned char>(data[i]) << 16) |
                 (static_cast<unsigned char>(data[i + 1]) << 8);
    out += kAlphabet[(n >> 18) & 63];
    out += kAlphabet[(n >> 12) & 63];
    out += kAlphabet[(n >> 6) & 63];
    out += '=';
  }
  return out;
}

Result<std::string> Base64Decode(std::string_view text) {
  if (text.size() % 4 != 0) return Status::Error("base64 length is not a multiple of 4");
  size_t padding = 0;
  if (!text.empty() && text.back() == '=') ++padding;
  if (text.size() >= 2 && text[text.size() - 2] == '=') ++padding;
  std::string out;
  out.reserve(text.size() / 4 * 3);
  for (size_t i = 0; i < text.size(); i += 4) {
    bool last = i + 4 == text.size();
    size_t pad_here = last ? padding : 0;
    uint32_t n = 0;
    for (size_t j = 0; j < 4; ++j) {
      unsigned char c = static_cast<unsigned char>(text[i + j]);
      if (j >= 4 - pad_here) {
        n <<= 6;  // a padding position, checked above
        continue;
      }
      int8_t v = kDecode[c];
      if (v < 0) return Status::Error("invalid character in base64");
      n = (n << 6) | static_cast<uint32_t>(v);
    }
    out += static_cast<char>((n >> 16) & 0xff);
    if (pad_here == 2) {
      if ((n & 0xffff) != 0) return Status::Error("non-zero trailing bits in base64");
      break;
    }
    out += static_cast<char>((n >> 8) & 0xff);
    if (pad_here == 1) {
      if ((n & 0xff) != 0) return Status::Error("non-zero trailing bits in base64");
      break;
    }
    out += static_cast<char>(n & 0xff);
  }
  return out;
}

bool IsCancel(std::string_view line) { return line == "*"; }

Result<std::string> DecodeInitialResponse(std::string_view text) {
  if (text == "=") return std::string();
  return Base64Decode(text);
}

Result<PlainCredentials> ParsePlain(std::string_view decoded) {
  size_t first = decoded.find('\0');
  if (first == std::string_view::npos) return Status::Error("PLAIN response has no NUL separator");
  size_t second = decoded.find('\0', first + 1);
  if (second == std::string_view::npos) {
    return Status::Error("PLAIN response has only one NUL separator");
  }
  if (decoded.find('\0', second + 1) != std::string_view::npos) {
    return Status::Error("PLAIN response has more than two NUL separators");
  }
  PlainCredentials creds;
  creds.authzid = std::string(decoded.substr(0, first));
  creds.authcid = std::string(decoded.substr(first + 1, second - first - 1));
  creds.password = std::string(decoded.substr(second + 1));
  if (Status s = CheckField(creds.authzid, "authorization identity", true); !s.ok()) return s;
  if (Status s = CheckField(creds.authcid, "authentication identity", false); !s.ok()) return s;
  if (Status s = CheckField(creds.password, "password", false); !s.ok()) return s;
  return creds;
}

Result<PlainCredentials> DecodePlain(std::string_view base64) {
  Result<std::string> decoded = Base64Decode(base64);
  if (!decoded.ok()) return decoded.status();
  return ParsePlain(*decoded);
}

Result<std::string> DecodeLoginStep(std::string_view base64) {
  Result<std::string> decoded = Base64Decode(base64);
  if (!decoded.ok()) return decoded.status();
  if (decoded->find('\0') != std::string::npos) return Status::Error("LOGIN value contains NUL");
  if (Status s = CheckField(*decoded, "LOGIN value", false); !s.ok()) return s;
  return decoded;
}

}  // namespace mailsuite::auth
