#include "mailbox_notifier.h"

#include <Poco/Logger.h>

namespace mailsuite::imapd {
namespace {

// The longest wait between two looks at the store, should a notification be missed.
constexpr std::chrono::milliseconds kMaxWait{1000};

}  // namespace

std::string MailboxKey(store::MailboxId id) { return "mailbox:" + std::to_string(id); }

MailboxNotifier::MailboxNotifier(std::unique_ptr<store::ChangeListener> listener, net::Waker& waker)
    : listener_(std::move(listener)), waker_(waker) {}

MailboxNotifier::~MailboxNotifier() { Stop(); }

void MailboxNotifier::Start() {
  thread_ = std::thread([this] { Loop(); });
}

void MailboxNotifier::Stop() {
  stop_ = true;
  listener_->Interrupt();
  if (thread_.joinable()) thread_.join();
}

void MailboxNotifier::Loop() {
  while (!stop_) {
    auto changed = listener_->Wait(kMaxWait);
    if (!changed) {
      Poco::Logger::get("notifier").error("change listener: " + changed.error());
      std::this_thread::sleep_for(std::chrono::milliseconds(100));  // a store error: no spin
      continue;
    }
    for (const store::MailboxChange& c : *changed) waker_.Wake(MailboxKey(c.mailbox));
  }
}

}  // namespace mailsuite::imapd
