// Compile: size and encoding checks, then parse (parser.h) and validate (validate.h).
#include <Poco/UTF8Encoding.h>

#include "parser.h"
#include "script.h"
#include "shared/sieve/sieve.h"
#include "validate.h"

namespace mailsuite::sieve {
namespace {

// The line of the first octet that is not part of valid UTF-8 (RFC 3629) or is NUL (RFC 5228
// 8.1 allows no NUL anywhere), or 0 when the script is clean.
int FirstInvalidLine(std::string_view text) {
  int line = 1;
  for (size_t i = 0; i < text.size();) {
    auto lead = static_cast<unsigned char>(text[i]);
    size_t length = lead < 0x80 ? 1 : lead < 0xe0 ? 2 : lead < 0xf0 ? 3 : 4;
    if (lead == 0 || i + length > text.size() ||
        (length > 1 &&
         !Poco::UTF8Encoding::isLegal(reinterpret_cast<const unsigned char*>(text.data() + i),
                                      static_cast<int>(length))))
      return line;
    if (lead == '\n') ++line;
    i += length;
  }
  return 0;
}

}  // namespace

std::string CompileResult::Describe() const {
  if (ok()) return "ok";
  return line > 0 ? "line " + std::to_string(line) + ": " + error : error;
}

CompileResult Compile(std::string_view text, const Limits& limits) {
  CompileResult result;
  if (text.size() > limits.max_script_size) {
    result.error = "script too large (" + std::to_string(text.size()) + " octets, at most " +
                   std::to_string(limits.max_script_size) + ")";
    return result;
  }
  if (int line = FirstInvalidLine(text); line > 0) {
    result.line = line;
    result.error = "script is not valid UTF-8";
    return result;
  }
  auto parsed = Parse(text, limits.max_nesting);
  CompileCheck error;
  auto script = std::make_shared<Script>();
  if (auto* failed = std::get_if<CompileError>(&parsed)) {
    error = *failed;
  } else {
    error = ValidateScript(std::get<std::vector<Node>>(parsed), *script);
  }
  if (error) {
    result.line = error->line;
    result.error = std::move(error->message);
    return result;
  }
  result.script = std::move(script);
  return result;
}

}  // namespace mailsuite::sieve
