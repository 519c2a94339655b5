#include "arguments.h"

#include <algorithm>

namespace mailsuite::sieve {

bool Extensions::Has(std::string_view name) const {
  return std::find(names.begin(), names.end(), name) != names.end();
}

CompileCheck Split(const Node& node, std::span<const TagSpec> specs, const Extensions& extensions,
                   SplitArguments& out) {
  std::map<int, std::string> group_taken;
  const auto& args = node.arguments;
  for (size_t i = 0; i < args.size(); ++i) {
    const Argument& arg = args[i];
    if (arg.kind != Argument::Kind::kTag) {
      out.positional.push_back(&arg);
      continue;
    }
    auto fail = [&](const std::string& why) {
      return CompileError{arg.line, node.name + ": " + why};
    };
    if (!out.positional.empty()) return fail("tag ':" + arg.tag + "' after positional arguments");
    auto spec = std::find_if(specs.begin(), specs.end(),
                             [&](const TagSpec& s) { return s.name == arg.tag; });
    if (spec == specs.end()) return fail("unexpected tag ':" + arg.tag + "'");
    if (!spec->extension.empty() && !extensions.Has(spec->extension))
      return fail("':" + arg.tag + "' needs require \"" + std::string(spec->extension) + "\"");
    if (out.Has(arg.tag)) return fail("':" + arg.tag + "' given twice");
    if (spec->group != 0) {
      auto [taken, fresh] = group_taken.emplace(spec->group, arg.tag);
      if (!fresh) return fail("':" + taken->second + "' and ':" + arg.tag + "' exclude each other");
    }
    std::string value;
    if (spec->takes_string) {
      if (i + 1 >= args.size() || !IsSingleString(args[i + 1]))
        return fail("':" + arg.tag + "' needs a string");
      value = args[++i].strings.front();
    } else if (spec->takes_list || spec->takes_number) {
      bool fits =
          i + 1 < args.size() && (spec->takes_list ? IsStringList(args[i + 1])
                                                   : args[i + 1].kind == Argument::Kind::kNumber);
      if (!fits)
        return fail("':" + arg.tag + "' needs " +
                    (spec->takes_list ? "a string list" : "a number"));
      out.values.emplace(arg.tag, &args[++i]);
    }
    out.tags.emplace(arg.tag, std::move(value));
  }
  return std::nullopt;
}

bool IsSingleString(const Argument& arg) {
  return arg.kind == Argument::Kind::kStringList && !arg.bracketed && arg.strings.size() == 1;
}

bool IsStringList(const Argument& arg) { return arg.kind == Argument::Kind::kStringList; }

CompileError ArgumentError(const Node& node, std::string_view expected) {
  return {node.line, node.name + ": expected " + std::string(expected)};
}

CompileCheck NoTestsOrBlock(const Node& node, bool is_command) {
  if (!node.tests.empty()) {
    const Node& test = node.tests[0];
    std::string hint = is_command && !node.test_list ? " (missing ';'?)" : "";
    return CompileError{test.line, node.name + ": unexpected test '" + test.name + "'" + hint};
  }
  if (node.has_block) return CompileError{node.line, node.name + ": unexpected block"};
  return std::nullopt;
}

}  // namespace mailsuite::sieve
