// LIST and LSUB (RFC 3501 6.3.8, 6.3.9) with LIST-EXTENDED (RFC 5258), SPECIAL-USE (RFC 6154)
// and LIST-STATUS (RFC 5819). Patterns: "*" any characters, "%" any but the "/" delimiter;
// INBOX matches case-insensitively (RFC 3501 5.1); several patterns list each name once.
// Every LIST entry says \HasChildren or \HasNoChildren (RFC 3348) and carries its special-use
// attribute (RFC 6154 allows both without being asked).
// A parent that exists only through its children is \Noselect in the base form; when a
// selection option is given it is listed only for RECURSIVEMATCH, as \NonExistent (RFC 5258
// 3.4). A name with a mailbox behind it is never \NonExistent: a client would stop using the
// folder. A subscription outlives its mailbox (RFC 3501 6.3.6): such a name is listed only when
// subscriptions are asked for, as \NonExistent \Subscribed (RFC 5258 5, example 5.3), and in
// LSUB as \Noselect. Names are matched and shown as the session spells them (UTF-8 after
// UTF8=ACCEPT).
#include <algorithm>
#include <map>
#include <set>

#include "../format.h"
#include "../list_request.h"
#include "../mailbox_pattern.h"
#include "../session.h"
#include "../status_items.h"

namespace mailsuite::imapd {
namespace {

std::string Join(const std::string& reference, const std::string& pattern) {
  if (reference.empty() || (!pattern.empty() && pattern[0] == '/')) return pattern;
  return reference + pattern;
}

struct Entry {
  const store::Mailbox* mailbox = nullptr;  // nullptr: a parent or a subscription only
  bool subscribed = false;
  bool exists_in_tree = false;  // a mailbox, or a parent of one (what LIST shows without options)
};
using Names = std::map<std::string, Entry>;  // display name -> entry, sorted

bool HasChildren(const Names& names, const std::string& name) {
  const std::string prefix = name + "/";
  for (auto it = names.lower_bound(prefix);
       it != names.end() && it->first.compare(0, prefix.size(), prefix) == 0; ++it)
    if (it->second.exists_in_tree) return true;  // a bare subscription is not a child mailbox
  return false;
}

class Lister {
 public:
  Lister(ImapSession& s, const ListRequest& r, const Names& names) : s_(s), r_(r), names_(names) {
    for (const std::string& p : r.patterns) patterns_.push_back(Join(r.reference, p));
    if (!r.recursive_match) return;
    // RECURSIVEMATCH: a name gets CHILDINFO when a descendant meets the criteria but not the
    // pattern (RFC 5258 3). One pass marking ancestors keeps it linear in the names.
    for (const auto& [name, entry] : names) {
      if (!Selected(entry) || Matches(name)) continue;
      for (size_t p = name.find('/'); p != std::string::npos; p = name.find('/', p + 1))
        child_info_.insert(name.substr(0, p));
    }
  }

  bool Matches(const std::string& name) const {
    for (const std::string& p : patterns_)
      if (MatchMailboxPattern(p, name)) return true;
    return false;
  }

  // The selection criteria other than the pattern (RFC 5258 3).
  bool Selected(const Entry& e) const {
    if (r_.select_subscribed && !e.subscribed) return false;
    if (!e.exists_in_tree && !r_.select_subscribed) return false;  // a bare subscription
    if (r_.select_special_use && !(e.mailbox && !e.mailbox->special_use.empty())) return false;
    return true;
  }

  // The "* LIST …" line (and "* STATUS …" for LIST-STATUS) of one name, or nothing.
  std::string Render(const std::string& name, const Entry& e) const {
    if (!Matches(name)) return "";
    bool child_info = child_info_.count(name) > 0;
    if (!Selected(e) && !child_info) return "";
    std::string attrs;
    auto add = [&attrs](std::string_view a) {
      if (!attrs.empty()) attrs += ' ';
      attrs += a;
    };
    if (!e.mailbox) add(r_.HasSelection() ? "\\NonExistent" : "\\Noselect");
    add(HasChildren(names_, name) ? "\\HasChildren" : "\\HasNoChildren");
    if (e.mailbox && !e.mailbox->special_use.empty()) add(e.mailbox->special_use);
    if (r_.return_subscribed && e.subscribed) add("\\Subscribed");
    std::string out = "* LIST (" + attrs + ") \"/\" " + s_.QuoteMailbox(name);
    if (child_info) {
      std::string criteria;
      if (r_.select_subscribed) criteria += "\"SUBSCRIBED\"";
      if (r_.select_special_use)
        criteria += std::string(criteria.empty() ? "" : " ") + "\"SPECIAL-USE\"";
      out += " (\"CHILDINFO\" (" + criteria + "))";
    }
    out += "\r\n";
    if (r_.status_items && e.mailbox) {
      auto status = StatusResponse(s_, *e.mailbox, *r_.status_items);
      if (status)
        out += "* " + *status + "\r\n";
      else
        s_.log().Error("list-status: " + status.error());  // RFC 5819: the entry goes without
    }
    return out;
  }

 private:
  ImapSession& s_;
  const ListRequest& r_;
  const Names& names_;
  std::vector<std::string> patterns_;
  std::set<std::string> child_info_;
};

void List(ImapSession& s, const Command& c) {
  std::string error;
  auto request = ParseListRequest(c.args, error);
  if (!request) return s.Bad(c, error);
  if (request->patterns.size() == 1 && request->patterns[0].empty() && !request->extended) {
    // RFC 3501 6.3.8: the delimiter and the root of the reference (the basic syntax only;
    // RFC 9051 6.3.9: in the extended syntax an empty pattern is ignored).
    s.Untagged("LIST (\\Noselect) \"/\" \"\"");
    return s.Ok(c, "LIST completed");
  }
  auto boxes = s.store().ListMailboxes(s.user->id);
  if (!boxes) {
    s.log().Error("list mailboxes: " + boxes.error());
    return s.No(c, "[SERVERBUG] Cannot list mailboxes");
  }
  Names names;
  for (const store::Mailbox& m : *boxes) {
    std::string name = s.MailboxDisplay(m.name);
    Entry& e = names[name];
    e.mailbox = &m;
    e.exists_in_tree = true;
    for (size_t p = name.find('/'); p != std::string::npos; p = name.find('/', p + 1))
      names[name.substr(0, p)].exists_in_tree = true;
  }
  if (request->select_subscribed || request->return_subscribed) {
    auto subscribed = s.store().ListSubscriptions(s.user->id);
    if (!subscribed) {
      s.log().Error("list subscriptions: " + subscribed.error());
      return s.No(c, "[SERVERBUG] Cannot list mailboxes");
    }
    for (const std::string& stored : *subscribed) names[s.MailboxDisplay(stored)].subscribed = true;
  }
  Lister lister(s, *request, names);
  std::string out;
  for (const auto& [name, entry] : names) out += lister.Render(name, entry);
  s.Write(out);
  s.Ok(c, "LIST completed");
}

// LSUB: subscribed mailboxes only, base syntax only.
void Lsub(ImapSession& s, const Command& c) {
  if (c.args.size() != 2 || !c.args[0].IsAstring() || !c.args[1].IsAstring())
    return s.Bad(c, "Syntax: LSUB reference pattern");
  if (c.args[1].text.empty()) return s.Ok(c, "LSUB completed");
  std::string pattern = Join(c.args[0].text, c.args[1].text);
  auto boxes = s.store().ListMailboxes(s.user->id);
  auto subscribed = s.store().ListSubscriptions(s.user->id);
  if (!boxes || !subscribed) {
    s.log().Error("lsub: " + (boxes ? subscribed.error() : boxes.error()));
    return s.No(c, "[SERVERBUG] Cannot list mailboxes");
  }
  std::set<std::string> existing;
  for (const store::Mailbox& m : *boxes) existing.insert(m.name);
  std::map<std::string, bool> names;  // display name -> selectable; sorted like LIST
  for (const std::string& stored : *subscribed)
    names[s.MailboxDisplay(stored)] = existing.count(stored) > 0;
  // RFC 3501 6.3.9: when "%" stops above a subscribed name ("a/%" against "a/b/c"), the level
  // it stops at ("a/b") is listed \Noselect unless it is subscribed itself.
  std::string deep = pattern;  // the pattern with "%" free to cross levels
  std::replace(deep.begin(), deep.end(), '%', '*');
  std::map<std::string, bool> parents;
  for (const auto& [name, selectable] : names) {
    if (MatchMailboxPattern(pattern, name) || !MatchMailboxPattern(deep, name)) continue;
    for (size_t slash = name.find('/'); slash != std::string::npos;
         slash = name.find('/', slash + 1)) {
      std::string parent = name.substr(0, slash);
      if (!names.count(parent) && MatchMailboxPattern(pattern, parent)) parents[parent] = false;
    }
  }
  names.merge(parents);
  std::string out;
  for (const auto& [name, selectable] : names) {
    if (!MatchMailboxPattern(pattern, name)) continue;
    out += std::string("* LSUB (") + (selectable ? "" : "\\Noselect") + ") \"/\" " +
           s.QuoteMailbox(name) + "\r\n";
  }
  s.Write(out);
  s.Ok(c, "LSUB completed");
}

}  // namespace

Result<bool> HasChildMailboxes(ImapSession& s, const std::string& name) {
  auto boxes = s.store().ListMailboxes(s.user->id);  // this user's names only
  if (!boxes) return boxes.status();
  const std::string prefix = name + "/";
  for (const store::Mailbox& m : *boxes)
    if (m.name.compare(0, prefix.size(), prefix) == 0) return true;
  return false;
}

Result<std::string> SelectedListLine(ImapSession& s, const store::Mailbox& mailbox) {
  auto children = HasChildMailboxes(s, mailbox.name);
  if (!children) return children.status();
  std::string attrs = *children ? "\\HasChildren" : "\\HasNoChildren";
  if (!mailbox.special_use.empty()) attrs += " " + mailbox.special_use;
  if (mailbox.subscribed) attrs += " \\Subscribed";
  return "* LIST (" + attrs + ") \"/\" " + s.MailboxOut(mailbox.name) + "\r\n";
}

void HandleList(ImapSession& s, const Command& c) { List(s, c); }
void HandleLsub(ImapSession& s, const Command& c) { Lsub(s, c); }

}  // namespace mailsuite::imapd
