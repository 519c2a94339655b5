// MailboxNotifier: turns commits to the store, by any process (the MTA delivering, POP3
// expunging, another IMAP session), into wake-ups of the IDLE sessions parked on the mailboxes
// that changed. One thread per imapd: it sleeps on a store::ChangeWatcher (inotify, no polling),
// then compares every mailbox's highest MODSEQ with its last reading and wakes the key
// "mailbox:<id>" of each one that moved (ImapSession::IdleKey).
#pragma once

#include <atomic>
#include <chrono>
#include <memory>
#include <thread>
#include <unordered_map>

#include "shared/net/parking_lot.h"
#include "store/change_watcher.h"
#include "store/store.h"

namespace mailsuite::imapd {

std::string MailboxKey(store::MailboxId id);

class MailboxNotifier {
 public:
  // `watcher` may be null (no inotify): the store is then read once a second.
  MailboxNotifier(store::Store& store, std::unique_ptr<store::ChangeWatcher> watcher,
                  net::Waker& waker);
  ~MailboxNotifier();  // Stop()
  MailboxNotifier(const MailboxNotifier&) = delete;
  MailboxNotifier& operator=(const MailboxNotifier&) = delete;

  void Start();
  void Stop();

  // One look at the store: wakes the mailboxes changed since the last look. False when the
  // store had not changed at all. (The thread's body; public for tests.)
  bool CheckOnce();

 private:
  void Loop();

  store::Store& store_;
  std::unique_ptr<store::ChangeWatcher> watcher_;
  net::Waker& waker_;
  std::atomic<bool> stop_{false};
  std::thread thread_;
  uint64_t last_stamp_ = 0;
  bool primed_ = false;
  std::unordered_map<store::MailboxId, uint64_t> modseqs_;
};

}  // namespace mailsuite::imapd
