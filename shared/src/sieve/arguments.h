// Tagged and positional arguments of one command or test (RFC 5228 2.6): which tags it accepts,
// which extension each needs, which tags exclude each other (one match type, one address part,
// 2.7.1 and 2.7.4), and the rule that tags come before positional arguments (2.6.2).
#pragma once

#include <map>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "compile_error.h"
#include "syntax_tree.h"

namespace mailsuite::sieve {

// The extensions a script has required so far ("fileinto", "copy", ...), lower-cased.
struct Extensions {
  std::vector<std::string> names;
  bool Has(std::string_view name) const;
};

struct TagSpec {
  std::string_view name;            // without ':'
  std::string_view extension = "";  // the `require` it needs, "" for none
  int group = 0;                    // tags of the same non-zero group exclude each other
  bool takes_string = false;        // followed by one string (":comparator" "i;octet")
  bool takes_list = false;          // followed by a string list (":flags" ["\\Seen", "a"])
  bool takes_number = false;        // followed by a number (":days" 7)
};

struct SplitArguments {
  std::map<std::string, std::string, std::less<>> tags;        // name -> its string, or ""
  std::map<std::string, const Argument*, std::less<>> values;  // name -> its list or number
  std::vector<const Argument*> positional;
  bool Has(std::string_view tag) const { return tags.find(tag) != tags.end(); }
  const std::vector<std::string>& List(std::string_view tag) const {
    return values.find(tag)->second->strings;
  }
  uint64_t Number(std::string_view tag) const { return values.find(tag)->second->number; }
};

// Splits `node`'s arguments by `specs`; an error names the command or test and the tag.
CompileCheck Split(const Node& node, std::span<const TagSpec> specs, const Extensions& extensions,
                   SplitArguments& out);

// Helpers for the positional arguments, with errors such as "fileinto: expected one string".
bool IsSingleString(const Argument& arg);
bool IsStringList(const Argument& arg);
CompileError ArgumentError(const Node& node, std::string_view expected);
// A node that may not have tests (anything but if/elsif/not/allof/anyof) or a block. A test
// after a command is most often a forgotten ';' ("keep fileinto ..."): the error says so.
CompileCheck NoTestsOrBlock(const Node& node, bool is_command);

}  // namespace mailsuite::sieve
