#include "queue_runner.h"

#include <Poco/Logger.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <ctime>
#include <fstream>
#include <map>

#include "../delivery/dsn_sender.h"
#include "dsn.h"
#include "retry_policy.h"
#include "shared/event_log.h"
#include "shared/logging.h"
#include "shared/mail/address.h"
#include "shared/metrics/registry.h"

namespace mailsuite::mta {
namespace {

Poco::Logger& Log() { return Poco::Logger::get("queue"); }

// mailsuite_relay_attempts_total: one per recipient and attempt. The destination is a class,
// never a domain: smarthost, mx (the domain's own servers), or none (no server was reached:
// DNS failed or every connection did).
void CountRelayAttempt(const std::string& result, bool smarthost, bool reached) {
  static metrics::Family<metrics::Counter>& attempts = metrics::Default().AddCounter(
      "mailsuite_relay_attempts_total",
      "Delivery attempts to other hosts, one per recipient: result relayed, deferred, bounced "
      "or expired (gave up after queue.max_lifetime); destination smarthost, mx or none (no "
      "server reached).",
      {"result", "destination"});
  attempts.With({result, !reached ? "none" : smarthost ? "smarthost" : "mx"}).Inc();
}

std::string DomainOf(const std::string& address) {
  size_t at = address.rfind('@');
  return at == std::string::npos ? "" : mail::ToLower(address.substr(at + 1));
}

std::string ReadSecret(const std::string& path) {
  if (path.empty()) return "";
  std::ifstream in(path);
  std::string line;
  std::getline(in, line);
  return line;
}

}  // namespace

// One connection's worth of work: messages (with their recipients in one domain).
struct QueueRunner::Group {
  std::string domain;
  std::vector<std::pair<store::QueueId, std::vector<store::QueueRecipient>>> messages;
};

namespace {
constexpr size_t kMessagesPerConnection = 50;
}  // namespace

namespace {

std::string RunnerNameOf(const Config& config) {
  if (!config.queue.runner_name.empty()) return config.queue.runner_name;
  char host[256] = {};
  gethostname(host, sizeof host - 1);
  return host;
}

}  // namespace

QueueRunner::QueueRunner(const Config& config, store::Store& store, const DkimSigner* dkim)
    : config_(config),
      store_(store),
      runner_name_(RunnerNameOf(config)),
      dkim_(dkim),
      resolver_(config.dns.servers, std::chrono::milliseconds(config.dns.timeout_ms)) {
  relay_.helo_name = config.general.hostname;
  relay_.port = static_cast<uint16_t>(config.relay.port);
  relay_.tls = config.relay.tls;
  relay_.smarthost = config.relay.smarthost;
  relay_.smarthost_user = config.relay.smarthost_user;
  relay_.smarthost_password = ReadSecret(config.relay.smarthost_password_file);
  relay_.tls_ca_file = config.relay.tls_ca_file;
  if (config.relay.mta_sts) {
    sts::FetchSettings fetch;
    fetch.port = static_cast<uint16_t>(config.relay.mta_sts_port);
    fetch.ca_file = config.relay.tls_ca_file;
    mta_sts_ = std::make_unique<sts::PolicyCache>(resolver_, fetch);
    relay_.mta_sts = mta_sts_.get();
  }
}

QueueRunner::~QueueRunner() { Stop(); }

void QueueRunner::Start() {
  // What an earlier life of this runner claimed and never finished (it was killed) is due
  // again now rather than when its claims run out.
  if (Status s = store_.ReleaseClaims(runner_name_); !s)
    Log().error("cannot release the queue's old claims: " + s.message());
  thread_ = std::thread([this] { Loop(); });
}

void QueueRunner::Stop() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stop_ = true;
  }
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
}

void QueueRunner::Wake() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    wake_ = true;
  }
  cv_.notify_all();
}

void QueueRunner::Loop() {
  bool full_scan = true;
  for (;;) {
    RunOnce(static_cast<int64_t>(std::time(nullptr)), full_scan);
    std::unique_lock<std::mutex> lock(mu_);
    bool woken = cv_.wait_for(lock, std::chrono::seconds(config_.queue.scan_interval),
                              [this] { return wake_ || stop_; });
    if (stop_) return;
    // New mail needs only its own delivery; the timer's pass also finishes what others (the
    // CLI's bounce, an earlier failed bounce) left complete.
    full_scan = !woken;
    wake_ = false;
  }
}

void QueueRunner::RunOnce(int64_t now, bool full_scan) {
  // Claimed, not only listed: queue runners of other nodes on the same store skip these.
  auto due = store_.ClaimDueRecipients(now, 1000, runner_name_, now + config_.queue.claim_lease);
  if (!due) {
    Log().error("queue scan failed: " + due.error());
    return;
  }
  KeepClaims(now, *due);
  // Recipients by domain, then by message, in due order.
  std::map<std::string, std::map<store::QueueId, std::vector<store::QueueRecipient>>> by_domain;
  for (const store::QueueRecipient& r : *due)
    by_domain[DomainOf(r.address)][r.queue_id].push_back(r);
  // A domain gets one connection per kMessagesPerConnection messages, but never more than
  // relay.max_per_destination at once; its messages are dealt out round-robin.
  std::vector<Group> groups;
  for (auto& [domain, by_message] : by_domain) {
    size_t wanted = (by_message.size() + kMessagesPerConnection - 1) / kMessagesPerConnection;
    size_t count = std::min(wanted, static_cast<size_t>(config_.relay.max_per_destination));
    size_t first = groups.size();
    for (size_t i = 0; i < count; ++i) groups.push_back(Group{domain, {}});
    size_t i = 0;
    for (auto& [id, recipients] : by_message)
      groups[first + (i++ % count)].messages.emplace_back(id, std::move(recipients));
  }
  std::vector<const Group*> work;
  for (const Group& g : groups) work.push_back(&g);
  // Up to relay.max_connections groups at once; each worker takes the next group.
  std::atomic<size_t> next{0};
  auto worker = [&] {
    for (size_t i = next++; i < work.size(); i = next++) DeliverGroup(*work[i], now);
  };
  size_t n = std::min(work.size(), static_cast<size_t>(config_.relay.max_connections));
  std::vector<std::thread> workers;
  for (size_t i = 1; i < n; ++i) workers.emplace_back(worker);
  if (n > 0) worker();
  for (auto& t : workers) t.join();
  StopKeepingClaims();
  if (full_scan) {
    auto queue = store_.ListQueue();
    if (queue)
      for (const store::QueueMessage& m : *queue) FinishIfDone(m.id, now);
  }
}

void QueueRunner::DeliverGroup(const Group& group, int64_t now) {
  std::vector<store::QueueMessage> loaded;
  std::vector<std::vector<store::QueueRecipient>> recipients;
  std::vector<std::string> contents;
  for (const auto& [id, rcpts] : group.messages) {
    auto message = store_.GetQueueMessage(id);
    auto content = store_.ReadQueueContent(id);
    if (!message || !message->has_value() || !content) continue;  // deleted meanwhile
    loaded.push_back(**message);
    recipients.push_back(rcpts);
    contents.push_back(std::move(content.value()));
  }
  std::vector<OutboundMessage> out(loaded.size());
  for (size_t i = 0; i < loaded.size(); ++i) {
    out[i].sender = loaded[i].sender;
    out[i].content = &contents[i];
    out[i].envid = loaded[i].envid;
    out[i].ret = loaded[i].ret;
    for (const auto& r : recipients[i]) out[i].recipients.push_back({r.address, r.notify, r.orcpt});
  }
  if (out.empty()) return;
  DeliverToDomain(group.domain, out, relay_, resolver_,
                  [&](size_t i, const std::vector<RecipientResult>& results) {
                    Record(loaded[i], recipients[i], results, contents[i], now);
                    // Done with every recipient (the usual case): finish it now.
                    FinishIfDone(loaded[i].id, now);
                  });
}

void QueueRunner::Record(const store::QueueMessage& qm,
                         const std::vector<store::QueueRecipient>& recipients,
                         const std::vector<RecipientResult>& results, const std::string& content,
                         int64_t now) {
  std::vector<DsnRecipient> relayed;  // NOTIFY=SUCCESS the remote server will not answer
  for (size_t i = 0; i < recipients.size() && i < results.size(); ++i) {
    const store::QueueRecipient& r = recipients[i];
    const RecipientResult& res = results[i];
    store::RecipientUpdate u;
    u.attempts = r.attempts + 1;
    u.last_error = res.status + " " + res.diagnostic;
    std::string what;
    if (res.outcome == RecipientOutcome::kDelivered) {
      u.state = store::RecipientState::kDelivered;
      what = "relayed";
      // RFC 3461 5.2.2: a server without DSN gets the message; we report "relayed".
      if (!res.dsn_passed_on && DsnWanted(r.notify, "relayed"))
        relayed.push_back({r.address, r.orcpt, "relayed", "2.0.0", res.diagnostic, res.remote});
    } else if (res.outcome == RecipientOutcome::kPermanent) {
      u.state = store::RecipientState::kFailed;
      what = "bounced";
    } else {
      RetryDecision d = AfterTemporaryFailure(qm.created_at, now, config_.queue.retry_interval,
                                              config_.queue.max_lifetime);
      if (d.give_up) {
        u.state = store::RecipientState::kFailed;
        u.last_error = "4.4.7 " + res.diagnostic + " (gave up: message too old)";
        what = "expired";
      } else {
        u.state = store::RecipientState::kQueued;
        u.next_attempt = d.next_attempt;
        what = "deferred";
      }
    }
    CountRelayAttempt(what, !relay_.smarthost.empty(), !res.remote.empty());
    Status s = store_.UpdateRecipient(r.id, u);
    ReleaseClaim(r.id);
    if (!s)
      Log().error("cannot record result for queue " + std::to_string(qm.id) + ": " + s.message());
    EventLine(what)
        .Add("queue", qm.id)
        .Add("to", "<" + r.address + ">")
        .Add("relay", res.remote.empty() ? "none" : res.remote)
        .Add("delay", std::max<int64_t>(0, now - qm.created_at))
        .Add("attempts", u.attempts)
        .Add("size", qm.size)
        .Add("status", res.status)
        .Add("reply", res.diagnostic)
        .Log();
  }
  if (!relayed.empty()) {
    Status st = SendDsn(store_, MakeDsnInput(qm, now), relayed, content, dkim_);
    if (!st) Log().error("cannot send the relayed notice for queue " + std::to_string(qm.id));
  }
}

void QueueRunner::KeepClaims(int64_t now, const std::vector<store::QueueRecipient>& claimed) {
  {
    std::lock_guard lock(claims_mu_);
    claimed_.clear();
    for (const store::QueueRecipient& r : claimed) claimed_.insert(r.id);
    pass_done_ = false;
  }
  if (claimed.empty()) return;
  // `now` may be a test's clock: leases move on from it by the real time the pass has taken.
  const auto started = std::chrono::steady_clock::now();
  const int64_t lease = config_.queue.claim_lease;
  claim_keeper_ = std::thread([this, now, started, lease] {
    std::unique_lock lock(claims_mu_);
    while (!claims_cv_.wait_for(lock, std::chrono::seconds(std::max<int64_t>(1, lease / 3)),
                                [this] { return pass_done_; })) {
      std::vector<store::RecipientId> ids(claimed_.begin(), claimed_.end());
      lock.unlock();
      auto elapsed = std::chrono::duration_cast<std::chrono::seconds>(
                         std::chrono::steady_clock::now() - started)
                         .count();
      Status s = store_.ExtendClaims(ids, runner_name_, now + elapsed + lease);
      if (!s) Log().error("cannot renew the queue's claims: " + s.message());
      lock.lock();
    }
  });
}

void QueueRunner::ReleaseClaim(store::RecipientId id) {
  std::lock_guard lock(claims_mu_);
  claimed_.erase(id);
}

void QueueRunner::StopKeepingClaims() {
  {
    std::lock_guard lock(claims_mu_);
    pass_done_ = true;
    claimed_.clear();
  }
  claims_cv_.notify_all();
  if (claim_keeper_.joinable()) claim_keeper_.join();
}

void QueueRunner::FinishIfDone(store::QueueId id, int64_t now) {
  // Workers for two domains of one message may both see it finished: one of them bounces and
  // removes it, the other then finds it gone.
  std::lock_guard<std::mutex> lock(finish_mu_);
  auto fresh = store_.GetQueueMessage(id);
  if (!fresh || !fresh->has_value()) return;
  const store::QueueMessage& m = **fresh;
  for (const auto& r : m.recipients)
    if (r.state == store::RecipientState::kQueued) return;
  // Runners of other nodes may find it finished at the same moment: one bounces.
  auto mine = store_.ClaimToFinish(m.id, runner_name_, now, now + config_.queue.claim_lease);
  if (!mine || !*mine) return;
  if (!SendBounce(m, now)) return;  // keep the message; the next pass tries again
  Status s = store_.DeleteQueueMessage(m.id);
  if (!s) Log().error("cannot remove queue " + std::to_string(m.id) + ": " + s.message());
}

DsnInput QueueRunner::MakeDsnInput(const store::QueueMessage& m, int64_t now) const {
  DsnInput in;
  in.reporting_host = config_.general.hostname;
  in.sender = m.sender;
  in.envid = m.envid;
  in.full_content = m.ret == "FULL";
  in.arrival = m.created_at;
  in.now = now;
  in.id = std::to_string(now) + "." + std::to_string(m.id);
  return in;
}

bool QueueRunner::SendBounce(const store::QueueMessage& m, int64_t now) {
  if (m.sender.empty()) return true;  // RFC 5321 4.5.5: never bounce the null sender
  std::vector<DsnRecipient> failed;
  for (const auto& r : m.recipients) {
    if (r.state != store::RecipientState::kFailed || !DsnWanted(r.notify, "failed")) continue;
    DsnRecipient d;
    d.address = r.address;
    d.orcpt = r.orcpt;
    d.action = "failed";
    size_t sp = r.last_error.find(' ');
    d.status = r.last_error.substr(0, sp);
    d.diagnostic = sp == std::string::npos ? "" : r.last_error.substr(sp + 1);
    failed.push_back(d);
  }
  if (failed.empty()) return true;
  auto content = store_.ReadQueueContent(m.id);
  if (!content) return false;

  Status s = SendDsn(store_, MakeDsnInput(m, now), failed, *content, dkim_);
  if (!s) {
    Log().error("cannot send bounce for queue " + std::to_string(m.id) + ": " + s.message());
    return false;
  }
  return true;
}

}  // namespace mailsuite::mta
