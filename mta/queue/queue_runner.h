// QueueRunner: the thread inside mailsuite-mta that delivers queued remote recipients. Each
// pass takes the recipients that are due, groups them by domain (up to 50 messages a
// connection), delivers the groups (up to relay.max_connections at once), records every recipient's
// result at once (so a recipient the remote accepted is never sent again), retries temporary
// failures queue.retry_interval later, and when a message has no work left sends the bounce (RFC
// 3464) for its failed recipients and removes it.
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <set>
#include <thread>

#include "../dns/resolver.h"
#include "../relay/destination.h"
#include "dsn.h"
#include "shared/config.h"
#include "store/store.h"

namespace mailsuite::mta {

class DkimSigner;

class QueueRunner {
 public:
  // `dkim` (may be null) signs the bounces and notices the runner sends.
  QueueRunner(const Config& config, store::Store& store, const DkimSigner* dkim = nullptr);
  ~QueueRunner();
  QueueRunner(const QueueRunner&) = delete;
  QueueRunner& operator=(const QueueRunner&) = delete;

  void Start();
  void Stop();
  // New mail was queued: run a pass now instead of at the next scan.
  void Wake();
  // One pass at time `now` (the thread calls this; tests may too). A full scan also finishes
  // messages that no delivery touched (bounced from the CLI, or an earlier bounce failed).
  void RunOnce(int64_t now, bool full_scan = true);

 private:
  struct Group;
  void Loop();
  void DeliverGroup(const Group& group, int64_t now);
  // Stores each recipient's result at once (a recipient the remote accepted is never resent).
  void Record(const store::QueueMessage& message,
              const std::vector<store::QueueRecipient>& recipients,
              const std::vector<RecipientResult>& results, const std::string& content, int64_t now);
  // Sends the bounce and removes the message when no recipient is left to try.
  void FinishIfDone(store::QueueId id, int64_t now);
  // False when the bounce could not be stored (the message stays queued for another try).
  bool SendBounce(const store::QueueMessage& message, int64_t now);
  DsnInput MakeDsnInput(const store::QueueMessage& message, int64_t now) const;
  // Claims of this pass (store::Store::ClaimDueRecipients): renewed every third of the lease
  // while the pass runs, so a slow delivery keeps them, and dropped as results are recorded.
  void KeepClaims(int64_t now, const std::vector<store::QueueRecipient>& claimed);
  void ReleaseClaim(store::RecipientId id);
  void StopKeepingClaims();

  const Config& config_;
  store::Store& store_;
  // Whose claims this runner's are: queue.runner_name, else the machine's host name.
  const std::string runner_name_;
  const DkimSigner* dkim_;
  Resolver resolver_;
  std::unique_ptr<sts::PolicyCache> mta_sts_;  // policies of recipient domains, while we run
  RelaySettings relay_;
  std::thread thread_;
  std::mutex mu_;
  std::condition_variable cv_;
  bool wake_ = false;
  bool stop_ = false;
  std::mutex finish_mu_;
  std::mutex claims_mu_;
  std::condition_variable claims_cv_;
  std::set<store::RecipientId> claimed_;  // claimed by this pass, result not yet recorded
  bool pass_done_ = false;
  std::thread claim_keeper_;
};

}  // namespace mailsuite::mta
