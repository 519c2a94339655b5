// MemoryTransport: a scripted Transport for session tests. Input is handed out in chunks of
// `chunk` bytes (1 feeds byte at a time); everything the session sends is collected in output().
#pragma once

#include <algorithm>
#include <string>

#include "shared/net/transport.h"

namespace mailsuite::net {

class MemoryTransport : public Transport {
 public:
  explicit MemoryTransport(std::string input = "", size_t chunk = 1 << 20,
                           bool tls_available = true)
      : input_(std::move(input)), chunk_(chunk), tls_available_(tls_available) {}

  void AddInput(std::string_view more) { input_.append(more); }
  // Bytes the client sends once TLS is up: they become readable only after StartTls(), the way
  // a real client writes nothing more until its handshake is done.
  void SetInputAfterTls(std::string after) { after_tls_ = std::move(after); }
  const std::string& output() const { return output_; }
  void ClearOutput() { output_.clear(); }
  int tls_upgrades() const { return tls_upgrades_; }

  ReceiveStatus Receive(char* buffer, size_t size, size_t& got) override {
    got = 0;
    if (pos_ >= input_.size()) return ReceiveStatus::kClosed;
    got = std::min({size, chunk_, input_.size() - pos_});
    input_.copy(buffer, got, pos_);
    pos_ += got;
    return ReceiveStatus::kData;
  }
  // Scripted input is always there, or its end is.
  ReceiveStatus ReceiveNow(char* buffer, size_t size, size_t& got) override {
    return Receive(buffer, size, got);
  }
  bool Send(std::string_view data) override {
    output_.append(data);
    return true;
  }
  // Room for everything, always (through Send, which a test transport may count).
  SendStatus SendNow(std::string_view data, size_t& taken) override {
    taken = 0;
    if (!Send(data)) return SendStatus::kFailed;
    taken = data.size();
    return SendStatus::kDone;
  }
  bool StartTls() override {
    if (!CanStartTls()) return false;
    is_tls_ = true;
    ++tls_upgrades_;
    // Whatever was not read before the handshake would have broken it; drop it and go on with
    // what the client sends over TLS.
    input_ = std::move(after_tls_);
    pos_ = 0;
    return true;
  }
  bool IsTls() const override { return is_tls_; }
  bool CanStartTls() const override { return tls_available_ && !is_tls_; }
  void SetIdleTimeout(std::chrono::seconds) override {}
  // Scripted input is always there, or its end is: never waits.
  bool WaitReadable(std::chrono::milliseconds) override { return true; }

 private:
  std::string input_;
  std::string after_tls_;
  size_t pos_ = 0;
  size_t chunk_;
  bool tls_available_;
  bool is_tls_ = false;
  int tls_upgrades_ = 0;
  std::string output_;
};

}  // namespace mailsuite::net
