#include "dkim_canon.h"

#include <cctype>
#include <unordered_map>

#include "shared/mail/address.h"

namespace mailsuite::mta::dkim {
namespace {

bool IsWsp(char c) { return c == ' ' || c == '\t'; }

// Relaxed form of one line's content: WSP runs become one SP (a leading one too), trailing
// WSP goes.
void AppendRelaxed(std::string& out, std::string_view text) {
  bool in_wsp = false;
  for (char c : text) {
    if (IsWsp(c)) {
      in_wsp = true;
      continue;
    }
    if (in_wsp) out += ' ';
    in_wsp = false;
    out += c;
  }
}

}  // namespace

SplitMessage SplitHeader(std::string_view m) {
  SplitMessage out;
  size_t pos = 0;
  size_t field_start = 0;
  bool extendable = false;  // the line before was part of the last field
  while (pos < m.size()) {
    size_t eol = m.find('\n', pos);
    size_t next = eol == std::string_view::npos ? m.size() : eol + 1;
    std::string_view line = m.substr(pos, next - pos);
    if (line == "\r\n" || line == "\n") {
      out.body = m.substr(next);
      return out;
    }
    if (IsWsp(line[0])) {
      // A continuation belongs to the field right above it; after a line that is no field it
      // belongs to nothing (a field's text is always one contiguous range).
      if (extendable) out.fields.back().raw = m.substr(field_start, next - field_start);
    } else {
      size_t colon = line.find(':');
      extendable = colon != std::string_view::npos;
      if (!extendable) {  // not a field: kept out of every selection
        pos = next;
        continue;
      }
      std::string_view name = line.substr(0, colon);
      while (!name.empty() && IsWsp(name.back())) name.remove_suffix(1);
      field_start = pos;
      out.fields.push_back(HeaderField{name, line});
    }
    pos = next;
  }
  return out;
}

std::string CanonicalHeader(std::string_view raw, Canon canon) {
  if (canon == Canon::kSimple) return std::string(raw);
  size_t colon = raw.find(':');
  std::string out;
  out.reserve(raw.size());
  std::string_view name = raw.substr(0, colon);
  while (!name.empty() && IsWsp(name.back())) name.remove_suffix(1);
  out += mail::ToLower(name);
  out += ':';
  // Unfold (drop CR and LF), then collapse WSP; WSP after the colon and at the end goes.
  std::string value;
  value.reserve(raw.size());
  for (char c : raw.substr(colon == std::string_view::npos ? raw.size() : colon + 1))
    if (c != '\r' && c != '\n') value += c;
  size_t first = value.find_first_not_of(" \t");
  if (first != std::string::npos) AppendRelaxed(out, std::string_view(value).substr(first));
  out += "\r\n";
  return out;
}

std::string CanonicalBody(std::string_view body, Canon canon) {
  std::string out;
  out.reserve(body.size() + 2);
  size_t keep = 0;  // out's length up to the last non-empty line
  size_t pos = 0;
  while (pos < body.size()) {
    size_t eol = body.find("\r\n", pos);
    std::string_view line =
        body.substr(pos, eol == std::string_view::npos ? std::string_view::npos : eol - pos);
    pos = eol == std::string_view::npos ? body.size() : eol + 2;
    size_t before = out.size();
    if (canon == Canon::kRelaxed)
      AppendRelaxed(out, line);
    else
      out.append(line);
    bool empty = out.size() == before;
    out += "\r\n";  // a last line without CRLF gets one (3.4.3, 3.4.4)
    if (!empty) keep = out.size();
  }
  out.resize(keep);
  if (out.empty() && canon == Canon::kSimple) out = "\r\n";
  return out;
}

std::vector<std::string_view> SelectHeaders(const std::vector<HeaderField>& fields,
                                            const std::vector<std::string>& signed_names) {
  // One pass over the fields, then one step per name: a message of many fields and a long h=
  // cost their sum, not their product.
  std::unordered_map<std::string, std::vector<size_t>> by_name;  // top to bottom
  for (size_t i = 0; i < fields.size(); ++i) by_name[mail::ToLower(fields[i].name)].push_back(i);
  std::vector<std::string_view> out;
  for (const std::string& name : signed_names) {
    auto it = by_name.find(mail::ToLower(name));
    if (it == by_name.end() || it->second.empty()) continue;
    out.push_back(fields[it->second.back()].raw);  // the lowest one not used yet
    it->second.pop_back();
  }
  return out;
}

}  // namespace mailsuite::mta::dkim
