// mailsuite sieve list|put|get|activate|deactivate|delete ADDRESS [NAME] [FILE], and sieve check
// FILE: users' Sieve scripts (RFC 5228), as ManageSieve clients will manage them. A script is
// compiled before it is stored, so a syntax error is refused with its line and never reaches
// delivery.
#include <fstream>
#include <iostream>
#include <iterator>
#include <sstream>

#include "cli_common.h"
#include "shared/sieve/script_name.h"
#include "shared/sieve/sieve.h"

namespace mailsuite::cli {
namespace {

constexpr char kUsage[] =
    "usage: sieve list ADDRESS | sieve put ADDRESS NAME [FILE|-] | sieve get ADDRESS NAME | "
    "sieve activate ADDRESS NAME | sieve deactivate ADDRESS | sieve delete ADDRESS NAME | "
    "sieve check FILE";

Result<std::string> ReadScript(const std::string& path) {
  if (path.empty() || path == "-")
    return std::string(std::istreambuf_iterator<char>(std::cin), std::istreambuf_iterator<char>());
  std::ifstream in(path, std::ios::binary);
  if (!in) return Status::Error("cannot read " + path);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

// "line 3: unknown command 'filein'" for a script that does not compile; empty when it does.
std::string CompileProblem(const std::string& text) {
  sieve::CompileResult compiled = sieve::Compile(text);
  return compiled.ok() ? "" : compiled.Describe();
}

}  // namespace

int RunSieveCommand(const GlobalOptions& options, const std::vector<std::string>& words) {
  const std::string action = words.empty() ? "" : words[0];
  const size_t n = words.size();
  bool shape_ok = (action == "check" && n == 2) ||
                  ((action == "list" || action == "deactivate") && n == 2) ||
                  ((action == "get" || action == "activate" || action == "delete") && n == 3) ||
                  (action == "put" && (n == 3 || n == 4));
  if (!shape_ok) return UsageError(kUsage);
  if (action == "check") {
    auto text = ReadScript(words[1]);
    if (!text.ok()) return Fail(text.error());
    if (std::string problem = CompileProblem(*text); !problem.empty())
      return Fail(words[1] + ": " + problem);
    std::cout << words[1] << ": ok\n";
    return kExitOk;
  }

  const std::string& address = words[1];
  const std::string subject = "user " + address;
  const std::string name = n >= 3 ? words[2] : "";
  if (n >= 3)
    if (std::string problem = sieve::ScriptNameProblem(name); !problem.empty())
      return Fail(subject, "the script name " + problem);
  std::string script;
  if (action == "put") {  // read and check before touching the store
    auto text = ReadScript(n == 4 ? words[3] : "-");
    if (!text.ok()) return Fail(text.error());
    if (std::string problem = CompileProblem(*text); !problem.empty())
      return Fail(subject, "script '" + name + "' " + problem);
    script = std::move(*text);
  }
  auto store = OpenConfiguredStore(options);
  if (!store.ok()) return Fail(store.error());
  auto user = (*store)->FindUser(address);
  if (!user.ok()) return Fail(subject, user.error());
  if (!user->has_value()) return Fail(subject, "user " + address + " does not exist");
  const store::UserId id = (*user)->id;

  Status s = Status::Ok();
  if (action == "list") {
    auto list = (*store)->ListSieveScripts(id);
    if (!list.ok()) return Fail(subject, list.error());
    for (const store::SieveScript& sc : *list)
      std::cout << sc.name << (sc.active ? "\tactive" : "") << "\n";
    return kExitOk;
  } else if (action == "get") {
    auto got = (*store)->GetSieveScript(id, name);
    if (!got.ok()) return Fail(subject, got.error());
    if (!got->has_value()) return Fail(subject, "no Sieve script named '" + name + "'");
    std::cout << (*got)->content;
    return kExitOk;
  } else if (action == "put") {
    s = (*store)->PutSieveScript(id, name, script);
    if (s.ok()) std::cout << "stored script '" << name << "' of " << address << "\n";
  } else if (action == "activate") {
    s = (*store)->ActivateSieveScript(id, name);
    if (s.ok()) std::cout << "script '" << name << "' is active for " << address << "\n";
  } else if (action == "deactivate") {
    s = (*store)->ActivateSieveScript(id, "");
    if (s.ok()) std::cout << "no script is active for " << address << "\n";
  } else {
    s = (*store)->DeleteSieveScript(id, name);
    if (s.ok()) std::cout << "deleted script '" << name << "' of " << address << "\n";
  }
  return s.ok() ? kExitOk : Fail(subject, s.message());
}

}  // namespace mailsuite::cli
