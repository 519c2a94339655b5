// One fuzz target: a function from arbitrary bytes to nothing that must not crash, hang, leak or
// trip a sanitizer, and must keep the invariants it checks (FUZZ_CHECK). The same source builds
// two ways: with clang's libFuzzer (-DMAILSUITE_LIBFUZZER, tests/fuzz/run.sh) as an executable
// that explores, and into fuzz_replay (every build) that feeds it the committed corpus, so each
// input a fuzzer once found stays a regression test.
#pragma once

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string_view>

namespace mailsuite::fuzz {

using TargetFn = void (*)(std::string_view input);
// Adds a target to fuzz_replay's table; returns true so it can initialise a static.
bool Register(const char* name, TargetFn fn);

[[noreturn]] inline void CheckFailed(const char* what, const char* file, int line) {
  std::fprintf(stderr, "%s:%d: invariant broken: %s\n", file, line, what);
  std::abort();
}

}  // namespace mailsuite::fuzz

#define FUZZ_CHECK(cond) \
  ((cond) ? (void)0 : ::mailsuite::fuzz::CheckFailed(#cond, __FILE__, __LINE__))

#ifdef MAILSUITE_LIBFUZZER
#define MAILSUITE_FUZZ_TARGET(name)                                          \
  static void name##Fuzz(std::string_view input);                            \
  extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {  \
    name##Fuzz(std::string_view(reinterpret_cast<const char*>(data), size)); \
    return 0;                                                                \
  }                                                                          \
  static void name##Fuzz(std::string_view input)
#else
#define MAILSUITE_FUZZ_TARGET(name)                     \
  static void name##Fuzz(std::string_view input);       \
  [[maybe_unused]] static const bool name##Registered = \
      ::mailsuite::fuzz::Register(#name, name##Fuzz);   \
  static void name##Fuzz(std::string_view input)
#endif
