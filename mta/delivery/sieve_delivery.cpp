// Running users' Sieve scripts at delivery; see sieve_delivery.h.
#include "sieve_delivery.h"

#include <Poco/Logger.h>
#include <Poco/String.h>

#include <algorithm>
#include <list>
#include <mutex>
#include <string_view>
#include <unordered_map>

#include "shared/mail/header_scan.h"
#include "shared/sieve/sieve.h"

namespace mailsuite::mta {
namespace {

Poco::Logger& Log() { return Poco::Logger::get("sieve"); }

// Compiled scripts by their text: a script compiles once per process, not once per message.
// Bounded in count and in text held (least recently used goes first); a changed script is a
// new text and compiles anew.
class ScriptCache {
 public:
  sieve::CompileResult Get(const std::string& text) {
    std::lock_guard lock(mu_);
    auto it = index_.find(text);
    if (it != index_.end()) {
      order_.splice(order_.begin(), order_, it->second);
      return it->second->second;
    }
    sieve::CompileResult compiled = sieve::Compile(text);
    order_.emplace_front(text, compiled);
    index_[order_.front().first] = order_.begin();  // the view is of the list's own copy
    bytes_ += text.size();
    while (order_.size() > kMaxScripts || (bytes_ > kMaxBytes && order_.size() > 1)) {
      bytes_ -= order_.back().first.size();
      index_.erase(order_.back().first);
      order_.pop_back();
    }
    return compiled;
  }

 private:
  static constexpr size_t kMaxScripts = 1000;
  static constexpr size_t kMaxBytes = 16 << 20;
  std::mutex mu_;
  size_t bytes_ = 0;
  std::list<std::pair<std::string, sieve::CompileResult>> order_;
  std::unordered_map<std::string_view, decltype(order_)::iterator> index_;
};

ScriptCache& Cache() {
  static ScriptCache cache;
  return cache;
}

bool AlreadyDeliveredTo(const std::string& content, const std::string& address) {
  for (const std::string& v : mail::HeaderFieldValues(content, "Delivered-To"))
    if (Poco::icompare(Poco::trim(v), address) == 0) return true;
  return false;
}

// The mailbox a fileinto names; nullopt (and a log line) when it is missing and not to be made.
std::optional<store::MailboxId> FileIntoTarget(store::Store& store, const SieveInput& in,
                                               const sieve::Action& a) {
  auto box = store.GetMailbox(in.user, a.mailbox);
  if (box && box->has_value()) return (**box).id;
  if (box && a.create) {  // RFC 5490 3.2: create it, then file into it
    auto made = store.CreateMailbox(in.user, a.mailbox);
    if (made) return made->id;
    Log().warning(in.id + ": sieve of " + in.user_address + ": cannot create '" + a.mailbox +
                  "': " + made.error() + "; kept in the default mailbox");
    return std::nullopt;
  }
  // RFC 5228 4.1 leaves a missing mailbox to the implementation: keep, as Dovecot does.
  Log().warning(in.id + ": sieve of " + in.user_address + ": no mailbox '" + a.mailbox + "'" +
                (box ? "" : " (" + box.error() + ")") + "; kept in the default mailbox");
  return std::nullopt;
}

}  // namespace

SieveDecision DecideWithSieve(store::Store& store, const SieveInput& in,
                              const std::string& content) {
  SieveDecision keep_only{{in.default_mailbox}, {}};
  auto script = store.ActiveSieveScript(in.user);
  if (!script) {
    Log().error(in.id + ": cannot read the Sieve script of " + in.user_address + ": " +
                script.error() + "; kept in the default mailbox");
    return keep_only;
  }
  if (!script->has_value()) return keep_only;
  sieve::CompileResult compiled = Cache().Get((*script)->content);
  const std::string which = "Sieve script '" + (*script)->name + "' of " + in.user_address;
  if (!compiled.ok()) {
    Log().warning(in.id + ": " + which + " does not compile (" + compiled.Describe() +
                  "); kept in the default mailbox");
    return keep_only;
  }
  sieve::Outcome outcome = sieve::Execute(*compiled.script, {content, in.sender, in.envelope_to});
  if (!outcome.error.empty()) {  // RFC 5228 2.10.6
    Log().warning(in.id + ": " + which + " failed: " + outcome.error +
                  "; kept in the default mailbox");
    return keep_only;
  }
  SieveDecision d;
  auto add = [&d](store::MailboxId id) {
    if (std::find(d.mailboxes.begin(), d.mailboxes.end(), id) == d.mailboxes.end())
      d.mailboxes.push_back(id);
  };
  if (outcome.implicit_keep) add(in.default_mailbox);
  for (const sieve::Action& a : outcome.actions) {
    switch (a.kind) {
      case sieve::Action::Kind::kKeep:
        add(in.default_mailbox);
        break;
      case sieve::Action::Kind::kFileInto:
        add(FileIntoTarget(store, in, a).value_or(in.default_mailbox));
        break;
      case sieve::Action::Kind::kRedirect:
        if (AlreadyDeliveredTo(content, in.user_address)) {
          Log().warning(in.id + ": " + which + ": redirect to " + a.address +
                        " dropped: the message was delivered to this user before (a loop)");
          add(in.default_mailbox);
        } else {
          d.redirects.push_back(a.address);
        }
        break;
      case sieve::Action::Kind::kDiscard:
        break;
    }
  }
  Log().information(in.id + ": " + which + ": " + std::to_string(d.mailboxes.size()) +
                    " mailbox(es), " + std::to_string(d.redirects.size()) + " redirect(s)");
  return d;
}

}  // namespace mailsuite::mta
