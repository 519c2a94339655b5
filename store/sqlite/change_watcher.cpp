#include "change_watcher.h"

#include <poll.h>
#include <sys/eventfd.h>
#include <sys/inotify.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>

namespace mailsuite::store {

Result<std::unique_ptr<ChangeWatcher>> ChangeWatcher::Open(const std::string& db_path) {
  std::filesystem::path path(db_path);
  std::filesystem::path dir = path.parent_path();
  if (dir.empty()) dir = ".";
  int in = ::inotify_init1(IN_CLOEXEC | IN_NONBLOCK);
  if (in < 0) return Status::Error(std::string("inotify: ") + std::strerror(errno));
  // IN_MODIFY: a commit's pages; IN_CREATE/IN_MOVED_TO: a new log or a restored database.
  if (::inotify_add_watch(in, dir.c_str(), IN_MODIFY | IN_CREATE | IN_MOVED_TO) < 0) {
    std::string why = std::strerror(errno);
    ::close(in);
    return Status::Error("inotify on " + dir.string() + ": " + why);
  }
  int ev = ::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
  if (ev < 0) {
    ::close(in);
    return Status::Error(std::string("eventfd: ") + std::strerror(errno));
  }
  return std::unique_ptr<ChangeWatcher>(new ChangeWatcher(in, ev, path.filename().string()));
}

ChangeWatcher::ChangeWatcher(int inotify_fd, int event_fd, std::string db_name)
    : inotify_fd_(inotify_fd), event_fd_(event_fd), db_name_(std::move(db_name)) {}

ChangeWatcher::~ChangeWatcher() {
  ::close(inotify_fd_);
  ::close(event_fd_);
}

bool ChangeWatcher::Wait(std::chrono::milliseconds timeout) {
  pollfd fds[2] = {{inotify_fd_, POLLIN, 0}, {event_fd_, POLLIN, 0}};
  if (::poll(fds, 2, static_cast<int>(timeout.count())) <= 0) return false;
  if (fds[1].revents & POLLIN) return false;  // interrupted: stays readable for later waits
  return DrainEvents();
}

void ChangeWatcher::Interrupt() {
  uint64_t one = 1;
  if (::write(event_fd_, &one, sizeof one) < 0) {
    // The counter cannot overflow from this; nothing else can fail here.
  }
}

bool ChangeWatcher::DrainEvents() {
  alignas(inotify_event) char buffer[8192];
  bool relevant = false;
  for (;;) {
    ssize_t n = ::read(inotify_fd_, buffer, sizeof buffer);
    if (n <= 0) break;  // EAGAIN: drained
    for (ssize_t off = 0; off < n;) {
      const auto* e = reinterpret_cast<const inotify_event*>(buffer + off);
      // IN_Q_OVERFLOW lost events: treat as a change.
      if (e->mask & IN_Q_OVERFLOW) relevant = true;
      if (e->len > 0) {
        std::string_view name(e->name);
        if (name == db_name_ || name == db_name_ + "-wal") relevant = true;
      }
      off += static_cast<ssize_t>(sizeof(inotify_event) + e->len);
    }
  }
  return relevant;
}

}  // namespace mailsuite::store
