// start = commands; command = identifier arguments (";" / block); block = "{" commands "}";
// arguments = *argument [test / test-list]; argument = string-list / number / tag;
// test = identifier arguments; test-list = "(" test *("," test) ")"   (RFC 5228 8.2)
#include "parser.h"

#include <string>

#include "lexer.h"

namespace mailsuite::sieve {
namespace {

std::string Describe(const Token& t) {
  switch (t.kind) {
    case Token::Kind::kIdentifier:
      return "'" + t.text + "'";
    case Token::Kind::kTag:
      return "':" + t.text + "'";
    case Token::Kind::kNumber:
      return "a number";
    case Token::Kind::kString:
      return "a string";
    case Token::Kind::kLeftBracket:
      return "'['";
    case Token::Kind::kRightBracket:
      return "']'";
    case Token::Kind::kComma:
      return "','";
    case Token::Kind::kLeftParen:
      return "'('";
    case Token::Kind::kRightParen:
      return "')'";
    case Token::Kind::kLeftBrace:
      return "'{'";
    case Token::Kind::kRightBrace:
      return "'}'";
    case Token::Kind::kSemicolon:
      return "';'";
    case Token::Kind::kEnd:
      return "the end of the script";
  }
  return "?";
}

class Parser {
 public:
  Parser(std::vector<Token> tokens, int max_nesting)
      : t_(std::move(tokens)), max_nesting_(max_nesting) {}

  std::variant<std::vector<Node>, CompileError> Run() {
    std::vector<Node> commands;
    if (!Commands(commands, 0)) return error_;
    if (At(Token::Kind::kRightBrace)) return CompileError{Now().line, "unexpected '}'"};
    return commands;
  }

 private:
  const Token& Now() const { return t_[i_]; }  // the last token is kEnd and is never passed
  bool At(Token::Kind kind) const { return Now().kind == kind; }
  void Advance() {
    if (!At(Token::Kind::kEnd)) ++i_;
  }

  bool Fail(int line, std::string message) {
    error_ = {line, std::move(message)};
    return false;
  }
  bool Unexpected(const std::string& wanted) {
    return Fail(Now().line, "expected " + wanted + ", found " + Describe(Now()));
  }
  bool Deeper(int depth) {
    if (depth <= max_nesting_) return true;
    return Fail(Now().line, "nesting too deep (more than " + std::to_string(max_nesting_) +
                                " blocks and tests inside each other)");
  }

  // Commands up to a '}' or the end (left for the caller).
  bool Commands(std::vector<Node>& out, int depth) {
    while (!At(Token::Kind::kEnd) && !At(Token::Kind::kRightBrace)) {
      Node command;
      if (!Command(command, depth)) return false;
      out.push_back(std::move(command));
    }
    return true;
  }

  bool Command(Node& node, int depth) {
    if (!At(Token::Kind::kIdentifier)) return Unexpected("a command");
    node.name = Now().text;
    node.line = Now().line;
    Advance();
    if (!Arguments(node, depth)) return false;
    if (At(Token::Kind::kSemicolon)) {
      Advance();
      return true;
    }
    if (!At(Token::Kind::kLeftBrace)) return Unexpected("';' or '{' after '" + node.name + "'");
    int open_line = Now().line;
    Advance();
    if (!Deeper(depth + 1) || !Commands(node.block, depth + 1)) return false;
    if (!At(Token::Kind::kRightBrace))
      return Fail(Now().line,
                  "missing '}' for the block opened on line " + std::to_string(open_line));
    Advance();
    node.has_block = true;
    return true;
  }

  bool Arguments(Node& node, int depth) {
    while (true) {
      Argument arg;
      arg.line = Now().line;
      if (At(Token::Kind::kTag)) {
        arg.kind = Argument::Kind::kTag;
        arg.tag = Now().text;
        Advance();
      } else if (At(Token::Kind::kNumber)) {
        arg.kind = Argument::Kind::kNumber;
        arg.number = Now().number;
        Advance();
      } else if (At(Token::Kind::kString)) {
        arg.strings.push_back(Now().text);
        Advance();
      } else if (At(Token::Kind::kLeftBracket)) {
        arg.bracketed = true;
        if (!StringList(arg.strings)) return false;
      } else {
        break;
      }
      node.arguments.push_back(std::move(arg));
    }
    if (At(Token::Kind::kIdentifier)) {
      Node test;
      if (!Deeper(depth + 1) || !Test(test, depth + 1)) return false;
      node.tests.push_back(std::move(test));
    } else if (At(Token::Kind::kLeftParen)) {
      node.test_list = true;
      Advance();
      if (!Deeper(depth + 1)) return false;
      while (true) {
        Node test;
        if (!Test(test, depth + 1)) return false;
        node.tests.push_back(std::move(test));
        if (At(Token::Kind::kRightParen)) break;
        if (!At(Token::Kind::kComma)) return Unexpected("',' or ')' in the test list");
        Advance();
      }
      Advance();
    }
    return true;
  }

  bool Test(Node& node, int depth) {
    if (!At(Token::Kind::kIdentifier)) return Unexpected("a test");
    node.name = Now().text;
    node.line = Now().line;
    Advance();
    return Arguments(node, depth);
  }

  bool StringList(std::vector<std::string>& out) {
    Advance();  // '['
    while (true) {
      if (!At(Token::Kind::kString)) return Unexpected("a string in the string list");
      out.push_back(Now().text);
      Advance();
      if (At(Token::Kind::kRightBracket)) break;
      if (!At(Token::Kind::kComma)) return Unexpected("',' or ']' in the string list");
      Advance();
    }
    Advance();
    return true;
  }

  std::vector<Token> t_;
  size_t i_ = 0;
  int max_nesting_;
  CompileError error_;
};

}  // namespace

std::variant<std::vector<Node>, CompileError> Parse(std::string_view script, int max_nesting) {
  auto tokens = Tokenize(script);
  if (auto* error = std::get_if<CompileError>(&tokens)) return *error;
  return Parser(std::get<std::vector<Token>>(std::move(tokens)), max_nesting).Run();
}

}  // namespace mailsuite::sieve
