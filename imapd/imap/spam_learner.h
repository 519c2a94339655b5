// Users' corrections of the spam filter, reported to rspamd's controller (spam.learn_url): a
// message moved or copied into the Junk folder is learned as spam (/learnspam), one moved out of
// Junk into any folder but Trash as ham (/learnham). In the background: an IMAP command only
// queues the report, so a slow or absent rspamd never holds a client up. Best effort: a report
// that fails is logged and dropped, as is one that finds the queue full.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <deque>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "shared/config.h"
#include "store/store.h"

namespace mailsuite::imapd {

class SpamLearner {
 public:
  enum class Verdict { kSpam, kHam };
  static constexpr size_t kMaxQueued = 10000;  // messages waiting for the controller

  // Starts the reporting thread. The password, if any, is read from its file once, here.
  SpamLearner(const SpamConfig& config, store::Store& store);
  ~SpamLearner();  // drops what is still queued
  SpamLearner(const SpamLearner&) = delete;
  SpamLearner& operator=(const SpamLearner&) = delete;

  // The messages `uids` of `mailbox` (where they are now) are `verdict`, says `user`.
  void Report(Verdict verdict, store::MailboxId mailbox, const std::vector<uint32_t>& uids,
              const std::string& user);

 private:
  struct Job {
    Verdict verdict;
    store::MailboxId mailbox;
    uint32_t uid;
    std::string user;
  };
  void Run();
  void Learn(const Job& job);

  store::Store& store_;
  std::string url_;
  std::string password_;
  std::mutex mu_;
  std::condition_variable wake_;
  std::deque<Job> queue_;
  bool stopping_ = false;
  std::thread thread_;
};

// Which report a COPY or MOVE from `from` to `to` makes, by their special use: into \Junk is
// spam; out of \Junk into anything but \Trash is ham. False: none.
bool LearnVerdictFor(const std::string& from_use, const std::string& to_use,
                     SpamLearner::Verdict* verdict);

}  // namespace mailsuite::imapd
