// A connection to one milter; see milter_client.h.
#include "milter_client.h"

#include <Poco/Exception.h>
#include <Poco/Net/NetException.h>
#include <Poco/Net/SocketAddress.h>
#include <Poco/Timespan.h>

namespace mailsuite::mta::milter {
namespace {

Poco::Timespan Span(std::chrono::milliseconds d) {
  return Poco::Timespan(static_cast<Poco::Timespan::TimeDiff>(d.count()) * 1000);
}

}  // namespace

Result<std::unique_ptr<MilterConnection>> MilterConnection::Open(
    const MilterSpec& spec, std::chrono::seconds connect_timeout,
    std::chrono::seconds command_timeout) {
  std::unique_ptr<MilterConnection> c(new MilterConnection());
  try {
    Poco::Net::SocketAddress address =
        spec.path.empty()
            ? Poco::Net::SocketAddress(spec.inet.host, spec.inet.port)
            : Poco::Net::SocketAddress(Poco::Net::SocketAddress::UNIX_LOCAL, spec.path);
    c->socket_.connect(address, Span(connect_timeout));
    if (spec.path.empty()) c->socket_.setNoDelay(true);
    c->socket_.setSendTimeout(Span(command_timeout));  // a filter that stops reading
  } catch (const Poco::Exception& e) {
    return Status::Error("cannot connect: " + e.displayText());
  }
  c->open_ = true;
  // We offer every action and every step we can leave out or run without a reply; the filter
  // answers with the subset it wants (Postfix's milter8 does the same).
  if (Status st = c->Send(EncodeOptionNegotiation(action::kAll, step::kOffered)); !st) return st;
  auto packet = c->ReceivePacket(std::chrono::steady_clock::now() + command_timeout);
  if (!packet) return packet.status();
  auto negotiated = ParseNegotiation(*packet);
  if (!negotiated) return negotiated.status();
  c->negotiated_ = std::move(*negotiated);
  c->negotiated_.actions &= action::kAll;
  c->negotiated_.steps &= step::kOffered;
  return c;
}

MilterConnection::~MilterConnection() {
  if (open_) Quit();
}

Status MilterConnection::Send(std::string_view bytes) {
  try {
    size_t sent = 0;
    while (sent < bytes.size()) {
      int n = socket_.sendBytes(bytes.data() + sent, static_cast<int>(bytes.size() - sent));
      if (n <= 0) return Status::Error("connection closed while sending");
      sent += static_cast<size_t>(n);
    }
  } catch (const Poco::Exception& e) {
    return Status::Error("send failed: " + e.displayText());
  }
  return Status::Ok();
}

Result<Packet> MilterConnection::ReceivePacket(Deadline deadline) {
  Packet packet;
  char buffer[16384];
  for (;;) {
    switch (reader_.Next(&packet)) {
      case PacketReader::Outcome::kPacket:
        return packet;
      case PacketReader::Outcome::kMalformed:
        return Status::Error("malformed packet");
      case PacketReader::Outcome::kNeedMore:
        break;
    }
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) return Status::Error("timed out");
    try {
      if (!socket_.poll(Span(left), Poco::Net::Socket::SELECT_READ))
        return Status::Error("timed out");
      int n = socket_.receiveBytes(buffer, sizeof buffer);
      if (n <= 0) return Status::Error("connection closed by the filter");
      reader_.Feed(std::string_view(buffer, static_cast<size_t>(n)));
    } catch (const Poco::Exception& e) {
      return Status::Error("receive failed: " + e.displayText());
    }
  }
}

Result<Reply> MilterConnection::Receive(Deadline deadline) {
  for (;;) {
    auto packet = ReceivePacket(deadline);
    if (!packet) return packet.status();
    auto reply = ParseReply(*packet);
    if (!reply) return reply.status();
    if (reply->kind != Reply::Kind::kProgress) return reply;
  }
}

void MilterConnection::Quit() {
  if (!open_) return;
  open_ = false;
  (void)Send(EncodePacket(command::kQuit, ""));
  try {
    socket_.close();
  } catch (const Poco::Exception&) {
  }
}

}  // namespace mailsuite::mta::milter
