// fuzz_replay TARGET DIR…: runs every file under each DIR through the named fuzz target (see
// fuzz_target.h) and prints how many it ran. Built in every build, with the project's
// sanitizers, so the committed corpus and crash regressions run in CI without clang.
#include <filesystem>
#include <fstream>
#include <iostream>
#include <iterator>
#include <map>
#include <string>

#include "fuzz_target.h"

namespace mailsuite::fuzz {
namespace {

std::map<std::string, TargetFn>& Targets() {
  static std::map<std::string, TargetFn> targets;
  return targets;
}

}  // namespace

bool Register(const char* name, TargetFn fn) {
  Targets()[name] = fn;
  return true;
}

}  // namespace mailsuite::fuzz

int main(int argc, char** argv) {
  auto& targets = mailsuite::fuzz::Targets();
  if (argc < 3 || !targets.count(argv[1])) {
    std::cerr << "usage: fuzz_replay TARGET DIR...\ntargets:";
    for (const auto& [name, fn] : targets) std::cerr << ' ' << name;
    std::cerr << '\n';
    return 2;
  }
  mailsuite::fuzz::TargetFn fn = targets[argv[1]];
  size_t ran = 0;
  for (int i = 2; i < argc; ++i) {
    for (const auto& entry : std::filesystem::recursive_directory_iterator(argv[i])) {
      if (!entry.is_regular_file()) continue;
      std::ifstream in(entry.path(), std::ios::binary);
      std::string data((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
      fn(data);
      ++ran;
    }
  }
  std::cout << argv[1] << ": " << ran << " inputs replayed\n";
  return ran > 0 ? 0 : 1;  // an empty corpus is a mistake, not a pass
}
