// The parse result as the store's metadata: "MIME" + version byte, then the part tree in
// pre-order. Integers are LEB128 varints; a string is its length then its bytes; an optional
// is a 0/1 byte then the value. The tree, not rendered strings, is kept: BODY[section] needs
// the offsets anyway, rendering is cheap, and later extensions (BINARY, SEARCH by MIME field)
// need the structure.
#include "mime_internal.h"
#include "shared/varint.h"

namespace mailsuite::mail {
namespace {

constexpr std::string_view kMagic = "MIME";
// 2 added the address's route; 1 (no route) still loads.
constexpr char kVersion = 2;
// Looser than MimeLimits' defaults so a tree parsed with raised limits still loads, but bounded
// so garbage cannot recurse deeply or claim huge counts.
constexpr int kMaxDepth = 200;
constexpr uint64_t kMaxOffset = uint64_t{1} << 48;
// The fewest bytes a serialised MimePart takes (all fields empty or absent).
constexpr uint64_t kMinPartSize = 17;

class Writer {
 public:
  void Varint(uint64_t v) { AppendVarint(out_, v); }
  void String(std::string_view s) {
    Varint(s.size());
    out_.append(s);
  }
  void Optional(const std::optional<std::string>& s) {
    out_ += s ? '\1' : '\0';
    if (s) String(*s);
  }
  void Params(const std::vector<MimeParam>& params) {
    Varint(params.size());
    for (const MimeParam& p : params) {
      String(p.attribute);
      String(p.value);
    }
  }
  void Addresses(const std::vector<EnvelopeAddress>& list) {
    Varint(list.size());
    for (const EnvelopeAddress& a : list) {
      Optional(a.name);
      Optional(a.route);
      Optional(a.mailbox);
      Optional(a.host);
    }
  }
  void Envelope(const mail::Envelope& e) {
    Optional(e.date);
    Optional(e.subject);
    Optional(e.in_reply_to);
    Optional(e.message_id);
    for (const auto* list : {&e.from, &e.sender, &e.reply_to, &e.to, &e.cc, &e.bcc})
      Addresses(*list);
  }
  void Part(const MimePart& p) {
    Varint(p.offset);
    Varint(p.header_size);
    Varint(p.body_size);
    Varint(p.body_lines);
    String(p.type);
    String(p.subtype);
    Params(p.params);
    Optional(p.id);
    Optional(p.description);
    Optional(p.md5);
    Optional(p.location);
    String(p.encoding);
    Optional(p.disposition);
    Params(p.disposition_params);
    Varint(p.language.size());
    for (const std::string& tag : p.language) String(tag);
    out_ += p.envelope ? '\1' : '\0';
    if (p.envelope) Envelope(*p.envelope);
    Varint(p.children.size());
    for (const MimePart& child : p.children) Part(child);
  }
  std::string Take() { return std::move(out_); }

 private:
  std::string out_;
};

// Every read checks the remaining input; the first failure sticks and later reads return zeros.
class Reader : public VarintReader {
 public:
  Reader(std::string_view in, char version) : VarintReader(in), version_(version) {}

  bool Flag() {
    char c = Byte();
    if (!ok()) return false;
    if (c != '\0' && c != '\1') Fail();
    return c == '\1';
  }
  std::optional<std::string> Optional() {
    if (!Flag()) return std::nullopt;
    return String();
  }
  std::vector<MimeParam> Params() {
    std::vector<MimeParam> params(Count(2));
    for (MimeParam& p : params) {
      p.attribute = String();
      p.value = String();
    }
    return params;
  }
  std::vector<EnvelopeAddress> Addresses() {
    std::vector<EnvelopeAddress> list(Count(3));
    for (EnvelopeAddress& a : list) {
      a.name = Optional();
      if (version_ >= 2) a.route = Optional();
      a.mailbox = Optional();
      a.host = Optional();
    }
    return list;
  }
  mail::Envelope Envelope() {
    mail::Envelope e;
    e.date = Optional();
    e.subject = Optional();
    e.in_reply_to = Optional();
    e.message_id = Optional();
    for (auto* list : {&e.from, &e.sender, &e.reply_to, &e.to, &e.cc, &e.bcc}) *list = Addresses();
    return e;
  }
  void Part(MimePart& p, int depth) {
    if (depth > kMaxDepth) Fail();
    p.offset = Varint();
    p.header_size = Varint();
    p.body_size = Varint();
    p.body_lines = Varint();
    if (p.offset > kMaxOffset || p.header_size > kMaxOffset || p.body_size > kMaxOffset) Fail();
    p.type = String();
    p.subtype = String();
    p.params = Params();
    p.id = Optional();
    p.description = Optional();
    p.md5 = Optional();
    p.location = Optional();
    p.encoding = String();
    p.disposition = Optional();
    p.disposition_params = Params();
    p.language.resize(Count(1));
    for (std::string& tag : p.language) tag = String();
    if (Flag()) p.envelope = Envelope();
    p.children.resize(Count(kMinPartSize));
    for (MimePart& child : p.children) {
      if (!ok()) break;
      Part(child, depth + 1);
      // A child lies inside its parent's body (offsets are used to slice the content).
      if (child.offset < p.body_offset() || child.offset + child.size() > p.offset + p.size())
        Fail();
    }
    // message/global was a leaf before it was parsed like message/rfc822: both still load.
    const bool global = p.type == "message" && p.subtype == "global";
    bool message = p.type == "message" && p.subtype == "rfc822";
    if (global    ? p.children.size() > 1
        : message ? p.children.size() != 1
                  : (p.type == "multipart") == p.children.empty())
      Fail();
  }

 private:
  char version_;
};

}  // namespace

std::string SerializeMimeTree(const MimeTree& tree) {
  Writer w;
  std::string out(kMagic);
  out += kVersion;
  w.Part(tree.root);
  return out + w.Take();
}

Result<MimeTree> DeserializeMimeTree(std::string_view data) {
  if (data.substr(0, kMagic.size()) != kMagic || data.size() <= kMagic.size())
    return Status::Error("mime metadata: not a serialised MIME tree");
  char version = data[kMagic.size()];
  if (version < 1 || version > kVersion)
    return Status::Error("mime metadata: unknown version " +
                         std::to_string(static_cast<unsigned char>(version)));
  Reader r(data.substr(kMagic.size() + 1), version);
  MimeTree tree;
  r.Part(tree.root, 0);
  if (!r.ok() || !r.AtEnd()) return Status::Error("mime metadata: corrupt");
  if (!tree.root.envelope || tree.root.offset != 0)
    return Status::Error("mime metadata: not a message");
  return tree;
}

}  // namespace mailsuite::mail
