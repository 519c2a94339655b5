// The configuration file parser (shared/config.h) and listener endpoint lists: what an operator
// writes, however broken, gives a clear error and never a crash.
#include "shared/config.h"
#include "../fuzz_target.h"

namespace mailsuite {
namespace {

MAILSUITE_FUZZ_TARGET(config) {
  (void)ParseConfig(input, "fuzz.conf", "/nonexistent", {});
  size_t eol = input.find('\n');
  (void)ParseEndpoints(input.substr(0, eol));
}

}  // namespace
}  // namespace mailsuite
