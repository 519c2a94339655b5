// CREATE (with RFC 6154 USE), DELETE, RENAME, SUBSCRIBE and UNSUBSCRIBE (RFC 3501 6.3.3-6.3.7).
// Names are kept as the client wrote them (modified UTF-7; UTF-8 after ENABLE UTF8=ACCEPT is
// converted to it by the session); only "INBOX" is case-folded.
#include "../format.h"
#include "../mailbox_utf7.h"
#include "../session.h"

namespace mailsuite::imapd {
namespace {

// A name the store can hold: not empty, no empty hierarchy level, no wildcard, and valid
// modified UTF-7 (RFC 3501 5.1.3), so that every stored name also has a UTF-8 spelling for
// UTF8=ACCEPT sessions (whose UTF-8 names arrive here already converted).
bool ValidName(const std::string& name) {
  if (name.empty() || name.front() == '/' || name.back() == '/') return false;
  if (name.find("//") != std::string::npos) return false;
  for (unsigned char ch : name)
    if (ch == '*' || ch == '%') return false;
  auto utf8 = MailboxUtf7ToUtf8(name);  // refuses raw controls and 8-bit octets
  if (!utf8) return false;
  for (size_t i = 0; i < utf8->size(); ++i) {
    const auto ch = static_cast<unsigned char>((*utf8)[i]);
    if (ch < 0x20 || ch == 0x7f) return false;  // nor encoded ones
    // RFC 9051 5.1 (Net-Unicode, RFC 5198 2): no C1 controls, U+0080..U+009F = C2 80..C2 9F.
    if (ch == 0xc2 && i + 1 < utf8->size() && static_cast<unsigned char>((*utf8)[i + 1]) < 0xa0)
      return false;
  }
  return true;
}

std::optional<store::Mailbox> Find(ImapSession& s, const std::string& name, bool& failed) {
  auto m = s.store().GetMailbox(s.user->id, name);
  failed = !m.ok();
  if (failed) {
    s.log().Error("get mailbox: " + m.error());
    return std::nullopt;
  }
  return *m;
}

// CREATE-SPECIAL-USE (RFC 6154 3): "(USE (\Sent))". One attribute of a real mailbox; \All
// and \Flagged would need virtual mailboxes. Empty when there is none; nullopt when refused.
std::optional<std::string> UseAttribute(const Arg& params) {
  if (params.items.size() != 2 || !params.items[0].IsAtom("USE") ||
      params.items[1].kind != Arg::Kind::kList || params.items[1].items.size() > 1)
    return std::nullopt;
  if (params.items[1].items.empty()) return "";
  const Arg& a = params.items[1].items[0];
  for (const char* use : {"\\Archive", "\\Drafts", "\\Junk", "\\Sent", "\\Trash"})
    if (a.kind == Arg::Kind::kAtom && EqualsNoCase(a.text, use)) return std::string(use);
  return std::nullopt;
}

}  // namespace

void HandleCreate(ImapSession& s, const Command& c) {
  if (c.args.empty() || c.args.size() > 2 || !c.args[0].IsAstring() ||
      (c.args.size() == 2 && c.args[1].kind != Arg::Kind::kList))
    return s.Bad(c, "Syntax: CREATE mailbox [(USE (attribute))]");
  std::string use;
  if (c.args.size() == 2) {
    auto u = UseAttribute(c.args[1]);
    if (!u) return s.No(c, "[USEATTR] Unsupported special-use attribute");
    use = *u;
  }
  std::string name = s.MailboxArg(c.args[0].text);
  // RFC 3501 6.3.3: a trailing delimiter only says the client means to create children.
  if (!name.empty() && name.back() == '/') name.pop_back();
  if (!ValidName(name)) return s.No(c, "[CANNOT] Invalid mailbox name");
  bool failed = false;
  if (Find(s, name, failed) || name == "INBOX")
    return s.No(c, "[ALREADYEXISTS] Mailbox already exists");
  if (failed) return s.No(c, "[SERVERBUG] Cannot create mailbox");
  auto r = s.store().CreateMailbox(s.user->id, name, use);
  if (!r) {
    if (r.status().no_space()) return s.NoAfterStoreError(c, r.status(), "create", "");
    s.log().Info("create " + Printable(name) + ": " + r.error());
    return s.No(c, "[CANNOT] Cannot create mailbox");
  }
  s.Ok(c, "CREATE completed");
}

void HandleDelete(ImapSession& s, const Command& c) {
  if (c.args.size() != 1 || !c.args[0].IsAstring()) return s.Bad(c, "Syntax: DELETE mailbox");
  std::string name = s.MailboxArg(c.args[0].text);
  if (name == "INBOX") return s.No(c, "[CANNOT] INBOX cannot be deleted");
  bool failed = false;
  auto box = Find(s, name, failed);
  if (!box)
    return s.No(c, failed ? "[SERVERBUG] Cannot delete mailbox" : "[NONEXISTENT] No such mailbox");
  // RFC 9051 6.3.5: a mailbox with children is not deleted (nor made \Noselect): NO with
  // HASCHILDREN, so the client can say why.
  auto children = HasChildMailboxes(s, name);
  if (!children) {
    s.log().Error("delete: " + children.error());
    return s.No(c, "[SERVERBUG] Cannot delete mailbox");
  }
  if (*children) return s.No(c, "[HASCHILDREN] Delete the mailboxes below it first");
  if (s.selected && s.selected->mailbox().id == box->id) s.Deselect();
  Status st = s.store().DeleteMailbox(s.user->id, name);
  if (!st.ok()) {
    s.log().Info("delete " + Printable(name) + ": " + st.message());
    return s.No(c, "[CANNOT] Cannot delete mailbox");
  }
  s.Ok(c, "DELETE completed");
}

void HandleRename(ImapSession& s, const Command& c) {
  if (c.args.size() != 2 || !c.args[0].IsAstring() || !c.args[1].IsAstring())
    return s.Bad(c, "Syntax: RENAME from to");
  std::string from = s.MailboxArg(c.args[0].text);
  std::string to = s.MailboxArg(c.args[1].text);
  if (!to.empty() && to.back() == '/') to.pop_back();
  if (!ValidName(to)) return s.No(c, "[CANNOT] Invalid mailbox name");
  bool failed = false;
  auto box = Find(s, from, failed);
  if (!box) return s.No(c, failed ? "[SERVERBUG] Cannot rename" : "[NONEXISTENT] No such mailbox");
  if (to == "INBOX" || Find(s, to, failed))
    return s.No(c, "[ALREADYEXISTS] Target mailbox already exists");
  // RFC 3501 6.3.5: renaming INBOX moves its messages into a new mailbox; INBOX stays.
  Status st = s.store().RenameMailbox(s.user->id, from, to);
  if (!st.ok()) {
    if (st.no_space()) return s.NoAfterStoreError(c, st, "rename", "");
    s.log().Info("rename " + Printable(from) + ": " + st.message());
    return s.No(c, "[CANNOT] Cannot rename mailbox");
  }
  s.Ok(c, "RENAME completed");
}

namespace {

void Subscribe(ImapSession& s, const Command& c, bool on) {
  if (c.args.size() != 1 || !c.args[0].IsAstring())
    return s.Bad(c, on ? "Syntax: SUBSCRIBE mailbox" : "Syntax: UNSUBSCRIBE mailbox");
  std::string name = s.MailboxArg(c.args[0].text);
  Status st = s.store().SetSubscribed(s.user->id, name, on);
  if (!st.ok()) {  // SUBSCRIBE of a name with no mailbox (UNSUBSCRIBE always succeeds)
    s.log().Info("subscribe " + Printable(name) + ": " + st.message());
    return s.No(c, "[NONEXISTENT] No such mailbox");
  }
  s.Ok(c, on ? "SUBSCRIBE completed" : "UNSUBSCRIBE completed");
}

}  // namespace

void HandleSubscribe(ImapSession& s, const Command& c) { Subscribe(s, c, true); }
void HandleUnsubscribe(ImapSession& s, const Command& c) { Subscribe(s, c, false); }

}  // namespace mailsuite::imapd
