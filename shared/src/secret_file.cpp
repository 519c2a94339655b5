#include "shared/secret_file.h"

#include <fstream>

namespace mailsuite {

Result<std::string> ReadSecretFile(const std::string& path, std::string_view key) {
  std::ifstream in(path);
  std::string line;
  if (!in || !std::getline(in, line))
    return Status::Error("cannot read " + std::string(key) + " " + path);
  if (!line.empty() && line.back() == '\r') line.pop_back();
  return line;
}

}  // namespace mailsuite
