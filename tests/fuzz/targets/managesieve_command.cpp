// ManageSieve command lines (RFC 5804 4): whatever a line holds, TokenizeLine answers with tokens
// or an error, and every string it reads survives EncodeString and a second reading unchanged.
#include <string>

#include "../fuzz_target.h"
#include "managesieve/arguments.h"
#include "managesieve/responses.h"

namespace mailsuite::managesieve {
namespace {

MAILSUITE_FUZZ_TARGET(managesieve_command) {
  bool continuation = false;
  for (size_t at = 0; at <= input.size();) {
    size_t end = input.find("\r\n", at);
    if (end == std::string_view::npos) end = input.size();
    LineTokens line = TokenizeLine(input.substr(at, end - at), continuation);
    continuation = line.literal.has_value();
    for (const Token& token : line.tokens) {
      (void)ParseNumber(token);
      if (!line.error.empty() || token.kind != Token::Kind::kString) continue;
      const std::string encoded = EncodeString(token.text);
      if (encoded[0] == '{') {
        FUZZ_CHECK(encoded.size() >= token.text.size());
        FUZZ_CHECK(encoded.compare(encoded.size() - token.text.size(), std::string::npos,
                                   token.text) == 0);
        continue;
      }
      LineTokens again = TokenizeLine("X " + encoded);
      FUZZ_CHECK(again.error.empty());
      FUZZ_CHECK(again.tokens.size() == 2);
      FUZZ_CHECK(again.tokens[1].kind == Token::Kind::kString);
      FUZZ_CHECK(again.tokens[1].text == token.text);
    }
    at = end + 2;
  }
}

}  // namespace
}  // namespace mailsuite::managesieve
