// One connection to one content filter (milter): connect, negotiate, send packets, read
// replies with a deadline. Blocking, on the session's thread, like Postfix's smtpd.
#pragma once

#include <Poco/Net/StreamSocket.h>

#include <chrono>
#include <memory>
#include <string>
#include <string_view>

#include "milter_protocol.h"
#include "shared/config.h"
#include "shared/result.h"

namespace mailsuite::mta::milter {

class MilterConnection {
 public:
  // Connects within `connect_timeout` and negotiates within `command_timeout`: offers every
  // action and step this MTA supports.
  static Result<std::unique_ptr<MilterConnection>> Open(const MilterSpec& spec,
                                                        std::chrono::seconds connect_timeout,
                                                        std::chrono::seconds command_timeout);
  ~MilterConnection();

  const Negotiation& negotiated() const { return negotiated_; }
  // Writes packets (already encoded).
  Status Send(std::string_view bytes);
  using Deadline = std::chrono::steady_clock::time_point;
  // The next reply but progress ('p': still working, read on), by `deadline`.
  Result<Reply> Receive(Deadline deadline);
  // Sends SMFIC_QUIT and closes; quietly, for a connection that may already be broken.
  void Quit();

 private:
  MilterConnection() = default;
  Result<Packet> ReceivePacket(Deadline deadline);

  Poco::Net::StreamSocket socket_;
  PacketReader reader_;
  Negotiation negotiated_;
  bool open_ = false;
};

}  // namespace mailsuite::mta::milter
