// ChangeWatcher: lets a thread sleep until some process may have written to the store, without
// polling. It watches the database's directory with inotify and reacts to writes to the
// database file and its write-ahead log (every SQLite commit writes the log). A wake-up is a
// hint, not a promise: the caller re-reads the store (Store::ChangeStamp) to see what changed.
#pragma once

#include <chrono>
#include <memory>
#include <string>

#include "shared/result.h"

namespace mailsuite::store {

class ChangeWatcher {
 public:
  // Watches the store at `db_path` (the path given to OpenStore).
  static Result<std::unique_ptr<ChangeWatcher>> Open(const std::string& db_path);
  ~ChangeWatcher();
  ChangeWatcher(const ChangeWatcher&) = delete;
  ChangeWatcher& operator=(const ChangeWatcher&) = delete;

  // Waits until the database or its log was written, `timeout` passed or Interrupt() was
  // called. True when a write was seen.
  bool Wait(std::chrono::milliseconds timeout);
  // Ends the current and every later Wait at once (shutdown).
  void Interrupt();

 private:
  ChangeWatcher(int inotify_fd, int event_fd, std::string db_name);
  // Reads the pending inotify events; true if one names the database or its log.
  bool DrainEvents();

  int inotify_fd_;
  int event_fd_;
  std::string db_name_;
};

}  // namespace mailsuite::store
