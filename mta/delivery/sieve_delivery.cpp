// Running users' Sieve scripts at delivery; see sieve_delivery.h.
#include "sieve_delivery.h"

#include <Poco/Logger.h>
#include <Poco/String.h>
#include <Poco/UUIDGenerator.h>

#include <ctime>

#include <algorithm>
#include <list>
#include <mutex>
#include <string_view>
#include <unordered_map>

#include "shared/mail/header_scan.h"
#include "shared/mail/mime.h"
#include "shared/sieve/sieve.h"
#include "store/flags.h"

namespace mailsuite::mta {
namespace {

Poco::Logger& Log() { return Poco::Logger::get("sieve"); }

// The server's zone at `when`, as minutes east of UTC (RFC 5260's default zone for "date").
int LocalZoneMinutes(int64_t when) {
  std::time_t t = static_cast<std::time_t>(when);
  std::tm local{};
  localtime_r(&t, &local);
  return static_cast<int>(local.tm_gmtoff / 60);
}

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

// The domain of a :from address ("Bob <bob@example.org>" or "bob@example.org"), lower-cased.
std::string FromDomain(const std::string& from) {
  std::vector<mail::EnvelopeAddress> addresses = mail::ParseAddresses(from);
  if (addresses.size() != 1 || !addresses[0].host) return "";
  return Poco::toLower(*addresses[0].host);
}

// RFC 5230 4.5 and 4.6: a reply unless the message is one never to answer (a list, a bounce,
// an auto-reply, spam, mail not addressed to the user). Whether this sender had one within
// the period is asked once the message is stored (delivery.cpp).
std::optional<VacationReply> PlanVacation(store::Store& store, const SieveInput& in,
                                          const sieve::MessageInput& message,
                                          sieve::Vacation vacation) {
  const std::string who = in.id + ": vacation of " + in.user_address;
  std::string why =
      in.junk ? "the message was judged spam"
              : sieve::VacationSuppressed(message, vacation, {in.user_address, in.envelope_to});
  if (!why.empty()) {
    Log().information(who + " not sent: " + why);
    return std::nullopt;
  }
  if (!vacation.from.empty()) {
    // RFC 5230 4.3 lets a site limit :from; a user may not send as someone at another domain.
    auto local = store.DomainExists(FromDomain(vacation.from));
    if (!local || !*local) {
      Log().warning(who + ": :from " + vacation.from + " is not at a local domain; from " +
                    in.user_address + " instead");
      vacation.from.clear();
    }
  }
  const std::string message_id = "<" +
                                 Poco::UUIDGenerator::defaultGenerator().createRandom().toString() +
                                 "@" + in.hostname + ">";
  return VacationReply{
      vacation.handle, static_cast<int64_t>(vacation.period_seconds),
      sieve::ComposeVacationReply(message, vacation,
                                  {in.user_address, mail::FormatRfc5322Date(in.now), message_id})};
}

}  // namespace

store::Flags StoreFlags(const std::vector<std::string>& sieve_flags) {
  static const std::pair<const char*, uint32_t> kSystem[] = {
      {"\\seen", store::kFlagSeen},       {"\\answered", store::kFlagAnswered},
      {"\\flagged", store::kFlagFlagged}, {"\\deleted", store::kFlagDeleted},
      {"\\draft", store::kFlagDraft},
  };
  store::Flags out;
  for (const std::string& flag : sieve_flags) {
    if (!flag.empty() && flag[0] == '\\') {
      for (const auto& [name, bit] : kSystem)
        if (Poco::icompare(flag, name) == 0) out.system |= bit;
    } else if (store::IsValidKeyword(flag)) {
      out.keywords.push_back(flag);
    }
  }
  std::sort(out.keywords.begin(), out.keywords.end());
  out.keywords.erase(std::unique(out.keywords.begin(), out.keywords.end()), out.keywords.end());
  return out;
}

SieveDecision DecideWithSieve(store::Store& store, const SieveInput& in,
                              const std::string& content) {
  SieveDecision keep_only;
  keep_only.filings.push_back({in.default_mailbox, {}});
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
  sieve::MessageInput message{content, in.sender, in.envelope_to, in.now, LocalZoneMinutes(in.now)};
  sieve::Outcome outcome = sieve::Execute(*compiled.script, message);
  if (!outcome.error.empty()) {  // RFC 5228 2.10.6
    Log().warning(in.id + ": " + which + " failed: " + outcome.error +
                  "; kept in the default mailbox");
    return keep_only;
  }
  SieveDecision d;
  auto add = [&d](store::MailboxId id, const std::vector<std::string>& flags) {
    auto same = std::find_if(d.filings.begin(), d.filings.end(),
                             [id](const SieveFiling& f) { return f.mailbox == id; });
    if (same == d.filings.end()) same = d.filings.insert(d.filings.end(), {id, {}});
    same->flags = store::ApplyFlags(same->flags, store::FlagOperation::kAdd, StoreFlags(flags));
  };
  if (outcome.implicit_keep) add(in.default_mailbox, outcome.implicit_keep_flags);
  for (const sieve::Action& a : outcome.actions) {
    switch (a.kind) {
      case sieve::Action::Kind::kKeep:
        add(in.default_mailbox, a.flags);
        break;
      case sieve::Action::Kind::kFileInto:
        add(FileIntoTarget(store, in, a).value_or(in.default_mailbox), a.flags);
        break;
      case sieve::Action::Kind::kRedirect:
        if (AlreadyDeliveredTo(content, in.user_address)) {
          Log().warning(in.id + ": " + which + ": redirect to " + a.address +
                        " dropped: the message was delivered to this user before (a loop)");
          add(in.default_mailbox, {});
        } else {
          d.redirects.push_back(a.address);
        }
        break;
      case sieve::Action::Kind::kDiscard:
        break;
      case sieve::Action::Kind::kReject:  // RFC 5429 2.1: the interpreter let nothing else be
        d.reject = a.reason;
        break;
      case sieve::Action::Kind::kVacation:
        d.vacation = PlanVacation(store, in, message, a.vacation);
        break;
    }
  }
  Log().information(in.id + ": " + which + ": " + std::to_string(d.filings.size()) +
                    " mailbox(es), " + std::to_string(d.redirects.size()) + " redirect(s)" +
                    (d.reject ? ", rejected" : "") + (d.vacation ? ", vacation reply" : ""));
  return d;
}

}  // namespace mailsuite::mta
