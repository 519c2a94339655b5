// Quota at the SMTP boundary (issue #18): whether local recipients have room for a message.
// RCPT refuses a recipient none of whose users has room for the declared SIZE (452 4.2.2); the
// end of data checks each user against the message as it will be stored, trace fields included.
#pragma once

#include <cstdint>
#include <set>
#include <string>
#include <vector>

#include "delivery.h"
#include "shared/config.h"
#include "shared/result.h"
#include "store/store.h"

namespace mailsuite::mta {

// True when not one of `users` has room for one more message of `octets`.
Result<bool> NoneHasRoom(store::Store& store, const QuotaConfig& quota,
                         const std::vector<store::UserId>& users, uint64_t octets);

// One local user of a recipient who has no room for the message.
struct NoRoom {
  store::UserId user = 0;
  std::string user_address;  // whose mailbox is full
  size_t recipient = 0;      // index into Envelope::recipients
};

// The local users of `env` without room for `content` (each user once, at the first recipient
// that reached them).
Result<std::vector<NoRoom>> UsersWithoutRoom(store::Store& store, const QuotaConfig& quota,
                                             const Envelope& env, const std::string& content);

// Takes those users out of the envelope; a recipient left with no local user is dropped (an
// empty user list would make it remote). False when nobody is left to deliver to.
bool WithoutUsers(Envelope& env, const std::vector<NoRoom>& full);

}  // namespace mailsuite::mta
