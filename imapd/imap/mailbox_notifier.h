// MailboxNotifier: turns commits to the store, by any process (the MTA delivering, POP3
// expunging, another IMAP session), into wake-ups of the IDLE sessions parked on the mailboxes
// that changed. One thread per imapd: it waits on the store's ChangeListener (Store::Listen;
// the backend decides how it learns of commits) and wakes the key "mailbox:<id>" of each
// mailbox reported (ImapSession::IdleKey).
#pragma once

#include <atomic>
#include <memory>
#include <thread>

#include "shared/net/parking_lot.h"
#include "store/store.h"

namespace mailsuite::imapd {

std::string MailboxKey(store::MailboxId id);

class MailboxNotifier {
 public:
  MailboxNotifier(std::unique_ptr<store::ChangeListener> listener, net::Waker& waker);
  ~MailboxNotifier();  // Stop()
  MailboxNotifier(const MailboxNotifier&) = delete;
  MailboxNotifier& operator=(const MailboxNotifier&) = delete;

  void Start();
  void Stop();

 private:
  void Loop();

  std::unique_ptr<store::ChangeListener> listener_;
  net::Waker& waker_;
  std::atomic<bool> stop_{false};
  std::thread thread_;
};

}  // namespace mailsuite::imapd
