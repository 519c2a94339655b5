// mailsuite queue list | show ID | retry ID|--all | delete ID | bounce ID
// The CLI only changes queue state; the running mailsuite-mta does the sending: `retry` makes
// recipients due now, `bounce` marks them failed so the runner sends the DSN and removes the
// message on its next pass.
#include <cstdlib>
#include <ctime>
#include <functional>
#include <iostream>

#include "cli_common.h"

namespace mailsuite::cli {
namespace {

const char* StateName(store::RecipientState s) {
  switch (s) {
    case store::RecipientState::kQueued:
      return "queued";
    case store::RecipientState::kDelivered:
      return "delivered";
    case store::RecipientState::kFailed:
      return "failed";
  }
  return "?";
}

std::string Age(int64_t since, int64_t now) {
  int64_t s = now - since;
  if (s < 120) return std::to_string(s) + "s";
  if (s < 7200) return std::to_string(s / 60) + "m";
  if (s < 172800) return std::to_string(s / 3600) + "h";
  return std::to_string(s / 86400) + "d";
}

std::string When(int64_t t, int64_t now) {
  if (t <= now) return "now";
  return "in " + Age(now, t);
}

void Print(const store::QueueMessage& m, int64_t now, bool detail) {
  std::cout << m.id << "\tage " << Age(m.created_at, now) << "\tsize " << m.size << "\tfrom <"
            << m.sender << ">\n";
  for (const auto& r : m.recipients) {
    std::cout << "\t<" << r.address << "> " << StateName(r.state) << ", attempts " << r.attempts;
    if (r.state == store::RecipientState::kQueued)
      std::cout << ", next " << When(r.next_attempt, now);
    if (!r.last_error.empty()) std::cout << ", last: " << r.last_error;
    std::cout << "\n";
    if (detail && (!r.notify.empty() || !r.orcpt.empty()))
      std::cout << "\t\tNOTIFY=" << r.notify << " ORCPT=" << r.orcpt << "\n";
  }
  if (detail && (!m.envid.empty() || !m.ret.empty()))
    std::cout << "\tENVID=" << m.envid << " RET=" << m.ret << "\n";
}

Result<store::QueueMessage> Find(store::Store& store, const std::string& id_text) {
  char* end = nullptr;
  long long id = std::strtoll(id_text.c_str(), &end, 10);
  if (id_text.empty() || *end != '\0' || id <= 0)
    return Status::Error("'" + id_text + "' is not a queue id");
  auto m = store.GetQueueMessage(id);
  if (!m) return m.status();
  if (!m->has_value()) return Status::Error("queue message " + id_text + " does not exist");
  return **m;
}

// Applies `change` to every still-queued recipient of `m`.
Status ForQueued(store::Store& store, const store::QueueMessage& m,
                 const std::function<void(store::RecipientUpdate&)>& change) {
  for (const auto& r : m.recipients) {
    if (r.state != store::RecipientState::kQueued) continue;
    store::RecipientUpdate u{r.state, r.attempts, r.next_attempt, r.last_error};
    change(u);
    if (Status s = store.UpdateRecipient(r.id, u); !s) return s;
  }
  return Status::Ok();
}

}  // namespace

int RunQueueCommand(const GlobalOptions& options, const std::vector<std::string>& words) {
  const char* usage =
      "usage: queue list | queue show ID | queue retry ID|--all | queue delete ID | queue bounce "
      "ID";
  if (words.empty()) return UsageError(usage);
  const std::string& verb = words[0];
  bool takes_id = verb == "show" || verb == "retry" || verb == "delete" || verb == "bounce";
  if ((verb == "list" && words.size() != 1) || (takes_id && words.size() != 2) ||
      (!takes_id && verb != "list"))
    return UsageError(usage);
  auto store = OpenConfiguredStore(options);
  if (!store) return Fail(store.error());
  int64_t now = static_cast<int64_t>(std::time(nullptr));

  if (verb == "list") {
    auto q = (*store)->ListQueue();
    if (!q) return Fail(q.error());
    if (q->empty()) std::cout << "the queue is empty\n";
    for (const auto& m : *q) Print(m, now, false);
    return kExitOk;
  }
  if (verb == "retry" && words[1] == "--all") {
    auto q = (*store)->ListQueue();
    if (!q) return Fail(q.error());
    for (const auto& m : *q)
      if (Status s = ForQueued(**store, m, [&](auto& u) { u.next_attempt = now; }); !s)
        return Fail(s.message());
    std::cout << q->size() << " message(s) due now\n";
    return kExitOk;
  }
  auto m = Find(**store, words[1]);
  if (!m) return Fail(m.error());
  if (verb == "show") {
    Print(*m, now, true);
    auto content = (*store)->ReadQueueContent(m->id);
    if (content) std::cout << "\n" << *content;
    return kExitOk;
  }
  if (verb == "delete") {
    if (Status s = (*store)->DeleteQueueMessage(m->id); !s) return Fail(s.message());
    std::cout << "deleted " << m->id << " (no bounce sent)\n";
    return kExitOk;
  }
  Status s = verb == "retry" ? ForQueued(**store, *m, [&](auto& u) { u.next_attempt = now; })
                             : ForQueued(**store, *m, [&](auto& u) {
                                 u.state = store::RecipientState::kFailed;
                                 u.last_error = "5.0.0 x-local; bounced by the administrator";
                               });
  if (!s) return Fail(s.message());
  std::cout << (verb == "retry" ? "due now: " : "bouncing: ") << m->id << "\n";
  return kExitOk;
}

}  // namespace mailsuite::cli
