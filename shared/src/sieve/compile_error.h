// A compile error: what is wrong and on which line of the script (1-based). Steps of the
// compiler return std::optional<CompileError>: empty when the step succeeded.
#pragma once

#include <optional>
#include <string>

namespace mailsuite::sieve {

struct CompileError {
  int line = 0;
  std::string message;
};

using CompileCheck = std::optional<CompileError>;

}  // namespace mailsuite::sieve
