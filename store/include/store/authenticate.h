// Checking a login: the one sequence every protocol runs for LOGIN, USER/PASS and SASL PLAIN or
// LOGIN — look the user up, verify the argon2id hash in constant time (spending the same time
// for unknown users), and refuse acting as another identity (RFC 4616 2). Protocols answer,
// delay and log in their own words.
#pragma once

#include <optional>
#include <string>

#include "store/store.h"

namespace mailsuite::store {

struct LoginCheck {
  enum class Outcome { kOk, kRefused, kTemporary };
  Outcome outcome = Outcome::kRefused;
  std::optional<User> user;  // set when kOk
  std::string reason;        // for the log: "unknown user", "bad password", a store error, …
};

LoginCheck CheckLogin(Store& store, const std::string& login, const std::string& password,
                      const std::string& authzid = "");

}  // namespace mailsuite::store
