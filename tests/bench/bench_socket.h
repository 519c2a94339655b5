// BenchSocket: the blocking loopback client the load generators share — connect with
// TCP_NODELAY and a receive timeout, send everything, read CRLF lines from a buffer.
#pragma once

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <unistd.h>

#include <string>

class BenchSocket {
 public:
  BenchSocket() = default;
  BenchSocket(const BenchSocket&) = delete;
  BenchSocket& operator=(const BenchSocket&) = delete;
  ~BenchSocket() {
    if (fd_ >= 0) ::close(fd_);
  }

  bool Open(const std::string& host, int port, int timeout_seconds = 30) {
    fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_port = htons(static_cast<uint16_t>(port));
    inet_pton(AF_INET, host.c_str(), &a.sin_addr);
    int one = 1;
    setsockopt(fd_, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    timeval tv{timeout_seconds, 0};
    setsockopt(fd_, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    return ::connect(fd_, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0;
  }

  bool Send(const std::string& s) {
    size_t off = 0;
    while (off < s.size()) {
      ssize_t n = ::send(fd_, s.data() + off, s.size() - off, MSG_NOSIGNAL);
      if (n <= 0) return false;
      off += static_cast<size_t>(n);
    }
    return true;
  }

  // One CRLF line without its CRLF; false when the server went away or went quiet.
  bool Line(std::string& line) {
    for (;;) {
      size_t eol = buf_.find("\r\n", pos_);
      if (eol != std::string::npos) {
        line.assign(buf_, pos_, eol - pos_);
        pos_ = eol + 2;
        return true;
      }
      buf_.erase(0, pos_);
      pos_ = 0;
      char tmp[65536];
      ssize_t n = ::recv(fd_, tmp, sizeof tmp, 0);
      if (n <= 0) return false;
      buf_.append(tmp, static_cast<size_t>(n));
    }
  }

  // Reads and drops exactly `n` bytes (an IMAP literal).
  bool Skip(size_t n) {
    while (buf_.size() - pos_ < n) {
      buf_.erase(0, pos_);
      pos_ = 0;
      char tmp[65536];
      ssize_t got = ::recv(fd_, tmp, sizeof tmp, 0);
      if (got <= 0) return false;
      buf_.append(tmp, static_cast<size_t>(got));
    }
    pos_ += n;
    return true;
  }

 private:
  int fd_ = -1;
  std::string buf_;
  size_t pos_ = 0;
};
