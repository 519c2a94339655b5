// Strict base64 and the PLAIN/LOGIN SASL decoders; see shared/auth/sasl.h.
#include "shared/auth/sasl.h"

#include <Poco/Base64Decoder.h>
#include <Poco/Base64Encoder.h>
#include <Poco/String.h>

#include <sstream>

namespace mailsuite::auth {
namespace {

constexpr std::string_view kAlphabet =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

Status CheckField(std::string_view value, const char* what, bool allow_empty) {
  if (!allow_empty && value.empty()) return Status::Error(std::string(what) + " is empty");
  if (value.size() > kMaxSaslFieldLength) {
    return Status::Error(std::string(what) + " is longer than 255 octets");
  }
  return Status::Ok();
}

}  // namespace

std::string Base64Encode(std::string_view data) {
  std::ostringstream out;
  Poco::Base64Encoder encoder(out);
  encoder.rdbuf()->setLineLength(0);  // one line
  encoder.write(data.data(), static_cast<std::streamsize>(data.size()));
  encoder.close();
  return out.str();
}

Result<std::string> Base64Decode(std::string_view text) {
  // Poco decodes; what it would tolerate (whitespace, missing padding, stray bits) is refused
  // here first, so that one credential has exactly one spelling.
  if (text.size() % 4 != 0) return Status::Error("base64 length is not a multiple of 4");
  size_t data = text.size();
  while (data > 0 && text.size() - data < 2 && text[data - 1] == '=') --data;
  for (size_t i = 0; i < data; ++i)
    if (kAlphabet.find(text[i]) == std::string_view::npos)
      return Status::Error("invalid character in base64");
  if (size_t padding = text.size() - data; padding > 0) {
    // The last sextet's bits below the final octet must be zero (RFC 4648 3.5).
    size_t last = kAlphabet.find(text[data - 1]);
    if ((last & (padding == 2 ? 0x0f : 0x03)) != 0)
      return Status::Error("non-zero trailing bits in base64");
  }
  std::istringstream in{std::string(text)};
  Poco::Base64Decoder decoder(in);
  std::string out;
  out.reserve(text.size() / 4 * 3);
  char buf[512];
  while (decoder.read(buf, sizeof buf) || decoder.gcount() > 0)
    out.append(buf, static_cast<size_t>(decoder.gcount()));
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

SaslExchange::SaslExchange(std::string_view mechanism, std::optional<std::string_view> initial)
    : mechanism_(Poco::toUpper(std::string(mechanism))) {
  if (initial) initial_ = *initial == "=" ? std::string() : std::string(*initial);
  if (mechanism_ == "PLAIN") stage_ = Stage::kPlain;
  if (mechanism_ == "LOGIN") stage_ = Stage::kLoginUser;
}

SaslStep SaslExchange::Start() {
  SaslStep step;
  if (stage_ == Stage::kOver) return step;  // kUnknownMechanism
  if (initial_) return Take(*initial_);
  step.kind = SaslStep::Kind::kChallenge;
  if (stage_ == Stage::kLoginUser) step.challenge = kLoginUsernamePrompt;
  return step;
}

SaslStep SaslExchange::Respond(std::string_view line) {
  if (IsCancel(line)) {
    stage_ = Stage::kOver;
    SaslStep step;
    step.kind = SaslStep::Kind::kCancelled;
    return step;
  }
  return Take(line);
}

SaslStep SaslExchange::Take(std::string_view response) {
  SaslStep step;
  step.kind = SaslStep::Kind::kMalformed;
  switch (stage_) {
    case Stage::kPlain: {
      stage_ = Stage::kOver;
      auto creds = DecodePlain(response);
      if (!creds) {
        step.error = creds.error();
        return step;
      }
      step.kind = SaslStep::Kind::kCredentials;
      step.credentials = std::move(*creds);
      return step;
    }
    case Stage::kLoginUser: {
      auto user = DecodeLoginStep(response);
      if (!user) {
        stage_ = Stage::kOver;
        step.error = user.error();
        return step;
      }
      user_ = std::move(*user);
      stage_ = Stage::kLoginPassword;
      step.kind = SaslStep::Kind::kChallenge;
      step.challenge = kLoginPasswordPrompt;
      return step;
    }
    case Stage::kLoginPassword: {
      stage_ = Stage::kOver;
      auto password = DecodeLoginStep(response);
      if (!password) {
        step.error = password.error();
        return step;
      }
      step.kind = SaslStep::Kind::kCredentials;
      step.credentials.authcid = std::move(user_);
      step.credentials.password = std::move(*password);
      return step;
    }
    case Stage::kOver:
      step.error = "the exchange is over";
      return step;
  }
  return step;
}

Result<std::string> DecodeLoginStep(std::string_view base64) {
  Result<std::string> decoded = Base64Decode(base64);
  if (!decoded.ok()) return decoded.status();
  if (decoded->find('\0') != std::string::npos) return Status::Error("LOGIN value contains NUL");
  if (Status s = CheckField(*decoded, "LOGIN value", false); !s.ok()) return s;
  return decoded;
}

}  // namespace mailsuite::auth
