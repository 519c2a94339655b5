// COMPRESS (RFC 4978): DEFLATE only, after authentication (section 5 adds it to command-auth).
// The tagged OK goes out uncompressed and everything after its CRLF is compressed, both ways
// (section 3). A client must not send more until it has seen that OK; bytes it pipelined anyway
// are read as compressed input, never as plaintext commands. A second COMPRESS is refused with
// NO [COMPRESSIONACTIVE] (section 3: the mechanism is already active).
#include "../session.h"
#include "shared/net/deflate_transport.h"

namespace mailsuite::imapd {

void HandleCompress(ImapSession& s, const Command& c) {
  if (c.args.size() != 1 || c.args[0].kind != Arg::Kind::kAtom)
    return s.Bad(c, "Syntax: COMPRESS DEFLATE");
  if (!c.args[0].IsAtom("DEFLATE")) return s.Bad(c, "Unknown compression mechanism");
  if (s.compress_active) return s.No(c, "[COMPRESSIONACTIVE] DEFLATE is already active");
  s.Ok(c, "DEFLATE active");
  bool pushed = s.conn().PushLayer([](net::Transport& below, std::string_view pipelined) {
    return net::DeflateTransport::Create(below, pipelined);
  });
  if (!pushed) {
    // The client compresses from now on; without the layer nothing it sends can be read.
    s.log().Error("COMPRESS: cannot start deflate");
    return s.Close();
  }
  s.compress_active = true;
  s.log().Info("compression started");
}

}  // namespace mailsuite::imapd
