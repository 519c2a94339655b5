// ParseMime: the part tree of a message (RFC 2045, RFC 2046 5.1.1, 5.2.1). One pass per nesting
// level over the bytes of that level, so the cost is O(size x depth) with depth <= max_depth;
// the input is never copied.
#include <algorithm>
#include <cstring>

#include "mime_internal.h"

namespace mailsuite::mail {
namespace {

using mime_internal::HeaderField;

enum class Delimiter { kNone, kOpen, kClose };

class Parser {
 public:
  Parser(std::string_view text, const MimeLimits& limits) : text_(text), limits_(limits) {}

  // Fills `part` from the entity text_[begin, end). `digest` makes message/rfc822 the default
  // type (RFC 2046 5.1.5); `is_message` adds the envelope.
  void Part(MimePart& part, size_t begin, size_t end, int depth, bool digest, bool is_message) {
    ++parts_;
    part.offset = begin;
    std::vector<HeaderField> fields;
    part.header_size = mime_internal::ScanHeader(text_.substr(begin, end - begin), fields);
    part.body_size = end - begin - part.header_size;
    ReadMimeFields(part, fields, digest);
    if (is_message) part.envelope = mime_internal::BuildEnvelope(fields);

    const size_t body = begin + part.header_size;
    bool composite = part.type == "multipart" || part.IsEncapsulating();
    if (composite && (depth >= limits_.max_depth || parts_ >= limits_.max_parts)) {
      MakeOpaque(part);
    } else if (part.type == "multipart") {
      Multipart(part, body, end, depth);
    } else if (part.IsEncapsulating()) {
      part.children.resize(1);
      Part(part.children[0], body, end, depth + 1, /*digest=*/false, /*is_message=*/true);
    }
    if (part.type == "text" || part.IsMessage()) part.body_lines = CountLines(body, end);
  }

 private:
  static void ReadMimeFields(MimePart& part, const std::vector<HeaderField>& fields, bool digest) {
    const HeaderField* ct = mime_internal::FindField(fields, "Content-Type");
    if (ct == nullptr ||
        !mime_internal::ParseContentType(ct->value, part.type, part.subtype, part.params)) {
      if (digest) {
        part.type = "message";
        part.subtype = "rfc822";
      } else {
        SetPlainText(part);  // RFC 2045 5.2: absent or invalid
      }
    }
    if (part.type == "text" && !HasParam(part, "charset"))
      part.params.push_back({"charset", "US-ASCII"});  // RFC 2046 4.1.2
    if (const HeaderField* f = mime_internal::FindField(fields, "Content-Transfer-Encoding"))
      part.encoding = mime_internal::ParseEncoding(f->value);
    if (const HeaderField* f = mime_internal::FindField(fields, "Content-ID"))
      part.id = mime_internal::Unfold(f->value);
    if (const HeaderField* f = mime_internal::FindField(fields, "Content-Description"))
      part.description = mime_internal::Unfold(f->value);
    if (const HeaderField* f = mime_internal::FindField(fields, "Content-MD5"))
      part.md5 = mime_internal::Unfold(f->value);
    if (const HeaderField* f = mime_internal::FindField(fields, "Content-Location"))
      part.location = mime_internal::Unfold(f->value);
    if (const HeaderField* f = mime_internal::FindField(fields, "Content-Language"))
      part.language = mime_internal::ParseLanguage(f->value);
    if (const HeaderField* f = mime_internal::FindField(fields, "Content-Disposition")) {
      std::string type;
      if (mime_internal::ParseDisposition(f->value, type, part.disposition_params))
        part.disposition = std::move(type);
    }
  }

  static bool HasParam(const MimePart& part, std::string_view attribute) {
    for (const MimeParam& p : part.params)
      if (p.attribute == attribute) return true;
    return false;
  }

  static void SetPlainText(MimePart& part) {
    part.type = "text";
    part.subtype = "plain";
    part.params = {{"charset", "US-ASCII"}};
  }

  static void MakeOpaque(MimePart& part) {
    part.type = "application";
    part.subtype = "octet-stream";
    part.children.clear();
  }

  void Multipart(MimePart& part, size_t body, size_t end, int depth) {
    std::string boundary;
    for (const MimeParam& p : part.params)
      if (p.attribute == "boundary") boundary = p.value;
    bool digest = part.subtype == "digest";
    if (!boundary.empty()) {
      size_t part_start = std::string_view::npos;  // none open yet: still in the preamble
      for (size_t line = NextDashLine(body, end); line < end;) {
        Delimiter d = Classify(line, end, boundary);
        size_t next = LineEnd(line, end);
        if (d != Delimiter::kNone) {
          if (part_start != std::string_view::npos)
            AddChild(part, part_start, BeforeLineBreak(line, part_start), depth, digest);
          part_start = next;
          if (d == Delimiter::kClose || parts_ >= limits_.max_parts) {
            part_start = std::string_view::npos;  // the rest is epilogue
            break;
          }
        }
        line = NextDashLine(next, end);
      }
      if (part_start != std::string_view::npos) AddChild(part, part_start, end, depth, digest);
    }
    if (part.children.empty()) SetPlainText(part);  // unsplittable: one text body
  }

  void AddChild(MimePart& part, size_t begin, size_t end, int depth, bool digest) {
    if (parts_ >= limits_.max_parts) return;
    part.children.emplace_back();
    Part(part.children.back(), begin, end, depth + 1, digest, /*is_message=*/false);
  }

  // The first line starting at or after the line start `pos` that begins with "--", or `end`.
  size_t NextDashLine(size_t pos, size_t end) const {
    while (pos + 2 <= end) {
      if (text_[pos] == '-' && text_[pos + 1] == '-') return pos;
      const void* nl = std::memchr(text_.data() + pos, '\n', end - pos);
      if (nl == nullptr) break;
      pos = static_cast<size_t>(static_cast<const char*>(nl) - text_.data()) + 1;
    }
    return end;
  }

  // Just past the line break of the line at `pos` (or `end`).
  size_t LineEnd(size_t pos, size_t end) const {
    const void* nl = std::memchr(text_.data() + pos, '\n', end - pos);
    return nl == nullptr ? end
                         : static_cast<size_t>(static_cast<const char*>(nl) - text_.data()) + 1;
  }

  // The CRLF (or LF) before a delimiter belongs to the delimiter (RFC 2046 5.1.1).
  size_t BeforeLineBreak(size_t line, size_t floor) const {
    size_t e = line;
    if (e > floor && text_[e - 1] == '\n') --e;
    if (e > floor && text_[e - 1] == '\r') --e;
    return e;
  }

  // "--boundary" then transport padding (open), or "--boundary--" (close; anything may follow).
  Delimiter Classify(size_t line, size_t end, std::string_view boundary) const {
    std::string_view rest = text_.substr(line + 2, LineEnd(line, end) - line - 2);
    if (rest.substr(0, boundary.size()) != boundary) return Delimiter::kNone;
    rest.remove_prefix(boundary.size());
    if (rest.substr(0, 2) == "--") return Delimiter::kClose;
    for (char c : rest)
      if (c != ' ' && c != '\t' && c != '\r' && c != '\n') return Delimiter::kNone;
    return Delimiter::kOpen;
  }

  uint64_t CountLines(size_t begin, size_t end) const {
    if (begin >= end) return 0;
    auto first = text_.begin() + static_cast<std::ptrdiff_t>(begin);
    auto last = text_.begin() + static_cast<std::ptrdiff_t>(end);
    auto lf = static_cast<uint64_t>(std::count(first, last, '\n'));
    return lf + (text_[end - 1] != '\n' ? 1 : 0);
  }

  std::string_view text_;
  MimeLimits limits_;
  size_t parts_ = 0;
};

void Shift(MimePart& part, uint64_t by) {
  part.offset += by;
  for (MimePart& child : part.children) Shift(child, by);
}

}  // namespace

MimeTree ParseMime(std::string_view message, const MimeLimits& limits) {
  MimeTree tree;
  Parser(message, limits)
      .Part(tree.root, 0, message.size(), 0, /*digest=*/false,
            /*is_message=*/true);
  return tree;
}

void AddHeaderPrefix(MimeTree& tree, uint64_t prefix_size) {
  for (MimePart& child : tree.root.children) Shift(child, prefix_size);
  tree.root.header_size += prefix_size;
}

}  // namespace mailsuite::mail
