// GETQUOTA, GETQUOTAROOT and SETQUOTA (RFC 9208 4.1), and the room check APPEND and COPY make
// before they add (RFC 9208 4.3.1: NO [OVERQUOTA]). Each user has one quota root, "", over all
// their mailboxes, with the resources STORAGE (in units of 1024 octets, 5.1) and MESSAGE (5.2);
// a resource without a limit is left out of the list ("not limited", 4.2.1), and a user without
// any limit has no quota root (the grammar of 9 wants at least one resource in a QUOTA list).
// Limits are the administrator's (mailsuite user quota): no QUOTASET, and SETQUOTA is refused.
#include "store/quota.h"
#include "../format.h"
#include "../session.h"

namespace mailsuite::imapd {
namespace {

constexpr char kRoot[] = "\"\"";

uint64_t Kibibytes(uint64_t octets) { return octets / 1024 + (octets % 1024 != 0); }

std::string QuotaLine(const store::Quota& q) {
  std::string list;
  if (q.storage_limit != 0)
    list += "STORAGE " + std::to_string(Kibibytes(q.storage_used)) + " " +
            std::to_string(q.storage_limit / 1024);
  if (q.messages_limit != 0)
    list += std::string(list.empty() ? "" : " ") + "MESSAGE " + std::to_string(q.messages_used) +
            " " + std::to_string(q.messages_limit);
  return std::string("QUOTA ") + kRoot + " (" + list + ")";
}

std::optional<store::Quota> LoadOrFail(ImapSession& s, const Command& c) {
  auto q = store::LoadQuota(s.store(), s.user->id, s.services.config.quota);
  if (!q || !q->has_value()) {
    s.log().Error("quota: " + (q ? std::string("user is gone") : q.error()));
    s.No(c, "[SERVERBUG] Cannot read the quota");
    return std::nullopt;
  }
  return **q;
}

}  // namespace

void HandleGetQuota(ImapSession& s, const Command& c) {
  if (c.args.size() != 1 || !c.args[0].IsAstring()) return s.Bad(c, "Syntax: GETQUOTA root");
  if (!c.args[0].text.empty()) return s.No(c, "[NONEXISTENT] No such quota root");
  auto q = LoadOrFail(s, c);
  if (!q) return;
  if (!q->limited()) return s.No(c, "[NONEXISTENT] No quota applies to you");
  s.Untagged(QuotaLine(*q));
  s.Ok(c, "GETQUOTA completed");
}

void HandleGetQuotaRoot(ImapSession& s, const Command& c) {
  if (c.args.size() != 1 || !c.args[0].IsAstring()) return s.Bad(c, "Syntax: GETQUOTAROOT mailbox");
  // RFC 9208 4.1.2: the mailbox need not exist; the user's one root would govern it.
  auto q = LoadOrFail(s, c);
  if (!q) return;
  const std::string mailbox = s.MailboxOut(s.MailboxArg(c.args[0].text));
  if (!q->limited()) {
    s.Untagged("QUOTAROOT " + mailbox);
  } else {
    s.Untagged("QUOTAROOT " + mailbox + " " + kRoot);
    s.Untagged(QuotaLine(*q));
  }
  s.Ok(c, "GETQUOTAROOT completed");
}

void HandleSetQuota(ImapSession& s, const Command& c) {
  if (c.args.size() != 2 || !c.args[0].IsAstring() || c.args[1].kind != Arg::Kind::kList)
    return s.Bad(c, "Syntax: SETQUOTA root (resource limit ...)");
  s.No(c, "[NOPERM] Quota limits are set by the administrator");
}

bool RefuseOverQuota(ImapSession& s, const Command& c, uint64_t octets, uint64_t messages) {
  auto q = LoadOrFail(s, c);
  if (!q) return true;
  if (q->Fits(octets, messages)) return false;
  s.log().Info("over quota user=" + s.user->address + " adding " + std::to_string(messages) +
               " message(s), " + std::to_string(octets) + " octets");
  s.No(c, "[OVERQUOTA] Not enough room in your mailbox; delete and expunge some mail");
  return true;
}

}  // namespace mailsuite::imapd
