// Header field scanning and the MIME structured fields (RFC 2045 5.1, 6.1; RFC 2183; RFC 3282;
// RFC 2231). Lenient: real mail has unquoted "=" in boundaries, stray comments, missing quotes.
#include <strings.h>

#include <cstring>

#include "mime_internal.h"

namespace mailsuite::mail::mime_internal {
namespace {

bool IsWsp(char c) { return c == ' ' || c == '\t'; }
bool IsSpace(char c) { return IsWsp(c) || c == '\r' || c == '\n'; }

// RFC 5322 3.6.8 ftext: printable US-ASCII except ":".
bool IsFieldName(std::string_view name) {
  if (name.empty()) return false;
  for (char c : name) {
    auto u = static_cast<unsigned char>(c);
    if (u <= 32 || u >= 127) return false;
  }
  return true;
}

// RFC 2045 5.1 token: no space, CTL or tspecial.
bool IsTokenChar(char c) {
  auto u = static_cast<unsigned char>(c);
  return u > 32 && u < 127 && std::strchr("()<>@,;:\\\"/[]?=", c) == nullptr;
}

// A cursor over a structured field value.
class Cursor {
 public:
  explicit Cursor(std::string_view s) : s_(s) {}
  bool AtEnd() const { return i_ >= s_.size(); }
  char Peek() const { return s_[i_]; }
  void Advance() { ++i_; }

  // Whitespace and (nested) comments.
  void SkipCfws() {
    while (i_ < s_.size()) {
      if (IsSpace(s_[i_])) {
        ++i_;
      } else if (s_[i_] == '(') {
        int depth = 0;
        while (i_ < s_.size()) {
          char c = s_[i_++];
          if (c == '\\') {
            if (i_ < s_.size()) ++i_;
          } else if (c == '(') {
            ++depth;
          } else if (c == ')' && --depth == 0) {
            break;
          }
        }
      } else {
        return;
      }
    }
  }

  std::string_view Token() {
    size_t start = i_;
    while (i_ < s_.size() && IsTokenChar(s_[i_])) ++i_;
    return s_.substr(start, i_ - start);
  }

  // Characters up to one of `stops` (or whitespace), for lenient attribute and value parsing.
  std::string_view Until(const char* stops) {
    size_t start = i_;
    while (i_ < s_.size() && !IsSpace(s_[i_]) && std::strchr(stops, s_[i_]) == nullptr) ++i_;
    return s_.substr(start, i_ - start);
  }

  // At '"': the unescaped content; an unterminated string runs to the end.
  std::string Quoted() {
    std::string out;
    ++i_;
    while (i_ < s_.size()) {
      char c = s_[i_++];
      if (c == '"') break;
      if (c == '\\' && i_ < s_.size()) c = s_[i_++];
      if (c != '\r' && c != '\n') out += c;
    }
    return out;
  }

 private:
  std::string_view s_;
  size_t i_ = 0;
};

// *(";" attribute "=" value), skipping what does not parse up to the next ";".
void ParseParams(Cursor& c, std::vector<MimeParam>& params) {
  while (true) {
    c.SkipCfws();
    if (c.AtEnd()) return;
    if (c.Peek() != ';') {
      if (c.Peek() == '"') {
        c.Quoted();  // stray quoted text: skip it whole so its ";" does not count
      } else {
        c.Advance();
      }
      continue;
    }
    c.Advance();
    c.SkipCfws();
    std::string_view attribute = c.Until("=;\"(");
    c.SkipCfws();
    if (attribute.empty() || c.AtEnd() || c.Peek() != '=') continue;
    c.Advance();
    c.SkipCfws();
    std::string value;
    if (!c.AtEnd() && c.Peek() == '"') {
      value = c.Quoted();
    } else {
      value = std::string(c.Until(";\"("));
    }
    params.push_back({Lower(attribute), std::move(value)});
  }
}

}  // namespace

size_t ScanHeader(std::string_view text, std::vector<HeaderField>& fields) {
  fields.clear();
  bool in_field = false;  // whether a continuation line extends fields.back()
  size_t pos = 0;
  while (pos < text.size()) {
    size_t eol = text.find('\n', pos);
    size_t next = eol == std::string_view::npos ? text.size() : eol + 1;
    size_t line_end = eol == std::string_view::npos ? text.size() : eol;
    if (line_end > pos && text[line_end - 1] == '\r') --line_end;
    std::string_view line = text.substr(pos, line_end - pos);
    if (line.empty()) return next;
    if (IsWsp(line[0])) {
      if (in_field) {
        HeaderField& f = fields.back();
        const char* start = f.value.data();
        f.value = std::string_view(start, static_cast<size_t>(text.data() + line_end - start));
      }
    } else {
      size_t colon = line.find(':');
      std::string_view name = line.substr(0, colon == std::string_view::npos ? 0 : colon);
      while (!name.empty() && IsWsp(name.back())) name.remove_suffix(1);  // obs-optional
      in_field = colon != std::string_view::npos && IsFieldName(name);
      if (in_field) fields.push_back({name, line.substr(colon + 1)});
    }
    pos = next;
  }
  return text.size();
}

const HeaderField* FindField(const std::vector<HeaderField>& fields, std::string_view name) {
  for (const HeaderField& f : fields) {
    if (f.name.size() == name.size() && strncasecmp(f.name.data(), name.data(), name.size()) == 0)
      return &f;
  }
  return nullptr;
}

std::string Unfold(std::string_view raw) {
  std::string out;
  out.reserve(raw.size());
  for (size_t i = 0; i < raw.size(); ++i) {
    if (raw[i] == '\n') continue;
    if (raw[i] == '\r' && i + 1 < raw.size() && raw[i + 1] == '\n') continue;
    out += raw[i];
  }
  size_t b = 0;
  while (b < out.size() && IsWsp(out[b])) ++b;
  size_t e = out.size();
  while (e > b && IsWsp(out[e - 1])) --e;
  return out.substr(b, e - b);
}

std::string Lower(std::string_view s) {
  std::string out(s);
  for (char& c : out)
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  return out;
}

std::string Upper(std::string_view s) {
  std::string out(s);
  for (char& c : out)
    if (c >= 'a' && c <= 'z') c = static_cast<char>(c - 'a' + 'A');
  return out;
}

bool ParseContentType(std::string_view value, std::string& type, std::string& subtype,
                      std::vector<MimeParam>& params) {
  Cursor c(value);
  c.SkipCfws();
  std::string_view t = c.Token();
  c.SkipCfws();
  if (t.empty() || c.AtEnd() || c.Peek() != '/') return false;
  c.Advance();
  c.SkipCfws();
  std::string_view st = c.Token();
  if (st.empty()) return false;
  type = Lower(t);
  subtype = Lower(st);
  params.clear();
  ParseParams(c, params);
  return true;
}

bool ParseDisposition(std::string_view value, std::string& type, std::vector<MimeParam>& params) {
  Cursor c(value);
  c.SkipCfws();
  std::string_view t = c.Token();
  if (t.empty()) return false;
  type = Lower(t);
  params.clear();
  ParseParams(c, params);
  return true;
}

std::vector<std::string> ParseLanguage(std::string_view value) {
  std::vector<std::string> tags;
  Cursor c(value);
  while (true) {
    c.SkipCfws();
    if (c.AtEnd()) return tags;
    std::string_view tag = c.Until(",(\"");
    if (!tag.empty()) {
      tags.emplace_back(tag);
    } else if (c.Peek() == '"') {
      c.Quoted();
    } else {
      c.Advance();  // "," or anything else: always make progress
    }
  }
}

std::string ParseEncoding(std::string_view value) {
  Cursor c(value);
  c.SkipCfws();
  std::string_view t = c.Token();
  return t.empty() ? "7bit" : Lower(t);
}

}  // namespace mailsuite::mail::mime_internal
