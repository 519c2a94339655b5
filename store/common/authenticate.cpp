#include "store/authenticate.h"

#include <algorithm>

#include "shared/auth/password.h"
#include "shared/mail/address.h"
#include "shared/metrics/protocol_metrics.h"

namespace mailsuite::store {

LoginCheck CheckLogin(Store& store, const std::string& login, const std::string& password,
                      const std::string& authzid) {
  LoginCheck r;
  auto user = store.FindUser(login);
  if (!user) {
    r.outcome = LoginCheck::Outcome::kTemporary;
    r.reason = "lookup failed: " + user.error();
    return r;
  }
  if (!user->has_value()) {
    auth::VerifyAgainstDummy(password);  // the same time as a wrong password
    r.reason = "unknown user";
    return r;
  }
  if (!auth::VerifyPassword(password, (*user)->password_hash)) {
    r.reason = "bad password";
    return r;
  }
  if (!authzid.empty() && mail::ToLower(authzid) != (*user)->address) {
    r.reason = "authzid not permitted";
    return r;
  }
  r.outcome = LoginCheck::Outcome::kOk;
  r.user = **user;
  return r;
}

LoginCheck CheckLogin(std::string_view protocol, Store& store, auth::AuthFailureTracker& failures,
                      const std::string& peer, const std::string& login,
                      const std::string& password, const std::string& authzid) {
  const std::string account = "account:" + mail::ToLower(login);
  if (failures.Throttled(peer) || failures.Throttled(account)) {
    LoginCheck r;
    r.outcome = LoginCheck::Outcome::kThrottled;
    r.reason = "throttled after recent failures";
    metrics::CountLogin(protocol, "throttled");
    return r;
  }
  LoginCheck r = CheckLogin(store, login, password, authzid);
  switch (r.outcome) {
    case LoginCheck::Outcome::kRefused:
      r.delay = std::max(failures.RecordFailure(peer), failures.RecordFailure(account));
      metrics::CountLogin(protocol, "failure");
      break;
    case LoginCheck::Outcome::kOk:
      failures.RecordSuccess(account);
      metrics::CountLogin(protocol, "success");
      break;
    case LoginCheck::Outcome::kTemporary:
      metrics::CountLogin(protocol, "error");
      break;
    case LoginCheck::Outcome::kThrottled:
      break;  // not from CheckLogin without a tracker
  }
  return r;
}

}  // namespace mailsuite::store
