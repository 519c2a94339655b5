// When to try a temporarily failed recipient again, and when to give up. Pure; the queue
// storage knows nothing of it (retry policy lives in mta/, as OpenSMTPD keeps its scheduler
// apart from the queue).
#pragma once

#include <cstdint>

namespace mailsuite::mta {

struct RetryDecision {
  bool give_up = false;
  int64_t next_attempt = 0;
};

// After a temporary failure at `now` of a message queued at `created_at`: retry
// `retry_interval` seconds later, unless the message has been queued for `max_lifetime`.
inline RetryDecision AfterTemporaryFailure(int64_t created_at, int64_t now, int retry_interval,
                                           int max_lifetime) {
  if (now - created_at >= max_lifetime) return RetryDecision{true, 0};
  return RetryDecision{false, now + retry_interval};
}

}  // namespace mailsuite::mta
