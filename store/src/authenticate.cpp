#include "store/authenticate.h"

#include "shared/auth/password.h"
#include "shared/mail/address.h"

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

}  // namespace mailsuite::store
