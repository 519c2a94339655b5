// PUTSCRIPT, CHECKSCRIPT and HAVESPACE (RFC 5804 2.6, 2.12, 2.5): a script is compiled before
// it is stored, so a broken one is refused with its line ("line 3: unknown command 'filein'")
// and never replaces a working one.
#include "../session.h"
#include "script_common.h"
#include "shared/sieve/sieve.h"

namespace mailsuite::managesieve {
namespace {

bool CheckSize(ManageSieveSession& s, uint64_t size) {
  if (size <= s.max_script_size()) return true;
  s.No("Scripts may have at most " + std::to_string(s.max_script_size()) + " octets",
       "QUOTA/MAXSIZE");
  return false;
}

// Answers NO with the compiler's error and returns false when `text` is not a valid script.
bool Compiles(ManageSieveSession& s, const std::string& text) {
  sieve::CompileResult compiled = sieve::Compile(text);
  if (compiled.ok()) return true;
  s.No(compiled.Describe());
  return false;
}

}  // namespace

void HandlePutScript(ManageSieveSession& s, const Arguments& args) {
  if (!ExpectStrings(s, args, 2, "PUTSCRIPT name script")) return;
  const std::string& name = args[0].text;
  const std::string& text = args[1].text;
  if (!CheckScriptName(s, name) || !CheckSize(s, text.size()) || !Compiles(s, text) ||
      !RoomForScript(s, name))
    return;
  Status put = s.store().PutSieveScript(s.user->id, name, text);
  if (!put.ok()) return StoreFailed(s, "storing a Sieve script", put.message());
  s.log().Info("script stored user=" + s.user->address + " name=" + Printable(name, 80) +
               " size=" + std::to_string(text.size()));
  s.Ok("Script stored");
}

void HandleCheckScript(ManageSieveSession& s, const Arguments& args) {
  if (!ExpectStrings(s, args, 1, "CHECKSCRIPT script")) return;
  if (!CheckSize(s, args[0].text.size()) || !Compiles(s, args[0].text)) return;
  s.Ok("Script is valid");
}

void HandleHaveSpace(ManageSieveSession& s, const Arguments& args) {
  std::optional<uint32_t> size;
  if (args.size() == 2 && args[0].kind == Token::Kind::kString) size = ParseNumber(args[1]);
  if (!size) {
    s.No("Syntax: HAVESPACE name size");
    return s.CountError();
  }
  if (!CheckScriptName(s, args[0].text) || !CheckSize(s, *size) || !RoomForScript(s, args[0].text))
    return;
  s.Ok("Putting the script will succeed");
}

}  // namespace mailsuite::managesieve
