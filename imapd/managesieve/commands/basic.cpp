// CAPABILITY, NOOP and LOGOUT (RFC 5804 2.4, 2.3, 2.14): valid in every state.
#include "../responses.h"
#include "../session.h"

namespace mailsuite::managesieve {

void HandleCapability(ManageSieveSession& s, const Arguments& args) {
  if (!ExpectStrings(s, args, 0, "CAPABILITY")) return;
  s.WriteCapabilities();
}

void HandleNoop(ManageSieveSession& s, const Arguments& args) {
  if (args.empty()) return s.Ok("Done");
  if (!ExpectStrings(s, args, 1, "NOOP [tag]")) return;
  // RFC 5804 2.14: the tag comes back in a TAG response code, so a client can match replies.
  s.Ok("Done", "TAG " + EncodeString(args[0].text));
}

void HandleLogout(ManageSieveSession& s, const Arguments& args) {
  if (!ExpectStrings(s, args, 0, "LOGOUT")) return;
  s.Ok("Logout completed");  // RFC 5804 2.3, erratum 7825: OK, then the server closes
  s.Close();
}

}  // namespace mailsuite::managesieve
