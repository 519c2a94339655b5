// LIST and LSUB (RFC 3501 6.3.8, 6.3.9): reference + pattern with "*" (any characters) and
// "%" (any but the "/" delimiter). Parents of existing mailboxes that are not mailboxes
// themselves are listed \Noselect; every LIST entry says \HasChildren or \HasNoChildren
// (RFC 3348) and carries its special-use attribute (RFC 6154 allows it without the extension).
// INBOX matches case-insensitively (RFC 3501 5.1). Of LIST-EXTENDED (RFC 5258) only what
// SPECIAL-USE needs is accepted (RFC 6154 2): the selection option (SPECIAL-USE), which lists
// only mailboxes with a special use, and the return options SPECIAL-USE and CHILDREN, whose
// attributes are always sent anyway.
#include <map>
#include <set>

#include "../format.h"
#include "../mailbox_pattern.h"
#include "../session.h"

namespace mailsuite::imapd {
namespace {

std::string Join(const std::string& reference, const std::string& pattern) {
  if (reference.empty() || (!pattern.empty() && pattern[0] == '/')) return pattern;
  return reference + pattern;
}

// Whether an option list names SPECIAL-USE; nullopt for an option we do not know (CHILDREN
// is a return option only, RFC 5258 4).
std::optional<bool> SpecialUseOption(const Arg& list, bool allow_children) {
  bool special_use = false;
  for (const Arg& a : list.items) {
    if (a.IsAtom("SPECIAL-USE"))
      special_use = true;
    else if (!allow_children || !a.IsAtom("CHILDREN"))
      return std::nullopt;
  }
  return special_use;
}

void ListOrLsub(ImapSession& s, const Command& c, bool lsub) {
  const char* verb = lsub ? "LSUB" : "LIST";
  std::vector<Arg> args = c.args;
  bool only_special = false;
  if (!lsub && !args.empty() && args[0].kind == Arg::Kind::kList) {
    auto opt = SpecialUseOption(args[0], false);
    if (!opt) return s.Bad(c, "Unsupported LIST selection option");
    only_special = *opt;
    args.erase(args.begin());
  }
  if (!lsub && args.size() == 4 && args[2].IsAtom("RETURN") && args[3].kind == Arg::Kind::kList) {
    if (!SpecialUseOption(args[3], true)) return s.Bad(c, "Unsupported LIST return option");
    args.resize(2);
  }
  if (args.size() != 2 || !args[0].IsAstring() || !args[1].IsAstring())
    return s.Bad(c, std::string("Syntax: ") + verb + " reference pattern");
  if (args[1].text.empty()) {
    // RFC 3501 6.3.8: the delimiter and the root of the reference.
    if (!lsub) s.Untagged("LIST (\\Noselect) \"/\" \"\"");
    return s.Ok(c, std::string(verb) + " completed");
  }
  std::string pattern = Join(args[0].text, args[1].text);
  auto boxes = s.store().ListMailboxes(s.user->id);
  if (!boxes) {
    s.log().Error("list mailboxes: " + boxes.error());
    return s.No(c, "[SERVERBUG] Cannot list mailboxes");
  }
  // name -> the mailbox (nullptr for a parent that only exists through its children)
  std::map<std::string, const store::Mailbox*> names;
  for (const store::Mailbox& m : *boxes) {
    if (lsub && !m.subscribed) continue;
    names[m.name] = &m;
    if (lsub) continue;
    for (size_t p = m.name.find('/'); p != std::string::npos; p = m.name.find('/', p + 1))
      names.emplace(m.name.substr(0, p), nullptr);
  }
  std::string out;
  for (auto it = names.begin(); it != names.end(); ++it) {
    const std::string& name = it->first;
    if (!MatchMailboxPattern(pattern, name)) continue;
    if (only_special && (!it->second || it->second->special_use.empty())) continue;
    std::string attrs;
    auto add = [&attrs](std::string_view a) {
      if (!attrs.empty()) attrs += ' ';
      attrs += a;
    };
    if (!it->second) add("\\Noselect");
    if (!lsub) {
      auto next = std::next(it);
      bool children = next != names.end() && next->first.size() > name.size() &&
                      next->first.compare(0, name.size(), name) == 0 &&
                      next->first[name.size()] == '/';
      // "INBOX" sorts before "INBOX/…" but other names may sit between; search properly.
      if (!children) {
        auto lb = names.lower_bound(name + "/");
        children = lb != names.end() && lb->first.compare(0, name.size() + 1, name + "/") == 0;
      }
      add(children ? "\\HasChildren" : "\\HasNoChildren");
      if (it->second && !it->second->special_use.empty()) add(it->second->special_use);
    }
    out += std::string("* ") + verb + " (" + attrs + ") \"/\" " + Quote(name) + "\r\n";
  }
  s.Write(out);
  s.Ok(c, std::string(verb) + " completed");
}

}  // namespace

void HandleList(ImapSession& s, const Command& c) { ListOrLsub(s, c, false); }
void HandleLsub(ImapSession& s, const Command& c) { ListOrLsub(s, c, true); }

}  // namespace mailsuite::imapd
