// RFC 5322 3.4 address lists in the shape of an IMAP ENVELOPE (RFC 3501 7.4.2), and the envelope
// itself. Lenient like a mail client: whatever the syntax, every input gives some list.
#include <cstring>

#include "mime_internal.h"

namespace mailsuite::mail::mime_internal {
namespace {

enum class Kind { kWord, kQuoted, kComment, kLiteral, kSpecial };

struct Token {
  Kind kind;
  std::string text;  // word, unquoted string, comment content, "[domain literal]", or the special
};

bool IsSpecial(char c) { return std::strchr("<>@,;:", c) != nullptr; }
bool IsBreak(char c) {
  return c == ' ' || c == '\t' || c == '\r' || c == '\n' || IsSpecial(c) ||
         std::strchr("()\"[]\\", c) != nullptr;
}

// Text up to the `close` that balances the opener at s[i] (nesting only for comments); `i` ends
// past it. Backslash quotes the next character.
std::string Delimited(std::string_view s, size_t& i, char close, bool nest) {
  std::string out;
  char open = s[i++];
  int depth = 1;
  while (i < s.size()) {
    char c = s[i++];
    if (c == '\\' && i < s.size()) {
      out += s[i++];
      continue;
    }
    if (nest && c == open) ++depth;
    if (c == close && --depth == 0) break;
    if (c != '\r' && c != '\n') out += c;
  }
  return out;
}

std::vector<Token> Tokenize(std::string_view s) {
  std::vector<Token> tokens;
  size_t i = 0;
  while (i < s.size()) {
    char c = s[i];
    if (c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == ')' || c == ']' || c == '\\') {
      ++i;
    } else if (c == '(') {
      tokens.push_back({Kind::kComment, Delimited(s, i, ')', true)});
    } else if (c == '"') {
      tokens.push_back({Kind::kQuoted, Delimited(s, i, '"', false)});
    } else if (c == '[') {
      tokens.push_back({Kind::kLiteral, "[" + Delimited(s, i, ']', false) + "]"});
    } else if (IsSpecial(c)) {
      tokens.push_back({Kind::kSpecial, std::string(1, c)});
      ++i;
    } else {
      size_t start = i;
      while (i < s.size() && !IsBreak(s[i])) ++i;
      tokens.push_back({Kind::kWord, std::string(s.substr(start, i - start))});
    }
  }
  return tokens;
}

class AddressParser {
 public:
  explicit AddressParser(std::vector<Token> tokens) : t_(std::move(tokens)) {}

  std::vector<EnvelopeAddress> List() {
    while (i_ < t_.size()) {
      if (IsSpecialAt(',') || IsSpecialAt(';') || IsSpecialAt('>')) {
        ++i_;
        continue;
      }
      Address(/*in_group=*/false);
    }
    return std::move(out_);
  }

 private:
  bool IsSpecialAt(char c) const {
    return i_ < t_.size() && t_[i_].kind == Kind::kSpecial && t_[i_].text[0] == c;
  }

  // One mailbox or group; always consumes at least one token.
  void Address(bool in_group) {
    std::string phrase;   // display name words, joined by one space
    std::string local;    // the same words joined without space, in case "@" follows
    std::string comment;  // the last comment, a name for "a@b (Name)"
    while (i_ < t_.size() && t_[i_].kind != Kind::kSpecial) {
      const Token& tok = t_[i_++];
      if (tok.kind == Kind::kComment) {
        comment = tok.text;
        continue;
      }
      if (!phrase.empty()) phrase += ' ';
      phrase += tok.text;
      local += tok.text;
    }
    if (i_ >= t_.size() || IsSpecialAt(',') || IsSpecialAt(';')) {
      if (!local.empty())
        out_.push_back({NameOf(comment), std::nullopt, local, ""});  // no "@domain"
      return;
    }
    if (IsSpecialAt(':') && !in_group) {
      ++i_;
      out_.push_back({std::nullopt, std::nullopt, phrase, std::nullopt});  // group start
      while (i_ < t_.size() && !IsSpecialAt(';')) {
        if (IsSpecialAt(',') || IsSpecialAt(':') || IsSpecialAt('>')) {
          ++i_;
          continue;
        }
        Address(/*in_group=*/true);
      }
      if (i_ < t_.size()) ++i_;                                                  // ";"
      out_.push_back({std::nullopt, std::nullopt, std::nullopt, std::nullopt});  // group end
      return;
    }
    if (IsSpecialAt('<')) {
      ++i_;
      AngleAddr(phrase.empty() ? NameOf(comment) : std::optional<std::string>(phrase));
    } else if (IsSpecialAt('@')) {
      ++i_;
      std::string trailing;  // "a@b (Name)": the comment after the address names it
      std::string host = Domain(&trailing);
      out_.push_back(
          {NameOf(trailing.empty() ? comment : trailing), std::nullopt, local, std::move(host)});
    } else {
      ++i_;  // a stray ">" or ":": skip it
      return;
    }
    SkipToNextAddress(in_group);
  }

  // After "<": [obs-route] addr-spec ">".
  void AngleAddr(std::optional<std::string> name) {
    std::optional<std::string> route;  // obs-route "@a,@b:" (RFC 5322 4.4), the ENVELOPE's adl
    if (IsSpecialAt('@')) {
      std::string text;
      while (i_ < t_.size() && !IsSpecialAt(':') && !IsSpecialAt('>')) {
        if (t_[i_].kind != Kind::kComment) text += t_[i_].text;
        ++i_;
      }
      if (IsSpecialAt(':')) {
        ++i_;
        route = std::move(text);
      }
    }
    std::string local;
    while (i_ < t_.size() && t_[i_].kind != Kind::kSpecial) {
      if (t_[i_].kind != Kind::kComment) local += t_[i_].text;
      ++i_;
    }
    std::string host;
    if (IsSpecialAt('@')) {
      ++i_;
      host = Domain(nullptr);
    }
    while (i_ < t_.size() && !IsSpecialAt('>') && !IsSpecialAt(',') && !IsSpecialAt(';')) ++i_;
    if (IsSpecialAt('>')) ++i_;
    if (local.empty() && host.empty()) return;  // "<>": nothing to list
    out_.push_back({std::move(name), std::move(route), std::move(local), std::move(host)});
  }

  std::string Domain(std::string* comment) {
    std::string domain;
    while (i_ < t_.size() && (t_[i_].kind != Kind::kSpecial)) {
      if (t_[i_].kind != Kind::kComment) {
        domain += t_[i_].text;
      } else if (comment != nullptr) {
        *comment = t_[i_].text;
      }
      ++i_;
    }
    return domain;
  }

  void SkipToNextAddress(bool in_group) {
    while (i_ < t_.size() && !IsSpecialAt(',') && !(in_group && IsSpecialAt(';'))) ++i_;
  }

  static std::optional<std::string> NameOf(const std::string& comment) {
    if (comment.empty()) return std::nullopt;
    return comment;
  }

  std::vector<Token> t_;
  size_t i_ = 0;
  std::vector<EnvelopeAddress> out_;
};

std::optional<std::string> RawField(const std::vector<HeaderField>& fields, std::string_view name) {
  const HeaderField* f = FindField(fields, name);
  if (f == nullptr) return std::nullopt;
  return Unfold(f->value);
}

std::vector<EnvelopeAddress> AddressField(const std::vector<HeaderField>& fields,
                                          std::string_view name) {
  const HeaderField* f = FindField(fields, name);
  if (f == nullptr) return {};
  return ParseAddressList(f->value);
}

}  // namespace

std::vector<EnvelopeAddress> ParseAddressList(std::string_view value) {
  return AddressParser(Tokenize(value)).List();
}

}  // namespace mailsuite::mail::mime_internal

namespace mailsuite::mail {

std::vector<EnvelopeAddress> ParseAddresses(std::string_view value) {
  return mime_internal::ParseAddressList(value);
}

}  // namespace mailsuite::mail

namespace mailsuite::mail::mime_internal {

Envelope BuildEnvelope(const std::vector<HeaderField>& fields) {
  Envelope e;
  e.date = RawField(fields, "Date");
  e.subject = RawField(fields, "Subject");
  e.from = AddressField(fields, "From");
  e.sender = AddressField(fields, "Sender");
  e.reply_to = AddressField(fields, "Reply-To");
  e.to = AddressField(fields, "To");
  e.cc = AddressField(fields, "Cc");
  e.bcc = AddressField(fields, "Bcc");
  e.in_reply_to = RawField(fields, "In-Reply-To");
  e.message_id = RawField(fields, "Message-ID");
  return e;
}

}  // namespace mailsuite::mail::mime_internal
