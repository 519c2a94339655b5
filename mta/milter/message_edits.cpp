// Header fields and body of a message, as milters see and change them; see message_edits.h.
#include "message_edits.h"

#include <Poco/String.h>

#include <algorithm>

#include "shared/mail/transfer_encoding.h"

namespace mailsuite::mta::milter {
namespace {

// One raw field: "Name: value\r\n\tmore\r\n", with its line ends.
struct RawField {
  std::string name;
  std::string text;
};

// A line that starts a header field: field-name (printable ASCII but ":") and a colon, with
// RFC 5322 4.5.3's obsolete whitespace before the colon allowed.
bool StartsField(std::string_view line) {
  size_t i = 0;
  while (i < line.size() && line[i] > 32 && line[i] < 127 && line[i] != ':') ++i;
  if (i == 0) return false;
  while (i < line.size() && (line[i] == ' ' || line[i] == '\t')) ++i;
  return i < line.size() && line[i] == ':';
}

// The header section of `message`, as Postfix's MIME scanner sees it: fields and their
// continuation lines up to the blank line, or up to the first line that is neither (which then
// starts the body). `separator` is the blank line, if there was one.
struct Sections {
  std::vector<RawField> fields;
  std::string_view separator;
  std::string_view body;
};

Sections Cut(std::string_view message) {
  Sections out;
  size_t at = 0;
  while (at < message.size()) {
    size_t eol = message.find('\n', at);
    size_t next = eol == std::string_view::npos ? message.size() : eol + 1;
    std::string_view line = message.substr(at, next - at);
    if (line == "\r\n" || line == "\n") {
      out.separator = line;
      at = next;
      break;
    }
    if ((line[0] == ' ' || line[0] == '\t') && !out.fields.empty()) {
      out.fields.back().text.append(line);
    } else if (StartsField(line)) {
      std::string name(line.substr(0, line.find(':')));
      while (!name.empty() && (name.back() == ' ' || name.back() == '\t')) name.pop_back();
      out.fields.push_back({name, std::string(line)});
    } else {
      break;  // not a header line: the body starts here
    }
    at = next;
  }
  out.body = message.substr(at);
  return out;
}

// The value of a raw field as a filter sees it: after the colon, CRs dropped, no final line end.
std::string FilterValue(const std::string& text, bool leading_space) {
  size_t colon = text.find(':');
  std::string value = colon == std::string::npos ? std::string() : text.substr(colon + 1);
  value.erase(std::remove(value.begin(), value.end(), '\r'), value.end());
  if (!value.empty() && value.back() == '\n') value.pop_back();
  if (!leading_space && !value.empty() && value[0] == ' ') value.erase(0, 1);
  return value;
}

// "Name: value\r\n" from a filter's name and value; folds "\n" (or "\r\n") become CRLF.
std::string FieldText(const std::string& name, const std::string& value, bool leading_space) {
  std::string out = name + ":";
  if (!leading_space) out += ' ';
  for (size_t i = 0; i < value.size(); ++i) {
    if (value[i] == '\r') continue;
    if (value[i] == '\n') {
      out += "\r\n";
      // A line break must start a continuation line, or it would start a new field.
      if (i + 1 >= value.size() || (value[i + 1] != ' ' && value[i + 1] != '\t')) out += ' ';
      continue;
    }
    out += value[i];
  }
  return out + "\r\n";
}

}  // namespace

SplitMessage SplitForFilter(std::string_view message, bool leading_space) {
  Sections sections = Cut(message);
  SplitMessage split;
  for (const RawField& f : sections.fields)
    split.fields.push_back({f.name, FilterValue(f.text, leading_space)});
  split.body = sections.body;
  return split;
}

std::string ApplyContentChanges(std::string_view message, const std::vector<Reply>& changes,
                                bool leading_space) {
  using K = Reply::Kind;
  const bool edits = std::any_of(changes.begin(), changes.end(), [](const Reply& c) {
    return c.kind == K::kAddHeader || c.kind == K::kInsertHeader || c.kind == K::kChangeHeader ||
           c.kind == K::kReplaceBody;
  });
  if (!edits) return std::string(message);
  Sections sections = Cut(message);
  std::vector<RawField>& fields = sections.fields;
  bool body_replaced = false;
  std::string new_body;
  for (const Reply& c : changes) {
    switch (c.kind) {
      case K::kAddHeader:
        fields.push_back({c.name, FieldText(c.name, c.value, leading_space)});
        break;
      case K::kInsertHeader: {
        size_t at = std::min<size_t>(c.index, fields.size());
        fields.insert(fields.begin() + static_cast<std::ptrdiff_t>(at),
                      {c.name, FieldText(c.name, c.value, leading_space)});
        break;
      }
      case K::kChangeHeader: {
        uint32_t wanted = std::max<uint32_t>(c.index, 1), seen = 0;
        auto it = std::find_if(fields.begin(), fields.end(), [&](const RawField& f) {
          return Poco::icompare(f.name, c.name) == 0 && ++seen == wanted;
        });
        if (it == fields.end()) {
          if (!c.value.empty())
            fields.push_back({c.name, FieldText(c.name, c.value, leading_space)});
        } else if (c.value.empty()) {
          fields.erase(it);
        } else {
          it->text = FieldText(c.name, c.value, leading_space);
        }
        break;
      }
      case K::kReplaceBody:
        body_replaced = true;
        new_body += c.text;
        break;
      default:
        break;
    }
  }
  std::string out;
  out.reserve(message.size() + 256);
  for (const RawField& f : fields) {
    out += f.text;
    if (out.back() != '\n') out += "\r\n";  // the last line of a message that is all header
  }
  std::string body = body_replaced ? mail::WithCrlfLineEnds(new_body) : std::string(sections.body);
  if (body_replaced && !body.empty() && body.back() != '\n') body += "\r\n";
  // The blank line as it was; one where there was none but a body follows only if the body is
  // new (an old body that began without one keeps beginning that way).
  if (!sections.separator.empty() || body_replaced || body.empty())
    out += sections.separator.empty() ? std::string_view("\r\n") : sections.separator;
  out += body;
  return out;
}

}  // namespace mailsuite::mta::milter
