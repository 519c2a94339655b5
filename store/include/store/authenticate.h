// Checking a login: the one sequence every protocol runs for LOGIN, USER/PASS and SASL PLAIN or
// LOGIN — look the user up, verify the argon2id hash in constant time (spending the same time
// for unknown users), and refuse acting as another identity (RFC 4616 2). Protocols answer,
// delay and log in their own words.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <string_view>

#include "shared/auth/password.h"
#include "store/store.h"

namespace mailsuite::store {

struct LoginCheck {
  // kThrottled: the address or the account failed too recently; the password was not checked.
  enum class Outcome { kOk, kRefused, kTemporary, kThrottled };
  Outcome outcome = Outcome::kRefused;
  std::optional<User> user;  // set when kOk
  std::string reason;        // for the log: "unknown user", "bad password", a store error, …
  std::chrono::milliseconds delay{0};  // kRefused: wait this long before answering
};

LoginCheck CheckLogin(Store& store, const std::string& login, const std::string& password,
                      const std::string& authzid = "");

// The same with brute-force protection (SECURITY.md 4): failures are counted per client
// address and per account, each doubling its delay; while either is inside its delay, attempts
// are refused unchecked. A success clears the account's count, not the address's, so logging
// in to one's own account does not reset the count for guessing at others. Every outcome is
// counted in mailsuite_logins_total under `protocol` ("smtp", "pop3", "imap", "managesieve").
LoginCheck CheckLogin(std::string_view protocol, Store& store, auth::AuthFailureTracker& failures,
                      const std::string& peer, const std::string& login,
                      const std::string& password, const std::string& authzid = "");

}  // namespace mailsuite::store
