#include "command_parser.h"

#include <charconv>
#include <cstdint>

namespace mailsuite::imapd {
namespace {

bool IsCtl(unsigned char c) { return c < 0x20 || c == 0x7f; }

// Atoms here are a little wider than RFC 3501's ATOM-CHAR: they also take list wildcards
// ("%", "*": LIST patterns and "1:*"), "]" (astrings), "\" (flags) and a bracketed section with
// spaces inside ("BODY[HEADER.FIELDS (From)]<0.10>"), so handlers see such items whole.
bool IsAtomChar(unsigned char c) {
  return !IsCtl(c) && c != ' ' && c != '(' && c != ')' && c != '{' && c != '"';
}

std::string Upper(std::string_view s) {
  std::string out(s);
  for (char& c : out)
    if (c >= 'a' && c <= 'z') c = static_cast<char>(c - 'a' + 'A');
  return out;
}

class Scanner {
 public:
  Scanner(const RawCommand& raw, const ParserLimits& limits) : raw_(raw), limits_(limits) {}

  // Reads the tag and the command name.
  bool Head(Command& out) {
    const std::string& l = Line();
    size_t sp = l.find(' ');
    out.tag = l.substr(0, sp);
    if (out.tag.empty() || out.tag.find_first_of("+") != std::string::npos) return Fail("bad tag");
    for (unsigned char c : out.tag)
      if (!IsAtomChar(c) || c == '%' || c == '*') return Fail("bad tag");
    if (sp == std::string::npos) return Fail("missing command");
    pos_ = sp + 1;
    size_t start = pos_;
    while (pos_ < l.size() && IsAtomChar(static_cast<unsigned char>(l[pos_])) && l[pos_] != '[')
      ++pos_;
    if (pos_ == start) return Fail("missing command");
    out.name = Upper(std::string_view(l).substr(start, pos_ - start));
    return true;
  }

  // Arguments up to the end of the command (or the closing ")" of a list at depth > 0).
  bool Args(std::vector<Arg>& out, size_t depth) {
    if (depth > limits_.max_depth) return Fail("lists nested too deeply");
    for (;;) {
      const std::string& l = Line();
      if (pos_ >= l.size()) {
        if (depth > 0) return Fail("unclosed list");
        return line_ + 1 == raw_.lines.size() || Fail("unexpected literal");
      }
      if (l[pos_] == ')') {
        if (depth == 0) return Fail("unexpected ')'");
        ++pos_;
        return true;
      }
      // Arguments are separated by one space (RFC 3501 9, note 2); a list's first item and
      // the text after the command name follow one as well.
      if (!out.empty() || depth == 0) {
        if (l[pos_] != ' ') return Fail("expected a space");
        ++pos_;
        if (pos_ >= l.size()) return Fail("trailing space");
      }
      if (depth > 0 && out.empty() && l[pos_ - 1] == ' ') {
        // "( a)": a space right after "(" is not allowed
      }
      if (++items_ > limits_.max_items) return Fail("too many arguments");
      Arg arg;
      if (!One(arg, depth)) return false;
      out.push_back(std::move(arg));
      if (depth > 0 && pos_ < Line().size() && Line()[pos_] == ')') {
        ++pos_;
        return true;
      }
    }
  }

  const std::string& error() const { return error_; }

 private:
  const std::string& Line() const { return raw_.lines[line_]; }

  bool Fail(std::string message) {
    if (error_.empty()) error_ = std::move(message);
    return false;
  }

  bool One(Arg& arg, size_t depth) {
    const std::string& l = Line();
    char c = l[pos_];
    if (c == '(') {
      ++pos_;
      arg.kind = Arg::Kind::kList;
      if (pos_ < l.size() && l[pos_] == ')') {
        ++pos_;
        return true;
      }
      return ListItems(arg.items, depth + 1);
    }
    if (c == '"') return Quoted(arg);
    if (c == '{') return Literal(arg);
    if (c == '~' && pos_ + 1 < l.size() && l[pos_ + 1] == '{') {
      ++pos_;
      arg.literal8 = true;
      return Literal(arg);
    }
    return Atom(arg);
  }

  bool ListItems(std::vector<Arg>& items, size_t depth) {
    if (depth > limits_.max_depth) return Fail("lists nested too deeply");
    for (;;) {
      const std::string& l = Line();
      if (pos_ >= l.size()) return Fail("unclosed list");
      if (++items_ > limits_.max_items) return Fail("too many arguments");
      Arg arg;
      if (!One(arg, depth)) return false;
      items.push_back(std::move(arg));
      const std::string& now = Line();
      if (pos_ >= now.size()) return Fail("unclosed list");
      if (now[pos_] == ')') {
        ++pos_;
        return true;
      }
      if (now[pos_] != ' ') return Fail("expected a space in a list");
      ++pos_;
    }
  }

  bool Quoted(Arg& arg) {
    const std::string& l = Line();
    arg.kind = Arg::Kind::kString;
    for (size_t i = pos_ + 1; i < l.size(); ++i) {
      unsigned char c = static_cast<unsigned char>(l[i]);
      if (c == '"') {
        pos_ = i + 1;
        return true;
      }
      if (c == '\\') {
        if (i + 1 >= l.size() || (l[i + 1] != '"' && l[i + 1] != '\\'))
          return Fail("bad escape in a quoted string");
        arg.text += l[++i];
      } else if (c == '\r' || c == '\n' || c == 0) {
        return Fail("bad character in a quoted string");
      } else {
        arg.text += static_cast<char>(c);  // 8-bit allowed (UTF8=ACCEPT)
      }
    }
    return Fail("unterminated quoted string");
  }

  bool Literal(Arg& arg) {
    // The marker must end the line; the literal's bytes are the next piece.
    const std::string& l = Line();
    if (!TrailingLiteral(std::string_view(l).substr(pos_)) || line_ >= raw_.literals.size())
      return Fail("bad literal");
    arg.kind = Arg::Kind::kString;
    arg.literal = true;
    arg.text = raw_.literals[line_];
    ++line_;
    pos_ = 0;
    return true;
  }

  bool Atom(Arg& arg) {
    const std::string& l = Line();
    size_t start = pos_;
    while (pos_ < l.size()) {
      unsigned char c = static_cast<unsigned char>(l[pos_]);
      // Once no ']' is left on this line, later '[' need no scan (a line of '[' stays linear).
      bool may_close = !(no_close_line_ == line_ && pos_ >= no_close_from_);
      size_t close = c == '[' && may_close ? l.find(']', pos_) : std::string::npos;
      if (c == '[' && may_close && close == std::string::npos) {
        no_close_line_ = line_;
        no_close_from_ = pos_;
      }
      if (close != std::string::npos) {
        // A section: everything up to the matching ']' (no nesting in IMAP sections). Without a
        // ']' the '[' is an ordinary ATOM-CHAR (RFC 3501 9: only ']' is a resp-special), as in
        // the mailbox name "a[b".
        for (size_t i = pos_; i < close; ++i)
          if (IsCtl(static_cast<unsigned char>(l[i]))) return Fail("bad character in a section");
        pos_ = close + 1;
        continue;
      }
      if (!IsAtomChar(c)) break;
      ++pos_;
    }
    if (pos_ == start) return Fail("expected an argument");
    arg.kind = Arg::Kind::kAtom;
    arg.text = l.substr(start, pos_ - start);
    return true;
  }

  const RawCommand& raw_;
  const ParserLimits& limits_;
  size_t line_ = 0;
  size_t pos_ = 0;
  size_t items_ = 0;
  size_t no_close_line_ = SIZE_MAX;  // on this line there is no ']' at or after no_close_from_
  size_t no_close_from_ = 0;
  std::string error_;
};

}  // namespace

bool Arg::IsAtom(std::string_view upper) const {
  return kind == Kind::kAtom && Upper(text) == upper;
}

std::optional<LiteralMarker> TrailingLiteral(std::string_view line) {
  if (line.empty() || line.back() != '}') return std::nullopt;
  size_t open = line.rfind('{');
  if (open == std::string_view::npos) return std::nullopt;
  std::string_view inside = line.substr(open + 1, line.size() - open - 2);
  LiteralMarker m;
  if (!inside.empty() && inside.back() == '+') {
    m.non_sync = true;
    inside.remove_suffix(1);
  }
  if (inside.empty() || inside.size() > 19) return std::nullopt;
  auto [end, ec] = std::from_chars(inside.data(), inside.data() + inside.size(), m.size);
  if (ec != std::errc() || end != inside.data() + inside.size()) return std::nullopt;
  return m;
}

std::string TagOf(std::string_view line) {
  size_t sp = line.find(' ');
  std::string_view tag = line.substr(0, sp);
  if (tag.empty() || tag.size() > 64) return "*";
  for (unsigned char c : tag)
    if (!IsAtomChar(c) || c == '+' || c == '%' || c == '*') return "*";
  return std::string(tag);
}

std::variant<Command, ParseError> ParseCommand(const RawCommand& raw, const ParserLimits& limits) {
  if (raw.lines.empty() || raw.lines.size() != raw.literals.size() + 1)
    return ParseError{"*", "malformed command"};
  Command cmd;
  Scanner s(raw, limits);
  if (!s.Head(cmd) || !s.Args(cmd.args, 0))
    return ParseError{cmd.tag.empty() ? TagOf(raw.lines[0]) : cmd.tag, s.error()};
  return cmd;
}

}  // namespace mailsuite::imapd
