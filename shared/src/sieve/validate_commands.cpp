// Control commands (RFC 5228 3: require, if/elsif/else, stop) and actions (4: fileinto,
// redirect, keep, discard) with :copy (RFC 3894), :create (RFC 5490) and :flags (RFC 5232); the
// commands of the other extensions are checked in validate_<extension>.cpp.
#include <Poco/String.h>

#include "encoded_character.h"
#include "shared/mail/address.h"
#include "supported_extensions.h"
#include "validate.h"
#include "variables.h"

namespace mailsuite::sieve {
namespace {

constexpr TagSpec kFileIntoTags[] = {
    {"copy", "copy"}, {"create", "mailbox"}, {"flags", "imap4flags", 0, false, true}};
constexpr TagSpec kKeepTags[] = {{"flags", "imap4flags", 0, false, true}};
constexpr TagSpec kRedirectTags[] = {{"copy", "copy"}};

class CommandValidator {
 public:
  CompileCheck Run(const std::vector<Node>& nodes, Script& out) {
    size_t first = 0;
    for (; first < nodes.size() && nodes[first].name == "require"; ++first)
      if (auto error = Require(nodes[first])) return error;
    out.variables = extensions_.Has("variables");
    if (!extensions_.Has("encoded-character")) return Commands(nodes, first, out.commands);
    std::vector<Node> decoded(nodes.begin() + static_cast<std::ptrdiff_t>(first), nodes.end());
    if (auto error = DecodeEncodedCharacters(decoded)) return error;
    return Commands(decoded, 0, out.commands);
  }

 private:
  // RFC 5228 3.2: require <capabilities: string-list>, only before any other command.
  CompileCheck Require(const Node& node) {
    if (auto error = NoTestsOrBlock(node, /*is_command=*/true)) return error;
    if (node.arguments.size() != 1 || node.arguments[0].kind != Argument::Kind::kStringList)
      return ArgumentError(node, "a string list of extensions");
    for (const std::string& name : node.arguments[0].strings) {
      std::string lower = Poco::toLower(name);
      if (!IsSupportedExtension(lower))
        return CompileError{node.line, "unsupported extension '" + name + "'"};
      extensions_.names.push_back(std::move(lower));
    }
    return std::nullopt;
  }

  CompileCheck Commands(const std::vector<Node>& nodes, size_t first, std::vector<Command>& out) {
    for (size_t i = first; i < nodes.size(); ++i) {
      const Node& node = nodes[i];
      if (node.name == "elsif" || node.name == "else") {
        if (out.empty() || out.back().kind != Command::Kind::kIf ||
            !out.back().branches.back().condition)
          return CompileError{node.line, node.name + " without a preceding if"};
        out.back().branches.emplace_back();
        if (auto error = Arm(node, out.back().branches.back())) return error;
        continue;
      }
      out.emplace_back();
      out.back().line = node.line;
      if (auto error = One(node, out.back())) return error;
    }
    return std::nullopt;
  }

  // if/elsif <test> <block>; else <block>.
  CompileCheck Arm(const Node& node, Branch& branch) {
    if (!node.arguments.empty()) return ArgumentError(node, "no arguments");
    if (node.name == "else") {
      if (!node.tests.empty()) return ArgumentError(node, "a block, not a test");
    } else {
      if (node.test_list || node.tests.size() != 1) return ArgumentError(node, "one test");
      branch.condition.emplace();
      if (auto error = ValidateTest(node.tests[0], extensions_, *branch.condition)) return error;
    }
    if (!node.has_block) return ArgumentError(node, "a block \"{ ... }\"");
    return Commands(node.block, 0, branch.block);
  }

  CompileCheck One(const Node& node, Command& out) {
    using Kind = Command::Kind;
    const std::string& name = node.name;
    if (name == "require")
      return CompileError{node.line, "require must come before any other command"};
    if (name == "if") {
      out.kind = Kind::kIf;
      out.branches.emplace_back();
      return Arm(node, out.branches.back());
    }
    if (name == "keep") {
      out.kind = Kind::kKeep;
      return Keep(node, out);
    }
    if (name == "stop" || name == "discard") {
      out.kind = name == "stop" ? Kind::kStop : Kind::kDiscard;
      if (!node.arguments.empty()) return ArgumentError(node, "no arguments");
      return NoTestsOrBlock(node, /*is_command=*/true);
    }
    if (name == "fileinto") {
      if (!extensions_.Has("fileinto"))
        return CompileError{node.line, "fileinto: missing require \"fileinto\""};
      out.kind = Kind::kFileInto;
      return FileInto(node, out);
    }
    if (name == "redirect") {
      out.kind = Kind::kRedirect;
      return Redirect(node, out);
    }
    if (name == "reject" || name == "ereject") return ValidateReject(node, extensions_, out);
    if (name == "vacation") return ValidateVacation(node, extensions_, out);
    if (name == "set") return ValidateSet(node, extensions_, out);
    if (name == "setflag" || name == "addflag" || name == "removeflag")
      return ValidateFlagCommand(node, extensions_, out);
    return CompileError{node.line, "unknown command '" + name + "'"};
  }

  // keep [":flags" <list-of-flags: string-list>] (RFC 5232 5).
  CompileCheck Keep(const Node& node, Command& out) {
    if (auto error = NoTestsOrBlock(node, /*is_command=*/true)) return error;
    SplitArguments split;
    if (auto error = Split(node, kKeepTags, extensions_, split)) return error;
    if (!split.positional.empty())
      return ArgumentError(
          node, extensions_.Has("imap4flags") ? "no arguments but :flags" : "no arguments");
    TakeFlagsTag(split, out);
    if (out.flags) return CheckStrings(node, *out.flags, extensions_);
    return std::nullopt;
  }

  // Both actions take tags and then exactly one string.
  CompileCheck Target(const Node& node, std::span<const TagSpec> tags, Command& out) {
    if (auto error = NoTestsOrBlock(node, /*is_command=*/true)) return error;
    SplitArguments split;
    if (auto error = Split(node, tags, extensions_, split)) return error;
    if (split.positional.size() != 1 || !IsSingleString(*split.positional[0]))
      return ArgumentError(node, "one string");
    out.target = split.positional[0]->strings.front();
    out.copy = split.Has("copy");
    out.create = split.Has("create");
    TakeFlagsTag(split, out);
    if (auto error = CheckStrings(node, {out.target}, extensions_)) return error;
    if (out.flags) return CheckStrings(node, *out.flags, extensions_);
    return std::nullopt;
  }

  // RFC 5229 3: a target with a variable in it is only known, and checked, at run time.
  bool KnownNow(const Command& out) const {
    return !(extensions_.Has("variables") && HasVariableReference(out.target));
  }

  CompileCheck FileInto(const Node& node, Command& out) {
    if (auto error = Target(node, kFileIntoTags, out)) return error;
    out.target_checked = KnownNow(out);
    if (out.target_checked && out.target.empty())
      return CompileError{node.line, "fileinto: empty mailbox name"};
    return std::nullopt;
  }

  // RFC 5228 4.2: a constant address that is not syntactically valid is a compile-time error.
  CompileCheck Redirect(const Node& node, Command& out) {
    if (auto error = Target(node, kRedirectTags, out)) return error;
    out.target_checked = KnownNow(out);
    if (!out.target_checked) return std::nullopt;
    auto address = mail::ParseMailbox(out.target, /*allow_utf8=*/true);
    if (!address || address->domain.empty())
      return CompileError{node.line, "redirect: invalid address '" + out.target + "'"};
    out.target = address->ToString();
    return std::nullopt;
  }

  Extensions extensions_;
};

}  // namespace

CompileCheck ValidateScript(const std::vector<Node>& nodes, Script& out) {
  return CommandValidator().Run(nodes, out);
}

}  // namespace mailsuite::sieve
