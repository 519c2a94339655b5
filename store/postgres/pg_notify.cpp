// Cross-node coordination of the PostgreSQL store: Store::Listen through LISTEN/NOTIFY, and
// POP3 maildrop locks as session advisory locks (pg_maildrop_locks.h).
#include <Poco/Logger.h>
#include <poll.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <atomic>
#include <charconv>
#include <cstring>
#include <iterator>

#include "pg_maildrop_locks.h"
#include "pg_store.h"

namespace mailsuite::store::postgres {
namespace {

using Clock = std::chrono::steady_clock;

constexpr const char kListen[] = "LISTEN mailsuite_changes";
constexpr const char kStampMarker[] = "stamp ";
// How often an idle listener renews the stamp it would catch up from after a reconnect.
constexpr auto kStampRefresh = std::chrono::seconds(5);

// "<mailbox id> <highest_modseq>" (pg_schema.cpp's trigger).
std::optional<MailboxChange> ParsePayload(std::string_view payload) {
  MailboxChange change;
  size_t space = payload.find(' ');
  if (space == std::string_view::npos) return std::nullopt;
  auto id = std::from_chars(payload.data(), payload.data() + space, change.mailbox);
  auto modseq = std::from_chars(payload.data() + space + 1, payload.data() + payload.size(),
                                change.highest_modseq);
  if (id.ec != std::errc() || modseq.ec != std::errc()) return std::nullopt;
  return change;
}

// Reports the NOTIFYs of every node's commits. Notifications reach a listening connection only
// while it is open; after it is lost, the listener reconnects and reports what changed since its
// last stamp (Store::MailboxesChangedSince), so a change may come twice but is never missed.
class PgChangeListener final : public ChangeListener {
 public:
  // Throws PgError; `wake_fd` is an eventfd this listener owns from then on.
  PgChangeListener(PgStore& store, std::unique_ptr<PgConn> conn, int wake_fd)
      : store_(store), conn_(std::move(conn)), wake_fd_(wake_fd) {
    // The stamp before LISTEN: a catch-up from it covers every commit LISTEN might not have.
    stamp_ = static_cast<uint64_t>(
        Query(*conn_, "SELECT pg_snapshot_xmin(pg_current_snapshot())").Int(0, 0));
    stamp_at_ = Clock::now();
    conn_->Exec(kListen);
  }
  ~PgChangeListener() override {
    if (wake_fd_ >= 0) close(wake_fd_);
  }

  Result<std::vector<MailboxChange>> Wait(std::chrono::milliseconds timeout) override {
    std::vector<MailboxChange> changes;
    const auto deadline = Clock::now() + timeout;
    try {
      if (!conn_ || !conn_->healthy()) {
        Status s = Reconnect(changes);
        if (!s.ok()) {
          Sleep(deadline);  // the server is away: no busy loop in the caller
          return s;
        }
        if (!changes.empty()) return changes;
      }
      if (Clock::now() - stamp_at_ > kStampRefresh) RefreshStamp();
      Drain(changes);
      while (changes.empty() && !interrupted_) {
        auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
        if (left.count() <= 0) break;
        pollfd fds[2] = {{PQsocket(conn_->handle()), POLLIN, 0}, {wake_fd_, POLLIN, 0}};
        int n = poll(fds, 2, static_cast<int>(left.count()));
        if (n < 0 && errno != EINTR) break;
        if (n > 0 && (fds[0].revents & (POLLIN | POLLERR | POLLHUP))) {
          if (!PQconsumeInput(conn_->handle())) {
            conn_.reset();  // lost: the next Wait reconnects and catches up
            return changes;
          }
          Drain(changes);
        }
      }
    } catch (const PgError& e) {
      conn_.reset();
      return e.ToStatus();
    }
    return changes;
  }

  void Interrupt() override {
    interrupted_ = true;
    uint64_t one = 1;
    if (write(wake_fd_, &one, sizeof one) < 0) {
      // The flag alone still ends the next Wait.
    }
  }

 private:
  void Drain(std::vector<MailboxChange>& changes) {
    while (PGnotify* n = PQnotifies(conn_->handle())) {
      std::string_view payload = n->extra ? n->extra : "";
      if (payload.rfind(kStampMarker, 0) == 0) {
        AdoptStamp(payload.substr(std::size(kStampMarker) - 1));
      } else if (auto change = ParsePayload(payload)) {
        changes.push_back(*change);
      }
      PQfreemem(n);
    }
  }

  // Sends a marker through the notification queue: "stamp <xmin of a snapshot>". The queue
  // holds notifications in commit order, so when a marker arrives every commit its snapshot
  // saw has been delivered here before it, and its xmin is a stamp this listener may catch up
  // from after losing its connection. (Any listener's marker does: each gets all of them.)
  void RefreshStamp() {
    Query(*conn_,
          "SELECT pg_notify('mailsuite_changes', 'stamp ' || "
          "pg_snapshot_xmin(pg_current_snapshot())::text)");
    stamp_at_ = Clock::now();
  }

  void AdoptStamp(std::string_view number) {
    uint64_t stamp = 0;
    auto parsed = std::from_chars(number.data(), number.data() + number.size(), stamp);
    if (parsed.ec == std::errc() && stamp > stamp_) stamp_ = stamp;
  }

  // LISTEN first, then ask what changed since the stamp: a commit in between is reported
  // twice, never missed. Until the catch-up has succeeded the listener counts as disconnected,
  // so a failed one is tried again at the next Wait.
  Status Reconnect(std::vector<MailboxChange>& changes) {
    conn_.reset();
    try {
      conn_ = store_.db().Connect();
      conn_->Exec(kListen);
    } catch (const PgError& e) {
      conn_.reset();
      return e.ToStatus();
    }
    auto missed = store_.MailboxesChangedSince(stamp_);
    if (!missed.ok()) {
      conn_.reset();
      return missed.status();
    }
    stamp_ = missed->first;
    stamp_at_ = Clock::now();
    changes = std::move(missed->second);
    return Status::Ok();
  }

  void Sleep(Clock::time_point deadline) {  // until `deadline` or Interrupt
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
    pollfd fd{wake_fd_, POLLIN, 0};
    if (left.count() > 0 && !interrupted_) poll(&fd, 1, static_cast<int>(left.count()));
  }

  PgStore& store_;
  std::unique_ptr<PgConn> conn_;  // LISTENing; null after it was lost
  const int wake_fd_;
  std::atomic<bool> interrupted_{false};
  uint64_t stamp_ = 0;
  Clock::time_point stamp_at_;
};

// The key of a user's maildrop lock in the advisory lock space ("mail" in the high half).
int64_t MaildropKey(UserId user) { return (int64_t{0x6d61696c} << 32) | (user & 0xffffffffLL); }

}  // namespace

class PgMaildropLocks::Held final : public MaildropLock {
 public:
  Held(PgMaildropLocks& locks, UserId user) : locks_(locks), user_(user) {}
  ~Held() override { locks_.Unlock(user_); }

 private:
  PgMaildropLocks& locks_;
  UserId user_;
};

Result<std::unique_ptr<MaildropLock>> PgMaildropLocks::TryLock(UserId user) {
  std::lock_guard lock(mu_);
  if (locked_.count(user)) return std::unique_ptr<MaildropLock>();
  try {
    if (!conn_ || !conn_->healthy()) Reconnect();
    if (!Query(*conn_, "SELECT pg_try_advisory_lock($1)", MaildropKey(user)).Bool(0, 0))
      return std::unique_ptr<MaildropLock>();
  } catch (const PgError& e) {
    conn_.reset();
    return e.ToStatus();
  }
  locked_.insert(user);
  return std::unique_ptr<MaildropLock>(new Held(*this, user));
}

void PgMaildropLocks::Unlock(UserId user) {
  std::lock_guard lock(mu_);
  locked_.erase(user);
  if (!conn_ || !conn_->healthy()) return;  // the server already dropped it with the session
  try {
    Query(*conn_, "SELECT pg_advisory_unlock($1)", MaildropKey(user));
  } catch (const PgError&) {
    conn_.reset();
  }
}

void PgMaildropLocks::Reconnect() {
  conn_ = db_.Connect();
  for (UserId held : locked_) {
    if (!Query(*conn_, "SELECT pg_try_advisory_lock($1)", MaildropKey(held)).Bool(0, 0))
      Poco::Logger::get("store").error("POP3 maildrop lock of user " + std::to_string(held) +
                                       " was lost with the store connection and taken by "
                                       "another session meanwhile");
  }
}

Result<std::unique_ptr<ChangeListener>> PgStore::Listen() {
  int wake_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
  if (wake_fd < 0) return Status::Error("eventfd: " + std::string(std::strerror(errno)));
  try {
    return std::unique_ptr<ChangeListener>(new PgChangeListener(*this, db_->Connect(), wake_fd));
  } catch (const PgError& e) {
    close(wake_fd);  // the listener that would have owned it was never made
    return e.ToStatus();
  }
}

Result<std::unique_ptr<MaildropLock>> PgStore::LockMaildrop(UserId user) {
  return maildrop_locks_->TryLock(user);
}

}  // namespace mailsuite::store::postgres
