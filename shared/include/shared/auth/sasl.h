// SASL decoding for AUTH (SMTP, RFC 4954), AUTH (POP3, RFC 5034) and AUTHENTICATE (IMAP):
// strict base64, the PLAIN mechanism (RFC 4616) and the LOGIN mechanism's two steps.
//
// Pure functions: bytes in, a decoded value or an error out. No I/O, no store, no logging.
// Error texts never contain the credentials themselves. The "*" cancel line (RFC 4954 4.) is
// recognised by IsCancel(); callers reply to it. Thread-safe.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "shared/result.h"

namespace mailsuite::auth {

// LOGIN mechanism prompts, already base64: "Username:" and "Password:".
inline constexpr std::string_view kLoginUsernamePrompt = "VXNlcm5hbWU6";
inline constexpr std::string_view kLoginPasswordPrompt = "UGFzc3dvcmQ6";

// RFC 4616: each of authzid, authcid and passwd is at most 255 octets.
inline constexpr size_t kMaxSaslFieldLength = 255;

// Standard alphabet with '=' padding (RFC 4648 section 4).
std::string Base64Encode(std::string_view data);

// Strict decoding: length a multiple of 4, only alphabet characters, padding only at the end
// (at most two '='), unused trailing bits zero, no whitespace. The empty string decodes to "".
Result<std::string> Base64Decode(std::string_view text);

// True for the client's cancel line "*".
bool IsCancel(std::string_view line);

// An initial response in AUTH/AUTHENTICATE: "=" means an empty response (RFC 4954), anything
// else is base64.
Result<std::string> DecodeInitialResponse(std::string_view text);

struct PlainCredentials {
  std::string authzid;  // empty when the client did not ask to act as someone else
  std::string authcid;  // the login name
  std::string password;
};

// Parses decoded PLAIN bytes: [authzid] NUL authcid NUL passwd. Rejects a missing or extra NUL,
// an empty authcid or passwd, and any field longer than 255 octets.
Result<PlainCredentials> ParsePlain(std::string_view decoded);

// Base64Decode, then ParsePlain.
Result<PlainCredentials> DecodePlain(std::string_view base64);

// One LOGIN step (the username or the password line): base64-decodes and rejects an empty
// value, a NUL, or more than 255 octets.
Result<std::string> DecodeLoginStep(std::string_view base64);

// One SASL exchange (RFC 4422 3) for PLAIN or LOGIN, the same for SMTP AUTH (RFC 4954), POP3
// AUTH (RFC 5034) and IMAP AUTHENTICATE (RFC 9051 6.2.2, SASL-IR RFC 4959): the protocol sends
// each challenge its own way ("334 …", "+ …") and hands back the client's line; the exchange
// says what comes next. An initial response "=" is an empty one; a "*" line cancels.
struct SaslStep {
  enum class Kind {
    kChallenge,         // send `challenge` (base64, may be empty), then call Respond
    kCredentials,       // done: check `credentials` (LOGIN has no authzid)
    kCancelled,         // the client sent "*"
    kMalformed,         // a response that does not decode; `error` says why (no secrets)
    kUnknownMechanism,  // neither PLAIN nor LOGIN
  };
  Kind kind = Kind::kUnknownMechanism;
  std::string challenge;
  PlainCredentials credentials;
  std::string error;
};

class SaslExchange {
 public:
  // `mechanism` is case-insensitive; `initial` is the initial response as sent, if any.
  SaslExchange(std::string_view mechanism, std::optional<std::string_view> initial);
  SaslStep Start();
  SaslStep Respond(std::string_view line);
  const std::string& mechanism() const { return mechanism_; }  // upper-cased

 private:
  enum class Stage { kPlain, kLoginUser, kLoginPassword, kOver };
  SaslStep Take(std::string_view response);  // a response for the current stage

  std::string mechanism_;
  std::optional<std::string> initial_;
  Stage stage_ = Stage::kOver;
  std::string user_;  // LOGIN, once given
};

}  // namespace mailsuite::auth
