// RFC 5228 8.1 lexical tokens. Line ends may be CRLF or a bare LF: scripts uploaded from Unix
// editors have them, and nothing in the language depends on the difference.
#include "lexer.h"

#include <algorithm>
#include <cstdio>

#include <Poco/String.h>

namespace mailsuite::sieve {
namespace {

bool IsAlpha(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }
bool IsDigit(char c) { return c >= '0' && c <= '9'; }
bool IsIdentifierChar(char c) { return IsAlpha(c) || IsDigit(c) || c == '_'; }

std::string Printable(char c) {
  if (c > ' ' && c < 0x7f) return std::string("'") + c + "'";
  char buf[8];
  std::snprintf(buf, sizeof buf, "0x%02x", static_cast<unsigned char>(c));
  return buf;
}

class Lexer {
 public:
  explicit Lexer(std::string_view script) : s_(script) {}

  std::variant<std::vector<Token>, CompileError> Run() {
    std::vector<Token> tokens;
    while (true) {
      if (!SkipBlanks()) return error_;
      Token token;
      token.line = line_;
      if (i_ >= s_.size()) {
        tokens.push_back(std::move(token));
        return tokens;
      }
      if (!Next(token)) return error_;
      tokens.push_back(std::move(token));
    }
  }

 private:
  bool Fail(int line, std::string message) {
    error_ = {line, std::move(message)};
    return false;
  }

  char Peek(size_t ahead = 0) const { return i_ + ahead < s_.size() ? s_[i_ + ahead] : '\0'; }

  // Moves past n octets, counting the line ends among them.
  void Consume(size_t n) {
    n = std::min(n, s_.size() - i_);
    line_ += static_cast<int>(std::count(s_.begin() + i_, s_.begin() + i_ + n, '\n'));
    i_ += n;
  }

  // white-space and comments; false on an unterminated bracket comment.
  bool SkipBlanks() {
    while (i_ < s_.size()) {
      char c = s_[i_];
      if (c == ' ' || c == '\t' || c == '\r' || c == '\n') {
        Consume(1);
      } else if (c == '#') {
        size_t eol = s_.find('\n', i_);
        Consume(eol == std::string_view::npos ? s_.size() - i_ : eol - i_);
      } else if (c == '/' && Peek(1) == '*') {
        int start = line_;
        size_t end = s_.find("*/", i_ + 2);
        if (end == std::string_view::npos) return Fail(start, "unterminated comment");
        Consume(end + 2 - i_);
      } else {
        return true;
      }
    }
    return true;
  }

  bool Next(Token& token) {
    char c = s_[i_];
    switch (c) {
      case '[':
        return Punctuation(token, Token::Kind::kLeftBracket);
      case ']':
        return Punctuation(token, Token::Kind::kRightBracket);
      case ',':
        return Punctuation(token, Token::Kind::kComma);
      case '(':
        return Punctuation(token, Token::Kind::kLeftParen);
      case ')':
        return Punctuation(token, Token::Kind::kRightParen);
      case '{':
        return Punctuation(token, Token::Kind::kLeftBrace);
      case '}':
        return Punctuation(token, Token::Kind::kRightBrace);
      case ';':
        return Punctuation(token, Token::Kind::kSemicolon);
      case '"':
        return QuotedString(token);
      case ':':
        return Tag(token);
      default:
        break;
    }
    if (IsDigit(c)) return Number(token);
    if (!IsAlpha(c) && c != '_') return Fail(line_, "unexpected character " + Printable(c));
    std::string word = Identifier();
    if (word == "text" && Peek() == ':') return MultiLine(token);
    token.kind = Token::Kind::kIdentifier;
    token.text = std::move(word);
    return true;
  }

  bool Punctuation(Token& token, Token::Kind kind) {
    token.kind = kind;
    Consume(1);
    return true;
  }

  std::string Identifier() {
    size_t start = i_;
    while (i_ < s_.size() && IsIdentifierChar(s_[i_])) ++i_;
    return Poco::toLower(std::string(s_.substr(start, i_ - start)));
  }

  bool Tag(Token& token) {
    Consume(1);
    if (!IsAlpha(Peek()) && Peek() != '_') return Fail(line_, "expected a tag name after ':'");
    token.kind = Token::Kind::kTag;
    token.text = Identifier();
    return true;
  }

  // number = 1*DIGIT [ QUANTIFIER ] (RFC 5228 2.4.1: K, M, G are powers of 1024).
  bool Number(Token& token) {
    uint64_t value = 0;
    while (IsDigit(Peek())) {
      uint64_t digit = static_cast<uint64_t>(Peek() - '0');
      if (value > (UINT64_MAX - digit) / 10) return Fail(line_, "number too large");
      value = value * 10 + digit;
      ++i_;
    }
    int shift = 0;
    switch (Peek()) {
      case 'K':
      case 'k':
        shift = 10;
        break;
      case 'M':
      case 'm':
        shift = 20;
        break;
      case 'G':
      case 'g':
        shift = 30;
        break;
      default:
        break;
    }
    if (shift > 0) {
      ++i_;
      if (value > (UINT64_MAX >> shift)) return Fail(line_, "number too large");
      value <<= shift;
    }
    if (IsIdentifierChar(Peek())) return Fail(line_, "invalid number");
    token.kind = Token::Kind::kNumber;
    token.number = value;
    return true;
  }

  // RFC 5228 2.4.2: "\\" and "\"" stand for the character; any other escaped character is
  // itself ("\a" is "a").
  bool QuotedString(Token& token) {
    int start = line_;
    Consume(1);
    std::string text;
    while (i_ < s_.size()) {
      char c = s_[i_];
      if (c == '"') {
        Consume(1);
        token.kind = Token::Kind::kString;
        token.text = std::move(text);
        return true;
      }
      if (c == '\\' && i_ + 1 < s_.size()) {
        Consume(1);
        c = s_[i_];
      }
      text += c;
      Consume(1);
    }
    return Fail(start, "unterminated string");
  }

  // multi-line = "text:" *(SP / HTAB) (hash-comment / CRLF) *line "." CRLF (RFC 5228 8.1);
  // a line that starts with "." has it doubled ("dot-stuffed", 2.4.2), the lone "." ends it.
  bool MultiLine(Token& token) {
    int start = line_;
    Consume(1);  // the ':' after "text"
    while (Peek() == ' ' || Peek() == '\t') Consume(1);
    if (Peek() == '#') {
      while (i_ < s_.size() && s_[i_] != '\n') Consume(1);
    } else if (Peek() == '\r' && Peek(1) == '\n') {
      Consume(1);
    }
    if (Peek() != '\n') return Fail(start, "expected a line break after 'text:'");
    Consume(1);
    std::string text;
    while (i_ < s_.size()) {
      size_t eol = s_.find('\n', i_);
      size_t end = eol == std::string_view::npos ? s_.size() : eol;
      std::string_view line = s_.substr(i_, end - i_);
      if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
      Consume(end - i_ + 1);
      if (line == ".") {
        token.kind = Token::Kind::kString;
        token.text = std::move(text);
        return true;
      }
      if (!line.empty() && line[0] == '.') line.remove_prefix(1);
      text.append(line);
      text += "\r\n";
    }
    return Fail(start, "unterminated multi-line string (no line with a single '.')");
  }

  std::string_view s_;
  size_t i_ = 0;
  int line_ = 1;
  CompileError error_;
};

}  // namespace

std::variant<std::vector<Token>, CompileError> Tokenize(std::string_view script) {
  return Lexer(script).Run();
}

}  // namespace mailsuite::sieve
