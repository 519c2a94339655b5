// A scripted transport whose input arrives in steps: before each step's text, its action runs
// (another process changing the store while the session waits for its client).
#pragma once

#include <functional>
#include <string>
#include <utility>
#include <vector>

#include "shared/net/memory_transport.h"

namespace mailsuite::imapd {

class StepTransport : public net::MemoryTransport {
 public:
  using Step = std::pair<std::function<void()>, std::string>;
  explicit StepTransport(std::vector<Step> steps) : steps_(std::move(steps)) {}
  net::ReceiveStatus Receive(char* buffer, size_t size, size_t& got) override {
    auto st = MemoryTransport::Receive(buffer, size, got);
    if (st != net::ReceiveStatus::kClosed || next_ >= steps_.size()) return st;
    if (steps_[next_].first) steps_[next_].first();
    AddInput(steps_[next_].second);
    ++next_;
    return MemoryTransport::Receive(buffer, size, got);
  }

 private:
  std::vector<Step> steps_;
  size_t next_ = 0;
};

}  // namespace mailsuite::imapd
