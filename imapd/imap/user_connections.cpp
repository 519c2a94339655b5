#include "user_connections.h"

namespace mailsuite::imapd {

UserConnections::Slot::~Slot() {
  if (owner_) owner_->Release(user_);
}

UserConnections::Slot& UserConnections::Slot::operator=(Slot&& other) noexcept {
  if (this != &other) {
    if (owner_) owner_->Release(user_);
    owner_ = other.owner_;
    user_ = other.user_;
    other.owner_ = nullptr;
  }
  return *this;
}

std::optional<UserConnections::Slot> UserConnections::TryAcquire(store::UserId user, int limit) {
  std::lock_guard<std::mutex> lock(mu_);
  int& n = counts_[user];
  if (n >= limit) {
    if (n == 0) counts_.erase(user);
    return std::nullopt;
  }
  ++n;
  return Slot(this, user);
}

int UserConnections::Count(store::UserId user) const {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = counts_.find(user);
  return it == counts_.end() ? 0 : it->second;
}

void UserConnections::Release(store::UserId user) {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = counts_.find(user);
  if (it == counts_.end()) return;
  if (--it->second <= 0) counts_.erase(it);
}

}  // namespace mailsuite::imapd
