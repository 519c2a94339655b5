// STORE and UID STORE (RFC 3501 6.4.6): FLAGS, +FLAGS, -FLAGS with or without .SILENT. The new
// flags are reported with "* n FETCH (FLAGS …)" (plus UID for UID STORE) unless .SILENT; the
// view takes the store's answer, so the change is not reported twice.
#include "../format.h"
#include "../session.h"

namespace mailsuite::imapd {

void HandleStore(ImapSession& s, const Command& c, bool uid) {
  if (c.args.size() < 3 || c.args[1].kind != Arg::Kind::kAtom)
    return s.Bad(c, "Syntax: STORE sequence-set [+|-]FLAGS[.SILENT] (flags)");
  std::string item = Upper(c.args[1].text);
  store::FlagOperation op = store::FlagOperation::kReplace;
  if (!item.empty() && item[0] == '+') {
    op = store::FlagOperation::kAdd;
    item.erase(0, 1);
  } else if (!item.empty() && item[0] == '-') {
    op = store::FlagOperation::kRemove;
    item.erase(0, 1);
  }
  bool silent = item == "FLAGS.SILENT";
  if (item != "FLAGS" && !silent) return s.Bad(c, "Unknown STORE item");
  std::vector<Arg> flag_args;
  if (c.args.size() == 3 && c.args[2].kind == Arg::Kind::kList)
    flag_args = c.args[2].items;
  else
    flag_args.assign(c.args.begin() + 2, c.args.end());
  auto flags = ParseFlags(flag_args);
  if (!flags) return s.Bad(c, "Invalid flag");
  auto seqs = ResolveSet(s, c, c.args[0], uid);
  if (!seqs) return;
  MailboxView& view = *s.selected;
  if (view.read_only()) return s.No(c, "[READ-ONLY] Mailbox is read-only");
  std::vector<uint32_t> uids;
  for (size_t seq : *seqs) uids.push_back(view.at(seq).uid);
  if (!uids.empty()) {
    auto r = s.store().UpdateFlags(view.mailbox().id, uids, op, *flags);
    if (!r) {
      s.log().Error("store flags: " + r.error());
      return s.No(c, "[SERVERBUG] Cannot store flags");
    }
    for (const store::MessageInfo& m : r->updated)
      if (size_t seq = view.SeqOfUid(m.uid)) view.at(seq).flags = m.flags;
  }
  if (!silent) {
    std::string out;
    for (size_t seq : *seqs) {
      const store::MessageInfo& m = view.at(seq);
      out += "* " + std::to_string(seq) + " FETCH (";
      if (uid) out += "UID " + std::to_string(m.uid) + " ";
      out += "FLAGS " + FormatFlags(m.flags) + ")\r\n";
    }
    s.Write(out);
  }
  s.Ok(c, uid ? "UID STORE completed" : "STORE completed");
}

}  // namespace mailsuite::imapd
