#include "fetch_items.h"

#include <charconv>

#include "format.h"

namespace mailsuite::imapd {
namespace {

std::optional<uint64_t> Num(std::string_view s) {
  uint64_t v = 0;
  if (s.empty() || s.size() > 19) return std::nullopt;
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || end != s.data() + s.size()) return std::nullopt;
  return v;
}

// "(From To \"X-Y\")" -> names.
bool FieldList(std::string_view text, std::vector<std::string>& out) {
  while (!text.empty() && text.front() == ' ') text.remove_prefix(1);
  if (text.size() < 2 || text.front() != '(' || text.back() != ')') return false;
  text = text.substr(1, text.size() - 2);
  size_t pos = 0;
  while (pos < text.size()) {
    size_t sp = text.find(' ', pos);
    std::string_view f = text.substr(pos, sp == std::string_view::npos ? text.npos : sp - pos);
    if (f.size() >= 2 && f.front() == '"' && f.back() == '"') f = f.substr(1, f.size() - 2);
    if (!f.empty()) out.emplace_back(f);
    if (sp == std::string_view::npos) break;
    pos = sp + 1;
  }
  return !out.empty();
}

bool ParseSection(std::string_view inside, FetchItem& item) {
  // part numbers: nz-number *("." nz-number), then optionally "." and a text spec
  size_t pos = 0;
  while (pos < inside.size() && inside[pos] >= '0' && inside[pos] <= '9') {
    size_t end = inside.find('.', pos);
    std::string_view n =
        inside.substr(pos, end == std::string_view::npos ? inside.npos : end - pos);
    auto v = Num(n);
    if (!v || *v == 0 || *v > UINT32_MAX || item.part.size() >= 64) return false;
    item.part.push_back(static_cast<uint32_t>(*v));
    if (end == std::string_view::npos) return true;
    pos = end + 1;
    if (pos >= inside.size()) return false;
  }
  std::string_view rest = inside.substr(pos);
  size_t sp = rest.find(' ');
  std::string word = Upper(rest.substr(0, sp));
  if (word.empty() && item.part.empty()) return true;  // BODY[]
  if (word == "HEADER" && sp == std::string_view::npos)
    item.section = SectionKind::kHeader;
  else if (word == "TEXT" && sp == std::string_view::npos)
    item.section = SectionKind::kText;
  else if (word == "MIME" && sp == std::string_view::npos && !item.part.empty())
    item.section = SectionKind::kMime;
  else if (word == "HEADER.FIELDS" && sp != std::string_view::npos)
    item.section = SectionKind::kHeaderFields;
  else if (word == "HEADER.FIELDS.NOT" && sp != std::string_view::npos)
    item.section = SectionKind::kHeaderFieldsNot;
  else
    return false;
  if (sp != std::string_view::npos) return FieldList(rest.substr(sp + 1), item.fields);
  return true;
}

bool ParseOne(const std::string& text, FetchRequest& req) {
  std::string upper = Upper(text);
  auto add = [&req](FetchKind k) {
    FetchItem i;
    i.kind = k;
    req.items.push_back(std::move(i));
  };
  if (upper == "ALL" || upper == "FAST" || upper == "FULL") {
    add(FetchKind::kFlags);
    add(FetchKind::kInternalDate);
    add(FetchKind::kSize);
    if (upper != "FAST") add(FetchKind::kEnvelope);
    if (upper == "FULL") add(FetchKind::kBody);
    return true;
  }
  static const std::pair<const char*, FetchKind> kSimple[] = {
      {"FLAGS", FetchKind::kFlags},
      {"INTERNALDATE", FetchKind::kInternalDate},
      {"RFC822.SIZE", FetchKind::kSize},
      {"UID", FetchKind::kUid},
      {"ENVELOPE", FetchKind::kEnvelope},
      {"BODY", FetchKind::kBody},
      {"BODYSTRUCTURE", FetchKind::kBodyStructure},
      {"RFC822", FetchKind::kRfc822},
      {"RFC822.HEADER", FetchKind::kRfc822Header},
      {"RFC822.TEXT", FetchKind::kRfc822Text},
      {"MODSEQ", FetchKind::kModSeq}};
  for (const auto& [name, kind] : kSimple)
    if (upper == name) {
      add(kind);
      return true;
    }
  size_t open = text.find('[');
  size_t close = text.rfind(']');
  if (open == std::string::npos || close == std::string::npos || close < open) return false;
  std::string head = upper.substr(0, open);
  FetchItem item;
  item.kind = FetchKind::kSection;
  if (head == "BODY.PEEK") {
    item.peek = true;
  } else if (head == "BINARY" || head == "BINARY.PEEK") {
    item.kind = FetchKind::kBinary;
    item.peek = head == "BINARY.PEEK";
  } else if (head == "BINARY.SIZE") {
    item.kind = FetchKind::kBinarySize;
  } else if (head != "BODY") {
    return false;
  }
  item.section_text = text.substr(open + 1, close - open - 1);
  if (!ParseSection(item.section_text, item)) return false;
  // RFC 3516 / RFC 9051 9: section-binary = "[" [section-part] "]": part numbers only.
  if (item.kind != FetchKind::kSection && item.section != SectionKind::kAll) return false;
  std::string_view after = std::string_view(text).substr(close + 1);
  if (item.kind == FetchKind::kBinarySize && !after.empty()) return false;
  if (!after.empty()) {
    // <offset.length> (RFC 3501 6.4.5: length is a nz-number)
    size_t dot = after.find('.');
    if (after.front() != '<' || after.back() != '>' || dot == std::string_view::npos) return false;
    auto off = Num(after.substr(1, dot - 1));
    auto len = Num(after.substr(dot + 1, after.size() - dot - 2));
    if (!off || !len || *len == 0) return false;
    item.partial = Partial{*off, *len};
  }
  req.items.push_back(std::move(item));
  return true;
}

}  // namespace

std::optional<FetchRequest> ParseFetchItems(const Arg& arg, std::string* error) {
  FetchRequest req;
  std::vector<const Arg*> items;
  if (arg.kind == Arg::Kind::kList) {
    for (const Arg& a : arg.items) items.push_back(&a);
  } else {
    items.push_back(&arg);
  }
  if (items.empty()) {
    *error = "Empty fetch item list";
    return std::nullopt;
  }
  for (const Arg* a : items) {
    if (a->kind != Arg::Kind::kAtom || !ParseOne(a->text, req)) {
      *error = "Invalid fetch item";
      return std::nullopt;
    }
  }
  for (const FetchItem& i : req.items) {
    switch (i.kind) {
      case FetchKind::kFlags:
        req.has_flags = true;
        break;
      case FetchKind::kUid:
        req.has_uid = true;
        break;
      case FetchKind::kModSeq:
        req.has_modseq = true;
        break;
      case FetchKind::kEnvelope:
      case FetchKind::kBody:
      case FetchKind::kBodyStructure:
        req.needs_tree = true;
        break;
      case FetchKind::kRfc822:
        req.sets_seen = true;
        req.needs_content = true;
        break;
      case FetchKind::kRfc822Text:
        req.sets_seen = true;
        [[fallthrough]];
      case FetchKind::kRfc822Header:
        req.needs_content = true;
        req.needs_tree = true;
        break;
      case FetchKind::kSection:
        req.needs_content = true;
        if (!i.part.empty() || i.section != SectionKind::kAll) req.needs_tree = true;
        if (!i.peek) req.sets_seen = true;
        break;
      case FetchKind::kBinary:
      case FetchKind::kBinarySize:
        req.needs_content = req.has_binary = true;
        if (!i.part.empty()) req.needs_tree = true;
        if (i.kind == FetchKind::kBinary && !i.peek) req.sets_seen = true;
        break;
      default:
        break;
    }
  }
  return req;
}

}  // namespace mailsuite::imapd
