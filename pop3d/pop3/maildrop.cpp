#include "maildrop.h"

#include <cstdio>

namespace mailsuite::pop3d {

Result<Maildrop> Maildrop::Load(store::Store& store, store::UserId user) {
  auto box = store.GetMailbox(user, "INBOX");
  if (!box.ok()) return box.status();
  if (!box->has_value()) return Status::Error("user " + std::to_string(user) + " has no INBOX");
  auto list = store.ListMessages((*box)->id);
  if (!list.ok()) return list.status();
  Maildrop drop;
  drop.mailbox_id_ = (*box)->id;
  drop.uid_validity_ = (*box)->uid_validity;
  drop.messages_.reserve(list->size());
  for (const store::MessageInfo& m : *list) {
    drop.messages_.push_back({m.uid, m.size, false});
    drop.total_size_ += m.size;
  }
  drop.count_ = static_cast<uint32_t>(drop.messages_.size());
  return drop;
}

const MaildropMessage* Maildrop::Find(uint32_t number) const {
  if (number == 0 || number > messages_.size()) return nullptr;
  const MaildropMessage& m = messages_[number - 1];
  return m.deleted ? nullptr : &m;
}

bool Maildrop::MarkDeleted(uint32_t number) {
  if (!Find(number)) return false;
  MaildropMessage& m = messages_[number - 1];
  m.deleted = true;
  --count_;
  total_size_ -= m.size;
  return true;
}

void Maildrop::UnmarkAll() {
  for (MaildropMessage& m : messages_) m.deleted = false;
  count_ = static_cast<uint32_t>(messages_.size());
  total_size_ = 0;
  for (const MaildropMessage& m : messages_) total_size_ += m.size;
}

std::string Maildrop::UniqueId(const MaildropMessage& message) const {
  char buffer[24];
  std::snprintf(buffer, sizeof buffer, "%08x%08x", uid_validity_, message.uid);
  return buffer;
}

Status Maildrop::Commit(store::Store& store) const {
  std::vector<uint32_t> uids;
  for (const MaildropMessage& m : messages_)
    if (m.deleted) uids.push_back(m.uid);
  if (uids.empty()) return Status::Ok();
  auto expunged = store.Expunge(mailbox_id_, uids);
  if (!expunged.ok()) return expunged.status();
  return Status::Ok();
}

}  // namespace mailsuite::pop3d
