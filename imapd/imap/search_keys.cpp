#include "search_keys.h"

#include <algorithm>
#include <charconv>

#include "condstore.h"
#include "format.h"
#include "shared/mail/mime.h"
#include "shared/mail/text_decode.h"

namespace mailsuite::imapd {
namespace {

using Kind = SearchKey::Kind;

class KeyParser {
 public:
  KeyParser(const std::vector<Arg>& args, size_t pos, std::string* error)
      : args_(args), pos_(pos), error_(error) {}

  std::optional<SearchKey> All() {
    SearchKey and_key;
    and_key.kind = Kind::kAnd;
    if (pos_ >= args_.size()) return Fail("Missing search key");
    while (pos_ < args_.size()) {
      auto k = One(0);
      if (!k) return std::nullopt;
      and_key.children.push_back(std::move(*k));
    }
    return and_key;
  }

 private:
  std::optional<SearchKey> Fail(const char* why) {
    if (error_->empty()) *error_ = why;
    return std::nullopt;
  }
  const Arg* Next() { return pos_ < args_.size() ? &args_[pos_++] : nullptr; }
  std::optional<std::string> Text() {
    const Arg* a = Next();
    if (!a || !a->IsAstring()) return std::nullopt;
    return a->text;
  }

  std::optional<SearchKey> One(int depth) {
    if (depth > kMaxSearchDepth) return Fail("Search keys nested too deeply");
    const Arg* a = Next();
    if (!a) return Fail("Missing search key");
    SearchKey k;
    if (a->kind == Arg::Kind::kList) {
      k.kind = Kind::kAnd;
      if (a->items.empty()) return Fail("Empty search key list");
      KeyParser inner(a->items, 0, error_);
      while (inner.pos_ < a->items.size()) {
        auto c = inner.One(depth + 1);
        if (!c) return std::nullopt;
        k.children.push_back(std::move(*c));
      }
      return k;
    }
    if (a->kind != Arg::Kind::kAtom) return Fail("Unexpected string in search keys");
    std::string word = Upper(a->text);
    static const std::pair<const char*, uint32_t> kFlags[] = {{"ANSWERED", store::kFlagAnswered},
                                                              {"DELETED", store::kFlagDeleted},
                                                              {"DRAFT", store::kFlagDraft},
                                                              {"FLAGGED", store::kFlagFlagged},
                                                              {"SEEN", store::kFlagSeen}};
    for (const auto& [name, bit] : kFlags) {
      if (word == name || word == std::string("UN") + name) {
        k.kind = word == name ? Kind::kFlag : Kind::kNotFlag;
        k.flag = bit;
        return k;
      }
    }
    if (word == "ALL") return k;
    if (word == "RECENT" || word == "OLD" || word == "NEW") {
      SearchKey recent;
      recent.kind = Kind::kRecent;
      if (word == "RECENT") return recent;
      if (word == "OLD") {  // NOT RECENT
        k.kind = Kind::kNot;
        k.children.push_back(std::move(recent));
        return k;
      }
      SearchKey unseen;  // NEW: RECENT UNSEEN (RFC 3501 6.4.4)
      unseen.kind = Kind::kNotFlag;
      unseen.flag = store::kFlagSeen;
      k.kind = Kind::kAnd;
      k.children.push_back(std::move(recent));
      k.children.push_back(std::move(unseen));
      return k;
    }
    static const std::pair<const char*, const char*> kHeaders[] = {
        {"FROM", "From"}, {"TO", "To"}, {"CC", "Cc"}, {"BCC", "Bcc"}, {"SUBJECT", "Subject"}};
    for (const auto& [key, field] : kHeaders) {
      if (word != key) continue;
      auto v = Text();
      if (!v) return Fail("Missing search string");
      k.kind = Kind::kHeader;
      k.name = field;
      k.value = *v;
      k.address = word != "SUBJECT";
      return k;
    }
    if (word == "HEADER") {
      auto n = Text();
      auto v = n ? Text() : std::nullopt;
      if (!v) return Fail("Syntax: HEADER field-name string");
      k.kind = Kind::kHeader;
      k.name = *n;
      k.value = *v;
      return k;
    }
    if (word == "BODY" || word == "TEXT" || word == "KEYWORD" || word == "UNKEYWORD") {
      auto v = Text();
      if (!v) return Fail("Missing search string");
      k.kind = word == "BODY"      ? Kind::kBody
               : word == "TEXT"    ? Kind::kText
               : word == "KEYWORD" ? Kind::kKeyword
                                   : Kind::kUnkeyword;
      k.value = *v;
      return k;
    }
    static const std::pair<const char*, Kind> kDates[] = {
        {"BEFORE", Kind::kBefore}, {"ON", Kind::kOn},
        {"SINCE", Kind::kSince},   {"SENTBEFORE", Kind::kSentBefore},
        {"SENTON", Kind::kSentOn}, {"SENTSINCE", Kind::kSentSince}};
    for (const auto& [key, kind] : kDates) {
      if (word != key) continue;
      auto v = Text();
      auto d = v ? ParseSearchDate(*v) : std::nullopt;
      if (!d) return Fail("Invalid search date");
      k.kind = kind;
      k.number = *d;
      return k;
    }
    if (word == "LARGER" || word == "SMALLER") {
      const Arg* n = Next();
      uint64_t v = 0;
      if (!n || n->kind != Arg::Kind::kAtom) return Fail("Invalid number");
      auto [end, ec] = std::from_chars(n->text.data(), n->text.data() + n->text.size(), v);
      if (ec != std::errc() || end != n->text.data() + n->text.size() || v > INT64_MAX)
        return Fail("Invalid number");
      k.kind = word == "LARGER" ? Kind::kLarger : Kind::kSmaller;
      k.number = static_cast<int64_t>(v);
      return k;
    }
    if (word == "MODSEQ") {
      // MODSEQ [entry-name entry-type-req] mod-sequence-valzer (RFC 7162 3.1.5). Flags have
      // no separate private and shared MODSEQs here, so the entry only has to be well-formed.
      const Arg* n = Next();
      if (n && n->kind == Arg::Kind::kString) {
        const Arg* type = Next();
        if (!type || !(type->IsAtom("PRIV") || type->IsAtom("SHARED") || type->IsAtom("ALL")))
          return Fail("Syntax: MODSEQ [entry-name priv|shared|all] mod-sequence");
        n = Next();
      }
      auto v = n ? ParseModSeq(*n, true) : std::nullopt;
      if (!v) return Fail("Invalid MODSEQ mod-sequence");
      k.kind = Kind::kModSeq;
      k.modseq = *v;
      return k;
    }
    if (word == "UID") {
      const Arg* n = Next();
      if (n && n->kind == Arg::Kind::kAtom && n->text == "$") {
        k.kind = Kind::kSaved;
        return k;
      }
      if (!n || n->kind != Arg::Kind::kAtom || !(k.set = SequenceSet::Parse(n->text)))
        return Fail("Invalid UID set");
      k.kind = Kind::kUid;
      return k;
    }
    if (word == "NOT") {
      auto c = One(depth + 1);
      if (!c) return std::nullopt;
      k.kind = Kind::kNot;
      k.children.push_back(std::move(*c));
      return k;
    }
    if (word == "OR") {
      auto c1 = One(depth + 1);
      if (!c1) return std::nullopt;
      auto c2 = One(depth + 1);
      if (!c2) return std::nullopt;
      k.kind = Kind::kOr;
      k.children.push_back(std::move(*c1));
      k.children.push_back(std::move(*c2));
      return k;
    }
    if (a->text == "$") {
      k.kind = Kind::kSaved;
      return k;
    }
    if ((k.set = SequenceSet::Parse(a->text))) {
      k.kind = Kind::kSequence;
      return k;
    }
    return Fail("Unknown search key");
  }

  const std::vector<Arg>& args_;
  size_t pos_;
  std::string* error_;
};

// FROM/TO/CC/BCC also match the addresses as a reader sees them, "Name <local@domain>" without
// comments or folding whitespace: "<a (x)@ (y) b.org>" matches "a@b.org" (as in Dovecot).
bool AddressesContain(std::string_view value, std::string_view needle) {
  for (const mail::EnvelopeAddress& a : mail::ParseAddresses(value)) {
    std::string text = a.name.value_or("");
    text += " <" + a.mailbox.value_or("");
    if (a.host) text += "@" + *a.host;
    text += ">";
    if (ContainsNoCase(text, needle)) return true;
  }
  return false;
}

int64_t Day(int64_t unix_time) {
  return unix_time >= 0 ? unix_time / 86400 : (unix_time - 86399) / 86400;
}

}  // namespace

bool SearchKey::NeedsContent() const {
  switch (kind) {
    case Kind::kHeader:
    case Kind::kBody:
    case Kind::kText:
    case Kind::kSentBefore:
    case Kind::kSentOn:
    case Kind::kSentSince:
      return true;
    default:
      for (const SearchKey& c : children)
        if (c.NeedsContent()) return true;
      return false;
  }
}

bool SearchKey::UsesModSeq() const {
  if (kind == Kind::kModSeq) return true;
  for (const SearchKey& c : children)
    if (c.UsesModSeq()) return true;
  return false;
}

std::optional<SearchKey> ParseSearchKeys(const std::vector<Arg>& args, size_t start,
                                         std::string* error) {
  return KeyParser(args, start, error).All();
}

std::vector<std::string> HeaderValues(std::string_view message, std::string_view name) {
  std::vector<std::string> out;
  bool in_field = false;
  size_t pos = 0;
  while (pos < message.size()) {
    size_t eol = message.find('\n', pos);
    size_t next = eol == std::string_view::npos ? message.size() : eol + 1;
    std::string_view line = message.substr(pos, next - pos);
    pos = next;
    while (!line.empty() && (line.back() == '\n' || line.back() == '\r')) line.remove_suffix(1);
    if (line.empty()) break;  // end of the header
    if (line[0] == ' ' || line[0] == '\t') {
      if (in_field) out.back().append(line);
      continue;
    }
    size_t colon = line.find(':');
    in_field = colon != std::string_view::npos && EqualsNoCase(line.substr(0, colon), name);
    if (in_field) out.emplace_back(line.substr(colon + 1));
  }
  return out;
}

bool MatchSearch(const SearchKey& k, const SearchMessage& m) {
  const store::MessageInfo& info = *m.info;
  switch (k.kind) {
    case Kind::kAll:
      return true;
    case Kind::kNone:
      return false;
    case Kind::kSequence:
      return k.set->Contains(m.seq, m.max_seq);
    case Kind::kUid:
      return k.set->Contains(info.uid, m.max_uid);
    case Kind::kSaved:
      return m.saved && std::binary_search(m.saved->begin(), m.saved->end(), info.uid);
    case Kind::kFlag:
      return (info.flags.system & k.flag) != 0;
    case Kind::kNotFlag:
      return (info.flags.system & k.flag) == 0;
    case Kind::kRecent:
      return m.recent;
    case Kind::kKeyword:
    case Kind::kUnkeyword: {
      bool has = false;
      for (const std::string& kw : info.flags.keywords) has = has || EqualsNoCase(kw, k.value);
      return has == (k.kind == Kind::kKeyword);
    }
    case Kind::kHeader: {
      const std::string* header = m.header();
      if (!header) return false;
      for (const std::string& v : HeaderValues(*header, k.name))
        if (ContainsNoCase(v, k.value) || (k.address && AddressesContain(v, k.value)) ||
            ContainsNoCase(mail::DecodeHeaderText(v), k.value))  // RFC 9051 6.4.4: RFC 2047
          return true;
      return false;
    }
    case Kind::kBody:
      return m.contains(k.value, true);
    case Kind::kText:
      return m.contains(k.value, false);
    case Kind::kBefore:
      return Day(info.internal_date) < k.number;
    case Kind::kOn:
      return Day(info.internal_date) == k.number;
    case Kind::kSince:
      return Day(info.internal_date) >= k.number;
    case Kind::kSentBefore:
    case Kind::kSentOn:
    case Kind::kSentSince: {
      // The Date: header's calendar day; the INTERNALDATE when there is none.
      int64_t day = Day(info.internal_date);
      const std::string* header = m.header();
      if (header) {
        auto dates = HeaderValues(*header, "Date");
        if (!dates.empty())
          if (auto d = Rfc5322Day(dates.front())) day = *d;
      }
      if (k.kind == Kind::kSentBefore) return day < k.number;
      if (k.kind == Kind::kSentOn) return day == k.number;
      return day >= k.number;
    }
    case Kind::kLarger:
      return info.size > k.number;
    case Kind::kSmaller:
      return info.size < k.number;
    case Kind::kModSeq:
      return info.modseq >= k.modseq;
    case Kind::kNot:
      return !MatchSearch(k.children[0], m);
    case Kind::kOr:
      return MatchSearch(k.children[0], m) || MatchSearch(k.children[1], m);
    case Kind::kAnd:
      for (const SearchKey& c : k.children)
        if (!MatchSearch(c, m)) return false;
      return true;
  }
  return false;
}

}  // namespace mailsuite::imapd
