// The generic shape of a Sieve script after parsing (RFC 5228 8.2), before any command or test
// name is looked at: names, arguments, test lists and blocks, each with the line it started on.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace mailsuite::sieve {

struct Argument {
  enum class Kind { kStringList, kNumber, kTag };
  Kind kind = Kind::kStringList;
  int line = 0;
  std::vector<std::string> strings;  // kStringList
  bool bracketed = false;            // kStringList written as "[...]" (else a single string)
  uint64_t number = 0;               // kNumber, quantifier applied
  std::string tag;                   // kTag, lower-cased, without the ':'
};

// A command (with ";" or a block) or a test (never a block).
struct Node {
  std::string name;  // lower-cased: identifiers are case-insensitive (RFC 5228 9 writes "NOT")
  int line = 0;
  std::vector<Argument> arguments;
  std::vector<Node> tests;  // the test, or the members of a test-list
  bool test_list = false;   // the tests were given as "( ... )"
  bool has_block = false;
  std::vector<Node> block;
};

}  // namespace mailsuite::sieve
