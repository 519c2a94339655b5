#include "status_items.h"

#include "format.h"
#include "session.h"

namespace mailsuite::imapd {

std::optional<std::vector<std::string>> ParseStatusItems(const Arg& list, std::string& error) {
  static const char* const kKnown[] = {"MESSAGES", "RECENT",         "UIDNEXT",     "UIDVALIDITY",
                                       "UNSEEN",   "SIZE",           "APPENDLIMIT", "HIGHESTMODSEQ",
                                       "DELETED",  "DELETED-STORAGE"};
  if (list.kind != Arg::Kind::kList || list.items.empty()) {
    error = "Expected a list of STATUS items";
    return std::nullopt;
  }
  std::vector<std::string> items;
  for (const Arg& a : list.items) {
    std::string item = Upper(a.text);
    bool known = false;
    for (const char* k : kKnown) known = known || item == k;
    if (a.kind != Arg::Kind::kAtom || !known) {
      error = "Unknown STATUS item";
      return std::nullopt;
    }
    items.push_back(std::move(item));
  }
  return items;
}

Result<std::string> StatusResponse(ImapSession& s, const store::Mailbox& m,
                                   const std::vector<std::string>& items) {
  std::string out;
  for (const std::string& item : items) {
    uint64_t value = 0;
    if (item == "MESSAGES") {
      value = m.messages;
    } else if (item == "UIDNEXT") {
      value = m.uid_next;
    } else if (item == "UIDVALIDITY") {
      value = m.uid_validity;
    } else if (item == "HIGHESTMODSEQ") {
      s.EnableCondstore();  // RFC 7162 3.1.7, and a CONDSTORE enabling command (3.1)
      value = m.highest_modseq;
    } else if (item == "APPENDLIMIT") {
      value = s.AppendLimit();  // one server-wide limit (RFC 7889 4)
    } else if (item == "UNSEEN") {
      value = m.unseen;  // kept by the store: STATUS never reads the messages
    } else if (item == "DELETED") {
      value = m.deleted;  // RFC 9051 6.3.11; a counter like UNSEEN
    } else if (item == "DELETED-STORAGE") {
      // RFC 9208 4.1.4: what EXPUNGE would free, in the STORAGE resource's 1024-octet units.
      value = m.deleted_size / 1024 + (m.deleted_size % 1024 != 0);
    } else if (item == "SIZE") {
      value = m.size;
    } else if (item == "RECENT" && m.first_recent_uid < m.uid_next) {
      auto recent = s.store().CountRecent(m.id);
      if (!recent) return recent.status();
      value = *recent;
    }
    if (!out.empty()) out += ' ';
    out += item + " " + std::to_string(value);
  }
  return "STATUS " + s.MailboxOut(m.name) + " (" + out + ")";
}

}  // namespace mailsuite::imapd
