// DATA bodies (RFC 5321 4.1.1.4, 4.5.2) read from a connection: dot-unstuffing, the end marker
// and the SMTP smuggling defence (only CRLF "." CRLF ends a message), both with bare line ends
// refused and repaired.
#include "../fuzz_target.h"
#include "shared/net/line_connection.h"
#include "shared/net/memory_transport.h"
#include "smtp/data_reader.h"

namespace mailsuite::mta {
namespace {

MAILSUITE_FUZZ_TARGET(smtp_data) {
  for (bool normalize : {false, true}) {
    net::MemoryTransport transport{std::string(input), 97};  // odd chunks: lines split anyhow
    net::LineConnection conn(transport, 1000);
    DataResult r = ReadDataBody(conn, 64 * 1024, normalize);
    if (r.status != net::ReadStatus::kOk || r.too_big) continue;
    FUZZ_CHECK(r.content.size() <= 64 * 1024);
    if (!normalize && r.bare_line_end) continue;  // refused by the caller
    // What is accepted has CRLF line ends only, and it ends with one (or is empty).
    for (size_t i = 0; i < r.content.size(); ++i) {
      if (r.content[i] == '\n') FUZZ_CHECK(i > 0 && r.content[i - 1] == '\r');
      if (r.content[i] == '\r') FUZZ_CHECK(i + 1 < r.content.size() && r.content[i + 1] == '\n');
    }
    FUZZ_CHECK(r.content.empty() || r.content.size() >= 2);
  }
}

}  // namespace
}  // namespace mailsuite::mta
