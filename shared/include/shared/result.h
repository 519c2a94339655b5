// Status and Result<T>: how one module tells another that something failed and why, without
// exceptions crossing module boundaries (LevelDB's habit). The message is for a log line or
// an admin's terminal, never for a network peer. A failure that came from a full disk says so
// (no_space), because every protocol answers it with its own "try again later, no room" reply.
#pragma once

#include <optional>
#include <string>
#include <utility>
#include <variant>

namespace mailsuite {

class Status {
 public:
  static Status Ok() { return Status(); }
  static Status Error(std::string message) { return Status(std::move(message)); }
  static Status NoSpace(std::string message) {
    Status s(std::move(message));
    s.no_space_ = true;
    return s;
  }

  bool ok() const { return !message_.has_value(); }
  bool no_space() const { return no_space_; }
  explicit operator bool() const { return ok(); }
  const std::string& message() const {
    static const std::string kEmpty;
    return message_ ? *message_ : kEmpty;
  }

 private:
  Status() = default;
  explicit Status(std::string message) : message_(std::move(message)) {}
  std::optional<std::string> message_;
  bool no_space_ = false;
};

template <typename T>
class Result {
 public:
  Result(T value) : value_(std::move(value)) {}       // NOLINT: implicit on purpose
  Result(Status error) : value_(std::move(error)) {}  // NOLINT: implicit on purpose

  bool ok() const { return std::holds_alternative<T>(value_); }
  explicit operator bool() const { return ok(); }
  T& value() & { return std::get<T>(value_); }
  const T& value() const& { return std::get<T>(value_); }
  T value() && { return std::get<T>(std::move(value_)); }  // by value: no dangling in for-loops
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }
  const std::string& error() const { return std::get<Status>(value_).message(); }
  Status status() const { return ok() ? Status::Ok() : std::get<Status>(value_); }

 private:
  std::variant<T, Status> value_;
};

}  // namespace mailsuite
