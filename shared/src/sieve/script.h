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
enum class BodyTransform { kText, kRaw, kContent };    // RFC 5173 5
// RFC 5260 4.2.
enum class DatePart {
  kYear,
  kMonth,
  kDay,
  kDate,
  kJulian,
  kHour,
  kMinute,
  kSecond,
  kTime,
  kIso8601,
  kStd11,
  kZone,
  kWeekday
};
// RFC 5260 4.1: the zone a date is shown in.
enum class DateZone { kLocal, kGiven, kOriginal };

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
    kSizeUnder,
    kString,       // RFC 5229 5
    kHasFlag,      // RFC 5232 4
    kBody,         // RFC 5173
    kDate,         // RFC 5260 4
    kCurrentDate,  // RFC 5260 5
  };
  Kind kind = Kind::kTrue;
  MatchType match = MatchType::kIs;
  Relation relation = Relation::kEq;  // :value and :count
  Comparator comparator = Comparator::kAsciiCasemap;
  AddressPart address_part = AddressPart::kAll;
  std::vector<std::string> headers;          // exists, header, address, date (one)
  std::vector<EnvelopePart> envelope_parts;  // envelope
  std::vector<std::string> keys;             // header, address, envelope, string, hasflag, ...
  uint64_t size = 0;                         // size
  std::vector<Test> children;                // not (one), allof, anyof
  std::vector<std::string> sources;          // string: the source strings
  std::vector<std::string> variables;        // hasflag: variable names (empty: the internal one)
  BodyTransform transform = BodyTransform::kText;  // body
  std::vector<std::string> content_types;          // body :content
  DatePart date_part = DatePart::kYear;            // date, currentdate
  DateZone zone = DateZone::kLocal;                // date, currentdate
  int zone_minutes = 0;                            // DateZone::kGiven: east of UTC
  uint64_t index = 0;  // RFC 5260 6 :index (1-based; 0: every field), :last counts from the end
  bool last = false;
};

struct Command;

// One arm of an if/elsif/else chain; `condition` is empty for the else arm.
struct Branch {
  std::optional<Test> condition;
  std::vector<Command> block;
};

// RFC 5229 4.1: the modifiers of "set", applied in this order (highest precedence first).
enum SetModifier : unsigned {
  kLower = 1 << 0,
  kUpper = 1 << 1,
  kLowerFirst = 1 << 2,
  kUpperFirst = 1 << 3,
  kQuoteWildcard = 1 << 4,
  kLength = 1 << 5,
};

struct Command {
  enum class Kind {
    kIf,
    kStop,
    kKeep,
    kDiscard,
    kFileInto,
    kRedirect,
    kReject,      // RFC 5429 (reject and ereject)
    kVacation,    // RFC 5230
    kSet,         // RFC 5229 4
    kSetFlag,     // RFC 5232 3.1
    kAddFlag,     // RFC 5232 3.2
    kRemoveFlag,  // RFC 5232 3.3
  };
  Kind kind = Kind::kKeep;
  int line = 0;                  // for run-time errors
  std::vector<Branch> branches;  // kIf: the if arm, then elsif arms, then maybe an else arm
  std::string target;            // kFileInto: mailbox; kRedirect: address; kReject: reason
  bool target_checked = false;   // the target was valid at compile time (no variables in it)
  bool copy = false;             // :copy
  bool create = false;           // :create
  bool ereject = false;          // kReject: "ereject"
  std::optional<std::vector<std::string>> flags;  // keep/fileinto :flags; the *flag commands
  std::string variable;    // kSet: the name; *flag: the variable ("": the internal one)
  std::string value;       // kSet: the value
  unsigned modifiers = 0;  // kSet: SetModifier bits
  Vacation vacation;       // kVacation: as written (strings expanded at run time)
  bool vacation_handle_given = false;
};

class Script {
 public:
  std::vector<Command> commands;  // `require` is checked at compile time and not kept
  bool variables = false;         // "variables" was required: strings are expanded at run time
};

}  // namespace mailsuite::sieve
