// The CPU bound of one Execute: every command, test and unit of match work costs steps, and
// once the budget is spent every further charge fails, so the run ends with an error.
#pragma once

#include <cstdint>

namespace mailsuite::sieve {

class StepBudget {
 public:
  explicit StepBudget(uint64_t steps) : left_(steps) {}

  // False (and exhausted from then on) when `steps` are more than what is left.
  bool Charge(uint64_t steps) {
    if (exhausted_ || steps > left_) {
      exhausted_ = true;
      left_ = 0;
      return false;
    }
    left_ -= steps;
    return true;
  }
  bool exhausted() const { return exhausted_; }

 private:
  uint64_t left_;
  bool exhausted_ = false;
};

}  // namespace mailsuite::sieve
