#include "fetch_render.h"

#include "condstore.h"
#include "format.h"

namespace mailsuite::imapd {
namespace {

std::string_view Slice(std::string_view content, const std::optional<mail::ByteRange>& r) {
  if (!r || r->offset > content.size()) return {};
  return content.substr(r->offset, std::min<uint64_t>(r->size, content.size() - r->offset));
}

}  // namespace

std::string FilterHeader(std::string_view header, const std::vector<std::string>& fields,
                         bool exclude) {
  std::string out;
  bool keep = false;
  size_t pos = 0;
  while (pos < header.size()) {
    size_t eol = header.find('\n', pos);
    size_t next = eol == std::string_view::npos ? header.size() : eol + 1;
    std::string_view line = header.substr(pos, next - pos);
    pos = next;
    if (line == "\r\n" || line == "\n") break;  // the blank line that ends the header
    if (line[0] != ' ' && line[0] != '\t') {
      size_t colon = line.find(':');
      std::string_view name = line.substr(0, colon == std::string_view::npos ? 0 : colon);
      while (!name.empty() && (name.back() == ' ' || name.back() == '\t')) name.remove_suffix(1);
      bool listed = false;
      for (const std::string& f : fields)
        if (EqualsNoCase(f, name)) listed = true;
      keep = colon != std::string_view::npos && listed != exclude;
    }
    if (keep) out.append(line);
  }
  out += "\r\n";
  return out;
}

std::string SectionBytes(const FetchItem& item, std::string_view content,
                         const mail::MimeTree& tree) {
  switch (item.section) {
    case SectionKind::kAll:
      if (item.part.empty()) return std::string(content);
      return std::string(
          Slice(content, mail::SectionRange(tree, item.part, mail::SectionText::kAll)));
    case SectionKind::kHeader:
      return std::string(
          Slice(content, mail::SectionRange(tree, item.part, mail::SectionText::kHeader)));
    case SectionKind::kText:
      return std::string(
          Slice(content, mail::SectionRange(tree, item.part, mail::SectionText::kText)));
    case SectionKind::kMime:
      return std::string(
          Slice(content, mail::SectionRange(tree, item.part, mail::SectionText::kMime)));
    case SectionKind::kHeaderFields:
    case SectionKind::kHeaderFieldsNot: {
      auto r = mail::SectionRange(tree, item.part, mail::SectionText::kHeader);
      if (!r) return "";
      return FilterHeader(Slice(content, r), item.fields,
                          item.section == SectionKind::kHeaderFieldsNot);
    }
  }
  return "";
}

std::string RenderFetch(const FetchRequest& req, const FetchMessage& m, bool with_uid,
                        bool with_flags, bool with_modseq) {
  std::string out = "* " + std::to_string(m.seq) + " FETCH (";
  bool first = true;
  auto sep = [&]() -> std::string& {
    if (!first) out += ' ';
    first = false;
    return out;
  };
  if (with_uid && !req.has_uid) sep() += "UID " + std::to_string(m.info->uid);
  for (const FetchItem& i : req.items) {
    switch (i.kind) {
      case FetchKind::kFlags:
        sep() += "FLAGS " + FormatFlags(m.info->flags);
        break;
      case FetchKind::kInternalDate:
        sep() += "INTERNALDATE \"" + FormatInternalDate(m.info->internal_date) + "\"";
        break;
      case FetchKind::kSize:
        sep() += "RFC822.SIZE " + std::to_string(m.info->size);
        break;
      case FetchKind::kUid:
        sep() += "UID " + std::to_string(m.info->uid);
        break;
      case FetchKind::kModSeq:
        sep() += ModSeqItem(m.info->modseq);
        break;
      case FetchKind::kEnvelope:
        sep() += "ENVELOPE " + mail::RenderEnvelope(*m.tree->root.envelope);
        break;
      case FetchKind::kBody:
        sep() += "BODY " + mail::RenderBodyStructure(m.tree->root, false);
        break;
      case FetchKind::kBodyStructure:
        sep() += "BODYSTRUCTURE " + mail::RenderBodyStructure(m.tree->root, true);
        break;
      case FetchKind::kRfc822:
        sep() += "RFC822 " + Literal(m.content);
        break;
      case FetchKind::kRfc822Header:
        sep() +=
            "RFC822.HEADER " +
            Literal(Slice(m.content, mail::SectionRange(*m.tree, {}, mail::SectionText::kHeader)));
        break;
      case FetchKind::kRfc822Text:
        sep() +=
            "RFC822.TEXT " +
            Literal(Slice(m.content, mail::SectionRange(*m.tree, {}, mail::SectionText::kText)));
        break;
      case FetchKind::kSection: {
        std::string bytes = SectionBytes(i, m.content, *m.tree);
        std::string name = "BODY[" + i.section_text + "]";
        if (i.partial) {
          // RFC 3501 6.4.5: the response names only the origin octet.
          name += "<" + std::to_string(i.partial->offset) + ">";
          if (i.partial->offset >= bytes.size())
            bytes.clear();
          else
            bytes = bytes.substr(i.partial->offset, i.partial->length);
        }
        sep() += name + " " + Literal(bytes);
        break;
      }
    }
  }
  if (with_flags && !req.has_flags) sep() += "FLAGS " + FormatFlags(m.info->flags);
  if (with_modseq && !req.has_modseq) sep() += ModSeqItem(m.info->modseq);
  out += ")\r\n";
  return out;
}

}  // namespace mailsuite::imapd
