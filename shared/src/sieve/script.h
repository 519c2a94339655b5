// The compiled form of a Sieve script: commands and tests with their names resolved, arguments
// checked and typed, so the interpreter never looks at a string to decide what to do.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "shared/sieve/sieve.h"

namespace mailsuite::sieve {

// RFC 5228 2.7.1; :value and :count of RFC 5231 ("relational").
enum class MatchType { kIs, kContains, kMatches, kValue, kCount };
// RFC 5228 2.7.3, RFC 4790 9 (i;ascii-numeric: 9.1, with require "comparator-i;ascii-numeric").
enum class Comparator { kAsciiCasemap, kOctet, kAsciiNumeric };
enum class Relation { kGt, kGe, kLt, kLe, kEq, kNe };  // RFC 5231 5
enum class AddressPart { kAll, kLocalPart, kDomain };  // RFC 5228 2.7.4
enum class EnvelopePart { kFrom, kTo };                // RFC 5228 5.4

struct Test {
  enum class Kind {
    kTrue,
    kFalse,
    kNot,
    kAllOf,
    kAnyOf,
    kExists,
    kHeader,
    kAddress,
    kEnvelope,
    kSizeOver,
    kSizeUnder
  };
  Kind kind = Kind::kTrue;
  MatchType match = MatchType::kIs;
  Relation relation = Relation::kEq;  // :value and :count
  Comparator comparator = Comparator::kAsciiCasemap;
  AddressPart address_part = AddressPart::kAll;
  std::vector<std::string> headers;          // exists, header, address
  std::vector<EnvelopePart> envelope_parts;  // envelope
  std::vector<std::string> keys;             // header, address, envelope
  uint64_t size = 0;                         // size
  std::vector<Test> children;                // not (one), allof, anyof
};

struct Command;

// One arm of an if/elsif/else chain; `condition` is empty for the else arm.
struct Branch {
  std::optional<Test> condition;
  std::vector<Command> block;
};

struct Command {
  enum class Kind { kIf, kStop, kKeep, kDiscard, kFileInto, kRedirect };
  Kind kind = Kind::kKeep;
  std::vector<Branch> branches;  // kIf: the if arm, then elsif arms, then maybe an else arm
  std::string target;            // kFileInto: mailbox; kRedirect: address
  bool copy = false;             // :copy
  bool create = false;           // :create
};

class Script {
 public:
  std::vector<Command> commands;  // `require` is checked at compile time and not kept
};

}  // namespace mailsuite::sieve
