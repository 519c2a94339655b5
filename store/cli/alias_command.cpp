// mailsuite alias add SOURCE TARGET | alias list | alias remove SOURCE [TARGET]
#include <iostream>

#include "cli_common.h"

namespace mailsuite::cli {

int RunAliasCommand(const GlobalOptions& options, const std::vector<std::string>& words) {
  const std::string action = words.empty() ? "" : words[0];
  if (action == "list") {
    if (words.size() != 1) return UsageError("usage: alias list");
  } else if (action == "add") {
    if (words.size() != 3) return UsageError("usage: alias add SOURCE TARGET");
  } else if (action == "remove") {
    if (words.size() != 2 && words.size() != 3) {
      return UsageError("usage: alias remove SOURCE [TARGET]");
    }
  } else {
    return UsageError("usage: alias add|list|remove ...");
  }
  auto store = OpenConfiguredStore(options);
  if (!store.ok()) return Fail(store.error());

  if (action == "list") {
    auto aliases = (*store)->ListAliases();
    if (!aliases.ok()) return Fail(aliases.error());
    for (const store::Alias& a : *aliases) std::cout << a.source << " -> " << a.target << "\n";
    return kExitOk;
  }
  const std::string& source = words[1];
  const std::string target = words.size() == 3 ? words[2] : "";
  const std::string subject = "alias " + source;
  if (action == "add") {
    Status s = (*store)->AddAlias(source, target);
    if (!s.ok()) return Fail(subject, s.message());
    std::cout << "added alias " << source << " -> " << target << "\n";
    return kExitOk;
  }
  Status s = (*store)->RemoveAlias(source, target);
  if (!s.ok()) return Fail(subject, s.message());
  std::cout << "removed alias " << source << (target.empty() ? "" : " -> " + target) << "\n";
  return kExitOk;
}

}  // namespace mailsuite::cli
