#include "fetch_render.h"

#include <algorithm>

#include "condstore.h"
#include "format.h"
#include "shared/mail/transfer_encoding.h"

namespace mailsuite::imapd {
namespace {

// `r` cut to the message's `size` octets (the tree is checked against the size when it is
// loaded; this keeps a literal's announced length true whatever the metadata said).
mail::ByteRange Clip(const std::optional<mail::ByteRange>& r, uint64_t size) {
  if (!r || r->offset >= size) return {size, 0};
  return {r->offset, std::min<uint64_t>(r->size, size - r->offset)};
}

// RFC 3501 6.4.5: <offset.length> of the section's octets; nothing from an offset past them.
mail::ByteRange ApplyPartial(mail::ByteRange r, const std::optional<Partial>& partial) {
  if (!partial) return r;
  if (partial->offset >= r.size) return {r.offset + r.size, 0};
  return {r.offset + partial->offset, std::min(partial->length, r.size - partial->offset)};
}

// Collects the pieces of one response.
class Pieces {
 public:
  Pieces() : pieces_(1) {}
  std::string& text() { return pieces_.back().text; }
  // "{n}\r\n" and the range of the message text that follows it.
  void Literal(const mail::ByteRange& r) {
    text() += "{" + std::to_string(r.size) + "}\r\n";
    pieces_.back().stream = r;
    pieces_.emplace_back();
  }
  std::vector<FetchPiece> Take() { return std::move(pieces_); }

 private:
  std::vector<FetchPiece> pieces_;
};

// The transfer encoding BINARY undoes for `part`: a multipart's or message's body is sent as it
// is (RFC 2045 6.4 allows them only identity encodings).
std::string_view EncodingOf(const mail::MimePart& part) {
  if (part.IsMultipart() || part.IsMessage()) return "binary";
  return part.encoding;
}

// The content of the part `item` names, decoded; empty if there is no such part, nullopt if it
// cannot be read.
std::optional<std::string> DecodedPart(const FetchItem& item, const FetchMessage& m) {
  const mail::MimePart* part = mail::FindPart(*m.tree, item.part);
  if (!part) return std::string();
  std::optional<std::string> raw =
      m.read(Clip(mail::ByteRange{part->body_offset(), part->body_size}, m.info->size));
  if (!raw) return std::nullopt;
  auto decoded = mail::DecodeTransferEncoding(EncodingOf(*part), *raw);
  return decoded ? std::move(*decoded) : std::move(*raw);  // HasUnknownEncoding checked it
}

}  // namespace

bool HasUnknownEncoding(const FetchRequest& req, const mail::MimeTree& tree) {
  for (const FetchItem& i : req.items) {
    if ((i.kind != FetchKind::kBinary && i.kind != FetchKind::kBinarySize) || i.part.empty())
      continue;
    const mail::MimePart* part = mail::FindPart(tree, i.part);
    if (part && !mail::KnownTransferEncoding(EncodingOf(*part))) return true;
  }
  return false;
}

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

mail::ByteRange SectionOctets(const FetchItem& item, const FetchMessage& m) {
  const auto size = static_cast<uint64_t>(m.info->size);
  std::optional<mail::ByteRange> r;
  if (item.section == SectionKind::kAll && item.part.empty()) {
    r = mail::ByteRange{0, size};  // BODY[]: no tree needed
  } else {
    mail::SectionText text = mail::SectionText::kAll;
    if (item.section == SectionKind::kHeader) text = mail::SectionText::kHeader;
    if (item.section == SectionKind::kText) text = mail::SectionText::kText;
    if (item.section == SectionKind::kMime) text = mail::SectionText::kMime;
    r = mail::SectionRange(*m.tree, item.part, text);
  }
  return ApplyPartial(Clip(r, size), item.partial);
}

std::optional<std::vector<FetchPiece>> RenderFetch(const FetchRequest& req, const FetchMessage& m,
                                                   bool with_uid, bool with_flags,
                                                   bool with_modseq) {
  const auto size = static_cast<uint64_t>(m.info->size);
  Pieces out;
  out.text() = "* " + std::to_string(m.seq) + " FETCH (";
  bool first = true;
  auto sep = [&]() -> std::string& {
    if (!first) out.text() += ' ';
    first = false;
    return out.text();
  };
  if (with_uid && !req.has_uid) sep() += "UID " + std::to_string(m.info->uid);
  for (const FetchItem& i : req.items) {
    switch (i.kind) {
      case FetchKind::kFlags:
        sep() += "FLAGS " + FormatFlags(m.info->flags, m.recent);
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
        sep() += "BODY " + mail::RenderBodyStructure(m.tree->root, false, m.rev2);
        break;
      case FetchKind::kBodyStructure:
        sep() += "BODYSTRUCTURE " + mail::RenderBodyStructure(m.tree->root, true, m.rev2);
        break;
      case FetchKind::kRfc822:
        sep() += "RFC822 ";
        out.Literal({0, size});
        break;
      case FetchKind::kRfc822Header:
        sep() += "RFC822.HEADER ";
        out.Literal(Clip(mail::SectionRange(*m.tree, {}, mail::SectionText::kHeader), size));
        break;
      case FetchKind::kRfc822Text:
        sep() += "RFC822.TEXT ";
        out.Literal(Clip(mail::SectionRange(*m.tree, {}, mail::SectionText::kText), size));
        break;
      case FetchKind::kSection: {
        std::string& text = sep();
        text += "BODY[" + i.section_text + "]";
        // RFC 3501 6.4.5: the response names only the origin octet.
        if (i.partial) text += "<" + std::to_string(i.partial->offset) + ">";
        text += ' ';
        if (i.section != SectionKind::kHeaderFields && i.section != SectionKind::kHeaderFieldsNot) {
          out.Literal(SectionOctets(i, m));
          break;
        }
        std::string filtered;
        auto header = mail::SectionRange(*m.tree, i.part, mail::SectionText::kHeader);
        if (header) {
          std::optional<std::string> bytes = m.read(Clip(header, size));
          if (!bytes) return std::nullopt;
          filtered = FilterHeader(*bytes, i.fields, i.section == SectionKind::kHeaderFieldsNot);
        }
        if (i.partial) {
          if (i.partial->offset >= filtered.size())
            filtered.clear();
          else
            filtered = filtered.substr(i.partial->offset, i.partial->length);
        }
        std::replace(filtered.begin(), filtered.end(), '\0', '\x80');  // as in commands/fetch.cpp
        text += Literal(filtered);
        break;
      }
      case FetchKind::kBinary:
      case FetchKind::kBinarySize: {
        const bool want_size = i.kind == FetchKind::kBinarySize;
        std::string& text = sep();
        text += (want_size ? "BINARY.SIZE[" : "BINARY[") + i.section_text + "]";
        if (i.partial) text += "<" + std::to_string(i.partial->offset) + ">";
        text += ' ';
        if (i.part.empty() && want_size) {  // the message itself, as it is
          text += std::to_string(size);
          break;
        }
        std::optional<std::string> decoded = i.part.empty() ? m.read({0, size}) : DecodedPart(i, m);
        if (!decoded) return std::nullopt;
        if (want_size) {
          text += std::to_string(decoded->size());
          break;
        }
        std::string_view bytes = *decoded;
        if (i.partial)
          bytes = i.partial->offset >= bytes.size()
                      ? std::string_view()
                      : bytes.substr(i.partial->offset, i.partial->length);
        // RFC 9051 4.3, 7.5.2: octets with a NUL go as a literal8, others as a literal.
        const bool nul = bytes.find('\0') != std::string_view::npos;
        text += (nul ? "~{" : "{") + std::to_string(bytes.size()) + "}\r\n";
        text += bytes;
        break;
      }
    }
  }
  if (with_flags && !req.has_flags) sep() += "FLAGS " + FormatFlags(m.info->flags, m.recent);
  if (with_modseq && !req.has_modseq) sep() += ModSeqItem(m.info->modseq);
  out.text() += ")\r\n";
  return out.Take();
}

}  // namespace mailsuite::imapd
