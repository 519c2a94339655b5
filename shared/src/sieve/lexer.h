// Sieve lexical tokens (RFC 5228 8.1): identifiers, tags, numbers, strings (quoted and
// multi-line, both decoded), and the punctuation of the grammar. Comments and white space are
// dropped. Pure and iterative: any input gives tokens or one error, never deep recursion.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "compile_error.h"

namespace mailsuite::sieve {

struct Token {
  enum class Kind {
    kIdentifier,  // lower-cased
    kTag,         // lower-cased, without the ':'
    kNumber,
    kString,  // escapes removed (quoted) or dot-unstuffed (multi-line)
    kLeftBracket,
    kRightBracket,
    kComma,
    kLeftParen,
    kRightParen,
    kLeftBrace,
    kRightBrace,
    kSemicolon,
    kEnd,  // always the last token
  };
  Kind kind = Kind::kEnd;
  int line = 0;
  std::string text;     // kIdentifier, kTag, kString
  uint64_t number = 0;  // kNumber, quantifier applied
};

// The tokens of `script`, ending with kEnd, or the first lexical error.
std::variant<std::vector<Token>, CompileError> Tokenize(std::string_view script);

}  // namespace mailsuite::sieve
